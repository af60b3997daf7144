"""Checks for assignment 03 (embeddings): lookup, its gradient, cosine similarity, neighbours."""
from __future__ import annotations

import numpy as np

from .. import embedding as ref
from ._core import Record, Case, Raised, Spec, compare_arrays, describe, diagnose, register

AXES = ("time step t", "example i", "feature")


def _rand_case(rng, repeated=True):
    V, E = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    T, N = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    ids = rng.integers(0, V, size=(T, N))
    if repeated and ids.size > 1:
        ids.flat[-1] = ids.flat[0]  # at least one token appears twice
    return V, E, ids, rng.normal(size=(V, E))


# ------------------------------------------------------------ embedding_forward
W_WORKED = np.arange(12.0).reshape(4, 3)  # row k = [3k, 3k+1, 3k+2]


def _ef_visible():
    return [Case({"ids": np.array([[3, 0], [1, 3]]), "W": W_WORKED},
                 "ids [[3, 0], [1, 3]] with W = arange(12).reshape(4, 3)")]


def _ef_random(rng):
    out = []
    for _ in range(5):
        V, E, ids, W = _rand_case(rng)
        out.append(Case({"ids": ids, "W": W}, f"ids (T, N) = {ids.shape}, W (V, n_e) = {W.shape}"))
    return out


def _ef_compare(case, got, expected):
    out, cache = expected
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (out, cache), got {describe(got)}"
    problem = diagnose(got[0], out, [], "out", axes=AXES,
                       layout_hint="out[t, i] is the row W[ids[t, i]], so out has shape ids.shape + (n_e,)")
    if problem:
        return problem
    c = got[1]
    if not (isinstance(c, Record) and c._name == "EmbeddingCache"):
        return f"cache: expected an EmbeddingCache(ids=..., vocab_size=...), got {describe(c)}"
    fields = c._fields
    if fields.get("vocab_size") != cache.vocab_size:
        return f"cache.vocab_size: expected V = {cache.vocab_size}, got {fields.get('vocab_size')!r}"
    return compare_arrays(fields.get("ids"), cache.ids, "cache.ids", kind="iu")


register(Spec("embedding_forward", ("rnncourse.embedding.embedding_forward",
                                    "rnncourse.embedding.embedding_via_one_hot"),
              _ef_visible, _ef_random, expect=lambda c: ref.embedding_forward(**c.args),
              compare=_ef_compare))


# ----------------------------------------------------------- embedding_backward
def _eb_arguments(args):
    cache = ref.EmbeddingCache(ids=args["ids"], vocab_size=args["V"], padding_idx=args["padding_idx"])
    return (args["dout"], cache), {}


def _eb_visible():
    ids = np.array([[3, 0], [1, 3]])
    dout = np.array([[[1.0, 1, 1], [2, 2, 2]], [[3, 3, 3], [4, 4, 4]]])
    return [Case({"ids": ids, "V": 4, "padding_idx": None, "dout": dout},
                 "ids [[3, 0], [1, 3]]: token 3 appears twice, so dW[3] = 1 + 4 = 5")]


def _eb_random(rng):
    out = []
    for k in range(6):
        V, E, ids, _ = _rand_case(rng)
        pad = 0 if k % 3 == 2 else None
        if pad is not None:
            ids[0, 0] = 0
        dout = rng.normal(size=ids.shape + (E,))
        out.append(Case({"ids": ids, "V": V, "padding_idx": pad, "dout": dout},
                        f"ids (T, N) = {ids.shape}, V = {V}, n_e = {E}, padding_idx = {pad}"))
    return out


def _eb_expect(case):
    a = case.args
    return ref.embedding_backward(a["dout"], ref.EmbeddingCache(a["ids"], a["V"], a["padding_idx"]))


def _eb_compare(case, got, expected):
    a = case.args
    ids, dout, V = a["ids"], a["dout"], a["V"]
    assigned = np.zeros_like(expected)
    assigned[ids.reshape(-1)] = dout.reshape(-1, dout.shape[-1])  # the last write wins
    no_pad = np.zeros_like(expected)
    np.add.at(no_pad, ids.reshape(-1), dout.reshape(-1, dout.shape[-1]))
    causes = [("repeated tokens: the gradient must be accumulated (np.add.at), "
               "not assigned (dW[ids] = dout keeps only one of the contributions)", assigned)]
    if a["padding_idx"] is not None:
        causes.append((f"the row of padding_idx = {a['padding_idx']} must get zero gradient", no_pad))
    return diagnose(got, expected, causes, "dW", axes=("vocabulary row k", "feature"))


register(Spec("embedding_backward", ("rnncourse.embedding.embedding_backward",),
              _eb_visible, _eb_random, expect=_eb_expect, compare=_eb_compare, arguments=_eb_arguments))


# ------------------------------------------------------------ cosine_similarity
def _cs_visible():
    return [Case({"u": np.array([1.0, 0.0]), "v": np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 1.0]])},
                 "u = [1, 0] against [2, 0], [0, 3], [-1, 1]: 1, 0, -0.7071")]


def _cs_random(rng):
    out = []
    for k in range(5):
        E = int(rng.integers(2, 7))
        u = rng.normal(size=E) * rng.uniform(0.1, 10)
        v = rng.normal(size=(int(rng.integers(1, 6)), E)) * rng.uniform(0.1, 10, size=(1, 1))
        out.append(Case({"u": u, "v": v}, f"u of shape {u.shape}, v of shape {v.shape}"))
    return out


def _cs_compare(case, got, expected):
    u, v = case.args["u"], case.args["v"]
    return diagnose(got, expected, [
        ("the vectors were not divided by their lengths (that is the dot product)", v @ u),
        ("only u was normalised: divide by |v| too", v @ u / np.linalg.norm(u)),
        ("only v was normalised: divide by |u| too", v @ u / np.linalg.norm(v, axis=1)),
    ], "similarities", axes=("row of v",))


register(Spec("cosine_similarity", ("rnncourse.embedding.cosine_similarity",),
              _cs_visible, _cs_random, expect=lambda c: ref.cosine_similarity(**c.args),
              compare=_cs_compare))


# ----------------------------------------------------------------- most_similar
def _ms_visible():
    W = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.7, 0.7]])
    return [Case({"W": W, "query": 0, "k": 2}, "W of 5 two-d vectors, neighbours of row 0: rows 1 and 4")]


def _ms_random(rng):
    out = []
    for _ in range(5):
        V, E = int(rng.integers(5, 12)), int(rng.integers(2, 5))
        W = rng.normal(size=(V, E))
        q, k = int(rng.integers(V)), int(rng.integers(1, V - 1))
        out.append(Case({"W": W, "query": q, "k": k}, f"W {W.shape}, query = {q}, k = {k}"))
    return out


def _ms_compare(case, got, expected):
    W, q, k = case.args["W"], case.args["query"], case.args["k"]
    ids = np.asarray(expected[0])
    sims = ref.cosine_similarity(W[q], W)
    order = np.lexsort((np.arange(len(W)), -sims))
    with_query = order[:k]
    ascending = np.array([j for j in np.lexsort((np.arange(len(W)), sims)) if j != q][:k])
    return diagnose(got, ids, [
        ("the query itself must not be returned (its similarity is always 1)", with_query),
        ("the most similar come first: sort by decreasing similarity", ascending),
        ("rank by cosine similarity, not by the dot product",
         lambda: np.array([j for j in np.lexsort((np.arange(len(W)), -(W @ W[q]))) if j != q][:k])),
    ], "neighbour ids", axes=("rank",), kind="iu")


register(Spec("most_similar", ("rnncourse.embedding.most_similar",), _ms_visible, _ms_random,
              expect=lambda c: ref.most_similar(**c.args), compare=_ms_compare,
              arguments=lambda a: ((a["W"], a["query"], a["k"]), {})))
