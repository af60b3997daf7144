"""The adding problem (Hochreiter & Schmidhuber 1997): plain RNN vs GRU vs LSTM, in PyTorch on the CPU.

Each input sequence has T steps and two features: a random number in [0, 1] and a marker that is 1 at
exactly two positions (one in the first half, one in the second half) and 0 elsewhere. The target is the
sum of the two marked numbers. Always predicting 1 (the mean target) gives an MSE of 1/6 = 0.167: a model
has learnt something only if it beats that baseline.

    .venv/bin/python scripts/adding_problem.py                      # the long version (T = 100)
    .venv/bin/python scripts/adding_problem.py --T 30 --steps 100   # a quick smoke run

Chapter 7 (book/07-gated-units.ipynb) runs a short version of the same experiment with the same code
(rnncourse.tasks: adding_batch, make_regressor, train_adding). This script prints a progress bar per model
(on stderr; RNNCOURSE_NO_PROGRESS=1 hides it) and, at the end, the test MSE of every model and of the baseline.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

from rnncourse.tasks import adding_batch, train_adding

KINDS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=100, help="sequence length (default 100)")
    ap.add_argument("--hidden", type=int, default=32, help="hidden units (default 32)")
    ap.add_argument("--steps", type=int, default=3000, help="training steps per model (default 3000)")
    ap.add_argument("--batch", type=int, default=64, help="sequences per step (default 64)")
    ap.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 1e-2)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the initialisation and the training data")
    ap.add_argument("--models", default="rnn,gru,lstm", help="comma-separated subset of rnn,gru,lstm")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1; small matrices)")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        ap.error(f"--models: expected a subset of {','.join(KINDS)}, got {args.models!r}")
    if args.T < 2 or args.steps < 1 or args.batch < 1 or args.hidden < 1:
        ap.error("--T must be >= 2 and --steps, --batch, --hidden >= 1")

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    test = adding_batch(np.random.default_rng(args.seed + 12345), args.T, 2000)
    baseline = torch.nn.functional.mse_loss(torch.ones_like(test[1]), test[1]).item()
    results = {}
    for kind in kinds:
        _, results[kind] = train_adding(KINDS[kind], args.T, args.hidden, args.steps, args.seed, batch=args.batch,
                                        lr=args.lr, test=test, desc=f"{kind:>4} T={args.T}")
    print(f"adding problem, T = {args.T}, hidden = {args.hidden}, {args.steps} steps of {args.batch}, "
          f"lr = {args.lr}, seed = {args.seed}; test MSE on 2000 sequences")
    print(f"  {'baseline (predict 1)':<22}{baseline:.4f}")
    for kind, mse in results.items():
        verdict = "learnt" if mse < 0.1 * baseline else "near baseline" if mse > 0.5 * baseline else "partly"
        print(f"  {KINDS[kind]:<22}{mse:.4f}   ({verdict})")


if __name__ == "__main__":
    main()
