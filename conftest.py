"""Test-session environment, for everything pytest collects (tests/ and the chapters in book/).

- The venv's bin/ goes on PATH: nbgrader runs `alembic` as a subprocess.
- RNNCOURSE_NO_PROGRESS keeps the chapters' progress bars (rnncourse.progress) out of
  the outputs nbval compares; the kernels nbval starts inherit this environment.
"""
import os
import sys

BIN = os.path.dirname(sys.executable)
if BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = BIN + os.pathsep + os.environ.get("PATH", "")
os.environ["RNNCOURSE_NO_PROGRESS"] = "1"
