"""Checks for assignment 08 (bidirectional and deep networks): a bidirectional Elman layer on a padded
batch, a stacked Elman network, and a bidirectional tagger's output layer.

Expected values come from :mod:`rnncourse.bidirectional` and :mod:`rnncourse.deep`. Known mistakes are
recomputed here with the package's own pieces (one direction run on the wrong input, the states
concatenated the other way round, ...) and named when the student's answer equals one of them.
"""
from __future__ import annotations

import numpy as np

from .. import bidirectional as bi
from .. import deep, tagging
from .. import rnn as ref_rnn
from ._core import Case, Raised, Spec, register
from ._compare import diagnose

SEQ_AXES = ("time step t", "example i", "hidden unit")
LAYOUT = "the result is time-major, (T, N, 2 n_a)"


def _params(rng, n_x, n_a, scale=0.7):
    return {"Wax": rng.normal(0, scale, (n_a, n_x)), "Waa": rng.normal(0, scale, (n_a, n_a)),
            "ba": rng.normal(0, 0.5, n_a)}


def _padded(rng, lengths, n_x):
    T, N = int(max(lengths)), len(lengths)
    x = rng.normal(size=(T, N, n_x))
    for i, L in enumerate(lengths):
        x[L:, i] = rng.normal(3.0, 2.0, size=(T - L, n_x))  # padding holds garbage: it must not be read
    return x


def _mask(lengths, T):
    return (np.arange(T)[:, None] < np.asarray(lengths)[None, :])[..., None]


# ----------------------------------------------------------------------- birnn_forward
def _bi_args(rng, lengths, n_x, n_a):
    N = len(lengths)
    return {"x": _padded(rng, lengths, n_x), "lengths": np.asarray(lengths, dtype=np.int64),
            "a0_fwd": rng.normal(0, 0.7, (N, n_a)), "a0_bwd": rng.normal(0, 0.7, (N, n_a)),
            "params_fwd": _params(rng, n_x, n_a), "params_bwd": _params(rng, n_x, n_a)}


def _bi_visible():
    rng = np.random.default_rng(80)
    return [Case(_bi_args(rng, [4, 2, 3], 2, 3), "lengths 4, 2, 3 (the shorter ones padded with garbage), "
                                                 "n_x = 2, n_a = 3"),
            Case(_bi_args(rng, [3, 3], 3, 3), "lengths 3, 3 (no padding), n_x = n_a = 3")]


def _bi_random(rng):
    out = []
    for k in range(7):
        n_a = int(rng.integers(1, 5))
        n_x = n_a if k in (1, 4) else int(rng.integers(1, 5))
        if k == 0:
            lengths = [1]  # T = 1, N = 1
        elif k == 1:
            lengths = [int(rng.integers(2, 6))] * int(rng.integers(2, 4))  # all equal: no padding at all
        elif k == 2:
            N = int(rng.integers(2, 5))
            lengths = list(rng.permutation(np.arange(1, N + 1) + int(rng.integers(0, 3))))  # all different
            n_x = n_a + 1
        elif k == 3:
            lengths = [1, int(rng.integers(3, 6)), 1]  # length-1 sequences beside a long one
        else:
            N = int(rng.integers(1, 5))
            lengths = list(rng.integers(1, 7, size=N))
        lengths = [int(v) for v in lengths]
        out.append(Case(_bi_args(rng, lengths, n_x, n_a), f"lengths {lengths}, n_x = {n_x}, n_a = {n_a}"))
    return out


def _bi_ref(args):
    return bi.bidirectional_forward("rnn", args["x"], args["lengths"], args["params_fwd"], args["params_bwd"],
                                    args["a0_fwd"], args["a0_bwd"])[0]


def _one(x, a0, p):
    return ref_rnn.rnn_forward(x, a0, p["Wax"], p["Waa"], p["ba"])[0]


CALLS = ("\nIf your birnn_forward uses your own one-direction loop, check that loop too: a[t] = tanh(x[t] @ Wax.T "
         "+ a[t - 1] @ Waa.T + ba)")


def _bi_compare(case, got, expected):
    a = case.args
    x, lengths, a0f, a0b, pf, pb = (a[k] for k in ("x", "lengths", "a0_fwd", "a0_bwd", "params_fwd", "params_bwd"))
    T, N, _ = x.shape
    n_a = a0f.shape[1]
    m = _mask(lengths, T)
    fwd = expected[..., :n_a]
    bwd = expected[..., n_a:]

    def cat(f, b):
        return np.concatenate([f, b], axis=2)

    def bwd_with(xr=None, a0=None, p=None, back=True):
        xr = bi.reverse_padded(x, lengths) if xr is None else xr
        states = _one(xr, a0b if a0 is None else a0, pb if p is None else p)
        return (bi.reverse_padded(states, lengths) if back else states) * m

    causes = [
        ("the backward direction's states are not reversed back: the backward recurrence runs over the "
         "reversed sequence, so its state for step t is at row lengths[i] - 1 - t; reverse it back before "
         "concatenating", lambda: cat(fwd, bwd_with(back=False))),
        ("the padded array was reversed as a whole (x[::-1]): the backward direction must start at each "
         "sequence's own last real step lengths[i] - 1, not at the padding; reverse each sequence within its length",
         lambda: cat(fwd, _one(x[::-1], a0b, pb)[::-1] * m)),
        ("the padded array was reversed as a whole (x[::-1]): the backward direction must start at each "
         "sequence's own last real step lengths[i] - 1, not at the padding; reverse each sequence within its length",
         lambda: cat(fwd, _one(x[::-1], a0b, pb)[::-1])),
        ("the two directions are concatenated in the other order: [a→; a←], the forward states first",
         lambda: cat(bwd, fwd)),
        ("the backward direction starts from a0_fwd: each direction has its own initial state "
         "(the backward one a0_bwd)", lambda: cat(fwd, bwd_with(a0=a0f))),
        ("the backward direction uses the forward direction's weights: it has its own params_bwd",
         lambda: cat(fwd, bwd_with(p=pf))),
        ("the forward direction uses the backward direction's weights: it has its own params_fwd",
         lambda: cat(_one(x, a0f, pb) * m, bwd)),
        ("the padding positions are not zero: outputs at t >= lengths[i] must be 0, as PyTorch's packed sequences",
         lambda: cat(_one(x, a0f, pf), bwd)),
        ("the padding positions are not zero: outputs at t >= lengths[i] must be 0, as PyTorch's packed sequences",
         lambda: cat(_one(x, a0f, pf), bi.reverse_padded(_one(bi.reverse_padded(x, lengths), a0b, pb), lengths))),
        ("the backward direction was not run: the last n_a columns must hold the backward states a←",
         lambda: cat(fwd, fwd)),
        ("each sequence has lengths[i] real steps (rows 0 .. lengths[i] - 1): the reversal used one step "
         "too few", lambda: _short_reversal(case)),
    ]
    if isinstance(got, np.ndarray) and got.ndim == 3 and got.shape == (2 * T, N, n_a):
        return (f"a: expected shape {expected.shape}, got {got.shape}\nLikely cause: the two directions are "
                "concatenated along the time axis; concatenate them along the last (feature) axis, axis=2")
    if isinstance(got, (tuple, list)) and len(got) == 2:
        return (f"a: expected a numpy array of shape {expected.shape}, got a {type(got).__name__} of two items\n"
                "Likely cause: return one array, the concatenation [a→; a←] along the last axis")
    problem = diagnose(got, expected, causes, "a", axes=SEQ_AXES, layout_hint=LAYOUT)
    if problem and "Likely cause" not in problem and isinstance(got, np.ndarray) and got.shape == expected.shape:
        if np.allclose(got[..., :n_a], fwd, rtol=1e-5, atol=1e-6):
            problem += "\n(The forward half, the first n_a columns, is right: look at the backward direction.)"
        elif np.allclose(got[..., n_a:], bwd, rtol=1e-5, atol=1e-6):
            problem += "\n(The backward half is right: look at the forward direction.)" + CALLS
    return problem


def _short_reversal(case):
    a = case.args
    x, lengths = a["x"], a["lengths"]
    T, N, _ = x.shape
    n_a = a["a0_fwd"].shape[1]
    xr = np.zeros_like(x)
    for i, L in enumerate(lengths):
        xr[:L - 1, i] = x[:L - 1, i][::-1]
    s = _one(xr, a["a0_bwd"], a["params_bwd"])
    b = np.zeros((T, N, n_a))
    for i, L in enumerate(lengths):
        b[:L - 1, i] = s[:L - 1, i][::-1]
    return np.concatenate([_bi_ref(a)[..., :n_a], b], axis=2)


register(Spec("birnn_forward", ("rnncourse.bidirectional.bidirectional_forward",
                                "rnncourse.bidirectional.direction_forward", "rnncourse.bidirectional.reverse_padded",
                                "rnncourse.deep.stack_forward"),
              _bi_visible, _bi_random, expect=lambda c: _bi_ref(c.args), compare=_bi_compare))


# ----------------------------------------------------------------- stacked_rnn_forward
def _st_args(rng, T, N, n_x, n_a, L):
    return {"x": rng.normal(size=(T, N, n_x)), "a0": rng.normal(0, 0.7, (L, N, n_a)),
            "layers": [_params(rng, n_x if l == 0 else n_a, n_a) for l in range(L)]}


def _st_visible():
    rng = np.random.default_rng(81)
    return [Case(_st_args(rng, 3, 2, 2, 2, 3), "T = 3, N = 2, n_x = n_a = 2, three layers"),
            Case(_st_args(rng, 4, 2, 3, 2, 2), "T = 4, N = 2, n_x = 3, n_a = 2, two layers")]


def _st_random(rng):
    out = []
    for k in range(6):
        n_a = int(rng.integers(1, 5))
        n_x = n_a if k in (1, 4) else n_a + int(rng.integers(1, 3))
        T = 1 if k == 0 else int(rng.integers(2, 6))
        N = 1 if k in (0, 2) else int(rng.integers(2, 4))
        L = 1 if k == 5 else int(rng.integers(2, 4))
        out.append(Case(_st_args(rng, T, N, n_x, n_a, L), f"T = {T}, N = {N}, n_x = {n_x}, n_a = {n_a}, {L} layers"))
    return out


def _st_ref(args):
    out, h_n, _ = deep.stack_forward("rnn", args["x"], [[p] for p in args["layers"]], None, args["a0"])
    return out, h_n


def _st_variant(x, a0, layers, feed=None, state=None, params=None):
    """A stack with one mistake switched on; with every switch off it equals the reference."""
    inp, finals, tops = x, [], []
    for l in range(len(layers)):
        p = layers[l] if params is None else params(l)
        s0 = a0[l] if state is None else state(l)
        a = _one(inp, s0, p)
        finals.append(a[-1])
        tops.append(a)
        inp = a if feed is None else feed(l, a)
    return tops[-1], np.stack(finals), tops


def _st_compare(case, got, expected):
    a = case.args
    x, a0, layers = a["x"], a["a0"], a["layers"]
    out, h_n = expected
    L = len(layers)
    if isinstance(got, Raised):
        return diagnose(got, out, [], "a (the top layer's states)", raised_hint=(
            "Likely cause: an upper layer was fed x instead of the states below (layer l + 1 reads a^[l]<t>, "
            "n_a inputs; layer 0 reads x, n_x inputs)" if x.shape[2] != a0.shape[2] and L > 1 else ""))
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        return f"expected a tuple (a, a_last), got {type(got).__name__}"
    if isinstance(got[0], np.ndarray) and got[0].shape == h_n.shape and out.shape != h_n.shape \
            and isinstance(got[1], np.ndarray) and got[1].shape == out.shape:
        return f"a: expected shape {out.shape}, got {got[0].shape}\nLikely cause: the pair is returned as " \
               "(a_last, a); the order is (a, a_last)"
    _, _, tops = _st_variant(x, a0, layers)
    first = [_one(x, a0[0], layers[0])]
    causes = [
        ("an upper layer was fed x instead of the states below: layer l + 1 reads a^[l]<t>, the states of layer l",
         lambda: _st_variant(x, a0, layers, feed=lambda l, s: x)[0]),
        ("every layer starts from a0[0]: layer l starts from its own initial state a0[l]",
         lambda: _st_variant(x, a0, layers, state=lambda l: a0[0])[0]),
        ("every layer uses the first layer's weights layers[0]: layer l has its own layers[l]",
         lambda: _st_variant(x, a0, layers, params=lambda l: layers[0])[0]),
        ("a holds the first layer's states: return the states of the last (top) layer",
         lambda: first[0]),
        ("layer l + 1 read the states of layer l one step late (a^[l]<t - 1>): it reads them at the same step t",
         lambda: _st_variant(x, a0, layers, feed=lambda l, s: np.concatenate([a0[l][None], s[:-1]]))[0]),
        ("the pair is returned as (a_last, a); the order is (a, a_last)", h_n),
        ("the layers run in the wrong order: layers[0] reads x, layers[L - 1] gives the output",
         lambda: _st_variant(x, a0[::-1], layers[::-1])[0]),
    ]
    problem = diagnose(got[0], out, causes, "a (the top layer's states)", axes=SEQ_AXES,
                       layout_hint="the result is time-major, (T, N, n_a)")
    if problem:
        return problem
    return diagnose(got[1], h_n, [
        ("a_last holds the states of the first time step: a_last[l] is layer l's state at the LAST step",
         lambda: np.stack([t[0] for t in tops])),
        ("a_last repeats the top layer's final state: a_last[l] is the final state of layer l",
         lambda: np.stack([tops[-1][-1]] * L)),
        ("a_last holds the initial states a0: a_last[l] is the final state of layer l", a0),
        ("a_last is in the wrong order: a_last[0] is the first (lowest) layer's final state",
         lambda: h_n[::-1]),
    ], "a_last (each layer's final state)", axes=("layer", "example i", "hidden unit"))


register(Spec("stacked_rnn_forward", ("rnncourse.deep.stack_forward",), _st_visible, _st_random,
              expect=lambda c: _st_ref(c.args), compare=_st_compare))


# ----------------------------------------------------------------------- tagger_output
def _to_args(rng, T, N, n_a, n_y, shift=0.0):
    return {"a_fwd": rng.uniform(-1, 1, (T, N, n_a)), "a_bwd": rng.uniform(-1, 1, (T, N, n_a)),
            "Wya": rng.normal(0, 1.0, (n_y, 2 * n_a)), "by": rng.normal(0, 0.5, n_y) + shift}


def _to_visible():
    rng = np.random.default_rng(82)
    return [Case(_to_args(rng, 3, 2, 2, 3), "T = 3, N = 2, n_a = 2, n_y = 3"),
            Case(_to_args(rng, 2, 3, 3, 4, shift=800.0), "T = 2, N = 3, n_a = 3, n_y = 4, large scores (by around 800)")]


def _to_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 0 else int(rng.integers(2, 5))
        N = 1 if k in (0, 1) else int(rng.integers(2, 4))
        n_a, n_y = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        if k == 2:
            n_y = 2 * n_a  # a square Wya: a transposed weight gives no shape error
        out.append(Case(_to_args(rng, T, N, n_a, n_y, shift=900.0 if k == 5 else 0.0),
                        f"T = {T}, N = {N}, n_a = {n_a}, n_y = {n_y}" + (", large scores" if k == 5 else "")))
    return out


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _to_compare(case, got, expected):
    a = case.args
    f, b, W, by = a["a_fwd"], a["a_bwd"], a["Wya"], a["by"]
    n_a = f.shape[-1]
    z = np.concatenate([f, b], axis=2) @ W.T + by
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind == "f" \
            and not np.isfinite(got).all():
        return (f"y_hat: contains {'NaN' if np.isnan(got).any() else 'inf'} although every probability is finite "
                "here\nLikely cause: exp overflowed on large scores: subtract each row's maximum score before exp "
                "(the softmax does not change)")
    causes = [
        ("the two directions are concatenated in the other order: [a→; a←] (a_fwd first), so Wya[:, :n_a] "
         "reads the forward states", lambda: _softmax(np.concatenate([b, f], axis=2) @ W.T + by)),
        ("softmax over the wrong axis: normalise over the tags (the last axis), not over time",
         lambda: _softmax(z, axis=0)),
        ("softmax over the wrong axis: normalise over the tags (the last axis), not over the examples",
         lambda: _softmax(z, axis=1)),
        ("the softmax is missing: return probabilities, not scores", z),
        ("a sigmoid is not a softmax: the probabilities of the tags must sum to 1",
         lambda: 1 / (1 + np.exp(-z))),
        ("the output bias by is missing: scores are [a→; a←] @ Wya.T + by", lambda: _softmax(z - by)),
        ("only the forward states were used: the scores read both directions, [a→; a←] @ Wya.T",
         lambda: _softmax(f @ W[:, :n_a].T + by)),
        ("the two directions were added instead of concatenated: [a→; a←] stacks them along the last axis",
         lambda: _softmax((f + b) @ W[:, :n_a].T + by)),
        ("the two directions were added instead of concatenated: [a→; a←] stacks them along the last axis",
         lambda: _softmax((f + b) @ (W[:, :n_a] + W[:, n_a:]).T + by)),
        ("Wya is transposed: the scores are [a→; a←] @ Wya.T (Wya has shape (n_y, 2 n_a))",
         lambda: _softmax(np.concatenate([f, b], axis=2) @ W + by)),
    ]
    return diagnose(got, expected, causes, "y_hat", axes=("time step t", "example i", "tag"),
                    layout_hint="the result is time-major, (T, N, n_y)",
                    raised_hint=(f"Likely cause: Wya has shape (n_y, 2 n_a) = {W.shape}: the scores are "
                                 "np.concatenate([a_fwd, a_bwd], axis=2) @ Wya.T + by"))


register(Spec("tagger_output", ("rnncourse.tagging.tagger_output",), _to_visible, _to_random,
              expect=lambda c: tagging.tagger_output(**c.args), compare=_to_compare))
