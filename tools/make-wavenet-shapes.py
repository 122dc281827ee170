#!/usr/bin/env python3
"""Write NAM A1 WaveNets of the "lite", "feather" and "nano" shapes (the
layer arrays NAM's trainer uses for them) with deterministic random weights,
for the WaveNet benchmark (no public files of these shapes are shared with
the project; A1 standard and A2 are the real files in ../shared).

usage: tools/make-wavenet-shapes.py OUT_DIR
Developer tool: the files it writes are committed in
tests/engine/wavenet-shapes/; nothing in the build or the tests runs it.
Standard library only.
"""
import json
import random
import sys

LITE_DIL = [1, 2, 4, 8, 16, 32, 64]
TAIL_DIL = [128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
SHAPES = {  # name: (channels, head) of the two layer arrays
    "lite": ((12, 6), (6, 1)),
    "feather": ((8, 4), (4, 1)),
    "nano": ((4, 2), (2, 1)),
}


def layer_array(inp, ch, head, dil, head_bias):
    return {"input_size": inp, "condition_size": 1, "head_size": head,
            "channels": ch, "kernel_size": 3, "dilations": dil,
            "activation": "Tanh", "gated": False, "head_bias": head_bias}


def n_weights(la):
    ch, k, n = la["channels"], la["kernel_size"], len(la["dilations"])
    per_layer = k * ch * ch + ch + ch + ch * ch + ch  # conv+b, mixin, 1x1+b
    head = ch * la["head_size"] + (la["head_size"] if la["head_bias"] else 0)
    return la["input_size"] * ch + n * per_layer + head


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for seed, (name, ((c0, h0), (c1, h1))) in enumerate(SHAPES.items()):
        arrays = [layer_array(1, c0, h0, LITE_DIL, False),
                  layer_array(c0, c1, h1, TAIL_DIL, True)]
        n = sum(n_weights(a) for a in arrays) + 1  # + head_scale
        rng = random.Random(1000 + seed)
        w = [round(rng.gauss(0.0, 0.3), 6) for _ in range(n - 1)] + [0.02]
        doc = {"version": "0.5.4", "architecture": "WaveNet",
               "config": {"layers": arrays, "head": None, "head_scale": 0.02},
               "weights": w, "sample_rate": 48000,
               "metadata": {"name": "A1 %s shape, random weights" % name}}
        path = "%s/a1_%s.nam" % (out, name)
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print("%s: %d weights" % (path, n))


main()
