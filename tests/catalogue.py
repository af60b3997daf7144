"""Catalogue of realistic mistakes per graded function, written as students make them.

Each entry is a complete wrong implementation (not a one-token edit of the solution),
with the fragment of feedback that must name the fault. ``tests/test_catalogue.py``
grades every entry with :func:`rnncourse.checks.check`, on the worked examples
(``visible=True``: the mistake must already be caught there) and on fixed hidden seeds,
and asserts that it fails with that fragment in the message. Kept apart from
``tests/mutants.py`` (which edits the solution notebooks and runs nbgrader end to end):
this file is the fast, wide net; the mutants prove the pipeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Mistake:
    function: str
    name: str
    fn: Callable
    message: str            # fragment the feedback must contain: it names the fault
    visible: bool = True    # caught by the worked example(s) already

    @property
    def id(self) -> str:
        return f"{self.function}:{self.name}"


CATALOGUE: list[Mistake] = []


def mistake(function, name, message, visible=True):
    def register(fn):
        CATALOGUE.append(Mistake(function, name, fn, message, visible))
        return fn
    return register


def _softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ================================================================ 04 rnn_cell_forward
F = "rnn_cell_forward"


@mistake(F, "Wax not transposed", "Wax")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax + a_prev @ Waa.T + ba)


@mistake(F, "Waa not transposed", "Waa is transposed")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa + ba)


@mistake(F, "bias missing", "the bias ba")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T)


@mistake(F, "bias subtracted", "the bias ba")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T - ba)


@mistake(F, "bias added after tanh", "the bias goes inside the tanh")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T) + ba


@mistake(F, "ReLU", "not ReLU")
def _(xt, a_prev, Wax, Waa, ba):
    return np.maximum(xt @ Wax.T + a_prev @ Waa.T + ba, 0)


@mistake(F, "sigmoid", "not the sigmoid")
def _(xt, a_prev, Wax, Waa, ba):
    return _sigmoid(xt @ Wax.T + a_prev @ Waa.T + ba)


@mistake(F, "no activation", "the activation is missing")
def _(xt, a_prev, Wax, Waa, ba):
    return xt @ Wax.T + a_prev @ Waa.T + ba


@mistake(F, "tanh of the input term only", "tanh applies to the whole sum")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T) + a_prev @ Waa.T + ba


@mistake(F, "previous state ignored", "the recurrent term")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + ba)


@mistake(F, "input ignored", "the input term")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(a_prev @ Waa.T + ba)


@mistake(F, "returns (a_next, z)", "expected a numpy array")
def _(xt, a_prev, Wax, Waa, ba):
    z = xt @ Wax.T + a_prev @ Waa.T + ba
    return np.tanh(z), z


# ===================================================================== 04 rnn_forward
F = "rnn_forward"


def _cell(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)


@mistake(F, "state not carried", "the state is not carried")
def _(x, a0, Wax, Waa, ba):
    return np.stack([_cell(x[t], a0, Wax, Waa, ba) for t in range(x.shape[0])])


@mistake(F, "stored before the step", "off by one in time")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a[t] = a_prev
        a_prev = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "time reversed", "time runs backwards")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in reversed(range(x.shape[0])):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "initial state ignored", "a0 is ignored")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), np.zeros_like(a0)
    for t in range(x.shape[0]):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "last step not computed", "the last time step")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0] - 1):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "only the last state returned", "every time step")
def _(x, a0, Wax, Waa, ba):
    a_prev = a0
    for t in range(x.shape[0]):
        a_prev = _cell(x[t], a_prev, Wax, Waa, ba)
    return a_prev


@mistake(F, "batch-major result", "time-major")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[1], x.shape[0], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[:, t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "states allocated with n_x", "n_a")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros_like(x), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "no activation (a wrong cell)", "rnn_cell_forward")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = x[t] @ Wax.T + a_prev @ Waa.T + ba
    return a


@mistake(F, "bias missing (a wrong cell)", "rnn_cell_forward")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = np.tanh(x[t] @ Wax.T + a_prev @ Waa.T)
    return a


@mistake(F, "Waa transposed", "Waa is transposed")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = np.tanh(x[t] @ Wax.T + a_prev @ Waa + ba)
    return a


# ================================================================== 04 jordan_forward
F = "jordan_forward"


def _jordan(x, y0, Wax, Way, ba, Wya, by, feed=True, shift=False, act=np.tanh, out=lambda z: z,
            use_ba=True, use_by=True, y_init=None, reverse=False):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0 if y_init is None else y_init
    for t in (reversed(range(T)) if reverse else range(T)):
        a[t] = act(x[t] @ Wax.T + y_prev @ Way.T + (ba if use_ba else 0))
        y[t] = out(a[t] @ Wya.T + (by if use_by else 0))
        if feed:
            y_prev = y[t]
    return y, a


@mistake(F, "output not fed back", "not fed back")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, feed=False)


@mistake(F, "initial output ignored", "y0 is ignored")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, y_init=np.zeros_like(y0))


@mistake(F, "no hidden activation", "the hidden activation is missing")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, act=lambda z: z)


@mistake(F, "tanh on the output", "the output is linear")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, out=np.tanh)


@mistake(F, "output bias missing", "the output bias by")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, use_by=False)


@mistake(F, "hidden bias missing", "the hidden bias ba")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, use_ba=False)


@mistake(F, "time reversed", "time runs backwards")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, reverse=True)


@mistake(F, "returns (a, y_hat)", "order is (y_hat, a)")
def _(x, y0, Wax, Way, ba, Wya, by):
    y, a = _jordan(x, y0, Wax, Way, ba, Wya, by)
    return a, y


@mistake(F, "Way not transposed", "Way")
def _(x, y0, Wax, Way, ba, Wya, by):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0
    for t in range(T):
        a[t] = np.tanh(x[t] @ Wax.T + y_prev @ Way + ba)
        y[t] = y_prev = a[t] @ Wya.T + by
    return y, a


@mistake(F, "pre-activations stored as the hidden states", "pre-activations")
def _(x, y0, Wax, Way, ba, Wya, by):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0
    for t in range(T):
        a[t] = x[t] @ Wax.T + y_prev @ Way.T + ba
        y[t] = y_prev = np.tanh(a[t]) @ Wya.T + by
    return y, a


# ============================================================ 04 many_to_one_forward
F = "many_to_one_forward"


def _states(x, a0, Wax, Waa, ba, cell=_cell):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = cell(x[t], a_prev, Wax, Waa, ba)
    return a


def _last(a, lengths):
    return a[np.asarray(lengths) - 1, np.arange(a.shape[1])]


@mistake(F, "padded last step", "the padding was read")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_states(x, a0, Wax, Waa, ba)[-1] @ Wya.T + by)


@mistake(F, "softmax over the examples", "wrong axis")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by, axis=0)


@mistake(F, "no softmax", "the softmax is missing")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by


@mistake(F, "sigmoid instead of softmax", "sigmoid")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _sigmoid(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by)


@mistake(F, "lengths used as a 0-based row", "lengths[i] - 1")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = _states(x, a0, Wax, Waa, ba)
    return _softmax(a[np.asarray(lengths), np.arange(x.shape[1])] @ Wya.T + by)


@mistake(F, "whole time steps picked", "one column per example")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = _states(x, a0, Wax, Waa, ba)
    return _softmax(a[np.asarray(lengths) - 1] @ Wya.T + by, axis=-1)


@mistake(F, "output bias missing", "the output bias by")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T)


@mistake(F, "initial state ignored", "a0 is ignored")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, np.zeros_like(a0), Wax, Waa, ba), lengths) @ Wya.T + by)


@mistake(F, "softmax without the max", "subtract")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    z = _last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@mistake(F, "a wrong rnn_forward (state not carried)", "rnn_forward")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = np.stack([_cell(x[t], a0, Wax, Waa, ba) for t in range(x.shape[0])])
    return _softmax(_last(a, lengths) @ Wya.T + by)


# ================================================================ 05 rnn_cell_backward
F = "rnn_cell_backward"


def _cell_grads(c, dz, dxt=None, da_prev=None, dWax=None, dWaa=None, dba=None):
    g = {"dxt": dz @ c.Wax, "da_prev": dz @ c.Waa, "dWax": dz.T @ c.xt, "dWaa": dz.T @ c.a_prev,
         "dba": dz.sum(axis=0)}
    for k, v in (("dxt", dxt), ("da_prev", da_prev), ("dWax", dWax), ("dWaa", dWaa), ("dba", dba)):
        if v is not None:
            g[k] = v
    return g


@mistake(F, "tanh' at the pre-activation", "pre-activation")
def _(da_next, cache):
    return _cell_grads(cache, da_next * (1 - cache.z ** 2))


@mistake(F, "tanh' missing", "the tanh derivative is missing")
def _(da_next, cache):
    return _cell_grads(cache, da_next)


@mistake(F, "sigmoid's derivative", "sigmoid")
def _(da_next, cache):
    return _cell_grads(cache, da_next * cache.a_next * (1 - cache.a_next))


@mistake(F, "tanh' at the previous state", "a_prev")
def _(da_next, cache):
    return _cell_grads(cache, da_next * (1 - cache.a_prev ** 2))


@mistake(F, "dba not summed", "dba")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dba=dz)


@mistake(F, "dba summed over the hidden units", "axis 0")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dba=dz.sum(axis=1))


@mistake(F, "dWax transposed", "dWax is transposed")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dWax=cache.xt.T @ dz)


@mistake(F, "dWaa transposed", "dWaa is transposed")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dWaa=cache.a_prev.T @ dz)


@mistake(F, "da_prev through Waa.T", "da_prev = dz @ Waa")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, da_prev=dz @ cache.Waa.T)


@mistake(F, "dxt through Wax.T", "dxt = dz @ Wax")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dxt=dz @ cache.Wax.T)


@mistake(F, "dWaa from the new state", "a_prev")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    return _cell_grads(cache, dz, dWaa=dz.T @ cache.a_next)


@mistake(F, "a key misspelt", "no key 'dba'")
def _(da_next, cache):
    dz = da_next * (1 - cache.a_next ** 2)
    g = _cell_grads(cache, dz)
    g["db"] = g.pop("dba")
    return g


# ===================================================================== 05 rnn_backward
F = "rnn_backward"


def _bptt(da, c, carry=True, accumulate=True, deriv="a", reverse=True, shift=True, first=True,
          carry_after=False, waa_t=False, a0_zero=False):
    T, N, n_a = da.shape
    dx = np.zeros_like(c.x)
    dWax, dWaa, dba = np.zeros_like(c.Wax), np.zeros_like(c.Waa), np.zeros(n_a)
    da_prev = np.zeros((N, n_a))
    steps = list(range(T)) if first else list(range(1, T))
    for t in (reversed(steps) if reverse else steps):
        d = 1 - c.a[t] ** 2 if deriv == "a" else 1 - c.z[t] ** 2
        dz = (da[t] + (da_prev if carry else 0)) * d if not carry_after else da[t] * d + da_prev
        if t == 0:
            before = np.zeros_like(c.a0) if a0_zero else c.a0
        else:
            before = c.a[t - 1]
        before = before if shift else c.a[t]
        dx[t] = dz @ c.Wax
        if accumulate:
            dWax, dWaa, dba = dWax + dz.T @ c.x[t], dWaa + dz.T @ before, dba + dz.sum(axis=0)
        else:
            dWax, dWaa, dba = dz.T @ c.x[t], dz.T @ before, dz.sum(axis=0)
        da_prev = dz @ (c.Waa.T if waa_t else c.Waa)
    return {"dx": dx, "da0": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}


@mistake(F, "gradient from the future dropped", "not passed back")
def _(da, cache):
    return _bptt(da, cache, carry=False)


@mistake(F, "weights overwritten each step", "not accumulated over time")
def _(da, cache):
    return _bptt(da, cache, accumulate=False)


@mistake(F, "tanh' at the pre-activation", "pre-activation")
def _(da, cache):
    return _bptt(da, cache, deriv="z")


@mistake(F, "dWaa from a[t]", "off by one in time")
def _(da, cache):
    return _bptt(da, cache, shift=False)


@mistake(F, "forward in time", "time runs the wrong way")
def _(da, cache):
    return _bptt(da, cache, reverse=False)


@mistake(F, "first step skipped", "first time step")
def _(da, cache):
    return _bptt(da, cache, first=False)


@mistake(F, "future gradient added after tanh'", "before multiplying by tanh'")
def _(da, cache):
    return _bptt(da, cache, carry_after=True)


@mistake(F, "gradient passed back through Waa.T", "dz @ Waa")
def _(da, cache):
    return _bptt(da, cache, waa_t=True)


@mistake(F, "zeros instead of a0 at the first step", "a0")
def _(da, cache):
    return _bptt(da, cache, a0_zero=True)


@mistake(F, "only dWax overwritten each step (the others accumulated)", "not accumulated over time")
def _(da, cache):
    g = _bptt(da, cache)
    # the last value assigned in the backward loop is the one of t = 0
    carry = np.zeros_like(cache.a0)
    for t in reversed(range(da.shape[0])):
        dz = (da[t] + carry) * (1 - cache.a[t] ** 2)
        carry = dz @ cache.Waa
    g["dWax"] = dz.T @ cache.x[0]
    return g


@mistake(F, "da0 not returned", "no key 'da0'")
def _(da, cache):
    g = _bptt(da, cache)
    del g["da0"]
    return g


# ==================================================================== 05 clip_by_value
F = "clip_by_value"


@mistake(F, "upper side only", "only the upper side")
def _(grads, max_value):
    return {k: np.minimum(g, max_value) for k, g in grads.items()}


@mistake(F, "lower side only", "only the lower side")
def _(grads, max_value):
    return {k: np.maximum(g, -max_value) for k, g in grads.items()}


@mistake(F, "rescaled instead of cut", "does not rescale")
def _(grads, max_value):
    return {k: g * min(1.0, max_value / (np.linalg.norm(g) + 1e-6)) for k, g in grads.items()}


@mistake(F, "clipped into [0, max_value]", "[0, max_value]")
def _(grads, max_value):
    return {k: np.clip(g, 0, max_value) for k, g in grads.items()}


@mistake(F, "entries beyond the bound zeroed", "set to the bound")
def _(grads, max_value):
    return {k: np.where(np.abs(g) > max_value, 0.0, g) for k, g in grads.items()}


@mistake(F, "bounds swapped", "bounds are swapped")
def _(grads, max_value):
    return {k: np.clip(g, max_value, -max_value) for k, g in grads.items()}


@mistake(F, "clipped in place", "in place")
def _(grads, max_value):
    for g in grads.values():
        np.clip(g, -max_value, max_value, out=g)
    return grads


@mistake(F, "a list returned", "expected a dict")
def _(grads, max_value):
    return [np.clip(g, -max_value, max_value) for g in grads.values()]


# ===================================================================== 05 clip_by_norm
F = "clip_by_norm"


def _global(grads):
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))


@mistake(F, "each gradient by its own norm", "its own norm")
def _(grads, max_norm):
    out = {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for k, g in grads.items()}
    return out, _global(grads)


@mistake(F, "scaled below the threshold", "must not change")
def _(grads, max_norm):
    n = _global(grads)
    return {k: g * max_norm / (n + 1e-6) for k, g in grads.items()}, n


@mistake(F, "scale upside down", "upside down")
def _(grads, max_norm):
    n = _global(grads)
    return {k: g * min(1.0, n / max_norm) for k, g in grads.items()}, n


@mistake(F, "norm after clipping returned", "before clipping")
def _(grads, max_norm):
    n = _global(grads)
    out = {k: g * min(1.0, max_norm / (n + 1e-6)) for k, g in grads.items()}
    return out, _global(out)


@mistake(F, "norm without the square root", "square root")
def _(grads, max_norm):
    n = _global(grads) ** 2
    return {k: g * min(1.0, max_norm / (n + 1e-6)) for k, g in grads.items()}, n


@mistake(F, "sum of the per-gradient norms", "sqrt of the sum of every squared entry")
def _(grads, max_norm):
    n = float(sum(np.linalg.norm(g) for g in grads.values()))
    return {k: g * min(1.0, max_norm / (n + 1e-6)) for k, g in grads.items()}, n


@mistake(F, "largest per-gradient norm", "over ALL gradients together")
def _(grads, max_norm):
    n = float(max(np.linalg.norm(g) for g in grads.values()))
    return {k: g * min(1.0, max_norm / (n + 1e-6)) for k, g in grads.items()}, n


@mistake(F, "scaled in place", "in place")
def _(grads, max_norm):
    n = _global(grads)
    for g in grads.values():
        g *= min(1.0, max_norm / (n + 1e-6))
    return grads, n


@mistake(F, "only the dict returned", "expected a tuple")
def _(grads, max_norm):
    n = _global(grads)
    return {k: g * min(1.0, max_norm / (n + 1e-6)) for k, g in grads.items()}


# ======================================================================= 05 grad_check
F = "grad_check"


def _numeric(f, x, h, one_sided=False, restore=True, denom=2.0):
    num = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        old = x[j]
        x[j] = old + h
        plus = f()
        x[j] = old - h
        minus = f() if not one_sided else None
        if restore:
            x[j] = old
        if one_sided:
            x[j] = old
            num[j] = (plus - f()) / h
        else:
            num[j] = (plus - minus) / (denom * h)
    return num


def _rel(a, n):
    return float(np.max(np.abs(a - n)) / np.max(np.abs(a) + np.abs(n)))


@mistake(F, "one-sided difference", "one-sided")
def _(f, x, analytic, h=1e-6):
    return _rel(analytic, _numeric(f, x, h, one_sided=True))


@mistake(F, "x not restored", "x is not restored")
def _(f, x, analytic, h=1e-6):
    return _rel(analytic, _numeric(f, x, h, restore=False))


@mistake(F, "divided by h", "divides by 2h")
def _(f, x, analytic, h=1e-6):
    return _rel(analytic, _numeric(f, x, h, denom=1.0))


@mistake(F, "absolute error", "this is the absolute error")
def _(f, x, analytic, h=1e-6):
    return float(np.max(np.abs(analytic - _numeric(f, x, h))))


@mistake(F, "numeric gradient returned", "numerical gradient was returned")
def _(f, x, analytic, h=1e-6):
    return _numeric(f, x, h)


@mistake(F, "only the first entry perturbed", "loop over every entry")
def _(f, x, analytic, h=1e-6):
    num = np.zeros_like(x)
    j = (0,) * x.ndim
    old = x[j]
    x[j] = old + h
    plus = f()
    x[j] = old - h
    minus = f()
    x[j] = old
    num[j] = (plus - minus) / (2 * h)
    return _rel(analytic, num)


@mistake(F, "denominator without abs", "with absolute values")
def _(f, x, analytic, h=1e-6):
    n = _numeric(f, x, h)
    return float(np.max(np.abs(analytic - n)) / np.max(analytic + n))


@mistake(F, "mean instead of max", "not the means")
def _(f, x, analytic, h=1e-6):
    n = _numeric(f, x, h)
    return float(np.mean(np.abs(analytic - n)) / np.mean(np.abs(analytic) + np.abs(n)))


# ================================================================= 07 gru_cell_forward
F = "gru_cell_forward"


def _gru(xt, a_prev, p, r_after=False, reverse=False, cand_act=np.tanh, r_off=False, alone=False,
         swap=False, u_act=_sigmoid, r_act=_sigmoid, no_bc=False, r_weights="r", wra_t=False):
    def pre(g, w=None):
        w = w or g
        Wa = p[f"W{w}a"].T if not (wra_t and g == "r") else p[f"W{w}a"]
        return xt @ p[f"W{w}x"].T + a_prev @ Wa + p[f"b{w}"]
    r, u = r_act(pre("r", r_weights)), u_act(pre("u"))
    if swap:
        r, u = u, r
    bc = 0 if no_bc else p["bc"]
    if r_off:
        c = cand_act(xt @ p["Wcx"].T + a_prev @ p["Wca"].T + bc)
    elif r_after:
        c = cand_act(xt @ p["Wcx"].T + r * (a_prev @ p["Wca"].T) + bc)
    else:
        c = cand_act(xt @ p["Wcx"].T + (r * a_prev) @ p["Wca"].T + bc)
    if alone:
        return c
    return (1 - u) * c + u * a_prev if reverse else u * c + (1 - u) * a_prev


for _name, _kw, _frag in [
        ("reset gate after the product (PyTorch's form)", dict(r_after=True), "reset gate is in the wrong place"),
        ("update gate reversed (PyTorch's convention)", dict(reverse=True), "wrong way round"),
        ("candidate with a sigmoid", dict(cand_act=_sigmoid), "candidate must use tanh"),
        ("reset gate ignored", dict(r_off=True), "reset gate is ignored"),
        ("candidate returned", dict(alone=True), "not the candidate alone"),
        ("reset and update gates swapped", dict(swap=True), "reset and update gates are swapped"),
        ("update gate with tanh", dict(u_act=np.tanh), "here the update gate"),
        ("reset gate with tanh", dict(r_act=np.tanh), "here the reset gate"),
        ("candidate bias missing", dict(no_bc=True), "the candidate's bias bc"),
        ("reset gate computed with the update weights", dict(r_weights="u"), "the update gate's weights"),
        ("Wra not transposed", dict(wra_t=True), "Wra is transposed")]:
    mistake(F, _name, _frag)(lambda xt, a_prev, params, _kw=_kw: _gru(xt, a_prev, params, **_kw))


# ================================================================ 07 lstm_cell_forward
F = "lstm_cell_forward"


def _lstm(xt, a_prev, c_prev, p, swap_fu=False, out_tanh=True, cand_act=np.tanh, no_f=False, from_prev=False,
          o_act=_sigmoid, f_act=_sigmoid, no_carry=False, order=("a", "c"), no_bias="", f_weights="f",
          swap_uo=False):
    def pre(g, w=None):
        w = w or g
        return xt @ p[f"W{w}x"].T + a_prev @ p[f"W{w}a"].T + (0 if w in no_bias else p[f"b{w}"])
    f, u, o = f_act(pre("f", f_weights)), _sigmoid(pre("u")), o_act(pre("o"))
    ct = cand_act(pre("c"))
    if swap_fu:
        f, u = u, f
    if swap_uo:
        u, o = o, u
    c = (c_prev if no_f else f * c_prev) + u * ct if not no_carry else u * ct
    a = o * (np.tanh(c_prev if from_prev else c) if out_tanh else c)
    return (a, c) if order == ("a", "c") else (c, a)


for _name, _kw, _frag in [
        ("forget and update gates swapped", dict(swap_fu=True), "forget and update gates are swapped"),
        ("output without tanh", dict(out_tanh=False), "tanh on the cell output is missing"),
        ("candidate with a sigmoid", dict(cand_act=_sigmoid), "candidate must use tanh"),
        ("no forget gate", dict(no_f=True), "forget gate is missing"),
        ("output from the old cell", dict(from_prev=True), "NEW cell state"),
        ("output gate with tanh", dict(o_act=np.tanh), "output gate uses tanh"),
        ("forget gate with tanh", dict(f_act=np.tanh), "forget gate uses tanh"),
        ("cell state not carried", dict(no_carry=True), "cell state is not carried"),
        ("returns (c_next, a_next)", dict(order=("c", "a")), "order is (a_next, c_next)"),
        ("forget bias missing", dict(no_bias="f"), "the forget gate's bias bf"),
        ("forget gate computed with the update weights", dict(f_weights="u"), "the update gate's weights"),
        ("update and output gates swapped", dict(swap_uo=True), "update and output gates are swapped")]:
    mistake(F, _name, _frag)(lambda xt, a_prev, c_prev, params, _kw=_kw: _lstm(xt, a_prev, c_prev, params, **_kw))


# ===================================================================== 07 lstm_forward
F = "lstm_forward"


def _lstm_seq(x, a0, c0, p, carry_a=True, carry_c=True, zeros=False, shift=False, reverse=False, cell=_lstm,
              ret="ac"):
    T = x.shape[0]
    a, c = np.zeros((T,) + a0.shape), np.zeros((T,) + c0.shape)
    a_prev, c_prev = (0 * a0, 0 * c0) if zeros else (a0, c0)
    for t in (reversed(range(T)) if reverse else range(T)):
        if shift:
            a[t], c[t] = a_prev, c_prev
        a_next, c_next = cell(x[t], a_prev if carry_a else a0, c_prev if carry_c else c0, p)
        a_prev, c_prev = a_next, c_next
        if not shift:
            a[t], c[t] = a_prev, c_prev
    return {"ac": (a, c), "aa": (a, a), "ca": (c, a), "last": (a_prev, c_prev)}[ret]


for _name, _kw, _frag in [
        ("cell state not carried", dict(carry_c=False), "cell state is not carried"),
        ("hidden state not carried", dict(carry_a=False), "hidden state is not carried"),
        ("initial states ignored", dict(zeros=True), "initial states a0 and c0 are ignored"),
        ("states stored before the step", dict(shift=True), "off by one in time"),
        ("time reversed", dict(reverse=True), "time runs backwards"),
        ("hidden states returned as cells", dict(ret="aa"), "must hold the cell states"),
        ("returns (c, a)", dict(ret="ca"), "order is (a, c)"),
        ("only the last states returned", dict(ret="last"), "every time step"),
        ("a wrong cell (no tanh on the output)",
         dict(cell=lambda xt, a, c, p: _lstm(xt, a, c, p, out_tanh=False)), "lstm_cell_forward")]:
    mistake(F, _name, _frag)(lambda x, a0, c0, params, _kw=_kw: _lstm_seq(x, a0, c0, params, **_kw))


# =============================================================== 07 lstm_cell_backward
F = "lstm_cell_backward"


def _lstm_back(da_next, dc_next, cache, tanh_d=True, dc_n=True, order="ufoc", cand_from_cell=False,
               forget_past=True, o_from_c=False, f_no_cprev=False, dW_from_a_next=False, db_not_summed=False):
    f, u, o, ct = cache.gamma_f, cache.gamma_u, cache.gamma_o, cache.c_tilde
    dc = (dc_next if dc_n else 0) + da_next * o * ((1 - cache.tanh_c ** 2) if tanh_d else 1)
    dz = {"u": dc * ct * u * (1 - u),
          "f": dc * (1 if f_no_cprev else cache.c_prev) * f * (1 - f),
          "o": da_next * (cache.c_next if o_from_c else cache.tanh_c) * o * (1 - o),
          "c": dc * u * (1 - (cache.tanh_c if cand_from_cell else ct) ** 2)}
    H = f.shape[1]
    rows = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(order)}
    grads = {"dxt": sum(dz[g] @ cache.Wx[rows[g]] for g in "ufoc"),
             "da_prev": sum(dz[g] @ cache.Wa[rows[g]] for g in "ufoc"),
             "dc_prev": dc * f if forget_past else dc}
    for g in "fuoc":
        grads[f"dW{g}x"] = dz[g].T @ cache.xt
        grads[f"dW{g}a"] = dz[g].T @ (cache.a_next if dW_from_a_next else cache.a_prev)
        grads[f"db{g}"] = dz[g] if db_not_summed else dz[g].sum(axis=0)
    return grads


for _name, _kw, _frag in [
        ("no tanh' on the path from a_next", dict(tanh_d=False), "goes through tanh"),
        ("dc_next ignored", dict(dc_n=False), "dc_next"),
        ("stacked blocks read as f, u, o, c", dict(order="fuoc"), "wrong order"),
        ("candidate derivative from the cell", dict(cand_from_cell=True), "1 - c̃**2"),
        ("dc_prev without the forget gate", dict(forget_past=False), "only through the forget gate"),
        ("output gate derivative with c_next instead of tanh(c_next)", dict(o_from_c=True), "tanh(c_next)"),
        ("forget gate derivative without c_prev", dict(f_no_cprev=True), "c_prev"),
        ("recurrent weight gradients from a_next", dict(dW_from_a_next=True), "a_prev"),
        ("bias gradients not summed", dict(db_not_summed=True), "summed over the batch")]:
    mistake(F, _name, _frag)(lambda da_next, dc_next, cache, _kw=_kw: _lstm_back(da_next, dc_next, cache, **_kw))


# ==================================================================== 07 hand_set_lstm
F = "hand_set_lstm"


def _hand(**change):
    zeros_a = np.zeros((1, 1))
    p = {"Wux": np.array([[0.0, 20.0, 0.0]]), "Wua": zeros_a, "bu": np.array([-10.0]),
         "Wfx": np.array([[0.0, 20.0, 0.0]]), "Wfa": zeros_a, "bf": np.array([10.0]),
         "Wox": np.array([[0.0, 0.0, 20.0]]), "Woa": zeros_a, "bo": np.array([-10.0]),
         "Wcx": np.array([[1.0, 0.0, 0.0]]), "Wca": zeros_a, "bc": np.array([0.0])}
    p.update(change)
    return {k: v for k, v in p.items() if v is not None}


for _name, _kw, _frag in [
        ("forget gate closed", dict(bf=np.array([-10.0])), "forget gate Γ_f is 0.000"),
        ("output gate always open", dict(bo=np.array([10.0])), "output gate Γ_o is 1.000"),
        ("update gate always open", dict(bu=np.array([10.0])), "update gate Γ_u is 1.000"),
        ("candidate saturated", dict(Wcx=np.array([[100.0, 0.0, 0.0]])), "it must be tanh(x1)"),
        ("forget bias too strong to erase", dict(bf=np.array([30.0])), "forget gate Γ_f is 1.000"),
        ("forget gate opened by erase", dict(Wfx=np.array([[0.0, -20.0, 0.0]])), "forget gate Γ_f"),
        ("output gate driven by x2", dict(Wox=np.array([[0.0, 20.0, 0.0]])), "output gate Γ_o"),
        ("candidate from x2", dict(Wcx=np.array([[0.0, 1.0, 0.0]])), "it must be tanh(x1)"),
        ("weights as flat vectors", dict(Wux=np.array([0.0, 20.0, 0.0])), "expected an array of shape (1, 3)"),
        ("a key missing", dict(bc=None), "no key 'bc'")]:
    mistake(F, _name, _frag)(lambda _kw=_kw: _hand(**_kw))
