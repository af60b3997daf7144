"""Chapter 3: word embeddings as a row lookup, its gradient, and similarity.

An embedding matrix ``W`` has shape ``(V, n_e)``: row k is the vector of token
k. Embedding a batch of ids of shape ``(T, N)`` gives ``(T, N, n_e)``:

.. math:: e^{\\langle t\\rangle} = W^\\top o^{\\langle t\\rangle} \\quad\\text{i.e., in row form,}\\quad
          \\text{onehot}(k)\\,W = W[k]

so the product with a one-hot vector is just a row lookup, and the gradient
of the loss with respect to ``W`` adds each upstream gradient into the row
that was looked up -- **adding**, because a token that appears twice receives
two contributions.

Same values and gradient as ``torch.nn.Embedding(V, n_e, padding_idx=...)``
with ``weight = W``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_id_list, as_int_array, check_positive_int, check_shape
from .vocab import one_hot

__all__ = ["EmbeddingCache", "embedding_forward", "embedding_backward", "embedding_via_one_hot",
           "cosine_similarity", "most_similar", "cooccurrence_counts", "ppmi", "svd_embeddings"]


@dataclass(frozen=True)
class EmbeddingCache:
    """What :func:`embedding_backward` needs from the forward pass.

    - ids: int64 array of the looked-up ids, any shape S.
    - vocab_size: V, the number of rows of W.
    - padding_idx: id whose row receives no gradient (or None).
    - n_e: width of the embeddings (set by :func:`embedding_forward`; None: not checked).
    """
    ids: np.ndarray
    vocab_size: int
    padding_idx: int | None = None
    n_e: int | None = None


@reference
def embedding_forward(ids, W, padding_idx: int | None = None):
    """Look up the embedding of every id.

    Inputs:
    - ids: integer array of shape S, e.g. ``(T, N)``, values in ``[0, V)``.
    - W: float array of shape ``(V, n_e)``; row k embeds token k.
    - padding_idx: optional id (usually ``<PAD>`` = 0) whose row gets no
      gradient in the backward pass (as in ``torch.nn.Embedding``).

    Returns a tuple ``(out, cache)``:
    - out: array of shape ``S + (n_e,)`` with ``out[..., :] = W[ids[...]]``.
    - cache: :class:`EmbeddingCache` for :func:`embedding_backward`.
    """
    W = as_float_array("W", W, ndim=2)
    V = W.shape[0]
    ids = as_int_array("ids", ids, low=0, high=V)
    if padding_idx is not None:
        padding_idx = check_positive_int("padding_idx", padding_idx, allow_zero=True)
        if padding_idx >= V:
            raise ValueError(f"padding_idx: expected < V = {V}, got {padding_idx}")
    out = W[ids]  # fancy indexing: one row of W per id, shape S + (n_e,)
    return out, EmbeddingCache(ids=ids, vocab_size=V, padding_idx=padding_idx, n_e=int(W.shape[1]))


@reference
def embedding_backward(dout, cache: EmbeddingCache) -> np.ndarray:
    """Gradient of the loss with respect to the embedding matrix.

    Inputs:
    - dout: upstream gradient, shape ``S + (n_e,)`` (same as the forward output).
    - cache: the :class:`EmbeddingCache` returned by :func:`embedding_forward`.

    Returns:
    - dW: array of shape ``(V, n_e)``; row k is the sum of ``dout`` over all
      positions where ``ids == k`` (zero for ids never looked up and for
      ``padding_idx``).
    """
    if not isinstance(cache, EmbeddingCache):
        raise ValueError(f"cache: expected an EmbeddingCache, got {type(cache).__name__}")
    dout = as_float_array("dout", dout)
    check_shape("dout", dout, cache.ids.shape + (cache.n_e,), "S + (n_e,)")
    dW = np.zeros((cache.vocab_size, dout.shape[-1]), dtype=dout.dtype)
    # add.at accumulates repeated ids; dW[ids] += dout would keep only one of them
    np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, dout.shape[-1]))
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0.0  # the padding vector is not trained
    return dW


@reference
def embedding_via_one_hot(ids, W) -> np.ndarray:
    """The same lookup written as a matrix product: ``one_hot(ids, V) @ W``.

    Inputs/Returns as in :func:`embedding_forward` (without the cache). It
    costs ``O(|S| V n_e)`` instead of ``O(|S| n_e)``: a teaching device, not a
    way to compute embeddings.
    """
    W = as_float_array("W", W, ndim=2)
    return one_hot(ids, W.shape[0], dtype=W.dtype) @ W


@reference
def cosine_similarity(u, v) -> np.ndarray:
    """Cosine of the angle between vectors, ``u.v / (|u| |v|)``.

    Inputs:
    - u: array of shape ``(n_e,)`` or ``(M, n_e)``.
    - v: array of shape ``(n_e,)`` or ``(K, n_e)``.

    Returns:
    - array of shape ``()``, ``(M,)``, ``(K,)`` or ``(M, K)`` following the
      inputs, values in [-1, 1]. A zero vector has similarity 0 with anything.
    """
    u = as_float_array("u", u)
    v = as_float_array("v", v)
    for name, arr in (("u", u), ("v", v)):
        if not np.all(np.isfinite(arr)):  # a NaN would otherwise come out as similarity 0
            raise ValueError(f"{name}: expected finite numbers, got NaN or infinity")
    if u.ndim not in (1, 2) or v.ndim not in (1, 2):
        raise ValueError(f"u, v: expected shape (n_e,) or (M, n_e), got {u.shape} and {v.shape}")
    if u.shape[-1] != v.shape[-1]:
        raise ValueError(f"v: expected last axis n_e = {u.shape[-1]} like u, got shape {v.shape}")
    nu = np.linalg.norm(u, axis=-1, keepdims=True)
    nv = np.linalg.norm(v, axis=-1, keepdims=True)
    # dividing first keeps the result in [-1, 1]; zero vectors stay zero
    uu = np.divide(u, nu, out=np.zeros_like(u), where=nu > 0)
    vv = np.divide(v, nv, out=np.zeros_like(v), where=nv > 0)
    return np.clip(uu @ vv.T, -1.0, 1.0)


@reference
def most_similar(W, query: int, k: int = 5, exclude=()) -> tuple:
    """The k ids whose embeddings are closest in cosine to row ``query``.

    Inputs:
    - W: embedding matrix ``(V, n_e)``.
    - query: id of the query token (it is never returned).
    - k: number of neighbours.
    - exclude: further ids never to return (e.g. the special tokens).

    Returns a tuple ``(ids, sims)`` of arrays of shape ``(k,)``, most similar
    first; ties go to the smaller id.
    """
    W = as_float_array("W", W, ndim=2)
    V = W.shape[0]
    query = int(as_int_array("query", query, ndim=0, low=0, high=V))
    k = check_positive_int("k", k)
    excl = as_id_list("exclude", exclude, high=V)
    banned = {query, *(int(e) for e in excl)}
    if k > V - len(banned):
        raise ValueError(f"k: expected <= {V - len(banned)} (ids left after exclusions), got {k}")
    sims = cosine_similarity(W[query], W)
    order = np.lexsort((np.arange(V), -sims))  # by similarity, then by id
    ids = np.array([j for j in order if j not in banned][:k], dtype=np.int64)
    return ids, sims[ids]


def cooccurrence_counts(ids, vocab_size: int, window: int = 2) -> np.ndarray:
    """Symmetric co-occurrence counts of a token stream.

    Inputs:
    - ids: integer array of shape ``(L,)``, a corpus as one stream of ids.
    - vocab_size: V.
    - window: tokens up to this distance on either side count as context.

    Returns:
    - C: float array ``(V, V)``; ``C[a, b]`` is the number of times b occurs
      within ``window`` tokens of a (weighted 1/distance, as in GloVe).
    """
    V = check_positive_int("vocab_size", vocab_size)
    ids = as_int_array("ids", ids, ndim=1, low=0, high=V)
    window = check_positive_int("window", window)
    C = np.zeros((V, V))
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        np.add.at(C, (a, b), 1.0 / d)  # b follows a at distance d ...
        np.add.at(C, (b, a), 1.0 / d)  # ... and a precedes b: keep C symmetric
    return C


def ppmi(C) -> np.ndarray:
    """Positive pointwise mutual information of a co-occurrence matrix.

    ``PPMI[a, b] = max(0, log(P(a, b) / (P(a) P(b))))``; rows or columns that
    are all zero give zeros. Input and output have shape ``(V, V)``.
    """
    C = as_float_array("C", C, ndim=2)
    check_shape("C", C, (C.shape[0], C.shape[0]), "(V, V)")
    if not np.all(np.isfinite(C)) or np.any(C < 0):
        raise ValueError("C: expected non-negative finite counts, got NaN, infinity or a negative count")
    total = C.sum()
    if total <= 0:
        raise ValueError("C: expected some positive counts, got none")
    row = C.sum(axis=1, keepdims=True)
    col = C.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(C * total / (row * col))
    return np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)


def svd_embeddings(M, dim: int) -> np.ndarray:
    """Rows of ``U_k sqrt(S_k)`` from the truncated SVD of ``M`` (V, V).

    Returns a ``(V, dim)`` matrix of dense word vectors (the classic "count,
    then compress" embedding). Signs are fixed so that each column's largest
    entry is positive, which makes the result deterministic.
    """
    M = as_float_array("M", M, ndim=2)
    if not np.all(np.isfinite(M)):  # LAPACK may never converge on an infinity
        raise ValueError("M: expected finite numbers, got NaN or infinity")
    dim = check_positive_int("dim", dim)
    if dim > min(M.shape):
        raise ValueError(f"dim: expected <= {min(M.shape)}, got {dim}")
    U, S, _ = np.linalg.svd(M, full_matrices=False)
    U = U[:, :dim]
    signs = np.sign(U[np.abs(U).argmax(axis=0), np.arange(dim)])
    return U * signs * np.sqrt(S[:dim])
