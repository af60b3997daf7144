"""Checks for assignment 07 (gated units): GRU and LSTM steps, LSTM sequence, hand-set weights.

The LSTM step backward is checked in :mod:`rnncourse.checks.ch07_backward`.
"""
from __future__ import annotations

import numpy as np

from .. import gru, lstm
from ..losses import sigmoid
from ..tasks import memory_task_inputs, memory_task_targets
from ._core import boundary_sizes as _bound  # N = 1, n_x = n_a and n_x != n_a first
from ._core import Case, Spec, register
from ._compare import ATOL, RTOL, compare_arrays, describe, diagnose, first_difference
from ._refs import refs

STEP_AXES = ("example i", "hidden unit")
SEQ_AXES = ("time step t", "example i", "hidden unit")
GRU_KEYS = ("Wrx", "Wra", "br", "Wux", "Wua", "bu", "Wcx", "Wca", "bc")
LSTM_KEYS = ("Wfx", "Wfa", "bf", "Wux", "Wua", "bu", "Wox", "Woa", "bo", "Wcx", "Wca", "bc")


_sig = sigmoid  # the package's one sigmoid


def _rand_params(rng, keys, n_x, n_a, scale=0.7):
    p = {}
    for k in keys:
        shape = (n_a, n_x) if k.endswith("x") else (n_a, n_a) if k.startswith("W") else (n_a,)
        p[k] = rng.normal(0, scale if k.startswith("W") else 0.5, shape)
    return p


def _sizes(rng, k=None):
    return _bound(k, *(int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 6))))





# ---------------------------------------------------------------------- gru_step
def _gru_visible():
    rng = np.random.default_rng(70)
    return [Case({"xt": rng.normal(size=(2, 3)), "a_prev": rng.normal(size=(2, 4)),
                  "params": _rand_params(rng, GRU_KEYS, 3, 4)}, "N = 2, n_x = 3, n_a = 4, the notes' form")]


def _gru_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        out.append(Case({"xt": rng.normal(size=(N, n_x)), "a_prev": rng.normal(size=(N, n_a)),
                         "params": _rand_params(rng, GRU_KEYS, n_x, n_a)}, f"N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _gru_parts(x, a, p):
    """The notes' GRU re-derived for the diagnosis: pre-activations, gates and candidate.
    ``u * cand + (1 - u) * a`` is the right answer (a test checks it against :func:`gru.gru_step`)."""
    pre_r = x @ p["Wrx"].T + a @ p["Wra"].T + p["br"]
    pre_u = x @ p["Wux"].T + a @ p["Wua"].T + p["bu"]
    r, u = _sig(pre_r), _sig(pre_u)
    return pre_r, pre_u, r, u, np.tanh(x @ p["Wcx"].T + (r * a) @ p["Wca"].T + p["bc"])


def _gru_compare(case, got, expected):
    x, a, p = case.args["xt"], case.args["a_prev"], case.args["params"]
    pre_r, pre_u, r, u, cand = _gru_parts(x, a, p)
    after = np.tanh(x @ p["Wcx"].T + r * (a @ p["Wca"].T) + p["bc"])
    return diagnose(got, expected, [
        ("the reset gate is in the wrong place: the notes' GRU multiplies a_prev by Γ_r BEFORE the product "
         "with Wca (PyTorch applies it after)", u * after + (1 - u) * a),
        ("the update gate works the wrong way round: a_next = Γ_u * c̃ + (1 - Γ_u) * a_prev", (1 - u) * cand + u * a),
        ("the reset gate is ignored: c̃ = tanh(Wcx x + Wca (Γ_r * a_prev) + bc)",
         u * np.tanh(x @ p["Wcx"].T + a @ p["Wca"].T + p["bc"]) + (1 - u) * a),
        ("the candidate must use tanh, the gates the sigmoid",
         u * _sig(x @ p["Wcx"].T + (r * a) @ p["Wca"].T + p["bc"]) + (1 - u) * a),
        ("a_next is the gated mix Γ_u * c̃ + (1 - Γ_u) * a_prev, not the candidate alone", cand),
        ("the reset and update gates are swapped: Γ_r (weights Wr·, br) scales a_prev inside c̃, "
         "Γ_u (weights Wu·, bu) mixes c̃ with a_prev",
         r * np.tanh(x @ p["Wcx"].T + (u * a) @ p["Wca"].T + p["bc"]) + (1 - r) * a),
        ("a gate uses tanh: gates are sigmoids, so that they lie between 0 and 1 (here the update gate)",
         np.tanh(pre_u) * cand + (1 - np.tanh(pre_u)) * a),
        ("a gate uses tanh: gates are sigmoids, so that they lie between 0 and 1 (here the reset gate)",
         u * np.tanh(x @ p["Wcx"].T + (np.tanh(pre_r) * a) @ p["Wca"].T + p["bc"]) + (1 - u) * a),
        ("the candidate's bias bc is missing: c̃ = tanh(xt @ Wcx.T + (Γ_r * a_prev) @ Wca.T + bc)",
         u * np.tanh(x @ p["Wcx"].T + (r * a) @ p["Wca"].T) + (1 - u) * a),
        ("the reset gate is computed with the update gate's weights: Γ_r uses Wrx, Wra and br",
         u * np.tanh(x @ p["Wcx"].T + (u * a) @ p["Wca"].T + p["bc"]) + (1 - u) * a),
        ("the update gate is computed with the reset gate's weights: Γ_u uses Wux, Wua and bu",
         r * cand + (1 - r) * a),
    ] + [(f"{W} is transposed: the term is a_prev @ {W}.T", alt) for W, alt in _gru_transposed(x, a, p)],
        "a_next", axes=STEP_AXES)


def _gru_transposed(x, a, p):
    """GRU outputs with one recurrent weight (square, so no shape error) used untransposed."""
    for W in ("Wra", "Wua", "Wca"):
        q = dict(p, **{W: p[W].T})
        yield W, (lambda q=q: gru.gru_cell_forward(x, a, q, form="notes")[0])


register(Spec("gru_step", refs(gru.gru_step, gru.gru_cell_forward, gru.gru_forward),
              _gru_visible, _gru_random, expect=lambda c: gru.gru_step(**c.args, form="notes"),
              compare=_gru_compare))


# --------------------------------------------------------------------- lstm_step
def _lstm_visible():
    rng = np.random.default_rng(71)
    return [Case({"xt": rng.normal(size=(2, 3)), "a_prev": rng.normal(size=(2, 4)), "c_prev": rng.normal(size=(2, 4)),
                  "params": _rand_params(rng, LSTM_KEYS, 3, 4)}, "N = 2, n_x = 3, n_a = 4")]


def _lstm_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        out.append(Case({"xt": rng.normal(size=(N, n_x)), "a_prev": rng.normal(size=(N, n_a)),
                         "c_prev": rng.normal(size=(N, n_a)), "params": _rand_params(rng, LSTM_KEYS, n_x, n_a)},
                        f"N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _lstm_parts(x, a, c_prev, p):
    pre = {g: x @ p[f"W{g}x"].T + a @ p[f"W{g}a"].T + p[f"b{g}"] for g in "fuoc"}
    return pre, _sig(pre["f"]), _sig(pre["u"]), _sig(pre["o"]), np.tanh(pre["c"])


def _lstm_cell_compare(case, got, expected):
    x, a, c_prev, p = (case.args[k] for k in ("xt", "a_prev", "c_prev", "params"))
    a_ref, c_ref = expected[0], expected[1]
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (a_next, c_next), got {describe(got)}"
    pre, f, u, o, ct = _lstm_parts(x, a, c_prev, p)
    if (isinstance(got[0], np.ndarray) and isinstance(got[1], np.ndarray) and got[0].shape == c_ref.shape
            and got[1].shape == a_ref.shape and compare_arrays(got[0], c_ref, "c") is None
            and compare_arrays(got[1], a_ref, "a") is None and compare_arrays(got[0], a_ref, "a") is not None):
        return "the pair is returned as (c_next, a_next); the order is (a_next, c_next)"
    swapped_c = u * c_prev + f * ct
    gate = {"f": "forget gate", "u": "update gate", "o": "output gate", "c": "candidate"}
    no_bias = [(f"the {gate[g]}'s bias b{g} is missing: every gate is sigmoid(xt @ W{g}x.T + a_prev @ W{g}a.T "
                f"+ b{g})" if g != "c" else "the candidate's bias bc is missing: c̃ = tanh(xt @ Wcx.T + a_prev @ "
                "Wca.T + bc)", lambda g=g: lstm.lstm_cell_forward(x, a, c_prev, dict(p, **{f"b{g}": 0 * p[f"b{g}"]}))[1])
               for g in "fuc"]
    copied = [(f"the {gate[g]} is computed with the {gate[w]}'s weights: it uses W{g}x, W{g}a and b{g}",
               lambda g=g, w=w: lstm.lstm_cell_forward(x, a, c_prev, dict(
                   p, **{f"W{g}x": p[f"W{w}x"], f"W{g}a": p[f"W{w}a"], f"b{g}": p[f"b{w}"]}))[1])
              for g, w in (("f", "u"), ("u", "f"), ("f", "o"), ("u", "o"))]
    problem = diagnose(got[1], c_ref, [
        ("the forget and update gates are swapped: c_next = Γ_f * c_prev + Γ_u * c̃", swapped_c),
        ("the cell state is not carried: c_next = Γ_f * c_prev + Γ_u * c̃ needs c_prev", u * ct),
        ("the candidate must use tanh, the gates the sigmoid", f * c_prev + u * _sig(pre["c"])),
        ("the forget gate is missing: c_next = Γ_f * c_prev + Γ_u * c̃ (the first LSTM of 1997 had no forget "
         "gate; every modern one has)", c_prev + u * ct),
        ("the update and output gates are swapped: Γ_u (weights Wu·, bu) scales c̃, Γ_o (Wo·, bo) scales the output",
         f * c_prev + o * ct),
        ("the forget gate uses tanh: gates are sigmoids, so that they lie between 0 and 1",
         np.tanh(pre["f"]) * c_prev + u * ct),
        ("the update gate uses tanh: gates are sigmoids, so that they lie between 0 and 1",
         f * c_prev + np.tanh(pre["u"]) * ct),
    ] + no_bias + copied, "c_next", axes=STEP_AXES)
    if problem:
        return problem
    return diagnose(got[0], a_ref, [
        ("the tanh on the cell output is missing: a_next = Γ_o * tanh(c_next) (Andrew Ng's Sequence Models notes write Γ_o * c; "
         "that is an erratum)", o * c_ref),
        ("a_next uses the output gate: a_next = Γ_o * tanh(c_next)", np.tanh(c_ref)),
        ("a_next must be computed from the NEW cell state: a_next = Γ_o * tanh(c_next), not tanh(c_prev)",
         o * np.tanh(c_prev)),
        ("the output gate uses tanh: gates are sigmoids, so that they lie between 0 and 1",
         np.tanh(pre["o"]) * np.tanh(c_ref)),
        ("the output gate's bias bo is missing: Γ_o = sigmoid(xt @ Wox.T + a_prev @ Woa.T + bo)",
         _sig(pre["o"] - p["bo"]) * np.tanh(c_ref)),
    ], "a_next", axes=STEP_AXES)


register(Spec("lstm_step", refs(lstm.lstm_step, lstm.lstm_cell_forward, lstm.lstm_forward, lstm.lstm_states),
              _lstm_visible, _lstm_random, expect=lambda c: lstm.lstm_step(**c.args),
              compare=_lstm_cell_compare))


# ------------------------------------------------------------------- lstm_states
def _lf_visible():
    rng = np.random.default_rng(72)
    return [Case({"x": rng.normal(size=(3, 2, 2)), "a0": rng.normal(size=(2, 3)), "c0": rng.normal(size=(2, 3)),
                  "params": _rand_params(rng, LSTM_KEYS, 2, 3)}, "T = 3, N = 2, n_x = 2, n_a = 3")]


def _lf_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        T = 1 if k == 0 else int(rng.integers(2, 7))
        out.append(Case({"x": rng.normal(size=(T, N, n_x)), "a0": rng.normal(size=(N, n_a)),
                         "c0": rng.normal(size=(N, n_a)), "params": _rand_params(rng, LSTM_KEYS, n_x, n_a)},
                        f"T = {T}, N = {N}, n_x = {n_x}, n_a = {n_a}"))
    N, n_x, n_a = _sizes(rng)  # and one long sequence
    out.append(Case({"x": rng.normal(size=(40, N, n_x)), "a0": rng.normal(size=(N, n_a)),
                     "c0": rng.normal(size=(N, n_a)), "params": _rand_params(rng, LSTM_KEYS, n_x, n_a)},
                    f"a long sequence: T = 40, N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _lf_variant(x, a0, c0, p, carry_a=True, carry_c=True):
    """LSTM states over the sequence when a state is not carried (re-read from a0 / c0 at every step)."""
    a_prev, c_prev, out_a, out_c = a0, c0, [], []
    for t in range(x.shape[0]):
        a_next, c_next, _ = lstm.lstm_cell_forward(x[t], a_prev if carry_a else a0, c_prev if carry_c else c0, p)
        out_a.append(a_next)
        out_c.append(c_next)
        a_prev, c_prev = a_next, c_next
    return np.array(out_a), np.array(out_c)


def _lf_compare(case, got, expected):
    x, a0, c0, p = (case.args[k] for k in ("x", "a0", "c0", "params"))
    a_ref, c_ref = expected[0], expected[1]
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (a, c), got {describe(got)}"
    if all(isinstance(g, np.ndarray) and g.shape == a_ref.shape[1:] for g in got):
        return (f"a: expected shape {a_ref.shape}, got {got[0].shape}\nLikely cause: only the last states were "
                "returned; a and c hold the states of every time step, (T, N, n_a)")
    if (all(isinstance(g, np.ndarray) and g.shape == a_ref.shape for g in got)
            and compare_arrays(got[0], c_ref, "c") is None and compare_arrays(got[1], a_ref, "a") is None
            and compare_arrays(got[0], a_ref, "a") is not None):
        return "the pair is returned as (c, a); the order is (a, c)"
    wrong = {}

    def alt(name, i):
        if name not in wrong:
            wrong[name] = {"no c": lambda: _lf_variant(x, a0, c0, p, carry_c=False),
                           "no a": lambda: _lf_variant(x, a0, c0, p, carry_a=False),
                           "zeros": lambda: lstm.lstm_forward(x, 0 * a0, 0 * c0, p)[:2],
                           "reversed": lambda: tuple(v[::-1] for v in lstm.lstm_forward(x[::-1], a0, c0, p)[:2]),
                           }[name]()
        return wrong[name][i]
    for i, (name, ref_arr) in enumerate((("a", a_ref), ("c", c_ref))):
        problem = diagnose(got[i], ref_arr, [
            ("the cell state is not carried: each step needs c[t - 1] (c0 at the first step)",
             lambda i=i: alt("no c", i)),
            ("the hidden state is not carried: each step needs a[t - 1] (a0 at the first step)",
             lambda i=i: alt("no a", i)),
            ("the initial states a0 and c0 are ignored: the first step must start from them",
             lambda i=i: alt("zeros", i)),
            ("time runs backwards: process x[0], x[1], ... in order", lambda i=i: alt("reversed", i)),
            ("off by one in time: a[t], c[t] are the states AFTER reading x[t]",
             lambda r=ref_arr, s=(a0 if i == 0 else c0): np.concatenate([s[None], r[:-1]])),
        ] + ([("c holds the hidden states a; it must hold the cell states c", a_ref)] if i == 1 else []),
            name, axes=SEQ_AXES, layout_hint="the result is time-major, (T, N, n_a)")
        if problem:
            if ("Likely cause" not in problem and isinstance(got[i], np.ndarray) and got[i].shape == ref_arr.shape
                    and first_difference(got[i][:1], ref_arr[:1], RTOL, ATOL) is not None):
                # the first step starts from the given a0, c0: if it is wrong, the step's formulas are
                problem += ("\nLikely cause: the first time step is already wrong, so the error is in the step "
                            "itself (the formulas of lstm_step), not in how the states are passed on")
            return problem
    return None


register(Spec("lstm_states", refs(lstm.lstm_states, lstm.lstm_forward), _lf_visible, _lf_random,
              expect=lambda c: lstm.lstm_states(**c.args), compare=_lf_compare))


# ---------------------------------------------------------------- hand_set_lstm
def _hs_visible():
    x = np.array([[[3, 1, 0]], [[2, 0, 0]], [[1, 1, 1]], [[-1, 0, 1]], [[0, -1, 1]], [[2, 1, 1]]], dtype=float)
    return [Case({"x": x}, "a sequence in the spirit of Hung-yi Lee's example: write 3, keep, write 1 and show, show, erase and show, write 2")]


def _hs_random(rng):
    return [Case({"x": memory_task_inputs(rng, 12, 6)}, f"12 steps, 6 random sequences (set {k + 1})") for k in range(3)]


def _hs_expect(case):
    return memory_task_targets(case.args["x"])


def _hs_compare(case, got, expected):
    if not isinstance(got, dict):
        return f"expected a dict of LSTM parameters, got {describe(got)}"
    missing = [k for k in LSTM_KEYS if k not in got]
    if missing:
        return f"the parameter dict has no key {missing[0]!r} (expected {list(LSTM_KEYS)})"
    for k in LSTM_KEYS:
        want = (1, 3) if k.endswith("x") else (1, 1) if k.startswith("W") else (1,)
        if not isinstance(got[k], np.ndarray) or got[k].shape != want:
            return f"params[{k!r}]: expected an array of shape {want}, got {describe(got[k])}"
    x = case.args["x"]
    a_t, c_t = expected
    T, N, _ = x.shape
    try:
        a, c, _ = lstm.lstm_forward(x, np.zeros((N, 1)), np.zeros((N, 1)), {k: got[k] for k in LSTM_KEYS})
    except Exception as exc:  # e.g. NaN or inf weights
        return f"the LSTM could not run with these parameters: {exc}"
    params = {k: got[k] for k in LSTM_KEYS}

    def gates_at(t, i):
        a_prev = a[t - 1, i:i + 1] if t else np.zeros((1, 1))
        c_prev = c[t - 1, i:i + 1] if t else np.zeros((1, 1))
        _, f, u, o, ct = _lstm_parts(x[t, i:i + 1], a_prev, c_prev, params)
        return float(f[0, 0]), float(u[0, 0]), float(o[0, 0]), float(ct[0, 0])

    def gate_fault(t, i, x1, x2):
        """Which gate (or the candidate) is wrong at a memory step, from the student's own gate values."""
        f, u, o, ct = gates_at(t, i)
        want = {1.0: (("update gate Γ_u", u, 1), ("forget gate Γ_f", f, 1)),
                0.0: (("update gate Γ_u", u, 0), ("forget gate Γ_f", f, 1)),
                -1.0: (("forget gate Γ_f", f, 0), ("update gate Γ_u", u, 0))}[x2]
        for name, value, target in want:
            if abs(value - target) > 0.05:
                return f"\nHere the {name} is {value:.3f}; it must be near {target} at this step."
        if x2 == 1.0 and abs(ct - np.tanh(x1)) > 0.05:
            return f"\nHere c̃ = {ct:.3f}; it must be tanh(x1) = {np.tanh(x1):.3f}."
        return ""
    bad_c = np.argwhere(~(np.abs(c - c_t) <= 0.05))
    if len(bad_c):
        t, i, _ = bad_c[0]
        x1, x2, x3 = x[t, i]
        what = {1.0: "write (x2 = 1): c must grow by tanh(x1); is the update (input) gate open and is c̃ = tanh(x1)?",
                0.0: "keep (x2 = 0): c must not change; the update gate must be closed and the forget gate open",
                -1.0: "erase (x2 = -1): c must become 0; the forget gate must close"}[float(x2)]
        return (f"memory c: first wrong at time step t = {t + 1}, sequence {i + 1}, input {x[t, i].tolist()}: "
                f"expected c = {c_t[t, i, 0]:.3f}, got {c[t, i, 0]:.3f}. Step type {what}"
                + gate_fault(t, i, float(x1), float(x2)))
    bad_a = np.argwhere(~(np.abs(a - a_t) <= 0.05))
    if len(bad_a):
        t, i, _ = bad_a[0]
        shown = x[t, i, 2] == 1
        what = ("x3 = 1: the output gate must be open, a = tanh(c)" if shown
                else "x3 = 0: the output gate must be closed, a = 0")
        o = gates_at(t, i)[2]
        return (f"output a: first wrong at time step t = {t + 1}, sequence {i + 1}, input {x[t, i].tolist()}: "
                f"expected a = {a_t[t, i, 0]:.3f}, got {a[t, i, 0]:.3f}. {what}"
                f"\nHere the output gate Γ_o is {o:.3f}; it must be near {1 if shown else 0} at this step.")
    return None


register(Spec("hand_set_lstm", (), _hs_visible, _hs_random, expect=_hs_expect, compare=_hs_compare,
              arguments=lambda a: ((), {})))
