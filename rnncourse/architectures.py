"""Chapter 4: two architectures built from the Elman pieces of :mod:`rnncourse.rnn`.

- :func:`jordan_forward`: the Jordan network, which feeds back its previous *output* instead of
  its hidden state (so it can be trained with teacher forcing, and its memory is only as rich as
  its output);
- :func:`many_to_one_forward`: a classifier that reads a padded batch and applies the output layer
  to the hidden state at each example's *last real step* (not at step T, which for a shorter
  example is padding).
"""
from __future__ import annotations

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_shape
from .losses import sigmoid, softmax
from .rnn import _act, _apply, output_forward, rnn_forward

__all__ = ["jordan_forward", "many_to_one_forward"]


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

    Returns ``probs``: the class probabilities ``softmax(a_last @ Wya.T + by)``, ``(N, n_y)``,
    with ``a_last`` the hidden state at each example's last real step (row ``lengths[i] - 1``).
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
    return softmax(z)
