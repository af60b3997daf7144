r"""One forward scan and one backpropagation-through-time driver for every recurrent unit.

A recurrent unit (the Elman RNN of :mod:`rnncourse.rnn`, the GRU, the LSTM, the MGU) is
described by two functions of ONE time step:

- ``step(zx_t, state) -> (new_state, step_cache)``: ``zx_t`` ``(N, G n_a)`` is the input
  term ``x^<t> W_x^T + b`` of the unit's G pre-activations (computed for all steps at
  once before the loop, see below), ``state`` a tuple of ``(N, n_a)`` arrays (``(a,)``
  for the RNN, GRU and MGU, ``(a, c)`` for the LSTM); ``step_cache`` a dict of the
  ``(N, ...)`` arrays its backward needs;
- ``step_back(d_state, step_cache) -> (d_state_prev, dz_t)``: ``d_state`` holds the total
  gradients reaching the new state (from the step's own output and from step t+1),
  ``dz_t`` ``(N, G n_a)`` is the gradient of the G pre-activations.

Everything that is the same for every unit lives here:

- :func:`input_terms`: ``x W_x^T + b`` of every step in one ``(T N, n_x) x (n_x, G n_a)``
  product: only the recurrent term has to wait for step t-1;
- :func:`scan`: the loop over time, stacking the states and the caches;
- :func:`scan_backward`: the loop backwards in time; at step t the gradient from the
  step's own output ``da[t]`` is added to the gradient arriving from step t+1
  (two paths reach a^<t>);
- :func:`input_grads`: after the loop, the gradients of x and of the shared input weights
  and biases. A shared weight collects a contribution from every step; one matrix
  product over all ``T N`` rows sums them (the readable trick that keeps the driver fast).

So a unit's module holds only its equations (step, step-back, the recurrent-weight
gradients), written to read like the book.
"""
from __future__ import annotations

import numpy as np

__all__ = ["input_terms", "scan", "scan_backward", "input_grads", "blocks", "rows"]


def input_terms(x, Wx, b):
    """The input term of every step and pre-activation at once.

    Inputs:
    - x: ``(T, N, n_x)``; Wx: stacked input weights ``(G n_a, n_x)``; b: biases ``(G n_a,)``.

    Returns ``zx`` ``(T, N, G n_a)`` with ``zx[t] = x[t] @ Wx.T + b``.
    """
    T, N, n_x = x.shape
    zx = x.reshape(T * N, n_x) @ Wx.T   # all T N rows in one product
    zx += b                             # in place: a second (T N, G n_a) array costs more than the sum
    return zx.reshape(T, N, Wx.shape[0])


def _buffers(like, T):
    """Empty ``(T, ...)`` arrays shaped like one step's result (an array, or a tuple or dict of them)."""
    if isinstance(like, dict):
        return {k: _buffers(v, T) for k, v in like.items()}
    if isinstance(like, tuple):
        return tuple(_buffers(v, T) for v in like)
    return np.empty((T,) + like.shape, like.dtype)


def _store(buffers, t, item):
    """Write one step's result into row t of the buffers (while it is still in the CPU's cache)."""
    if isinstance(buffers, dict):
        for k, v in buffers.items():
            _store(v, t, item[k])
    elif isinstance(buffers, tuple):
        for v, it in zip(buffers, item):
            _store(v, t, it)
    else:
        buffers[t] = item


def scan(step, zx, state0):
    """Run ``step`` over time.

    Inputs:
    - step: ``(zx_t, state) -> (new_state, step_cache)`` (module docstring).
    - zx: per-step inputs ``(T, N, ...)``, e.g. from :func:`input_terms`.
    - state0: the initial state, a tuple of ``(N, n_a)`` arrays.

    Returns ``(states, caches)``: a tuple of ``(T, N, n_a)`` arrays (the state AFTER each
    step, one array per state component) and a dict of stacked step caches ``(T, N, ...)``.
    """
    T = len(zx)
    if T == 0:  # no steps: one step on zeros gives the shapes of the (empty) results
        return _buffers(step(np.zeros(zx.shape[1:], zx.dtype), state0), 0)
    state, out = state0, None
    for t in range(T):
        state, cache_t = step(zx[t], state)  # the same step, the same weights: parameter sharing
        if out is None:
            out = _buffers((state, cache_t), T)  # (T, ...) arrays, filled step by step
        _store(out, t, (state, cache_t))
    return out


def scan_backward(step_back, da, caches, d_state_last, return_steps: bool = False):
    """Backpropagation through time.

    Inputs:
    - step_back: ``(d_state, step_cache) -> (d_state_prev, dz_t)`` (module docstring).
    - da: gradient from the outputs onto the hidden states a^<1..T>, ``(T, N, n_a)``.
    - caches: the stacked step caches of :func:`scan` (dict of ``(T, N, ...)`` arrays).
    - d_state_last: extra gradients on the final state (tuple like the state, e.g. from a
      later chunk); zeros when there is none.
    - return_steps: also return the total gradient reaching every hidden state a^<t>.

    Returns ``(dz, d_state0)`` or ``(dz, d_state0, da_steps)``: the pre-activation
    gradients ``(T, N, G n_a)``, the gradients of the initial state (tuple) and, if asked,
    ``da_steps`` ``(T, N, n_a)``.
    """
    T = da.shape[0]
    carry, dz, steps = tuple(d_state_last), None, np.empty_like(da) if return_steps else None
    for t in reversed(range(T)):
        d_state = (da[t] + carry[0],) + carry[1:]  # two paths reach a^<t>: its own output and step t+1
        if return_steps:
            steps[t] = d_state[0]
        carry, dz_t = step_back(d_state, {k: v[t] for k, v in caches.items()})
        if dz is None:
            dz = np.empty((T,) + dz_t.shape, dz_t.dtype)  # filled step by step, backwards
        dz[t] = dz_t
    if dz is None:  # no steps: an empty gradient with the width of the pre-activations
        cache0 = {k: np.zeros(v.shape[1:], v.dtype) for k, v in caches.items()}
        dz = np.empty((0,) + step_back(tuple(np.zeros_like(c) for c in carry), cache0)[1].shape, da.dtype)
    if return_steps:
        return dz, carry, steps
    return dz, carry


def input_grads(dz, x, Wx):
    """Gradients of x and of the shared input weights and biases, after the loop.

    Inputs: dz ``(T, N, G n_a)`` (or one step ``(N, G n_a)``); x ``(T, N, n_x)`` (or
    ``(N, n_x)``); Wx ``(G n_a, n_x)``.

    Returns ``(dx, dWx, db)``: ``dx`` with the shape of x (x feeds all G pre-activations:
    the sum of the G paths is one product), ``dWx (G n_a, n_x)`` and ``db (G n_a,)``
    summed over every step and example by the products.
    """
    flat = dz.reshape(-1, dz.shape[-1])  # all T N rows at once: one big product, not T small ones
    return ((flat @ Wx).reshape(x.shape), flat.T @ x.reshape(-1, x.shape[-1]), flat.sum(axis=0))


def blocks(z, k):
    """The k equal column blocks of ``z`` ``(..., k n_a)``, as views (e.g. the gates of a stacked product)."""
    H = z.shape[-1] // k
    return tuple(z[..., i * H:(i + 1) * H] for i in range(k))


def rows(arr):
    """``arr`` ``(..., k)`` as the 2-d ``(rows, k)`` matrix the summed products need."""
    return arr.reshape(-1, arr.shape[-1])
