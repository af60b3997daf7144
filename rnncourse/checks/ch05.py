"""Checks for assignment 05 (backpropagation through time): backward passes, clipping, gradient check."""
from __future__ import annotations

import numpy as np

from .. import gradcheck
from .. import losses
from .. import rnn as ref
from ..grading import fixtures
from ..grading.wire import Fixture
from ._refs import refs
from ._core import ATOL, RTOL, Case, Raised, Spec, close, describe, diagnose, first_difference, register

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
            ("clipping into [0, max_value] drops the sign: the interval is [-max_value, max_value]",
             np.clip(g[k], 0, m)),
            ("entries outside the interval are set to the bound (-max_value or max_value), not to 0",
             np.where(np.abs(g[k]) > m, 0.0, g[k])),
            ("the bounds are swapped: np.clip(g, -max_value, max_value), lower bound first",
             np.full_like(g[k], -m)),
            ("the bounds are swapped: np.clip(g, -max_value, max_value), lower bound first",
             np.full_like(g[k], m)),
        ], f"grads[{k!r}]", axes=("row", "column")[:np.ndim(expected[k])])
        if problem:
            return problem
    return None


register(Spec("clip_by_value", refs(losses.clip_by_value), _cv_visible, _cv_random,
              expect=lambda c: losses.clip_by_value(**c.args), compare=_cv_compare,
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
        elif isinstance(got_norm, (int, float)) and close(got_norm, norm ** 2):
            msg += "\nLikely cause: the square root is missing: the norm is sqrt(sum of every squared entry)"
        elif isinstance(got_norm, (int, float)) and close(got_norm, sum(per.values())):
            msg += ("\nLikely cause: the per-gradient norms were added; the global norm is the "
                    "sqrt of the sum of every squared entry")
        elif isinstance(got_norm, (int, float)) and close(got_norm, min(norm, m)) and norm > m:
            msg += "\nLikely cause: the norm was measured after clipping; return the norm before clipping"
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
            ("the scale is upside down: multiply by max_norm / norm, not norm / max_norm",
             g[k] * min(1.0, norm / m)),
        ], f"clipped[{k!r}]", rtol=1e-5, axes=("row", "column")[:np.ndim(clipped[k])])
        if problem:
            return problem
    return None


register(Spec("clip_by_norm", refs(losses.clip_by_norm), _cn_visible, _cn_random,
              expect=lambda c: losses.clip_by_norm(**c.args), compare=_cn_compare,
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


def _gc_numeric(f, x, h, one_sided=False, restore=True, denom=2.0, only_first=False):
    """A central (or wrong) difference gradient of f at x, as a student might compute it."""
    num = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        if only_first and any(j):
            continue
        old = x[j]
        if one_sided:
            base = f()
            x[j] = old + h
            num[j] = (f() - base) / h
            x[j] = old
            continue
        x[j] = old + h
        plus = f()
        x[j] = old - h
        minus = f()
        if restore:
            x[j] = old
        num[j] = (plus - minus) / (denom * h)
    return num


def _gc_rel(a, n):
    return float(np.max(np.abs(a - n)) / np.max(np.abs(a) + np.abs(n)))


GC_MISTAKES = {
    "a one-sided difference (f(x + h) - f(x)) / h is only O(h) accurate: use the central difference "
    "(f(x + h) - f(x - h)) / (2h)": lambda f, x, a: _gc_rel(a, _gc_numeric(f, x, 1e-6, one_sided=True)),
    "x is not restored after each change: put x[j] back to its old value before the next entry":
        lambda f, x, a: _gc_rel(a, _gc_numeric(f, x, 1e-6, restore=False)),
    "the central difference divides by 2h, not h":
        lambda f, x, a: _gc_rel(a, _gc_numeric(f, x, 1e-6, denom=1.0)),
    "only the first entry of x was perturbed: loop over every entry (np.ndindex(x.shape))":
        lambda f, x, a: _gc_rel(a, _gc_numeric(f, x, 1e-6, only_first=True)),
    "this is the absolute error max|a - n|; the relative error divides it by max(|a| + |n|)":
        lambda f, x, a: float(np.max(np.abs(a - _gc_numeric(f, x, 1e-6)))),
    "the denominator must be max(|a| + |n|) with absolute values, not max(a + n)":
        lambda f, x, a: (lambda n: float(np.max(np.abs(a - n)) / np.max(a + n)))(_gc_numeric(f, x, 1e-6)),
    "the relative error uses the largest entries (max), not the means":
        lambda f, x, a: (lambda n: float(np.mean(np.abs(a - n)) / np.mean(np.abs(a) + np.abs(n))))(
            _gc_numeric(f, x, 1e-6)),
}


def _gc_cause(case, got, expected):
    """The known mistake whose result matches ``got`` (and not the right answer), if exactly one does."""
    matches = set()
    for cause, compute in GC_MISTAKES.items():
        try:
            value = compute(*_gc_function(case.args))
        except Exception:
            continue
        differs = abs(value - expected) > 0.05 * abs(expected) + 1e-9 and not (value < 1e-7 and expected < 1e-7)
        if differs and abs(got - value) <= 0.05 * abs(value) + 1e-12:
            matches.add(cause)
    return matches.pop() if len(matches) == 1 else None


def _gc_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if isinstance(got, np.ndarray):
        return (f"expected the relative error as a float, got {describe(got)}\nLikely cause: the numerical "
                "gradient was returned; grad_check returns one number, max|a - n| / max(|a| + |n|)")
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"expected the relative error as a float, got {describe(got)}"
    if case.args["correct"]:
        if got < 1e-7:
            return None
        msg = (f"the analytic gradient is correct, so the relative error should be tiny "
               f"(the reference finds {expected:.1e}), got {got:.3g}")
    else:
        if abs(got - expected) <= 0.01 * expected:
            return None
        msg = (f"the analytic gradient is wrong, so the relative error should be large: expected {expected:.4g}, "
               f"got {got:.4g} (relative error = max|a - n| / max(|a| + |n|))")
    cause = _gc_cause(case, got, expected)
    return msg + (f"\nLikely cause: {cause}" if cause else "")


register(Spec("grad_check", refs(gradcheck.numerical_gradient, gradcheck.relative_error),
              _gc_visible, _gc_random, expect=_gc_expect, compare=_gc_compare, arguments=_gc_arguments))
