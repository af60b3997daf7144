"""Realistic mistakes in assignment 05-bptt: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "05-bptt"

MUTANTS = [
    Mutant(A, "tanh derivative at the pre-activation", "rnn_cell_backward",
           "(1 - cache.a_next ** 2)", "(1 - cache.z ** 2)", "test_rnn_cell_backward", "pre-activation"),
    Mutant(A, "dba not summed over the batch", "rnn_cell_backward",
           '"dba": dz.sum(axis=0)', '"dba": dz', "test_rnn_cell_backward", "dba"),
    Mutant(A, "weight gradient not accumulated across time", "rnn_backward",
           "dWax += dz.T @ cache.x[t]", "dWax = dz.T @ cache.x[t]", "test_rnn_backward", "not accumulated over time"),
    Mutant(A, "gradient from the future dropped", "rnn_backward",
           "(da[t] + da_prev)", "(da[t])", "test_rnn_backward", "not passed back"),
    Mutant(A, "off by one in time", "rnn_backward",
           "a_before = cache.a0 if t == 0 else cache.a[t - 1]", "a_before = cache.a[t]",
           "test_rnn_backward", "off by one in time"),
    Mutant(A, "clipping one side only", "clip_by_value",
           "np.clip(g, -max_value, max_value)", "np.minimum(g, max_value)", "test_clip_by_value",
           "only the upper side"),
    Mutant(A, "clipping below the threshold", "clip_by_norm",
           "scale = min(1.0, max_norm / (norm + 1e-6))", "scale = max_norm / (norm + 1e-6)",
           "test_clip_by_norm", "must not change"),
    Mutant(A, "per-gradient norm", "clip_by_norm",
           "norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))",
           "norm = float(max(np.sqrt(np.sum(g ** 2)) for g in grads.values()))",
           "test_clip_by_norm", "over ALL gradients together"),
    Mutant(A, "one-sided difference", "grad_check",
           "numeric[j] = (plus - minus) / (2 * h)", "numeric[j] = (plus - f()) / h",
           "test_grad_check", "one-sided"),
    Mutant(A, "x not restored", "grad_check",
           "x[j] = old  # restore before the next entry", "pass", "test_grad_check", "should be tiny"),
]


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
