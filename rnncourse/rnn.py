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

So one step computes ``xt @ Wax.T + a_prev @ Waa.T + ba``. Two kinds of functions:

- ``rnn_step`` / ``rnn_states`` return the states only (what assignment 4 asks for);
- ``rnn_cell_forward`` / ``rnn_forward`` return ``(states, cache)`` and their backward
  functions take the upstream gradient and the cache (CS231n style).

The loops over time are those of :mod:`rnncourse.scan`; this module gives the Elman step
(:func:`_step`) and its backward (:func:`_step_back`). Losses, softmax and clipping are in
:mod:`rnncourse.losses`; the PyTorch bridges in :mod:`rnncourse.bridges`; the Jordan network and
the many-to-one classifier of chapter 4 in :mod:`rnncourse.architectures`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape
from .scan import input_grads, input_terms, rows, scan, scan_backward

__all__ = ["RNNStepCache", "RNNCache", "OutputCache", "ACTIVATIONS", "rnn_step", "rnn_states",
           "rnn_cell_forward", "rnn_cell_backward", "rnn_forward", "rnn_backward",
           "output_forward", "output_backward", "init_rnn_params", "stacked_weight", "check_rnn_params"]

ACTIVATIONS = ("tanh", "relu", "identity")


def _act(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {name!r}")
    return name


def _apply(name, z):
    """g(z) for the activation ``name``."""
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


def check_rnn_params(Wax, Waa, ba):
    """Shapes of one Elman layer; returns ``(Wax, Waa, ba, n_a, n_x)`` as float arrays."""
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


# ------------------------------------------------------- the Elman step and its backward
def _step(zx_t, state, Waa, activation):
    """One Elman step for :func:`rnncourse.scan.scan`.

    Inputs: zx_t ``(N, n_a)``: the input term ``x^<t> Wax^T + ba``; state ``(a_prev,)``;
    Waa ``(n_a, n_a)``; activation: the name of g.

    Returns ``((a_next,), {"z": z, "a": a_next})``.
    """
    (a_prev,) = state
    z = zx_t + a_prev @ Waa.T      # + the recurrent term: the only part that waits for a^<t-1>
    a_next = _apply(activation, z)  # a^<t> = g(W_ax x + W_aa a^<t-1> + b_a)
    return (a_next,), {"z": z, "a": a_next}


def _step_back(d_state, cache_t, Waa, activation):
    """Backward of :func:`_step` for :func:`rnncourse.scan.scan_backward`.

    Inputs: d_state ``(da,)``: total dL/da^<t> ``(N, n_a)``; cache_t: ``z``, ``a`` of the step.

    Returns ``((da_prev,), dz)``: dL/da^<t-1> and the pre-activation gradient dL/dz ``(N, n_a)``.
    """
    (da,) = d_state
    dz = da * _derivative_from_output(activation, cache_t["a"], cache_t["z"])  # through g
    return (dz @ Waa,), dz  # z = ... + a^<t-1> Waa^T  =>  da^<t-1> = dz Waa: the path back in time


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
    Wax, Waa, ba, n_a, n_x = check_rnn_params(Wax, Waa, ba)
    xt = as_float_array("xt", xt, ndim=2)
    check_shape("xt", xt, (None, n_x), "(N, n_x)")
    a_prev = as_float_array("a_prev", a_prev, ndim=2)
    check_shape("a_prev", a_prev, (xt.shape[0], n_a), "(N, n_a)")
    (a_next,), c = _step(xt @ Wax.T + ba, (a_prev,), Waa, activation)
    # the caller gets its own copy: editing a returned state must not change the cached one
    return a_next.copy(), RNNStepCache(xt, a_prev, c["z"], a_next, Wax, Waa, activation)


@reference
def rnn_step(xt, a_prev, Wax, Waa, ba, activation: str = "tanh"):
    """One step of the Elman RNN, the state only: ``a_next`` ``(N, n_a)``.

    The same step as :func:`rnn_cell_forward` (same inputs) without the cache.
    """
    return rnn_cell_forward(xt, a_prev, Wax, Waa, ba, activation)[0]


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
    (da_prev,), dz = _step_back((da_next,), {"z": cache.z, "a": cache.a_next}, cache.Waa, cache.activation)
    dxt, dWax, dba = input_grads(dz, cache.xt, cache.Wax)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": dWax,
            "dWaa": dz.T @ cache.a_prev,  # summed over the batch by the product
            "dba": dba}


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
    Wax, Waa, ba, n_a, n_x = check_rnn_params(Wax, Waa, ba)
    x = as_float_array("x", x, ndim=3)
    check_shape("x", x, (None, None, n_x), "(T, N, n_x)")
    a0 = as_float_array("a0", a0, ndim=2)
    check_shape("a0", a0, (x.shape[1], n_a), "(N, n_a)")
    dtype = np.result_type(x, a0, Wax, Waa, ba)
    zx = input_terms(x, Wax, ba).astype(dtype, copy=False)  # x W_ax^T + b_a of every step at once
    (a,), c = scan(lambda zx_t, s: _step(zx_t, s, Waa, activation), zx, (a0.astype(dtype, copy=False),))
    return a.copy(), RNNCache(x, a0, c["z"], a, Wax, Waa, activation)  # a copy: see rnn_cell_forward


@reference
def rnn_states(x, a0, Wax, Waa, ba, activation: str = "tanh"):
    """The hidden states a^<1..T> ``(T, N, n_a)`` only: :func:`rnn_forward` without the cache."""
    return rnn_forward(x, a0, Wax, Waa, ba, activation)[0]


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
    out = scan_backward(lambda d, c: _step_back(d, c, cache.Waa, cache.activation), da,
                        {"z": cache.z, "a": cache.a}, (carry,), return_steps)
    dz, (da0,) = out[0], out[1]
    a_prev = np.concatenate([cache.a0[None], cache.a[:-1]])[:T]  # a^<t-1> for every t
    dx, dWax, dba = input_grads(dz, cache.x, cache.Wax)
    # the shared weights collect a contribution from every step: one product sums over t (and batch)
    grads = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": rows(dz).T @ rows(a_prev), "dba": dba}
    if return_steps:
        grads["da_steps"] = out[2]
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


# -------------------------------------------------------------------- params
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


