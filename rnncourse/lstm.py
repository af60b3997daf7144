r"""Chapter 7: the long short-term memory (LSTM), forward and backward through time.

Equations (column vectors, one example, one step; :math:`\sigma` is the logistic
function, :math:`*` the element-wise product; the optional diagonal peepholes of Gers &
Schmidhuber 2000 in brackets), in the package's gate order **f, u, o, c**:

.. math::

    \Gamma_f &= \sigma(W_{fx} x^{\langle t\rangle} + W_{fa} a^{\langle t-1\rangle} + b_f\ [+\ p_f * c^{\langle t-1\rangle}]) \\
    \Gamma_u &= \sigma(W_{ux} x^{\langle t\rangle} + W_{ua} a^{\langle t-1\rangle} + b_u\ [+\ p_u * c^{\langle t-1\rangle}]) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} a^{\langle t-1\rangle} + b_c) \\
    c^{\langle t\rangle} &= \Gamma_f * c^{\langle t-1\rangle} + \Gamma_u * \tilde c^{\langle t\rangle} \\
    \Gamma_o &= \sigma(W_{ox} x^{\langle t\rangle} + W_{oa} a^{\langle t-1\rangle} + b_o\ [+\ p_o * c^{\langle t\rangle}]) \\
    a^{\langle t\rangle} &= \Gamma_o * \tanh(c^{\langle t\rangle})

(Hochreiter & Schmidhuber 1997; forget gate of Gers et al. 2000.) Andrew Ng's notes write
:math:`a = \Gamma_o * c`: the :math:`\tanh` is missing there (see the errata).

=================  ==================  ==============================================
maths              code                shape
=================  ==================  ==============================================
x^<t>              ``xt``, ``x[t]``    ``(N, n_x)``; a sequence is ``(T, N, n_x)``
a^<t>, c^<t>       ``a[t]``, ``c[t]``  ``(N, n_a)``; ``a0``, ``c0`` are a^<0>, c^<0>
W_?x               ``params["W?x"]``   ``(n_a, n_x)``  for ? in f, u, o, c
W_?a               ``params["W?a"]``   ``(n_a, n_a)``
b_?                ``params["b?"]``    ``(n_a,)``
p_f, p_u, p_o      ``pf, pu, po``      ``(n_a,)``  peepholes (``peephole=True``)
Γ_f, Γ_u, Γ_o, c̃   ``cache.gamma_f``,  ``(N, n_a)``  forget, update (PyTorch's input i),
                   ``gamma_u, gamma_o,``               output gates and the candidate
                   ``c_tilde``
=================  ==================  ==============================================

params: ``Wfx, Wfa, bf | Wux, Wua, bu | Wox, Woa, bo | Wcx, Wca, bc`` [``| pf, pu, po``].
Stacked (cache ``Wx (4 n_a, n_x)``, ``Wa (4 n_a, n_a)``): row blocks **f, u, o, c**, so
``Wx[n_a:2*n_a]`` is ``Wux``. PyTorch's order i, f, g, o appears only in
:mod:`rnncourse.bridges`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_shape
from .gates import LSTM_ORDER, gate_params, init_gates, sequence_inputs, split, stack, upstream
from .losses import sigmoid
from .scan import blocks, input_grads, input_terms, rows, scan, scan_backward

__all__ = ["LSTMStepCache", "LSTMCache", "PEEPHOLES", "lstm_step", "lstm_states", "lstm_cell_forward",
           "lstm_cell_backward", "lstm_forward", "lstm_backward", "init_lstm_params", "check_lstm_params"]

PEEPHOLES = ("pf", "pu", "po")


def check_lstm_params(params, peephole):
    """The named LSTM arrays checked: ``(P, n_a, n_x)``."""
    if not isinstance(peephole, (bool, np.bool_)):
        raise ValueError(f"peephole: expected True or False, got {peephole!r}")
    if not peephole and isinstance(params, Mapping) and any(k in params for k in PEEPHOLES):
        raise ValueError("params: has peephole keys (pf, pu, po) but peephole=False; "
                         "pass peephole=True or drop the keys")
    return gate_params(params, LSTM_ORDER, "LSTM" + (" with peepholes" if peephole else ""),
                       PEEPHOLES if peephole else ())


# ---------------------------------------------------------- one step and its backward
def _step(zx_t, state, WaT, peep):
    """One LSTM step for :func:`rnncourse.scan.scan`.

    Inputs: zx_t ``(N, 4 n_a)``: input terms ``x^<t> Wx^T + b`` (blocks f, u, o, c);
    state ``(a_prev, c_prev)``; WaT ``(n_a, 4 n_a)``: ``Wa.T`` (stored contiguous once: the
    product is faster); peep ``(pf, pu, po)`` or None.

    Returns ``((a_next, c_next), cache_t)``; ``cache_t["gates"]`` is ``[Γ_f | Γ_u | Γ_o]``
    ``(N, 3 n_a)``.
    """
    a_prev, c_prev = state
    H = a_prev.shape[-1]
    z = a_prev @ WaT                   # the four recurrent terms (blocks f, u, o, c): one product...
    z += zx_t                          # ...plus the input terms: the pre-activations
    zf, zu, zo, zc = blocks(z, 4)
    if peep is None:
        gates = sigmoid(z[:, :3 * H])  # Γ_f, Γ_u, Γ_o side by side: the three gates in one call
        gamma_f, gamma_u, gamma_o = blocks(gates, 3)
    else:                              # peepholes: the gates also look at the old cell
        gamma_f, gamma_u = sigmoid(zf + peep[0] * c_prev), sigmoid(zu + peep[1] * c_prev)
    # Γ_f: how much of the old memory to keep; Γ_u: how much of the candidate to write
    c_tilde = np.tanh(zc)              # the candidate memory
    c_next = gamma_f * c_prev + gamma_u * c_tilde  # additive update: the path gradients flow along
    if peep is not None:
        gamma_o = sigmoid(zo + peep[2] * c_next)   # the output peephole sees the NEW cell
        gates = np.concatenate([gamma_f, gamma_u, gamma_o], axis=-1)
    tanh_c = np.tanh(c_next)           # squash the cell (note 000 forgets this tanh)
    a_next = gamma_o * tanh_c          # Γ_o: how much of the memory to show
    return (a_next, c_next), {"gates": gates, "c_tilde": c_tilde, "tanh_c": tanh_c}


def _step_back(d_state, cache_t, Wa, peep):
    """Backward of :func:`_step` for :func:`rnncourse.scan.scan_backward`.

    Inputs: d_state ``(da, dc)``: total dL/da^<t>, and dL/dc^<t> from step t+1, ``(N, n_a)``;
    cache_t: the step's cache.

    Returns ``((da_prev, dc_prev), dz)`` with dz ``(N, 4 n_a)``, the pre-activation gradients
    (blocks f, u, o, c).
    """
    da, dc_next = d_state
    gates, ct, tc = cache_t["gates"], cache_t["c_tilde"], cache_t["tanh_c"]
    f, u, o = blocks(gates, 3)                  # [Γ_f | Γ_u | Γ_o]
    dc = dc_next + da * o * (1.0 - tc * tc)     # two paths into c^<t>: through tanh to a^<t>, and step t+1
    if peep is not None:
        dc = dc + da * tc * o * (1.0 - o) * peep[2]  # Γ_o saw c^<t> through p_o
    # what each gate multiplied: c = Γ_f c_prev + Γ_u c̃, a = Γ_o tanh(c)
    d_gates = np.concatenate([dc * cache_t["c_prev"], dc * ct, da * tc], axis=-1)
    dz_gates = d_gates * gates * (1.0 - gates)  # through σ' = Γ(1 - Γ), the three gates at once
    dzc = dc * u * (1.0 - ct * ct)              # dc̃ = dc Γ_u, through tanh' = 1 - c̃²
    dc_prev = dc * f                            # the constant-error carousel: scaled by Γ_f only
    if peep is not None:
        dzf, dzu, _ = blocks(dz_gates, 3)
        dc_prev = dc_prev + dzf * peep[0] + dzu * peep[1]
    dz = np.concatenate([dz_gates, dzc], axis=-1)  # blocks f, u, o, c
    return (dz @ Wa, dc_prev), dz               # the four recurrent products back in one


def _param_grads(dz, x, a_prev, Wx, cache, peep, H):
    """``dx`` and every parameter gradient, from the stacked dz (one product over all rows)."""
    dx, dWx, db = input_grads(dz, x, Wx)
    grads = split({"dW?x": dWx, "dW?a": rows(dz).T @ rows(a_prev), "db?": db}, LSTM_ORDER, H)
    if peep is not None:  # diagonal weights: element-wise products summed over rows
        flat = rows(dz)
        grads["dpf"] = np.einsum("ij,ij->j", flat[:, :H], rows(cache["c_prev"]))
        grads["dpu"] = np.einsum("ij,ij->j", flat[:, H:2 * H], rows(cache["c_prev"]))
        grads["dpo"] = np.einsum("ij,ij->j", flat[:, 2 * H:3 * H], rows(cache["c_next"]))
    return dx, grads


def _prepare(x, a0, c0, params, peephole, step):
    P, n_a, n_x = check_lstm_params(params, peephole)
    x, a0 = sequence_inputs(x, a0, n_x, n_a, step)
    c_name = "c_prev" if step else "c0"
    c0 = as_float_array(c_name, c0, ndim=2)
    check_shape(c_name, c0, a0.shape, "(N, n_a)")
    dtype = np.result_type(x, a0, c0, *P.values())
    Wx, Wa, b = stack(P, LSTM_ORDER, dtype)
    peep = tuple(P[k].astype(dtype, copy=False) for k in PEEPHOLES) if peephole else None
    cast = lambda v: v.astype(dtype, copy=False)  # noqa: E731
    return cast(x), cast(a0), cast(c0), Wx, Wa, b, peep


def _gate_fields(cls):
    """``gates``: the four blocks ``[Γ_f | Γ_u | Γ_o | c̃]`` side by side, ``(..., 4 n_a)``."""
    cls.gates = property(lambda self: np.concatenate(
        [self.gamma_f, self.gamma_u, self.gamma_o, self.c_tilde], axis=-1))
    return cls


# ------------------------------------------------------------------------ one step
@_gate_fields
@dataclass(frozen=True)
class LSTMStepCache:
    """What :func:`lstm_cell_backward` needs from one forward step.

    - xt ``(N, n_x)``; a_prev, c_prev, c_next, a_next ``(N, n_a)``;
    - gamma_f, gamma_u, gamma_o, c_tilde ``(N, n_a)``: the gates and the candidate
      (``gates``: the four side by side, order f, u, o, c); tanh_c ``(N, n_a)``: tanh(c^<t>);
    - Wx ``(4 n_a, n_x)``, Wa ``(4 n_a, n_a)``: stacked weights, row blocks f, u, o, c;
      peep: ``(pf, pu, po)`` or None.
    """
    xt: np.ndarray
    a_prev: np.ndarray
    c_prev: np.ndarray
    gamma_f: np.ndarray
    gamma_u: np.ndarray
    gamma_o: np.ndarray
    c_tilde: np.ndarray
    c_next: np.ndarray
    tanh_c: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    peep: tuple | None


@reference
def lstm_cell_forward(xt, a_prev, c_prev, params, peephole: bool = False):
    """One LSTM step (equations in the module docstring; a = Γ_o * tanh(c), not note 000's Γ_o * c).

    Inputs:
    - xt ``(N, n_x)``; a_prev a^<t-1> and c_prev c^<t-1>, ``(N, n_a)``.
    - params: ``Wfx, Wfa, bf | Wux, Wua, bu | Wox, Woa, bo | Wcx, Wca, bc`` (``W?x (n_a, n_x)``,
      ``W?a (n_a, n_a)``, ``b? (n_a,)``), with ``peephole=True`` also ``pf, pu, po (n_a,)``.
    - peephole: use the diagonal peepholes (Gers & Schmidhuber 2000). Peephole keys
      with ``peephole=False`` raise ``ValueError`` (they would be silently ignored).

    Returns ``(a_next, c_next, cache)``: a^<t>, c^<t> ``(N, n_a)`` and an :class:`LSTMStepCache`.
    """
    xt, a_prev, c_prev, Wx, Wa, b, peep = _prepare(xt, a_prev, c_prev, params, peephole, True)
    (a_next, c_next), c = _step(xt @ Wx.T + b, (a_prev, c_prev), Wa.T, peep)
    cache = LSTMStepCache(xt, a_prev, c_prev, *blocks(c["gates"], 3), c["c_tilde"],
                          c_next, c["tanh_c"], a_next, Wx, Wa, peep)
    return a_next.copy(), c_next.copy(), cache  # copies: editing a returned state must not change the cache


@reference
def lstm_step(xt, a_prev, c_prev, params, peephole: bool = False):
    """One LSTM step, the states only: ``(a_next, c_next)``, each ``(N, n_a)``.

    The same step as :func:`lstm_cell_forward` (same inputs) without the cache.
    """
    return lstm_cell_forward(xt, a_prev, c_prev, params, peephole)[:2]


@reference
def lstm_cell_backward(da_next, dc_next, cache: LSTMStepCache) -> dict:
    """Backward pass of one LSTM step.

    Inputs: da_next, dc_next: dL/da^<t>, dL/dc^<t> ``(N, n_a)`` (all paths, e.g. from
    step t+1; ``dc_next`` may be None for zero); cache: :class:`LSTMStepCache`.

    Returns a dict: ``dxt (N, n_x)``, ``da_prev``, ``dc_prev (N, n_a)``, ``dW?x``, ``dW?a``,
    ``db?`` for ? in f, u, o, c, and ``dpf, dpu, dpo`` with peepholes.
    """
    if not isinstance(cache, LSTMStepCache):
        raise ValueError(f"cache: expected an LSTMStepCache, got {type(cache).__name__}")
    da_next = as_float_array("da_next", da_next, ndim=2)
    check_shape("da_next", da_next, cache.a_next.shape, "(N, n_a)")
    dc_next = upstream("dc_next", dc_next, cache.c_next.shape, np.result_type(da_next, cache.c_next))
    c = {k: getattr(cache, k) for k in ("c_tilde", "c_prev", "c_next", "tanh_c")}
    c["gates"] = np.concatenate([cache.gamma_f, cache.gamma_u, cache.gamma_o], axis=-1)
    (da_prev, dc_prev), dz = _step_back((da_next, dc_next), c, cache.Wa, cache.peep)
    dxt, grads = _param_grads(dz, cache.xt, cache.a_prev, cache.Wx, c, cache.peep, cache.a_next.shape[1])
    return {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, **grads}


# ------------------------------------------------------------------ whole sequences
@_gate_fields
@dataclass(frozen=True)
class LSTMCache:
    """Cache of :func:`lstm_forward` for :func:`lstm_backward`.

    - x ``(T, N, n_x)``; a0, c0 ``(N, n_a)``; a, c ``(T, N, n_a)``: a^<1..T>, c^<1..T>;
    - sigmoid_gates ``(T, N, 3 n_a)``: ``[Γ_f | Γ_u | Γ_o]`` of every step, also read as
      ``gamma_f``, ``gamma_u``, ``gamma_o`` ``(T, N, n_a)``; c_tilde, tanh_c ``(T, N, n_a)``
      (``gates``: the four side by side, order f, u, o, c);
    - Wx ``(4 n_a, n_x)``, Wa ``(4 n_a, n_a)`` (row blocks f, u, o, c); peep.
    """
    x: np.ndarray
    a0: np.ndarray
    c0: np.ndarray
    a: np.ndarray
    c: np.ndarray
    sigmoid_gates: np.ndarray
    c_tilde: np.ndarray
    tanh_c: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    peep: tuple | None

    gamma_f = property(lambda self: blocks(self.sigmoid_gates, 3)[0], doc="Γ_f ``(T, N, n_a)``: the forget gate")
    gamma_u = property(lambda self: blocks(self.sigmoid_gates, 3)[1], doc="Γ_u ``(T, N, n_a)``: the update gate")
    gamma_o = property(lambda self: blocks(self.sigmoid_gates, 3)[2], doc="Γ_o ``(T, N, n_a)``: the output gate")


@reference
def lstm_forward(x, a0, c0, params, peephole: bool = False):
    """Run an LSTM over a time-major sequence.

    Inputs: x ``(T, N, n_x)``; a0, c0 ``(N, n_a)``; params, peephole as in
    :func:`lstm_cell_forward`.

    Returns ``(a, c, cache)``: hidden states a^<1..T> and cells c^<1..T>, both
    ``(T, N, n_a)`` (``a`` is ``nn.LSTM``'s output; ``a[-1], c[-1]`` its ``h_n, c_n``),
    and an :class:`LSTMCache`.
    """
    x, a0, c0, Wx, Wa, b, peep = _prepare(x, a0, c0, params, peephole, False)
    WaT = np.ascontiguousarray(Wa.T)
    (a, c), k = scan(lambda zx_t, s: _step(zx_t, s, WaT, peep), input_terms(x, Wx, b), (a0, c0))
    cache = LSTMCache(x, a0, c0, a, c, k["gates"], k["c_tilde"], k["tanh_c"], Wx, Wa, peep)
    return a.copy(), c.copy(), cache


@reference
def lstm_states(x, a0, c0, params, peephole: bool = False):
    """All hidden states and cells ``(a, c)``, each ``(T, N, n_a)``: :func:`lstm_forward` without the cache."""
    return lstm_forward(x, a0, c0, params, peephole)[:2]


@reference
def lstm_backward(da, cache: LSTMCache, da_last=None, dc_last=None) -> dict:
    """Backpropagation through time for :func:`lstm_forward`.

    Inputs:
    - da: dL/da^<t> from the outputs of every step, ``(T, N, n_a)``.
    - cache: :class:`LSTMCache`.
    - da_last, dc_last: optional extra gradients on a^<T>, c^<T> ``(N, n_a)``
      (``h_n``, ``c_n`` of ``nn.LSTM``).

    Returns a dict: ``dx (T, N, n_x)``, ``da0``, ``dc0 (N, n_a)`` and the parameter
    gradients of :func:`lstm_cell_backward`, summed over time.
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache: expected an LSTMCache, got {type(cache).__name__}")
    T, N, H = cache.a.shape
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, (T, N, H), "(T, N, n_a)")
    dtype = np.result_type(da, cache.a)
    last = (upstream("da_last", da_last, (N, H), dtype), upstream("dc_last", dc_last, (N, H), dtype))
    steps = {"gates": cache.sigmoid_gates, "c_tilde": cache.c_tilde, "tanh_c": cache.tanh_c,
             "c_next": cache.c, "c_prev": np.concatenate([cache.c0[None], cache.c[:-1]])[:T]}
    dz, (da0, dc0) = scan_backward(lambda d, c: _step_back(d, c, cache.Wa, cache.peep), da, steps, last)
    a_prev = np.concatenate([cache.a0[None], cache.a[:-1]])[:T]  # a^<t-1> for every t
    dx, grads = _param_grads(dz, cache.x, a_prev, cache.Wx, steps, cache.peep, H)
    return {"dx": dx, "da0": da0, "dc0": dc0, **grads}


def init_lstm_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None,
                     forget_bias: float = 0.0, peephole: bool = False) -> dict:
    """Random LSTM parameters ``W?x, W?a, b?`` for ? in f, u, o, c (uniform(-k, k)).

    ``forget_bias`` is *added* to ``bf``: a positive value (1 is common, Jozefowicz et
    al. 2015) starts the forget gate open so that memories survive early training.
    ``peephole=True`` adds ``pf, pu, po`` (same uniform law).
    """
    p, k = init_gates(LSTM_ORDER, n_x, n_a, rng, scale)
    p["bf"] = p["bf"] + forget_bias
    if peephole:
        for key in PEEPHOLES:
            p[key] = rng.uniform(-k, k, n_a)
    return p
