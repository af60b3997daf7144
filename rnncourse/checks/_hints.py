"""Known-mistake diagnosis for the checks of assignments 01-03.

Like :func:`rnncourse.checks._core.diagnose`, with two rules that keep a likely cause honest:

- type, dtype and shape problems come first: when the answer is not an array, or has the wrong
  dtype kind, only that is reported (its values may well be right);
- a known mistake is named only when it *distinguishes* on the case: a candidate that equals the
  right answer (the mistake makes no difference here) is never matched.

A candidate may have another shape than the reference (e.g. a one-hot width taken from
``ids.max() + 1``): it is matched when the answer has its shape and its values.
"""
from __future__ import annotations

import numpy as np

from ._core import ATOL, RTOL, compare_arrays, first_difference

__all__ = ["diagnose", "same", "cause", "NOT_MAX_ID", "NO_LOWER", "SWAPPED"]

# one wording for one mistake across assignments 01-03
NOT_MAX_ID = "not ids.max() + 1: a batch need not contain the largest id"
NO_LOWER = "do not lower-case them: 'The' and 'the' are two different tokens"
SWAPPED = "the first two axes are swapped"  # as rnncourse.checks._core.diagnose says it


def same(a, b) -> bool:
    """Arrays of the same shape and the same values (within the stated tolerance)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
        return bool(np.all(a == b))
    return first_difference(a, b, RTOL, ATOL) is None


def cause(message: str, text: str) -> str:
    """``message`` with one "Likely cause" sentence (never a second one)."""
    if not text or "Likely cause" in message:
        return message
    return f"{message}\nLikely cause: {text}"


def diagnose(got, expected, candidates, what: str, shape_hints=(), **kw) -> str | None:
    """:func:`compare_arrays` plus the first known mistake that explains ``got``.

    - candidates: ``[(cause, array or callable)]``, deliberately wrong answers.
    - shape_hints: ``[(cause, predicate(got_shape) -> bool)]``, named when the shape is wrong.
    - kw: passed to :func:`compare_arrays` (``axes``, ``kind``, ``layout_hint``, ...).
    """
    problem = compare_arrays(got, expected, what, **kw)
    if problem is None or not isinstance(got, np.ndarray):
        return problem
    hint = kw.get("layout_hint")
    swapped = ". The first two axes look swapped" + (f": {hint}" if hint else "")
    if got.shape[:2] == expected.shape[:2] and swapped in problem:
        problem = problem.replace(swapped, "")  # the first two axes agree: the difference is further on
    kind = kw.get("kind")
    if got.shape == expected.shape and kind is not None and got.dtype.kind not in kind:
        return problem  # the dtype first: fixing it may be all that is needed
    if hint and got.ndim >= 2 and got.shape == expected.shape:
        candidates = [(f"{SWAPPED}: {hint}",
                       lambda: np.swapaxes(expected, 0, 1))] + list(candidates)
    matched = []
    for text, alt in candidates:
        try:
            alt = np.asarray(alt() if callable(alt) else alt)
        except Exception:
            continue
        if same(alt, expected):
            continue  # this mistake changes nothing on this case: it cannot be the cause
        if same(got, alt) and text not in matched:
            matched.append(text)
    if len(matched) == 1:
        return cause(problem, matched[0])
    if matched:  # two mistakes give the same answer here: name both, claim neither
        return cause(problem, "one of these (they give the same answer on this case): " + "; or ".join(matched))
    if got.shape != expected.shape:
        for text, predicate in shape_hints:
            if predicate(got.shape):
                return cause(problem, text)
    return problem
