r"""Chapter 8: bidirectional recurrent networks on padded batches, and their output layer.

A bidirectional layer runs two recurrences over the same input, one from the first step to the
last and one from the last real step back to the first, and concatenates their states:

.. math::

    \overrightarrow{a}^{\langle t\rangle} = f(x^{\langle t\rangle}, \overrightarrow{a}^{\langle t-1\rangle}),
    \qquad
    \overleftarrow{a}^{\langle t\rangle} = f'(x^{\langle t\rangle}, \overleftarrow{a}^{\langle t+1\rangle}),
    \qquad
    \hat y^{\langle t\rangle} = g\big(W_y [\overrightarrow{a}^{\langle t\rangle}; \overleftarrow{a}^{\langle t\rangle}] + b_y\big)

where ``f`` and ``f'`` are cells of the same kind (Elman, GRU or LSTM) with their own parameters.

Padded batches. A batch holds sequences of different lengths, padded at the end to ``T`` steps
(time-major ``(T, N, n_x)``; ``lengths[i]`` real steps in column ``i``). The backward direction of
sequence ``i`` must start at its own last real step ``lengths[i] - 1``, not at ``T - 1``: reversing
the padded array would feed the padding first. :func:`reverse_padded` reverses each sequence within
its length. Every recurrence here works like PyTorch's packed sequences
(``torch.nn.utils.rnn.pack_padded_sequence``): a sequence stops at its last real step, its final
state is the state there, and the outputs at padding positions are zeros.

Lengths may come in any order (``pack_padded_sequence(..., enforce_sorted=False)``); each must be
between 1 and ``T``.

Units. ``kind`` is ``"rnn"`` (Elman, tanh), ``"gru"`` (PyTorch's form: the reset gate after the
product, parameters of :func:`rnncourse.gru.init_gru_params` with ``form="torch"``) or ``"lstm"``.
A state is a tuple: ``(a,)`` for the RNN and the GRU, ``(a, c)`` for the LSTM, each ``(N, n_a)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array, check_shape

# ---------------------------------------------------------------- the units (one import place)
# Sequence-level forward/backward of each unit. When the units move (scan.py, rnn.py, gru.py,
# lstm.py), only this block changes.
from .rnn import rnn_forward, rnn_backward, init_rnn_params  # noqa: E402
from .gru import gru_forward, gru_backward, init_gru_params  # noqa: E402
from .lstm import lstm_forward, lstm_backward, init_lstm_params  # noqa: E402

__all__ = ["KINDS", "UNITS", "DirectionCache", "BidirectionalCache", "reverse_padded", "check_lengths",
           "direction_forward", "direction_backward", "bidirectional_forward", "bidirectional_backward",
           "init_unit_params"]


def _rnn_run(x, state, p):
    a, cache = rnn_forward(x, state[0], p["Wax"], p["Waa"], p["ba"])
    return a, (a[-1],), cache


def _rnn_back(da, cache, dstate):
    g = rnn_backward(da, cache, da_last=dstate[0])
    return g.pop("dx"), (g.pop("da0"),), g


def _gru_run(x, state, p):
    a, cache = gru_forward(x, state[0], p, form="torch")
    return a, (a[-1],), cache


def _gru_back(da, cache, dstate):
    g = gru_backward(da, cache, da_last=dstate[0])
    return g.pop("dx"), (g.pop("da0"),), g


def _lstm_run(x, state, p):
    a, c, cache = lstm_forward(x, state[0], state[1], p)
    return a, (a[-1], c[-1]), cache


def _lstm_back(da, cache, dstate):
    g = lstm_backward(da, cache, da_last=dstate[0], dc_last=dstate[1])
    return g.pop("dx"), (g.pop("da0"), g.pop("dc0")), g


# kind -> (run, back, init, number of state arrays); run(x, state, params) -> (a, final state, cache)
UNITS = {
    "rnn": (_rnn_run, _rnn_back, lambda n_x, n_a, rng: _rnn_init(n_x, n_a, rng), 1),
    "gru": (_gru_run, _gru_back, lambda n_x, n_a, rng: init_gru_params(n_x, n_a, rng, form="torch"), 1),
    "lstm": (_lstm_run, _lstm_back, lambda n_x, n_a, rng: init_lstm_params(n_x, n_a, rng), 2),
}
KINDS = tuple(UNITS)


def _rnn_init(n_x, n_a, rng):
    p = init_rnn_params(n_x, n_a, 1, rng)
    return {k: p[k] for k in ("Wax", "Waa", "ba")}  # the recurrent layer only: no output weights


def _kind(kind):
    if kind not in UNITS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    return kind


def init_unit_params(kind: str, n_x: int, n_a: int, rng: np.random.Generator) -> dict:
    """Random parameters of one direction of one layer (PyTorch's uniform(-k, k), k = 1/sqrt(n_a)).

    ``"rnn"``: ``Wax, Waa, ba``; ``"gru"``: the "torch" form of :func:`rnncourse.gru.init_gru_params`
    (with ``bca``); ``"lstm"``: :func:`rnncourse.lstm.init_lstm_params`.
    """
    return UNITS[_kind(kind)][2](n_x, n_a, rng)


def _n_a(kind, params):
    key = {"rnn": "Waa", "gru": "Wua", "lstm": "Wfa"}[kind]
    if not isinstance(params, dict) or key not in params:
        raise ValueError(f"params: expected a dict of {kind} parameters with key {key!r}, "
                         f"got {type(params).__name__}" + (f" with keys {sorted(params)}" if isinstance(params, dict)
                                                           else ""))
    return np.shape(params[key])[0]


# ------------------------------------------------------------------------ lengths and reversal
def check_lengths(lengths, T: int, N: int) -> np.ndarray:
    """``lengths`` as an int64 array ``(N,)`` with every entry in ``[1, T]``, or ``ValueError``.

    ``None`` means "every sequence has all T steps". Any order is accepted.
    """
    if lengths is None:
        return np.full(N, T, dtype=np.int64)
    lengths = as_int_array("lengths", lengths, ndim=1)
    check_shape("lengths", lengths, (N,), "(N,)")
    if lengths.size and (lengths.min() < 1 or lengths.max() > T):
        bad = int(np.flatnonzero((lengths < 1) | (lengths > T))[0])
        raise ValueError(f"lengths: expected every length in [1, T] = [1, {T}], got {int(lengths[bad])} "
                         f"at index {bad}")
    return lengths


def _reversal_index(lengths, T):
    """Row to read for every (t, i): ``lengths[i] - 1 - t`` for real steps, ``t`` (in place) for padding."""
    t = np.arange(T)[:, None]
    return np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)  # (T, N)


@reference
def reverse_padded(x, lengths):
    """Reverse every sequence of a padded, time-major batch within its own length.

    Inputs:
    - x: ``(T, N, ...)``; column ``i`` holds ``lengths[i]`` real steps, then padding.
    - lengths: ``(N,)`` integers in ``[1, T]`` (``None``: all ``T``).

    Returns ``y`` of the shape of ``x`` with ``y[t, i] = x[lengths[i] - 1 - t, i]`` for
    ``t < lengths[i]``; padding positions keep their value. The map is its own inverse, and
    also the backward pass of itself (a permutation that swaps pairs).
    """
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"x: expected shape (T, N, ...), got {x.shape}")
    T, N = x.shape[:2]
    lengths = check_lengths(lengths, T, N)
    rows = _reversal_index(lengths, T)
    return x[rows, np.arange(N)[None, :]]  # fancy indexing: a new array, x is not changed


# ------------------------------------------------------------------------- one direction
@dataclass(frozen=True)
class DirectionCache:
    """Cache of :func:`direction_forward`.

    - kind; x_shape ``(T, N, n_x)``; lengths ``(N,)``;
    - segments: ``(start, end, rows, unit cache)`` for each stretch of time over which the same
      sequences are running (as the batch sizes of a packed sequence).
    """
    kind: str
    x_shape: tuple
    lengths: np.ndarray
    segments: tuple


def _segments(lengths):
    """Stretches ``[start, end)`` of time with the same running sequences (``rows``), in time order."""
    start = 0
    for end in np.unique(lengths):  # the distinct lengths, ascending
        rows = np.flatnonzero(lengths >= end)  # the sequences with a real step in [start, end)
        yield start, int(end), rows
        start = int(end)


def _state(kind, state, N, n_a, dtype, name):
    """An initial state (or a state gradient) as a tuple of ``(N, n_a)`` arrays; zeros for None."""
    k = UNITS[kind][3]
    if state is None:
        return tuple(np.zeros((N, n_a), dtype) for _ in range(k))
    if k == 1 and not isinstance(state, (tuple, list)):
        state = (state,)  # one array is accepted for the RNN and the GRU
    if not isinstance(state, (tuple, list)) or len(state) != k:
        want = "(a, c)" if k == 2 else "a or (a,)"
        raise ValueError(f"{name}: expected {want}, each (N, n_a) = ({N}, {n_a}), got {type(state).__name__}")
    out = []
    for s, label in zip(state, ("a", "c")):
        s = as_float_array(f"{name} ({label})", s, ndim=2)
        check_shape(f"{name} ({label})", s, (N, n_a), "(N, n_a)")
        out.append(s.astype(np.result_type(s, dtype), copy=True))  # a copy: it is written row by row
    return tuple(out)


@reference
def direction_forward(kind: str, x, lengths, state0, params):
    """Run one recurrence forward in time over a padded batch, stopping each sequence at its length.

    Inputs:
    - kind: ``"rnn"``, ``"gru"`` or ``"lstm"``.
    - x: ``(T, N, n_x)``, each sequence starting at ``t = 0`` and padded after ``lengths[i]`` steps.
    - lengths: ``(N,)`` integers in ``[1, T]``, any order (``None``: all ``T``).
    - state0: initial state, ``(a0,)`` or ``a0`` (RNN, GRU), ``(a0, c0)`` (LSTM), each ``(N, n_a)``;
      ``None`` for zeros.
    - params: the unit's parameter dict (:func:`init_unit_params`).

    Returns ``(a, state, cache)``:
    - a: hidden states ``(T, N, n_a)``; zero at padding positions.
    - state: the final state of each sequence, taken at its own last step ``lengths[i] - 1``
      (a tuple like ``state0``).
    - cache: :class:`DirectionCache`.
    """
    kind = _kind(kind)
    run = UNITS[kind][0]
    x = as_float_array("x", x, ndim=3)
    T, N, _ = x.shape
    if T == 0 or N == 0:
        raise ValueError(f"x: expected at least one step and one sequence, got shape {x.shape}")
    lengths = check_lengths(lengths, T, N)
    n_a = _n_a(kind, params)
    state = _state(kind, state0, N, n_a, x.dtype, "state0")
    a = np.zeros((T, N, n_a), dtype=np.result_type(x, *state))  # padding positions stay zero
    segments = []
    for start, end, rows in _segments(lengths):
        # the sequences still running carry on from where the previous stretch left them
        a_seg, final, cache = run(x[start:end, rows], tuple(s[rows] for s in state), params)
        a[start:end, rows] = a_seg
        for s, f in zip(state, final):
            s[rows] = f  # a sequence that ends here keeps this state: it is its final state
        segments.append((start, end, rows, cache))
    return a, state, DirectionCache(kind, x.shape, lengths, tuple(segments))


@reference
def direction_backward(da, cache: DirectionCache, dstate=None) -> dict:
    """Backpropagation through time for :func:`direction_forward`.

    Inputs:
    - da: dL/da at every step ``(T, N, n_a)``; values at padding positions are ignored (those
      outputs are constant zeros).
    - cache: :class:`DirectionCache`.
    - dstate: gradient on the final state (a tuple like the forward's ``state``), or None.

    Returns a dict: ``dx (T, N, n_x)`` (zero at padding), ``dstate0`` (a tuple like ``state0``) and
    the parameter gradients ``"d" + name``, summed over time and batch.
    """
    if not isinstance(cache, DirectionCache):
        raise ValueError(f"cache: expected a DirectionCache, got {type(cache).__name__}")
    T, N, n_x = cache.x_shape
    back = UNITS[cache.kind][1]
    first = cache.segments[0][3]
    n_a = first.a.shape[-1]
    da = as_float_array("da", da, ndim=3)
    check_shape("da", da, (T, N, n_a), "(T, N, n_a)")
    carry = _state(cache.kind, dstate, N, n_a, da.dtype, "dstate")
    dx = np.zeros((T, N, n_x), dtype=np.result_type(da, first.x))
    grads = {}
    for start, end, rows, unit_cache in reversed(cache.segments):
        # the gradient on the state at the end of this stretch: from the next stretch (still-running
        # sequences) or from the final state (sequences that end here)
        dx_seg, dstart, dp = back(da[start:end, rows], unit_cache, tuple(c[rows] for c in carry))
        dx[start:end, rows] = dx_seg
        for c, d in zip(carry, dstart):
            c[rows] = d
        for k, v in dp.items():
            grads[k] = grads[k] + v if k in grads else v  # shared weights: every stretch contributes
    return {"dx": dx, "dstate0": carry, **grads}


# ---------------------------------------------------------------------- bidirectional layer
@dataclass(frozen=True)
class BidirectionalCache:
    """Cache of :func:`bidirectional_forward`: the two directions' caches and ``lengths``."""
    fwd: DirectionCache
    bwd: DirectionCache
    lengths: np.ndarray


@reference
def bidirectional_forward(kind: str, x, lengths, params_fwd, params_bwd, state_fwd=None, state_bwd=None):
    """One bidirectional layer on a padded batch: ``[a→<t>; a←<t>]`` at every step.

    Inputs:
    - kind, x ``(T, N, n_x)``, lengths ``(N,)``: as in :func:`direction_forward`.
    - params_fwd, params_bwd: the two directions' parameter dicts (not shared).
    - state_fwd, state_bwd: the initial states of the two directions (each a state as in
      :func:`direction_forward`; ``None`` for zeros). The backward direction's initial state is
      its state *after* the last real step, a←<T_x + 1>.

    Returns ``(out, (state_fwd, state_bwd), cache)``:
    - out: ``(T, N, 2 n_a)``, the forward states in the first ``n_a`` columns, the backward
      states in the last ``n_a``; zero at padding positions.
    - the final states: the forward direction's at step ``lengths[i] - 1``, the backward
      direction's at step 0 (it has read the whole sequence), as PyTorch's ``h_n``.
    - cache: :class:`BidirectionalCache`.
    """
    x = as_float_array("x", x, ndim=3)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x: expected at least one step and one sequence, got shape {x.shape}")
    lengths = check_lengths(lengths, x.shape[0], x.shape[1])
    a_f, h_f, c_f = direction_forward(kind, x, lengths, state_fwd, params_fwd)
    # the backward direction is a forward recurrence over each sequence reversed within its length
    a_b_rev, h_b, c_b = direction_forward(kind, reverse_padded(x, lengths), lengths, state_bwd, params_bwd)
    a_b = reverse_padded(a_b_rev, lengths)  # back to real time: a←<t> sits at row t again
    out = np.concatenate([a_f, a_b], axis=2)  # [a→; a←]: forward first, as PyTorch
    return out, (h_f, h_b), BidirectionalCache(c_f, c_b, lengths)


@reference
def bidirectional_backward(dout, cache: BidirectionalCache, dstate_fwd=None, dstate_bwd=None) -> dict:
    """Gradients of :func:`bidirectional_forward`.

    Inputs: dout ``(T, N, 2 n_a)`` (padding positions ignored); cache; gradients on the two final
    states (or None).

    Returns a dict: ``dx (T, N, n_x)``, ``dstate_fwd``, ``dstate_bwd`` (initial-state gradients),
    ``grads_fwd`` and ``grads_bwd`` (parameter gradients ``"d" + name`` of each direction).
    """
    if not isinstance(cache, BidirectionalCache):
        raise ValueError(f"cache: expected a BidirectionalCache, got {type(cache).__name__}")
    dout = as_float_array("dout", dout, ndim=3)
    T, N, _ = cache.fwd.x_shape
    n_a = cache.fwd.segments[0][3].a.shape[-1]
    check_shape("dout", dout, (T, N, 2 * n_a), "(T, N, 2 n_a)")
    g_f = direction_backward(dout[..., :n_a], cache.fwd, dstate_fwd)
    # the reversal is its own backward: bring the gradient into the reversed time of that direction
    g_b = direction_backward(reverse_padded(dout[..., n_a:], cache.lengths), cache.bwd, dstate_bwd)
    dx = g_f.pop("dx") + reverse_padded(g_b.pop("dx"), cache.lengths)  # x feeds both directions
    return {"dx": dx, "dstate_fwd": g_f.pop("dstate0"), "dstate_bwd": g_b.pop("dstate0"),
            "grads_fwd": g_f, "grads_bwd": g_b}
