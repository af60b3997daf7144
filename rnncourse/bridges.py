r"""Every copy of weights between the numpy reference and PyTorch, and every gate-order table.

PyTorch's ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` keep the stacked weights ``weight_ih_l0``
``(G n_a, n_x)`` and ``weight_hh_l0`` ``(G n_a, n_a)`` in the same ``(out, in)`` orientation
as the package (no transpose), but with TWO biases (``bias_ih_l0 + bias_hh_l0`` play the
role of our one ``b?``) and their own gate orders. This module is the only place that knows
those orders:

=====  =========================  =======================  ==============================
unit   PyTorch's blocks           the package's gates      note
=====  =========================  =======================  ==============================
RNN    (one block)                ``Wax | Waa | ba``       ``ba = bias_ih + bias_hh``
GRU    ``r, z, n``                ``r, u, c``              PyTorch's z KEEPS: ``z = 1 - Γ_u``
LSTM   ``i, f, g, o``             ``u, f, c, o``           the package's order is f, u, o, c
=====  =========================  =======================  ==============================

Only the GRU's "torch" form (reset gate after the product, :mod:`rnncourse.gru`) maps onto
``nn.GRU``; PyTorch's LSTM has no peepholes.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._validate import as_float_array, check_shape
from .gru import check_gru_params
from .lstm import PEEPHOLES, check_lstm_params
from .rnn import check_rnn_params

__all__ = ["TORCH_GRU_ORDER", "TORCH_LSTM_ORDER", "to_torch_rnn", "from_torch_rnn", "gru_to_torch",
           "gru_from_torch", "lstm_to_torch", "lstm_from_torch", "stack_to_torch", "stack_from_torch"]

TORCH_GRU_ORDER = ("r", "u", "c")       # nn.GRU's r, z, n (z = 1 - Γ_u: signs flipped below)
TORCH_LSTM_ORDER = ("u", "f", "c", "o")  # nn.LSTM's i, f, g, o


def _copy_into(module, values: dict):
    """Copy float64 numpy arrays into the module's parameters of the same names."""
    import torch
    with torch.no_grad():
        for name, value in values.items():
            # contiguous float64 copies accept any strides and dtypes
            getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float64)))
    return module


def _get(module, name, n_rows):
    """A float64 numpy copy of one parameter (zeros for an absent bias)."""
    if name.startswith("bias") and not module.bias:
        return np.zeros(n_rows)  # bias=False: the biases are zero
    return getattr(module, name).detach().double().numpy().copy()


def _module_check(module, cls_name):
    import torch
    if type(module) is not getattr(torch.nn, cls_name) or module.num_layers != 1 or module.bidirectional \
            or getattr(module, "proj_size", 0):
        raise ValueError(f"module: expected a one-layer, unidirectional torch.nn.{cls_name} without projection, "
                         f"got {type(module).__name__}")


# ------------------------------------------------------------------------- RNN
def to_torch_rnn(Wax, Waa, ba, activation: str = "tanh", bias_hh=None):
    """A float64 ``torch.nn.RNN`` with the same weights.

    PyTorch has two biases: ``bias_ih_l0 + bias_hh_l0`` plays the role of ``ba``.
    ``bias_hh`` (default zeros) sets the split: ``bias_ih_l0 = ba - bias_hh``.
    ``activation`` must be ``"tanh"`` or ``"relu"``.
    """
    import torch
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation: expected 'tanh' or 'relu' (torch.nn.RNN), got {activation!r}")
    Wax, Waa, ba, n_a, n_x = check_rnn_params(Wax, Waa, ba)
    b_hh = np.zeros(n_a) if bias_hh is None else as_float_array("bias_hh", bias_hh, ndim=1)
    check_shape("bias_hh", b_hh, (n_a,), "(n_a,)")
    rnn = torch.nn.RNN(n_x, n_a, nonlinearity=activation, dtype=torch.float64)
    return _copy_into(rnn, {"weight_ih_l0": Wax, "weight_hh_l0": Waa, "bias_ih_l0": ba - b_hh,
                            "bias_hh_l0": b_hh})


def from_torch_rnn(rnn) -> dict:
    """``Wax, Waa, ba`` (float64 numpy) of a one-layer unidirectional ``torch.nn.RNN``.

    ``ba = bias_ih_l0 + bias_hh_l0``: the two biases are always added together.
    """
    import torch
    if not isinstance(rnn, torch.nn.RNN):  # nn.GRU and nn.LSTM are RNNBase too, with other weights
        raise ValueError(f"rnn: expected a torch.nn.RNN, got {type(rnn).__name__} "
                         "(GRU and LSTM: gru_from_torch, lstm_from_torch)")
    if rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("rnn: expected a one-layer, unidirectional torch.nn.RNN")
    H = rnn.hidden_size
    return {"Wax": _get(rnn, "weight_ih_l0", H), "Waa": _get(rnn, "weight_hh_l0", H),
            "ba": _get(rnn, "bias_ih_l0", H) + _get(rnn, "bias_hh_l0", H)}


# ------------------------------------------------------------------------- GRU
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
    P, n_a, n_x = check_gru_params(params, "torch")
    sign = {"r": 1.0, "u": -1.0, "c": 1.0}  # σ(-z) = 1 - σ(z): PyTorch's keep gate is our update gate negated
    zero = np.zeros(n_a)
    gru = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    return _copy_into(gru, {
        "weight_ih_l0": np.concatenate([sign[g] * P[f"W{g}x"] for g in TORCH_GRU_ORDER]),
        "weight_hh_l0": np.concatenate([sign[g] * P[f"W{g}a"] for g in TORCH_GRU_ORDER]),
        "bias_ih_l0": np.concatenate([sign[g] * P[f"b{g}"] for g in TORCH_GRU_ORDER]),
        "bias_hh_l0": np.concatenate([zero, zero, P["bca"]])})  # only b_hn is not redundant


def gru_from_torch(module) -> dict:
    """"torch"-form parameters (float64 numpy) of a one-layer unidirectional ``torch.nn.GRU``.

    ``br = b_ir + b_hr``, ``bu = -(b_iz + b_hz)``, ``bc = b_in``, ``bca = b_hn``;
    ``Wux = -W_iz``, ``Wua = -W_hz`` (PyTorch's z keeps, Γ_u updates); the other
    weights are the r and n slices of ``weight_ih_l0`` and ``weight_hh_l0``.
    """
    _module_check(module, "GRU")
    H = module.hidden_size
    w_ih, w_hh = _get(module, "weight_ih_l0", 3 * H), _get(module, "weight_hh_l0", 3 * H)
    b_ih, b_hh = _get(module, "bias_ih_l0", 3 * H), _get(module, "bias_hh_l0", 3 * H)
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    return {"Wrx": w_ih[r], "Wra": w_hh[r], "br": b_ih[r] + b_hh[r],
            "Wux": -w_ih[z], "Wua": -w_hh[z], "bu": -(b_ih[z] + b_hh[z]),
            "Wcx": w_ih[n], "Wca": w_hh[n], "bc": b_ih[n], "bca": b_hh[n]}


# ------------------------------------------------------------------------ LSTM
def lstm_to_torch(params):
    """A float64 ``torch.nn.LSTM`` with the same weights (no peepholes in PyTorch).

    Gate order i, f, g, o = u, f, c, o in ``weight_ih_l0 (4H, n_x)``, ``weight_hh_l0 (4H, H)``;
    ``bias_ih_l0`` holds ``[bu; bf; bc; bo]`` and ``bias_hh_l0`` is zero (PyTorch adds them).
    Raises ``ValueError`` if ``params`` has peephole keys.
    """
    import torch
    if isinstance(params, Mapping) and any(k in params for k in PEEPHOLES):
        raise ValueError("params: has peephole keys (pf, pu, po); torch.nn.LSTM has no peepholes")
    P, n_a, n_x = check_lstm_params(params, False)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    return _copy_into(lstm, {"weight_ih_l0": np.concatenate([P[f"W{g}x"] for g in TORCH_LSTM_ORDER]),
                             "weight_hh_l0": np.concatenate([P[f"W{g}a"] for g in TORCH_LSTM_ORDER]),
                             "bias_ih_l0": np.concatenate([P[f"b{g}"] for g in TORCH_LSTM_ORDER]),
                             "bias_hh_l0": np.zeros(4 * n_a)})


def lstm_from_torch(module) -> dict:
    """Parameters (float64 numpy) of a one-layer unidirectional ``torch.nn.LSTM``.

    Slices i, f, g, o of the stacked weights become ``u, f, c, o``; each bias is
    ``bias_ih + bias_hh`` (PyTorch always adds the two).
    """
    _module_check(module, "LSTM")
    H = module.hidden_size
    w_ih, w_hh = _get(module, "weight_ih_l0", 4 * H), _get(module, "weight_hh_l0", 4 * H)
    b = _get(module, "bias_ih_l0", 4 * H) + _get(module, "bias_hh_l0", 4 * H)
    p = {}
    for i, g in enumerate(TORCH_LSTM_ORDER):
        s = slice(i * H, (i + 1) * H)
        p[f"W{g}x"], p[f"W{g}a"], p[f"b{g}"] = w_ih[s], w_hh[s], b[s]
    return p


# ===================================================================== stacked and bidirectional
# Chapter 8's networks (rnncourse.deep): the one-layer bridges above do the gate orders; this section
# only renames PyTorch's weights weight_ih_l{l}[_reverse], weight_hh_..., bias_ih_..., bias_hh_...
def _single_bridges():
    return {"rnn": (lambda p: to_torch_rnn(p["Wax"], p["Waa"], p["ba"]), from_torch_rnn, "RNN"),
            "gru": (gru_to_torch, gru_from_torch, "GRU"),
            "lstm": (lstm_to_torch, lstm_from_torch, "LSTM")}


_TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def stack_to_torch(kind: str, params, dropout: float = 0.0):
    """A float64 ``torch.nn.RNN/GRU/LSTM(num_layers=L, bidirectional=D == 2, dropout=dropout)``
    computing the same network as :func:`stack_forward` with ``params``.

    Layer l, direction d of ``params`` becomes PyTorch's ``*_l{l}`` (d = 0) or ``*_l{l}_reverse``
    (d = 1), converted by the one-layer bridges (:func:`to_torch_rnn`,
    :func:`gru_to_torch`, :func:`lstm_to_torch`).
    """
    import torch
    from .deep import _dropout_p, _kind, _structure
    kind = _kind(kind)
    L, D, n_a = _structure(kind, params)
    to_one, _, cls = _single_bridges()[kind]
    n_x = np.shape(params[0][0]["Wax" if kind == "rnn" else ("Wux" if kind == "gru" else "Wfx")])[1]
    module = getattr(torch.nn, cls)(n_x, n_a, num_layers=L, bidirectional=D == 2, dropout=_dropout_p(dropout),
                                    dtype=torch.float64)
    with torch.no_grad():
        for l in range(L):
            for d in range(D):
                one = to_one(params[l][d])
                for name in _TORCH_NAMES:
                    getattr(module, f"{name}_l{l}{'_reverse' if d else ''}").copy_(getattr(one, f"{name}_l0"))
    return module


def stack_from_torch(module) -> tuple:
    """``(kind, params)`` (float64 numpy, ``params[l][d]``) of a ``torch.nn.RNN`` (tanh), ``GRU`` or
    ``LSTM`` with any ``num_layers`` and ``bidirectional``; no projection (``proj_size``)."""
    import torch
    kinds = {"RNN": "rnn", "GRU": "gru", "LSTM": "lstm"}
    cls = type(module).__name__
    if cls not in kinds or getattr(module, "proj_size", 0) or getattr(module, "nonlinearity", "tanh") != "tanh" \
            or not module.bias:
        raise ValueError(f"module: expected a torch.nn.RNN (tanh), GRU or LSTM with biases and no projection, "
                         f"got {cls}")
    kind = kinds[cls]
    _, from_one, _ = _single_bridges()[kind]
    D = 2 if module.bidirectional else 1
    H = module.hidden_size
    params = []
    for l in range(module.num_layers):
        layer = []
        for d in range(D):
            n_in = module.input_size if l == 0 else D * H
            one = getattr(torch.nn, cls)(n_in, H, dtype=torch.float64)
            with torch.no_grad():
                for name in _TORCH_NAMES:
                    getattr(one, f"{name}_l0").copy_(getattr(module, f"{name}_l{l}{'_reverse' if d else ''}"))
            layer.append(from_one(one))
        params.append(layer)
    return kind, params

