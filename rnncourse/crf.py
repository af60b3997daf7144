"""Chapter 11: the linear-chain conditional random field (CRF), structured prediction over tags.

A tagger (e.g. a bidirectional RNN) gives, at every time step t, one *emission* score per tag; a
CRF adds a score for every pair of neighbouring tags, so that a whole tag sequence y is scored
at once and an invalid pair (``O`` followed by ``I-PER``) can be ruled out:

.. math:: s(y) = \\mathrm{start}_{y_1} + \\sum_{t=1}^{L} E_{t, y_t}
          + \\sum_{t=2}^{L} A_{y_{t-1}, y_t} + \\mathrm{stop}_{y_L},
          \\qquad p(y \\mid x) = \\exp(s(y)) / Z, \\quad Z = \\sum_{y'} \\exp(s(y'))

=================  =========================  ======================================================
symbol             code, shape                meaning
=================  =========================  ======================================================
E_{t,k}            ``emissions[t, i, k]``     score of tag k at step t of example i, (T, N, K)
A_{j,k}            ``transitions[j, k]``      score of moving **from** tag j **to** tag k, (K, K):
                                              rows are the previous tag, columns the next one
start_k, stop_k    ``start[k]``, ``stop[k]``  score of beginning / ending a sequence with tag k, (K,)
L                  ``lengths[i]``             real steps of example i (1 <= L <= T); the rest is padding
α_t(k)             ``alpha[t, i, k]``         log of the summed exp-scores of every prefix y_1..y_t
                                              ending in tag k (the forward variable, in log space)
=================  =========================  ======================================================

The forward algorithm: α_1(k) = start_k + E_{1,k}; α_t(k) = E_{t,k} + logsumexp_j(α_{t-1}(j) + A_{j,k});
log Z = logsumexp_k(α_L(k) + stop_k). Viterbi replaces logsumexp by max and keeps the argmax to
trace the best path back. Everything is in log space: products of many probabilities would
underflow, and a logsumexp subtracts its maximum before exp so large scores cannot overflow.

The gradient of log Z is the tags' marginal probabilities (:func:`crf_log_partition_grad`, the
forward-backward algorithm); tests/test_crf.py compares all of it with brute-force enumeration
(:func:`crf_brute_force`) and with PyTorch autograd in float64.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array, check_shape

__all__ = ["logsumexp", "crf_path_score", "crf_forward", "crf_log_partition", "crf_viterbi", "crf_nll",
           "crf_log_partition_grad", "crf_brute_force", "transitions_from_rules"]


def logsumexp(x, axis: int) -> np.ndarray:
    """log Σ exp(x) along ``axis``, stable: the maximum is taken out before exp (all -inf gives -inf)."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice: exp(-inf - 0) = 0, log 0 = -inf
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def _check(emissions, lengths, transitions, start, stop):
    E = as_float_array("emissions", emissions, ndim=3)
    T, N, K = E.shape
    if T == 0 or N == 0 or K == 0:
        raise ValueError(f"emissions: expected shape (T, N, K) with T, N, K >= 1, got {E.shape}")
    L = as_int_array("lengths", lengths, ndim=1, low=1, high=T + 1)
    if L.shape != (N,):
        raise ValueError(f"lengths: expected shape (N,) = ({N},), one length per example, got {L.shape}")
    A = as_float_array("transitions", transitions, ndim=2)
    check_shape("transitions", A, (K, K), "(K, K) indexed [from, to]")
    s = as_float_array("start", start, ndim=1)
    check_shape("start", s, (K,), "(K,)")
    e = as_float_array("stop", stop, ndim=1)
    check_shape("stop", e, (K,), "(K,)")
    return E, L, A, s, e


def _check_tags(tags, E, L):
    T, N, K = E.shape
    y = as_int_array("tags", tags, ndim=2)
    check_shape("tags", y, (T, N), "(T, N)")
    real = np.arange(T)[:, None] < L[None, :]
    bad = real & ((y < 0) | (y >= K))  # padding may hold anything (e.g. -1); real steps need a tag
    if bad.any():
        t, i = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"tags: expected tags in [0, {K}) at real steps, got {y[t, i]} at index ({t}, {i})")
    return np.where(real, y, 0)


@reference
def crf_path_score(emissions, tags, lengths, transitions, start, stop) -> np.ndarray:
    """s(y) of the given tag sequences.

    Inputs:
    - emissions: (T, N, K) emission scores.
    - tags: (T, N) ints in [0, K) on the real steps (padding ignored).
    - lengths: (N,) ints in [1, T].
    - transitions: (K, K), ``transitions[j, k]`` = score of tag j followed by tag k.
    - start, stop: (K,) scores of the first and of the last tag.

    Returns scores, (N,).
    """
    E, L, A, s, e = _check(emissions, lengths, transitions, start, stop)
    y = _check_tags(tags, E, L)
    T, N, _ = E.shape
    n = np.arange(N)
    real = np.arange(T)[:, None] < L[None, :]  # (T, N)
    score = s[y[0]] + e[y[L - 1, n]]  # start at the first tag, stop after the last real one
    score = score + (E[np.arange(T)[:, None], n[None, :], y] * real).sum(axis=0)  # Σ_t E_{t, y_t}
    pairs = A[y[:-1], y[1:]] * real[1:]  # A[previous tag, next tag], only between real steps
    return score + pairs.sum(axis=0)


@reference
def crf_forward(emissions, lengths, transitions, start, stop) -> np.ndarray:
    """The forward variables α, (T, N, K), in log space (steps after an example's end repeat its last α)."""
    E, L, A, s, e = _check(emissions, lengths, transitions, start, stop)
    T = E.shape[0]
    alpha = np.empty_like(E)
    alpha[0] = s + E[0]  # α_1(k) = start_k + E_{1,k}
    for t in range(1, T):
        # α_t(k) = E_{t,k} + log Σ_j exp(α_{t-1}(j) + A[j, k]): sum over the previous tag j (axis 1 of (N, K, K))
        step = E[t] + logsumexp(alpha[t - 1][:, :, None] + A[None], axis=1)
        alpha[t] = np.where((t < L)[:, None], step, alpha[t - 1])  # a finished example keeps its α
    return alpha


@reference
def crf_log_partition(emissions, lengths, transitions, start, stop) -> np.ndarray:
    """log Z of every example by the forward algorithm in log space.

    Inputs: as :func:`crf_path_score` without ``tags``.

    Returns log Z, (N,).
    """
    alpha = crf_forward(emissions, lengths, transitions, start, stop)
    stop = as_float_array("stop", stop, ndim=1)
    return logsumexp(alpha[-1] + stop, axis=1)  # log Z = log Σ_k exp(α_L(k) + stop_k)


@reference
def crf_nll(emissions, tags, lengths, transitions, start, stop) -> np.ndarray:
    """Negative log-likelihood -log p(y | x) = log Z - s(y) of every example, (N,)."""
    return (crf_log_partition(emissions, lengths, transitions, start, stop)
            - crf_path_score(emissions, tags, lengths, transitions, start, stop))


@reference
def crf_viterbi(emissions, lengths, transitions, start, stop):
    """The best tag sequence of every example (Viterbi decoding).

    Inputs: as :func:`crf_log_partition`.

    Returns ``(tags, best)``: tags (T, N) int64 with -1 on the padding, best (N,) = s(tags).
    """
    E, L, A, s, e = _check(emissions, lengths, transitions, start, stop)
    T, N, K = E.shape
    delta = s + E[0]  # best score of a prefix ending in tag k, (N, K)
    back = np.zeros((T, N, K), dtype=np.int64)  # back[t, i, k]: best previous tag for tag k at step t
    for t in range(1, T):
        cand = delta[:, :, None] + A[None]  # (N, from j, to k)
        back[t] = cand.argmax(axis=1)
        step = E[t] + cand.max(axis=1)  # max in place of the forward algorithm's logsumexp
        delta = np.where((t < L)[:, None], step, delta)
    final = delta + e  # the stop score joins after the last real step
    best = final.max(axis=1)
    tags = np.full((T, N), -1, dtype=np.int64)
    for i in range(N):  # trace back from the best last tag
        k = int(final[i].argmax())
        for t in range(L[i] - 1, -1, -1):
            tags[t, i] = k
            k = int(back[t, i, k])
    return tags, best


@reference
def crf_log_partition_grad(emissions, lengths, transitions, start, stop) -> dict:
    """Gradient of Σ_i log Z_i by the forward-backward algorithm: the tags' marginal probabilities.

    Returns a dict ``demissions`` (T, N, K) = p(y_t = k) (0 on padding), ``dtransitions`` (K, K) =
    Σ expected counts of the pair (j -> k), ``dstart`` (K,), ``dstop`` (K,).
    """
    E, L, A, s, e = _check(emissions, lengths, transitions, start, stop)
    T, N, K = E.shape
    alpha = crf_forward(E, L, A, s, e)
    logZ = logsumexp(alpha[-1] + e, axis=1)  # (N,)
    beta = np.zeros_like(E)
    n = np.arange(N)
    beta[L - 1, n] = e  # β_L(k) = stop_k: what follows the last real tag
    for t in range(T - 2, -1, -1):
        # β_t(j) = log Σ_k exp(A[j, k] + E_{t+1,k} + β_{t+1}(k)), only before an example's last step
        step = logsumexp(A[None] + (E[t + 1] + beta[t + 1])[:, None, :], axis=2)
        beta[t] = np.where((t < L - 1)[:, None], step, beta[t])
    real = (np.arange(T)[:, None] < L[None, :])[:, :, None]
    unary = np.where(real, np.exp(alpha + beta - logZ[None, :, None]), 0.0)  # p(y_t = k)
    dA = np.zeros((K, K))
    for t in range(1, T):
        pair = np.exp(alpha[t - 1][:, :, None] + A[None] + (E[t] + beta[t])[:, None, :] - logZ[:, None, None])
        dA += (pair * (t < L)[:, None, None]).sum(axis=0)  # p(y_{t-1} = j, y_t = k) summed over examples
    return {"demissions": unary, "dtransitions": dA, "dstart": unary[0].sum(axis=0),
            "dstop": unary[L - 1, n].sum(axis=0)}


@reference
def crf_brute_force(emissions, lengths, transitions, start, stop):
    """log Z, the best path and its score by enumerating all K**L tag sequences (tests; tiny sizes only).

    Returns ``(logZ (N,), tags (T, N) with -1 on padding, best (N,))``.
    """
    E, L, A, s, e = _check(emissions, lengths, transitions, start, stop)
    T, N, K = E.shape
    if K ** int(L.max()) > 200_000:
        raise ValueError(f"emissions: K ** max(lengths) = {K} ** {int(L.max())} paths is too many to enumerate")
    logZ, best, tags = np.empty(N), np.empty(N), np.full((T, N), -1, dtype=np.int64)
    for i in range(N):
        scores, paths = [], []
        for path in itertools.product(range(K), repeat=int(L[i])):
            sc = s[path[0]] + e[path[-1]] + sum(E[t, i, k] for t, k in enumerate(path))
            sc += sum(A[path[t - 1], path[t]] for t in range(1, len(path)))
            scores.append(sc)
            paths.append(path)
        scores = np.array(scores)
        logZ[i] = logsumexp(scores, axis=0)
        j = int(scores.argmax())
        best[i], tags[:L[i], i] = scores[j], paths[j]
    return logZ, tags, best


def transitions_from_rules(tag_names, allowed, forbidden_score: float = -1e4):
    """Transition and start scores that rule out invalid BIO pairs.

    Inputs:
    - tag_names: list of K names such as ``["O", "B-PER", "I-PER"]``.
    - allowed: function ``(previous name or None for the start, next name) -> bool``.
    - forbidden_score: the score given to a forbidden move (large and negative, finite).

    Returns ``(transitions (K, K) [from, to], start (K,))`` with 0 for allowed moves.
    """
    K = len(tag_names)
    A = np.array([[0.0 if allowed(a, b) else forbidden_score for b in tag_names] for a in tag_names])
    s = np.array([0.0 if allowed(None, b) else forbidden_score for b in tag_names])
    return A.reshape(K, K), s
