r"""Gated recurrent units: the GRU, the LSTM and the minimal gated unit (MGU).

Equations (column vectors, one example, one step; :math:`\sigma` is the logistic
function and :math:`*` the element-wise product).

**GRU** (Cho et al. 2014), three forms selected by ``form``:

.. math::

    \Gamma_r &= \sigma(W_{rx} x^{\langle t\rangle} + W_{ra} a^{\langle t-1\rangle} + b_r) \\
    \Gamma_u &= \sigma(W_{ux} x^{\langle t\rangle} + W_{ua} a^{\langle t-1\rangle} + b_u) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} (\Gamma_r * a^{\langle t-1\rangle}) + b_c)
        && \text{form "notes": reset before the product} \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + b_c + \Gamma_r * (W_{ca} a^{\langle t-1\rangle} + b_{ca}))
        && \text{form "torch": reset after the product} \\
    a^{\langle t\rangle} &= \Gamma_u * \tilde c^{\langle t\rangle} + (1 - \Gamma_u) * a^{\langle t-1\rangle}

Form ``"simplified"`` (Ng's simplified GRU) has no reset gate: :math:`\Gamma_r \equiv 1`.
PyTorch's ``nn.GRU`` uses the "torch" form with a *keep* gate
:math:`z = 1 - \Gamma_u` (:math:`h' = (1 - z) * n + z * h`), so :func:`gru_from_torch`
flips the sign of the update-gate weights and bias.

**LSTM** (Hochreiter & Schmidhuber 1997; forget gate of Gers et al. 2000;
optional diagonal peepholes of Gers & Schmidhuber 2000, in brackets):

.. math::

    \Gamma_f &= \sigma(W_{fx} x^{\langle t\rangle} + W_{fa} a^{\langle t-1\rangle} + b_f\ [+\ p_f * c^{\langle t-1\rangle}]) \\
    \Gamma_u &= \sigma(W_{ux} x^{\langle t\rangle} + W_{ua} a^{\langle t-1\rangle} + b_u\ [+\ p_u * c^{\langle t-1\rangle}]) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} a^{\langle t-1\rangle} + b_c) \\
    c^{\langle t\rangle} &= \Gamma_f * c^{\langle t-1\rangle} + \Gamma_u * \tilde c^{\langle t\rangle} \\
    \Gamma_o &= \sigma(W_{ox} x^{\langle t\rangle} + W_{oa} a^{\langle t-1\rangle} + b_o\ [+\ p_o * c^{\langle t\rangle}]) \\
    a^{\langle t\rangle} &= \Gamma_o * \tanh(c^{\langle t\rangle})

Note 000 writes :math:`a^{\langle t\rangle} = \Gamma_o * c^{\langle t\rangle}`: the
:math:`\tanh` is missing there (note 002 and PyTorch have it; see the errata).

**MGU** (Zhou et al. 2016; note 002's "minimal GRU"): one forget gate plays both
the reset and the update role:

.. math::

    \Gamma_f &= \sigma(W_{fx} x^{\langle t\rangle} + W_{fa} a^{\langle t-1\rangle} + b_f) \\
    \tilde c^{\langle t\rangle} &= \tanh(W_{cx} x^{\langle t\rangle} + W_{ca} (\Gamma_f * a^{\langle t-1\rangle}) + b_c) \\
    a^{\langle t\rangle} &= (1 - \Gamma_f) * a^{\langle t-1\rangle} + \Gamma_f * \tilde c^{\langle t\rangle}

Symbols and shapes (a batch of N rows, time-major; ``?`` is a gate letter):

=================  =================  ===============================================
maths              code               shape
=================  =================  ===============================================
x^<t>              ``x[t]``, ``xt``   ``(N, n_x)``; a sequence is ``(T, N, n_x)``
a^<t>              ``a[t]``           ``(N, n_a)``; ``a0`` is a^<0>
c^<t>              ``c[t]``           ``(N, n_a)`` (LSTM memory cell); ``c0`` is c^<0>
W_?x               ``params["W?x"]``  ``(n_a, n_x)``  input weight of gate ?
W_?a               ``params["W?a"]``  ``(n_a, n_a)``  recurrent weight of gate ?
b_?                ``params["b?"]``   ``(n_a,)``      bias of gate ?
b_ca               ``params["bca"]``  ``(n_a,)``      GRU "torch" form: recurrent candidate bias (default 0)
p_f, p_u, p_o      ``pf, pu, po``     ``(n_a,)``      LSTM peepholes (diagonal weights)
Γ_r, Γ_u, Γ_f, Γ_o ``cache.gamma_*``  ``(N, n_a)``    reset, update, forget, output gates
c̃^<t>              ``cache.c_tilde``  ``(N, n_a)``    candidate
=================  =================  ===============================================

Gate letters: GRU ``r, u, c`` ("simplified": ``u, c``), LSTM ``f, u, o, c``, MGU
``f, c`` (``c`` names the candidate's weights). Parameters are dicts of these
named arrays. Internally the gates are stacked into one matrix, in this order:

- GRU: ``[r; u; c]`` (PyTorch's ``r, z, n``, with ``z = 1 - Γ_u``);
- LSTM: ``[u; f; o; c]`` (PyTorch's ``i, f, g, o`` is ``[u; f; c; o]``);
- MGU: ``[f; c]``.

so that one step makes one recurrent matrix product and the input products of all
the steps are a single product before the loop. Forward functions return
``(output, cache)``; backward functions take the upstream gradient and the cache.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape

__all__ = ["GRU_FORMS", "GRUStepCache", "GRUCache", "LSTMStepCache", "LSTMCache", "MGUStepCache", "MGUCache",
           "gru_cell_forward", "gru_cell_backward", "gru_forward", "gru_backward",
           "lstm_cell_forward", "lstm_cell_backward", "lstm_forward", "lstm_backward",
           "mgu_cell_forward", "mgu_cell_backward", "mgu_forward", "mgu_backward",
           "init_gru_params", "init_lstm_params", "init_mgu_params", "count_params",
           "gru_to_torch", "gru_from_torch", "lstm_to_torch", "lstm_from_torch"]

GRU_FORMS = ("notes", "torch", "simplified")
_GRU_ORDER = ("r", "u", "c")
_LSTM_ORDER = ("u", "f", "o", "c")
_MGU_ORDER = ("f", "c")
_PEEPHOLES = ("pf", "pu", "po")


# ------------------------------------------------------------------- helpers
def _sigmoid(z, out):
    """σ(z) = (1 + tanh(z/2)) / 2, written into ``out``: one ufunc, no overflow for any z."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _form(form):
    if form not in GRU_FORMS:
        raise ValueError(f"form: expected one of {GRU_FORMS}, got {form!r}")
    return form


def _gate_params(params, gates, what, extra=()):
    """Check the named arrays ``W?x (n_a, n_x)``, ``W?a (n_a, n_a)``, ``b? (n_a,)`` of every gate.

    ``extra`` names further ``(n_a,)`` vectors (peepholes). Returns ``(P, n_a, n_x)``
    with P a dict of float arrays.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"params: expected a dict of named arrays, got {type(params).__name__}")
    needed = [k for g in gates for k in (f"W{g}x", f"W{g}a", f"b{g}")] + list(extra)
    for key in needed:
        if key not in params:
            raise ValueError(f"params: missing key {key!r} ({what} needs {', '.join(needed)})")
    P = {f"W{g}x": as_float_array(f"W{g}x", params[f"W{g}x"], ndim=2) for g in gates}
    # the sizes most input weights agree on: a single wrong array is the one named in the error
    n_a, n_x = Counter(w.shape for w in P.values()).most_common(1)[0][0]
    for g in gates:
        for key, shape, label in ((f"W{g}x", (n_a, n_x), "(n_a, n_x)"), (f"W{g}a", (n_a, n_a), "(n_a, n_a)"),
                                  (f"b{g}", (n_a,), "(n_a,)")):
            P[key] = as_float_array(key, params[key], ndim=len(shape))
            check_shape(key, P[key], shape, label)
    for key in extra:
        P[key] = as_float_array(key, params[key], ndim=1)
        check_shape(key, P[key], (n_a,), "(n_a,)")
    return P, n_a, n_x


def _stack(P, order, dtype):
    """The stacked ``Wx (G n_a, n_x)``, ``Wa (G n_a, n_a)``, ``b (G n_a,)`` in gate ``order``."""
    Wx = np.concatenate([P[f"W{g}x"] for g in order]).astype(dtype, copy=False)
    Wa = np.concatenate([P[f"W{g}a"] for g in order]).astype(dtype, copy=False)
    b = np.concatenate([P[f"b{g}"] for g in order]).astype(dtype, copy=False)
    return Wx, Wa, b


def _split(prefix_grads: dict, order, H) -> dict:
    """Cut stacked gradients ``{"dW?x": (G H, n_x), ...}`` back into one entry per gate."""
    out = {}
    for i, g in enumerate(order):
        for key, full in prefix_grads.items():
            out[key.replace("?", g)] = full[i * H:(i + 1) * H]
    return out


def _inputs(x, a0, n_x, n_a, x_name, a_name, x_labels, ndim):
    x = as_float_array(x_name, x, ndim=ndim)
    check_shape(x_name, x, (None,) * (ndim - 1) + (n_x,), x_labels)
    N = x.shape[-2]
    a0 = as_float_array(a_name, a0, ndim=2)
    check_shape(a_name, a0, (N, n_a), "(N, n_a)")
    return x, a0


def _upstream(name, arr, shape, labels, dtype):
    if arr is None:
        return np.zeros(shape, dtype=dtype)
    arr = as_float_array(name, arr, ndim=len(shape))
    check_shape(name, arr, shape, labels)
    return arr


# ======================================================================== GRU
def _gru_params(params, form):
    """Named GRU arrays checked, with ``bca`` (torch form; zeros if absent)."""
    gates = ("u", "c") if form == "simplified" else _GRU_ORDER
    P, n_a, n_x = _gate_params(params, gates, f"GRU form {form!r}")
    if form == "torch":
        P["bca"] = as_float_array("bca", params.get("bca", np.zeros(n_a)), ndim=1)
        check_shape("bca", P["bca"], (n_a,), "(n_a,)")
    return P, n_a, n_x


def _gru_stack(P, form, n_a, n_x, dtype):
    """Stacked ``Wx (3 n_a, n_x)``, ``Wa (3 n_a, n_a)``, ``b (3 n_a,)`` in order r, u, c, and ``bca``."""
    if form == "simplified":  # no reset gate: zero r-rows keep one layout for every form
        P = dict(P, Wrx=np.zeros((n_a, n_x)), Wra=np.zeros((n_a, n_a)), br=np.zeros(n_a))
    Wx, Wa, b = _stack(P, _GRU_ORDER, dtype)
    bca = P["bca"].astype(dtype, copy=False) if form == "torch" else None
    return Wx, Wa, b, bca


def _gru_step(zx, a_prev, Wa, bca, form, g, aux, a_out):
    """One GRU step. ``zx = x Wx^T + b`` ``(N, 3H)``; writes the gates ``[Γ_r|Γ_u|c̃]`` into
    ``g``, the saved product into ``aux`` (torch: ``Wca a_prev + bca``; else ``Γ_r * a_prev``)
    and a^<t> into ``a_out``."""
    H = a_prev.shape[1]
    r, u, c = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
    if form == "torch":
        za = a_prev @ Wa.T  # the three recurrent products in one (N, 3H) product
        np.add(za[:, 2 * H:], bca, out=aux)  # Wca a_prev + bca: the reset gate scales it *after* the product
        _sigmoid(np.add(zx[:, :2 * H], za[:, :2 * H], out=za[:, :2 * H]), g[:, :2 * H])  # Γ_r and Γ_u together
        np.multiply(r, aux, out=c)
        c += zx[:, 2 * H:]
        np.tanh(c, out=c)  # c̃ = tanh(Wcx x + bc + Γ_r * (Wca a_prev + bca))
    else:
        if form == "notes":
            _sigmoid(zx[:, :2 * H] + a_prev @ Wa[:2 * H].T, g[:, :2 * H])  # Γ_r, Γ_u from a_prev
        else:
            r[...] = 1.0  # simplified GRU: no reset gate, Γ_r ≡ 1
            _sigmoid(zx[:, H:2 * H] + a_prev @ Wa[H:2 * H].T, u)
        np.multiply(r, a_prev, out=aux)  # reset *before* the product: which memories feed c̃
        np.tanh(zx[:, 2 * H:] + aux @ Wa[2 * H:].T, out=c)
    np.subtract(c, a_prev, out=a_out)  # a = Γ_u c̃ + (1 - Γ_u) a_prev = a_prev + Γ_u (c̃ - a_prev)
    a_out *= u
    a_out += a_prev


def _gru_step_back(dh, g, a_prev, aux, Wa, form, dzx, dza):
    """Backward of one GRU step. ``dh``: total dL/da^<t>. Writes the pre-activation gradients
    of the input path into ``dzx (N, 3H)`` (and, torch form, of the recurrent path into
    ``dza``); returns dL/da^<t-1>."""
    H = a_prev.shape[1]
    r, u, c = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
    dzr, dzu, dzc = dzx[:, :H], dzx[:, H:2 * H], dzx[:, 2 * H:]
    dc = dh * u  # a = a_prev + Γ_u (c̃ - a_prev): dc̃ = dh Γ_u
    da_prev = dh - dc  # the direct (1 - Γ_u) path: the gradient highway of the GRU
    np.subtract(c, a_prev, out=dzu)
    dzu *= dh
    dzu *= u * (1.0 - u)  # dΓ_u = dh (c̃ - a_prev), through σ' = Γ_u (1 - Γ_u)
    np.multiply(c, c, out=dzc)
    np.subtract(1.0, dzc, out=dzc)
    dzc *= dc  # through tanh' = 1 - c̃^2
    if form == "torch":
        np.multiply(dzc, r, out=dza[:, 2 * H:])  # d(Wca a_prev + bca) = dz_c Γ_r
        np.multiply(dzc, aux, out=dzr)
        dzr *= r * (1.0 - r)  # dΓ_r = dz_c (Wca a_prev + bca), through σ'
        dza[:, :2 * H] = dzx[:, :2 * H]  # r and u: the same pre-activation on both paths
        da_prev += dza @ Wa  # the three recurrent products back in one
    else:
        dra = dzc @ Wa[2 * H:]  # d(Γ_r * a_prev)
        da_prev += dra * r
        if form == "notes":
            np.multiply(dra, a_prev, out=dzr)
            dzr *= r * (1.0 - r)  # dΓ_r = dra * a_prev, through σ'
            da_prev += dzx[:, :2 * H] @ Wa[:2 * H]
        else:
            dzr[...] = 0.0  # simplified: Γ_r is the constant 1
            da_prev += dzu @ Wa[H:2 * H]
    return da_prev


def _gru_param_grads(dzx, dza, x2, a_prev2, aux2, form, H):
    """Parameter gradients summed over rows (batch and time, flattened to 2-d)."""
    full = {"dW?x": dzx.T @ x2}  # every gate's input weight in one product
    if form == "torch":
        full["dW?a"] = dza.T @ a_prev2
    else:
        dWa = np.empty((3 * H, H), dtype=dzx.dtype)
        dWa[:2 * H] = dzx[:, :2 * H].T @ a_prev2
        dWa[2 * H:] = dzx[:, 2 * H:].T @ aux2  # c̃ saw Γ_r * a_prev, not a_prev
        full["dW?a"] = dWa
    full["db?"] = dzx.sum(axis=0)
    grads = _split(full, _GRU_ORDER, H)
    if form == "torch":
        grads["dbca"] = dza[:, 2 * H:].sum(axis=0)
    if form == "simplified":
        for key in ("dWrx", "dWra", "dbr"):
            del grads[key]
    return grads


def _gru_shapes(x, a_prev, P, form, n_a, n_x, step):
    x, a_prev = _inputs(x, a_prev, n_x, n_a, "xt" if step else "x", "a_prev" if step else "a0",
                        "(N, n_x)" if step else "(T, N, n_x)", 2 if step else 3)
    dtype = np.result_type(x, a_prev, *P.values())
    Wx, Wa, b, bca = _gru_stack(P, form, n_a, n_x, dtype)
    return x.astype(dtype, copy=False), a_prev.astype(dtype, copy=False), Wx, Wa, b, bca, dtype


@dataclass(frozen=True)
class GRUStepCache:
    """What :func:`gru_cell_backward` needs from one forward step.

    - xt ``(N, n_x)``; a_prev ``(N, n_a)``; a_next ``(N, n_a)``;
    - gates ``(N, 3 n_a)``: ``[Γ_r | Γ_u | c̃]`` (Γ_r = 1 in the simplified form), also
      as the views ``gamma_r``, ``gamma_u``, ``c_tilde``;
    - aux ``(N, n_a)``: ``Γ_r * a_prev`` (notes, simplified) or ``Wca a_prev + bca`` (torch);
    - Wx ``(3 n_a, n_x)``, Wa ``(3 n_a, n_a)``: stacked weights r, u, c; form.
    """
    xt: np.ndarray
    a_prev: np.ndarray
    gates: np.ndarray
    aux: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    form: str

    gamma_r = property(lambda self: self.gates[..., :self.a_next.shape[-1]])
    gamma_u = property(lambda self: self.gates[..., self.a_next.shape[-1]:2 * self.a_next.shape[-1]])
    c_tilde = property(lambda self: self.gates[..., 2 * self.a_next.shape[-1]:])


@dataclass(frozen=True)
class GRUCache:
    """Cache of :func:`gru_forward` for :func:`gru_backward`.

    - x ``(T, N, n_x)``; states ``(T + 1, N, n_a)``: a^<0..T> (``a0`` and ``a`` are views);
    - gates ``(T, N, 3 n_a)``: ``[Γ_r | Γ_u | c̃]`` of every step (views ``gamma_r``,
      ``gamma_u``, ``c_tilde``); aux ``(T, N, n_a)`` as in :class:`GRUStepCache`;
    - Wx, Wa: stacked weights (order r, u, c); form.
    """
    x: np.ndarray
    states: np.ndarray
    gates: np.ndarray
    aux: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    form: str

    a0 = property(lambda self: self.states[0])
    a = property(lambda self: self.states[1:])
    gamma_r = property(lambda self: self.gates[..., :self.states.shape[-1]])
    gamma_u = property(lambda self: self.gates[..., self.states.shape[-1]:2 * self.states.shape[-1]])
    c_tilde = property(lambda self: self.gates[..., 2 * self.states.shape[-1]:])


@reference
def gru_cell_forward(xt, a_prev, params, form: str = "notes"):
    """One GRU step (equations in the module docstring).

    Inputs:
    - xt: input x^<t>, ``(N, n_x)``; a_prev: a^<t-1>, ``(N, n_a)``.
    - params: dict with ``Wrx, Wux, Wcx (n_a, n_x)``, ``Wra, Wua, Wca (n_a, n_a)``,
      ``br, bu, bc (n_a,)``; form "torch" also reads ``bca (n_a,)`` (default zeros);
      form "simplified" needs no ``r`` keys (and ignores them).
    - form: ``"notes"`` (reset before the product, Cho et al. / Ng), ``"torch"``
      (reset after the product, as ``nn.GRU``) or ``"simplified"`` (Γ_r ≡ 1).

    Returns ``(a_next, cache)``: a^<t> ``(N, n_a)`` and a :class:`GRUStepCache`.
    """
    form = _form(form)
    P, n_a, n_x = _gru_params(params, form)
    xt, a_prev, Wx, Wa, b, bca, dtype = _gru_shapes(xt, a_prev, P, form, n_a, n_x, step=True)
    N = xt.shape[0]
    g, aux, a_next = (np.empty((N, 3 * n_a), dtype), np.empty((N, n_a), dtype), np.empty((N, n_a), dtype))
    _gru_step(xt @ Wx.T + b, a_prev, Wa, bca, form, g, aux, a_next)
    return a_next.copy(), GRUStepCache(xt, a_prev, g, aux, a_next, Wx, Wa, form)  # a copy: the cache keeps its own


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
    N, H = cache.a_next.shape
    dtype = np.result_type(da_next, cache.gates)
    dzx = np.empty((N, 3 * H), dtype)
    dza = np.empty((N, 3 * H), dtype) if cache.form == "torch" else None
    da_prev = _gru_step_back(da_next, cache.gates, cache.a_prev, cache.aux, cache.Wa, cache.form, dzx, dza)
    grads = {"dxt": dzx @ cache.Wx, "da_prev": da_prev}  # x feeds all three gates: sum of the three paths
    grads.update(_gru_param_grads(dzx, dza, cache.xt, cache.a_prev, cache.aux, cache.form, H))
    return grads


@reference
def gru_forward(x, a0, params, form: str = "notes"):
    """Run a GRU over a time-major sequence.

    Inputs:
    - x: inputs ``(T, N, n_x)``; a0: a^<0>, ``(N, n_a)``.
    - params, form: as in :func:`gru_cell_forward`.

    Returns ``(a, cache)``: hidden states a^<1..T> ``(T, N, n_a)`` (``nn.GRU``'s output)
    and a :class:`GRUCache`.
    """
    form = _form(form)
    P, n_a, n_x = _gru_params(params, form)
    x, a0, Wx, Wa, b, bca, dtype = _gru_shapes(x, a0, P, form, n_a, n_x, step=False)
    T, N, _ = x.shape
    # the input terms of every step and gate at once: one (T N, n_x) x (n_x, 3 n_a) product
    zx = (x.reshape(T * N, n_x) @ Wx.T + b).reshape(T, N, 3 * n_a)
    states = np.empty((T + 1, N, n_a), dtype)
    states[0] = a0
    gates = np.empty((T, N, 3 * n_a), dtype)
    aux = np.empty((T, N, n_a), dtype)
    for t in range(T):
        _gru_step(zx[t], states[t], Wa, bca, form, gates[t], aux[t], states[t + 1])
    return states[1:].copy(), GRUCache(x, states, gates, aux, Wx, Wa, form)


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
    dtype = np.result_type(da, cache.gates)
    carry = _upstream("da_last", da_last, (N, H), "(N, n_a)", dtype)
    dzx = np.empty((T, N, 3 * H), dtype)
    dza = np.empty((T, N, 3 * H), dtype) if cache.form == "torch" else None
    for t in reversed(range(T)):
        # two paths reach a^<t>: its own output and step t+1
        carry = _gru_step_back(da[t] + carry, cache.gates[t], cache.states[t], cache.aux[t], cache.Wa,
                               cache.form, dzx[t], None if dza is None else dza[t])
    flat = dzx.reshape(T * N, 3 * H)
    grads = {"dx": (flat @ cache.Wx).reshape(cache.x.shape), "da0": carry}
    # shared weights: one product over all T N rows sums the contributions of every step
    grads.update(_gru_param_grads(flat, None if dza is None else dza.reshape(T * N, 3 * H),
                                  cache.x.reshape(T * N, cache.x.shape[-1]), cache.states[:-1].reshape(T * N, H),
                                  cache.aux.reshape(T * N, H), cache.form, H))
    return grads


# ======================================================================= LSTM
def _lstm_params(params, peephole):
    if not isinstance(peephole, (bool, np.bool_)):
        raise ValueError(f"peephole: expected True or False, got {peephole!r}")
    if not peephole and isinstance(params, Mapping) and any(k in params for k in _PEEPHOLES):
        raise ValueError("params: has peephole keys (pf, pu, po) but peephole=False; "
                         "pass peephole=True or drop the keys")
    return _gate_params(params, ("f", "u", "o", "c"), "LSTM" + (" with peepholes" if peephole else ""),
                        _PEEPHOLES if peephole else ())


def _lstm_shapes(x, a_prev, c_prev, P, peephole, n_a, n_x, step):
    x, a_prev = _inputs(x, a_prev, n_x, n_a, "xt" if step else "x", "a_prev" if step else "a0",
                        "(N, n_x)" if step else "(T, N, n_x)", 2 if step else 3)
    c_prev = as_float_array("c_prev" if step else "c0", c_prev, ndim=2)
    check_shape("c_prev" if step else "c0", c_prev, a_prev.shape, "(N, n_a)")
    dtype = np.result_type(x, a_prev, c_prev, *P.values())
    Wx, Wa, b = _stack(P, _LSTM_ORDER, dtype)
    peep = tuple(P[k].astype(dtype, copy=False) for k in _PEEPHOLES) if peephole else None
    cast = lambda v: v.astype(dtype, copy=False)  # noqa: E731
    return cast(x), cast(a_prev), cast(c_prev), Wx, Wa, b, peep, dtype


def _halved(Wx, Wa, b, peep, H):
    """Copies with the rows of the three σ gates (u, f, o) and the peepholes times 1/2 (exact in
    floating point): then σ(z) = (1 + tanh(z/2)) / 2 needs no extra scaling, and one tanh call
    covers all four blocks of a step."""
    half = np.ones(4 * H, dtype=Wx.dtype)
    half[:3 * H] = 0.5
    peep = None if peep is None else tuple(0.5 * p for p in peep)
    return Wx * half[:, None], Wa * half[:, None], b * half, peep


def _lstm_step(zx_half, a_prev, c_prev, Wa_half, peep_half, g, c_out, tc_out, a_out):
    """One LSTM step. ``zx_half`` ``(N, 4H)``: the input terms ``x Wx^T + b`` (order u, f, o, c)
    with the σ-gate columns halved, as are ``Wa_half`` and ``peep_half`` (see :func:`_halved`).
    Writes the gates ``[Γ_u|Γ_f|Γ_o|c̃]`` into ``g``, c^<t> into ``c_out``, tanh(c^<t>) into
    ``tc_out`` and a^<t> into ``a_out``."""
    H = a_prev.shape[1]
    np.matmul(a_prev, Wa_half.T, out=g)  # the four recurrent products in one (N, 4H) product
    g += zx_half
    u, f, o, cc = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
    if peep_half is None:
        np.tanh(g, out=g)  # tanh(z/2) for Γ_u, Γ_f, Γ_o and tanh(z) = c̃ in one call
        sig = g[:, :3 * H]
    else:
        pf, pu, po = peep_half
        u += pu * c_prev  # peepholes: the gates also look at the cell, element-wise
        f += pf * c_prev
        np.tanh(g[:, :2 * H], out=g[:, :2 * H])
        np.tanh(cc, out=cc)
        sig = g[:, :2 * H]
    sig *= 0.5
    sig += 0.5  # σ(z) = (1 + tanh(z/2)) / 2: no overflow for any z
    np.multiply(f, c_prev, out=c_out)  # keep Γ_f of the old memory ...
    c_out += u * cc  # ... and write Γ_u of the candidate: the additive path gradients flow along
    if peep_half is not None:
        o += po * c_out  # the output peephole looks at the *new* cell
        np.tanh(o, out=o)
        o *= 0.5
        o += 0.5  # σ as above (o holds z_o / 2)
    np.tanh(c_out, out=tc_out)  # squash the cell (note 000 forgets this tanh)
    np.multiply(o, tc_out, out=a_out)  # Γ_o chooses what of the memory to show


def _lstm_step_back(dh, dc_in, g, c_prev, c, tc, Wa, peep, dz):
    """Backward of one LSTM step. ``dh``, ``dc_in``: total dL/da^<t>, dL/dc^<t> (from step t+1).
    Writes the pre-activation gradients (order u, f, o, c) into ``dz``; returns
    ``(da_prev, dc_prev)``."""
    H = c.shape[1]
    u, f, o, cc = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
    dzu, dzf, dzo, dzc = dz[:, :H], dz[:, H:2 * H], dz[:, 2 * H:3 * H], dz[:, 3 * H:]
    np.multiply(dh, tc, out=dzo)
    dzo *= o * (1.0 - o)  # a = Γ_o tanh(c): dΓ_o = dh tanh(c), through σ'
    dc = dh * o
    dc *= 1.0 - tc * tc  # through tanh(c) ...
    dc += dc_in  # ... plus the cell's own path from step t+1
    if peep is not None:
        dc += dzo * peep[2]  # Γ_o saw c^<t> through p_o
    np.multiply(dc, cc, out=dzu)
    dzu *= u * (1.0 - u)  # dΓ_u = dc c̃
    np.multiply(dc, c_prev, out=dzf)
    dzf *= f * (1.0 - f)  # dΓ_f = dc c^<t-1>
    np.multiply(cc, cc, out=dzc)
    np.subtract(1.0, dzc, out=dzc)
    dzc *= dc
    dzc *= u  # dc̃ = dc Γ_u, through tanh'
    dc_prev = dc * f  # the constant-error carousel: scaled by Γ_f only
    if peep is not None:
        dc_prev += dzf * peep[0] + dzu * peep[1]
    return dz @ Wa, dc_prev  # the four recurrent products back in one


def _lstm_param_grads(dz, x2, a_prev2, c_prev2, c2, peephole, H):
    grads = _split({"dW?x": dz.T @ x2, "dW?a": dz.T @ a_prev2, "db?": dz.sum(axis=0)}, _LSTM_ORDER, H)
    if peephole:  # diagonal weights: element-wise products summed over rows
        grads["dpu"] = np.einsum("ij,ij->j", dz[:, :H], c_prev2)
        grads["dpf"] = np.einsum("ij,ij->j", dz[:, H:2 * H], c_prev2)
        grads["dpo"] = np.einsum("ij,ij->j", dz[:, 2 * H:3 * H], c2)
    return grads


def _gate_view(i):
    return property(lambda self: self.gates[..., i * self.gates.shape[-1] // 4:(i + 1) * self.gates.shape[-1] // 4])


@dataclass(frozen=True)
class LSTMStepCache:
    """What :func:`lstm_cell_backward` needs from one forward step.

    - xt ``(N, n_x)``; a_prev, c_prev, c_next, a_next ``(N, n_a)``;
    - gates ``(N, 4 n_a)``: ``[Γ_u | Γ_f | Γ_o | c̃]`` (views ``gamma_u``, ``gamma_f``,
      ``gamma_o``, ``c_tilde``); tanh_c ``(N, n_a)``: tanh(c^<t>);
    - Wx ``(4 n_a, n_x)``, Wa ``(4 n_a, n_a)``: stacked weights (order u, f, o, c);
      peep: ``(pf, pu, po)`` or None.
    """
    xt: np.ndarray
    a_prev: np.ndarray
    c_prev: np.ndarray
    gates: np.ndarray
    c_next: np.ndarray
    tanh_c: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    peep: tuple | None

    gamma_u, gamma_f, gamma_o, c_tilde = (_gate_view(i) for i in range(4))


@dataclass(frozen=True)
class LSTMCache:
    """Cache of :func:`lstm_forward` for :func:`lstm_backward`.

    - x ``(T, N, n_x)``; states, cells ``(T + 1, N, n_a)``: a^<0..T>, c^<0..T>
      (views ``a0``, ``a``, ``c0``, ``c``);
    - gates ``(T, N, 4 n_a)`` as in :class:`LSTMStepCache`; tanh_c ``(T, N, n_a)``;
    - Wx, Wa (order u, f, o, c); peep.
    """
    x: np.ndarray
    states: np.ndarray
    cells: np.ndarray
    gates: np.ndarray
    tanh_c: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray
    peep: tuple | None

    a0 = property(lambda self: self.states[0])
    a = property(lambda self: self.states[1:])
    c0 = property(lambda self: self.cells[0])
    c = property(lambda self: self.cells[1:])
    gamma_u, gamma_f, gamma_o, c_tilde = (_gate_view(i) for i in range(4))


@reference
def lstm_cell_forward(xt, a_prev, c_prev, params, peephole: bool = False):
    """One LSTM step (equations in the module docstring; a = Γ_o * tanh(c), not note 000's Γ_o * c).

    Inputs:
    - xt ``(N, n_x)``; a_prev a^<t-1> and c_prev c^<t-1>, ``(N, n_a)``.
    - params: dict with ``Wfx, Wux, Wox, Wcx (n_a, n_x)``, ``Wfa, Wua, Woa, Wca (n_a, n_a)``,
      ``bf, bu, bo, bc (n_a,)``, and with ``peephole=True`` also ``pf, pu, po (n_a,)``.
    - peephole: use the diagonal peepholes (Gers & Schmidhuber 2000). Peephole keys
      with ``peephole=False`` raise ``ValueError`` (they would be silently ignored).

    Returns ``(a_next, c_next, cache)``: a^<t>, c^<t> ``(N, n_a)`` and an :class:`LSTMStepCache`.
    """
    P, n_a, n_x = _lstm_params(params, peephole)
    xt, a_prev, c_prev, Wx, Wa, b, peep, dtype = _lstm_shapes(xt, a_prev, c_prev, P, peephole, n_a, n_x, True)
    N = xt.shape[0]
    g = np.empty((N, 4 * n_a), dtype)
    c_next, tc, a_next = (np.empty((N, n_a), dtype) for _ in range(3))
    Wx_h, Wa_h, b_h, peep_h = _halved(Wx, Wa, b, peep, n_a)
    _lstm_step(xt @ Wx_h.T + b_h, a_prev, c_prev, Wa_h, peep_h, g, c_next, tc, a_next)
    return a_next.copy(), c_next.copy(), LSTMStepCache(xt, a_prev, c_prev, g, c_next, tc, a_next, Wx, Wa, peep)


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
    dtype = np.result_type(da_next, cache.gates)
    dc_next = _upstream("dc_next", dc_next, cache.c_next.shape, "(N, n_a)", dtype)
    N, H = cache.a_next.shape
    dz = np.empty((N, 4 * H), dtype)
    da_prev, dc_prev = _lstm_step_back(da_next, dc_next, cache.gates, cache.c_prev, cache.c_next, cache.tanh_c,
                                       cache.Wa, cache.peep, dz)
    grads = {"dxt": dz @ cache.Wx, "da_prev": da_prev, "dc_prev": dc_prev}
    grads.update(_lstm_param_grads(dz, cache.xt, cache.a_prev, cache.c_prev, cache.c_next,
                                   cache.peep is not None, H))
    return grads


@reference
def lstm_forward(x, a0, c0, params, peephole: bool = False):
    """Run an LSTM over a time-major sequence.

    Inputs: x ``(T, N, n_x)``; a0, c0 ``(N, n_a)``; params, peephole as in
    :func:`lstm_cell_forward`.

    Returns ``(a, c, cache)``: hidden states a^<1..T> and cells c^<1..T>, both
    ``(T, N, n_a)`` (``a`` is ``nn.LSTM``'s output; ``a[-1], c[-1]`` its ``h_n, c_n``),
    and an :class:`LSTMCache`.
    """
    P, n_a, n_x = _lstm_params(params, peephole)
    x, a0, c0, Wx, Wa, b, peep, dtype = _lstm_shapes(x, a0, c0, P, peephole, n_a, n_x, False)
    T, N, _ = x.shape
    Wx_h, Wa_h, b_h, peep_h = _halved(Wx, Wa, b, peep, n_a)
    zx = (x.reshape(T * N, n_x) @ Wx_h.T + b_h).reshape(T, N, 4 * n_a)  # input terms of all steps at once
    states, cells = np.empty((T + 1, N, n_a), dtype), np.empty((T + 1, N, n_a), dtype)
    states[0], cells[0] = a0, c0
    gates, tanh_c = np.empty((T, N, 4 * n_a), dtype), np.empty((T, N, n_a), dtype)
    for t in range(T):
        _lstm_step(zx[t], states[t], cells[t], Wa_h, peep_h, gates[t], cells[t + 1], tanh_c[t], states[t + 1])
    return states[1:].copy(), cells[1:].copy(), LSTMCache(x, states, cells, gates, tanh_c, Wx, Wa, peep)


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
    dtype = np.result_type(da, cache.gates)
    carry_a = _upstream("da_last", da_last, (N, H), "(N, n_a)", dtype)
    carry_c = _upstream("dc_last", dc_last, (N, H), "(N, n_a)", dtype)
    dz = np.empty((T, N, 4 * H), dtype)
    for t in reversed(range(T)):
        carry_a, carry_c = _lstm_step_back(da[t] + carry_a, carry_c, cache.gates[t], cache.cells[t],
                                           cache.cells[t + 1], cache.tanh_c[t], cache.Wa, cache.peep, dz[t])
    flat = dz.reshape(T * N, 4 * H)
    grads = {"dx": (flat @ cache.Wx).reshape(cache.x.shape), "da0": carry_a, "dc0": carry_c}
    grads.update(_lstm_param_grads(flat, cache.x.reshape(T * N, cache.x.shape[-1]), cache.states[:-1].reshape(T * N, H),
                                   cache.cells[:-1].reshape(T * N, H), cache.cells[1:].reshape(T * N, H),
                                   cache.peep is not None, H))
    return grads


# ======================================================================== MGU
def _mgu_step(zx, a_prev, Wa, g, aux, a_out):
    """One MGU step; ``zx`` ``(N, 2H)`` (order f, c); gates ``[Γ_f|c̃]`` into ``g``, Γ_f * a_prev into ``aux``."""
    H = a_prev.shape[1]
    f, c = g[:, :H], g[:, H:]
    _sigmoid(zx[:, :H] + a_prev @ Wa[:H].T, f)  # the one gate
    np.multiply(f, a_prev, out=aux)  # Γ_f acts as the reset gate ...
    np.tanh(zx[:, H:] + aux @ Wa[H:].T, out=c)
    np.subtract(c, a_prev, out=a_out)  # ... and as the update gate: a = a_prev + Γ_f (c̃ - a_prev)
    a_out *= f
    a_out += a_prev


def _mgu_step_back(dh, g, a_prev, aux, Wa, dz):
    H = a_prev.shape[1]
    f, c = g[:, :H], g[:, H:]
    dzf, dzc = dz[:, :H], dz[:, H:]
    dc = dh * f
    da_prev = dh - dc  # the direct (1 - Γ_f) path
    np.multiply(c, c, out=dzc)
    np.subtract(1.0, dzc, out=dzc)
    dzc *= dc  # through tanh'
    dra = dzc @ Wa[H:]  # d(Γ_f * a_prev)
    da_prev += dra * f
    np.subtract(c, a_prev, out=dzf)
    dzf *= dh
    dzf += dra * a_prev  # Γ_f has two roles, so two gradient terms
    dzf *= f * (1.0 - f)
    da_prev += dzf @ Wa[:H]
    return da_prev


def _mgu_param_grads(dz, x2, a_prev2, aux2, H):
    dWa = np.empty((2 * H, H), dtype=dz.dtype)
    dWa[:H] = dz[:, :H].T @ a_prev2
    dWa[H:] = dz[:, H:].T @ aux2  # c̃ saw Γ_f * a_prev
    return _split({"dW?x": dz.T @ x2, "dW?a": dWa, "db?": dz.sum(axis=0)}, _MGU_ORDER, H)


def _mgu_shapes(x, a_prev, params, step):
    P, n_a, n_x = _gate_params(params, _MGU_ORDER, "MGU")
    x, a_prev = _inputs(x, a_prev, n_x, n_a, "xt" if step else "x", "a_prev" if step else "a0",
                        "(N, n_x)" if step else "(T, N, n_x)", 2 if step else 3)
    dtype = np.result_type(x, a_prev, *P.values())
    Wx, Wa, b = _stack(P, _MGU_ORDER, dtype)
    return x.astype(dtype, copy=False), a_prev.astype(dtype, copy=False), Wx, Wa, b, n_a, n_x, dtype


@dataclass(frozen=True)
class MGUStepCache:
    """What :func:`mgu_cell_backward` needs: xt, a_prev, gates ``(N, 2 n_a)`` = ``[Γ_f | c̃]``,
    aux = Γ_f * a_prev, a_next, stacked Wx ``(2 n_a, n_x)``, Wa ``(2 n_a, n_a)`` (order f, c)."""
    xt: np.ndarray
    a_prev: np.ndarray
    gates: np.ndarray
    aux: np.ndarray
    a_next: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray

    gamma_f = property(lambda self: self.gates[..., :self.a_next.shape[-1]])
    c_tilde = property(lambda self: self.gates[..., self.a_next.shape[-1]:])


@dataclass(frozen=True)
class MGUCache:
    """Cache of :func:`mgu_forward`: x, states a^<0..T> ``(T + 1, N, n_a)``, gates
    ``(T, N, 2 n_a)``, aux ``(T, N, n_a)``, Wx, Wa (order f, c)."""
    x: np.ndarray
    states: np.ndarray
    gates: np.ndarray
    aux: np.ndarray
    Wx: np.ndarray
    Wa: np.ndarray

    a0 = property(lambda self: self.states[0])
    a = property(lambda self: self.states[1:])
    gamma_f = property(lambda self: self.gates[..., :self.states.shape[-1]])
    c_tilde = property(lambda self: self.gates[..., self.states.shape[-1]:])


@reference
def mgu_cell_forward(xt, a_prev, params):
    """One step of the minimal gated unit (equations in the module docstring).

    Inputs: xt ``(N, n_x)``; a_prev ``(N, n_a)``; params: ``Wfx, Wcx (n_a, n_x)``,
    ``Wfa, Wca (n_a, n_a)``, ``bf, bc (n_a,)``.

    Returns ``(a_next, cache)``: a^<t> ``(N, n_a)`` and an :class:`MGUStepCache`.
    """
    xt, a_prev, Wx, Wa, b, n_a, n_x, dtype = _mgu_shapes(xt, a_prev, params, step=True)
    N = xt.shape[0]
    g, aux, a_next = np.empty((N, 2 * n_a), dtype), np.empty((N, n_a), dtype), np.empty((N, n_a), dtype)
    _mgu_step(xt @ Wx.T + b, a_prev, Wa, g, aux, a_next)
    return a_next.copy(), MGUStepCache(xt, a_prev, g, aux, a_next, Wx, Wa)


@reference
def mgu_cell_backward(da_next, cache: MGUStepCache) -> dict:
    """Backward pass of one MGU step: ``dxt, da_prev, dWfx, dWcx, dWfa, dWca, dbf, dbc``."""
    if not isinstance(cache, MGUStepCache):
        raise ValueError(f"cache: expected an MGUStepCache, got {type(cache).__name__}")
    da_next = as_float_array("da_next", da_next, ndim=2)
    check_shape("da_next", da_next, cache.a_next.shape, "(N, n_a)")
    N, H = cache.a_next.shape
    dz = np.empty((N, 2 * H), np.result_type(da_next, cache.gates))
    da_prev = _mgu_step_back(da_next, cache.gates, cache.a_prev, cache.aux, cache.Wa, dz)
    grads = {"dxt": dz @ cache.Wx, "da_prev": da_prev}
    grads.update(_mgu_param_grads(dz, cache.xt, cache.a_prev, cache.aux, H))
    return grads


@reference
def mgu_forward(x, a0, params):
    """Run an MGU over ``x (T, N, n_x)`` from ``a0 (N, n_a)``; returns ``(a (T, N, n_a), MGUCache)``."""
    x, a0, Wx, Wa, b, n_a, n_x, dtype = _mgu_shapes(x, a0, params, step=False)
    T, N, _ = x.shape
    zx = (x.reshape(T * N, n_x) @ Wx.T + b).reshape(T, N, 2 * n_a)  # input terms of all steps at once
    states = np.empty((T + 1, N, n_a), dtype)
    states[0] = a0
    gates, aux = np.empty((T, N, 2 * n_a), dtype), np.empty((T, N, n_a), dtype)
    for t in range(T):
        _mgu_step(zx[t], states[t], Wa, gates[t], aux[t], states[t + 1])
    return states[1:].copy(), MGUCache(x, states, gates, aux, Wx, Wa)


@reference
def mgu_backward(da, cache: MGUCache, da_last=None) -> dict:
    """BPTT for :func:`mgu_forward`: ``dx (T, N, n_x)``, ``da0 (N, n_a)`` and the
    parameter gradients of :func:`mgu_cell_backward` summed over time."""
    if not isinstance(cache, MGUCache):
        raise ValueError(f"cache: expected an MGUCache, got {type(cache).__name__}")
    T, N, H = cache.a.shape
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, (T, N, H), "(T, N, n_a)")
    dtype = np.result_type(da, cache.gates)
    carry = _upstream("da_last", da_last, (N, H), "(N, n_a)", dtype)
    dz = np.empty((T, N, 2 * H), dtype)
    for t in reversed(range(T)):
        carry = _mgu_step_back(da[t] + carry, cache.gates[t], cache.states[t], cache.aux[t], cache.Wa, dz[t])
    flat = dz.reshape(T * N, 2 * H)
    grads = {"dx": (flat @ cache.Wx).reshape(cache.x.shape), "da0": carry}
    grads.update(_mgu_param_grads(flat, cache.x.reshape(T * N, cache.x.shape[-1]), cache.states[:-1].reshape(T * N, H),
                                  cache.aux.reshape(T * N, H), H))
    return grads


# ------------------------------------------------------------------- params
def _init(gates, n_x, n_a, rng, scale):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    n_x, n_a = check_positive_int("n_x", n_x), check_positive_int("n_a", n_a)
    if scale is not None and not (isinstance(scale, (int, float, np.floating)) and np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a positive finite number (or None), got {scale!r}")
    k = 1.0 / np.sqrt(n_a) if scale is None else scale
    p = {}
    for g in gates:
        p[f"W{g}x"] = rng.uniform(-k, k, (n_a, n_x))
        p[f"W{g}a"] = rng.uniform(-k, k, (n_a, n_a))
        p[f"b{g}"] = rng.uniform(-k, k, n_a)
    return p, k


def init_gru_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None,
                    form: str = "notes") -> dict:
    """Random GRU parameters (uniform(-k, k), k = 1/sqrt(n_a) as PyTorch; ``scale`` overrides k).

    Keys ``Wrx, Wux, Wcx``, ``Wra, Wua, Wca``, ``br, bu, bc``; ``form="torch"`` adds
    ``bca``, ``form="simplified"`` leaves out the ``r`` keys.
    """
    form = _form(form)
    p, k = _init(("u", "c") if form == "simplified" else _GRU_ORDER, n_x, n_a, rng, scale)
    if form == "torch":
        p["bca"] = rng.uniform(-k, k, n_a)
    return p


def init_lstm_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None,
                     forget_bias: float = 0.0, peephole: bool = False) -> dict:
    """Random LSTM parameters ``W?x, W?a, b?`` for ? in f, u, o, c (uniform(-k, k)).

    ``forget_bias`` is *added* to ``bf``: a positive value (1 is common, Jozefowicz et
    al. 2015) starts the forget gate open so that memories survive early training.
    ``peephole=True`` adds ``pf, pu, po`` (same uniform law).
    """
    p, k = _init(("f", "u", "o", "c"), n_x, n_a, rng, scale)
    p["bf"] = p["bf"] + forget_bias
    if peephole:
        for key in _PEEPHOLES:
            p[key] = rng.uniform(-k, k, n_a)
    return p


def init_mgu_params(n_x: int, n_a: int, rng: np.random.Generator, scale: float | None = None) -> dict:
    """Random MGU parameters ``Wfx, Wcx, Wfa, Wca, bf, bc`` (uniform(-k, k), k = 1/sqrt(n_a))."""
    return _init(_MGU_ORDER, n_x, n_a, rng, scale)[0]


_GATES_PER_KIND = {"rnn": 1, "mgu": 2, "gru": 3, "lstm": 4}


@reference
def count_params(kind: str, n_x: int, n_a: int) -> dict:
    """Number of parameters of one recurrent layer (no output layer).

    Each gate (and the candidate, or the RNN's single pre-activation) has an input
    weight ``(n_a, n_x)``, a recurrent weight ``(n_a, n_a)`` and one bias ``(n_a,)``:
    ``G n_a (n_x + n_a + 1)`` with G = 1 (RNN), 2 (MGU), 3 (GRU), 4 (LSTM).

    Returns ``{"ours": ..., "torch": ...}``. PyTorch keeps *two* biases per gate
    (``bias_ih`` and ``bias_hh``), so its count is ``G n_a (n_x + n_a + 2)``
    (``sum(p.numel() for p in module.parameters())``); "torch" is None for the MGU,
    which PyTorch does not have. Of PyTorch's two GRU candidate biases only ``b_hn``
    is not redundant (it is scaled by Γ_r): our "torch" GRU form has ``ours + n_a``
    parameters (``bca``). Peepholes add ``3 n_a`` to an LSTM.
    """
    if kind not in _GATES_PER_KIND:
        raise ValueError(f"kind: expected one of {tuple(_GATES_PER_KIND)}, got {kind!r}")
    for name, v in (("n_x", n_x), ("n_a", n_a)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected an integer >= 1, got {v!r}")
    G = _GATES_PER_KIND[kind]
    return {"ours": G * n_a * (n_x + n_a + 1), "torch": None if kind == "mgu" else G * n_a * (n_x + n_a + 2)}


# -------------------------------------------------------------------- torch
def _torch_module_check(module, cls_name):
    if type(module).__name__ != cls_name or module.num_layers != 1 or module.bidirectional \
            or getattr(module, "proj_size", 0):
        raise ValueError(f"module: expected a one-layer, unidirectional torch.nn.{cls_name} without projection, "
                         f"got {type(module).__name__}")


def _get(module, name, H, n_blocks):
    if name.startswith("bias") and not module.bias:
        return np.zeros(n_blocks * H)  # bias=False: the biases are zero
    return getattr(module, name).detach().double().numpy().copy()


def gru_to_torch(params):
    """A float64 ``torch.nn.GRU`` computing the "torch" form of ``params``.

    Only the "torch" form maps exactly: a "notes"-form parameter set gives a different
    network (the reset gate acts after the product). Gate order r, z, n in the stacked
    ``weight_ih_l0 (3H, n_x)``, ``weight_hh_l0 (3H, H)``; PyTorch's z is a keep gate,
    ``z = 1 - Γ_u``, so ``W_iz = -Wux``, ``W_hz = -Wua``, ``b_iz = -bu``. Biases:
    ``b_ir = br``, ``b_iz = -bu``, ``b_in = bc``, ``b_hn = bca`` (default 0), and
    ``b_hr = b_hz = 0``.
    """
    import torch
    P, n_a, n_x = _gru_params(params, "torch")
    zero = np.zeros(n_a)
    w_ih = np.concatenate([P["Wrx"], -P["Wux"], P["Wcx"]])
    w_hh = np.concatenate([P["Wra"], -P["Wua"], P["Wca"]])
    b_ih = np.concatenate([P["br"], -P["bu"], P["bc"]])
    b_hh = np.concatenate([zero, zero, P["bca"]])
    gru = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", w_ih), ("weight_hh_l0", w_hh), ("bias_ih_l0", b_ih),
                            ("bias_hh_l0", b_hh)):
            getattr(gru, name).copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float64)))
    return gru


def gru_from_torch(module) -> dict:
    """"torch"-form parameters (float64 numpy) of a one-layer unidirectional ``torch.nn.GRU``.

    ``br = b_ir + b_hr``, ``bu = -(b_iz + b_hz)``, ``bc = b_in``, ``bca = b_hn``;
    ``Wux = -W_iz``, ``Wua = -W_hz`` (PyTorch's z keeps, Γ_u updates); the other
    weights are the r and n slices of ``weight_ih_l0`` and ``weight_hh_l0``.
    """
    _torch_module_check(module, "GRU")
    H = module.hidden_size
    w_ih, w_hh = _get(module, "weight_ih_l0", H, 3), _get(module, "weight_hh_l0", H, 3)
    b_ih, b_hh = _get(module, "bias_ih_l0", H, 3), _get(module, "bias_hh_l0", H, 3)
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    return {"Wrx": w_ih[r], "Wux": -w_ih[z], "Wcx": w_ih[n],
            "Wra": w_hh[r], "Wua": -w_hh[z], "Wca": w_hh[n],
            "br": b_ih[r] + b_hh[r], "bu": -(b_ih[z] + b_hh[z]), "bc": b_ih[n], "bca": b_hh[n]}


_TORCH_LSTM = ("u", "f", "c", "o")  # PyTorch's i, f, g, o


def lstm_to_torch(params):
    """A float64 ``torch.nn.LSTM`` with the same weights (no peepholes in PyTorch).

    Gate order i, f, g, o = u, f, c, o in ``weight_ih_l0 (4H, n_x)``, ``weight_hh_l0 (4H, H)``;
    ``bias_ih_l0`` holds ``[bu; bf; bc; bo]`` and ``bias_hh_l0`` is zero (PyTorch adds them).
    Raises ``ValueError`` if ``params`` has peephole keys.
    """
    import torch
    if isinstance(params, Mapping) and any(k in params for k in _PEEPHOLES):
        raise ValueError("params: has peephole keys (pf, pu, po); torch.nn.LSTM has no peepholes")
    P, n_a, n_x = _lstm_params(params, False)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    values = {"weight_ih_l0": np.concatenate([P[f"W{g}x"] for g in _TORCH_LSTM]),
              "weight_hh_l0": np.concatenate([P[f"W{g}a"] for g in _TORCH_LSTM]),
              "bias_ih_l0": np.concatenate([P[f"b{g}"] for g in _TORCH_LSTM]),
              "bias_hh_l0": np.zeros(4 * n_a)}
    with torch.no_grad():
        for name, value in values.items():
            getattr(lstm, name).copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float64)))
    return lstm


def lstm_from_torch(module) -> dict:
    """Parameters (float64 numpy) of a one-layer unidirectional ``torch.nn.LSTM``.

    Slices i, f, g, o of the stacked weights become ``u, f, c, o``; each bias is
    ``bias_ih + bias_hh`` (PyTorch always adds the two).
    """
    _torch_module_check(module, "LSTM")
    H = module.hidden_size
    w_ih, w_hh = _get(module, "weight_ih_l0", H, 4), _get(module, "weight_hh_l0", H, 4)
    b = _get(module, "bias_ih_l0", H, 4) + _get(module, "bias_hh_l0", H, 4)
    p = {}
    for i, g in enumerate(_TORCH_LSTM):
        s = slice(i * H, (i + 1) * H)
        p[f"W{g}x"], p[f"W{g}a"], p[f"b{g}"] = w_ih[s], w_hh[s], b[s]
    return p
