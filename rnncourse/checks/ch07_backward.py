"""Checks for assignment 07, the LSTM step backward (lstm_cell_backward).

Expected values come from :func:`rnncourse.lstm.lstm_cell_backward`; a wrong answer is compared with
the answers of :func:`_lb_variant`, the backward with one switch per known mistake
(tests/test_check_variants.py proves that with every switch off it equals the package). The forward
checks and the hand-set weights are in :mod:`rnncourse.checks.ch07`.
"""
from __future__ import annotations

import numpy as np

from .. import lstm
from ._core import Case, Spec, register
from ._compare import describe, diagnose
from ._refs import refs
from .ch07 import LSTM_KEYS, STEP_AXES, _lstm_parts, _rand_params, _sizes


# ------------------------------------------------------------ lstm_cell_backward
LSTM_GRAD_KEYS = ("dxt", "da_prev", "dc_prev") + tuple("d" + k for k in LSTM_KEYS)


def _lb_visible():
    rng = np.random.default_rng(73)
    return [Case({"xt": rng.normal(size=(2, 3)), "a_prev": rng.normal(size=(2, 4)), "c_prev": rng.normal(size=(2, 4)),
                  "params": _rand_params(rng, LSTM_KEYS, 3, 4), "da_next": rng.normal(size=(2, 4)),
                  "dc_next": rng.normal(size=(2, 4))}, "N = 2, n_x = 3, n_a = 4")]


def _lb_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        out.append(Case({"xt": rng.normal(size=(N, n_x)), "a_prev": rng.normal(size=(N, n_a)),
                         "c_prev": rng.normal(size=(N, n_a)), "params": _rand_params(rng, LSTM_KEYS, n_x, n_a),
                         "da_next": rng.normal(size=(N, n_a)), "dc_next": rng.normal(size=(N, n_a))},
                        f"N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _lb_cache(a):
    return lstm.lstm_cell_forward(a["xt"], a["a_prev"], a["c_prev"], a["params"])[2]


def _lb_arguments(a):
    return (a["da_next"], a["dc_next"], _lb_cache(a)), {}


def _lb_variant(a, tanh_deriv=True, with_dc_next=True, blocks="fuoc", cand_deriv_from_cell=False,
                forget_to_past=True, o_from_c=False, f_without_c_prev=False, dWa_from_a_next=False):
    """The reference backward with one known mistake.

    ``blocks[k]`` is the gate whose weights are paired with gate ``"fuoc"[k]``'s
    pre-activation gradient in dxt and da_prev (e.g. ``"ufoc"``: f and u exchanged,
    what reading the stacked rows f, u, o, c in the old order u, f, o, c gives).
    """
    x, ap, cp, p, da, dcn = (a[k] for k in ("xt", "a_prev", "c_prev", "params", "da_next", "dc_next"))
    pre, f, u, o, ct = _lstm_parts(x, ap, cp, p)
    c = f * cp + u * ct
    tc = np.tanh(c)
    dc = (dcn if with_dc_next else 0.0) + da * o * ((1 - tc ** 2) if tanh_deriv else 1.0)
    dz = {"o": da * (c if o_from_c else tc) * o * (1 - o), "f": dc * (1.0 if f_without_c_prev else cp) * f * (1 - f),
          "u": dc * ct * u * (1 - u),
          "c": dc * u * (1 - (tc if cand_deriv_from_cell else ct) ** 2)}
    g = {"dxt": sum(dz[k] @ p[f"W{w}x"] for k, w in zip("fuoc", blocks)),
         "da_prev": sum(dz[k] @ p[f"W{w}a"] for k, w in zip("fuoc", blocks)),
         "dc_prev": dc * f if forget_to_past else dc}
    for k in "fuoc":
        g[f"dW{k}x"], g[f"dW{k}a"], g[f"db{k}"] = (dz[k].T @ x, dz[k].T @ (o * tc if dWa_from_a_next else ap),
                                                   dz[k].sum(axis=0))
    return g


def _lb_compare(case, got, expected):
    a = case.args
    if not isinstance(got, dict):
        return f"expected a dict of gradients with keys {list(LSTM_GRAD_KEYS)}, got {describe(got)}"
    missing = [k for k in LSTM_GRAD_KEYS if k not in got]
    if missing:
        return f"the returned dict has no key {missing[0]!r} (expected {list(LSTM_GRAD_KEYS)})"
    cache = {}

    def variant(name, **kw):
        if name not in cache:
            cache[name] = _lb_variant(a, **kw)
        return cache[name]
    for k in LSTM_GRAD_KEYS:
        problem = diagnose(got[k], expected[k], [
            ("the path from a_next to c_next goes through tanh: dc = dc_next + da_next * Γ_o * (1 - tanh(c_next)**2)",
             lambda k=k: variant("no tanh'", tanh_deriv=False)[k]),
            ("dc_next (the gradient arriving from step t + 1 through the cell) is not added to dc",
             lambda k=k: variant("no dc_next", with_dc_next=False)[k]),
            ("the gate blocks of the stacked weights are read in the wrong order: the rows of Wx and Wa are, "
             "in this order, f, u, o, c (Wx[:n_a] belongs to the forget gate)",
             lambda k=k: variant("blocks", blocks="ufoc")[k]),
            ("the gate blocks of the stacked weights are read in PyTorch's order i, f, g, o (u, f, c, o); the "
             "package stacks the rows in the order of the equations, f, u, o, c",
             lambda k=k: variant("torch blocks", blocks="ufco")[k]),
            ("the candidate's derivative is tanh' of its own pre-activation, 1 - c̃**2, not 1 - tanh(c_next)**2",
             lambda k=k: variant("cand deriv", cand_deriv_from_cell=True)[k]),
            ("the cell state reaches the past only through the forget gate: dc_prev = dc * Γ_f",
             lambda k=k: variant("no forget", forget_to_past=False)[k]),
            ("the output gate's gradient uses tanh(c_next), the value it multiplies: "
             "dz_o = da_next * tanh(c_next) * Γ_o * (1 - Γ_o), not c_next",
             lambda k=k: variant("o from c", o_from_c=True)[k]),
            ("the forget gate multiplies c_prev, so its gradient is dz_f = dc * c_prev * Γ_f * (1 - Γ_f)",
             lambda k=k: variant("f without c_prev", f_without_c_prev=True)[k]),
            ("the recurrent weight gradients use the state this step read: dW·a = dz.T @ a_prev, not a_next",
             lambda k=k: variant("dWa from a_next", dWa_from_a_next=True)[k]),
        ], k, axes={"dxt": ("example i", "input feature")}.get(
            k, STEP_AXES if k in ("da_prev", "dc_prev") else ("row", "column") if k.startswith("dW") else ("hidden unit",)))
        if (problem and k.startswith("db") and isinstance(got[k], np.ndarray) and got[k].ndim == 2
                and got[k].shape[1:] == expected[k].shape):
            return (f"{k}: expected shape {expected[k].shape}, got {got[k].shape}\nLikely cause: a bias gradient "
                    "must be summed over the batch (axis 0): one entry per hidden unit")
        if problem:
            if k == "dc_prev":
                problem += "\n(dc_prev = dc * Γ_f: the cell state reaches the past only through the forget gate.)"
            return problem
    return None


register(Spec("lstm_cell_backward", refs(lstm.lstm_cell_backward, lstm.lstm_backward),
              _lb_visible, _lb_random, expect=lambda c: lstm.lstm_cell_backward(c.args["da_next"], c.args["dc_next"],
                                                                           _lb_cache(c.args)),
              compare=_lb_compare, arguments=_lb_arguments))
