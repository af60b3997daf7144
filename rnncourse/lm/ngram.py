"""Chapter 6 baselines: add-alpha smoothed n-gram models (count, probabilities, NLL, choice of alpha)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._guard import reference
from .._validate import as_int_array, check_positive_int, check_shape
from ._args import check_real
from .data import EOS_ID
from .metrics import bits_per_char

__all__ = ["NGramModel", "ngram_model", "ngram_probs", "ngram_nll", "ngram_bpc", "fit_ngram"]


@dataclass(frozen=True)
class NGramModel:
    """An add-alpha smoothed n-gram model (see :func:`ngram_model`).

    - n: order (2 = bigram); V: vocabulary size; alpha: pseudo-count.
    - counts: ``(V ** (n - 1), V)``; row c counts the tokens that followed the
      context whose ids, read as base-V digits, give c.
    """
    n: int
    V: int
    alpha: float
    counts: np.ndarray


def _context_index(ids, n, V):
    """Row index of the n-1 tokens before each position >= n-1, ``(L - n + 1,)``."""
    L = ids.shape[0]
    c = np.zeros(L - n + 1, dtype=np.int64)
    for j in range(n - 1):
        c = c * V + ids[j: L - n + 1 + j]  # base-V number of the context tokens
    return c


@reference
def ngram_model(train_ids, V: int, n: int = 2, alpha: float = 1.0, start: int | None = EOS_ID) -> NGramModel:
    """Count n-grams of a training stream (add-alpha smoothing).

    ``P(w | c) = (count(c, w) + alpha) / (count(c) + alpha V)``: every token gets
    alpha pseudo-counts, so an unseen pair is unlikely but not impossible.

    Inputs:
    - train_ids: int stream ``(L,)``; V: vocabulary size; n: order (>= 1).
    - alpha: > 0, the pseudo-count (choose it on the validation split, see :func:`fit_ngram`).
    - start: id put n-1 times in front as the context of the first tokens (None: no padding).

    Returns an :class:`NGramModel`.
    """
    V = check_positive_int("V", V)
    n = check_positive_int("n", n)
    alpha = check_real("alpha", alpha)
    if V ** (n - 1) * V > 5e7:
        raise ValueError(f"n: expected V ** n <= 5e7 (a dense count table), got V = {V}, n = {n}")
    ids = as_int_array("train_ids", train_ids, ndim=1, low=0, high=V)
    if start is not None:  # a negative or too large start would count into another context's row
        start = int(as_int_array("start", start, ndim=0, low=0, high=V))
        ids = np.concatenate([np.full(n - 1, start, dtype=np.int64), ids])
    counts = np.zeros((V ** (n - 1), V))
    np.add.at(counts, (_context_index(ids, n, V)[: ids.shape[0] - n + 1], ids[n - 1:]), 1.0)
    return NGramModel(n, V, alpha, counts)


@reference
def ngram_probs(model: NGramModel, context=()) -> np.ndarray:
    """``P(. | context)``: the smoothed next-token distribution.

    Inputs:
    - model: an :class:`NGramModel`.
    - context: the previous n-1 ids, oldest first, each in ``[0, V)`` (empty only for n = 1).

    Returns a float array ``(V,)`` summing to 1.
    """
    if not isinstance(model, NGramModel):
        raise ValueError(f"model: expected an NGramModel, got {type(model).__name__}")
    ctx = as_int_array("context", np.asarray(list(context), dtype=np.int64), ndim=1, low=0, high=model.V)
    check_shape("context", ctx, (model.n - 1,), "(n - 1,)")
    c = 0
    for k in ctx.tolist():
        c = c * model.V + k  # the context's ids as the digits of one base-V row number
    row = model.counts[c]
    return (row + model.alpha) / (row.sum() + model.alpha * model.V)  # add-alpha estimate


@reference
def ngram_nll(model: NGramModel, ids, start: int | None = EOS_ID):
    """Total negative log-likelihood (nats) of a stream under an n-gram model.

    Inputs:
    - model: an :class:`NGramModel`.
    - ids: int stream ``(L,)``, values in ``[0, V)``.
    - start: id put n-1 times in front (as in :func:`ngram_model`), so every token
      of ``ids`` is predicted; None: the first n-1 tokens are only context.

    Returns a tuple ``(total_nll, n_predicted)``: a float (nats) and an int.
    """
    if not isinstance(model, NGramModel):
        raise ValueError(f"model: expected an NGramModel, got {type(model).__name__}")
    n, V = model.n, model.V
    ids = as_int_array("ids", ids, ndim=1, low=0, high=V)
    if start is not None:  # a negative or too large start would count into another context's row
        start = int(as_int_array("start", start, ndim=0, low=0, high=V))
        ids = np.concatenate([np.full(n - 1, start, dtype=np.int64), ids])
    c = _context_index(ids, n, V)[: ids.shape[0] - n + 1]
    w = ids[n - 1:]
    num = model.counts[c, w] + model.alpha  # count(context, token) + alpha
    den = model.counts.sum(axis=1)[c] + model.alpha * V  # count(context) + alpha V
    return float(-np.sum(np.log(num / den))), int(w.shape[0])  # chain rule with an (n-1)-token memory


@reference
def ngram_bpc(model: NGramModel, ids, start: int | None = EOS_ID) -> float:
    """Bits per token of ``ids`` under an n-gram model.

    Inputs: as :func:`ngram_nll`. Returns a float, ``total_nll / (n_predicted ln 2)``.
    """
    total, n = ngram_nll(model, ids, start)
    return bits_per_char(total, n)


@reference
def fit_ngram(train_ids, valid_ids, V: int, n: int = 2, alphas=(1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)):
    """Fit an add-alpha n-gram model, choosing alpha by validation bits per token.

    Inputs:
    - train_ids, valid_ids: int streams ``(L_train,)``, ``(L_valid,)`` with values in ``[0, V)``.
    - V: vocabulary size; n: order (2 = bigram); alphas: the pseudo-counts to try (> 0).

    Returns a tuple ``(model, table)``: the best :class:`NGramModel` and a list
    of ``(alpha, valid_bpc)`` for every alpha tried.
    """
    base = ngram_model(train_ids, V, n=n, alpha=1.0)
    table = []
    for al in alphas:
        m = NGramModel(base.n, base.V, check_real("alphas", al), base.counts)
        table.append((float(al), ngram_bpc(m, valid_ids)))
    best = min(table, key=lambda r: r[1])[0]
    return NGramModel(base.n, base.V, best, base.counts), table
