r"""Output non-linearities, losses and gradient clipping, shared by every chapter.

- :func:`softmax`, :func:`log_softmax` (chapter 4's output layer, chapter 6's language models);
- :func:`sigmoid`: the logistic function, the ONE sigmoid of the package (every gate of
  chapter 7 and the binary outputs of chapter 4 use it);
- :func:`softmax_cross_entropy`, :func:`sigmoid_cross_entropy`: per-step losses summed over
  time, each returning ``(loss, dz)`` (chapter 5);
- :func:`clip_by_value`, :func:`clip_by_norm`: exploding gradients (chapter 5), as
  ``torch.nn.utils.clip_grad_value_`` / ``clip_grad_norm_``.
"""
from __future__ import annotations

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_shape

__all__ = ["softmax", "log_softmax", "sigmoid", "softmax_cross_entropy", "sigmoid_cross_entropy",
           "clip_by_value", "clip_by_norm"]


def _check_axis(axis, z):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis: expected an integer in [-{z.ndim}, {z.ndim}) for an array of shape {z.shape}, "
                         f"got {axis!r}")
    return int(axis)


def softmax(z, axis: int = -1):
    """Softmax along ``axis`` (the class axis, last by default), computed stably."""
    z = as_float_array("z", z)
    axis = _check_axis(axis, z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))  # shifting does not change the result
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1):
    """``log(softmax(z))`` without under- or overflow."""
    z = as_float_array("z", z)
    axis = _check_axis(axis, z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(z):
    """Logistic function σ(z) = 1 / (1 + e^(-z)), the one sigmoid of the package (every gate uses it).

    Stable for every z: for a very negative z, e^(-z) overflows to inf and 1 / (1 + inf) = 0
    is the right limit (the overflow is expected, so it is not reported); both tails keep full
    relative precision (no 1 - ... cancellation).
    """
    z = as_float_array("z", z)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _mask_for(mask, shape):
    if mask is None:
        return np.ones(shape, dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise ValueError(f"mask: expected a bool array, got dtype {mask.dtype}")
    check_shape("mask", mask, shape, "(T, N)")
    return mask


@reference
def softmax_cross_entropy(z, y, mask=None, reduction: str = "sum"):
    """Softmax negative log-likelihood of integer targets, summed over time steps.

    :math:`L = \\sum_t L^{\\langle t\\rangle}`, :math:`L^{\\langle t\\rangle} = -\\log \\hat y^{\\langle t\\rangle}_{y^{\\langle t\\rangle}}`.

    Inputs:
    - z: scores ``(T, N, n_y)`` (or ``(N, n_y)`` for one output per sequence).
    - y: integer targets ``(T, N)`` (or ``(N,)``), values in ``[0, n_y)``.
    - mask: bool ``(T, N)``; False steps contribute nothing (padding).
    - reduction: ``"sum"`` (over steps and examples, as torch's
      ``F.cross_entropy(..., reduction="sum")``) or ``"mean"`` (divided by the
      number of unmasked steps).

    Returns ``(loss, dz)``: a float and dL/dz with the shape of z.
    """
    z = as_float_array("z", z)
    if z.ndim < 2:
        raise ValueError(f"z: expected shape (T, N, n_y) or (N, n_y), got {z.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise ValueError(f"y: expected an integer array, got dtype {y.dtype}")
    check_shape("y", y, z.shape[:-1], "(T, N)" if z.ndim == 3 else "(N,)")
    if y.size and (y.min() < 0 or y.max() >= z.shape[-1]):
        raise ValueError(f"y: expected values in [0, {z.shape[-1]}), got {y.min()}..{y.max()}")
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction: expected 'sum' or 'mean', got {reduction!r}")
    m = _mask_for(mask, y.shape)
    logp = log_softmax(z)
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]  # log yhat of the target
    count = max(int(m.sum()), 1)
    scale = 1.0 if reduction == "sum" else 1.0 / count
    loss = -float(np.where(m, picked, 0.0).sum()) * scale
    dz = np.exp(logp)  # softmax
    np.put_along_axis(dz, y[..., None], np.take_along_axis(dz, y[..., None], -1) - 1.0, axis=-1)
    dz *= m[..., None] * scale  # d(-log softmax_y)/dz = softmax - onehot(y)
    return loss, dz


@reference
def sigmoid_cross_entropy(z, y, mask=None, reduction: str = "sum"):
    """Binary cross-entropy of logits, summed over steps (note 000's tagging loss, corrected).

    :math:`L^{\\langle t\\rangle} = -y \\log \\hat y - (1 - y) \\log(1 - \\hat y)`, with
    :math:`\\hat y = \\sigma(z)`. Note 000 writes :math:`(1-\\hat y)` for the second
    factor; it is :math:`(1 - y)`.

    Inputs: z and y (0/1 floats) of the same shape, e.g. ``(T, N)``; mask and
    reduction as in :func:`softmax_cross_entropy`. Returns ``(loss, dz)``.
    """
    z = as_float_array("z", z)
    y = as_float_array("y", y)
    check_shape("y", y, z.shape, "like z")
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction: expected 'sum' or 'mean', got {reduction!r}")
    m = _mask_for(mask, z.shape)
    # -y log s(z) - (1-y) log(1-s(z)) = max(z,0) - z y + log(1 + e^{-|z|}), stable
    per_step = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    scale = 1.0 if reduction == "sum" else 1.0 / max(int(m.sum()), 1)
    loss = float(np.where(m, per_step, 0.0).sum()) * scale
    dz = (sigmoid(z) - y) * m * scale
    return loss, dz


# -------------------------------------------------------------------- clipping
@reference
def clip_by_value(grads: dict, max_value: float) -> dict:
    """Clip every entry of every gradient into ``[-max_value, max_value]``.

    Returns a new dict (the input is not changed). Same as
    ``torch.nn.utils.clip_grad_value_``. The direction of the gradient changes.
    """
    if not max_value > 0:
        raise ValueError(f"max_value: expected a positive number, got {max_value!r}")
    return {k: np.clip(v, -max_value, max_value) for k, v in grads.items()}


@reference
def clip_by_norm(grads: dict, max_norm: float, eps: float = 1e-6):
    """Rescale all gradients together when their global L2 norm exceeds ``max_norm``.

    ``norm = sqrt(sum of squares over every entry of every gradient)``; each
    gradient is multiplied by ``min(1, max_norm / (norm + eps))``, exactly as
    ``torch.nn.utils.clip_grad_norm_``. The direction is kept.

    Returns ``(clipped, norm)``: a new dict and the norm before clipping.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.number)) or not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm!r}")
    if not isinstance(grads, dict):
        raise ValueError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
    grads = {k: as_float_array(f"grads[{k!r}]", v) for k, v in grads.items()}
    norm = float(np.sqrt(sum(float(np.sum(np.square(v))) for v in grads.values())))
    # a NaN or infinite norm makes every entry NaN, as in torch.nn.utils.clip_grad_norm_:
    # min(1, nan) would be 1 and leave the other gradients silently unclipped
    scale = min(1.0, max_norm / (norm + eps)) if np.isfinite(norm) else float("nan")
    return {k: v * scale for k, v in grads.items()}, norm
