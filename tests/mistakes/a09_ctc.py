"""Realistic mistakes in assignment 09-ctc: the mutants (edits of the solution notebook, graded end to end by
nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions, graded by the checks in
tests/test_catalogue.py)."""
import itertools

import numpy as np

from ._base import Mutant, mistake

A = "09-ctc"

MUTANTS = [
    Mutant(A, "blanks removed before merging", "collapse",
           "if k != prev and k != blank:\n            out.append(k)\n        prev = k",
           "if k == blank:\n            continue\n        if k != prev:\n            out.append(k)\n        prev = k",
           "test_collapse", "blanks were removed before the repeats were merged"),
    Mutant(A, "skip between repeated labels", "ctc_alpha",
           "ext[s] != blank and ext[s] != ext[s - 2]", "ext[s] != blank",
           "test_ctc_alpha", "skip was allowed between two equal labels"),
    Mutant(A, "Viterbi instead of the sum", "ctc_alpha",
           "a = np.logaddexp(a, log_alpha[t - 1, s - 1])", "a = np.maximum(a, log_alpha[t - 1, s - 1])",
           "test_ctc_alpha", "Viterbi"),
    Mutant(A, "only the last state at the end", "ctc_nll",
           "return float(-np.logaddexp(last[-1], last[-2]))", "return float(-last[-1])",
           "test_ctc_nll", "the final blank alone"),
    Mutant(A, "padding frames decoded", "greedy_decode",
           "collapse(best[:input_lengths[i], i], blank)", "collapse(best[:, i], blank)",
           "test_greedy_decode", "padding"),
]


# ======================================================================== collapse
F = "collapse"


@mistake(F, "blanks removed before merging", "blanks were removed before the repeats were merged")
def _(path, blank=0):
    no_blanks = [int(k) for k in path if k != blank]
    return [k for k, _ in itertools.groupby(no_blanks)]


@mistake(F, "repeats not merged", "repeats were not merged")
def _(path, blank=0):
    return [int(k) for k in path if k != blank]


@mistake(F, "blanks kept", "blanks were not removed")
def _(path, blank=0):
    return [int(k) for k, _ in itertools.groupby(path)]


@mistake(F, "blank hard-coded as 0", "the argument blank")
def _(path, blank=0):
    return [int(k) for k, _ in itertools.groupby(path) if k != 0]


@mistake(F, "every duplicate removed (a set, in order)", "only neighbouring repeats merge")
def _(path, blank=0):
    return list(dict.fromkeys(int(k) for k in path if k != blank))


@mistake(F, "last run lost", "last run of the path was lost")
def _(path, blank=0):
    out = []
    for k, nxt in zip(path, list(path[1:])):
        if k != nxt and k != blank:
            out.append(int(k))
    return out


@mistake(F, "returns a string", "expected a list of ints")
def _(path, blank=0):
    return " ".join(str(k) for k, _ in itertools.groupby(path) if k != blank)


@mistake(F, "path changed in place", "changed its argument path in place")
def _(path, blank=0):
    i = 1
    while i < len(path):
        if path[i] == path[i - 1]:
            del path[i]
        else:
            i += 1
    return [int(k) for k in path if k != blank]


@mistake(F, "compares with the last label kept, not the previous symbol",
         "blanks were removed before the repeats were merged")
def _(path, blank=0):
    out = []
    for k in path:
        if k != blank and (not out or k != out[-1]):
            out.append(int(k))  # a blank between equal labels does not separate them
    return out


# ======================================================================= ctc_alpha
F = "ctc_alpha"


def _extend(labels, blank):
    ext = [blank]
    for k in labels:
        ext += [int(k), blank]
    return ext


def _alpha(log_y, labels, blank=0, skip_rule=None, add=np.logaddexp, start=(0, 1), emit=True, col=None):
    """A student-style recursion with the pieces that the mistakes below replace."""
    T = log_y.shape[0]
    ext = _extend(labels, blank)
    S = len(ext)
    col = col or (lambda s: ext[s])
    skip_rule = skip_rule or (lambda s: ext[s] != blank and ext[s] != ext[s - 2])
    la = np.full((T, S), -np.inf)
    for s in start:
        if s < S:
            la[0, s] = log_y[0, col(s)]
    for t in range(1, T):
        for s in range(S):
            a = la[t - 1, s]
            if s >= 1:
                a = add(a, la[t - 1, s - 1])
            if s >= 2 and skip_rule(s):
                a = add(a, la[t - 1, s - 2])
            la[t, s] = a + (log_y[t, col(s)] if emit else 0.0)
    return la


@mistake(F, "skip between repeated labels", "skip was allowed between two equal labels")
def _(log_y, labels, blank=0):
    ext = _extend(labels, blank)
    return _alpha(log_y, labels, blank, skip_rule=lambda s: ext[s] != blank)


@mistake(F, "max instead of log-sum-exp (Viterbi)", "Viterbi")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, add=np.maximum)


@mistake(F, "probabilities multiplied in linear space", "underflow", visible=False)
def _(log_y, labels, blank=0):
    y = np.exp(log_y)
    ext = _extend(labels, blank)
    T, S = y.shape[0], len(ext)
    alpha = np.zeros((T, S))
    alpha[0, 0] = y[0, ext[0]]
    if S > 1:
        alpha[0, 1] = y[0, ext[1]]
    for t in range(1, T):
        for s in range(S):
            a = alpha[t - 1, s] + (alpha[t - 1, s - 1] if s >= 1 else 0)
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                a += alpha[t - 1, s - 2]
            alpha[t, s] = a * y[t, ext[s]]
    with np.errstate(divide="ignore"):
        return np.log(alpha)


@mistake(F, "log(exp(a) + exp(b)) written out", "underflow", visible=False)
def _(log_y, labels, blank=0):
    with np.errstate(divide="ignore"):
        return _alpha(log_y, labels, blank, add=lambda a, b: np.log(np.exp(a) + np.exp(b)))


@mistake(F, "paths start only in the first blank", "wrong initial states")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, start=(0,))


@mistake(F, "every position reachable at t = 1", "wrong initial states")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, start=range(2 * len(labels) + 1))


@mistake(F, "no skip at all", "skip over a blank is missing")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, skip_rule=lambda s: False)


@mistake(F, "skip allowed onto blanks", "skip was allowed onto a blank")
def _(log_y, labels, blank=0):
    ext = _extend(labels, blank)
    return _alpha(log_y, labels, blank, skip_rule=lambda s: ext[s] == blank or ext[s] != ext[s - 2])


@mistake(F, "emission not added", "emission log y_t(l'_s) was not added")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, emit=False)


@mistake(F, "emission read at column s", "the symbol l'_s")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank, col=lambda s: s)


@mistake(F, "alpha over the labels only, (T, U)", "2U + 1")
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, blank)[:, 1::2]


@mistake(F, "blank hard-coded as 0", "the argument blank", visible=False)
def _(log_y, labels, blank=0):
    return _alpha(log_y, labels, 0)


# ========================================================================= ctc_nll
F = "ctc_nll"


@mistake(F, "only the last blank summed", "the final blank alone")
def _(log_y, labels, blank=0):
    return float(-_alpha(log_y, labels, blank)[-1, -1])


@mistake(F, "only the last label summed", "the last label alone")
def _(log_y, labels, blank=0):
    return float(-_alpha(log_y, labels, blank)[-1, -2])


@mistake(F, "whole last row summed", "whole last row")
def _(log_y, labels, blank=0):
    return float(-np.logaddexp.reduce(_alpha(log_y, labels, blank)[-1]))


@mistake(F, "max of the two end states", "combined with max")
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    return float(-max(last[-1], last[-2])) if len(last) > 1 else float(-last[0])


@mistake(F, "log p returned, not -log p", "the sign")
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    return float(np.logaddexp(last[-1], last[-2])) if len(last) > 1 else float(last[0])


@mistake(F, "probability returned", "this is p(l | x)")
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    return float(np.exp(last[-1]) + np.exp(last[-2])) if len(last) > 1 else float(np.exp(last[0]))


@mistake(F, "divided by T", "not divided by its length T")
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    lp = np.logaddexp(last[-1], last[-2]) if len(last) > 1 else last[0]
    return float(-lp / log_y.shape[0])


@mistake(F, "divided by U", "not divided by the number of labels U")
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    lp = np.logaddexp(last[-1], last[-2]) if len(last) > 1 else last[0]
    return float(-lp / max(len(labels), 1))


@mistake(F, "U = 0 not handled", "with U = 0 the extended labelling is one blank", visible=False)
def _(log_y, labels, blank=0):
    last = _alpha(log_y, labels, blank)[-1]
    return float(-np.logaddexp(last[-1], last[-2]))  # with U = 0 there is no last[-2]


@mistake(F, "linear-space probabilities", "underflowed", visible=False)
def _(log_y, labels, blank=0):
    with np.errstate(divide="ignore"):
        la = _alpha(log_y, labels, blank, add=lambda a, b: np.log(np.exp(a) + np.exp(b)))
    last = la[-1]
    return float(-np.log(np.exp(last[-1]) + np.exp(last[-2]))) if len(last) > 1 else float(-last[0])


# =================================================================== greedy_decode
F = "greedy_decode"


def _collapse(path, blank):
    return [int(k) for k, _ in itertools.groupby(path) if k != blank]


def _lengths(logits, input_lengths):
    return [logits.shape[0]] * logits.shape[1] if input_lengths is None else list(input_lengths)


@mistake(F, "best path not collapsed", "the best path was not collapsed")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [[int(k) for k in best[:n, i]] for i, n in enumerate(_lengths(logits, input_lengths))]


@mistake(F, "blanks removed before merging", "blanks were removed before the repeats were merged")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    out = []
    for i, n in enumerate(_lengths(logits, input_lengths)):
        no_blanks = [int(k) for k in best[:n, i] if k != blank]
        out.append([k for k, _ in itertools.groupby(no_blanks)])
    return out


@mistake(F, "padding frames decoded", "padding")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [_collapse(best[:, i], blank) for i in range(logits.shape[1])]


@mistake(F, "last real frame dropped", "the last real frame was dropped")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [_collapse(best[:n - 1, i], blank) for i, n in enumerate(_lengths(logits, input_lengths))]


@mistake(F, "blank hard-coded as 0", "the argument blank", visible=False)
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [_collapse(best[:n, i], 0) for i, n in enumerate(_lengths(logits, input_lengths))]


@mistake(F, "argmin", "argmax over the symbols")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmin(axis=2)
    return [_collapse(best[:n, i], blank) for i, n in enumerate(_lengths(logits, input_lengths))]


@mistake(F, "input_lengths=None not handled", "input_lengths=None means every example has all T frames")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [_collapse(best[:input_lengths[i], i], blank) for i in range(logits.shape[1])]


@mistake(F, "batch-major reading, one labelling per frame", "time-major")
def _(logits, input_lengths=None, blank=0):
    best = logits.argmax(axis=2)
    return [_collapse(best[t], blank) for t in range(logits.shape[0])]


@mistake(F, "returns the path array", "expected a list of N")
def _(logits, input_lengths=None, blank=0):
    return logits.argmax(axis=2).T


@mistake(F, "logits changed in place (softmax into the input)", "changed its argument logits in place")
def _(logits, input_lengths=None, blank=0):
    logits -= logits.max(axis=2, keepdims=True)
    best = logits.argmax(axis=2)
    return [_collapse(best[:n, i], blank) for i, n in enumerate(_lengths(logits, input_lengths))]
