#!/usr/bin/env python3
"""Make tests/train/golden/*.csv: one training step of rnnamp's recipe in
PyTorch (LSTM / GRU / RNN, hidden 5, 2 inputs, dense head, loss = ESR with
pre-emphasis 1 - 0.85 z^-1 + DC term, one Adam step lr 1e-3), and of a
hybrid model (step_hybrid.csv: pre-FIR 4 taps on the audio input, LSTM,
head + skip, post-FIR 32 taps; T = 48 so every post tap sees the chunk).

Run once where python3-torch is installed; the CSVs are committed and the
C test (tests/train/test_grad.c) compares against them. Not used in CI.

Layout of every file: rows "name,index,value" in rnnamp's canonical
parameter order (PyTorch's own: w_ih, w_hh, b_ih, b_hh, h0, c0, dense W, b;
then a hybrid's pre-FIR taps and post-FIR taps, as model.h).
"""
import math
import sys

import torch

T, B, NIN, H = 9, 3, 2, 5
T_HYBRID, PRE, POST = 48, 4, 32


def det(n, salt):
    # deterministic values in [-0.5, 0.5] without any RNG
    return torch.tensor([0.5 * math.sin(1.7 * i + salt) for i in range(n)],
                        dtype=torch.float32)


def loss_fn(y, t, a=0.85, dc=1.0):
    # y, t: [T, B]
    T = y.shape[0]
    e = y - t
    ef = e[1:] - a * e[:-1]
    tf = t[1:] - a * t[:-1]
    esr = (ef ** 2).sum() / ((tf ** 2).sum() + 1e-10)
    m = e.mean(dim=0)
    dcl = T * (m ** 2).sum() / ((t ** 2).sum() + 1e-10)
    return esr + dc * dcl


def main(outdir):
    torch.set_default_dtype(torch.float32)
    x = det(T * B * NIN, 0.3).reshape(T, B, NIN)
    t = det(T * B, 1.1).reshape(T, B) * 0.6
    for arch in ("lstm", "gru", "rnn"):
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU,
               "rnn": torch.nn.RNN}[arch]
        rnn = cls(NIN, H)
        head = torch.nn.Linear(H, 1)
        params = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,
                  rnn.bias_hh_l0, head.weight, head.bias]
        with torch.no_grad():
            for k, p in enumerate(params):
                p.copy_(det(p.numel(), 2.0 + k).reshape(p.shape))
        h0 = det(H, 9.0).reshape(1, 1, H).repeat(1, B, 1)
        c0 = det(H, 10.0).reshape(1, 1, H).repeat(1, B, 1)
        opt = torch.optim.Adam(params, lr=1e-3)
        hs, _ = rnn(x, (h0, c0)) if arch == "lstm" else rnn(x, h0)
        y = head(hs).squeeze(-1)
        loss = loss_fn(y, t)
        opt.zero_grad()
        loss.backward()
        grads = [p.grad.detach().clone() for p in params]
        before = [p.detach().clone() for p in params]
        opt.step()
        after = [p.detach().clone() for p in params]

        def flat(ts, state):
            # canonical order; h0/c0 rows carry the state (not trained)
            out = [v.flatten() for v in ts[:4]]
            out.append(state[0])
            if arch == "lstm":
                out.append(state[1])
            out += [v.flatten() for v in ts[4:]]
            return torch.cat(out)

        write_step(f"{outdir}/step_{arch}.csv",
                   f"{arch} T={T} B={B} nin={NIN} H={H}", loss, x, t,
                   before, grads, after, flat, h0, c0)


def write_step(path, header, loss, x, t, before, grads, after, flat, h0, c0):
    # flat(tensors, state) -> the canonical vector; h0/c0 rows carry the
    # initial state in p0/p1 and zeros in grad (not trained)
    st = [h0[0, 0], c0[0, 0]]
    zs = [torch.zeros(H), torch.zeros(H)]
    with open(path, "w") as f:
        f.write(f"# {header}; torch {torch.__version__}\n")
        f.write(f"loss,0,{loss.item():.9g}\n")
        for name, vec in (("x", x.flatten()), ("t", t.flatten()),
                          ("p0", flat(before, st)),
                          ("grad", flat(grads, zs)),
                          ("p1", flat(after, st))):
            for i, v in enumerate(vec.tolist()):
                f.write(f"{name},{i},{v:.9g}\n")


def fir(h, x):
    # causal FIR over time (dim 0) with zeros before t = 0:
    # y[t] = sum_j h[j] x[t - j]
    n = x.shape[0]
    y = torch.zeros_like(x)
    for j in range(min(h.numel(), n)):
        y = y + h[j] * torch.cat([torch.zeros_like(x[:j]), x[:n - j]])
    return y


def hybrid(outdir):
    x = det(T_HYBRID * B * NIN, 0.3).reshape(T_HYBRID, B, NIN)
    t = det(T_HYBRID * B, 1.1).reshape(T_HYBRID, B) * 0.6
    rnn = torch.nn.LSTM(NIN, H)
    head = torch.nn.Linear(H, 1)
    pre = torch.nn.Parameter(det(PRE, 7.0))
    post = torch.nn.Parameter(
        det(POST, 8.0) * torch.exp(-torch.arange(POST) / 8.0))
    params = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,
              rnn.bias_hh_l0, head.weight, head.bias]
    with torch.no_grad():
        for k, p in enumerate(params):
            p.copy_(det(p.numel(), 2.0 + k).reshape(p.shape))
    params += [pre, post]
    h0 = det(H, 9.0).reshape(1, 1, H).repeat(1, B, 1)
    c0 = det(H, 10.0).reshape(1, 1, H).repeat(1, B, 1)
    opt = torch.optim.Adam(params, lr=1e-3)
    u = fir(pre, x[:, :, 0])
    xin = torch.cat([u.unsqueeze(-1), x[:, :, 1:]], dim=-1)
    hs, _ = rnn(xin, (h0, c0))
    r = head(hs).squeeze(-1) + u  # skip
    y = fir(post, r)
    loss = loss_fn(y, t)
    opt.zero_grad()
    loss.backward()
    grads = [p.grad.detach().clone() for p in params]
    before = [p.detach().clone() for p in params]
    opt.step()
    after = [p.detach().clone() for p in params]

    def flat(ts, state):
        out = [v.flatten() for v in ts[:4]] + list(state)
        return torch.cat(out + [v.flatten() for v in ts[4:]])

    write_step(f"{outdir}/step_hybrid.csv",
               f"hybrid lstm T={T_HYBRID} B={B} nin={NIN} H={H} "
               f"pre={PRE} post={POST} skip", loss, x, t, before, grads, after,
               flat, h0, c0)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/train/golden"
    main(out)
    hybrid(out)
