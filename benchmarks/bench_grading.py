"""Autograding speed: the sandboxed grader against stock nbgrader, and a 100-submission batch.

    .venv/bin/python benchmarks/bench_grading.py            # N = 10 for the ratio, 100 for the batch
    .venv/bin/python benchmarks/bench_grading.py --batch 0  # the ratio only

1. ``nbgrader autograde`` of N correct submissions of assignment 04 with the
   course's configuration (student code in a sandbox, verdicts in the trusted
   process) against stock nbgrader (its default Execute preprocessor, a kernel
   per notebook) autograding N untouched releases, in two course folders on
   this machine, one after the other; each figure is the median of three runs.
   Printed as seconds per submission and their ratio (target <= 1.0x).
2. ``python -m rnncourse.grading autograde --jobs 2`` (what ``make autograde
   JOBS=2`` runs) over 100 correct submissions: wall-clock seconds, against the
   target of 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
A = "04-recurrent-network"


def _env():
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    return env


def _course(tmp: Path, name: str, stock: bool, n: int, correct: bool) -> Path:
    import nbformat
    from grading import student_notebook
    course = tmp / name
    shutil.copytree(ROOT / "solutions", course / "solutions")
    if stock:  # nbgrader's defaults: only the folders and stubs, Execute in a kernel
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'rnncourse'\n"
            "c.CourseDirectory.source_directory = 'solutions'\nc.CourseDirectory.release_directory = 'exercises'\n"
            "c.Execute.timeout = 180\n")
    else:
        shutil.copy(ROOT / "nbgrader_config.py", course)
    released = ROOT / "exercises" / A / f"{A}.ipynb"
    nb = student_notebook(A, released) if correct else nbformat.read(released, 4)
    for k in range(n):
        d = course / "submitted" / f"s{k:03d}" / A
        d.mkdir(parents=True)
        nbformat.write(nb, d / f"{A}.ipynb")
    r = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", A, "--force"], cwd=course,
                       env=_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    return course


def _time(cmd, cwd) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    dt = time.perf_counter() - t0
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return dt


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=10, help="submissions per nbgrader run for the ratio")
    p.add_argument("--batch", type=int, default=100, help="submissions in the batch (0: skip)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        ours = _course(tmp, "ours", stock=False, n=args.n, correct=True)
        stock = _course(tmp, "stock", stock=True, n=args.n, correct=False)
        cmd = [sys.executable, "-m", "nbgrader", "autograde", A, "--force"]
        t_ours, t_stock = [], []
        for _ in range(args.repeats):
            shutil.rmtree(ours / ".rnncourse", ignore_errors=True)  # no stored verdicts: grade for real
            t_ours.append(_time(cmd, ours))
            t_stock.append(_time(cmd, stock))
        a, b = statistics.median(t_ours), statistics.median(t_stock)
        print(f"nbgrader autograde, {args.n} submissions of {A}, median of {args.repeats}:")
        print(f"  sandboxed grader, correct submissions: {a:6.1f} s  ({a / args.n:.2f} s per submission)")
        print(f"  stock nbgrader, untouched releases:    {b:6.1f} s  ({b / args.n:.2f} s per submission)")
        print(f"  ratio sandboxed / stock: {a / b:.2f}x  (target <= 1.0x)")
        if args.batch:
            batch = _course(tmp, "batch", stock=False, n=args.batch, correct=True)
            dt = _time([sys.executable, "-m", "rnncourse.grading", "autograde", "--jobs", "2"], batch)
            print(f"make autograde JOBS=2, {args.batch} submissions: {dt:.1f} s "
                  f"({dt / 60:.2f}x the 60 s target; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
