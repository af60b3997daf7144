"""What the numpy-against-PyTorch benchmark scripts share: their arguments and their timing loop.

Import it before numpy and torch: :func:`bench_args` sets the thread variables, which BLAS reads
only once, when numpy is first imported.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS")


def bench_args(doc: str, add_arguments=None, argv=None) -> argparse.Namespace:
    """Parse ``--threads --repeats --warmup --profile`` (and any the script adds), then pin the threads.

    ``add_arguments(parser)`` may add a script's own options. Sets every BLAS/OpenMP thread
    variable to ``--threads``; call it before importing numpy or torch.
    """
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="threads for BLAS (numpy) and torch (default 1)")
    ap.add_argument("--repeats", type=int, default=30, help="timed runs per row; the median is reported")
    ap.add_argument("--warmup", type=int, default=5, help="untimed runs before timing")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of the numpy float64 rows")
    if add_arguments is not None:
        add_arguments(ap)
    args = ap.parse_args(argv)
    if args.threads < 1 or args.repeats < 1:
        ap.error("--threads and --repeats must be >= 1")
    for var in THREAD_VARIABLES:  # BLAS reads these once, when numpy is first imported
        os.environ[var] = str(args.threads)
    return args


def paired_median_ms(fns, warmup: int, repeats: int) -> list[float]:
    """Median wall time (ms) of each callable; runs are interleaved so that both see the same machine noise."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [1e3 * statistics.median(ts) for ts in times]


def run_table(cases, setups, args, np, torch) -> None:
    """Print one row per case: numpy ms, torch ms and their ratio; optionally profile the float64 rows."""
    print(f"numpy {np.__version__}, torch {torch.__version__}, threads={args.threads} "
          f"(torch.get_num_threads()={torch.get_num_threads()}), median of {args.repeats} interleaved runs "
          f"after {args.warmup} warm-up, torch oneDNN {'on' if torch.backends.mkldnn.enabled else 'off'}")
    header = f"{'shape':<44} {'numpy ms':>9} {'torch ms':>9} {'numpy/torch':>12}"
    print(header)
    print("-" * len(header))
    for case in cases:
        numpy_step, torch_step = setups[case.cell](np.random.default_rng(0), case)
        t_np, t_torch = paired_median_ms((numpy_step, torch_step), args.warmup, args.repeats)
        print(f"{case.shape:<44} {t_np:9.3f} {t_torch:9.3f} {t_np / t_torch:11.2f}x")
    if args.profile:
        import cProfile
        import pstats
        for case in cases:
            if case.dtype != "float64":
                continue
            numpy_step, _ = setups[case.cell](np.random.default_rng(0), case)
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.repeats):
                numpy_step()
            prof.disable()
            print(f"\nprofile of {case.shape}")
            pstats.Stats(prof).sort_stats("tottime").print_stats(10)
