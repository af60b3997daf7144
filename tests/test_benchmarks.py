"""The benchmark scripts still run (one timed run per row, no timing is judged).

They are not tests of speed: a slow machine must not fail the suite. What this proves is that
each script starts, that its numpy and PyTorch sides agree before they are timed (the CTC
script asserts equal losses and gradients), and that it prints one row per case.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script,rows", [("bench_rnn.py", 2), ("bench_gated.py", 4), ("bench_ctc.py", 2)])
def test_benchmark_script_prints_its_table(script, rows):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--repeats", "1", "--warmup", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    table = [line for line in run.stdout.splitlines() if line.rstrip().endswith("x") and " T=" in line]
    assert len(table) == rows, run.stdout
    assert "threads=1" in run.stdout


def test_bad_benchmark_option_is_a_clear_error():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_ctc.py"), "--repeats", "0"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode != 0 and "--threads and --repeats must be >= 1" in run.stderr
