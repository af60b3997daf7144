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

Same values and logit gradients as ``torch.nn.functional.ctc_loss(log_softmax(z), ...)`` for the
reductions ``"none"``, ``"sum"`` and ``"mean"`` (each loss divided by its target length, then
averaged over the batch), ``zero_infinity`` and the ``blank`` index. Arrays are time-major:
logits ``(T, N, C)``.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array

__all__ = ["collapse", "extend_labels", "ctc_alpha", "ctc_beta", "ctc_log_likelihood", "ctc_loss",
           "ctc_brute_force", "count_alignments", "min_input_length"]

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


def _targets_list(targets, target_lengths, N, C, blank):
    """The batch's labellings as a list of int arrays, from a padded (N, S_max) array or a 1-d concatenation."""
    targets = as_int_array("targets", targets)
    lengths = as_int_array("target_lengths", target_lengths, ndim=1, low=0)
    if lengths.shape != (N,):
        raise ValueError(f"target_lengths: expected shape ({N},) (one length per example), got {lengths.shape}")
    if targets.ndim == 2:
        if targets.shape[0] != N:
            raise ValueError(f"targets: expected shape ({N}, S_max), got {targets.shape}")
        if lengths.size and lengths.max() > targets.shape[1]:
            i = int(np.argmax(lengths))
            raise ValueError(f"target_lengths: example {i} has length {lengths[i]} but targets hold only "
                             f"{targets.shape[1]} labels per example")
        out = [targets[i, :lengths[i]] for i in range(N)]
    elif targets.ndim == 1:
        if lengths.sum() != len(targets):
            raise ValueError(f"targets: a 1-d concatenation must hold sum(target_lengths) = {lengths.sum()} "
                             f"labels, got {len(targets)}")
        out = np.split(targets, np.cumsum(lengths)[:-1]) if N else []
    else:
        raise ValueError(f"targets: expected a 2-d padded array (N, S_max) or a 1-d concatenation, "
                         f"got shape {targets.shape}")
    real = np.concatenate(out) if N else np.zeros(0, dtype=np.int64)
    if real.size and (real.min() < 0 or real.max() >= C or np.any(real == blank)):  # one test for the batch;
        for i, t in enumerate(out):                                                  # the error names the example
            _check_labels(t, blank, C, name=f"targets[{i}]")
    return out, lengths


RESCALE_EVERY = 4  # frames between two rescalings: 4 frames of probabilities >= 1e-60 stay in float64's range


def _scaled_scan(Y, skip, starts):
    """The forward recursion of many lattices at once, in probabilities rescaled every few frames.

    Rabiner's remedy for underflow: every ``RESCALE_EVERY``-th frame each lattice is divided by its
    total, and the factor is kept. The M lattices lie side by side in one flat row per frame, each
    behind two zero columns, so "from s - 1" and "from s - 2" are shifts of that whole row: four
    numpy calls per frame however many lattices there are.

    - Y: ``(T, M, W)``: the probability that frame t emits lattice position s sits at
      ``Y[t, m, 2 + s]``; ``Y[:, :, :2]`` must be 0 (this keeps the pad columns at 0).
    - skip: ``(M, W)``, 1 where a path may jump from s - 2 to s (same columns), else 0.
    - starts: ``{t: flat indices}``: the nodes where paths begin at frame t (before it, a lattice
      holds zeros).

    Returns ``(hat, c)``: ``hat`` ``(T, M, W - 2)``, the forward variables of each lattice divided by
    the product of its factors so far; ``c`` ``(T, M)``, the factors (1 at frames without a
    rescaling; tiny where a lattice was still all zero).
    """
    T, M, W = Y.shape
    Yf, skf = Y.reshape(T, M * W), skip.reshape(-1)[2:]
    A = np.empty((T, M * W))                   # written frame by frame below...
    A[:, :2] = 0.0                             # ...except the first pad columns, which must stay 0
    c = np.ones((T, M))
    tmp = np.empty(M * W - 2)
    for t in range(T):
        a = A[t]
        if not t:
            a[:] = 0.0                                 # before the first frame no path has begun
        else:
            prev = A[t - 1]
            np.add(prev[2:], prev[1:-1], out=a[2:])   # stay on l'_s, or advance from l'_{s-1}...
            np.multiply(prev[:-2], skf, out=tmp)       # ...or skip a blank from l'_{s-2}, where allowed
            a[2:] += tmp
            a *= Yf[t]                                 # then emit l'_s at frame t (0 on the pad columns)
        if t in starts:
            a[starts[t]] = Yf[t, starts[t]]            # paths begin here: on the first blank or label
        if t % RESCALE_EVERY == 0:
            rows = a.reshape(M, W)
            np.maximum(rows.sum(axis=1), 1e-300, out=c[t])  # mass at frame t (all zero: leave it zero)
            rows /= c[t][:, None]                            # rescale to sum 1: no underflow over long T
    return A.reshape(T, M, W)[:, :, 2:], c


def _batch_lattice(labels, blank):
    """l' of every example, padded with blanks to the longest: ``ext`` ``(N, S)``, and each length S_i."""
    S_len = np.array([2 * len(lab) + 1 for lab in labels], dtype=np.int64)
    ext = np.full((len(labels), int(S_len.max()) if len(labels) else 1), blank, dtype=np.int64)
    for i, lab in enumerate(labels):
        ext[i, 1:2 * len(lab):2] = lab                     # labels at odd (0-based) positions
    return ext, S_len


def _forward_backward(y_ext, ext, in_len, S_len, blank):
    """Rescaled α and β of a batch, and log p(l|x) of each example (see :func:`_scaled_scan`).

    Returns ``(alpha_hat, beta_hat, log_p, c)``: α and β up to a factor per frame and example,
    ``(T, N, S)``; log p ``(N,)``; the rescaling factors ``(T, 2N)`` (α's, then β's, in frame order).
    """
    T, N, S = y_ext.shape
    W, rows = S + 2, np.arange(N)
    # β is α of the reversed problem: a path read backwards is a path of the reversed labelling
    # through the reversed frames. Reversing the whole padded batch in both frames (t -> T-1-t)
    # and positions (s -> S-1-s) turns the β recursion into the α one; an example shorter than the
    # batch then begins late, at frame T - T_i and position S - S_i. So one scan over 2N lattices
    # computes both (and costs little more than one: numpy's time is per call here).
    Y = np.empty((T, 2 * N, W))
    Y[:, :, :2] = 0.0                                        # the two pad columns of each lattice
    Y[:, :N, 2:] = y_ext
    Y[:, N:, 2:] = y_ext[::-1, :, ::-1]
    skip = np.zeros((2 * N, W))
    skip[:N, 4:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])  # onto a label unlike l'_{s-2}
    skip[N:, 4:] = skip[:N, 2:][:, ::-1][:, :-2]   # reversed: from s+2 back to s, where α may skip s -> s+2
    starts: dict = {}
    first = np.concatenate([np.zeros(N, dtype=np.int64), S - S_len])   # first node of each lattice
    begin = np.concatenate([np.zeros(N, dtype=np.int64), T - in_len])  # frame where its paths begin
    for m in range(2 * N):
        if begin[m] < T:
            node = m * W + 2 + first[m]
            starts.setdefault(int(begin[m]), []).extend([node, node + 1] if S_len[m % N] > 1 else [node])
    hat, c = _scaled_scan(Y, skip, {t: np.array(v) for t, v in starts.items()})
    alpha_hat, beta_hat = hat[:, :N], hat[::-1, N:, ::-1]    # β back in frame and position order
    c = np.concatenate([c[:, :N], c[::-1, N:]], axis=1)
    last = alpha_hat[np.maximum(in_len - 1, 0), rows]        # (N, S): α at each example's last frame
    end_label = np.where(S_len > 1, last[rows, np.maximum(S_len - 2, 0)], 0.0)
    frame_ok = np.arange(T)[:, None] < in_len[None, :]
    with np.errstate(divide="ignore"):
        log_p = (np.log(last[rows, S_len - 1] + end_label)         # end on the last blank or the last label
                 + np.where(frame_ok, np.log(c[:, :N]), 0.0).sum(axis=0))  # times what was divided out
    return alpha_hat, beta_hat, log_p, c


def _gradient_in_logs(z, labels, blank):
    """Loss and logit gradient of one example from the textbook log-space α and β (the fallback)."""
    log_y = _log_probs_of(z)
    ext = extend_labels(labels, blank)
    log_p = ctc_log_likelihood(log_y, labels, blank)
    log_occ = ctc_alpha(log_y, labels, blank) + ctc_beta(log_y, labels, blank) - log_y[:, ext] - log_p
    gamma = np.zeros(z.shape)
    np.add.at(gamma, (slice(None), ext), np.exp(log_occ))   # a symbol gathers all its positions in l'
    return -log_p, np.exp(log_y) - gamma


@reference
def ctc_loss(logits, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):
    """The CTC loss of a batch and its gradient with respect to the logits.

    Inputs:
    - logits: ``(T, N, C)`` unnormalised scores; symbol ``blank`` is the blank.
    - targets: ``(N, S_max)`` padded labellings, or a 1-d concatenation of them; no blanks.
    - input_lengths: ``(N,)`` frames per example, each in ``[0, T]``; frames after it are padding.
    - target_lengths: ``(N,)`` labels per example.
    - reduction: ``"none"`` (per-example losses), ``"sum"``, or ``"mean"`` (each loss divided by its
      target length, at least 1, then averaged: PyTorch's meaning).
    - zero_infinity: an impossible labelling gives loss 0 and gradient 0 instead of ``inf``.

    Returns ``(loss, dlogits)``: loss a float, or ``(N,)`` for ``"none"``; dlogits ``(T, N, C)`` in
    the logits' float dtype, the gradient of the (reduced; for ``"none"``, summed) loss, zero on
    padding frames. Computed in float64 whatever the input dtype.

    How: the whole batch runs through one recursion (α and β of every example at frame t lie in
    one flat row of 2N lattices), in probabilities rescaled every few frames rather than in logs
    (the other classic remedy for underflow, and several times faster in numpy than ``logaddexp``).
    An example whose rescaled probabilities come near float64's smallest numbers (an emission
    below 1e-150, e.g. logits hundreds apart) is recomputed in log space with :func:`ctc_alpha`
    and :func:`ctc_beta`. Both routes equal those textbook functions applied to each example
    (tests/test_ctc.py).
    """
    z_in = as_float_array("logits", logits, ndim=3)
    T, N, C = z_in.shape
    blank = _check_blank(blank, C)
    if reduction not in ("none", "sum", "mean"):
        raise ValueError(f"reduction: expected 'none', 'sum' or 'mean', got {reduction!r}")
    in_len = as_int_array("input_lengths", input_lengths, ndim=1, low=0, high=T + 1)
    if in_len.shape != (N,):
        raise ValueError(f"input_lengths: expected shape ({N},) (one length per example), got {in_len.shape}")
    labels, tgt_len = _targets_list(targets, target_lengths, N, C, blank)
    if not np.all(np.isfinite(z_in)):
        raise ValueError("logits: expected finite values")
    z = z_in.astype(np.float64)
    e = np.exp(z - z.max(axis=2, keepdims=True))                # shifted: exp cannot overflow
    y = e / e.sum(axis=2, keepdims=True)                        # softmax over the symbols

    ext, S_len = _batch_lattice(labels, blank)
    S = ext.shape[1]
    columns = (np.arange(N)[:, None] * C + ext).ravel()         # where y_t(l'_s) sits in y[t].ravel()
    y_ext = np.take(y.reshape(T, N * C), columns, axis=1).reshape(T, N, S)  # y_t(l'_s): (T, N, S)
    frame_ok = np.arange(T)[:, None] < in_len[None, :]           # (T, N): real frames, not padding
    # fewest frames for each labelling: U_i, plus one blank between each pair of equal neighbours
    repeats = ((ext[:, 3::2] == ext[:, 1:-2:2]) & (ext[:, 3::2] != blank)).sum(axis=1)
    possible = in_len >= tgt_len + repeats
    losses = np.where(possible, 0.0, np.inf)                     # impossible: no path, loss inf
    grad = np.zeros((T, N, C))
    if T and N:
        alpha_hat, beta_hat, log_p, c = _forward_backward(y_ext, ext, in_len, S_len, blank)
        valid = frame_ok[:, :, None] & (np.arange(S) < S_len[:, None])[None]  # (T, N, S): real nodes
        # occupancy of each lattice node: α β / y (the emission at t is in both), then divided by
        # its sum over s, which is p(l|x) at every frame (each path crosses frame t exactly once)
        occ = np.where(valid, alpha_hat * beta_hat / np.maximum(y_ext, 1e-300), 0.0)
        occ_sum = occ.sum(axis=2, keepdims=True)
        occ /= np.maximum(occ_sum, 1e-300)
        one_hot = (ext[:, :, None] == np.arange(C)).astype(np.float64)       # (N, S, C): l'_s is k
        gamma = np.matmul(occ.transpose(1, 0, 2), one_hot).transpose(1, 0, 2)  # a symbol gathers its s
        # Rescaled probabilities lose paths to underflow only when some number got near float64's
        # smallest ones: an emission, the mass between two rescalings, or a frame's total occupancy
        # before it is divided out. Such an example (logits hundreds apart) is redone in log space.
        safe = np.where(np.concatenate([frame_ok, frame_ok], axis=1), c, 1.0).min(axis=0) > 1e-100
        safe = safe[:N] & safe[N:] & (np.where(frame_ok, occ_sum[:, :, 0], 1.0).min(axis=0) > 1e-200)
        safe &= np.where(valid, y_ext, 1.0).min(axis=2).min(axis=0) > 1e-150
        fast = possible & (in_len > 0) & np.isfinite(log_p) & safe
        losses[fast] = -log_p[fast]
        grad = np.where((frame_ok & fast)[:, :, None], y - gamma, 0.0)      # d(-log p)/dz = y - gamma
        for i in np.flatnonzero(possible & (in_len > 0) & ~fast):
            losses[i], grad[:in_len[i], i] = _gradient_in_logs(z[:in_len[i], i], labels[i], blank)
    impossible = ~np.isfinite(losses)
    if zero_infinity:
        losses[impossible] = 0.0
    else:
        grad[:, impossible] = np.where(frame_ok[:, impossible, None], np.nan, 0.0)  # as PyTorch
    if reduction == "mean":
        scale = 1.0 / (np.maximum(tgt_len, 1) * max(N, 1))  # per-example loss / target length, batch mean
        losses = losses * scale
        grad *= scale[None, :, None]
    grad = grad.astype(z_in.dtype, copy=False)
    return (losses, grad) if reduction == "none" else (float(losses.sum()), grad)


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
