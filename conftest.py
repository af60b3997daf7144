"""Test-session environment, for everything pytest collects (tests/ and the chapters in book/).

- The venv's bin/ goes on PATH: nbgrader runs `alembic` as a subprocess.
- RNNCOURSE_NO_PROGRESS keeps the chapters' progress bars (rnncourse.progress) out of
  the outputs nbval compares; the kernels nbval starts inherit this environment.
- With pytest-xdist (`make test` runs two workers), the cells of one notebook share a
  kernel and must run in order on one worker; so must the tests of the rendered book
  (the book is built once per module). pytest-xdist's own `--dist loadgroup` does not work with
  pytest 9.2 (it renames node ids through an attribute pytest no longer reads), so a
  small scheduler below does the grouping.
"""
import os
import sys

import pytest

BIN = os.path.dirname(sys.executable)
if BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = BIN + os.pathsep + os.environ.get("PATH", "")
os.environ["RNNCOURSE_NO_PROGRESS"] = "1"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # each worker already has a core: a second BLAS thread per process only oversubscribes them
    # (OpenBLAS threads spin while they wait). Inherited by the kernels and graders a worker starts;
    # the stored outputs do not depend on the thread count.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook; without xdist it is never called
def pytest_xdist_make_scheduler(config, log):
    """Tests go to whichever worker is free, except that a notebook's cells stay together (in order)."""
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            if path.endswith((".ipynb", "test_book.py", "test_site.py", "test_forgery.py")):
                # one kernel per notebook; the rendered book (per module) and the forgery
                # batch are built once
                return path
            return nodeid

    return NotebookScheduling(config, log)
