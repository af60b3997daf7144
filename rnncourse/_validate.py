"""Argument checking shared by every public function of :mod:`rnncourse`.

Every error names the argument, what was expected and what was received, so
that a student who passes a batch-major array to a time-major function reads
``x: expected shape (T, N, n_x) = (?, ?, 3), got (4, 7)`` instead of an
unrelated broadcasting error three calls deeper.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_float_array", "as_id_list", "as_int_array", "check_shape", "check_positive_int"]


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_float_array(name: str, x, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray, or raise ``ValueError``.

    Integer and boolean input is converted to float64; floating input keeps its
    precision (float32 stays float32). ``ndim`` fixes the number of axes.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected a numeric array, got {_describe(x)} ({exc})") from None
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected a numeric array, got {_describe(arr)}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    return arr


def as_int_array(name: str, x, ndim: int | None = None, low: int | None = None,
                 high: int | None = None) -> np.ndarray:
    """Return ``x`` as an int64 ndarray of indices, or raise ``ValueError``.

    ``low <= x < high`` is enforced when the bounds are given: an index out of
    range is reported with its position, never silently wrapped around (numpy
    would accept ``-1`` as "the last row").
    """
    arr = np.asarray(x)
    if arr.dtype.kind == "b" or (arr.dtype.kind not in "iu" and arr.size > 0):
        raise ValueError(f"{name}: expected an integer array, got {_describe(arr)}")
    arr = arr.astype(np.int64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if arr.size:
        if low is not None and arr.min() < low:
            pos = tuple(int(i) for i in np.argwhere(arr < low)[0])
            raise ValueError(f"{name}: expected values >= {low}, got {arr[pos]} at index {pos}")
        if high is not None and arr.max() >= high:
            pos = tuple(int(i) for i in np.argwhere(arr >= high)[0])
            raise ValueError(f"{name}: expected values < {high}, got {arr[pos]} at index {pos}")
    return arr


def as_id_list(name: str, value, high: int) -> np.ndarray:
    """One id or a sequence of ids in ``[0, high)`` as a 1-d int64 array (``1.5`` is refused, not cut to 1)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = (value,)  # one id
    try:
        value = list(value)
    except TypeError:
        raise ValueError(f"{name}: expected an id or a sequence of ids, got {type(value).__name__}") from None
    return as_int_array(name, np.asarray(value), ndim=1, low=0, high=high)


def check_shape(name: str, arr: np.ndarray, expected: tuple, labels: str | None = None) -> None:
    """Raise ``ValueError`` unless ``arr.shape`` matches ``expected``.

    ``expected`` holds ints, or ``None`` for "any size". ``labels`` names the
    axes for the message, e.g. ``"(T, N, n_x)"``.
    """
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        want = "(" + ", ".join("?" if e is None else str(e) for e in expected) + ")"
        if len(expected) == 1:
            want = want[:-1] + ",)"
        if labels:
            want = f"{labels} = {want}"
        raise ValueError(f"{name}: expected shape {want}, got {arr.shape}")


def check_positive_int(name: str, value, allow_zero: bool = False) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else ">= 1"
        raise ValueError(f"{name}: expected an integer {bound}, got {value}")
    return int(value)
