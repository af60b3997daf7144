"""Checks for assignment 05, working with gradients: clip_by_value, clip_by_norm, grad_check.

The backward passes (rnn_cell_backward, rnn_backward) are checked in :mod:`rnncourse.checks.ch05`.
"""
from __future__ import annotations

import numpy as np

from .. import gradcheck
from .. import losses
from ..grading import fixtures
from ..grading.wire import Fixture
from ._refs import refs
from ._core import Case, Spec, register
from ._compare import close, describe, diagnose


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
