"""How much does training amplify a rounding error? (The measurement behind chapter 6's choice of float64.)

Two processors can compute the same matrix product with the terms added in a
different order, so their results differ in the last bit (about 1e-16 in
float64). To see what training does with such a difference, this script trains
the chapter's character RNN (:func:`rnncourse.lm.training.train_char_lm`: one-hot input,
n_a = 128, Adam, clipping at norm 5) twice from the same start, the second time
with every initial weight changed by one part in 1e15, and prints the largest
difference between the two runs' weights every few updates, for each learning
rate. A difference that stays tiny means the stored outputs of a chapter are the
same on every machine; one that grows to 1e-3 means the samples differ.

Usage::

    python scripts/rounding_sensitivity.py                     # lr 5e-3 and 3e-3, 1000 updates (~3 min)
    python scripts/rounding_sensitivity.py --lrs 1e-2 --steps 400 --dtype float32
"""
from __future__ import annotations

import argparse

import numpy as np

from rnncourse.corpus import python_docs_text
from rnncourse.lm.data import char_dataset
from rnncourse.lm.model import init_lm_params
from rnncourse.lm.training import train_char_lm


def run(data, lr, steps, every, dtype, scale):
    """Train from the chapter's start, weights multiplied by (1 + scale); weights every `every` updates."""
    params = init_lm_params(len(data.vocab), 128, np.random.default_rng(0), dtype=dtype)
    for v in params.values():
        v *= 1 + scale
    snapshots = {}

    def keep(row):
        snapshots[row.step] = {k: v.astype(np.float64) for k, v in params.items()}

    train_char_lm(data, n_a=128, seq_len=50, batch_size=32, steps=steps, lr=lr, clip=5.0,
                  rng=np.random.default_rng(0), eval_every=every, eval_tokens=1, dtype=dtype,
                  callback=keep, params=params)
    return snapshots


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lrs", type=float, nargs="+", default=[5e-3, 3e-3], help="Adam learning rates")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--every", type=int, default=200, help="report every so many updates")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--perturbation", type=float, default=None,
                    help="relative change of the initial weights (default: 1e-15 in float64, 1e-7 in float32, "
                         "a few units in the last place)")
    args = ap.parse_args()
    dtype = np.float64 if args.dtype == "float64" else np.float32
    if args.perturbation is None:
        args.perturbation = 1e-15 if dtype == np.float64 else 1e-7
    data = char_dataset(python_docs_text())
    print(f"largest |weight difference| between two {args.dtype} runs whose initial weights differ by a "
          f"relative {args.perturbation:g}")
    for lr in args.lrs:
        a = run(data, lr, args.steps, args.every, dtype, 0.0)
        b = run(data, lr, args.steps, args.every, dtype, args.perturbation)
        row = "   ".join(f"{step:5d}: {max(np.abs(a[step][k] - b[step][k]).max() for k in a[step]):.1e}"
                         for step in sorted(a))
        print(f"lr {lr:g}   after update {row}")


if __name__ == "__main__":
    main()
