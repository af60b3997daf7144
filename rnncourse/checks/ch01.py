"""Checks for assignment 01 (sequence data): padding, masks, masked means, index notation."""
from __future__ import annotations

import numpy as np

from .. import sequences as ref
from ._core import Case, Raised, Spec, _fmt, close, compare_arrays, describe, diagnose, register

TIME_MAJOR = "batches are time-major, (T, N) or (T, N, n_x): row t holds step t of every example"
AXES = ("time step t", "example i")


# ---------------------------------------------------------------- pad_sequences
def _pad_visible():
    return [
        Case({"sequences": [np.array([5, 2, 7]), np.array([4]), np.array([9, 9])], "pad_value": 0},
             "token ids [5,2,7], [4], [9,9]"),
        Case({"sequences": [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])],
              "pad_value": -1.0}, "feature vectors (n_x = 2), pad_value = -1"),
    ]


def _pad_random(rng):
    cases = []
    for k in range(6):
        N = int(rng.integers(1, 6))
        lengths = rng.integers(0, 7, size=N)
        lengths[rng.integers(N)] = rng.integers(1, 7)  # at least one non-empty sequence
        # a non-integer pad_value only for float sequences: integer ids cannot hold it (pad_sequences refuses)
        pad = float(rng.normal()) if k % 3 == 2 else int(rng.integers(-3, 4))
        if k % 3 == 2:
            n_x = int(rng.integers(1, 4))
            seqs = [rng.normal(size=(int(L), n_x)) for L in lengths]
        else:
            seqs = [rng.integers(1, 50, size=int(L)) for L in lengths]
        cases.append(Case({"sequences": seqs, "pad_value": pad},
                          f"N = {N} sequences of lengths {lengths.tolist()}, pad_value = {pad}"))
    return cases


def _pad_compare(case, got, expected):
    padded, lengths = expected
    if isinstance(got, Raised) or not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (padded, lengths), got {describe(got)}"
    seqs, pad = case.args["sequences"], case.args["pad_value"]
    T, N = padded.shape[:2]
    no_pad = np.zeros_like(padded)
    for i, s in enumerate(seqs):
        no_pad[: len(s), i] = s
    problem = diagnose(got[0], padded, [
        ("positions past the end of a sequence must hold pad_value, not 0", no_pad),
    ], "padded", axes=AXES, layout_hint=TIME_MAJOR)
    if problem:
        return problem
    return compare_arrays(got[1], lengths, "lengths", axes=("example i",), kind="iu")


register(Spec("pad_sequences", ("rnncourse.sequences.pad_sequences",), _pad_visible, _pad_random,
              expect=lambda c: ref.pad_sequences(**c.args), compare=_pad_compare))


# --------------------------------------------------------------- lengths_to_mask
def _mask_visible():
    return [Case({"lengths": np.array([3, 1, 2])}, "lengths [3, 1, 2]"),
            Case({"lengths": np.array([2, 0]), "max_len": 4}, "lengths [2, 0] with max_len = 4")]


def _mask_random(rng):
    cases = []
    for k in range(6):
        lengths = rng.integers(0, 8, size=int(rng.integers(1, 7)))
        lengths[0] = max(lengths[0], 1)
        args = {"lengths": lengths}
        if k % 2:
            args["max_len"] = int(lengths.max() + rng.integers(0, 3))
        cases.append(Case(args, f"lengths {lengths.tolist()}" +
                          (f", max_len = {args['max_len']}" if "max_len" in args else "")))
    return cases


def _mask_compare(case, got, expected):
    L = case.args["lengths"]
    T = expected.shape[0]
    return diagnose(got, expected, [
        ("off by one: position t is real when t < length (0-based), not t <= length",
         np.arange(T)[:, None] <= L[None, :]),
        ("max_len was ignored", lambda: ref.lengths_to_mask(L)),
    ], "mask", axes=AXES, kind="b", layout_hint=TIME_MAJOR)


register(Spec("lengths_to_mask", ("rnncourse.sequences.lengths_to_mask",), _mask_visible, _mask_random,
              expect=lambda c: ref.lengths_to_mask(**c.args), compare=_mask_compare))


# ------------------------------------------------------------------- masked_mean
def _mm_visible():
    values = np.array([[1.0, 4.0], [3.0, 100.0]])
    mask = np.array([[True, True], [True, False]])
    return [Case({"values": values, "mask": mask},
                 "values [[1, 4], [3, 100]], the 100 is padding: mean of 1, 4, 3")]


def _mm_random(rng):
    cases = []
    for _ in range(5):
        lengths = rng.integers(1, 7, size=int(rng.integers(1, 6)))
        mask = ref.lengths_to_mask(lengths)
        values = rng.normal(size=mask.shape)
        values[~mask] = rng.normal(50, 10, size=int((~mask).sum()))  # padding looks very different
        cases.append(Case({"values": values, "mask": mask}, f"lengths {lengths.tolist()}"))
    return cases


def _mm_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"expected a float, got {describe(got)}"
    if close(got, expected):
        return None
    v, m = case.args["values"], case.args["mask"]
    causes = [
        ("padding positions were counted: divide by the number of real positions, mask.sum()",
         float(np.where(m, v, 0).sum() / v.size)),
        ("padding values were included in the sum: use the mask to zero them", float(v.sum() / m.sum())),
        ("padding was included: the plain mean of all entries is not the masked mean", float(v.mean())),
        ("the sum was returned instead of the mean", float(np.where(m, v, 0).sum())),
    ]
    msg = f"expected {expected:.6g}, got {got:.6g}"
    for cause, alt in causes:
        if close(got, alt):
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("masked_mean", ("rnncourse.sequences.masked_mean",), _mm_visible, _mm_random,
              expect=lambda c: ref.masked_mean(**c.args), compare=_mm_compare))


# ---------------------------------------------------------------------- token_at
def _ta_expect(case):
    try:
        return ref.token_at(**case.args)
    except IndexError as exc:
        return Raised("IndexError", str(exc))


def _ta_visible():
    padded, lengths = ref.pad_sequences([np.array([5, 2, 7]), np.array([4]), np.array([9, 9])])
    base = {"padded": padded, "lengths": lengths}
    return [Case(dict(base, i=1, t=1), "x^(1)<1> of the worked batch: 5"),
            Case(dict(base, i=1, t=3), "x^(1)<3> of the worked batch: 7"),
            Case(dict(base, i=3, t=2), "x^(3)<2> of the worked batch: 9"),
            Case(dict(base, i=2, t=2), "x^(2)<2>: example 2 has length 1, so t = 2 is padding -> IndexError")]


def _ta_random(rng):
    cases = []
    for _ in range(8):
        lengths = rng.integers(1, 7, size=int(rng.integers(2, 6)))
        seqs = [rng.integers(1, 100, size=int(L)) for L in lengths]
        padded, lengths = ref.pad_sequences(seqs)
        i = int(rng.integers(1, len(seqs) + 1))
        t = int(rng.integers(1, padded.shape[0] + 1))
        cases.append(Case({"padded": padded, "lengths": lengths, "i": i, "t": t},
                          f"lengths {lengths.tolist()}, i = {i}, t = {t}"))
    return cases


def _ta_compare(case, got, expected):
    a = case.args
    i, t, P = a["i"], a["t"], a["padded"]
    if isinstance(expected, Raised):
        if isinstance(got, Raised) and got.exc_type == "IndexError":
            return None
        return (f"t = {t} is past the end of example i = {i} (its length T_x^({i}) is "
                f"{int(a['lengths'][i - 1])}): expected an IndexError, got {describe(got)}")
    if isinstance(got, Raised):
        return f"expected {_fmt(expected)}, got {describe(got)}"
    got_v = got.item() if isinstance(got, np.ndarray) and got.shape == () else got
    if got_v == expected:
        return None
    msg = f"expected x^({i})<{t}> = {_fmt(expected)}, got {_fmt(got_v)}"
    T, N = P.shape
    guesses = []
    if t < T and i < N:
        guesses.append(("off by one: maths indices start at 1, so use padded[t - 1, i - 1]", P[t, i]))
    if i - 1 < T and t - 1 < N:
        guesses.append(("axes swapped: the batch is time-major, padded[t - 1, i - 1]", P[i - 1, t - 1]))
    for cause, alt in guesses:
        if got_v == alt:
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("token_at", ("rnncourse.sequences.token_at",), _ta_visible, _ta_random,
              expect=_ta_expect, compare=_ta_compare))
