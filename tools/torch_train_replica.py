#!/usr/bin/env python3
"""rnnamp-train's recipe in PyTorch, for speed comparisons only.

Same model (LSTM/GRU/RNN + dense head), same batches (segments of
warm-up + segment samples, TBPTT chunks, one Adam step per chunk), same loss
(ESR after pre-emphasis 1 - 0.85 z^-1 + DC term), gradient clipping 1.0, on
synthetic data like `rnnamp-train --bench`. Prints samples/s (forward +
backward). Needs python3-torch; nothing in the build or CI uses it.

    python3 tools/torch_train_replica.py --arch lstm --hidden 32 --batch 50
"""
import argparse
import time

import torch


def loss_fn(y, t, a=0.85, dc=1.0):
    e = y - t
    ef = e[1:] - a * e[:-1]
    tf = t[1:] - a * t[:-1]
    esr = (ef ** 2).sum() / ((tf ** 2).sum() + 1e-10)
    m = e.mean(dim=0)
    return esr + dc * y.shape[0] * (m ** 2).sum() / ((t ** 2).sum() + 1e-10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="lstm", choices=["lstm", "gru", "rnn"])
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--segment", type=int, default=24576)
    ap.add_argument("--tbptt", type=int, default=2048)
    ap.add_argument("--warmup", type=int, default=1024)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    rnn = cls[a.arch](1, a.hidden)
    head = torch.nn.Linear(a.hidden, 1)
    opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()),
                           lr=4e-3)
    L = a.warmup + a.segment
    samples = 0
    t0 = time.time()
    for _ in range(a.batches):
        x = 0.5 * (2 * torch.rand(L, a.batch, 1) - 1)
        y = torch.tanh(3 * x)  # stands in for the bench's target
        with torch.no_grad():
            _, state = rnn(x[:a.warmup])
        for k in range(a.warmup, L, a.tbptt):
            xs, ts = x[k:k + a.tbptt], y[k:k + a.tbptt, :, 0]
            if isinstance(state, tuple):
                state = tuple(s.detach() for s in state)
            else:
                state = state.detach()
            h, state = rnn(xs, state)
            loss = loss_fn(head(h)[:, :, 0], ts)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(
                list(rnn.parameters()) + list(head.parameters()), 1.0)
            opt.step()
        samples += L * a.batch
    dt = time.time() - t0
    print(f"torch {torch.__version__}: {a.arch}-{a.hidden} batch {a.batch}: "
          f"{samples / dt:.0f} samples/s (fwd+bwd, {a.threads} threads)")


if __name__ == "__main__":
    main()
