"""How a student's output is compared with the reference, and how a difference is put into words.

Every check compares through these functions, so every message has the same form: what was
expected and what came back (type, dtype and shape first), the first differing position as the
numpy index and as the book counts it (t and i from 1), how many rows differ, and a likely cause
only when one known mistake explains the answer and distinguishes on that case (:func:`diagnose`).
"""
from __future__ import annotations

import numpy as np

from . import _wording
from ..grading.wire import Foreign, Raised

__all__ = ["RTOL", "ATOL", "close", "compare_arrays", "first_difference", "describe", "describe_position",
           "diagnose", "same", "cause"]

# The tolerance every graded number is held to, stated in each assignment's instructions:
# |got - expected| <= ATOL + RTOL * |expected|. Loose enough for float32 intermediates
# (about 1e-7 relative), tight enough that every known mistake is far outside it.
RTOL, ATOL = 1e-5, 1e-6


def describe(x) -> str:
    """Short description of an output for messages."""
    if isinstance(x, Raised):
        return f"an exception {x.exc_type}: {x.message}"
    if isinstance(x, Foreign):
        return f"an object of type {x.type_name}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:200]


def close(got: float, expected: float) -> bool:
    """Scalars within the stated tolerance (see RTOL, ATOL)."""
    return abs(got - expected) <= ATOL + RTOL * abs(expected)


def first_difference(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float):
    """Index of the first entry where ``got`` and ``expected`` differ, or None."""
    if got.dtype.kind in "biufc" and expected.dtype.kind in "biufc":
        g = got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
        e = expected.astype(np.complex128 if expected.dtype.kind == "c" else np.float64)
        bad = ~(np.abs(g - e) <= atol + rtol * np.abs(e))  # NaN counts as different
    else:
        bad = got != expected
    idx = np.argwhere(bad)
    return tuple(int(i) for i in idx[0]) if len(idx) else None


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return repr(v.item() if isinstance(v, np.generic) else v)


# Axis names whose last word is a single maths letter are indices of the book's notation, counted
# from 1 there (x^<1> is x[0], example i = 1 is column 0); other axes are reported by numpy position.
_MATHS_LETTERS = {"t", "i"}


def _axis_words(name: str):
    """``("time step", "t")`` for "time step t", ``("hidden unit", None)`` for "hidden unit"."""
    words = name.split()
    if len(words) > 1 and len(words[-1]) == 1 and words[-1].isalpha():
        return " ".join(words[:-1]), words[-1]
    return name, None


def _plural(noun: str) -> str:
    head, sep, tail = noun.partition(" of ")
    head = head[:-1] + "ies" if head.endswith("y") and head[-2:-1] not in "aeiou" else (
        head + "es" if head.endswith(("s", "x")) else head + "s")
    return head + sep + tail


def describe_position(pos: tuple, axes: tuple) -> str:
    """``index (2, 0, 1), i.e. time step t = 3, example i = 1, hidden unit at index 1``.

    The numpy index first (what the student's code indexes), then each named axis as the book counts it.
    """
    where = f"index {pos}" if len(pos) != 1 else f"index {pos[0]}"
    parts = []
    if len(pos) == 1 and axes and _axis_words(axes[0])[1] is None:
        return f"index {pos[0]} ({axes[0]})"
    for name, p in zip(axes, pos):
        noun, letter = _axis_words(name)
        if letter in _MATHS_LETTERS:
            parts.append(f"{noun} {letter} = {p + 1}")
        elif letter is not None:
            parts.append(f"{noun} {letter} = {p}")
        else:
            parts.append(f"{noun} at index {p}")
    return where + (", i.e. " + ", ".join(parts) if parts else "")


def compare_arrays(got, expected: np.ndarray, what: str, axes: tuple = (), rtol: float = RTOL,
                   atol: float = ATOL, kind: str | None = None, layout_hint: str = "",
                   raised_hint: str = "") -> str | None:
    """Compare an output array with the reference; return a message or None.

    - what: how to call the value in the message ("padded").
    - axes: names of the axes, e.g. ``("time step t", "example i", "hidden unit")``. An axis
      named with a final maths letter t or i is reported as the book counts it (from 1); every
      position is also given as the numpy index.
    - kind: required dtype kind(s), e.g. ``"b"`` for a mask, ``"iu"`` for ids.
    - layout_hint: extra sentence when the shape looks transposed or the first two axes swapped.
    - raised_hint: a sentence ("Likely cause: ...") added when the student's function raised an
      exception: each check says what a failure usually means for its own function.
    """
    if not isinstance(got, np.ndarray):
        msg = f"{what}: expected a numpy array of shape {expected.shape}, got {describe(got)}"
        if isinstance(got, Raised) and raised_hint:
            msg += "\n" + raised_hint
        return msg
    if got.shape != expected.shape:
        msg = f"{what}: expected shape {expected.shape}, got {got.shape}"
        if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1] and not layout_hint:
            msg += ". It looks transposed"  # a matrix; arrays with a layout (time, batch) say "swapped"
        elif (got.ndim == expected.ndim >= 2 and got.shape[:2] == expected.shape[1::-1]
              and got.shape[:2] != expected.shape[:2]):
            msg += ". The first two axes look swapped" + (f": {layout_hint}" if layout_hint else "")
        elif got.ndim == expected.ndim > 2 and got.shape == expected.shape[::-1]:
            msg += ". All axes look reversed" + (f": {layout_hint}" if layout_hint else "")
        elif got.ndim != expected.ndim:
            msg += f" ({got.ndim} axes instead of {expected.ndim})"
        return msg
    if kind is not None and got.dtype.kind not in kind:
        names = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "float"}
        want = " or ".join(names.get(k, k) for k in kind)
        return f"{what}: expected dtype {want}, got {got.dtype}"
    if got.dtype.kind in "fc" and np.isnan(got).any() and not np.isnan(expected).any():
        pos = tuple(int(i) for i in np.argwhere(np.isnan(got))[0])
        return f"{what}: contains NaN at {describe_position(pos, axes)}"
    pos = first_difference(got, expected, rtol, atol)
    if pos is None:
        return None
    msg = (f"{what}: first difference at {describe_position(pos, axes)}: "
           f"expected {_fmt(expected[pos])}, got {_fmt(got[pos])}")
    if got.ndim > 1:
        n_bad = sum(first_difference(got[(i,)], expected[(i,)], rtol, atol) is not None
                    for i in range(got.shape[0]))
        noun = _axis_words(axes[0])[0] if axes else "axis 0"
        counted = f"entries along {noun}" if noun[-1].isdigit() else _plural(noun)
        msg += f" (differences in {n_bad} of the {got.shape[0]} {counted})"
    return msg


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
    """:func:`compare_arrays` plus the known mistake that explains ``got``, if one does.

    - candidates: ``[(cause, array or callable)]``, deliberately wrong answers. A candidate may have
      another shape than the reference (a width taken from ``ids.max() + 1``): it matches when the
      answer has its shape and its values.
    - shape_hints: ``[(cause, predicate(got_shape) -> bool)]``, named when the shape is wrong and
      no candidate matched.
    - kw: passed to :func:`compare_arrays` (``axes``, ``kind``, ``layout_hint``, ...).

    Two rules keep a likely cause honest. Type, dtype and shape come first: after a type or dtype
    problem nothing else is said (the values may well be right). And a mistake is named only when
    it *distinguishes* on the case: a candidate that equals the right answer is never matched; when
    two candidates give the student's answer, both are named and neither is claimed.
    """
    problem = compare_arrays(got, expected, what, **kw)
    if problem is None or not isinstance(got, np.ndarray):
        return problem
    kind = kw.get("kind")
    if kind is not None and got.dtype.kind not in kind:
        return problem  # the dtype first: fixing it may be all that is needed
    hint = kw.get("layout_hint")
    if hint and got.ndim >= 2 and got.shape == expected.shape:
        candidates = [(f"{_wording.SWAPPED}: {hint}", lambda: np.swapaxes(expected, 0, 1))] + list(candidates)
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
