r"""Chapter 8: deep (stacked) recurrent networks, uni- or bidirectional, with dropout between layers.

Layer l reads the states of layer l - 1 at the same step (layer 1 reads the input):

.. math::

    a^{[l]\langle t\rangle} = f^{[l]}\big(a^{[l-1]\langle t\rangle}, a^{[l]\langle t-1\rangle}\big),
    \qquad a^{[0]\langle t\rangle} = x^{\langle t\rangle}

In a bidirectional stack, layer l reads the concatenation ``[a→; a←]`` of both directions of layer
l - 1, so its input width is ``2 n_a``. Between layers (never after the last one), training may
apply inverted dropout to that input: each entry is kept with probability ``1 - p`` and scaled by
``1 / (1 - p)``, as PyTorch's ``nn.RNN/GRU/LSTM(dropout=p)`` does in training mode.

Parameters of a stack are a list over layers of a list over directions of the unit's parameter
dicts: ``params[l][0]`` forward, ``params[l][1]`` backward (bidirectional only). States follow
PyTorch's ``h_0``/``h_n``: an array ``(L D, N, n_a)`` with row ``l D + d`` for layer l, direction d
(D = 2 if bidirectional, else 1); for the LSTM a pair ``(h, c)`` of such arrays.

The last section converts a stack to and from ``torch.nn.RNN/GRU/LSTM(num_layers=L,
bidirectional=...)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape
from .bidirectional import (UNITS, _kind, _n_a, bidirectional_backward, bidirectional_forward,
                            check_lengths, direction_backward, direction_forward, init_unit_params)
from .gates import count_params

__all__ = ["StackCache", "init_stack_params", "count_stack_params", "dropout_mask", "stack_forward",
           "stack_backward", "flatten_params", "unflatten_grads"]


def _structure(kind, params):
    """(L, D, n_a) of a stack's parameters, checked."""
    if not isinstance(params, (list, tuple)) or not params:
        raise ValueError(f"params: expected a non-empty list over layers of lists over directions, "
                         f"got {type(params).__name__}")
    D = len(params[0]) if isinstance(params[0], (list, tuple)) else 0
    if D not in (1, 2) or any(not isinstance(p, (list, tuple)) or len(p) != D for p in params):
        raise ValueError("params: expected every layer to be a list of 1 (unidirectional) or 2 "
                         "(bidirectional) parameter dicts, the same number in every layer")
    n_a = _n_a(kind, params[0][0])
    for l, layer in enumerate(params):
        for d, p in enumerate(layer):
            if _n_a(kind, p) != n_a:
                raise ValueError(f"params[{l}][{d}]: expected n_a = {n_a} like params[0][0], got {_n_a(kind, p)}")
    return len(params), D, n_a


@reference
def init_stack_params(kind: str, n_x: int, n_a: int, num_layers: int, bidirectional: bool,
                      rng: np.random.Generator) -> list:
    """Random parameters of a stack: layer 0 reads ``n_x`` inputs, layer l > 0 reads ``D n_a``.

    Returns ``params[l][d]`` (see the module docstring).
    """
    kind = _kind(kind)
    L = check_positive_int("num_layers", num_layers)
    D = 2 if bidirectional else 1
    return [[init_unit_params(kind, n_x if l == 0 else D * n_a, n_a, rng) for _ in range(D)] for l in range(L)]


@reference
def count_stack_params(kind: str, n_x: int, n_a: int, num_layers: int, bidirectional: bool = False) -> dict:
    """Parameters of a stack (no output layer): ``{"ours": ..., "torch": ...}``.

    Each direction of layer 0 has the count of one layer with ``n_x`` inputs, each direction of
    layer l > 0 the count with ``D n_a`` inputs (:func:`rnncourse.gates.count_params`; PyTorch keeps
    two biases per gate). The GRU's "ours" counts the "torch" form (with ``bca``).
    """
    kind = _kind(kind)
    L = check_positive_int("num_layers", num_layers)
    D = 2 if bidirectional else 1
    total = {"ours": 0, "torch": 0}
    for l in range(L):
        one = count_params(kind, n_x if l == 0 else D * n_a, n_a)
        total["ours"] += D * (one["ours"] + (n_a if kind == "gru" else 0))
        total["torch"] += D * one["torch"]
    return total


@reference
def dropout_mask(shape, p: float, rng: np.random.Generator) -> np.ndarray:
    """An inverted-dropout mask: ``1 / (1 - p)`` with probability ``1 - p``, else 0.

    Multiplying by it keeps the expected value of every entry unchanged, so nothing has to be
    rescaled at test time. ``p = 1`` gives all zeros (as ``torch.nn.functional.dropout``).
    """
    p = _dropout_p(p)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    if p == 1.0:
        return np.zeros(shape)
    return (rng.random(shape) >= p) / (1.0 - p)


def _dropout_p(p):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: expected a probability in [0, 1], got {p!r}")
    return float(p)


def _stack_state(kind, state, L, D, N, n_a, name):
    """``h0`` in PyTorch's layout -> a list of per-(layer, direction) states, or Nones."""
    if state is None:
        return [[None] * D for _ in range(L)]
    k = UNITS[kind][3]
    arrays = tuple(state) if (k == 2 and isinstance(state, (tuple, list))) else (state,)
    if len(arrays) != k:
        raise ValueError(f"{name}: expected {'(h, c)' if k == 2 else 'h'} of shape (L D, N, n_a) = "
                         f"({L * D}, {N}, {n_a}), got {type(state).__name__}")
    arrays = [as_float_array(name, s, ndim=3) for s in arrays]
    for s in arrays:
        check_shape(name, s, (L * D, N, n_a), "(L D, N, n_a)")
    return [[tuple(s[l * D + d] for s in arrays) for d in range(D)] for l in range(L)]


def _stack_out(kind, finals):
    """Per-(layer, direction) final states -> PyTorch's ``h_n`` (and ``c_n``)."""
    rows = [f for layer in finals for f in layer]
    stacked = tuple(np.stack([r[j] for r in rows]) for j in range(len(rows[0])))
    return stacked if UNITS[kind][3] == 2 else stacked[0]


@dataclass(frozen=True)
class StackCache:
    """Cache of :func:`stack_forward`: kind, (L, D, n_a), per-layer caches and the dropout masks
    (``masks[l]`` multiplies the input of layer l + 1; ``None`` without dropout)."""
    kind: str
    sizes: tuple
    layers: tuple
    masks: tuple


@reference
def stack_forward(kind: str, x, params, lengths=None, h0=None, dropout: float = 0.0, training: bool = False,
                  rng: np.random.Generator | None = None):
    """Run a stacked (deep) recurrent network, uni- or bidirectional, over a padded batch.

    Inputs:
    - kind: ``"rnn"``, ``"gru"`` or ``"lstm"``.
    - x: ``(T, N, n_x)``; lengths ``(N,)`` in ``[1, T]``, any order (None: all T).
    - params: ``params[l][d]`` (:func:`init_stack_params`).
    - h0: initial states ``(L D, N, n_a)`` (LSTM: a pair ``(h0, c0)``), None for zeros.
    - dropout, training, rng: with ``training=True`` and ``dropout > 0`` the input of every layer
      but the first (the output of every layer but the last) is multiplied by
      :func:`dropout_mask` drawn from ``rng``; otherwise no dropout (PyTorch's ``eval()``).

    Returns ``(out, h_n, cache)``:
    - out: the last layer's states ``(T, N, D n_a)``, zero at padding (``nn.RNN``'s output after
      ``pad_packed_sequence``).
    - h_n: final states ``(L D, N, n_a)`` (LSTM: ``(h_n, c_n)``), each sequence's own.
    - cache: :class:`StackCache`.
    """
    kind = _kind(kind)
    L, D, n_a = _structure(kind, params)
    x = as_float_array("x", x, ndim=3)
    T, N, _ = x.shape
    if T == 0 or N == 0:
        raise ValueError(f"x: expected at least one step and one sequence, got shape {x.shape}")
    lengths = check_lengths(lengths, T, N)
    p = _dropout_p(dropout)
    drop = training and p > 0 and L > 1
    if drop and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: dropout in training needs a numpy Generator, got {type(rng).__name__}")
    states = _stack_state(kind, h0, L, D, N, n_a, "h0")
    inp, caches, finals, masks = x, [], [], []
    for l in range(L):
        if D == 2:
            out, fin, cache = bidirectional_forward(kind, inp, lengths, params[l][0], params[l][1], *states[l])
        else:
            out, fin, cache = direction_forward(kind, inp, lengths, states[l][0], params[l][0])
            fin = (fin,)
        caches.append(cache)
        finals.append(fin)
        if l < L - 1:
            mask = dropout_mask(out.shape, p, rng) if drop else None
            masks.append(mask)
            inp = out * mask if drop else out  # layer l's states are layer l + 1's input
        else:
            inp = out
    return inp, _stack_out(kind, finals), StackCache(kind, (L, D, n_a), tuple(caches), tuple(masks))


@reference
def stack_backward(dout, cache: StackCache, dh_n=None, return_layers: bool = False) -> dict:
    """Gradients of :func:`stack_forward`.

    Inputs:
    - dout: dL/d(out) ``(T, N, D n_a)`` (padding positions ignored).
    - cache: :class:`StackCache`.
    - dh_n: gradient on ``h_n`` (LSTM: ``(dh_n, dc_n)``), or None.
    - return_layers: also return ``"d_layers"``, the gradient reaching each layer's output
      (before dropout), a list of L arrays ``(T, N, D n_a)``.

    Returns a dict: ``dx (T, N, n_x)``, ``dh0`` ``(L D, N, n_a)`` (LSTM: also ``dc0``), and
    ``dparams``: ``dparams[l][d]`` with ``"d" + name`` for every parameter.
    """
    if not isinstance(cache, StackCache):
        raise ValueError(f"cache: expected a StackCache, got {type(cache).__name__}")
    kind = cache.kind
    L, D, n_a = cache.sizes
    first = cache.layers[-1].fwd if D == 2 else cache.layers[-1]
    T, N, _ = first.x_shape
    dout = as_float_array("dout", dout, ndim=3)
    check_shape("dout", dout, (T, N, D * n_a), "(T, N, D n_a)")
    dfinal = _stack_state(kind, dh_n, L, D, N, n_a, "dh_n")
    dparams, dstart, d_layers = [None] * L, [None] * L, [None] * L
    g_in = dout
    for l in reversed(range(L)):
        d_layers[l] = g_in
        if D == 2:
            g = bidirectional_backward(g_in, cache.layers[l], *dfinal[l])
            dparams[l] = [g["grads_fwd"], g["grads_bwd"]]
            dstart[l] = [g["dstate_fwd"], g["dstate_bwd"]]
        else:
            g = direction_backward(g_in, cache.layers[l], dfinal[l][0])
            dstart[l] = [g.pop("dstate0")]
            dparams[l] = [{k: v for k, v in g.items() if k != "dx"}]
        g_in = g["dx"]
        if l > 0 and cache.masks[l - 1] is not None:
            g_in = g_in * cache.masks[l - 1]  # through the dropout of layer l - 1's output
    rows = [s for layer in dstart for s in layer]
    out = {"dx": g_in, "dh0": np.stack([r[0] for r in rows])}
    if UNITS[kind][3] == 2:
        out["dc0"] = np.stack([r[1] for r in rows])
    out["dparams"] = dparams
    if return_layers:
        out["d_layers"] = d_layers
    return out


def flatten_params(params) -> dict:
    """A stack's parameters as one flat dict ``"l{l}d{d}_{name}"`` (views, for an optimiser)."""
    return {f"l{l}d{d}_{k}": v for l, layer in enumerate(params) for d, p in enumerate(layer) for k, v in p.items()}


def unflatten_grads(dparams) -> dict:
    """``dparams[l][d]`` of :func:`stack_backward` keyed like :func:`flatten_params` with a leading ``d``
    (``"d" + flat name``), as :func:`rnncourse.lm.optim.adam_step` expects."""
    return {f"dl{l}d{d}_{k[1:]}": v for l, layer in enumerate(dparams) for d, g in enumerate(layer)
            for k, v in g.items()}
