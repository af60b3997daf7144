"""The adding problem (Hochreiter & Schmidhuber 1997): plain RNN vs GRU vs LSTM, in PyTorch on the CPU.

Each input sequence has T steps and two features: a random number in [0, 1] and a marker that is 1 at
exactly two positions (one in the first half, one in the second half) and 0 elsewhere. The target is the
sum of the two marked numbers. Always predicting 1 (the mean target) gives an MSE of 1/6 = 0.167: a model
has learnt something only if it beats that baseline.

    .venv/bin/python scripts/adding_problem.py                      # the long version (T = 100)
    .venv/bin/python scripts/adding_problem.py --T 30 --steps 100   # a quick smoke run

Chapter 7 (book/07-gated-units.ipynb) runs a short version of the same experiment. This script prints a
progress bar per model (tqdm, on stderr) and, at the end, the test MSE of every model and of the baseline.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from tqdm import tqdm

KINDS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def adding_batch(rng: np.random.Generator, T: int, N: int):
    """Inputs ``(T, N, 2)`` (value, marker) and targets ``(N, 1)`` as float32 tensors."""
    values = rng.uniform(0.0, 1.0, (T, N))
    markers = np.zeros((T, N))
    cols = np.arange(N)
    markers[rng.integers(0, T // 2, N), cols] = 1.0         # one marker in the first half
    markers[rng.integers(T // 2, T, N), cols] = 1.0         # one in the second half
    x = np.stack([values, markers], axis=-1)
    y = (values * markers).sum(axis=0)[:, None]
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


class Regressor(torch.nn.Module):
    """A one-layer recurrent network read out by a linear layer at the last step."""

    def __init__(self, kind: str, hidden: int):
        super().__init__()
        self.rnn = getattr(torch.nn, KINDS[kind])(2, hidden)
        self.out = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        states, _ = self.rnn(x)
        return self.out(states[-1])


def train(kind: str, T: int, hidden: int, steps: int, batch: int, lr: float, seed: int, test,
          progress: bool = True):
    """Train one model with Adam and gradient clipping (norm 1); returns (per-step losses, test MSE)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Regressor(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    bar = tqdm(range(steps), desc=f"{kind:>4} T={T}", disable=not progress)
    for step in bar:
        x, y = adding_batch(rng, T, batch)
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix(mse=f"{np.mean(losses[-50:]):.4f}")
    with torch.no_grad():
        test_mse = torch.nn.functional.mse_loss(model(test[0]), test[1]).item()
    return np.array(losses), test_mse


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
    ap.add_argument("--no-progress", action="store_true", help="hide the progress bars")
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
        _, results[kind] = train(kind, args.T, args.hidden, args.steps, args.batch, args.lr, args.seed, test,
                                 progress=not args.no_progress)
    print(f"adding problem, T = {args.T}, hidden = {args.hidden}, {args.steps} steps of {args.batch}, "
          f"lr = {args.lr}, seed = {args.seed}; test MSE on 2000 sequences")
    print(f"  {'baseline (predict 1)':<22}{baseline:.4f}")
    for kind, mse in results.items():
        verdict = "learnt" if mse < 0.1 * baseline else "near baseline" if mse > 0.5 * baseline else "partly"
        print(f"  {KINDS[kind]:<22}{mse:.4f}   ({verdict})")


if __name__ == "__main__":
    main()
