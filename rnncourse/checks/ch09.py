"""Checks for assignment 09 (connectionist temporal classification), the loss: the log-space forward
variables and the loss of one sequence (collapse and greedy decoding: :mod:`rnncourse.checks.ch09_decoding`).

Expected values come from :mod:`rnncourse.ctc`. A wrong answer is compared with the answers of known
mistakes, each recomputed here by :func:`alpha_variant` (the forward recursion with one switch per
mistake; tests/test_ctc.py proves that with every switch off it equals ``ctc.ctc_alpha``); the message
names the mistake only when it distinguishes on that case.
"""
from __future__ import annotations

import numpy as np

from .. import ctc
from ._core import Case, Raised, Spec, register
from ._compare import ATOL, RTOL, close, compare_arrays, describe

# positions of l' are counted from 1 in the book (s = 1 is the first blank) but compare_arrays counts only
# the letters t and i from 1; "extended position" (no letter) is reported by its numpy index, unambiguous
ALPHA_AXES = ("time step t", "extended position")
NEG_INF = -np.inf


# ------------------------------------------------------------------ shared pieces
def alpha_variant(log_y, labels, blank=0, skip_repeats=False, no_skip=False, skip_blanks=False,
                  combine="logaddexp", start_on_label=True, start_everywhere=False, emit=True,
                  emit_by_position=False, linear=False, no_advance=False):
    """The log-space forward recursion with one switch per known mistake (all defaults: ctc_alpha).

    - skip_repeats: a skip allowed between two equal labels; no_skip: no skip at all;
      skip_blanks: a skip also from blank to blank.
    - combine="max": the largest predecessor instead of the log of their sum (Viterbi).
    - start_on_label=False: a path may start only in the first blank; start_everywhere: in any position.
    - emit=False: the emission log y_t(l'_s) is never added after the first frame; emit_by_position:
      log_y[t, s] instead of log_y[t, l'_s].
    - linear: the probabilities multiplied in linear space, then the log taken (underflow).
    - no_advance: no move from l'_{s-1} to l'_s.
    """
    log_y = np.asarray(log_y, dtype=np.float64)
    T = log_y.shape[0]
    ext = [blank]
    for k in labels:
        ext += [int(k), blank]
    S = len(ext)
    sym = list(range(S)) if emit_by_position else ext
    if emit_by_position and S > log_y.shape[1]:
        raise ValueError("more positions than symbols")
    if linear:
        y = np.exp(log_y)
        alpha = np.zeros((T, S))
        alpha[0, 0] = y[0, sym[0]]
        if S > 1 and start_on_label:
            alpha[0, 1] = y[0, sym[1]]
        for t in range(1, T):
            for s in range(S):
                a = alpha[t - 1, s] + (alpha[t - 1, s - 1] if s >= 1 else 0.0)
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    a += alpha[t - 1, s - 2]
                alpha[t, s] = a * y[t, sym[s]]
        with np.errstate(divide="ignore"):
            return np.log(alpha)
    add = np.logaddexp if combine == "logaddexp" else np.maximum
    log_alpha = np.full((T, S), NEG_INF)
    if T == 0:
        return log_alpha
    if start_everywhere:
        log_alpha[0] = log_y[0, sym]
    else:
        log_alpha[0, 0] = log_y[0, sym[0]]
        if S > 1 and start_on_label:
            log_alpha[0, 1] = log_y[0, sym[1]]
    for t in range(1, T):
        for s in range(S):
            a = log_alpha[t - 1, s]
            if s >= 1 and not no_advance:
                a = add(a, log_alpha[t - 1, s - 1])
            if s >= 2 and not no_skip:
                allowed = ext[s] != blank and (ext[s] != ext[s - 2] or skip_repeats)
                if allowed or (skip_blanks and ext[s] == blank):
                    a = add(a, log_alpha[t - 1, s - 2])
            log_alpha[t, s] = a + (log_y[t, sym[s]] if emit else 0.0)
    return log_alpha


def _log_probs(rng, T, C, scale=1.5):
    z = rng.normal(0, scale, size=(T, C))
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _labels(rng, U, C, blank, repeat=False):
    symbols = [k for k in range(C) if k != blank]
    lab = [int(k) for k in rng.choice(symbols, size=U)]
    if repeat and U >= 2:
        j = int(rng.integers(1, U))
        lab[j] = lab[j - 1]  # a genuinely repeated label: needs a blank between the two
    return lab


def _random_sequence_cases(rng):
    """Boundary cases first: T = 1, U = 0, repeated labels, an impossible labelling, a long input
    (its probabilities underflow in linear space), a blank that is not 0; then random ones."""
    out = []
    for k in range(7):
        C = int(rng.integers(3, 7))
        blank = int(rng.integers(1, C)) if k in (5, 6) else 0
        U = {0: 1, 1: 0, 4: 4}.get(k, int(rng.integers(2, 4)))
        lab = _labels(rng, U, C, blank, repeat=k in (2, 3, 4, 5))
        T = {0: 1, 4: 500}.get(k, int(rng.integers(U + 2, U + 7)))
        if k == 3:
            T = ctc.min_input_length(lab) - 1  # one frame short: no path can emit it
        note = {1: "the empty labelling", 2: "a repeated label", 3: "impossible: too long for T (repeats need a blank)",
                4: "a long input"}.get(k)
        log_y = _log_probs(rng, T, C, scale=3.0 if k == 4 else 1.5)
        label = f"T = {T}, C = {C}, labels = {lab}" + (f", blank = {blank}" if blank else "")
        out.append(Case({"log_y": log_y, "labels": lab, "blank": blank}, label + (f" ({note})" if note else "")))
    return out


def _worked_log_y():
    y = np.array([[0.5, 0.3, 0.2], [0.4, 0.4, 0.2], [0.3, 0.5, 0.2], [0.6, 0.2, 0.2]])
    return np.log(y)


# ----------------------------------------------------------------------- ctc_alpha
def _same_log(got, want) -> bool:
    """Equal log-probability arrays: the same -inf entries, the finite ones within the tolerance."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    if not np.array_equal(np.isneginf(got), np.isneginf(want)):
        return False
    fin = np.isfinite(want)
    return bool(np.all(np.isfinite(got[fin])) and np.all(np.abs(got[fin] - want[fin]) <= ATOL + RTOL * np.abs(want[fin])))


def compare_log_arrays(got, expected, what, axes):
    """compare_arrays for log-probabilities: a -inf (no path) is a value, compared exactly."""
    if not isinstance(got, np.ndarray) or got.shape != expected.shape or got.dtype.kind != "f":
        return compare_arrays(got, expected, what, axes=axes, kind="f")
    g_inf, e_inf = np.isneginf(got), np.isneginf(expected)
    if not np.array_equal(g_inf, e_inf):
        pos = tuple(int(i) for i in np.argwhere(g_inf != e_inf)[0])
        from ._compare import describe_position
        where = describe_position(pos, axes)
        if e_inf[pos]:
            return (f"{what}: at {where} expected -inf (no allowed path reaches that position), "
                    f"got {got[pos]:.6g}")
        return (f"{what}: at {where} expected {expected[pos]:.6g}, got -inf (as if no path reached it)")
    sentinel = -1e300
    return compare_arrays(np.where(e_inf, sentinel, got), np.where(e_inf, sentinel, expected), what, axes=axes)


def _alpha_visible():
    return [Case({"log_y": _worked_log_y(), "labels": [1, 1], "blank": 0},
                 "T = 4, C = 3, labels = [1, 1] (a repeated label: no skip between them)"),
            Case({"log_y": _worked_log_y(), "labels": [1, 2], "blank": 0},
                 "T = 4, C = 3, labels = [1, 2]")]


def _alpha_causes(case):
    a = case.args
    log_y, lab, blank = a["log_y"], a["labels"], a.get("blank", 0)
    v = (lambda **kw: (lambda: alpha_variant(log_y, lab, blank, **kw)))
    return [
        ("a skip was allowed between two equal labels: from l'_{s-2} to l'_s only if l'_s is a label "
         "different from l'_{s-2} ('a a' needs the blank between them)", v(skip_repeats=True)),
        ("np.maximum replaced log-sum-exp: the best predecessor is Viterbi's best path; the forward "
         "variable adds the probabilities of all paths (np.logaddexp)", v(combine="max")),
        ("the probabilities were multiplied in linear space and underflowed to 0 (log 0 = -inf) on this "
         "long input: add log-probabilities with np.logaddexp instead", v(linear=True)),
        ("wrong initial states: a path may start in the first blank OR on the first label "
         "(log_alpha[0, 1] = log_y[0, l_1])", v(start_on_label=False)),
        ("wrong initial states: at t = 1 only the first blank and the first label can be reached; the other "
         "positions start at -inf", v(start_everywhere=True)),
        ("the skip over a blank is missing: a path may jump from l'_{s-2} to l'_s when l'_s is a label "
         "different from l'_{s-2}", v(no_skip=True)),
        ("a skip was allowed onto a blank: a path may skip only a blank, landing on a label",
         v(skip_blanks=True)),
        ("the emission log y_t(l'_s) was not added after the first time step", v(emit=False)),
        ("the emission was read at column s; it is the symbol l'_s: log_y[t, ext[s]]", v(emit_by_position=True)),
        ("the move from l'_{s-1} to l'_s (advance) is missing", v(no_advance=True)),
        ("the blank is the argument blank, not always 0",
         (lambda: alpha_variant(log_y, lab, 0)) if blank else None),
    ]


def _alpha_compare(case, got, expected):
    U = len(case.args["labels"])
    if isinstance(got, np.ndarray) and got.ndim == 2 and got.shape == (expected.shape[0], U):
        return (f"log_alpha: expected shape {expected.shape}, got {got.shape}\nLikely cause: the extended "
                f"labelling l' has 2U + 1 = {2 * U + 1} positions (a blank before, between and after the labels)")
    if isinstance(got, Raised) and got.exc_type == "IndexError" and "axis 1" in got.message:
        return (f"log_alpha: expected a numpy array of shape {expected.shape}, got {describe(got)}\nLikely cause: "
                "log_y has one column per symbol (C of them), not per position of l': the emission at position s "
                "is log_y[t, ext[s]], the symbol l'_s")
    problem = compare_log_arrays(got, expected, "log_alpha", ALPHA_AXES)
    if problem is None:
        return None
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind == "f":
        for cause, alt in _alpha_causes(case):
            if alt is None:
                continue
            try:
                alt = alt()
            except Exception:
                continue
            if _same_log(got, alt) and not _same_log(alt, expected):
                return f"{problem}\nLikely cause: {cause}"
        if np.isneginf(got).sum() > np.isneginf(expected).sum() and got.shape[0] > 100:
            return (f"{problem}\nLikely cause: on this long input the probabilities underflow if they are "
                    "multiplied (or exponentiated) along the way: stay in log space with np.logaddexp")
    return problem


register(Spec("ctc_alpha", ("rnncourse.ctc.ctc_alpha", "rnncourse.ctc.ctc_beta", "rnncourse.ctc.ctc_log_likelihood",
                            "rnncourse.ctc_batch.ctc_loss"),
              _alpha_visible, _random_sequence_cases, expect=lambda c: ctc.ctc_alpha(**c.args),
              compare=_alpha_compare, must_not_change=("log_y", "labels")))


# ------------------------------------------------------------------------- ctc_nll
def _nll_visible():
    return [Case({"log_y": _worked_log_y(), "labels": [1, 2], "blank": 0}, "T = 4, C = 3, labels = [1, 2]"),
            Case({"log_y": _worked_log_y(), "labels": [1, 1], "blank": 0},
                 "T = 4, C = 3, labels = [1, 1] (a repeated label)")]


def _nll_expect(case):
    return -ctc.ctc_log_likelihood(**case.args)


def _as_number(got):
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "fiu":
        return float(got)
    if isinstance(got, (float, int, np.floating, np.integer)) and not isinstance(got, bool):
        return float(got)
    return None


def _same_number(a, b):
    if a is None or b is None or np.isnan(a) or np.isnan(b):
        return False
    if np.isinf(a) or np.isinf(b):
        return a == b
    return close(a, b)


def _nll_compare(case, got, expected):
    a = case.args
    log_y, lab, blank = a["log_y"], a["labels"], a.get("blank", 0)
    x = _as_number(got)
    if x is None:
        msg = f"loss: expected a float such as {expected:.6g}, got {describe(got)}"
        if isinstance(got, Raised) and "index" in got.message and not lab:
            msg += ("\nLikely cause: with U = 0 the extended labelling is one blank, so log_alpha has one "
                    "column: p(l|x) is alpha[T, 1] alone")
        elif isinstance(got, np.ndarray):
            msg += "\nLikely cause: the loss of one sequence is one number, -log p(l | x)"
        return msg
    if _same_number(x, expected):
        return None
    msg = f"loss: expected {expected:.6g}, got {x:.6g}"
    alpha = ctc.ctc_alpha(log_y, lab, blank)
    last = alpha[-1]
    S = len(last)
    causes = [
        ("only one end state was counted: the final blank alone"
         + (", or the two end states combined with max" if S > 1 and last[-1] >= last[-2] else "")
         + ". A path may also end on the last label: p(l|x) = alpha_T(S) + alpha_T(S - 1), added with np.logaddexp",
         -last[-1]),
        ("only one end state was counted: the last label alone"
         + (", or the two end states combined with max" if S > 1 and last[-2] >= last[-1] else "")
         + ". A path may also end in the final blank: p(l|x) = alpha_T(S) + alpha_T(S - 1), added with np.logaddexp",
         -last[-2] if S > 1 else None),
        ("the whole last row of alpha was summed: only the last two positions complete the labelling",
         -np.logaddexp.reduce(last)),
        ("the sign: the loss is -log p(l | x), a non-negative number", -expected),
        ("the loss of one sequence is not divided by its length T", expected / log_y.shape[0]),
        ("the loss of one sequence is not divided by the number of labels U (PyTorch's 'mean' reduction "
         "does that over a batch; here return -log p(l | x) itself)", expected / max(len(lab), 1)),
        ("this is p(l | x); the loss is -log p(l | x)", np.exp(-expected)),
        ("the probabilities were multiplied in linear space and underflowed to 0 on this long input: "
         "stay in log space", -np.log(np.exp(alpha_variant(log_y, lab, blank, linear=True)[-1][-2:]).sum())
         if S > 1 else None),
    ]
    for cause, alt in causes:
        if alt is not None and _same_number(x, float(alt)) and not _same_number(float(alt), expected):
            return f"{msg}\nLikely cause: {cause}"
    if np.isinf(expected) and not np.isinf(x):
        return (f"{msg}\nLikely cause: this labelling needs more frames than T (each repeated label needs a "
                "blank between): its probability is 0, the loss inf")
    if np.isnan(x):
        return f"{msg}\nLikely cause: a NaN: an impossible labelling has probability 0 and loss inf, not NaN"
    return msg


register(Spec("ctc_nll", ("rnncourse.ctc.ctc_alpha", "rnncourse.ctc.ctc_log_likelihood", "rnncourse.ctc_batch.ctc_loss",
                          "rnncourse.ctc.ctc_brute_force", "rnncourse.ctc.ctc_beta"),
              _nll_visible, _random_sequence_cases, expect=_nll_expect, compare=_nll_compare,
              must_not_change=("log_y", "labels")))
