#!/usr/bin/python3
"""Make PyTorch golden vectors for the inference engine (run once; CI does
not need torch).

    /usr/bin/python3 tools/torch_engine_golden.py tests/engine/golden

For each case, a torch.nn.LSTM / GRU / RNN (tanh) with random weights, an
nn.Linear head and an optional skip, run in float64 over a guitar-like test
signal (plus constant knob inputs), written as a plain text file:

    # comment lines
    type lstm|gru|rnn
    hidden H
    layers L
    inputs N          (1 = audio only, else audio + knobs)
    skip 0|1
    knobs k1 k2 ...   (constant knob values, N-1 of them)
    tensor NAME COUNT
    v v v ...         (row-major, PyTorch names: weight_ih_l0, ..., lin.weight)
    samples T
    x y               (T lines: audio input, reference output)

The tensors are in PyTorch layout, which is rnnamp's canonical layout, so the
test builds the model from them without any conversion.
"""
import math
import os
import sys

import torch

CASES = [
    ("lstm", 8, 1, 1, 0, 1),
    ("lstm", 32, 1, 1, 1, 2),
    ("lstm", 20, 2, 2, 1, 3),
    ("lstm", 40, 1, 3, 0, 4),
    ("gru", 8, 1, 1, 0, 5),
    ("gru", 32, 1, 1, 1, 6),
    ("gru", 16, 2, 2, 0, 7),
    ("gru", 64, 1, 1, 1, 8),
    ("rnn", 16, 1, 1, 0, 9),
    ("rnn", 24, 2, 2, 1, 10),
]
T = 2048


def signal(n):
    out = []
    for i in range(n):
        env = min(1.0, i / 1024.0)
        v = env * (0.5 * math.sin(2 * math.pi * 196.0 * i / 48000.0)
                   + 0.3 * math.sin(2 * math.pi * 1244.0 * i / 48000.0))
        out.append(float(torch.tensor(v, dtype=torch.float32)))
    out[300] = 0.9
    out[301] = -0.9
    return out


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    for kind, hidden, layers, inputs, skip, seed in CASES:
        torch.manual_seed(seed)
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU,
               "rnn": torch.nn.RNN}[kind]
        rec = cls(input_size=inputs, hidden_size=hidden, num_layers=layers,
                  batch_first=True)
        lin = torch.nn.Linear(hidden, 1)
        # round the weights to float32 so the float32 engine sees exactly
        # the weights the float64 reference uses
        with torch.no_grad():
            for p in list(rec.parameters()) + list(lin.parameters()):
                p.copy_(p.float() * 1.5)
        rec = rec.double()
        lin = lin.double()
        knobs = [round(0.2 + 0.3 * k, 2) for k in range(inputs - 1)]
        x = signal(T)
        inp = torch.tensor([[[xi] + knobs for xi in x]], dtype=torch.float64)
        with torch.no_grad():
            h, _ = rec(inp)
            y = lin(h)[0, :, 0]
            if skip:
                y = y + inp[0, :, 0]
        name = f"{kind}{hidden}x{layers}_in{inputs}{'_skip' if skip else ''}"
        with open(os.path.join(outdir, name + ".txt"), "w") as f:
            f.write(f"# made by tools/torch_engine_golden.py, torch {torch.__version__}\n")
            f.write(f"type {kind}\nhidden {hidden}\nlayers {layers}\n")
            f.write(f"inputs {inputs}\nskip {skip}\n")
            f.write("knobs " + " ".join(repr(k) for k in knobs) + "\n")
            params = [(n, p) for n, p in rec.named_parameters()]
            params += [("lin.weight", lin.weight), ("lin.bias", lin.bias)]
            for n, p in params:
                flat = p.detach().reshape(-1).tolist()
                f.write(f"tensor {n} {len(flat)}\n")
                f.write(" ".join("%.9g" % v for v in flat) + "\n")
            f.write(f"samples {T}\n")
            for xi, yi in zip(x, y.tolist()):
                f.write("%.9g %.17g\n" % (xi, yi))
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/engine/golden")
