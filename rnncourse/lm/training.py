"""Chapter 6 training: the Adam + truncated-BPTT loop, and the evaluation of an id stream."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._guard import reference
from .._validate import as_int_array, check_positive_int
from ..losses import clip_by_norm
from ._args import check_real, check_rng
from .data import EOS_ID, LMDataset, batches_forever, char_dataset, tbptt_batches
from .metrics import bits_per_char, sequence_log_prob
from .model import _check_lm_params, _zeros_state, init_lm_params, lm_forward, lm_loss_and_grads
from .optim import adam_step

__all__ = ["HistoryRow", "LMTrainResult", "evaluate_nll", "evaluate_bpc", "train_char_lm"]


class HistoryRow(NamedTuple):
    """One evaluation of :func:`train_char_lm`.

    - step: updates done; train_loss: mean training NLL per token (nats) over
      the updates since the previous row; valid_bpc: bits per token on the
      validation stream (NaN if not evaluated); seconds: training time so far
      (evaluation excluded).
    """
    step: int
    train_loss: float
    valid_bpc: float
    seconds: float


@dataclass
class LMTrainResult:
    """What :func:`train_char_lm` returns: ``params`` (dict), ``history`` (list of
    :class:`HistoryRow`), ``data`` (the :class:`LMDataset` used), ``steps`` (updates done)."""
    params: dict
    history: list
    data: LMDataset
    steps: int


@reference
def evaluate_nll(params: dict, ids, batch_size: int = 1, seq_len: int = 256, start: int | None = EOS_ID):
    """Total negative log-likelihood (nats) of an id stream under the model.

    The hidden state is carried from chunk to chunk (:func:`tbptt_batches`), so
    with ``batch_size=1`` this is exactly :math:`-\\log P(\\text{ids})` by the
    chain rule. ``start`` (default ``<EOS>``, "a paragraph begins") is put in
    front, so that the first token is predicted too; ``start=None`` predicts
    ``ids[1:]``. A larger ``batch_size`` is faster but starts the N streams
    from a zero state and leaves out the last < N tokens.

    Returns a tuple ``(total_nll, n_predicted)``.
    """
    V, _, _ = _check_lm_params(params)
    ids = as_int_array("ids", ids, ndim=1, low=0, high=V)
    if start is not None:
        start = int(as_int_array("start", start, ndim=0, low=0, high=V))
        ids = np.concatenate([[start], ids])
    total, count = 0.0, 0
    for x, y in tbptt_batches(ids, batch_size, seq_len):
        if count == 0:
            a = _zeros_state(params, x.shape[1])
        z, a = lm_forward(params, x, a)
        total -= float(sequence_log_prob(z, y).sum())
        count += y.size
    return total, count


@reference
def evaluate_bpc(params: dict, ids, batch_size: int = 1, seq_len: int = 256,
                 start: int | None = EOS_ID) -> float:
    """Bits per token of the stream ``ids`` (bits per character for a character model).

    See :func:`evaluate_nll` for the arguments; returns ``total_nll / (n ln 2)``.
    """
    total, n = evaluate_nll(params, ids, batch_size, seq_len, start)
    return bits_per_char(total, n)


@reference
def train_char_lm(text_or_dataset, n_a: int, seq_len: int, batch_size: int, steps: int, lr: float,
                  clip: float | None, rng: np.random.Generator, n_e: int | None = None,
                  eval_every: int = 100, eval_tokens: int | None = None, max_seconds: float | None = None,
                  dtype=np.float64, callback=None, params: dict | None = None) -> LMTrainResult:
    """Train an RNN language model with Adam and truncated BPTT (numpy only).

    Inputs:
    - text_or_dataset: a str (made into :func:`char_dataset`) or an :class:`LMDataset`.
    - n_a: hidden size; n_e: embedding size or None (one-hot input).
    - seq_len: T, truncation length; batch_size: N parallel streams.
    - steps: number of updates (epochs restart when the stream is used up).
    - lr: Adam's learning rate; clip: global-norm threshold for
      :func:`rnncourse.losses.clip_by_norm` (None: no clipping).
    - rng: ``np.random.Generator`` for the initialisation.
    - eval_every: evaluate every so many updates (and after the last one).
    - eval_tokens: evaluate on the first so many validation tokens (None: all).
    - max_seconds: stop once training (evaluation excluded) took this long.
    - dtype: float64 or float32; callback: called with every :class:`HistoryRow`.
    - params: start from these parameters (changed in place) instead of new ones.

    The loss is the mean NLL per token of each batch. The hidden state is
    carried from one batch to the next (the streams continue) and reset to
    zero at the start of every epoch.

    Returns an :class:`LMTrainResult`.
    """
    data = char_dataset(text_or_dataset) if isinstance(text_or_dataset, str) else text_or_dataset
    if not isinstance(data, LMDataset):
        raise ValueError(f"text_or_dataset: expected a str or an LMDataset, got {type(data).__name__}")
    n_a = check_positive_int("n_a", n_a)
    T = check_positive_int("seq_len", seq_len)
    N = check_positive_int("batch_size", batch_size)
    steps = check_positive_int("steps", steps)
    eval_every = check_positive_int("eval_every", eval_every)
    lr = check_real("lr", lr)
    clip = None if clip is None else check_real("clip", clip)
    check_rng(rng)
    if params is None:
        params = init_lm_params(len(data.vocab), n_a, rng, n_e=n_e, dtype=dtype)
    valid = data.valid if eval_tokens is None else data.valid[:check_positive_int("eval_tokens", eval_tokens)]
    state, history = {}, []
    seconds, window, window_n = 0.0, 0.0, 0
    stream = batches_forever(data.train, N, T)
    for step in range(1, steps + 1):
        x, y, new_epoch = next(stream)
        if new_epoch:
            a = None  # the streams start again from the beginning: zero state
        t0 = time.perf_counter()
        loss, grads, a = lm_loss_and_grads(params, x, y, a, reduction="mean")  # a: carried to the next batch
        if clip is not None:
            grads, _ = clip_by_norm(grads, clip)  # one global rescaling keeps the direction
        adam_step(params, grads, state, lr=lr)
        seconds += time.perf_counter() - t0
        window += loss
        window_n += 1
        over_time = max_seconds is not None and seconds >= max_seconds
        if step % eval_every == 0 or step == steps or over_time:
            vb = evaluate_bpc(params, valid) if valid.size else float("nan")
            row = HistoryRow(step, window / window_n, vb, seconds)
            history.append(row)
            window, window_n = 0.0, 0
            if callback is not None:
                callback(row)
        if over_time:
            break
    return LMTrainResult(params, history, data, step)
