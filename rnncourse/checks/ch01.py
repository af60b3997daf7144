"""Checks for assignment 01 (sequence data): padding, masks, masked means, index notation."""
from __future__ import annotations

import numpy as np

from .. import sequences as ref
from ._core import Case, Raised, register, Spec
from ._compare import _fmt, cause, close, describe, diagnose
from ._wording import SWAPPED

TIME_MAJOR = "batches are time-major, (T, N) or (T, N, n_x): row t holds step t of every example"
AXES = ("time step t", "example i")


# ---------------------------------------------------------------- pad_sequences
def _pad_visible():
    return [
        Case({"sequences": [np.array([5, 2, 7]), np.array([4]), np.array([9, 9])], "pad_value": 0},
             "token ids [5,2,7], [4], [9,9]"),
        Case({"sequences": [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])],
              "pad_value": -1.0}, "feature vectors (n_x = 2), pad_value = -1"),
        Case({"sequences": [np.array([3, 1, 4, 1]), np.array([5]), np.array([], dtype=np.int64)],
              "pad_value": -1}, "token ids [3,1,4,1], [5] and an empty sequence, pad_value = -1: T = 4, N = 3"),
        Case({"sequences": [np.array([8, 6]), np.array([7])], "pad_value": 0, "max_len": 4},
             "token ids [8,6], [7] with max_len = 4: T = 4"),
    ]


def _pad_random(rng):
    cases = []
    for k in range(6):
        N = 1 if k == 0 else int(rng.integers(2, 6))  # the first case has one example
        lengths = rng.integers(0, 2 if k == 1 else 7, size=N)  # the second, T = 1
        lengths[rng.integers(N)] = 1 if k == 1 else rng.integers(1, 7)  # at least one non-empty sequence
        if k == 3:
            lengths[0] = 0  # an empty sequence
        # a non-integer pad_value only for float sequences: integer ids cannot hold it (pad_sequences refuses)
        pad = float(rng.normal()) if k % 3 == 2 else int(rng.integers(-3, 4)) or 1
        if k % 3 == 2:
            n_x = int(rng.integers(1, 4))
            seqs = [rng.normal(size=(int(L), n_x)) for L in lengths]
        else:
            seqs = [rng.integers(1, 50, size=int(L)) for L in lengths]
        args = {"sequences": seqs, "pad_value": pad}
        if k >= 4:  # k = 4: longer than the longest sequence; k = 5: exactly as long
            args["max_len"] = int(lengths.max()) + (int(rng.integers(1, 3)) if k == 4 else 0)
        cases.append(Case(args, f"N = {N} sequences of lengths {lengths.tolist()}, pad_value = {pad:.3g}"
                          + (f", max_len = {args['max_len']}" if "max_len" in args else "")))
    return cases


def _pad_compare(case, got, expected):
    padded, lengths = expected
    if isinstance(got, Raised) or not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (padded, lengths), got {describe(got)}"
    seqs, pad = case.args["sequences"], case.args["pad_value"]
    T, N = padded.shape[:2]
    longest = max(len(s) for s in seqs)
    no_pad, left = np.zeros_like(padded), np.full_like(padded, pad)
    for i, s in enumerate(seqs):
        no_pad[: len(s), i] = s
        left[T - len(s):, i] = s
    ids = padded.dtype.kind in "iu"
    problem = diagnose(got[0], padded, [
        ("positions past the end of a sequence must hold pad_value, not 0", no_pad),
        ("each sequence starts at t = 0 and the padding goes after its end, not before its start", left),
        ("max_len was ignored: when it is given, padded has max_len rows",
         lambda: ref.pad_sequences(seqs, pad)[0]),
    ], "padded", axes=AXES, layout_hint=TIME_MAJOR, kind="iu" if ids else "f",
        shape_hints=[("padded has T = max(T_i) rows, the length of the longest sequence "
                      "(not the number of sequences N)", lambda shape: shape[0] == N != T == longest)])
    if problem:
        g = got[0]
        if isinstance(g, np.ndarray) and g.shape == padded.shape and (g.dtype.kind in "iu") != ids:
            problem = cause(problem, "padded has the dtype of the sequences, np.result_type(*sequences): "
                                     + ("integer ids stay integers" if ids else "float vectors stay float"))
        return problem
    return diagnose(got[1], lengths, [
        ("lengths[i] is the length T_i of sequence i, not the padded length T", np.full(N, T)),
    ], "lengths", axes=("example i",), kind="iu")


register(Spec("pad_sequences", ("rnncourse.sequences.pad_sequences",), _pad_visible, _pad_random,
              expect=lambda c: ref.pad_sequences(**c.args), compare=_pad_compare,
              must_not_change=("sequences",)))


# --------------------------------------------------------------- lengths_to_mask
def _mask_visible():
    return [Case({"lengths": np.array([3, 1, 2])}, "lengths [3, 1, 2]"),
            Case({"lengths": np.array([2, 0]), "max_len": 4}, "lengths [2, 0] with max_len = 4"),
            Case({"lengths": np.array([1, 4])}, "lengths [1, 4]: T = 4 steps, N = 2 examples")]


def _mask_random(rng):
    cases = []
    for k in range(6):
        N = 1 if k == 0 else int(rng.integers(2, 7))  # one example, then several
        lengths = rng.integers(0, 2 if k == 1 else 8, size=N)  # the second case has T = 1
        lengths[0] = max(lengths[0], 1)
        if k == 2:
            lengths[-1] = 0  # an example of length 0: a column of False
        args = {"lengths": lengths}
        if k % 2:
            args["max_len"] = int(lengths.max() + (0 if k == 5 else rng.integers(1, 4)))
        cases.append(Case(args, f"lengths {lengths.tolist()}" +
                          (f", max_len = {args['max_len']}" if "max_len" in args else "")))
    return cases


OFF_BY_ONE_MASK = "off by one: position t (counted from 0) is real when t < lengths[i]"


def _mask_compare(case, got, expected):
    L = np.asarray(case.args["lengths"])
    T, N = expected.shape
    return diagnose(got, expected, [
        (OFF_BY_ONE_MASK + ", not t <= lengths[i]", np.arange(T)[:, None] <= L[None, :]),
        (OFF_BY_ONE_MASK + ": the rows are t = 0, ..., T - 1 (np.arange(T)), not 1, ..., T",
         np.arange(1, T + 1)[:, None] < L[None, :]),
        ("max_len was ignored: when it is given, the mask has max_len rows",
         lambda: ref.lengths_to_mask(L)),
        ("the mask is True at the real steps (t < lengths[i]) and False at the padding, "
         "not the other way round", ~expected),
    ], "mask", axes=AXES, kind="b", layout_hint=TIME_MAJOR,
        shape_hints=[("the mask has T rows: max_len when it is given, otherwise max(lengths) "
                      "(not the number of examples N)", lambda shape: shape[0] == N != T)])


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
    for k in range(5):
        N = 1 if k == 0 else int(rng.integers(2, 6))  # one example, then several
        lengths = rng.integers(1, 2 if k == 1 else 7, size=N)  # the second case has T = 1
        mask = ref.lengths_to_mask(lengths)
        values = rng.normal(size=mask.shape)
        values[~mask] = rng.normal(50, 10, size=int((~mask).sum()))  # padding looks very different
        cases.append(Case({"values": values, "mask": mask}, f"lengths {lengths.tolist()}"))
    return cases


def _mm_compare(case, got, expected):
    v, m = case.args["values"], case.args["mask"]
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        msg = f"expected a float, got {describe(got)}"
        if isinstance(got, np.ndarray) and got.ndim == 1 and got.size in (v.shape[0], v.shape[1]) and v.size > 1:
            msg = cause(msg, "the mean was taken along one axis only: masked_mean is one number, "
                             "the mean over every real position of the batch")
        return msg
    if close(got, expected):
        return None
    counts = [m.sum(axis=a) for a in (0, 1)]
    causes = [
        ("padding positions were counted: divide by the number of real positions, mask.sum()",
         float(np.where(m, v, 0).sum() / v.size)),
        ("padding values were included in the sum: use the mask to zero them", float(v.sum() / m.sum())),
        ("padding was included: the plain mean of all entries is not the masked mean", float(v.mean())),
        ("the sum was returned instead of the mean", float(np.where(m, v, 0).sum())),
        ("the mask is True at the real positions: average where it is True, not where it is False",
         float(v[~m].mean()) if (~m).any() else None),
    ] + [
        ("a mean of per-example (or per-step) means weights short sequences more: divide the sum over "
         "the whole batch by mask.sum()",
         float(np.mean(np.where(m, v, 0).sum(axis=a)[c > 0] / c[c > 0]))) for a, c in zip((0, 1), counts)
    ]
    msg = f"expected {expected:.6g}, got {got:.6g}"
    for text, alt in causes:
        if alt is not None and not close(alt, expected) and close(got, alt):
            return cause(msg, text)
    return msg


register(Spec("masked_mean", ("rnncourse.sequences.masked_mean",), _mm_visible, _mm_random,
              expect=lambda c: ref.masked_mean(**c.args), compare=_mm_compare,
              must_not_change=("values", "mask")))


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
            Case(dict(base, i=1, t=2), "x^(1)<2> of the worked batch: 2"),
            Case(dict(base, i=2, t=1), "x^(2)<1>, the only step of example 2: 4"),
            Case(dict(base, i=1, t=3), "x^(1)<3>, the last step of example 1: 7"),
            Case(dict(base, i=3, t=2), "x^(3)<2> of the worked batch: 9"),
            Case(dict(base, i=2, t=2), "x^(2)<2>: example 2 has length 1, so t = 2 is padding -> IndexError"),
            Case(dict(base, i=1, t=0), "x^(1)<0>: steps count from 1, so t = 0 -> IndexError")]


def _ta_random(rng):
    cases = []
    for k in range(8):
        lengths = rng.integers(1, 7, size=int(rng.integers(2, 6)))
        lengths[0] = max(int(lengths.max()) - 1, 1) if k == 2 else lengths[0]  # room for padding
        seqs = [rng.integers(1, 100, size=int(L)) for L in lengths]
        padded, lengths = ref.pad_sequences(seqs)
        N, T = len(seqs), padded.shape[0]
        i = int(rng.integers(1, N + 1))
        t = int(rng.integers(1, T + 1))
        if k == 0:
            i, t = 1, 1  # the first step of the first example
        elif k == 1:
            i, t = N, int(lengths[N - 1])  # the last step of the last example
        elif k == 2:
            i, t = 1, int(lengths[0]) + 1  # the first padding position of example 1
            if t > T:
                t = int(lengths[0])
        elif k == 3:
            t = 0  # steps count from 1: numpy would read the last row
        elif k == 4:
            i = 0  # examples count from 1: numpy would read the last column
        elif k == 5:
            i = N + 1
        cases.append(Case({"padded": padded, "lengths": lengths, "i": i, "t": t},
                          f"lengths {lengths.tolist()}, i = {i}, t = {t}"))
    return cases


def _ta_compare(case, got, expected):
    a = case.args
    i, t, P, L = a["i"], a["t"], a["padded"], a["lengths"]
    T, N = P.shape
    if isinstance(expected, Raised):
        if isinstance(got, Raised) and got.exc_type == "IndexError":
            return None
        if not 1 <= i <= N:
            why = (f"i = {i} is not an example of the batch (examples count from 1 to N = {N}"
                   + ("; numpy's padded[:, -1] would quietly read the last example)" if i == 0 else ")"))
        elif t < 1:
            why = f"t = {t} is not a step (steps count from 1; numpy's padded[-1] would quietly read the last row)"
        else:
            why = (f"t = {t} is past the end of example i = {i}: its length T_x^({i}) is lengths[i - 1] = "
                   f"{int(L[i - 1])}, so t = {t} points into the padding")
        value = got.item() if isinstance(got, np.ndarray) and got.shape == () else got
        shown = f"the value {_fmt(value)}" if isinstance(value, (int, float, np.generic)) else describe(got)
        return f"{why}: expected an IndexError, got {shown}"
    if isinstance(got, Raised):
        msg = f"expected x^({i})<{t}> = {_fmt(expected)}, got {describe(got)}"
        if got.exc_type != "IndexError":
            return msg
        T_i = int(L[i - 1])
        why = []  # every mistake that raises here, so that none is claimed when two agree
        if t == T_i:
            why.append(f"t = {t} = T_x^({i}) is the last real step of example i = {i}: the bounds are "
                       f"inclusive, 1 <= t <= T_x^(i)")
        if i == N:
            why.append(f"i = {i} = N is the last example: the bounds are inclusive, 1 <= i <= N")
        if i < N and t > int(L[i]):
            why.append(f"the length of example i is lengths[i - 1] = {T_i}; lengths[i] = {int(L[i])} is the "
                       f"length of example i + 1")
        if not why:
            why.append(f"x^({i})<{t}> exists: maths indices start at 1, so example i = {i} is column i - 1 and "
                       f"its length T_x^({i}) is lengths[i - 1] = {T_i} (steps t = 1 to {T_i}, read as "
                       f"padded[t - 1, i - 1])")
        if len(why) == 1:
            return cause(msg, why[0])
        return cause(msg, "one of these (they give the same answer on this case): " + "; or ".join(why))
    got_v = got.item() if isinstance(got, np.ndarray) and got.shape == () else got
    if got_v == expected:
        return None
    msg = f"expected x^({i})<{t}> = {_fmt(expected)}, got {_fmt(got_v)}"
    guesses = []
    if t < T and i < N:
        guesses.append(("off by one: maths indices start at 1, so use padded[t - 1, i - 1]", P[t, i]))
    if i - 1 < T and t - 1 < N:
        guesses.append((f"{SWAPPED}: batches are time-major, so x^(i)<t> is padded[t - 1, i - 1], "
                        "not padded[i - 1, t - 1]", P[i - 1, t - 1]))
    for text, alt in guesses:
        if alt != expected and got_v == alt:
            return cause(msg, text)
    return msg


register(Spec("token_at", ("rnncourse.sequences.token_at",), _ta_visible, _ta_random,
              expect=_ta_expect, compare=_ta_compare))
