"""Checks for assignment 09, labellings: collapse and greedy (best-path) decoding.

Expected values come from :mod:`rnncourse.ctc` and :mod:`rnncourse.ctc_decode`; a wrong answer is compared with those of a small
wrong collapse (:func:`wrong_collapse`). The loss (ctc_alpha, ctc_nll) is checked in
:mod:`rnncourse.checks.ch09`.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import ctc, ctc_decode
from ._core import Case, Raised, Spec, register
from ._compare import describe


def wrong_collapse(path, blank=0, order="merge first", merge=True, drop_blanks=True):
    """collapse with switches: ``order="drop first"`` removes the blanks before merging repeats,
    ``merge=False`` keeps repeats, ``drop_blanks=False`` keeps blanks. All defaults: B itself."""
    path = [int(k) for k in path]
    if order == "drop first" and drop_blanks:
        path = [k for k in path if k != blank]
    if merge:
        path = [k for k, _ in itertools.groupby(path)]
    if drop_blanks:
        path = [k for k in path if k != blank]
    return path


# ------------------------------------------------------------------------ collapse
def _collapse_visible():
    # 好 = 1, 棒 = 2: "好好好棒棒棒棒" trims to "好棒"; with blanks, "好棒棒" survives
    return [Case({"path": [1, 1, 1, 2, 2, 2, 2], "blank": 0}, "好好好棒棒棒棒 (好 = 1, 棒 = 2): no blanks"),
            Case({"path": [1, 2, 2, 1, 1], "blank": 0}, "好棒棒好好: a label that comes back"),
            Case({"path": [0, 1, 1, 0, 2, 0, 2, 2, 0], "blank": 0}, "- 好 好 - 棒 - 棒 棒 - (blank = 0)"),
            Case({"path": [3, 1, 1, 3, 1, 2, 3], "blank": 3}, "blank = 3, not 0")]


def _collapse_random(rng):
    out = [Case({"path": [], "blank": 0}, "an empty path (T = 0)")]
    for k in range(6):
        C = int(rng.integers(2, 6))
        blank = 0 if k % 2 else int(rng.integers(1, C))
        T = 1 if k == 0 else int(rng.integers(2, 14))
        path = [int(v) for v in rng.integers(0, C, size=T)]
        if T >= 3:
            path[1], path[2] = blank, path[0] if path[0] != blank else (blank + 1) % C  # "a - a"
        out.append(Case({"path": path, "blank": blank}, f"T = {T}, blank = {blank}"))
    out.append(Case({"path": [2, 2, 0, 0, 2], "blank": 0}, "a run of blanks between two equal labels"))
    return out


def _as_labelling(got):
    """A list/tuple/1-d integer array as a list of ints, or None if it is not one."""
    if isinstance(got, np.ndarray) and got.ndim == 1 and (got.dtype.kind in "iu" or got.size == 0):
        return [int(v) for v in got]
    if isinstance(got, (list, tuple)) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                              for v in got):
        return [int(v) for v in got]
    return None


def _collapse_compare(case, got, expected):
    path, blank = case.args["path"], case.args["blank"]
    lab = _as_labelling(got)
    if lab is None:
        return f"collapse: expected a list of ints such as {expected}, got {describe(got)}"
    if lab == expected:
        return None
    msg = f"collapse: expected {expected}, got {lab}"
    causes = []
    if blank != 0 and wrong_collapse(path, 0) == wrong_collapse(path, blank, drop_blanks=False):
        causes.append((f"the blanks were not removed (the blank here is symbol {blank}: use the argument blank, "
                       "not always 0)", wrong_collapse(path, 0)))
    causes += [
        ("the blanks were removed before the repeats were merged: merge repeats first, so that "
         "'a - a' stays two labels (that is what the blank is for)", wrong_collapse(path, blank, "drop first")),
        ("the repeats were not merged: B first merges runs of the same symbol ('a a' is one a)",
         wrong_collapse(path, blank, merge=False)),
        ("the blanks were not removed: B drops every blank after merging",
         wrong_collapse(path, blank, drop_blanks=False)),
        ("the blank is the argument blank, not always 0", wrong_collapse(path, 0)),
        ("only neighbouring repeats merge: a label that comes back later is a new label",
         list(dict.fromkeys(k for k in path if k != blank))),
        ("the last run of the path was lost (does your loop append the final symbol?)",
         wrong_collapse([k for k, _ in itertools.groupby(path)][:-1], blank) if path else None),
    ]
    for cause, alt in causes:
        if alt is not None and alt == lab and alt != expected:
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("collapse", ("rnncourse.ctc.collapse", "rnncourse.ctc_decode.greedy_decode"),
              _collapse_visible, _collapse_random, expect=lambda c: ctc.collapse(**c.args),
              compare=_collapse_compare, must_not_change=("path",)))


# ------------------------------------------------------------------ greedy_decode
def _paths_to_logits(rng, paths, C, noise=0.3):
    T, N = len(paths[0]), len(paths)
    z = rng.normal(0, noise, size=(T, N, C))
    for i, p in enumerate(paths):
        z[np.arange(T), i, p] += 3.0  # the path's symbol wins at every frame
    return z


def _random_path(rng, T, C, blank):
    path = []
    while len(path) < T:
        k = int(rng.integers(0, C))
        path += [k] * int(rng.integers(1, 4))  # runs: repeats to merge
    path = path[:T]
    if T >= 4:
        a = path[0] if path[0] != blank else (blank + 1) % C
        path[1:4] = [a, blank, a]  # "a - a": two labels
    return path


def _greedy_visible():
    rng = np.random.default_rng(9)
    paths = [[1, 1, 0, 1, 2, 2, 0], [2, 0, 2, 2, 1, 0, 1]]
    return [Case({"logits": _paths_to_logits(rng, paths, 3), "input_lengths": None, "blank": 0},
                 "T = 7, N = 2, C = 3, all frames real"),
            Case({"logits": _paths_to_logits(rng, [[1, 1, 0, 1, 2, 2, 0], [2, 0, 2, 2, 1, 1, 1]], 3),
                  "input_lengths": np.array([7, 4]), "blank": 0},
                 "T = 7, N = 2, input_lengths = [7, 4]: example 2 has 3 padding frames")]


def _greedy_random(rng):
    out = []
    for k in range(6):
        C = int(rng.integers(3, 7))
        N = 1 if k == 0 else int(rng.integers(2, 5))
        T = 1 if k == 1 else int(rng.integers(5, 12))
        blank = int(rng.integers(1, C)) if k in (2, 4) else 0
        paths = [_random_path(rng, T, C, blank) for _ in range(N)]
        lengths = None if k in (0, 3) else rng.integers(1, T + 1, size=N)
        if lengths is not None:
            lengths[0] = T
        out.append(Case({"logits": _paths_to_logits(rng, paths, C), "input_lengths": lengths, "blank": blank},
                        f"T = {T}, N = {N}, C = {C}, blank = {blank}, input_lengths = "
                        f"{'None' if lengths is None else list(map(int, lengths))}"))
    return out


def _greedy_compare(case, got, expected):
    z, lengths, blank = case.args["logits"], case.args["input_lengths"], case.args["blank"]
    T, N, C = z.shape
    if isinstance(got, Raised):
        msg = f"greedy_decode: expected a list of {N} labellings, got {describe(got)}"
        if lengths is None and got.exc_type == "TypeError":
            msg += "\nLikely cause: input_lengths=None means every example has all T frames"
        return msg
    if not isinstance(got, (list, tuple)) or len(got) != N:
        msg = f"greedy_decode: expected a list of N = {N} labellings (lists of ints), got {describe(got)}"
        if isinstance(got, (list, tuple)) and len(got) == T and T != N:
            msg += "\nLikely cause: the logits are time-major, (T, N, C): one labelling per example, axis 1"
        if isinstance(got, np.ndarray):
            msg += "\nLikely cause: the best path must be collapsed into a list per example (labellings differ in length)"
        return msg
    labs = [_as_labelling(g) for g in got]
    if any(lab is None for lab in labs):
        i = next(i for i, lab in enumerate(labs) if lab is None)
        return f"greedy_decode: labelling of example i = {i + 1} should be a list of ints, got {describe(got[i])}"
    if labs == expected:
        return None
    i = next(i for i in range(N) if labs[i] != expected[i])
    msg = f"greedy_decode: example i = {i + 1}: expected {expected[i]}, got {labs[i]}"
    best = z.argmax(axis=2)
    L = [T] * N if lengths is None else [int(v) for v in lengths]
    causes = [
        ("the best path was not collapsed: merge repeats, then drop the blanks (your collapse)",
         [[int(k) for k in best[:L[j], j]] for j in range(N)]),
        ("the blanks were removed before the repeats were merged (see collapse)",
         [wrong_collapse(best[:L[j], j], blank, "drop first") for j in range(N)]),
        ("frames after input_lengths[i] are padding: decode only the first input_lengths[i] frames",
         [ctc.collapse(best[:, j], blank) for j in range(N)]),
        ("the last real frame was dropped: example i has input_lengths[i] frames, 0 .. input_lengths[i] - 1",
         [ctc.collapse(best[:max(L[j] - 1, 0), j], blank) for j in range(N)]),
        ("the blank is the argument blank, not always 0", [ctc.collapse(best[:L[j], j], 0) for j in range(N)]),
        ("the most probable symbol per frame is the argmax over the symbols (axis 2), not the least probable",
         [ctc.collapse(z.argmin(axis=2)[:L[j], j], blank) for j in range(N)]),
    ]
    for cause, alt in causes:
        if alt == labs and alt != expected:
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("greedy_decode", ("rnncourse.ctc_decode.greedy_decode", "rnncourse.ctc.collapse",
                                "rnncourse.ctc_decode.prefix_beam_search"),
              _greedy_visible, _greedy_random, expect=lambda c: ctc_decode.greedy_decode(**c.args),
              compare=_greedy_compare, must_not_change=("logits",)))
