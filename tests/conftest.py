"""Shared fixtures: paths, and the venv's bin/ on PATH (nbgrader runs `alembic` as a subprocess)."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)
if BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = BIN + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
