r"""Chapters 4 and 5: the Elman recurrent network, forward and backward through time.

Equations (column vectors, one example), step :math:`t = 1, \dots, T_x`:

.. math::

    a^{\langle t\rangle} = g\big(W_{ax} x^{\langle t\rangle} + W_{aa} a^{\langle t-1\rangle} + b_a\big),
    \qquad
    z^{\langle t\rangle} = W_{ya} a^{\langle t\rangle} + b_y,
    \qquad
    \hat y^{\langle t\rangle} = \mathrm{softmax}(z^{\langle t\rangle}) \text{ or } \sigma(z^{\langle t\rangle}).

Symbols and shapes (code processes a batch of N rows, time-major):

=============  ==================  ==========================================
maths          code                shape
=============  ==================  ==========================================
x^<t>          ``x[t]``            ``(N, n_x)``; a sequence is ``(T, N, n_x)``
a^<t>          ``a[t]``            ``(N, n_a)``; ``a0`` is a^<0>, ``(N, n_a)``
W_ax           ``Wax``             ``(n_a, n_x)``   (PyTorch ``weight_ih_l0``)
W_aa           ``Waa``             ``(n_a, n_a)``   (PyTorch ``weight_hh_l0``)
b_a            ``ba``              ``(n_a,)``       (PyTorch ``bias_ih_l0 + bias_hh_l0``)
W_ya           ``Wya``             ``(n_y, n_a)``
b_y            ``by``              ``(n_y,)``
g              ``activation``      ``"tanh"`` (default), ``"relu"`` or ``"identity"``
=============  ==================  ==========================================

So one step computes ``xt @ Wax.T + a_prev @ Waa.T + ba``. Forward functions return
``(output, cache)``; backward functions take the upstream gradient and the cache
(CS231n style). Caches are dataclasses with named fields.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape

__all__ = ["RNNStepCache", "RNNCache", "OutputCache", "ACTIVATIONS",
           "rnn_cell_forward", "rnn_cell_backward", "rnn_forward", "rnn_backward",
           "output_forward", "output_backward", "softmax", "log_softmax", "sigmoid",
           "softmax_cross_entropy", "sigmoid_cross_entropy", "jordan_forward",
           "many_to_one_forward", "clip_by_value", "clip_by_norm", "init_rnn_params",
           "stacked_weight", "to_torch_rnn", "from_torch_rnn"]

ACTIVATIONS = ("tanh", "relu", "identity")


def _act(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {name!r}")
    return name


def _apply(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return z


def _derivative_from_output(name, a, z):
    """g'(z), written with the output a = g(z) where that is cheaper (tanh' = 1 - a^2)."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(a.dtype)
    return np.ones_like(a)


def _check_params(Wax, Waa, ba):
    """Shapes of one step; returns the arrays as floats."""
    Wax = as_float_array("Wax", Wax, ndim=2)
    Waa = as_float_array("Waa", Waa, ndim=2)
    if Waa.shape[0] != Waa.shape[1]:
        check_shape("Waa", Waa, (Wax.shape[0], Wax.shape[0]), "(n_a, n_a)")  # n_a as Wax says
        raise ValueError(f"Waa: expected a square (n_a, n_a) array, got shape {Waa.shape}")
    n_a = Waa.shape[0]  # the recurrent weight fixes n_a, so a wrong Wax is reported as Wax
    if Wax.shape[0] != n_a:
        hint = " (it looks transposed: Wax is (n_a, n_x))" if Wax.shape[1] == n_a else ""
        raise ValueError(f"Wax: expected shape (n_a, n_x) with n_a = {n_a} like Waa, got {Wax.shape}{hint}")
    n_x = Wax.shape[1]
    ba = as_float_array("ba", ba, ndim=1)
    check_shape("ba", ba, (n_a,), "(n_a,)")
    return Wax, Waa, ba, n_a, n_x


# --------------------------------------------------------------------- one step
@dataclass(frozen=True)
class RNNStepCache:
    """What :func:`rnn_cell_backward` needs from one forward step.

    - xt: input x^<t>, ``(N, n_x)``; a_prev: a^<t-1>, ``(N, n_a)``;
    - z: pre-activation, ``(N, n_a)``; a_next: a^<t> = g(z), ``(N, n_a)``;
    - Wax, Waa: the weights used; activation: the name of g.
    """
    xt: np.ndarray
    a_prev: np.ndarray
    z: np.ndarray
    a_next: np.ndarray
    Wax: np.ndarray
    Waa: np.ndarray
    activation: str


@reference
def rnn_cell_forward(xt, a_prev, Wax, Waa, ba, activation: str = "tanh"):
    """One step of the Elman RNN: ``a_next = g(xt @ Wax.T + a_prev @ Waa.T + ba)``.

    Inputs:
    - xt: input at step t, ``(N, n_x)``.
    - a_prev: hidden state a^<t-1>, ``(N, n_a)``.
    - Wax ``(n_a, n_x)``, Waa ``(n_a, n_a)``, ba ``(n_a,)``: parameters.
    - activation: ``"tanh"``, ``"relu"`` or ``"identity"``.

    Returns a tuple ``(a_next, cache)``:
    - a_next: a^<t>, ``(N, n_a)``.
    - cache: :class:`RNNStepCache`.
    """
    activation = _act(activation)
    Wax, Waa, ba, n_a, n_x = _check_params(Wax, Waa, ba)
    xt = as_float_array("xt", xt, ndim=2)
    check_shape("xt", xt, (None, n_x), "(N, n_x)")
    a_prev = as_float_array("a_prev", a_prev, ndim=2)
    check_shape("a_prev", a_prev, (xt.shape[0], n_a), "(N, n_a)")
    # input term + recurrent term + bias: the same W's at every step (parameter sharing)
    z = xt @ Wax.T + a_prev @ Waa.T + ba
    a_next = _apply(activation, z)
    # the caller gets its own copy: editing a returned state must not change the cached one
    return a_next.copy(), RNNStepCache(xt, a_prev, z, a_next, Wax, Waa, activation)


@reference
def rnn_cell_backward(da_next, cache: RNNStepCache) -> dict:
    """Backward pass of one step.

    Inputs:
    - da_next: dL/da^<t>, ``(N, n_a)`` (all paths: the output at t and step t+1).
    - cache: :class:`RNNStepCache` of the forward step.

    Returns a dict of gradients:
    ``dxt (N, n_x), da_prev (N, n_a), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a,)``.
    """
    if not isinstance(cache, RNNStepCache):
        raise ValueError(f"cache: expected an RNNStepCache, got {type(cache).__name__}")
    da_next = as_float_array("da_next", da_next, ndim=2)
    check_shape("da_next", da_next, cache.a_next.shape, "(N, n_a)")
    # through g: dz = da * g'(z); for tanh g' = 1 - a^2 uses the OUTPUT a, not z
    dz = da_next * _derivative_from_output(cache.activation, cache.a_next, cache.z)
    return {
        "dxt": dz @ cache.Wax,          # z = x Wax^T + ...  =>  dx = dz Wax
        "da_prev": dz @ cache.Waa,      # the path back in time
        "dWax": dz.T @ cache.xt,        # summed over the batch by the product
        "dWaa": dz.T @ cache.a_prev,
        "dba": dz.sum(axis=0),
    }


# ------------------------------------------------------------- whole sequences
@dataclass(frozen=True)
class RNNCache:
    """Cache of :func:`rnn_forward`: the whole sequence, for :func:`rnn_backward`.

    - x ``(T, N, n_x)``; a0 ``(N, n_a)``; z and a ``(T, N, n_a)`` (pre-activations
      and hidden states); Wax, Waa; activation.
    """
    x: np.ndarray
    a0: np.ndarray
    z: np.ndarray
    a: np.ndarray
    Wax: np.ndarray
    Waa: np.ndarray
    activation: str


@reference
def rnn_forward(x, a0, Wax, Waa, ba, activation: str = "tanh"):
    """Run the Elman RNN over a time-major sequence.

    Inputs:
    - x: inputs ``(T, N, n_x)``.
    - a0: initial hidden state a^<0>, ``(N, n_a)`` (often zeros).
    - Wax ``(n_a, n_x)``, Waa ``(n_a, n_a)``, ba ``(n_a,)``; activation as in
      :func:`rnn_cell_forward`.

    Returns a tuple ``(a, cache)``:
    - a: hidden states a^<1..T>, ``(T, N, n_a)`` (same as ``torch.nn.RNN``'s output).
    - cache: :class:`RNNCache`.
    """
    activation = _act(activation)
    Wax, Waa, ba, n_a, n_x = _check_params(Wax, Waa, ba)
    x = as_float_array("x", x, ndim=3)
    check_shape("x", x, (None, None, n_x), "(T, N, n_x)")
    T, N, _ = x.shape
    a0 = as_float_array("a0", a0, ndim=2)
    check_shape("a0", a0, (N, n_a), "(N, n_a)")
    dtype = np.result_type(x, a0, Wax, Waa, ba)
    # the input term of every step at once: one big matrix product instead of T small ones
    z = (x.reshape(T * N, n_x) @ Wax.T + ba).reshape(T, N, n_a).astype(dtype, copy=False)
    a = np.empty((T, N, n_a), dtype=dtype)
    a_prev = a0
    for t in range(T):
        z[t] += a_prev @ Waa.T  # only the recurrent term has to wait for step t-1
        a[t] = _apply(activation, z[t])
        a_prev = a[t]
    return a.copy(), RNNCache(x, a0, z, a, Wax, Waa, activation)  # a copy: see rnn_cell_forward


@reference
def rnn_backward(da, cache: RNNCache, da_last=None, return_steps: bool = False) -> dict:
    """Backpropagation through time for :func:`rnn_forward`.

    Inputs:
    - da: upstream gradient dL/da^<t> from the outputs at every step,
      ``(T, N, n_a)`` (zeros where a step has no loss).
    - cache: :class:`RNNCache` of the forward pass.
    - da_last: optional extra gradient on the final state a^<T>, ``(N, n_a)``
      (e.g. from a later chunk or an encoder-decoder link).
    - return_steps: also return ``"da_steps"``, the total gradient reaching
      each hidden state (outputs + future), ``(T, N, n_a)`` -- the quantity whose
      norm vanishes or explodes.

    Returns a dict: ``dx (T, N, n_x), da0 (N, n_a), dWax, dWaa, dba`` (shapes of
    the parameters), plus ``da_steps`` if asked.
    """
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache: expected an RNNCache, got {type(cache).__name__}")
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, cache.a.shape, "(T, N, n_a)")
    T, N, n_a = cache.a.shape
    carry = np.zeros((N, n_a), dtype=da.dtype) if da_last is None else as_float_array("da_last", da_last, ndim=2)
    check_shape("da_last", carry, (N, n_a), "(N, n_a)")
    dz = np.empty_like(cache.z, dtype=np.result_type(da, cache.z))
    steps = np.empty_like(dz) if return_steps else None
    for t in reversed(range(T)):
        total = da[t] + carry  # two paths reach a^<t>: its own output and step t+1
        if return_steps:
            steps[t] = total
        dz[t] = total * _derivative_from_output(cache.activation, cache.a[t], cache.z[t])
        carry = dz[t] @ cache.Waa  # becomes dL/da^<t-1> through the recurrence
    a_prev = np.concatenate([cache.a0[None], cache.a[:-1]], axis=0)[:T]  # a^<t-1> for every t
    flat = dz.reshape(T * N, n_a)
    grads = {
        "dx": (flat @ cache.Wax).reshape(cache.x.shape),
        "da0": carry,
        # the shared weights collect a contribution from every step: sum over t (and batch)
        "dWax": flat.T @ cache.x.reshape(T * N, cache.x.shape[-1]),
        "dWaa": flat.T @ a_prev.reshape(T * N, n_a),
        "dba": flat.sum(axis=0),
    }
    if return_steps:
        grads["da_steps"] = steps
    return grads


# ---------------------------------------------------------------- output layer
@dataclass(frozen=True)
class OutputCache:
    """Cache of :func:`output_forward`: hidden states ``a`` and ``Wya``."""
    a: np.ndarray
    Wya: np.ndarray


@reference
def output_forward(a, Wya, by):
    """Scores of every step: ``z = a @ Wya.T + by``.

    Inputs: a ``(..., n_a)`` (e.g. ``(T, N, n_a)``), Wya ``(n_y, n_a)``, by ``(n_y,)``.
    Returns ``(z, cache)`` with z of shape ``(..., n_y)``.
    """
    a = as_float_array("a", a)
    Wya = as_float_array("Wya", Wya, ndim=2)
    by = as_float_array("by", by, ndim=1)
    check_shape("by", by, (Wya.shape[0],), "(n_y,)")
    if a.ndim < 1 or a.shape[-1] != Wya.shape[1]:
        raise ValueError(f"a: expected last axis n_a = {Wya.shape[1]}, got shape {a.shape}")
    return a @ Wya.T + by, OutputCache(a, Wya)


@reference
def output_backward(dz, cache: OutputCache) -> dict:
    """Gradients of :func:`output_forward`: ``da`` (shape of a), ``dWya``, ``dby``."""
    if not isinstance(cache, OutputCache):
        raise ValueError(f"cache: expected an OutputCache, got {type(cache).__name__}")
    dz = as_float_array("dz", dz)
    check_shape("dz", dz, cache.a.shape[:-1] + (cache.Wya.shape[0],), "(..., n_y)")
    a2 = cache.a.reshape(-1, cache.a.shape[-1])
    dz2 = dz.reshape(-1, dz.shape[-1])
    return {"da": dz @ cache.Wya, "dWya": dz2.T @ a2, "dby": dz2.sum(axis=0)}


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
    """Logistic function, stable for large |z|."""
    z = as_float_array("z", z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


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


# --------------------------------------------------------------- architectures
@reference
def jordan_forward(x, y0, Wax, Way, ba, Wya, by, activation: str = "tanh", output: str = "identity"):
    """Jordan network: the previous *output* is fed back instead of the hidden state.

    .. math:: a^{\\langle t\\rangle} = g(W_{ax} x^{\\langle t\\rangle} + W_{ay} \\hat y^{\\langle t-1\\rangle} + b_a),
              \\quad \\hat y^{\\langle t\\rangle} = h(W_{ya} a^{\\langle t\\rangle} + b_y)

    Inputs:
    - x ``(T, N, n_x)``; y0: initial output fed back at step 1, ``(N, n_y)``.
    - Wax ``(n_a, n_x)``, Way ``(n_a, n_y)``, ba ``(n_a,)``, Wya ``(n_y, n_a)``, by ``(n_y,)``.
    - activation g as in :func:`rnn_cell_forward`; output h: ``"identity"``,
      ``"sigmoid"`` or ``"softmax"``.

    Returns ``(y_hat, a)``: outputs ``(T, N, n_y)`` and hidden states ``(T, N, n_a)``.
    """
    activation = _act(activation)
    if output not in ("identity", "sigmoid", "softmax"):
        raise ValueError(f"output: expected 'identity', 'sigmoid' or 'softmax', got {output!r}")
    Wax = as_float_array("Wax", Wax, ndim=2)
    n_a, n_x = Wax.shape
    Wya = as_float_array("Wya", Wya, ndim=2)
    check_shape("Wya", Wya, (None, n_a), "(n_y, n_a)")
    n_y = Wya.shape[0]
    Way = as_float_array("Way", Way, ndim=2)
    check_shape("Way", Way, (n_a, n_y), "(n_a, n_y)")
    ba = as_float_array("ba", ba, ndim=1)
    check_shape("ba", ba, (n_a,), "(n_a,)")
    by = as_float_array("by", by, ndim=1)
    check_shape("by", by, (n_y,), "(n_y,)")
    x = as_float_array("x", x, ndim=3)
    check_shape("x", x, (None, None, n_x), "(T, N, n_x)")
    T, N, _ = x.shape
    y_prev = as_float_array("y0", y0, ndim=2)
    check_shape("y0", y_prev, (N, n_y), "(N, n_y)")
    a = np.empty((T, N, n_a))
    y_hat = np.empty((T, N, n_y))
    for t in range(T):
        a[t] = _apply(activation, x[t] @ Wax.T + y_prev @ Way.T + ba)  # memory = last output
        z = a[t] @ Wya.T + by
        y_hat[t] = softmax(z) if output == "softmax" else sigmoid(z) if output == "sigmoid" else z
        y_prev = y_hat[t]
    return y_hat, a


@reference
def many_to_one_forward(x, lengths, a0, Wax, Waa, ba, Wya, by):
    """A many-to-one classifier: run the RNN, score the *last real* hidden state.

    Inputs:
    - x: padded inputs ``(T, N, n_x)``; lengths ``(N,)`` (each >= 1): example i
      ends at step ``lengths[i]`` -- its padding must not change the result.
    - a0 ``(N, n_a)``; Wax, Waa, ba as in :func:`rnn_forward`; Wya ``(n_y, n_a)``, by ``(n_y,)``.

    Returns ``(probs, a_last)``: class probabilities ``softmax(a_last @ Wya.T + by)``,
    ``(N, n_y)``, and the hidden state at each example's last step, ``(N, n_a)``.
    """
    a, _ = rnn_forward(x, a0, Wax, Waa, ba)
    T, N, _ = a.shape
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected an integer array, got dtype {lengths.dtype}")
    check_shape("lengths", lengths, (N,), "(N,)")
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths: expected values in [1, T = {T}], got {lengths.tolist()}")
    a_last = a[lengths - 1, np.arange(N)]  # step T_x^(i) of example i (1-based -> 0-based)
    z, _ = output_forward(a_last, Wya, by)
    return softmax(z), a_last


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


# ------------------------------------------------------------ params and torch
def init_rnn_params(n_x: int, n_a: int, n_y: int, rng: np.random.Generator, scale: float | None = None,
                    identity: bool = False) -> dict:
    """Random parameters ``Wax, Waa, ba, Wya, by`` (PyTorch's uniform(-k, k), k = 1/sqrt(n_a)).

    ``identity=True`` sets ``Waa`` to the identity and ``ba`` to zero (Le et al.
    2015's initialisation for ReLU RNNs). ``scale`` overrides k.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    n_x, n_a, n_y = (check_positive_int(n, v) for n, v in (("n_x", n_x), ("n_a", n_a), ("n_y", n_y)))
    k = 1.0 / np.sqrt(n_a) if scale is None else scale
    p = {"Wax": rng.uniform(-k, k, (n_a, n_x)), "Waa": rng.uniform(-k, k, (n_a, n_a)),
         "ba": rng.uniform(-k, k, n_a), "Wya": rng.uniform(-k, k, (n_y, n_a)), "by": rng.uniform(-k, k, n_y)}
    if identity:
        p["Waa"] = np.eye(n_a)
        p["ba"] = np.zeros(n_a)
    return p


def stacked_weight(Waa, Wax) -> np.ndarray:
    """The compact form ``W_a = [W_aa | W_ax]``, shape ``(n_a, n_a + n_x)``.

    ``W_a @ [a; x] = W_aa a + W_ax x``: the two products are one product with the
    stacked vector (note 000 writes ``W_aw``; it is ``W_ax``).
    """
    Waa = as_float_array("Waa", Waa, ndim=2)
    Wax = as_float_array("Wax", Wax, ndim=2)
    check_shape("Wax", Wax, (Waa.shape[0], None), "(n_a, n_x)")
    return np.concatenate([Waa, Wax], axis=1)


def to_torch_rnn(Wax, Waa, ba, activation: str = "tanh", bias_hh=None):
    """A float64 ``torch.nn.RNN`` with the same weights.

    PyTorch has two biases: ``bias_ih_l0 + bias_hh_l0`` plays the role of ``ba``.
    ``bias_hh`` (default zeros) sets the split: ``bias_ih_l0 = ba - bias_hh``.
    ``activation`` must be ``"tanh"`` or ``"relu"``.
    """
    import torch
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation: expected 'tanh' or 'relu' (torch.nn.RNN), got {activation!r}")
    Wax, Waa, ba, n_a, n_x = _check_params(Wax, Waa, ba)
    b_hh = np.zeros(n_a) if bias_hh is None else as_float_array("bias_hh", bias_hh, ndim=1)
    check_shape("bias_hh", b_hh, (n_a,), "(n_a,)")
    rnn = torch.nn.RNN(n_x, n_a, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        # same (out, in) layout: no transpose; contiguous copies accept any strides
        rnn.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wax)))
        rnn.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(Waa)))
        rnn.bias_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(ba - b_hh)))
        rnn.bias_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(b_hh)))
    return rnn


def from_torch_rnn(rnn) -> dict:
    """``Wax, Waa, ba`` (float64 numpy) of a one-layer unidirectional ``torch.nn.RNN``.

    ``ba = bias_ih_l0 + bias_hh_l0``: the two biases are always added together.
    """
    import torch
    if not isinstance(rnn, torch.nn.RNN):  # nn.GRU and nn.LSTM are RNNBase too, with other weights
        raise ValueError(f"rnn: expected a torch.nn.RNN, got {type(rnn).__name__} (GRU and LSTM: rnncourse.gated)")
    if rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("rnn: expected a one-layer, unidirectional torch.nn.RNN")
    get = lambda name: getattr(rnn, name).detach().double().numpy().copy()  # noqa: E731
    ba = get("bias_ih_l0") + get("bias_hh_l0") if rnn.bias else np.zeros(rnn.hidden_size)
    return {"Wax": get("weight_ih_l0"), "Waa": get("weight_hh_l0"), "ba": ba}
