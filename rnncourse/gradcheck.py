"""Finite-difference gradient checking, used by every chapter that has a backward pass.

The analytic gradient of ``L = sum(f(x) * dout)`` with respect to an array
``x`` is compared with central differences

.. math:: \\frac{\\partial L}{\\partial x_j} \\approx \\frac{L(x + h e_j) - L(x - h e_j)}{2h},

whose error is :math:`O(h^2)`. In float64 with ``h = 1e-6`` a correct
gradient typically agrees to a relative error below ``1e-7``; a wrong one is
off by ``1e-2`` or more.
"""
from __future__ import annotations

import numpy as np

from ._guard import reference
from ._validate import as_float_array

__all__ = ["numerical_gradient", "relative_error"]


@reference
def numerical_gradient(f, x: np.ndarray, dout=None, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    Inputs:
    - f: function of no arguments that reads ``x`` (captured by closure) and
      returns an array (or a scalar). ``x`` is changed in place, one entry at a
      time, and restored afterwards.
    - x: float array of any shape (float64 recommended), the variable.
    - dout: upstream gradient with the shape of ``f()``'s output; default ones
      (i.e. the gradient of ``sum(f())``).
    - h: step size.

    Returns:
    - grad: array with the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(f"x: expected a float ndarray (changed in place), got {type(x).__name__}"
                         + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    if isinstance(h, bool) or not isinstance(h, (int, float, np.floating)) or not (np.isfinite(h) and h > 0):
        raise ValueError(f"h: expected a positive finite step, got {h!r}")
    if not callable(f):
        raise ValueError(f"f: expected a function of no arguments, got {type(f).__name__}")
    out0 = np.asarray(f())
    dout = np.ones_like(out0, dtype=np.float64) if dout is None else as_float_array("dout", dout)
    if dout.shape != out0.shape:
        raise ValueError(f"dout: expected the shape of f()'s output {out0.shape}, got {dout.shape}")
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        j = it.multi_index
        old = x[j].copy()
        x[j] = old + h
        plus = float(np.sum(np.asarray(f()) * dout))
        x[j] = old - h
        minus = float(np.sum(np.asarray(f()) * dout))
        x[j] = old  # restore before moving on
        grad[j] = (plus - minus) / (2 * h)
    return grad


@reference
def relative_error(a, b, eps: float = 1e-12) -> float:
    """``max |a - b| / max(|a| + |b|)`` over all entries (0 when both are 0).

    Scale-free, so one threshold works for gradients of any size.
    """
    a = as_float_array("a", a)
    b = as_float_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} like a, got {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), eps))
