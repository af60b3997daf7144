r"""What the gated units (GRU, LSTM, MGU) share: the gate order, the parameter dicts, their sizes.

Every gated unit has, per gate ``?``, an input weight ``W?x`` ``(n_a, n_x)``, a recurrent
weight ``W?a`` ``(n_a, n_a)`` and a bias ``b?`` ``(n_a,)`` (``c`` names the candidate's).
Parameters are dicts of these named arrays. Inside a unit the blocks are stacked, in ONE
order used everywhere in the package outside :mod:`rnncourse.bridges` (the only place that
knows PyTorch's orders):

=====  ==================  ==============================================
unit   gate order          stacked rows of ``Wx (G n_a, n_x)``, ``Wa``, ``b``
=====  ==================  ==============================================
GRU    ``r, u, c``         ``Wrx | Wux | Wcx``  (reset, update, candidate)
LSTM   ``f, u, o, c``      ``Wfx | Wux | Wox | Wcx``  (forget, update, output, candidate)
MGU    ``f, c``            ``Wfx | Wcx``  (forget, candidate)
=====  ==================  ==============================================

so ``Wx[k n_a:(k + 1) n_a]`` is the input weight of the k-th gate of the table. Stacking
gives one recurrent product per step and one input product for all steps.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape

__all__ = ["GRU_ORDER", "LSTM_ORDER", "MGU_ORDER", "count_params"]

GRU_ORDER = ("r", "u", "c")
LSTM_ORDER = ("f", "u", "o", "c")
MGU_ORDER = ("f", "c")


def gate_params(params, gates, what, extra=()):
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


def stack(P, order, dtype):
    """The stacked ``Wx (G n_a, n_x)``, ``Wa (G n_a, n_a)``, ``b (G n_a,)`` in gate ``order``."""
    Wx = np.concatenate([P[f"W{g}x"] for g in order]).astype(dtype, copy=False)
    Wa = np.concatenate([P[f"W{g}a"] for g in order]).astype(dtype, copy=False)
    b = np.concatenate([P[f"b{g}"] for g in order]).astype(dtype, copy=False)
    return Wx, Wa, b


def split(stacked: dict, order, H) -> dict:
    """Cut stacked gradients ``{"dW?x": (G H, n_x), ...}`` back into one entry per gate."""
    return {key.replace("?", g): full[i * H:(i + 1) * H] for key, full in stacked.items()
            for i, g in enumerate(order)}


def sequence_inputs(x, a0, n_x, n_a, step):
    """Check ``xt (N, n_x)`` / ``a_prev`` (step) or ``x (T, N, n_x)`` / ``a0`` (sequence)."""
    x_name, a_name = ("xt", "a_prev") if step else ("x", "a0")
    ndim = 2 if step else 3
    x = as_float_array(x_name, x, ndim=ndim)
    check_shape(x_name, x, (None,) * (ndim - 1) + (n_x,), "(N, n_x)" if step else "(T, N, n_x)")
    a0 = as_float_array(a_name, a0, ndim=2)
    check_shape(a_name, a0, (x.shape[-2], n_a), "(N, n_a)")
    return x, a0


def upstream(name, arr, shape, dtype):
    """An optional upstream gradient ``(N, n_a)``: zeros when None, else checked."""
    if arr is None:
        return np.zeros(shape, dtype=dtype)
    arr = as_float_array(name, arr, ndim=len(shape))
    check_shape(name, arr, shape, "(N, n_a)")
    return arr


def init_gates(gates, n_x, n_a, rng, scale):
    """Uniform(-k, k) parameters of ``gates`` (k = 1/sqrt(n_a) as PyTorch; ``scale`` overrides k)."""
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
