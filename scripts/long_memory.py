"""Long memory without gates? IRNN, LSTM, Clockwork RNN and SCRN on the adding problem (PyTorch, CPU, float64).

Hung-yi Lee's lecture lists, beside the LSTM and the GRU, other "helpful techniques" against vanishing
gradients: the identity-initialised ReLU RNN (IRNN), the Clockwork RNN and the SCRN (structurally
constrained recurrent network). This script trains all four on the adding problem (the sum of two marked
numbers in a sequence of T random numbers; always predicting 1 gives an MSE of 1/6) and prints their test
MSE. The models are those of `rnncourse.longmemory` (`long_memory_model`, `train_long_memory`).

    .venv/bin/python scripts/long_memory.py                        # T = 100, 3000 steps (several minutes)
    .venv/bin/python scripts/long_memory.py --T 50 --steps 600     # what chapter 7 runs (other test set)
    .venv/bin/python scripts/long_memory.py --seeds 0,1,2          # several seeds per model

Chapter 7 (book/07-gated-units.ipynb) shows the short version; a progress bar per model goes to stderr.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from rnncourse.longmemory import LONG_MEMORY_KINDS, train_long_memory
from rnncourse.tasks import adding_data

NAMES = {"irnn": "IRNN", "lstm": "LSTM", "clockwork": "Clockwork RNN", "scrn": "SCRN"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=100, help="sequence length (default 100)")
    ap.add_argument("--hidden", type=int, default=32, help="hidden units (default 32; SCRN adds --context)")
    ap.add_argument("--context", type=int, default=8, help="SCRN context units (default 8)")
    ap.add_argument("--periods", default="1,2,4,8", help="Clockwork periods, dividing --hidden (default 1,2,4,8)")
    ap.add_argument("--steps", type=int, default=3000, help="training steps per model (default 3000)")
    ap.add_argument("--batch", type=int, default=64, help="sequences per step (default 64)")
    ap.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 1e-2)")
    ap.add_argument("--irnn-lr", type=float, default=1e-3,
                    help="learning rate of the IRNN, which needs a smaller one (default 1e-3)")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    ap.add_argument("--models", default=",".join(LONG_MEMORY_KINDS), help="subset of irnn,lstm,clockwork,scrn")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    if not kinds or any(k not in LONG_MEMORY_KINDS for k in kinds):
        ap.error(f"--models: expected a subset of {','.join(LONG_MEMORY_KINDS)}, got {args.models!r}")
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
        periods = tuple(int(p) for p in args.periods.split(","))
    except ValueError:
        ap.error("--seeds and --periods: expected comma-separated integers")
    if args.T < 2 or args.steps < 1 or args.batch < 1 or args.hidden < 1:
        ap.error("--T must be >= 2 and --steps, --batch, --hidden >= 1")

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    test = adding_data(np.random.default_rng(12345), args.T, 2000)
    baseline = float(np.mean((1.0 - test[1]) ** 2))
    results = {k: [] for k in kinds}
    for kind in kinds:
        kw = {"periods": periods} if kind == "clockwork" else {"context": args.context} if kind == "scrn" else {}
        for seed in seeds:
            lr = args.irnn_lr if kind == "irnn" else args.lr
            _, mse = train_long_memory(kind, args.T, args.steps, np.random.default_rng(seed), hidden=args.hidden,
                                       batch=args.batch, lr=lr, test=test, desc=f"{kind} seed {seed}", **kw)
            results[kind].append(mse)
    print(f"adding problem, T = {args.T}, hidden = {args.hidden}, {args.steps} steps of {args.batch}, "
          f"lr = {args.lr} (IRNN {args.irnn_lr}), seeds {seeds}; test MSE on 2000 sequences")
    print(f"  {'baseline (predict 1)':<22}{baseline:.4f}")
    for kind, mses in results.items():
        best = min(mses)
        verdict = ("learnt" if best < 0.1 * baseline else "partly" if best < 0.5 * baseline
                   else "near baseline" if best < 1.2 * baseline else "worse than the baseline")
        print(f"  {NAMES[kind]:<22}" + "  ".join(f"{m:.4f}" for m in mses) + f"   (best: {verdict})")


if __name__ == "__main__":
    main()
