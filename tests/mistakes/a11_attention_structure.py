"""Realistic mistakes in assignment 11-attention-structure: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions, graded by the
checks in tests/test_catalogue.py)."""
import numpy as np

from ._base import Mutant, mistake

A = "11-attention-structure"

MUTANTS = [
    Mutant(A, "softmax over the examples", "masked_attention",
           "e = np.exp(scores - scores.max(axis=0, keepdims=True))  # subtract the max: no overflow\n"
           "    weights = e / e.sum(axis=0, keepdims=True)",
           "e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
           "    weights = e / e.sum(axis=1, keepdims=True)",
           "test_masked_attention", "softmax over the wrong axis"),
    Mutant(A, "padding not masked", "masked_attention",
           "scores = np.where(real, scores, -np.inf)  # padding can never win", "pass",
           "test_masked_attention", "padding is not masked"),
    Mutant(A, "transitions read as to-from", "crf_log_partition",
           "x = alpha[:, :, None] + transitions[None]  # (N, from j, to k)",
           "x = alpha[:, :, None] + transitions.T[None]",
           "test_crf_log_partition", "indexed [from, to]"),
    Mutant(A, "stop dropped", "crf_log_partition",
           "x = alpha + stop", "x = alpha", "test_crf_log_partition", "stop transitions are dropped"),
    Mutant(A, "Viterbi without the start", "crf_viterbi",
           "delta = start + emissions[0]", "delta = emissions[0]", "test_crf_viterbi",
           "start transitions are dropped"),
]


def _real(H_or_E, lengths):
    return np.arange(H_or_E.shape[0])[:, None] < np.asarray(lengths)[None, :]


# ================================================================ masked_attention
F = "masked_attention"


def _attention(q, H, lengths, axis=0, mask=True, stable=True, scale=1.0, after=False, fill=-np.inf):
    scores = (H * q[None]).sum(axis=2) * scale
    real = _real(H, lengths)
    if mask and not after:
        scores = np.where(real, scores, fill)
    e = np.exp(scores - scores.max(axis=axis, keepdims=True)) if stable else np.exp(scores)
    w = e / e.sum(axis=axis, keepdims=True)
    if after:
        w = w * real
    return (w[:, :, None] * H).sum(axis=0), w


@mistake(F, "softmax over the examples", "softmax over the wrong axis")
def _(q, H, lengths):
    return _attention(q, H, lengths, axis=1)


@mistake(F, "padding not masked", "padding is not masked")
def _(q, H, lengths):
    return _attention(q, H, lengths, mask=False)


@mistake(F, "mask applied after the softmax", "mask the scores (-inf) BEFORE the softmax")
def _(q, H, lengths):
    return _attention(q, H, lengths, after=True)


@mistake(F, "padding scored 0", "instead of -inf")
def _(q, H, lengths):
    return _attention(q, H, lengths, fill=0.0)


@mistake(F, "no max subtracted", "subtract each example's largest (real) score")
def _(q, H, lengths):
    return _attention(q, H, lengths, stable=False)


@mistake(F, "scaled dot product", "scaled by 1/sqrt(d_h)")
def _(q, H, lengths):
    return _attention(q, H, lengths, scale=1 / np.sqrt(H.shape[2]))


@mistake(F, "context is the last real state", "weighted sum over ALL states")
def _(q, H, lengths):
    _, w = _attention(q, H, lengths)
    return H[np.asarray(lengths) - 1, np.arange(H.shape[1])], w


@mistake(F, "context is the last row", "weighted sum over all states")
def _(q, H, lengths):
    _, w = _attention(q, H, lengths)
    return H[-1], w


@mistake(F, "weights returned batch-major", "the weights are time-major")
def _(q, H, lengths):
    c, w = _attention(q, H, lengths)
    return c, w.T


@mistake(F, "pair returned in the wrong order", "the order is (context, weights)")
def _(q, H, lengths):
    c, w = _attention(q, H, lengths)
    return w, c


@mistake(F, "raw scores as weights", "the softmax is missing")
def _(q, H, lengths):
    scores = np.where(_real(H, lengths), (H * q[None]).sum(axis=2), 0.0)
    return (scores[:, :, None] * H).sum(axis=0), scores


# ================================================================ crf_log_partition
F = "crf_log_partition"


def _lse(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.exp(x - m).sum(axis=axis))


def _forward(emissions, lengths, transitions, start, stop, reduce=_lse, axis=1, use_lengths=True,
             use_start=True, use_stop=True, use_trans=True, last_step=True):
    T = emissions.shape[0]
    lengths = np.asarray(lengths)
    A = transitions if use_trans else 0 * transitions
    alpha = (start if use_start else 0) + emissions[0]
    for t in range(1, T):
        step = emissions[t] + reduce(alpha[:, :, None] + A[None], axis)
        cut = lengths - (0 if last_step else 1)
        alpha = np.where((t < cut)[:, None], step, alpha) if use_lengths else step
    return reduce(alpha + (stop if use_stop else 0), 1)


def _max(x, axis):
    return x.max(axis=axis)


def _naive_lse(x, axis):
    return np.log(np.exp(x).sum(axis=axis))


@mistake(F, "transitions read [to, from]", "indexed [from, to]")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions.T, start, stop)


@mistake(F, "max in place of log-sum-exp", "max in place of log-sum-exp")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, reduce=_max)


@mistake(F, "start dropped", "start transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, use_start=False)


@mistake(F, "stop dropped", "stop transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, use_stop=False)


@mistake(F, "start and stop dropped", "start and stop transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, use_start=False, use_stop=False)


@mistake(F, "lengths ignored", "the lengths are ignored")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, use_lengths=False)


@mistake(F, "log-sum-exp over the next tag", "over the wrong axis")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, axis=2)


@mistake(F, "no max in the log-sum-exp", "must take the maximum out before exp")
def _(emissions, lengths, transitions, start, stop):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _forward(emissions, lengths, transitions, start, stop, reduce=_naive_lse)


@mistake(F, "transitions missing", "transition scores are missing")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, use_trans=False)


@mistake(F, "summed over the batch", "return one value per example")
def _(emissions, lengths, transitions, start, stop):
    return float(_forward(emissions, lengths, transitions, start, stop).sum())


@mistake(F, "one step short", "the last step is missing")
def _(emissions, lengths, transitions, start, stop):
    return _forward(emissions, lengths, transitions, start, stop, last_step=False)


# ================================================================ crf_viterbi
F = "crf_viterbi"


def _viterbi(emissions, lengths, transitions, start, stop, use_start=True, use_stop=True, use_trans=True,
             use_lengths=True, pad=-1, reverse=False, best_lse=False):
    T, N, K = emissions.shape
    lengths = np.asarray(lengths)
    A = transitions if use_trans else 0 * transitions
    delta = (start if use_start else 0) + emissions[0]
    back = np.zeros((T, N, K), dtype=np.int64)
    run = lengths if use_lengths else np.full(N, T)
    for t in range(1, T):
        x = delta[:, :, None] + A[None]
        back[t] = x.argmax(axis=1)
        delta = np.where((t < run)[:, None], emissions[t] + x.max(axis=1), delta)
    final = delta + (stop if use_stop else 0)
    best = final.max(axis=1)
    tags = np.full((T, N), pad, dtype=np.int64)
    for i in range(N):
        k = int(final[i].argmax())
        path = []
        for t in range(run[i] - 1, -1, -1):
            path.append(k)
            k = int(back[t, i, k])
        path = path[::-1][:lengths[i]]
        tags[:lengths[i], i] = path[::-1] if reverse else path
    if best_lse:
        best = _forward(emissions, lengths, transitions, start, stop)
    return tags, best


@mistake(F, "transitions read [to, from]", "indexed [from, to]")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions.T, start, stop)


@mistake(F, "start dropped", "start transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, use_start=False)


@mistake(F, "stop dropped", "stop transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, use_stop=False)


@mistake(F, "start and stop dropped", "start and stop transitions are dropped")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, use_start=False, use_stop=False)


@mistake(F, "padding tagged 0", "the padding is not marked")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, pad=0)


@mistake(F, "lengths ignored", "the lengths are ignored")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, use_lengths=False)


@mistake(F, "path stored backwards", "the path is reversed")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, reverse=True)


@mistake(F, "greedy per step", "greedy")
def _(emissions, lengths, transitions, start, stop):
    tags = np.where(_real(emissions, lengths), emissions.argmax(axis=2), -1)
    return tags, _viterbi(emissions, lengths, transitions, start, stop)[1]


@mistake(F, "transitions missing", "transition scores are missing")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, use_trans=False)


@mistake(F, "best is the log-partition", "best is the log-partition")
def _(emissions, lengths, transitions, start, stop):
    return _viterbi(emissions, lengths, transitions, start, stop, best_lse=True)


@mistake(F, "pair in the wrong order", "the order is (tags, best)")
def _(emissions, lengths, transitions, start, stop):
    tags, best = _viterbi(emissions, lengths, transitions, start, stop)
    return best, tags
