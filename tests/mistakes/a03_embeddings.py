"""Realistic mistakes in assignment 03-embeddings: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "03-embeddings"

MUTANTS = [
    Mutant(A, "ids transposed", "embedding_forward",
           "out = W[ids]", "out = W[ids.T]", "test_embedding_forward", "swapped"),
    Mutant(A, "gradient assigned, not accumulated", "embedding_backward",
           "np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, n_e))",
           "dW[cache.ids.reshape(-1)] = dout.reshape(-1, n_e)", "test_embedding_backward", "accumulated"),
    Mutant(A, "padding row trained", "embedding_backward",
           "if cache.padding_idx is not None:", "if False:", "test_embedding_backward", "padding_idx"),
    Mutant(A, "dot product instead of cosine", "cosine_similarity",
           "return (v @ u) / (np.linalg.norm(v, axis=1) * np.linalg.norm(u))", "return v @ u",
           "test_cosine_similarity", "not divided by their lengths"),
    Mutant(A, "query returned as its own neighbour", "most_similar",
           "banned = {query, *exclude}", "banned = set(exclude)", "test_most_similar", "query itself"),
    Mutant(A, "exclude ignored", "most_similar",
           "banned = {query, *exclude}", "banned = {query}", "test_most_similar", "exclude"),
    Mutant(A, "padding_idx not kept in the cache", "embedding_forward",
           "padding_idx=padding_idx, n_e=n_e", "n_e=n_e", "test_embedding_forward", "cache.padding_idx"),
    Mutant(A, "ascending order", "most_similar",
           'np.argsort(-sims, kind="stable")', 'np.argsort(sims, kind="stable")',
           "test_most_similar", "decreasing similarity"),
]


def _cache(**fields):
    from rnncourse.embedding import EmbeddingCache
    return EmbeddingCache(**fields)


# ============================================================ 03 embedding_forward
F = "embedding_forward"


@mistake(F, "ids transposed", "the first two axes")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids.T], _cache(ids=ids, vocab_size=W.shape[0], padding_idx=padding_idx, n_e=W.shape[1])


@mistake(F, "columns of W (W taken as (n_e, V))", "not the column W[:, ids[t, i]]")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[:, ids], _cache(ids=ids, vocab_size=W.shape[0], padding_idx=padding_idx, n_e=W.shape[1])


@mistake(F, "out only, no cache", "return the cache too")
def _(ids, W, padding_idx=None):
    return W[np.asarray(ids)]


@mistake(F, "(cache, out) order", "out comes first")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return _cache(ids=ids, vocab_size=W.shape[0], padding_idx=padding_idx, n_e=W.shape[1]), W[ids]


@mistake(F, "V = ids.max() + 1", "not ids.max() + 1")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids], _cache(ids=ids, vocab_size=int(ids.max()) + 1, padding_idx=padding_idx, n_e=W.shape[1])


@mistake(F, "V = W.shape[1]", "not W.shape[1] = n_e")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids], _cache(ids=ids, vocab_size=W.shape[1], padding_idx=padding_idx, n_e=W.shape[1])


@mistake(F, "cache as a tuple", "expected an EmbeddingCache")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids], (ids, W.shape[0])


@mistake(F, "flattened ids in the cache", "cache.ids holds the ids as they were given")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids], _cache(ids=ids.reshape(-1), vocab_size=W.shape[0], padding_idx=padding_idx, n_e=W.shape[1])


@mistake(F, "padding_idx not kept in the cache", "cache.padding_idx")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    return W[ids], _cache(ids=ids, vocab_size=W.shape[0], n_e=W.shape[1])


@mistake(F, "padding row of W zeroed in place", "changed its argument W")
def _(ids, W, padding_idx=None):
    ids = np.asarray(ids)
    if padding_idx is not None:
        W[padding_idx] = 0.0
    return W[ids], _cache(ids=ids, vocab_size=W.shape[0], padding_idx=padding_idx, n_e=W.shape[1])


# =========================================================== 03 embedding_backward
F = "embedding_backward"


@mistake(F, "assigned, not accumulated", "must be accumulated")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    dW[cache.ids.reshape(-1)] = dout.reshape(-1, dout.shape[-1])
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "fancy-index += (buffered)", "must be accumulated")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    dW[cache.ids] += dout
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "padding row trained", "must get zero gradient")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    return dW


@mistake(F, "if cache.padding_idx: (0 is falsy)", "test `is not None`")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    if cache.padding_idx:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "V = ids.max() + 1 rows", "not ids.max() + 1")
def _(dout, cache):
    dW = np.zeros((cache.ids.max() + 1, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "mean of the contributions", "not their mean")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    counts = np.bincount(cache.ids.reshape(-1), minlength=cache.vocab_size)
    dW /= np.maximum(counts, 1)[:, None]
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "transposed (n_e, V)", "one row per token")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW.T


@mistake(F, "integer dW (zeros_like of the ids)", "expected dtype float")
def _(dout, cache):
    dW = np.zeros((cache.vocab_size, dout.shape[-1]), dtype=cache.ids.dtype)
    np.add.at(dW, cache.ids, dout.astype(dW.dtype))
    if cache.padding_idx is not None:
        dW[cache.padding_idx] = 0
    return dW


@mistake(F, "padding zeroed in the caller's dout", "changed its argument dout")
def _(dout, cache):
    if cache.padding_idx is not None:
        dout[cache.ids == cache.padding_idx] = 0
    dW = np.zeros((cache.vocab_size, dout.shape[-1]))
    np.add.at(dW, cache.ids, dout)
    return dW


# ============================================================ 03 cosine_similarity
F = "cosine_similarity"


@mistake(F, "dot product", "not divided by their lengths")
def _(u, v):
    return v @ u


@mistake(F, "only u normalised", "only u was normalised")
def _(u, v):
    return v @ u / np.linalg.norm(u)


@mistake(F, "only v normalised", "only v was normalised")
def _(u, v):
    return v @ u / np.linalg.norm(v, axis=1)


@mistake(F, "norm of the whole matrix", "not the norm of the whole matrix")
def _(u, v):
    return v @ u / (np.linalg.norm(v) * np.linalg.norm(u))


@mistake(F, "norms along axis 0", "np.linalg.norm(v, axis=1)")
def _(u, v):
    return v @ u / (np.linalg.norm(v, axis=0) * np.linalg.norm(u))


@mistake(F, "squared lengths", "not by the squared lengths")
def _(u, v):
    return v @ u / ((v ** 2).sum(axis=1) * (u ** 2).sum())


@mistake(F, "cosine distance", "not the cosine distance")
def _(u, v):
    return 1 - v @ u / (np.linalg.norm(v, axis=1) * np.linalg.norm(u))


@mistake(F, "angle instead of cosine", "not the angle")
def _(u, v):
    return np.arccos(v @ u / (np.linalg.norm(v, axis=1) * np.linalg.norm(u)))


@mistake(F, "u normalised in place", "changed its argument u")
def _(u, v):
    u /= np.linalg.norm(u)
    return v @ u / np.linalg.norm(v, axis=1)


# ================================================================= 03 most_similar
F = "most_similar"


def _cos(W, query):
    return W @ W[query] / (np.linalg.norm(W, axis=1) * np.linalg.norm(W[query]))


@mistake(F, "query returned as its own neighbour", "query itself must not be returned")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(-sims, kind="stable")
    ids = np.array([j for j in order if j not in exclude][:k])
    return ids, sims[ids]


@mistake(F, "exclude ignored", "ids in exclude must not be returned")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(-sims, kind="stable")
    ids = order[order != query][:k]
    return ids, sims[ids]


@mistake(F, "ascending order (argsort of sims)", "sort by decreasing similarity")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(sims, kind="stable")
    ids = np.array([j for j in order if j != query and j not in exclude][:k])
    return ids, sims[ids]


@mistake(F, "ranked by the dot product", "not by the dot product")
def _(W, query, k=5, exclude=()):
    scores = W @ W[query]
    order = np.argsort(-scores, kind="stable")
    ids = np.array([j for j in order if j != query and j not in exclude][:k])
    return ids, _cos(W, query)[ids]


@mistake(F, "argsort reversed (ties to the larger id)", "the smaller id comes first")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(sims, kind="stable")[::-1]
    ids = np.array([j for j in order if j != query and j not in exclude][:k])
    return ids, sims[ids]


@mistake(F, "first entry skipped as the query", "assumes the query comes first")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = [j for j in np.argsort(-sims, kind="stable") if j not in exclude]
    ids = np.array(order[1:k + 1])
    return ids, sims[ids]


@mistake(F, "query removed after taking k (k - 1 neighbours)", "not the first k and then the query")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = [j for j in np.argsort(-sims, kind="stable") if j not in exclude][:k]
    ids = np.array([j for j in order if j != query])
    return ids, sims[ids]


@mistake(F, "ids only", "return the similarities of the neighbours too")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(-sims, kind="stable")
    return np.array([j for j in order if j != query and j not in exclude][:k])


@mistake(F, "all similarities returned", "not all V")
def _(W, query, k=5, exclude=()):
    sims = _cos(W, query)
    order = np.argsort(-sims, kind="stable")
    return np.array([j for j in order if j != query and j not in exclude][:k]), sims


@mistake(F, "rows normalised in place", "changed its argument W")
def _(W, query, k=5, exclude=()):
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    sims = W @ W[query]
    order = np.argsort(-sims, kind="stable")
    ids = np.array([j for j in order if j != query and j not in exclude][:k])
    return ids, sims[ids]
