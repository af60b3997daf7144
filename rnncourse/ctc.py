"""Chapter 9: connectionist temporal classification (CTC), the loss for outputs shorter than inputs.

A network reads T frames and emits, at every frame t, a distribution y^<t> over C symbols: the
labels plus one extra symbol, the **blank** (index ``blank``, 0 by default, as in PyTorch). A
*path* is one symbol per frame; the collapse function B merges repeated symbols, then drops the
blanks: B("h h - e l - l l o") = "hello". The blank is what lets a labelling repeat a label
("l - l"), which trimming repeats alone cannot.

The probability of a labelling l (length U) sums over every path that collapses to it:

.. math:: p(l \\mid x) = \\sum_{\\pi:\\, B(\\pi) = l} \\prod_{t=1}^{T} y^{\\langle t\\rangle}_{\\pi_t}

computed by dynamic programming over the *extended* labelling l' = (blank, l_1, blank, l_2, ...,
l_U, blank) of length S = 2U + 1. With 1-based positions s of l' (code: 0-based):

==============================  ==========================================================
symbol                          meaning
==============================  ==========================================================
α_t(s)                          p(first t frames of a path, ending in l'_s, that can still
                                collapse to l) — the forward variable, kept as log α
β_t(s)                          p(frames t..T of such a path, starting in l'_s) — backward
y_t(k)                          softmax of the logits z_t at frame t, symbol k
γ_t(k)                          posterior probability that frame t emits symbol k
==============================  ==========================================================

Transitions: a path stays on l'_s, advances to l'_{s+1}, or skips the blank to l'_{s+2} when
l'_{s+2} is a label different from l'_s. Then p(l|x) = α_T(S) + α_T(S-1), and the gradient of
the loss -log p(l|x) with respect to the logits is y_t(k) - γ_t(k) with
γ_t(k) = Σ_{s: l'_s = k} α_t(s) β_t(s) / (y_t(k) p(l|x)).

This module is the textbook form, one sequence at a time in log space (:func:`ctc_alpha`,
:func:`ctc_beta`, :func:`ctc_log_likelihood`), with brute-force enumeration and alignment counting
to check it. The loss of a whole batch and its logit gradient, as PyTorch's ``F.ctc_loss``, is
:func:`rnncourse.ctc_batch.ctc_loss` (the fast form, proven equal to this one); decoding is in
:mod:`rnncourse.ctc_decode`.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array

__all__ = ["collapse", "extend_labels", "ctc_alpha", "ctc_beta", "ctc_log_likelihood", "ctc_brute_force",
           "count_alignments", "min_input_length"]

NEG_INF = -np.inf


def _check_blank(blank, C=None):
    if type(blank) is not int and not isinstance(blank, np.integer):
        raise ValueError(f"blank: expected an integer index, got {blank!r}")
    if blank < 0 or (C is not None and blank >= C):
        raise ValueError(f"blank: expected an index in [0, {C}), got {blank}" if C else
                         f"blank: expected a non-negative index, got {blank}")
    return int(blank)


def _check_labels(labels, blank, C=None, name="labels") -> np.ndarray:
    labels = as_int_array(name, labels, ndim=1, low=0, high=C)
    if np.any(labels == blank):
        pos = int(np.argmax(labels == blank))
        raise ValueError(f"{name}: the blank ({blank}) cannot be a label, found at position {pos}")
    return labels


@reference
def collapse(path, blank: int = 0) -> list:
    """B: merge runs of the same symbol, then remove the blanks.

    Inputs:
    - path: 1-d sequence of symbol ids (one per frame).
    - blank: the blank's id.

    Returns the labelling as a list of ints: ``collapse([1, 1, 0, 1, 2, 2]) == [1, 1, 2]``.
    """
    path = as_int_array("path", path, ndim=1, low=0)
    blank = _check_blank(blank)
    merged = [int(k) for k, _ in itertools.groupby(path)]  # repeats first: "l l" is one l...
    return [k for k in merged if k != blank]               # ...then blanks: "l - l" stays two


@reference
def extend_labels(labels, blank: int = 0) -> np.ndarray:
    """l': the labelling with a blank before, between and after its labels (length 2U + 1).

    Returns an int64 array: ``extend_labels([3, 3]) == [0, 3, 0, 3, 0]``.
    """
    blank = _check_blank(blank)
    labels = _check_labels(labels, blank)
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels  # labels at odd (0-based) positions, blanks around them
    return ext


def min_input_length(labels) -> int:
    """The fewest frames that can emit ``labels``: U, plus one blank between each repeated pair."""
    labels = np.asarray(labels)
    return int(len(labels) + np.sum(labels[1:] == labels[:-1]))


def _skip_allowed(ext, blank):
    """skip[s]: may a path jump from l'_{s-2} to l'_s? Only onto a label that differs from l'_{s-2}."""
    skip = np.zeros(len(ext), dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return skip


def _log_probs_of(logits, name="logits"):
    z = as_float_array(name, logits, ndim=2).astype(np.float64)
    if not np.all(np.isfinite(z)):
        raise ValueError(f"{name}: expected finite values")
    z = z - z.max(axis=1, keepdims=True)                     # shift: exp cannot overflow
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log softmax over the symbols


@reference
def ctc_alpha(log_y, labels, blank: int = 0) -> np.ndarray:
    """Forward variables in log space for one sequence.

    Inputs:
    - log_y: ``(T, C)`` log-probabilities of the symbols per frame (e.g. a log softmax).
    - labels: ``(U,)`` the target labelling, no blanks.
    - blank: the blank's id.

    Returns log_alpha of shape ``(T, 2U + 1)``; ``-inf`` where no valid path prefix ends.
    """
    log_y = as_float_array("log_y", log_y, ndim=2)
    T, C = log_y.shape
    blank = _check_blank(blank, C)
    ext = extend_labels(_check_labels(labels, blank, C), blank)
    S, skip = len(ext), _skip_allowed(ext, blank)
    log_alpha = np.full((T, S), NEG_INF)
    if T == 0:
        return log_alpha
    log_alpha[0, 0] = log_y[0, ext[0]]          # a path starts in the first blank...
    if S > 1:
        log_alpha[0, 1] = log_y[0, ext[1]]      # ...or directly on the first label
    for t in range(1, T):
        prev = log_alpha[t - 1]
        padded = np.concatenate(([NEG_INF, NEG_INF], prev))               # padded[s + 2] = prev[s]
        stay_or_advance = np.logaddexp(prev, padded[1:S + 1])               # from s or s-1
        skipped = np.where(skip, padded[:S], NEG_INF)                       # from s-2, where allowed
        log_alpha[t] = np.logaddexp(stay_or_advance, skipped) + log_y[t, ext]  # then emit l'_s
    return log_alpha


@reference
def ctc_beta(log_y, labels, blank: int = 0) -> np.ndarray:
    """Backward variables in log space for one sequence (same inputs as :func:`ctc_alpha`).

    log_beta[t, s] includes the emission of l'_s at frame t (as log_alpha does), so
    ``log_alpha + log_beta - log_y[t, l'_s]`` is the log-probability of all valid paths through
    (t, s).
    """
    log_y = as_float_array("log_y", log_y, ndim=2)
    T, C = log_y.shape
    blank = _check_blank(blank, C)
    ext = extend_labels(_check_labels(labels, blank, C), blank)
    S = len(ext)
    skip_from = np.zeros(S, dtype=bool)     # may a path jump from l'_s to l'_{s+2}?
    skip_from[:-2] = _skip_allowed(ext, blank)[2:]
    log_beta = np.full((T, S), NEG_INF)
    if T == 0:
        return log_beta
    log_beta[T - 1, S - 1] = log_y[T - 1, ext[S - 1]]      # a path ends in the last blank...
    if S > 1:
        log_beta[T - 1, S - 2] = log_y[T - 1, ext[S - 2]]  # ...or on the last label
    for t in range(T - 2, -1, -1):
        nxt = log_beta[t + 1]
        padded = np.concatenate((nxt, [NEG_INF, NEG_INF]))                # padded[s] = nxt[s]
        stay_or_advance = np.logaddexp(nxt, padded[1:S + 1])                # to s or s+1
        skipped = np.where(skip_from, padded[2:S + 2], NEG_INF)             # to s+2, where allowed
        log_beta[t] = np.logaddexp(stay_or_advance, skipped) + log_y[t, ext]
    return log_beta


@reference
def ctc_log_likelihood(log_y, labels, blank: int = 0) -> float:
    """log p(labels | x) for one sequence: the sum of the last two forward variables.

    ``-inf`` when the labelling cannot be emitted in T frames (see :func:`min_input_length`).
    """
    log_alpha = ctc_alpha(log_y, labels, blank)
    if log_alpha.shape[0] == 0:
        return 0.0 if log_alpha.shape[1] == 1 else NEG_INF  # zero frames emit only the empty labelling
    last = log_alpha[-1]
    return float(np.logaddexp(last[-1], last[-2]) if len(last) > 1 else last[-1])  # end on blank or label


def ctc_brute_force(log_y, labels, blank: int = 0) -> float:
    """log p(labels | x) by enumerating all C^T paths (tests and tiny examples only)."""
    log_y = as_float_array("log_y", log_y, ndim=2)
    T, C = log_y.shape
    if C ** T > 2_000_000:
        raise ValueError(f"log_y: {C}^{T} paths is too many to enumerate; use ctc_log_likelihood")
    target = [int(k) for k in _check_labels(labels, _check_blank(blank, C), C)]
    total = NEG_INF
    for path in itertools.product(range(C), repeat=T):
        if collapse(list(path), blank) == target:
            total = np.logaddexp(total, sum(log_y[t, k] for t, k in enumerate(path)))
    return float(total)


def count_alignments(labels, T: int, blank: int = 0) -> int:
    """How many length-T paths collapse to ``labels``: the forward recursion with every y = 1, in integers."""
    ext = extend_labels(labels, blank)
    S, skip = len(ext), _skip_allowed(ext, blank)
    if T == 0:
        return int(S == 1)
    count = [0] * S
    count[0] = 1
    if S > 1:
        count[1] = 1
    for _ in range(1, T):
        count = [count[s] + (count[s - 1] if s >= 1 else 0) + (count[s - 2] if skip[s] else 0)
                 for s in range(S)]
    return count[-1] + (count[-2] if S > 1 else 0)
