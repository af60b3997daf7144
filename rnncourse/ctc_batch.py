"""Chapter 9: the CTC loss of a padded batch and its gradient with respect to the logits, as ``F.ctc_loss``.

Same values and logit gradients as ``torch.nn.functional.ctc_loss(log_softmax(z), ...)`` for the
reductions ``"none"``, ``"sum"`` and ``"mean"`` (each loss divided by its target length, then
averaged over the batch), ``zero_infinity`` and the ``blank`` index. Arrays are time-major:
logits ``(T, N, C)``.

This is the fast form of the textbook recursions of :mod:`rnncourse.ctc` (where the symbols α, β,
γ are defined): every example's α and β at frame t lie in one flat row, updated by shifts of that
row, in probabilities rescaled every few frames instead of logs. tests/test_ctc.py proves it equal
to the textbook functions applied to each example, and to PyTorch.
"""
from __future__ import annotations

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array
from .ctc import _check_blank, _check_labels, _log_probs_of, ctc_alpha, ctc_beta, ctc_log_likelihood, extend_labels

__all__ = ["ctc_loss"]


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
