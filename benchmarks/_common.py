"""Shared timing loop of the benchmark scripts (imported after the thread variables are set)."""
from __future__ import annotations

import statistics
import time


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
          f"after {args.warmup} warm-up")
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
