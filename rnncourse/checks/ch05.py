"""Checks for assignment 05 (backpropagation through time): the backward passes rnn_cell_backward and rnn_backward.

Clipping and the gradient check are checked in :mod:`rnncourse.checks.ch05_gradients`.
"""
from __future__ import annotations

import numpy as np

from .. import rnn as ref
from ._refs import refs
from ._core import Case, Raised, Spec, register
from ._compare import ATOL, RTOL, describe, diagnose, first_difference

CELL_KEYS = ("dxt", "da_prev", "dWax", "dWaa", "dba")
SEQ_KEYS = ("dx", "da0", "dWax", "dWaa", "dba")
AXES = {"dxt": ("example i", "input feature"), "da_prev": ("example i", "hidden unit"),
        "dx": ("time step t", "example i", "input feature"), "da0": ("example i", "hidden unit"),
        "dWax": ("row", "column"), "dWaa": ("row", "column"), "dba": ("hidden unit",)}


def _problem(rng, T=None, k=None):
    N, n_x, n_a = int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 7))
    if k == 0:
        N = 1  # boundary sizes on the first hidden cases: N = 1, n_x = n_a, n_x != n_a
    elif k == 1:
        n_x = n_a
    elif k == 2 and n_x == n_a:
        n_x = n_a + 1
    p = {"Wax": rng.normal(0, 0.6, (n_a, n_x)), "Waa": rng.normal(0, 0.6, (n_a, n_a)), "ba": rng.normal(0, 0.5, n_a)}
    shape = (N, n_x) if T is None else (T, N, n_x)
    return rng.normal(size=shape), rng.normal(size=(N, n_a)), p


MATMUL_HINT = ("\nLikely cause: a matrix product with mismatched shapes. With dz = da * (1 - a**2) of shape "
               "(N, n_a): dx = dz @ Wax, da_prev = dz @ Waa (no transposes: the forward used x @ Wax.T and "
               "a_prev @ Waa.T), dWax = dz.T @ x and dWaa = dz.T @ a_prev")


def _compare_dict(got, expected, keys, causes_for, shape_hint=None):
    """Compare a dict of gradients key by key; ``causes_for(key)`` lists known mistakes.

    ``shape_hint(key, got_array)``: a likely cause for an array of the wrong shape, or None.
    """
    if isinstance(got, Raised) and ("matmul" in got.message or "not aligned" in got.message):
        return f"expected a dict with keys {list(keys)}, got {describe(got)}" + MATMUL_HINT.replace(
            "dx = dz @ Wax", "dxt = dz @ Wax" if "dxt" in keys else "dx[t] = dz @ Wax")
    if not isinstance(got, dict):
        return f"expected a dict with keys {list(keys)}, got {describe(got)}"
    missing = [k for k in keys if k not in got]
    if missing:
        return f"the returned dict has no key {missing[0]!r} (expected keys {list(keys)})"
    for k in keys:
        if (shape_hint is not None and isinstance(got[k], np.ndarray)
                and got[k].shape != np.shape(expected[k])):
            hint = shape_hint(k, got[k])
            if hint:
                return f"{k}: expected shape {np.shape(expected[k])}, got {got[k].shape}\nLikely cause: {hint}"
        problem = diagnose(got[k], expected[k], causes_for(k), k, axes=AXES[k])
        if problem:
            return problem
    return None


def _dba_shape_hint(N):
    def hint(k, arr):
        if k == "dba" and arr.shape == (N,):
            return "dba sums dz over the examples (axis 0), not over the hidden units (axis 1)"
        if k == "dba" and arr.ndim == 2:
            return "dba must be summed over the batch (axis 0): it has one entry per hidden unit"
        return None
    return hint


# ----------------------------------------------------------------- rnn_cell_backward
def _cb_visible():
    rng = np.random.default_rng(50)
    xt, a_prev, p = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), {
        "Wax": rng.normal(0, 0.6, (4, 3)), "Waa": rng.normal(0, 0.6, (4, 4)), "ba": rng.normal(0, 0.5, 4)}
    return [Case({"xt": xt, "a_prev": a_prev, **p, "da_next": rng.normal(size=(2, 4))},
                 "N = 2, n_x = 3, n_a = 4")]


def _cb_random(rng):
    out = []
    for k in range(6):
        xt, a_prev, p = _problem(rng, k=k)
        out.append(Case({"xt": xt, "a_prev": a_prev, **p, "da_next": rng.normal(size=a_prev.shape)},
                        f"N = {xt.shape[0]}, n_x = {xt.shape[1]}, n_a = {a_prev.shape[1]}"))
    return out


def _cb_arguments(a):
    _, cache = ref.rnn_cell_forward(a["xt"], a["a_prev"], a["Wax"], a["Waa"], a["ba"])
    return (a["da_next"], cache), {}


def _cb_expect(case):
    a = case.args
    return ref.rnn_cell_backward(a["da_next"], ref.rnn_cell_forward(a["xt"], a["a_prev"], a["Wax"], a["Waa"], a["ba"])[1])


def _cell_wrong(a, dz):
    return {"dxt": dz @ a["Wax"], "da_prev": dz @ a["Waa"], "dWax": dz.T @ a["xt"],
            "dWaa": dz.T @ a["a_prev"], "dba": dz.sum(axis=0)}


def _cb_compare(case, got, expected):
    a = case.args
    z = a["xt"] @ a["Wax"].T + a["a_prev"] @ a["Waa"].T + a["ba"]
    with_z = _cell_wrong(a, a["da_next"] * (1 - z ** 2))
    no_deriv = _cell_wrong(a, a["da_next"])
    a_next = np.tanh(z)
    right_dz = a["da_next"] * (1 - a_next ** 2)
    sig = _cell_wrong(a, a["da_next"] * a_next * (1 - a_next))
    at_prev = _cell_wrong(a, a["da_next"] * (1 - a["a_prev"] ** 2))

    def causes(k):
        c = [("the tanh derivative was taken at the pre-activation: use 1 - a_next**2 = 1 - tanh(z)**2, "
              "not 1 - z**2", with_z[k]),
             ("the tanh derivative is missing: dz = da_next * (1 - a_next**2)", no_deriv[k]),
             ("a * (1 - a) is the sigmoid's derivative; tanh's is 1 - a_next**2", sig[k]),
             ("the tanh derivative is taken at the output of this step, 1 - a_next**2, not at a_prev",
              at_prev[k])]
        if k == "da_prev":
            c.append(("da_prev = dz @ Waa, not dz @ Waa.T (the forward used a_prev @ Waa.T)",
                      lambda: right_dz @ a["Waa"].T))
        if k == "dxt":
            c.append(("dxt = dz @ Wax, not dz @ Wax.T (the forward used xt @ Wax.T)",
                      lambda: right_dz @ a["Wax"].T))
        if k == "dWaa":
            c.append(("dWaa = dz.T @ a_prev: the state this step read, not the new state a_next",
                      lambda: right_dz.T @ a_next))
        if k == "dba" and right_dz.shape[0] == right_dz.shape[1]:
            c.append(("dba sums dz over the examples (axis 0), not over the hidden units (axis 1)",
                      lambda: right_dz.sum(axis=1)))
        if k in ("dWax", "dWaa"):
            c.append((f"{k} is transposed: it has the shape of the weight, (out, in) = dz.T @ input",
                      lambda: _cell_wrong(a, right_dz)[k].T))
        if k == "dba":
            c.append(("dba must be summed over the batch (axis 0)", right_dz))
        return c
    return _compare_dict(got, expected, CELL_KEYS, causes, _dba_shape_hint(a["xt"].shape[0]))


register(Spec("rnn_cell_backward", refs(ref.rnn_cell_backward, ref.rnn_backward),
              _cb_visible, _cb_random, expect=_cb_expect, compare=_cb_compare, arguments=_cb_arguments))


# ---------------------------------------------------------------------- rnn_backward
def _sb_visible():
    rng = np.random.default_rng(51)
    x, a0, p = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 3)), {
        "Wax": rng.normal(0, 0.6, (3, 2)), "Waa": rng.normal(0, 0.6, (3, 3)), "ba": rng.normal(0, 0.5, 3)}
    return [Case({"x": x, "a0": a0, **p, "da": rng.normal(size=(3, 2, 3))}, "T = 3, N = 2, n_x = 2, n_a = 3")]


def _sb_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 0 else int(rng.integers(2, 7))
        x, a0, p = _problem(rng, T, k=(k + 1) % 6)
        da = rng.normal(size=(T,) + a0.shape)
        if k % 3 == 2:
            da[:-1] = 0.0  # a loss on the last step only: everything earlier comes through time
        out.append(Case({"x": x, "a0": a0, **p, "da": da},
                        f"T = {T}, N = {x.shape[1]}, n_x = {x.shape[2]}, n_a = {a0.shape[1]}"
                        + (", loss on the last step only" if k % 3 == 2 else "")))
    x, a0, p = _problem(rng, 40)  # and one long sequence
    out.append(Case({"x": x, "a0": a0, **p, "da": rng.normal(size=(40,) + a0.shape)},
                    f"a long sequence: T = 40, N = {x.shape[1]}, n_x = {x.shape[2]}, n_a = {a0.shape[1]}"))
    return out


def _sb_arguments(a):
    _, cache = ref.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])
    return (a["da"], cache), {}


def _sb_expect(case):
    a = case.args
    return ref.rnn_backward(a["da"], ref.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])[1])


def _bptt_variant(a, carry_on=True, accumulate=True, deriv="a", reverse=True, shift=True, first=True,
                  carry_after=False, waa_t=False, a0_zero=False):
    """Reference BPTT with one known mistake switched in."""
    x, a0, Wax, Waa = a["x"], a["a0"], a["Wax"], a["Waa"]
    hs, cache = ref.rnn_forward(x, a0, Wax, Waa, a["ba"])
    T = x.shape[0]
    g = {"dx": np.zeros_like(x), "dWax": np.zeros_like(Wax), "dWaa": np.zeros_like(Waa),
         "dba": np.zeros_like(a["ba"])}
    carry = np.zeros_like(a0)
    steps = range(T) if first else range(1, T)
    for t in (reversed(steps) if reverse else steps):
        d = 1 - hs[t] ** 2 if deriv == "a" else 1 - cache.z[t] ** 2
        if carry_after:
            dz = a["da"][t] * d + carry
        else:
            dz = (a["da"][t] + (carry if carry_on else 0.0)) * d
        prev = ((np.zeros_like(a0) if a0_zero else a0) if t == 0 else hs[t - 1]) if shift else hs[t]
        g["dx"][t] = dz @ Wax
        if accumulate:
            g["dWax"] += dz.T @ x[t]
            g["dWaa"] += dz.T @ prev
            g["dba"] += dz.sum(axis=0)
        else:  # overwritten at every step: only one step's contribution survives
            g["dWax"], g["dWaa"], g["dba"] = dz.T @ x[t], dz.T @ prev, dz.sum(axis=0)
        carry = dz @ (Waa.T if waa_t else Waa)
    g["da0"] = carry
    return g


def _sb_compare(case, got, expected):
    a = case.args
    variants = {
        "the gradient from step t + 1 is not passed back: add da_prev of step t + 1 to da[t]":
            lambda: _bptt_variant(a, carry_on=False),
        "the weight gradients are not accumulated over time: each step must ADD its contribution (+=)":
            lambda: _bptt_variant(a, accumulate=False),
        "the tanh derivative was taken at the pre-activation: use 1 - a[t]**2":
            lambda: _bptt_variant(a, deriv="z"),
        "off by one in time: dWaa needs the state BEFORE step t, a[t - 1] (a0 at the first step), not a[t]":
            lambda: _bptt_variant(a, shift=False),
        "time runs the wrong way: backpropagation starts at the last time step, t = T, and goes back to t = 1":
            lambda: _bptt_variant(a, reverse=False),
        "the first time step (t = 1, index 0) is skipped: the loop must go back to it (and da0 comes from it)":
            lambda: _bptt_variant(a, first=False),
        "the gradient from step t + 1 must be added to da[t] before multiplying by tanh', not after":
            lambda: _bptt_variant(a, carry_after=True),
        "the gradient passes back to the previous step as dz @ Waa, not dz @ Waa.T":
            lambda: _bptt_variant(a, waa_t=True),
        "at the first time step the previous state is a0, not zeros (dWaa gets dz.T @ a0 there)":
            lambda: _bptt_variant(a, a0_zero=True),
    }
    # a mistake is named on a gradient only if no other known mistake gives the same value there
    # (skipping the first step and using zeros for a0 give the same dWaa); if several do, only the
    # one that reproduces every gradient is named. A mistake in one line (dWax overwritten, dWaa
    # accumulated) still matches on the gradient it touches.
    computed = {}
    for msg, fn in variants.items():
        try:
            computed[msg] = fn()
        except Exception:
            pass

    def same(x, y):
        return isinstance(x, np.ndarray) and x.shape == y.shape and first_difference(x, y, RTOL, ATOL) is None

    def causes(k):
        on_k = [msg for msg, alt in computed.items() if same(got[k], alt[k])]
        if len(on_k) > 1:
            on_k = [msg for msg in on_k if all(same(got.get(q), computed[msg][q]) for q in SEQ_KEYS)]
        return [(on_k[0], computed[on_k[0]][k])] if len(on_k) == 1 else []
    return _compare_dict(got, expected, SEQ_KEYS, causes, _dba_shape_hint(a["x"].shape[1]))


register(Spec("rnn_backward", refs(ref.rnn_backward), _sb_visible, _sb_random,
              expect=_sb_expect, compare=_sb_compare, arguments=_sb_arguments))
