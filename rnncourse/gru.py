r"""Chapter 7: the gated recurrent unit (GRU), three forms, forward and backward through time.

Equations (column vectors, one example, one step), gate order **r, u, c**:

.. math::

    \Gamma_r &= \sigma(W_{rx} x^{\langle t\rangle} + W_{ra} a^{\langle t-1\rangle} + b_r) \\
    \Gamma_u &= \sigma(W_{ux} x^{\langle t\rangle} + W_{ua} a^{\langle t-1\rangle} + b_u) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} (\Gamma_r * a^{\langle t-1\rangle}) + b_c)
        && \text{form "notes": reset before the product} \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + b_c + \Gamma_r * (W_{ca} a^{\langle t-1\rangle} + b_{ca}))
        && \text{form "torch": reset after the product} \\
    a^{\langle t\rangle} &= \Gamma_u * \tilde c^{\langle t\rangle} + (1 - \Gamma_u) * a^{\langle t-1\rangle}

Form ``"simplified"`` (Ng's simplified GRU) has no reset gate: :math:`\Gamma_r \equiv 1`.
PyTorch's ``nn.GRU`` uses the "torch" form with a *keep* gate :math:`z = 1 - \Gamma_u`; the
conversion is in :mod:`rnncourse.bridges`.

=================  ==================  ==============================================
maths              code                shape
=================  ==================  ==============================================
x^<t>              ``xt``, ``x[t]``    ``(N, n_x)``; a sequence is ``(T, N, n_x)``
a^<t>              ``a[t]``            ``(N, n_a)``; ``a0`` is a^<0>
W_?x, W_?a, b_?    ``params["W?x"]``   ``(n_a, n_x)``, ``(n_a, n_a)``, ``(n_a,)``, ? in r, u, c
b_ca               ``params["bca"]``   ``(n_a,)`` "torch" form: recurrent candidate bias (default 0)
Γ_r, Γ_u, c̃        ``cache.gamma_r``,  ``(N, n_a)`` reset gate, update gate, candidate
                   ``gamma_u, c_tilde``
=================  ==================  ==============================================

params: ``Wrx, Wra, br | Wux, Wua, bu | Wcx, Wca, bc`` [``| bca`` in the "torch" form; no
``r`` keys in the "simplified" form]. Stacked (cache ``Wx (3 n_a, n_x)``, ``Wa (3 n_a, n_a)``):
row blocks **r, u, c** (zero r-rows in the simplified form).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_shape
from .gates import GRU_ORDER, gate_params, init_gates, sequence_inputs, split, stack, upstream
from .losses import sigmoid
from .scan import blocks, input_grads, input_terms, rows, scan, scan_backward

__all__ = ["GRU_FORMS", "GRUStepCache", "GRUCache", "gru_step", "gru_cell_forward", "gru_cell_backward",
           "gru_forward", "gru_backward", "init_gru_params", "check_gru_params"]

GRU_FORMS = ("notes", "torch", "simplified")


def _form(form):
    if form not in GRU_FORMS:
        raise ValueError(f"form: expected one of {GRU_FORMS}, got {form!r}")
    return form


def check_gru_params(params, form):
    """Named GRU arrays checked, with ``bca`` (torch form; zeros if absent): ``(P, n_a, n_x)``."""
    gates = ("u", "c") if form == "simplified" else GRU_ORDER
    P, n_a, n_x = gate_params(params, gates, f"GRU form {form!r}")
    if form == "torch":
        P["bca"] = as_float_array("bca", params.get("bca", np.zeros(n_a)), ndim=1)
        check_shape("bca", P["bca"], (n_a,), "(n_a,)")
    if form == "simplified":  # no reset gate: zero r-rows keep one layout for every form
        P.update(Wrx=np.zeros((n_a, n_x)), Wra=np.zeros((n_a, n_a)), br=np.zeros(n_a))
    return P, n_a, n_x


# ---------------------------------------------------------- one step and its backward
def _step(zx_t, state, Wa, bca, form):
    """One GRU step for :func:`rnncourse.scan.scan`.

    Inputs: zx_t ``(N, 3 n_a)``: the input terms ``x^<t> Wx^T + b`` (blocks r, u, c);
    state ``(a_prev,)``; Wa ``(3 n_a, n_a)``; bca ``(n_a,)`` (torch form) or None; form.

    Returns ``((a_next,), cache_t)``; ``cache_t["aux"]`` is what the candidate's recurrent
    weight multiplied: ``Γ_r * a_prev`` (notes, simplified) or ``Wca a_prev + bca`` (torch).
    """
    (a_prev,) = state
    H = a_prev.shape[-1]
    zr, zu, zc = blocks(zx_t, 3)
    Wra_ua, Wca = Wa[:2 * H], Wa[2 * H:]
    zr_a, zu_a = blocks(a_prev @ Wra_ua.T, 2)  # recurrent terms of both gates, one product
    gamma_r = sigmoid(zr + zr_a) if form != "simplified" else np.ones_like(a_prev)  # which memories feed c̃
    gamma_u = sigmoid(zu + zu_a)                  # how much of the state to rewrite
    if form == "torch":
        aux = a_prev @ Wca.T + bca                # reset AFTER the product (nn.GRU)
        c_tilde = np.tanh(zc + gamma_r * aux)
    else:
        aux = gamma_r * a_prev                    # reset BEFORE the product (Cho et al., the notes)
        c_tilde = np.tanh(zc + aux @ Wca.T)
    a_next = gamma_u * c_tilde + (1.0 - gamma_u) * a_prev  # a gated mix of new and old
    return (a_next,), {"gamma_r": gamma_r, "gamma_u": gamma_u, "c_tilde": c_tilde, "aux": aux,
                       "a_prev": a_prev}


def _step_back(d_state, cache_t, Wa, form):
    """Backward of :func:`_step`: ``((da_prev,), dz)`` with dz ``(N, 6 n_a)``.

    dz holds the pre-activation gradients of the input path (blocks r, u, c) and then those of
    the recurrent path (blocks r, u, c): they differ only for the candidate (Γ_r sits between).
    """
    (da,) = d_state
    r, u, ct = cache_t["gamma_r"], cache_t["gamma_u"], cache_t["c_tilde"]
    a_prev, aux = cache_t["a_prev"], cache_t["aux"]
    H = a_prev.shape[-1]
    Wra, Wua, Wca = Wa[:H], Wa[H:2 * H], Wa[2 * H:]
    da_prev = da * (1.0 - u)                   # the direct (1 - Γ_u) path: the GRU's gradient highway
    dzu = da * (ct - a_prev) * u * (1.0 - u)   # a = a_prev + Γ_u (c̃ - a_prev); σ' = Γ_u (1 - Γ_u)
    dzc = da * u * (1.0 - ct * ct)             # dc̃ = da Γ_u, through tanh' = 1 - c̃²
    if form == "torch":
        dzc_a = dzc * r                        # d(Wca a_prev + bca) = dz_c Γ_r
        dzr = dzc * aux * r * (1.0 - r)        # dΓ_r = dz_c (Wca a_prev + bca)
        da_prev = da_prev + dzc_a @ Wca
    else:
        d_aux = dzc @ Wca                      # d(Γ_r * a_prev)
        dzc_a = dzc
        dzr = d_aux * a_prev * r * (1.0 - r) if form == "notes" else np.zeros_like(dzc)
        da_prev = da_prev + d_aux * r
    da_prev = da_prev + dzu @ Wua + dzr @ Wra  # the gates read a_prev too
    return (da_prev,), np.concatenate([dzr, dzu, dzc, dzr, dzu, dzc_a], axis=-1)


def _param_grads(dz, x, a_prev, aux, Wx, form, H):
    """``dx`` and every parameter gradient from the stacked dz (one product over all rows)."""
    dzx, dza = dz[..., :3 * H], dz[..., 3 * H:]
    dx, dWx, db = input_grads(dzx, x, Wx)
    fa = rows(dza)
    c_saw = rows(a_prev) if form == "torch" else rows(aux)  # torch: Wca a_prev; else Wca (Γ_r * a_prev)
    dWa = np.concatenate([fa[:, :2 * H].T @ rows(a_prev),  # the gates saw a_prev
                          fa[:, 2 * H:].T @ c_saw])
    grads = split({"dW?x": dWx, "dW?a": dWa, "db?": db}, GRU_ORDER, H)
    if form == "torch":
        grads["dbca"] = fa[:, 2 * H:].sum(axis=0)
    if form == "simplified":
        for key in ("dWrx", "dWra", "dbr"):
            del grads[key]
    return dx, grads


def _prepare(x, a0, params, form, step):
    form = _form(form)
    P, n_a, n_x = check_gru_params(params, form)
    x, a0 = sequence_inputs(x, a0, n_x, n_a, step)
    dtype = np.result_type(x, a0, *P.values())
    Wx, Wa, b = stack(P, GRU_ORDER, dtype)
    bca = P["bca"].astype(dtype, copy=False) if form == "torch" else None
    return form, x.astype(dtype, copy=False), a0.astype(dtype, copy=False), Wx, Wa, b, bca


_FIELDS = ("gamma_r", "gamma_u", "c_tilde", "aux")


# ------------------------------------------------------------------------ one step
@dataclass(frozen=True)
class GRUStepCache:
    """What :func:`gru_cell_backward` needs from one forward step.

    - xt ``(N, n_x)``; a_prev, a_next ``(N, n_a)``;
    - gamma_r, gamma_u, c_tilde ``(N, n_a)`` (Γ_r = 1 in the simplified form);
    - aux ``(N, n_a)``: ``Γ_r * a_prev`` (notes, simplified) or ``Wca a_prev + bca`` (torch);
    - Wx ``(3 n_a, n_x)``, Wa ``(3 n_a, n_a)``: stacked weights, row blocks r, u, c; form.
    """
    xt: np.ndarray
    a_prev: np.ndarray
    gamma_r: np.ndarray
    gamma_u: np.ndarray
    c_tilde: np.ndarray
    aux: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    form: str


@reference
def gru_cell_forward(xt, a_prev, params, form: str = "notes"):
    """One GRU step (equations in the module docstring).

    Inputs:
    - xt: input x^<t>, ``(N, n_x)``; a_prev: a^<t-1>, ``(N, n_a)``.
    - params: ``Wrx, Wra, br | Wux, Wua, bu | Wcx, Wca, bc`` (``W?x (n_a, n_x)``,
      ``W?a (n_a, n_a)``, ``b? (n_a,)``); form "torch" also reads ``bca (n_a,)`` (default
      zeros); form "simplified" needs no ``r`` keys (and ignores them).
    - form: ``"notes"`` (reset before the product, Cho et al. / Ng), ``"torch"``
      (reset after the product, as ``nn.GRU``) or ``"simplified"`` (Γ_r ≡ 1).

    Returns ``(a_next, cache)``: a^<t> ``(N, n_a)`` and a :class:`GRUStepCache`.
    """
    form, xt, a_prev, Wx, Wa, b, bca = _prepare(xt, a_prev, params, form, True)
    (a_next,), c = _step(xt @ Wx.T + b, (a_prev,), Wa, bca, form)
    cache = GRUStepCache(xt, a_prev, *(c[k] for k in _FIELDS), a_next, Wx, Wa, form)
    return a_next.copy(), cache  # a copy: the cache keeps its own


@reference
def gru_step(xt, a_prev, params, form: str = "notes"):
    """One GRU step, the state only: ``a_next`` ``(N, n_a)`` (:func:`gru_cell_forward` without the cache)."""
    return gru_cell_forward(xt, a_prev, params, form)[0]


@reference
def gru_cell_backward(da_next, cache: GRUStepCache) -> dict:
    """Backward pass of one GRU step.

    Inputs: da_next: dL/da^<t> ``(N, n_a)`` (all paths); cache: :class:`GRUStepCache`.

    Returns a dict: ``dxt (N, n_x)``, ``da_prev (N, n_a)`` and ``"d" + name`` for every
    parameter the form uses (``dWrx, dWux, dWcx, dWra, dWua, dWca, dbr, dbu, dbc``;
    "torch" adds ``dbca``; "simplified" has no ``r`` entries), each of its parameter's shape.
    """
    if not isinstance(cache, GRUStepCache):
        raise ValueError(f"cache: expected a GRUStepCache, got {type(cache).__name__}")
    da_next = as_float_array("da_next", da_next, ndim=2)
    check_shape("da_next", da_next, cache.a_next.shape, "(N, n_a)")
    c = {k: getattr(cache, k) for k in _FIELDS + ("a_prev",)}
    (da_prev,), dz = _step_back((da_next,), c, cache.Wa, cache.form)
    dxt, grads = _param_grads(dz, cache.xt, cache.a_prev, cache.aux, cache.Wx, cache.form, cache.a_next.shape[1])
    return {"dxt": dxt, "da_prev": da_prev, **grads}


# ------------------------------------------------------------------ whole sequences
@dataclass(frozen=True)
class GRUCache:
    """Cache of :func:`gru_forward` for :func:`gru_backward`.

    - x ``(T, N, n_x)``; a0 ``(N, n_a)``; a ``(T, N, n_a)``: a^<1..T>;
    - gamma_r, gamma_u, c_tilde, aux ``(T, N, n_a)`` of every step (as in :class:`GRUStepCache`);
    - Wx, Wa: stacked weights (row blocks r, u, c); form.
    """
    x: np.ndarray
    a0: np.ndarray
    a: np.ndarray
    gamma_r: np.ndarray
    gamma_u: np.ndarray
    c_tilde: np.ndarray
    aux: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    form: str


@reference
def gru_forward(x, a0, params, form: str = "notes"):
    """Run a GRU over a time-major sequence.

    Inputs:
    - x: inputs ``(T, N, n_x)``; a0: a^<0>, ``(N, n_a)``.
    - params, form: as in :func:`gru_cell_forward`.

    Returns ``(a, cache)``: hidden states a^<1..T> ``(T, N, n_a)`` (``nn.GRU``'s output)
    and a :class:`GRUCache`.
    """
    form, x, a0, Wx, Wa, b, bca = _prepare(x, a0, params, form, False)
    (a,), k = scan(lambda zx_t, s: _step(zx_t, s, Wa, bca, form), input_terms(x, Wx, b), (a0,))
    return a.copy(), GRUCache(x, a0, a, *(k[f] for f in _FIELDS), Wx, Wa, form)


@reference
def gru_backward(da, cache: GRUCache, da_last=None) -> dict:
    """Backpropagation through time for :func:`gru_forward`.

    Inputs:
    - da: dL/da^<t> from the outputs of every step, ``(T, N, n_a)``.
    - cache: :class:`GRUCache`.
    - da_last: optional extra gradient on a^<T> ``(N, n_a)`` (e.g. ``h_n``'s gradient).

    Returns a dict: ``dx (T, N, n_x)``, ``da0 (N, n_a)`` and the parameter gradients of
    :func:`gru_cell_backward`, summed over time.
    """
    if not isinstance(cache, GRUCache):
        raise ValueError(f"cache: expected a GRUCache, got {type(cache).__name__}")
    T, N, H = cache.a.shape
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, (T, N, H), "(T, N, n_a)")
    last = (upstream("da_last", da_last, (N, H), np.result_type(da, cache.a)),)
    a_prev = np.concatenate([cache.a0[None], cache.a[:-1]])[:T]  # a^<t-1> for every t
    steps = {**{k: getattr(cache, k) for k in _FIELDS}, "a_prev": a_prev}
    dz, (da0,) = scan_backward(lambda d, c: _step_back(d, c, cache.Wa, cache.form), da, steps, last)
    dx, grads = _param_grads(dz, cache.x, a_prev, cache.aux, cache.Wx, cache.form, H)
    return {"dx": dx, "da0": da0, **grads}


def init_gru_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None,
                    form: str = "notes") -> dict:
    """Random GRU parameters (uniform(-k, k), k = 1/sqrt(n_a) as PyTorch; ``scale`` overrides k).

    Keys ``Wrx, Wra, br | Wux, Wua, bu | Wcx, Wca, bc``; ``form="torch"`` adds ``bca``,
    ``form="simplified"`` leaves out the ``r`` keys.
    """
    form = _form(form)
    p, k = init_gates(("u", "c") if form == "simplified" else GRU_ORDER, n_x, n_a, rng, scale)
    if form == "torch":
        p["bca"] = rng.uniform(-k, k, n_a)
    return p
