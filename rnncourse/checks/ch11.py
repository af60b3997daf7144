"""Checks for assignment 11 (attention and structure): masked attention, the CRF's log-partition, Viterbi.

Expected values come from :mod:`rnncourse.attention` and :mod:`rnncourse.crf`. Each likely cause
below is a deliberately wrong computation written from the package's own functions with one
thing changed (the axis of a softmax, the mask, the orientation of the transition matrix, ...);
tests/test_checks11.py shows that with nothing changed each one equals the reference.
"""
from __future__ import annotations

import numpy as np

from .. import attention as att
from .. import crf as ref
from ._core import Case, Raised, Spec, register
from ._compare import describe, diagnose

W_AXES = ("time step t", "example i")
C_AXES = ("example i", "feature")
Z_AXES = ("example i",)


def _lengths(rng, N, T, k):
    """Hidden cases: all lengths equal (k = 1), all different when possible (k = 2), else random."""
    if k == 1:
        return np.full(N, T, dtype=np.int64)
    if k == 2 and N <= T:
        return rng.permutation(np.arange(T, T - N, -1)).astype(np.int64)
    L = rng.integers(1, T + 1, size=N)
    L[rng.integers(N)] = T  # the longest example fills the batch
    return L.astype(np.int64)


def _garbage_padding(rng, X, lengths, scale=5.0):
    """Put loud values in the padded steps: a function that reads them gives a different answer."""
    X = X.copy()
    for i, L in enumerate(lengths):
        X[L:, i] = rng.normal(3.0, scale, size=X[L:, i].shape)
    return X


# ------------------------------------------------------------------ masked_attention
def _att_case(rng, T, N, d, lengths, big=1.0, label=""):
    H = _garbage_padding(rng, rng.normal(size=(T, N, d)), lengths) * big
    q = rng.normal(size=(N, d)) * (1.0 if big == 1 else big / 2)  # large scores: |H . q| in the thousands
    return Case({"q": q, "H": H, "lengths": np.asarray(lengths, dtype=np.int64)},
                label or f"T = {T}, N = {N}, d_h = {d}, lengths {list(map(int, lengths))}")


def _att_visible():
    rng = np.random.default_rng(110)
    return [_att_case(rng, 4, 3, 2, [4, 2, 1], label="T = 4, N = 3, d_h = 2, lengths [4, 2, 1] (padding is loud)"),
            _att_case(rng, 3, 2, 3, [3, 2], big=60.0, label="large scores (in the thousands: exp overflows without the max)")]


def _att_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 0 else int(rng.integers(2, 7))
        N = 1 if k == 3 else int(rng.integers(2, 5))
        d = int(rng.integers(1, 5))
        out.append(_att_case(rng, T, N, d, _lengths(rng, N, T, k), big=40.0 if k == 5 else 1.0))
    return out


def _softmax_variant(scores, lengths, axis=0, mask=True, renormalise=True, stable=True):
    """The masked softmax with one thing changed (all defaults: the right one)."""
    T = scores.shape[0]
    m = att.length_mask(lengths, T)
    e = np.where(m, scores, -np.inf) if mask else scores
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(e - e.max(axis=axis, keepdims=True)) if stable else np.exp(e)
        w = e / e.sum(axis=axis, keepdims=True)
    if not renormalise:
        w = _softmax_variant(scores, lengths, mask=False) * m
    return w


def _context(w, H):
    return np.einsum("tn,tnd->nd", w, H)


ATT_RAISED = ("Likely cause: the scores are (T, N): score[t, i] = H[t, i] . q[i] "
              "(np.einsum('tnd,nd->tn', H, q) or (H * q).sum(axis=2)), and the context is (N, d_h)")


def _att_compare(case, got, expected):
    q, H, L = case.args["q"], case.args["H"], case.args["lengths"]
    ctx, w = expected
    if not (isinstance(got, tuple) and len(got) == 2):
        msg = f"expected a tuple (context, weights), got {describe(got)}"
        return msg + ("\n" + ATT_RAISED if isinstance(got, Raised) else "")
    if (isinstance(got[0], np.ndarray) and isinstance(got[1], np.ndarray) and ctx.shape != w.shape
            and got[0].shape == w.shape and got[1].shape == ctx.shape):
        return (f"context: expected shape {ctx.shape}, got {got[0].shape}\nLikely cause: the pair is returned as "
                "(weights, context); the order is (context, weights)")
    scores = np.einsum("tnd,nd->tn", H, q)
    N, T = H.shape[1], H.shape[0]
    if isinstance(got[1], np.ndarray) and got[1].shape == (N, T) and (N, T) != (T, N):
        return (f"weights: expected shape {w.shape}, got {got[1].shape}\nLikely cause: the weights are time-major, "
                "(T, N): weights[t, i] is the weight of step t in example i")
    if (isinstance(got[1], np.ndarray) and got[1].shape == w.shape and got[1].dtype.kind == "f"
            and not np.isfinite(got[1]).all()):
        return (f"weights: contain {'NaN' if np.isnan(got[1]).any() else 'inf'}, although every weight is finite "
                "here\nLikely cause: exp overflowed on large scores: subtract each example's largest (real) score "
                "before exp (the softmax does not change)")
    weight_causes = [
        ("softmax over the wrong axis: normalise over time (axis 0), one distribution per example, not over "
         "the examples", lambda: _softmax_variant(scores, L, axis=1)),
        ("padding is not masked: steps t >= lengths[i] must get weight 0 (set their scores to -inf before the "
         "softmax)", lambda: _softmax_variant(scores, L, mask=False)),
        ("the padding was zeroed after the softmax without renormalising: mask the scores (-inf) BEFORE the "
         "softmax, so that the real steps' weights sum to 1", lambda: _softmax_variant(scores, L, renormalise=False)),
        ("the softmax is missing: the weights are softmax(scores) over the real steps, not the scores",
         lambda: np.where(att.length_mask(L, T), scores, 0.0)),
        ("the scores are scaled by 1/sqrt(d_h): this exercise asks for the plain dot product H[t, i] . q[i]",
         lambda: _softmax_variant(scores / np.sqrt(H.shape[2]), L)),
        ("padding set to score 0 instead of -inf: a padded step still gets exp(0 - max) > 0",
         lambda: _softmax_variant(np.where(att.length_mask(L, T), scores, 0.0), L, mask=False)),
    ]
    problem = diagnose(got[1], w, weight_causes, "weights", axes=W_AXES,
                       raised_hint=ATT_RAISED)
    if problem:
        return problem
    last = H[L - 1, np.arange(N)]
    return diagnose(got[0], ctx, [
        ("the context is the last real state: attention is a weighted sum over ALL states, "
         "context[i] = sum_t weights[t, i] * H[t, i]", last),
        ("the context is the last row H[-1] (padding for shorter examples): attention is a weighted sum over "
         "all states, context[i] = sum_t weights[t, i] * H[t, i]", H[-1]),
        ("the context is the plain mean of the real states: weight each state by its attention weight",
         lambda: _context(att.length_mask(L, T) / L, H)),
        ("the context sums the states without the weights", lambda: H.sum(axis=0)),
    ], "context", axes=C_AXES)


register(Spec("masked_attention", ("rnncourse.attention.masked_attention", "rnncourse.attention.attention_forward",
                                   "rnncourse.attention.masked_softmax"),
              _att_visible, _att_random, expect=lambda c: att.masked_attention(**c.args), compare=_att_compare,
              must_not_change=("q", "H", "lengths")))


# ------------------------------------------------------------------ the CRF's cases
def _crf_case(rng, T, N, K, lengths, big=1.0, label=""):
    E = _garbage_padding(rng, rng.normal(size=(T, N, K)), lengths) * big
    args = {"emissions": E, "lengths": np.asarray(lengths, dtype=np.int64),
            "transitions": rng.normal(size=(K, K)) * (1.0 if K > 1 else 1.0),
            "start": rng.normal(0, 2.0, size=K), "stop": rng.normal(0, 2.0, size=K)}
    if K > 1:  # make the orientation matter: a strongly asymmetric transition matrix
        args["transitions"] = args["transitions"] + np.triu(np.full((K, K), 1.5), 1)
    return Case(args, label or f"T = {T}, N = {N}, K = {K} tags, lengths {list(map(int, lengths))}"
                + (", large scores" if big > 1 else ""))


def _crf_visible():
    rng = np.random.default_rng(114)
    return [_crf_case(rng, 6, 4, 3, [6, 3, 5, 2], label="T = 6, N = 4, K = 3 tags, lengths [6, 3, 5, 2]"),
            _crf_case(rng, 3, 2, 2, [3, 1], big=1000.0,
                      label="K = 2, lengths [3, 1], large scores (emissions around 1000: exp overflows)")]


def _crf_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 0 else int(rng.integers(2, 6))
        N = 1 if k == 3 else int(rng.integers(2, 5))
        K = 1 if k == 4 else 2 if k == 5 else int(rng.integers(2, 5))
        out.append(_crf_case(rng, T, N, K, _lengths(rng, N, T, k), big=1000.0 if k == 5 else 1.0))
    return out


def _zero(v):
    return np.zeros_like(v)


def _crf_raised(a):
    K = a["transitions"].shape[0]
    return (f"Likely cause: emissions is (T, N, K) = {a['emissions'].shape}; at step t the scores are (N, K) and "
            f"alpha[:, :, None] + transitions[None] is (N, K from, K to) = (N, {K}, {K}): sum over the previous "
            "tag (axis 1)")


def _max_forward(E, L, A, s, e):
    """The forward algorithm with max in place of logsumexp: the Viterbi score."""
    return ref.crf_viterbi(E, L, A, s, e)[1]


def _all_steps(E, L, A, s, e):
    T, N = E.shape[:2]
    return ref.crf_log_partition(E, np.full(N, T, dtype=np.int64), A, s, e)


def _wrong_axis(E, L, A, s, e):
    """logsumexp over the NEXT tag (axis 2) instead of the previous one."""
    alpha = s + E[0]
    for t in range(1, E.shape[0]):
        step = E[t] + ref.logsumexp(alpha[:, :, None] + A[None], axis=2)
        alpha = np.where((t < L)[:, None], step, alpha)
    return ref.logsumexp(alpha + e, axis=1)


def _no_transitions(E, L, A, s, e):
    return ref.crf_log_partition(E, L, _zero(A), s, e)


def _z_compare(case, got, expected):
    a = case.args
    E, L, A, s, e = (a[k] for k in ("emissions", "lengths", "transitions", "start", "stop"))
    if isinstance(got, (float, np.floating)) or (isinstance(got, np.ndarray) and got.ndim == 0):
        return (f"log Z: expected a numpy array of shape {expected.shape}, one log-partition per example, got "
                f"{describe(got)}\nLikely cause: the examples were summed or averaged; return one value per example")
    if isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind == "f" \
            and not np.isfinite(got).all():
        return (f"log Z: contains {'NaN' if np.isnan(got).any() else 'inf'} although every log-partition is "
                "finite here\nLikely cause: exp overflowed on large scores: a log-sum-exp must take the maximum "
                "out before exp, m + log(sum(exp(x - m)))")
    with np.errstate(over="ignore"):
        causes = [
            ("the transition matrix is used as [to, from]; it is indexed [from, to]: transitions[j, k] is the "
             "score of tag j followed by tag k", lambda: ref.crf_log_partition(E, L, A.T, s, e)),
            ("max in place of log-sum-exp: the log-partition sums over all paths (log-sum-exp), Viterbi takes "
             "the max", lambda: _max_forward(E, L, A, s, e)),
            ("the start transitions are dropped: the first step is alpha = start + emissions[0]",
             lambda: ref.crf_log_partition(E, L, A, _zero(s), e)),
            ("the stop transitions are dropped: log Z = log-sum-exp over k of alpha_L(k) + stop[k]",
             lambda: ref.crf_log_partition(E, L, A, s, _zero(e))),
            ("the start and stop transitions are dropped", lambda: ref.crf_log_partition(E, L, A, _zero(s), _zero(e))),
            ("the lengths are ignored: example i ends at step lengths[i]; later steps are padding and must not "
             "change its alpha", lambda: _all_steps(E, L, A, s, e)),
            ("the log-sum-exp is over the wrong axis: sum over the PREVIOUS tag j (axis 1 of alpha[:, :, None] + "
             "transitions), the next tag k stays", lambda: _wrong_axis(E, L, A, s, e)),
            ("the transition scores are missing: every step adds transitions[j, k] between tags j and k",
             lambda: _no_transitions(E, L, A, s, e)),
            ("Z is returned instead of log Z: return the log-partition", lambda: np.exp(expected)),
            ("the last step is missing: example i has lengths[i] steps",
             lambda: ref.crf_log_partition(E[:-1] if E.shape[0] > 1 else E, np.maximum(L - 1, 1), A, s, e)),
        ]
    return diagnose(got, expected, causes, "log Z", axes=Z_AXES, raised_hint=_crf_raised(a))


register(Spec("crf_log_partition", ("rnncourse.crf.crf_log_partition", "rnncourse.crf.crf_forward",
                                    "rnncourse.crf.crf_nll", "rnncourse.crf.crf_brute_force",
                                    "rnncourse.crf.crf_log_partition_grad"),
              _crf_visible, _crf_random, expect=lambda c: ref.crf_log_partition(**c.args), compare=_z_compare,
              must_not_change=("emissions", "lengths", "transitions", "start", "stop")))


# ------------------------------------------------------------------ crf_viterbi
def _greedy(E, L):
    tags = E.argmax(axis=2)
    return np.where(np.arange(E.shape[0])[:, None] < L[None], tags, -1)


def _reversed_path(tags, L):
    out = tags.copy()
    for i, n in enumerate(L):
        out[:n, i] = tags[:n, i][::-1]
    return out


def _v_compare(case, got, expected):
    a = case.args
    E, L, A, s, e = (a[k] for k in ("emissions", "lengths", "transitions", "start", "stop"))
    tags, best = expected
    if not (isinstance(got, tuple) and len(got) == 2):
        msg = f"expected a tuple (tags, best), got {describe(got)}"
        return msg + ("\n" + _crf_raised(a) if isinstance(got, Raised) else "")
    gt, gb = got
    if isinstance(gt, np.ndarray) and isinstance(gb, np.ndarray) and gt.shape == best.shape \
            and gb.shape == tags.shape and tags.shape != best.shape:
        return (f"tags: expected shape {tags.shape}, got {gt.shape}\nLikely cause: the pair is returned as "
                "(best, tags); the order is (tags, best)")
    T, N = tags.shape
    if isinstance(gt, np.ndarray) and gt.shape == (N, T) and (N, T) != (T, N):
        return (f"tags: expected shape {tags.shape}, got {gt.shape}\nLikely cause: the tags are time-major, (T, N): "
                "tags[t, i] is the tag of step t in example i")

    def v(**kw):
        args = dict(emissions=E, lengths=L, transitions=A, start=s, stop=e)
        args.update(kw)
        return ref.crf_viterbi(**args)
    padded_zero = np.where(tags < 0, 0, tags)
    tag_causes = [
        ("the transition matrix is used as [to, from]; it is indexed [from, to]: transitions[j, k] is the score "
         "of tag j followed by tag k", lambda: v(transitions=A.T)[0]),
        ("the start transitions are dropped: the first step is delta = start + emissions[0]",
         lambda: v(start=_zero(s))[0]),
        ("the stop transitions are dropped: the best last tag maximises delta_L(k) + stop[k]",
         lambda: v(stop=_zero(e))[0]),
        ("the start and stop transitions are dropped", lambda: v(start=_zero(s), stop=_zero(e))[0]),
        ("the padding is not marked: tags[t, i] = -1 for t >= lengths[i]", padded_zero),
        ("the lengths are ignored: example i ends at step lengths[i]; its path is traced back from there",
         lambda: np.where(tags < 0, -1, v(lengths=np.full(N, T, dtype=np.int64))[0])),
        ("the path is reversed: trace back from the last step to the first and store tags[t] at step t",
         lambda: _reversed_path(tags, L)),
        ("each step took its best emission alone (greedy): Viterbi maximises the whole path's score, "
         "transitions included", lambda: _greedy(E, L)),
        ("the transition scores are missing", lambda: v(transitions=_zero(A))[0]),
    ]
    problem = diagnose(gt, tags, tag_causes, "tags", axes=W_AXES, kind="iu", raised_hint=_crf_raised(a))
    if problem:
        return problem
    with np.errstate(over="ignore"):
        best_causes = [
            ("best is the log-partition (log-sum-exp): the best path's score takes the max",
             lambda: ref.crf_log_partition(E, L, A, s, e)),
            ("the stop score of the last tag is missing from best", lambda: v(stop=_zero(e))[1]),
            ("the start score of the first tag is missing from best", lambda: best - s[tags[0]]),
        ]
    return diagnose(gb, best, best_causes, "best", axes=Z_AXES)


register(Spec("crf_viterbi", ("rnncourse.crf.crf_viterbi", "rnncourse.crf.crf_brute_force"),
              _crf_visible, _crf_random, expect=lambda c: ref.crf_viterbi(**c.args), compare=_v_compare,
              must_not_change=("emissions", "lengths", "transitions", "start", "stop")))
