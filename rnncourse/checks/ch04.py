"""Checks for assignment 04 (the recurrent network): cell, sequence, Jordan, many-to-one.

Wrong answers are localised in two ways: known mistakes are recomputed here and
compared with the student's output ("the activation is missing"), and the
student's function is re-run with one term of the formula switched off (probes:
bias zeroed, recurrent input zeroed, input zeroed) to say which term is at fault.
"""
from __future__ import annotations

import numpy as np

from .. import losses
from .. import architectures as arch
from .. import rnn as ref
from ._refs import refs
from ._core import boundary_sizes as _bound  # N = 1, n_x = n_a and n_x != n_a first
from ._core import Case, Raised, Spec, register
from ._compare import ATOL, RTOL, describe, diagnose, first_difference

SEQ_AXES = ("time step t", "example i", "hidden unit")
STEP_AXES = ("example i", "hidden unit")


def _params(rng, n_x, n_a, scale=0.6):
    return {"Wax": rng.normal(0, scale, (n_a, n_x)), "Waa": rng.normal(0, scale, (n_a, n_a)),
            "ba": rng.normal(0, 0.5, n_a)}


def _sizes(rng, k=None):
    return _bound(k, *(int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 7))))  # N, n_x, n_a





def _matches(got, expected):
    return (isinstance(got, np.ndarray) and got.shape == np.shape(expected)
            and first_difference(got, np.asarray(expected), RTOL, ATOL) is None)


def isolate(probes: dict, reference: dict, labels: dict) -> str | None:
    """Name the faulty term from the student's outputs on probe inputs.

    ``probes``/``reference``: outputs of the student's and the reference function
    on the same probe inputs; ``labels``: probe name -> the term it switches off.
    If the answer becomes right when exactly one term is switched off, that term
    is the one computed wrongly.
    """
    right = [name for name in labels if _matches(probes.get(name), reference[name])]
    if len(right) == 1:
        return (f"your output is correct when {labels[right[0]]['off']}, and wrong otherwise: "
                f"check {labels[right[0]]['term']}")
    return None


# -------------------------------------------------------------------------- rnn_step
CELL_LABELS = {
    "no bias": {"off": "ba = 0", "term": "the bias ba (is it added?)"},
    "no recurrence": {"off": "a_prev = 0", "term": "the recurrent term a_prev @ Waa.T"},
    "no input": {"off": "xt = 0", "term": "the input term xt @ Wax.T"},
}


def _cell_visible():
    return [Case({"xt": np.array([[1.0, 2.0]]), "a_prev": np.array([[0.5, -0.5, 0.0]]),
                  "Wax": np.array([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]]),
                  "Waa": np.array([[0.1, 0.0, 0.2], [0.0, -0.1, 0.0], [0.3, 0.0, 0.1]]),
                  "ba": np.array([0.1, -0.2, 0.3])},
                 "N = 1, n_x = 2, n_a = 3, all terms non-zero")]


def _cell_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        if rng.random() < 0.3:
            n_x = n_a  # square Wax: a transposed weight is not caught by a shape error
        args = dict(xt=rng.normal(size=(N, n_x)), a_prev=rng.normal(size=(N, n_a)), **_params(rng, n_x, n_a))
        out.append(Case(args, f"N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _cell_probes(case):
    a = case.args
    return {"no bias": dict(a, ba=np.zeros_like(a["ba"])),
            "no recurrence": dict(a, a_prev=np.zeros_like(a["a_prev"])),
            "no input": dict(a, xt=np.zeros_like(a["xt"]))}


def _cell_ref(args):
    return ref.rnn_step(**args)


def _activation_causes(z):
    return [("the activation is missing: a_next = tanh(z), not z", z),
            ("wrong activation: the Elman cell uses tanh, not the sigmoid", 1 / (1 + np.exp(-z))),
            ("wrong activation: the Elman cell uses tanh, not ReLU", np.maximum(z, 0))]


def _matmul_failed(got) -> bool:
    return isinstance(got, Raised) and ("matmul" in got.message or "not aligned" in got.message
                                        or "shapes" in got.message and "mismatch" in got.message)


def _cell_compare(case, got, expected, probes):
    a = case.args
    if _matmul_failed(got):
        n_a, n_x = a["Wax"].shape
        return (f"a_next: expected a numpy array of shape {expected.shape}, got {describe(got)}\n"
                f"Likely cause: Wax has the shape (n_a, n_x) = ({n_a}, {n_x}), so the input term is "
                "xt @ Wax.T (is Wax used untransposed, or swapped with Waa?); the recurrent term is a_prev @ Waa.T")
    z = a["xt"] @ a["Wax"].T + a["a_prev"] @ a["Waa"].T + a["ba"]
    zx, zr = a["xt"] @ a["Wax"].T, a["a_prev"] @ a["Waa"].T
    causes = _activation_causes(z) + [
        ("the bias goes inside the tanh: a_next = tanh(xt @ Wax.T + a_prev @ Waa.T + ba), not tanh(...) + ba",
         np.tanh(zx + zr) + a["ba"]),
        ("the tanh applies to the whole sum xt @ Wax.T + a_prev @ Waa.T + ba, not to the input term only",
         np.tanh(zx) + zr + a["ba"]),
        ("the tanh applies to the whole sum xt @ Wax.T + a_prev @ Waa.T + ba, not to one term",
         zx + np.tanh(zr) + a["ba"]),
    ]
    if a["Wax"].shape[0] == a["Wax"].shape[1]:
        causes.append(("Wax is transposed: the input term is xt @ Wax.T (Wax has shape (n_a, n_x))",
                       np.tanh(a["xt"] @ a["Wax"] + a["a_prev"] @ a["Waa"].T + a["ba"])))
    causes.append(("Waa is transposed: the recurrent term is a_prev @ Waa.T",
                   np.tanh(a["xt"] @ a["Wax"].T + a["a_prev"] @ a["Waa"] + a["ba"])))
    problem = diagnose(got, expected, causes, "a_next", axes=STEP_AXES)
    if problem and "Likely cause" not in problem and isinstance(got, np.ndarray) and got.shape == expected.shape:
        hint = isolate(probes, {k: _cell_ref(v) for k, v in _cell_probes(case).items()}, CELL_LABELS)
        if hint:
            problem += f"\nLikely cause: {hint}"
    return problem


register(Spec("rnn_step", refs(ref.rnn_step, ref.rnn_cell_forward, ref.rnn_forward, ref.rnn_states),
              _cell_visible, _cell_random, expect=lambda c: _cell_ref(c.args), compare=_cell_compare,
              probes=_cell_probes))


# ------------------------------------------------------------------------ rnn_states
SEQ_LABELS = {
    "no bias": {"off": "ba = 0", "term": "the bias ba (is it added at every step?)"},
    "no recurrence": {"off": "a0 = 0 and Waa = 0",
                      "term": "the recurrent term: a[t] must use a[t - 1] @ Waa.T (a0 at the first step)"},
    "no input": {"off": "x = 0", "term": "the input term x[t] @ Wax.T"},
}


def _seq_visible():
    x = np.array([[[1.0, 1.0]], [[1.0, 1.0]], [[2.0, 2.0]]])
    return [Case({"x": x, "a0": np.zeros((1, 2)), "Wax": np.full((2, 2), 0.1), "Waa": np.full((2, 2), 0.1),
                  "ba": np.zeros(2)}, "Hung-yi Lee's example: inputs [1,1], [1,1], [2,2], all weights 0.1"),
            Case({"x": np.array([[[0.5]], [[-1.0]]]), "a0": np.array([[0.2, -0.4]]),
                  "Wax": np.array([[1.0], [-0.5]]), "Waa": np.array([[0.5, 0.1], [-0.2, 0.3]]),
                  "ba": np.array([0.1, 0.2])}, "T = 2, N = 1, n_x = 1, n_a = 2, non-zero a0 and ba")]


def _seq_random(rng):
    out = []
    for k in range(6):
        N, n_x, n_a = _sizes(rng, k)
        T = 1 if k == 0 else int(rng.integers(2, 7))
        args = dict(x=rng.normal(size=(T, N, n_x)), a0=rng.normal(size=(N, n_a)), **_params(rng, n_x, n_a))
        out.append(Case(args, f"T = {T}, N = {N}, n_x = {n_x}, n_a = {n_a}"))
    N, n_x, n_a = _sizes(rng)  # and one long sequence
    args = dict(x=rng.normal(size=(40, N, n_x)), a0=rng.normal(size=(N, n_a)), **_params(rng, n_x, n_a))
    out.append(Case(args, f"a long sequence: T = 40, N = {N}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _seq_probes(case):
    a = case.args
    return {"no bias": dict(a, ba=np.zeros_like(a["ba"])),
            "no recurrence": dict(a, a0=np.zeros_like(a["a0"]), Waa=np.zeros_like(a["Waa"])),
            "no input": dict(a, x=np.zeros_like(a["x"]))}


def _seq_ref(args):
    return ref.rnn_states(**args)


def _seq_compare(case, got, expected, probes):
    a = case.args
    x, a0, Wax, Waa, ba = a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"]
    T = x.shape[0]
    causes = [
        ("the state is not carried: every step used a0 instead of a[t - 1]",
         np.tanh(x @ Wax.T + a0 @ Waa.T + ba)),
        ("off by one in time: a[t] must be the state AFTER reading x[t] (a[0] = a^<1>, not a0)",
         lambda: np.concatenate([a0[None], expected[:-1]])),
        ("time runs backwards: process x[0], x[1], ... in order",
         lambda: ref.rnn_forward(x[::-1], a0, Wax, Waa, ba)[0][::-1]),
        ("time runs backwards: process x[0], x[1], ... in order",
         lambda: ref.rnn_forward(x[::-1], a0, Wax, Waa, ba)[0]),
        ("the activation is missing: a[t] = tanh(z[t])",
         lambda: ref.rnn_forward(x, a0, Wax, Waa, ba, activation="identity")[0]),
        ("Waa is transposed: the recurrent term is a[t - 1] @ Waa.T",
         lambda: ref.rnn_forward(x, a0, Wax, Waa.T, ba)[0]),
        ("the initial state a0 is ignored: the first step must use a_prev = a0 (here a0 is not zero)",
         lambda: ref.rnn_forward(x, np.zeros_like(a0), Wax, Waa, ba)[0]),
        ("the last time step (t = T) was not computed: the loop must run over all T steps",
         lambda: np.concatenate([expected[:-1], np.zeros_like(expected[-1:])])),
        ("the activation is ReLU: the Elman cell uses tanh",
         lambda: ref.rnn_forward(x, a0, Wax, Waa, ba, activation="relu")[0]),
    ]
    if isinstance(got, np.ndarray) and got.shape == expected.shape[1:]:
        return (f"a: expected shape {expected.shape}, got {got.shape}\nLikely cause: only the last state was "
                "returned; a holds the state of every time step, (T, N, n_a)")
    if isinstance(got, Raised) and "broadcast" in got.message:
        return (f"a: expected a numpy array of shape {expected.shape}, got {describe(got)}\nLikely cause: "
                f"the array of states has the wrong size: it is (T, N, n_a) with n_a = Waa.shape[0] = "
                f"{Waa.shape[0]} (np.zeros_like(x) has n_x = {x.shape[2]} columns)")
    problem = diagnose(got, expected, causes, "a", axes=SEQ_AXES,
                       layout_hint="the result is time-major, (T, N, n_a)")
    if problem and "Likely cause" not in problem and isinstance(got, np.ndarray) and got.shape == expected.shape:
        hint = isolate(probes, {k: _seq_ref(v) for k, v in _seq_probes(case).items()}, SEQ_LABELS)
        if hint:
            problem += f"\nLikely cause: {hint}"
    if problem and T > 1 and isinstance(got, np.ndarray) and got.shape == expected.shape:
        if first_difference(got[:1], expected[:1], RTOL, ATOL) is None:
            problem += "\n(The first time step is right: look at how the state is passed from one step to the next.)"
    return problem


register(Spec("rnn_states", refs(ref.rnn_states, ref.rnn_forward), _seq_visible, _seq_random,
              expect=lambda c: _seq_ref(c.args), compare=_seq_compare, probes=_seq_probes))


# ------------------------------------------------------------------- jordan_forward
def _jordan_args(rng, T, N, n_x, n_a, n_y):
    return dict(x=rng.normal(size=(T, N, n_x)), y0=rng.normal(size=(N, n_y)),
                Wax=rng.normal(0, 0.6, (n_a, n_x)), Way=rng.normal(0, 0.6, (n_a, n_y)),
                ba=rng.normal(0, 0.5, n_a), Wya=rng.normal(0, 0.6, (n_y, n_a)), by=rng.normal(0, 0.5, n_y))


def _jordan_visible():
    return [Case(_jordan_args(np.random.default_rng(4), 3, 1, 2, 3, 2), "T = 3, N = 1, n_x = 2, n_a = 3, n_y = 2")]


def _jordan_random(rng):
    out = []
    for k in range(5):
        N, n_x, n_a = _sizes(rng, k)
        T, n_y = (1 if k == 0 else int(rng.integers(2, 6))), int(rng.integers(1, 4))
        out.append(Case(_jordan_args(rng, T, N, n_x, n_a, n_y), f"T = {T}, N = {N}, n_x = {n_x}, n_a = {n_a}, n_y = {n_y}"))
    return out


def _jordan_compare(case, got, expected):
    a = case.args
    y_hat, hidden = expected
    x, y0, Wax, Way, ba, Wya, by = (a[k] for k in ("x", "y0", "Wax", "Way", "ba", "Wya", "by"))
    if _matmul_failed(got):
        return (f"expected a tuple (y_hat, a), got {describe(got)}\nLikely cause: a weight is used "
                f"untransposed. Weights have the shape (out, in): the terms are x[t] @ Wax.T, "
                f"y_hat[t - 1] @ Way.T (Way is (n_a, n_y) = {Way.shape}) and a[t] @ Wya.T "
                f"(Wya is (n_y, n_a) = {Wya.shape})")
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (y_hat, a), got {describe(got)}"
    if (y_hat.shape != hidden.shape and isinstance(got[0], np.ndarray) and isinstance(got[1], np.ndarray)
            and got[0].shape == hidden.shape and got[1].shape == y_hat.shape):
        return (f"y_hat: expected shape {y_hat.shape}, got {got[0].shape}\nLikely cause: the pair is returned "
                "as (a, y_hat); the order is (y_hat, a)")

    def variant(**kw):
        args = dict(a)
        args.update({k: v for k, v in kw.items() if k in args})
        opts = {k: v for k, v in kw.items() if k not in args}
        return arch.jordan_forward(**args, **opts)

    def y0_every_step():
        h = np.tanh(x @ Wax.T + y0 @ Way.T + ba)
        return h @ Wya.T + by

    def shifted():  # y_hat[t] computed from the state before reading x[t]
        return np.concatenate([y0[None], y_hat[:-1]])

    def reversed_time():
        return arch.jordan_forward(x[::-1], y0, Wax, Way, ba, Wya, by)[0][::-1]
    problem = diagnose(got[0], y_hat, [
        ("the output is not fed back: every step used y0 instead of y_hat[t - 1]", y0_every_step),
        ("off by one in time: y_hat[t] is the output after reading x[t]", shifted),
        ("the initial output y0 is ignored: the first step feeds back y0 (here y0 is not zero)",
         lambda: variant(y0=np.zeros_like(y0))[0]),
        ("the hidden activation is missing: a[t] = tanh(x[t] @ Wax.T + y_hat[t - 1] @ Way.T + ba)",
         lambda: variant(activation="identity")[0]),
        ("the output is linear: y_hat[t] = a[t] @ Wya.T + by, with no tanh or sigmoid",
         lambda: np.tanh(_jordan_tanh_out(a))),
        ("the output is linear: y_hat[t] = a[t] @ Wya.T + by, with no tanh or sigmoid",
         lambda: variant(output="sigmoid")[0]),
        ("the output bias by is missing: y_hat[t] = a[t] @ Wya.T + by", lambda: variant(by=0 * by)[0]),
        ("the hidden bias ba is missing: a[t] = tanh(x[t] @ Wax.T + y_hat[t - 1] @ Way.T + ba)",
         lambda: variant(ba=0 * ba)[0]),
        ("time runs backwards: process x[0], x[1], ... in order", reversed_time),
    ], "y_hat", axes=("time step t", "example i", "output unit"))
    if problem:
        return problem
    pre = x @ Wax.T + np.concatenate([y0[None], y_hat[:-1]]) @ Way.T + ba
    return diagnose(got[1], hidden, [
        ("a holds the pre-activations: store a[t] = tanh(...), the value used for y_hat[t]", pre)],
        "a (hidden states)", axes=SEQ_AXES)


def _jordan_tanh_out(a):
    """The outputs of a Jordan network whose fed-back and returned outputs are tanh(a @ Wya.T + by),
    before the final tanh (so that np.tanh of it is the wrong answer)."""
    x, y_prev = a["x"], a["y0"]
    out = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ a["Wax"].T + y_prev @ a["Way"].T + a["ba"])
        z = h @ a["Wya"].T + a["by"]
        out.append(z)
        y_prev = np.tanh(z)
    return np.stack(out)


register(Spec("jordan_forward", refs(arch.jordan_forward), _jordan_visible, _jordan_random,
              expect=lambda c: arch.jordan_forward(**c.args), compare=_jordan_compare))


# -------------------------------------------------------------- many_to_one_forward
def _m2o_args(rng, lengths, n_x, n_a, n_y):
    T, N = int(max(lengths)), len(lengths)
    x = rng.normal(size=(T, N, n_x))
    for i, L in enumerate(lengths):
        x[L:, i] = rng.normal(5.0, 3.0, size=(T - L, n_x))  # padding holds garbage: it must be ignored
    return dict(x=x, lengths=np.asarray(lengths, dtype=np.int64), a0=rng.normal(0, 0.5, (N, n_a)),
                Wax=rng.normal(0, 0.6, (n_a, n_x)), Waa=rng.normal(0, 0.6, (n_a, n_a)), ba=rng.normal(0, 0.5, n_a),
                Wya=rng.normal(0, 0.8, (n_y, n_a)), by=rng.normal(0, 0.5, n_y))


def _large_scores(case, shift=800.0):
    case.args["by"] = case.args["by"] + shift  # exp(800) overflows: the softmax must subtract the max
    return case


def _m2o_visible():
    return [Case(_m2o_args(np.random.default_rng(5), [3, 1], 2, 3, 2),
                 "two sentences of lengths 3 and 1 (the second is padded with garbage)"),
            _large_scores(Case(_m2o_args(np.random.default_rng(6), [2, 2, 1], 2, 2, 3),
                               "lengths 2, 2, 1 and large scores (by around 800)"))]


def _m2o_random(rng):
    out = []
    for _ in range(5):
        N = int(rng.integers(1, 5))
        lengths = rng.integers(1, 7, size=N)
        n_x, n_a, n_y = int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(2, 5))
        case = Case(_m2o_args(rng, lengths.tolist(), n_x, n_a, n_y), f"lengths {lengths.tolist()}, n_y = {n_y}")
        out.append(_large_scores(case) if _ == 4 else case)
    return out


def _m2o_compare(case, got, expected):
    a = case.args
    N = len(a["lengths"])
    if isinstance(got, Raised) and got.exc_type == "IndexError":
        return (f"probs: expected a numpy array of shape {expected.shape}, got {describe(got)}\n"
                "Likely cause: example i ends at time step lengths[i] as the book counts (from 1), which is "
                "row lengths[i] - 1 of a: a[lengths - 1, np.arange(N)]")
    if isinstance(got, np.ndarray) and got.ndim == 3 and got.shape[-1] == expected.shape[-1]:
        return (f"probs: expected shape {expected.shape}, got {got.shape}\nLikely cause: a[lengths - 1] "
                "picks whole time steps (every example at each of those steps); pick one column per example: "
                "a[lengths - 1, np.arange(N)]")
    all_a = ref.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])[0]
    z_last = all_a[-1] @ a["Wya"].T + a["by"]
    a_last = all_a[a["lengths"] - 1, np.arange(N)]
    z = a_last @ a["Wya"].T + a["by"]

    def with_a0_zero():
        h = ref.rnn_forward(a["x"], 0 * a["a0"], a["Wax"], a["Waa"], a["ba"])[0]
        return losses.softmax(h[a["lengths"] - 1, np.arange(N)] @ a["Wya"].T + a["by"])

    def not_carried():
        h = np.tanh(a["x"] @ a["Wax"].T + a["a0"] @ a["Waa"].T + a["ba"])
        return losses.softmax(h[a["lengths"] - 1, np.arange(N)] @ a["Wya"].T + a["by"])
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind == "f" \
            and not np.isfinite(got).all():
        return (f"probs: contains {'NaN' if np.isnan(got).any() else 'inf'} although every probability is "
                "finite here\nLikely cause: exp overflowed on large scores: subtract each row's maximum score "
                "before exp (the softmax does not change)")
    problem = diagnose(got, expected, [
        ("the padding was read: classify the hidden state at step lengths[i] of example i, not the last row a[-1]",
         losses.softmax(z_last)),
        ("softmax over the wrong axis: normalise over the classes (axis -1), not the examples",
         losses.softmax(z, axis=0)),
        ("the softmax is missing: return probabilities, not scores", z),
        ("a sigmoid is not a softmax: the probabilities of the classes must sum to 1", lambda: losses.sigmoid(z)),
        ("the output bias by is missing: scores are a_last @ Wya.T + by", lambda: losses.softmax(z - a["by"])),
        ("the initial state a0 is ignored (here a0 is not zero)", with_a0_zero),
        ("the hidden state is not carried from step to step (every step used a0)", not_carried),
    ], "probs", axes=("example i", "class"))
    return problem


register(Spec("many_to_one_forward", refs(arch.many_to_one_forward), _m2o_visible, _m2o_random,
              expect=lambda c: arch.many_to_one_forward(**c.args), compare=_m2o_compare))
