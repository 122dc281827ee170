#!/usr/bin/env python3
"""rnnamp-train's recipe in PyTorch, for speed comparisons only.

Same model (LSTM/GRU/RNN + dense head, PyTorch default initialisation),
same batches (random segments of warm-up + segment samples, TBPTT chunks,
one Adam step per chunk), same loss (ESR after pre-emphasis 1 - 0.85 z^-1 +
DC term), gradient clipping 1.0, learning rate halved after 5 epochs without
validation improvement; in data mode also the same defaults (batch 8,
TBPTT 512, segment about 1/6 s) and input and target trained at an RMS of
0.25 over the training part (--train-rms, like rnnamp-train). Needs python3-torch (and sox to read audio files);
nothing in the build or CI uses it.

Speed (synthetic data like `rnnamp-train --bench`), prints samples/s:

    python3 tools/torch_train_replica.py --arch lstm --hidden 32 --batch 50

Time to a validation ESR of 5 %, 2 % and 1 % on real data (split like
rnnamp-train: first 80 % trains, next 10 % validates; validation ESR is
plain ESR, computed every epoch on 32768-sample pieces with 4096 samples of
pre-roll, like rnnamp-train). The files must be aligned already (run
rnnamp-train with --no-align on the same files for a fair comparison):

    python3 tools/torch_train_replica.py --input di.flac --target amp.flac \\
        --arch lstm --hidden 32 --minutes 10 [--log torch.csv]
"""
import argparse
import math
import subprocess
import sys
import time

import torch

MARKS = (0.05, 0.02, 0.01)
EVAL_PIECE = 32768
EVAL_PREROLL = 4096


def loss_fn(y, t, a=0.85, dc=1.0):
    e = y - t
    ef = e[1:] - a * e[:-1]
    tf = t[1:] - a * t[:-1]
    esr = (ef ** 2).sum() / ((tf ** 2).sum() + 1e-10)
    m = e.mean(dim=0)
    return esr + dc * y.shape[0] * (m ** 2).sum() / ((t ** 2).sum() + 1e-10)


def read_audio(path):
    """Mono float32 samples and the sample rate, decoded by sox."""
    try:
        rate = int(subprocess.run(["soxi", "-r", path], check=True,
                                  capture_output=True, text=True).stdout)
        raw = subprocess.run(["sox", path, "-t", "raw", "-e", "floating-point",
                              "-b", "32", "-c", "1", "-"], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        sys.exit(f"torch_train_replica: {path}: cannot read audio ({e})")
    x = torch.frombuffer(bytearray(raw), dtype=torch.float32).clone()
    if x.numel() == 0:
        sys.exit(f"torch_train_replica: {path}: no samples")
    return x, rate


class Model(torch.nn.Module):
    def __init__(self, arch, hidden):
        super().__init__()
        cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU,
               "rnn": torch.nn.RNN}[arch]
        self.rnn = cls(1, hidden)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x, state=None):  # x [T][B][1] -> y [T][B]
        h, state = self.rnn(x, state)
        return self.head(h)[:, :, 0], state


def detach(state):
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_batch(model, opt, params, x, y, a):
    """x, y [warmup + segment][B]; one Adam step per TBPTT chunk."""
    state = None
    if a.warmup:
        with torch.no_grad():
            _, state = model(x[:a.warmup, :, None])
    total = 0.0
    n = 0
    for k in range(a.warmup, x.shape[0], a.tbptt):
        xs, ts = x[k:k + a.tbptt, :, None], y[k:k + a.tbptt]
        if state is not None:
            state = detach(state)
        out, state = model(xs, state)
        loss = loss_fn(out, ts)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        total += float(loss)
        n += 1
    return total / max(n, 1)


def eval_esr(model, x, y, start, end):
    """Plain ESR on [start, end): pieces with pre-roll, batched."""
    xs, ys, valid = [], [], []
    for a in range(start, end, EVAL_PIECE):
        b = min(a + EVAL_PIECE, end)
        lo = a - EVAL_PREROLL
        seg = torch.zeros(EVAL_PREROLL + EVAL_PIECE)
        tgt = torch.zeros(EVAL_PREROLL + EVAL_PIECE)
        src0 = max(lo, 0)
        seg[src0 - lo:b - lo] = x[src0:b]
        tgt[src0 - lo:b - lo] = y[src0:b]
        xs.append(seg)
        ys.append(tgt)
        valid.append(b - a)
    X = torch.stack(xs, dim=1)
    Y = torch.stack(ys, dim=1)
    with torch.no_grad():
        out, _ = model(X[:, :, None])
    err = 0.0
    pw = 0.0
    for i, n in enumerate(valid):
        e = out[EVAL_PREROLL:EVAL_PREROLL + n, i] - \
            Y[EVAL_PREROLL:EVAL_PREROLL + n, i]
        err += float((e.double() ** 2).sum())
        pw += float((Y[EVAL_PREROLL:EVAL_PREROLL + n, i].double() ** 2).sum())
    return err / max(pw, 1e-20)


def run_data(a, model, opt, params):
    x, rate = read_audio(a.input)
    y, rate_t = read_audio(a.target)
    if rate != rate_t:
        sys.exit(f"torch_train_replica: {a.input} is {rate} Hz but "
                 f"{a.target} is {rate_t} Hz")
    n = min(x.numel(), y.numel())
    x, y = x[:n], y[:n]
    n_train, n_val = int(n * 0.8), int(n * 0.1)
    if a.segment is None:  # rnnamp-train: rate / 6 rounded to the chunk
        a.segment = max(1, (rate // 6 + a.tbptt // 2) // a.tbptt) * a.tbptt
    if a.train_rms > 0:  # plain ESR does not change with a common scale
        for v in (x, y):
            rms = float(v[:n_train].double().pow(2).mean().sqrt())
            if rms > 1e-9:
                v *= min(max(a.train_rms / rms, 1e-3), 1e4)
    seg_len = a.warmup + a.segment
    if n_train < seg_len:
        sys.exit("torch_train_replica: the training audio is too short")
    n_batches = max(1, n_train // (a.segment * a.batch))
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=5, min_lr=1e-5)
    gen = torch.Generator().manual_seed(a.seed)
    marks = [None] * len(MARKS)
    log = open(a.log, "w") if a.log else None
    if log:
        log.write("epoch,seconds,train_loss,val_esr,best_val_esr,lr,"
                  "samples_per_s\n")
    best = math.inf
    samples = 0
    t0 = time.time()
    budget = a.minutes * 60 if a.minutes > 0 else math.inf
    epoch = 0
    while epoch < a.epochs and time.time() - t0 < budget:
        losses = []
        t_train = 0.0
        for _ in range(n_batches):
            starts = torch.randint(0, n_train - seg_len + 1, (a.batch,),
                                   generator=gen)
            idx = starts[None, :] + torch.arange(seg_len)[:, None]
            tb = time.time()
            losses.append(train_batch(model, opt, params, x[idx], y[idx], a))
            t_train += time.time() - tb
            samples += seg_len * a.batch
        v = eval_esr(model, x, y, n_train, n_train + n_val)
        sched.step(v)
        best = min(best, v)
        el = time.time() - t0
        epoch += 1
        for k, m in enumerate(MARKS):
            if marks[k] is None and v < m:
                marks[k] = (el, epoch)
        sps = n_batches * seg_len * a.batch / max(t_train, 1e-9)
        lr = opt.param_groups[0]["lr"]
        print(f"epoch {epoch}: loss {sum(losses) / len(losses):.4g}, "
              f"val ESR {v:.4g}, best {best:.4g}, lr {lr:.3g}, "
              f"{el:.1f} s, {sps:.0f} samples/s", flush=True)
        if log:
            log.write(f"{epoch},{el:.3f},{sum(losses) / len(losses):.6g},"
                      f"{v:.6g},{best:.6g},{lr:.4g},{sps:.0f}\n")
            log.flush()
    if log:
        log.close()
    parts = []
    for k, m in enumerate(MARKS):
        if marks[k] is None:
            parts.append(f"{m * 100:g}%: not reached")
        else:
            parts.append(f"{m * 100:g}%: {marks[k][0]:.1f} s "
                         f"(epoch {marks[k][1]})")
    print(f"torch {torch.__version__}: {a.arch}-{a.hidden} batch {a.batch}, "
          f"{a.threads} threads: {epoch} epochs, {time.time() - t0:.1f} s, "
          f"best validation ESR {best:.4g}")
    print("time to validation ESR " + ", ".join(parts))


def run_bench(a, model, opt, params):
    if a.segment is None:
        a.segment = 24576
    L = a.warmup + a.segment
    samples = 0
    t0 = time.time()
    for _ in range(a.batches):
        x = 0.5 * (2 * torch.rand(L, a.batch) - 1)
        y = torch.tanh(3 * x)  # stands in for the bench's target
        train_batch(model, opt, params, x, y, a)
        samples += L * a.batch
    dt = time.time() - t0
    # an epoch of 3 min of 48 kHz audio (80 % trains), counted like
    # rnnamp-train --bench: whole batches of warm-up + segment samples
    nb3 = max(1, int(0.8 * 180 * 48000) // (a.segment * a.batch))
    epoch3 = nb3 * a.batch * L / (samples / dt)
    print(f"torch {torch.__version__}: {a.arch}-{a.hidden} batch {a.batch}, "
          f"{a.threads} thread(s): {samples / dt:.0f} samples/s (fwd+bwd), "
          f"{epoch3:.2f} s per epoch of 3 min audio at 48 kHz "
          f"(training only)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="lstm", choices=["lstm", "gru", "rnn"])
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--batch", type=int, default=None,
                    help="default 50 (bench) / 8 (data, like rnnamp-train)")
    ap.add_argument("--segment", type=int, default=None,
                    help="default 24576 (bench) / rate/6 rounded to TBPTT")
    ap.add_argument("--tbptt", type=int, default=None,
                    help="default 2048 (bench) / 512 (data)")
    ap.add_argument("--train-rms", type=float, default=0.25,
                    help="data mode: train at this RMS (0 = off)")
    ap.add_argument("--warmup", type=int, default=1024)
    ap.add_argument("--batches", type=int, default=3, help="bench batches")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--input", help="DI audio file (data mode)")
    ap.add_argument("--target", help="target audio file (data mode)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--epochs", type=int, default=10000)
    ap.add_argument("--log", help="per-epoch CSV (data mode)")
    a = ap.parse_args()
    if (a.input is None) != (a.target is None):
        ap.error("--input and --target go together")
    if a.batch is None:
        a.batch = 8 if a.input else 50
    if a.tbptt is None:
        a.tbptt = 512 if a.input else 2048
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = Model(a.arch, a.hidden)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    if a.input:
        run_data(a, model, opt, params)
    else:
        run_bench(a, model, opt, params)


if __name__ == "__main__":
    main()
