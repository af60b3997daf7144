"""Longer runs for chapter 8: uni- vs bidirectional taggers, and depth against width at an equal parameter budget.

The task is rnncourse.tagging.lookahead_tagging_batch (the tag of step t is (w<t> + w<t + delay>) mod V).
Every run trains in float64 with Adam and clipping, seeded; the printed table is what chapter 8 quotes.

    .venv/bin/python scripts/bidirectional_tagging.py                     # both experiments, 3 seeds
    .venv/bin/python scripts/bidirectional_tagging.py --only depth --steps 1000 --delay 3
"""
from __future__ import annotations

import argparse
import os

import numpy as np

os.environ.setdefault("RNNCOURSE_NO_PROGRESS", "1")

from rnncourse.tagging import lookahead_tagging_batch  # noqa: E402
from rnncourse.deep import count_stack_params  # noqa: E402
from rnncourse.tagging import init_tagger, train_tagger  # noqa: E402


def run(kind, n_a, layers, bidirectional, seed, args, test):
    def batches(step):
        return lookahead_tagging_batch(np.random.default_rng([seed, step]), args.batch, args.min_len, args.max_len,
                                       V=args.V, delay=args.delay)
    model = init_tagger(kind, args.V, n_a, args.V, layers, bidirectional, np.random.default_rng(seed),
                        dropout=args.dropout)
    result = train_tagger(model, batches, args.steps, args.lr, test=test, every=args.steps,
                          rng=np.random.default_rng([seed, 99]))
    return result.accuracy[-1][1]


def summary(accs):
    a = np.asarray(accs)
    return f"{a.mean():.3f} (min {a.min():.3f}, max {a.max():.3f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("direction", "depth"), default=None)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--V", type=int, default=4)
    ap.add_argument("--delay", type=int, default=2)
    ap.add_argument("--min-len", type=int, default=4)
    ap.add_argument("--max-len", type=int, default=12)
    ap.add_argument("--n-a", type=int, default=16, help="width of the one-layer networks (sets the budget)")
    ap.add_argument("--depths", default="1,2,3,4,6")
    ap.add_argument("--kind", default="gru", help="unit of the depth experiment")
    ap.add_argument("--dropout", type=float, default=0.0)
    args = ap.parse_args()
    test = lookahead_tagging_batch(np.random.default_rng(1), 1000, args.min_len, args.max_len, V=args.V,
                                   delay=args.delay)
    seeds = range(args.seeds)
    print(f"task: V = {args.V}, delay = {args.delay}, lengths {args.min_len}-{args.max_len}; {args.steps} Adam "
          f"steps of {args.batch}, lr {args.lr}, float64; test accuracy on 1000 sequences, {args.seeds} seeds")
    if args.only in (None, "direction"):
        for kind in ("rnn", "gru", "lstm"):
            for bi in (False, True):
                accs = [run(kind, args.n_a, 1, bi, s, args, test) for s in seeds]
                print(f"{kind:>4} {'bidirectional ' if bi else 'unidirectional'} n_a = {args.n_a}: {summary(accs)}",
                      flush=True)
    if args.only in (None, "depth"):
        budget = count_stack_params(args.kind, args.V, args.n_a, 1, True)["ours"]
        for L in (int(v) for v in args.depths.split(",")):
            n_a = max(n for n in range(1, 4 * args.n_a) if count_stack_params(args.kind, args.V, n, L, True)["ours"]
                      <= budget)
            params = count_stack_params(args.kind, args.V, n_a, L, True)["ours"]
            accs = [run(args.kind, n_a, L, True, s, args, test) for s in seeds]
            print(f"bidirectional {args.kind}, {L} layer(s) of n_a = {n_a} ({params} recurrent parameters, budget "
                  f"{budget}): {summary(accs)}", flush=True)


if __name__ == "__main__":
    main()
