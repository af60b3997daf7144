"""Checks called by the graded test cells of the assignments.

Usage in a test cell::

    from rnncourse.checks import check
    check("pad_sequences", pad_sequences)             # visible worked examples
    check("pad_sequences", pad_sequences, seed=123)   # hidden random cases

Each failure raises ``AssertionError`` with a message naming what is wrong
(shape expected vs received, the first time step that differs, the likely
missing term). How the grading is protected against tampering is explained in
:mod:`rnncourse.checks._core`; how outputs are compared and the differences put
into words, in :mod:`rnncourse.checks._compare`.
"""
from ._core import REGISTRY, check  # noqa: F401
from ._compare import compare_arrays, diagnose  # noqa: F401
# each module registers its checks
from . import (ch01, ch02, ch03, ch04, ch05, ch05_gradients, ch06, ch06_sampling, ch07,  # noqa: F401
               ch07_backward, ch08, ch09, ch09_decoding, ch10, ch11)

__all__ = ["check", "compare_arrays", "diagnose", "REGISTRY"]
