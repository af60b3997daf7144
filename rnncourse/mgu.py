r"""Chapter 7: the minimal gated unit (MGU), forward and backward through time.

Zhou et al. 2016 (the interview Q&A's "minimal GRU"): one forget gate plays both the reset
and the update role. Gate order **f, c**:

.. math::

    \Gamma_f &= \sigma(W_{fx} x^{\langle t\rangle} + W_{fa} a^{\langle t-1\rangle} + b_f) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} (\Gamma_f * a^{\langle t-1\rangle}) + b_c) \\
    a^{\langle t\rangle} &= (1 - \Gamma_f) * a^{\langle t-1\rangle} + \Gamma_f * \tilde c^{\langle t\rangle}

=================  ==================  ==============================================
maths              code                shape
=================  ==================  ==============================================
x^<t>, a^<t>       ``xt``, ``a[t]``    ``(N, n_x)``, ``(N, n_a)``; ``a0`` is a^<0>
W_?x, W_?a, b_?    ``params["W?x"]``   ``(n_a, n_x)``, ``(n_a, n_a)``, ``(n_a,)``, ? in f, c
Γ_f, c̃             ``cache.gamma_f``,  ``(N, n_a)``
                   ``cache.c_tilde``
=================  ==================  ==============================================

params: ``Wfx, Wfa, bf | Wcx, Wca, bc``. Stacked (cache ``Wx (2 n_a, n_x)``,
``Wa (2 n_a, n_a)``): row blocks **f, c**. PyTorch has no MGU.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_shape
from .gates import MGU_ORDER, gate_params, init_gates, sequence_inputs, split, stack, upstream
from .losses import sigmoid
from .scan import blocks, input_grads, input_terms, rows, scan, scan_backward

__all__ = ["MGUStepCache", "MGUCache", "mgu_cell_forward", "mgu_cell_backward", "mgu_forward",
           "mgu_backward", "init_mgu_params"]


# ---------------------------------------------------------- one step and its backward
def _step(zx_t, state, Wa):
    """One MGU step: ``((a_next,), cache_t)``; zx_t ``(N, 2 n_a)`` (blocks f, c), Wa ``(2 n_a, n_a)``."""
    (a_prev,) = state
    H = a_prev.shape[-1]
    zf, zc = blocks(zx_t, 2)
    gamma_f = sigmoid(zf + a_prev @ Wa[:H].T)   # the one gate
    aux = gamma_f * a_prev                      # Γ_f acts as the reset gate ...
    c_tilde = np.tanh(zc + aux @ Wa[H:].T)
    a_next = (1.0 - gamma_f) * a_prev + gamma_f * c_tilde  # ... and as the update gate
    return (a_next,), {"gamma_f": gamma_f, "c_tilde": c_tilde, "aux": aux, "a_prev": a_prev}


def _step_back(d_state, cache_t, Wa):
    """Backward of :func:`_step`: ``((da_prev,), dz)`` with dz ``(N, 2 n_a)`` (blocks f, c)."""
    (da,) = d_state
    f, ct, a_prev = cache_t["gamma_f"], cache_t["c_tilde"], cache_t["a_prev"]
    H = a_prev.shape[-1]
    dzc = da * f * (1.0 - ct * ct)              # dc̃ = da Γ_f, through tanh'
    d_aux = dzc @ Wa[H:]                        # d(Γ_f * a_prev)
    dzf = (da * (ct - a_prev) + d_aux * a_prev) * f * (1.0 - f)  # Γ_f has two roles: two terms
    da_prev = da * (1.0 - f) + d_aux * f + dzf @ Wa[:H]  # direct path, through c̃, through the gate
    return (da_prev,), np.concatenate([dzf, dzc], axis=-1)


def _param_grads(dz, x, a_prev, aux, Wx, H):
    dx, dWx, db = input_grads(dz, x, Wx)
    flat = rows(dz)
    dWa = np.concatenate([flat[:, :H].T @ rows(a_prev), flat[:, H:].T @ rows(aux)])  # c̃ saw Γ_f * a_prev
    return dx, split({"dW?x": dWx, "dW?a": dWa, "db?": db}, MGU_ORDER, H)


def _prepare(x, a0, params, step):
    P, n_a, n_x = gate_params(params, MGU_ORDER, "MGU")
    x, a0 = sequence_inputs(x, a0, n_x, n_a, step)
    dtype = np.result_type(x, a0, *P.values())
    Wx, Wa, b = stack(P, MGU_ORDER, dtype)
    return x.astype(dtype, copy=False), a0.astype(dtype, copy=False), Wx, Wa, b


@dataclass(frozen=True)
class MGUStepCache:
    """What :func:`mgu_cell_backward` needs: xt, a_prev, gamma_f, c_tilde, aux = Γ_f * a_prev,
    a_next (each ``(N, n_a)`` but xt), stacked Wx ``(2 n_a, n_x)``, Wa ``(2 n_a, n_a)`` (blocks f, c)."""
    xt: np.ndarray
    a_prev: np.ndarray
    gamma_f: np.ndarray
    c_tilde: np.ndarray
    aux: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray


@dataclass(frozen=True)
class MGUCache:
    """Cache of :func:`mgu_forward`: x, a0, a ``(T, N, n_a)``, gamma_f, c_tilde, aux
    ``(T, N, n_a)``, Wx, Wa (blocks f, c)."""
    x: np.ndarray
    a0: np.ndarray
    a: np.ndarray
    gamma_f: np.ndarray
    c_tilde: np.ndarray
    aux: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray


@reference
def mgu_cell_forward(xt, a_prev, params):
    """One step of the minimal gated unit (equations in the module docstring).

    Inputs: xt ``(N, n_x)``; a_prev ``(N, n_a)``; params: ``Wfx, Wfa, bf | Wcx, Wca, bc``
    (``W?x (n_a, n_x)``, ``W?a (n_a, n_a)``, ``b? (n_a,)``).

    Returns ``(a_next, cache)``: a^<t> ``(N, n_a)`` and an :class:`MGUStepCache`.
    """
    xt, a_prev, Wx, Wa, b = _prepare(xt, a_prev, params, True)
    (a_next,), c = _step(xt @ Wx.T + b, (a_prev,), Wa)
    return a_next.copy(), MGUStepCache(xt, a_prev, c["gamma_f"], c["c_tilde"], c["aux"], a_next, Wx, Wa)


@reference
def mgu_cell_backward(da_next, cache: MGUStepCache) -> dict:
    """Backward pass of one MGU step: ``dxt, da_prev, dWfx, dWfa, dbf, dWcx, dWca, dbc``."""
    if not isinstance(cache, MGUStepCache):
        raise ValueError(f"cache: expected an MGUStepCache, got {type(cache).__name__}")
    da_next = as_float_array("da_next", da_next, ndim=2)
    check_shape("da_next", da_next, cache.a_next.shape, "(N, n_a)")
    c = {"gamma_f": cache.gamma_f, "c_tilde": cache.c_tilde, "a_prev": cache.a_prev}
    (da_prev,), dz = _step_back((da_next,), c, cache.Wa)
    dxt, grads = _param_grads(dz, cache.xt, cache.a_prev, cache.aux, cache.Wx, cache.a_next.shape[1])
    return {"dxt": dxt, "da_prev": da_prev, **grads}


@reference
def mgu_forward(x, a0, params):
    """Run an MGU over ``x (T, N, n_x)`` from ``a0 (N, n_a)``; returns ``(a (T, N, n_a), MGUCache)``."""
    x, a0, Wx, Wa, b = _prepare(x, a0, params, False)
    (a,), k = scan(lambda zx_t, s: _step(zx_t, s, Wa), input_terms(x, Wx, b), (a0,))
    return a.copy(), MGUCache(x, a0, a, k["gamma_f"], k["c_tilde"], k["aux"], Wx, Wa)


@reference
def mgu_backward(da, cache: MGUCache, da_last=None) -> dict:
    """BPTT for :func:`mgu_forward`: ``dx (T, N, n_x)``, ``da0 (N, n_a)`` and the
    parameter gradients of :func:`mgu_cell_backward` summed over time."""
    if not isinstance(cache, MGUCache):
        raise ValueError(f"cache: expected an MGUCache, got {type(cache).__name__}")
    T, N, H = cache.a.shape
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, (T, N, H), "(T, N, n_a)")
    last = (upstream("da_last", da_last, (N, H), np.result_type(da, cache.a)),)
    a_prev = np.concatenate([cache.a0[None], cache.a[:-1]])[:T]  # a^<t-1> for every t
    steps = {"gamma_f": cache.gamma_f, "c_tilde": cache.c_tilde, "a_prev": a_prev}
    dz, (da0,) = scan_backward(lambda d, c: _step_back(d, c, cache.Wa), da, steps, last)
    dx, grads = _param_grads(dz, cache.x, a_prev, cache.aux, cache.Wx, H)
    return {"dx": dx, "da0": da0, **grads}


def init_mgu_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None) -> dict:
    """Random MGU parameters ``Wfx, Wfa, bf, Wcx, Wca, bc`` (uniform(-k, k), k = 1/sqrt(n_a))."""
    return init_gates(MGU_ORDER, n_x, n_a, rng, scale)[0]
