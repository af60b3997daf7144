"""Checks for assignment 05 (backpropagation through time): backward passes, clipping, gradient check."""
from __future__ import annotations

import numpy as np

from .. import gradcheck
from .. import rnn as ref
from ..grading import fixtures
from ..grading.wire import Fixture
from ._core import Case, Spec, close, describe, diagnose, register

CELL_KEYS = ("dxt", "da_prev", "dWax", "dWaa", "dba")
SEQ_KEYS = ("dx", "da0", "dWax", "dWaa", "dba")
AXES = {"dxt": ("example i", "input feature"), "da_prev": ("example i", "hidden unit"),
        "dx": ("time step t", "example i", "input feature"), "da0": ("example i", "hidden unit"),
        "dWax": ("row", "column"), "dWaa": ("row", "column"), "dba": ("hidden unit",)}


def _problem(rng, T=None):
    N, n_x, n_a = int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 7))
    p = {"Wax": rng.normal(0, 0.6, (n_a, n_x)), "Waa": rng.normal(0, 0.6, (n_a, n_a)), "ba": rng.normal(0, 0.5, n_a)}
    shape = (N, n_x) if T is None else (T, N, n_x)
    return rng.normal(size=shape), rng.normal(size=(N, n_a)), p


def _compare_dict(got, expected, keys, causes_for):
    """Compare a dict of gradients key by key; ``causes_for(key)`` lists known mistakes."""
    if not isinstance(got, dict):
        return f"expected a dict with keys {list(keys)}, got {describe(got)}"
    missing = [k for k in keys if k not in got]
    if missing:
        return f"the returned dict has no key {missing[0]!r} (expected keys {list(keys)})"
    for k in keys:
        problem = diagnose(got[k], expected[k], causes_for(k), k, axes=AXES[k])
        if problem:
            return problem
    return None


# ----------------------------------------------------------------- rnn_cell_backward
def _cb_visible():
    rng = np.random.default_rng(50)
    xt, a_prev, p = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), {
        "Wax": rng.normal(0, 0.6, (4, 3)), "Waa": rng.normal(0, 0.6, (4, 4)), "ba": rng.normal(0, 0.5, 4)}
    return [Case({"xt": xt, "a_prev": a_prev, **p, "da_next": rng.normal(size=(2, 4))},
                 "N = 2, n_x = 3, n_a = 4")]


def _cb_random(rng):
    out = []
    for _ in range(6):
        xt, a_prev, p = _problem(rng)
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
    right_dz = a["da_next"] * (1 - np.tanh(z) ** 2)

    def causes(k):
        c = [("the tanh derivative was taken at the pre-activation: use 1 - a_next**2 = 1 - tanh(z)**2, "
              "not 1 - z**2", with_z[k]),
             ("the tanh derivative is missing: dz = da_next * (1 - a_next**2)", no_deriv[k])]
        if k in ("dWax", "dWaa"):
            c.append((f"{k} is transposed: it has the shape of the weight, (out, in) = dz.T @ input",
                      lambda: _cell_wrong(a, right_dz)[k].T))
        if k == "dba":
            c.append(("dba must be summed over the batch (axis 0)", right_dz))
        return c
    return _compare_dict(got, expected, CELL_KEYS, causes)


register(Spec("rnn_cell_backward", ("rnncourse.rnn.rnn_cell_backward", "rnncourse.rnn.rnn_backward"),
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
        x, a0, p = _problem(rng, T)
        da = rng.normal(size=(T,) + a0.shape)
        if k % 3 == 2:
            da[:-1] = 0.0  # a loss on the last step only: everything earlier comes through time
        out.append(Case({"x": x, "a0": a0, **p, "da": da},
                        f"T = {T}, N = {x.shape[1]}, n_x = {x.shape[2]}, n_a = {a0.shape[1]}"
                        + (", loss on the last step only" if k % 3 == 2 else "")))
    return out


def _sb_arguments(a):
    _, cache = ref.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])
    return (a["da"], cache), {}


def _sb_expect(case):
    a = case.args
    return ref.rnn_backward(a["da"], ref.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])[1])


def _bptt_variant(a, carry_on=True, accumulate=True, deriv="a", reverse=True, shift=True):
    """Reference BPTT with one known mistake switched in."""
    x, a0, Wax, Waa = a["x"], a["a0"], a["Wax"], a["Waa"]
    hs, cache = ref.rnn_forward(x, a0, Wax, Waa, a["ba"])
    T = x.shape[0]
    g = {"dx": np.zeros_like(x), "dWax": np.zeros_like(Wax), "dWaa": np.zeros_like(Waa),
         "dba": np.zeros_like(a["ba"])}
    carry = np.zeros_like(a0)
    for t in (reversed(range(T)) if reverse else range(T)):
        total = a["da"][t] + (carry if carry_on else 0.0)
        d = 1 - hs[t] ** 2 if deriv == "a" else 1 - cache.z[t] ** 2
        dz = total * d
        prev = (a0 if t == 0 else hs[t - 1]) if shift else hs[t]
        g["dx"][t] = dz @ Wax
        if accumulate:
            g["dWax"] += dz.T @ x[t]
            g["dWaa"] += dz.T @ prev
            g["dba"] += dz.sum(axis=0)
        else:  # overwritten at every step: only one step's contribution survives
            g["dWax"], g["dWaa"], g["dba"] = dz.T @ x[t], dz.T @ prev, dz.sum(axis=0)
        carry = dz @ Waa
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
        "off by one in time: dWaa needs the state BEFORE step t, a[t - 1] (a0 at t = 0), not a[t]":
            lambda: _bptt_variant(a, shift=False),
        "time runs the wrong way: backpropagation starts at the last step, t = T - 1, and goes back to 0":
            lambda: _bptt_variant(a, reverse=False),
    }
    cache = {}

    def causes(k):
        out = []
        for msg, fn in variants.items():
            def alt(fn=fn, msg=msg):
                if msg not in cache:
                    cache[msg] = fn()
                return cache[msg][k]
            out.append((msg, alt))
        return out
    return _compare_dict(got, expected, SEQ_KEYS, causes)


register(Spec("rnn_backward", ("rnncourse.rnn.rnn_backward",), _sb_visible, _sb_random,
              expect=_sb_expect, compare=_sb_compare, arguments=_sb_arguments))


# ------------------------------------------------------------------- clip_by_value
def _grads(rng, scale):
    n_a, n_x = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    return {"dWax": rng.normal(0, scale, (n_a, n_x)), "dWaa": rng.normal(0, scale, (n_a, n_a)),
            "dba": rng.normal(0, scale, n_a)}


def _cv_visible():
    return [Case({"grads": {"dW": np.array([[0.5, -7.0], [12.0, 3.0]]), "db": np.array([-20.0, 1.0])},
                  "max_value": 5.0}, "max_value = 5: entries outside [-5, 5] are cut")]


def _cv_random(rng):
    return [Case({"grads": _grads(rng, float(rng.uniform(0.5, 20))), "max_value": float(rng.uniform(0.5, 5))},
                 "random gradients") for _ in range(5)]


def _cv_compare(case, got, expected):
    g, m = case.args["grads"], case.args["max_value"]
    if not isinstance(got, dict) or set(got) != set(expected):
        return f"expected a dict with the same keys {sorted(expected)}, got {describe(got)}"
    for k in sorted(expected):
        problem = diagnose(got[k], expected[k], [
            ("only the upper side was clipped: values below -max_value must become -max_value", np.minimum(g[k], m)),
            ("only the lower side was clipped: values above max_value must become max_value", np.maximum(g[k], -m)),
            ("clipping by value cuts each entry; it does not rescale the whole gradient",
             g[k] * min(1.0, m / (np.linalg.norm(g[k]) + 1e-6))),
        ], f"grads[{k!r}]")
        if problem:
            return problem
    return None


register(Spec("clip_by_value", ("rnncourse.rnn.clip_by_value",), _cv_visible, _cv_random,
              expect=lambda c: ref.clip_by_value(**c.args), compare=_cv_compare,
              must_not_change=("grads",)))


# -------------------------------------------------------------------- clip_by_norm
def _cn_visible():
    return [Case({"grads": {"dW": np.array([[3.0, 0.0], [0.0, 0.0]]), "db": np.array([4.0, 0.0])},
                  "max_norm": 1.0}, "global norm 5, max_norm 1: everything is scaled by 1 / 5"),
            Case({"grads": {"dW": np.array([[0.3]]), "db": np.array([0.4])}, "max_norm": 1.0},
                 "global norm 0.5 < max_norm: nothing changes")]


def _cn_random(rng):
    out = []
    for k in range(6):
        g = _grads(rng, float(rng.uniform(0.5, 5)))
        norm = float(np.sqrt(sum(np.sum(v ** 2) for v in g.values())))
        m = norm * (0.3 if k % 3 else 2.0)  # mostly above the threshold, sometimes below
        out.append(Case({"grads": g, "max_norm": m}, f"global norm {norm:.3g}, max_norm {m:.3g}"))
    return out


def _cn_compare(case, got, expected):
    g, m = case.args["grads"], case.args["max_norm"]
    clipped, norm = expected
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], dict)):
        return f"expected a tuple (clipped grads dict, norm), got {describe(got)}"
    got_norm = got[1]
    if isinstance(got_norm, np.ndarray) and got_norm.shape == ():
        got_norm = got_norm.item()
    if not isinstance(got_norm, (int, float)) or not close(got_norm, norm):
        per = {k: float(np.linalg.norm(v)) for k, v in g.items()}
        msg = f"norm: expected the global norm {norm:.6g} before clipping, got {got_norm!r}"
        if isinstance(got_norm, (int, float)) and any(abs(got_norm - v) < 1e-9 for v in per.values()):
            msg += "\nLikely cause: the norm is over ALL gradients together: sqrt of the sum of every squared entry"
        return msg
    if set(got[0]) != set(clipped):
        return f"expected a dict with keys {sorted(clipped)}, got keys {sorted(got[0])}"
    for k in sorted(clipped):
        problem = diagnose(got[0][k], clipped[k], [
            ("each gradient was clipped by its own norm; clip by the global norm of all of them together",
             g[k] * min(1.0, m / (np.linalg.norm(g[k]) + 1e-6))),
            ("gradients below the threshold must not change: scale = min(1, max_norm / (norm + 1e-6))",
             g[k] * m / (norm + 1e-6)),
            ("the scale is upside down: multiply by max_norm / norm, not norm / max_norm", g[k] * norm / m),
        ], f"clipped[{k!r}]", rtol=1e-5)
        if problem:
            return problem
    return None


register(Spec("clip_by_norm", ("rnncourse.rnn.clip_by_norm",), _cn_visible, _cn_random,
              expect=lambda c: ref.clip_by_norm(**c.args), compare=_cn_compare,
              must_not_change=("grads",)))


# ---------------------------------------------------------------------- grad_check
def _gc_function(a):
    """f(x) = sum(tanh(x @ A) * B): smooth, with a known gradient (built by the fixture)."""
    return fixtures.build("gradcheck_call", a)


def _gc_case(rng, correct):
    n, d, k = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    args = {"x": rng.normal(size=(n, d)), "A": rng.normal(0, 0.7, (d, k)), "B": rng.normal(size=(n, k)),
            "correct": correct, "error": rng.normal(0, 0.3, (n, d))}
    return Case(args, f"x of shape {(n, d)}, {'correct' if correct else 'WRONG'} analytic gradient")


def _gc_visible():
    rng = np.random.default_rng(52)
    return [_gc_case(rng, True), _gc_case(rng, False)]


def _gc_random(rng):
    return [_gc_case(rng, bool(k % 2 == 0)) for k in range(6)]


def _gc_arguments(a):
    # f reads x, which grad_check perturbs in place: the three are built together, on the side that calls
    return Fixture("gradcheck_call", dict(a)), {}


def _gc_expect(case):
    f, x, analytic = _gc_function(case.args)
    return gradcheck.relative_error(analytic, gradcheck.numerical_gradient(f, x, h=1e-6))


def _gc_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"expected the relative error as a float, got {describe(got)}"
    if case.args["correct"]:
        if got < 1e-7:
            return None
        msg = (f"the analytic gradient is correct, so the relative error should be tiny "
               f"(the reference finds {expected:.1e}), got {got:.3g}")
        if 1e-7 <= got < 1e-3:
            msg += ("\nLikely cause: a one-sided difference (f(x + h) - f(x)) / h is only O(h) accurate: "
                    "use the central difference (f(x + h) - f(x - h)) / (2h)")
        elif abs(got - 1 / 3) < 0.05 or abs(got - 1.0) < 0.05:
            msg += "\nLikely cause: the central difference divides by 2h, not h"
        return msg
    if abs(got - expected) <= 0.01 * expected:
        return None
    return (f"the analytic gradient is wrong, so the relative error should be large: expected {expected:.4g}, "
            f"got {got:.4g} (relative error = max|a - n| / max(|a| + |n|); is x restored after each change?)")


register(Spec("grad_check", ("rnncourse.gradcheck.numerical_gradient", "rnncourse.gradcheck.relative_error"),
              _gc_visible, _gc_random, expect=_gc_expect, compare=_gc_compare, arguments=_gc_arguments))
