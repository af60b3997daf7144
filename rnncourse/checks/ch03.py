"""Checks for assignment 03 (embeddings): lookup, its gradient, cosine similarity, neighbours."""
from __future__ import annotations

import numpy as np

from .. import embedding as ref
from ._core import Case, Raised, Record, register, Spec
from ._compare import cause, describe, diagnose
from ._wording import NOT_MAX_ID

AXES = ("time step t", "example i", "feature")


def _rand_case(rng, k=0, repeated=True):
    """Random ids and W; k = 0: one example (N = 1), k = 1: one step (T = 1), k = 2: ids miss V - 1."""
    V, E = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    T = 1 if k == 1 else int(rng.integers(1, 6))
    N = 1 if k == 0 else int(rng.integers(2, 5))
    ids = rng.integers(0, V - 1 if k == 2 else V, size=(T, N))
    if k == 3:
        ids.flat[0], ids.flat[-1] = 0, V - 1  # the first and the last row of W
    if repeated and ids.size > 1:
        ids.flat[-1] = ids.flat[0]  # at least one token appears twice
    return V, E, ids, rng.normal(size=(V, E))


ROWS = ("W has one row per token, shape (V, n_e): out[t, i] is the row W[ids[t, i]], "
        "not the column W[:, ids[t, i]]")
V_ROWS = "V is the number of rows of W (W.shape[0]), " + NOT_MAX_ID


# ------------------------------------------------------------ embedding_forward
W_WORKED = np.arange(12.0).reshape(4, 3)  # row k = [3k, 3k+1, 3k+2]


def _ef_visible():
    return [Case({"ids": np.array([[3, 0], [1, 3]]), "W": W_WORKED},
                 "ids [[3, 0], [1, 3]] with W = arange(12).reshape(4, 3)"),
            Case({"ids": np.array([[0, 2, 1]]), "W": W_WORKED, "padding_idx": 0},
                 "ids [[0, 2, 1]] (T = 1, N = 3; no id reaches V - 1 = 3), padding_idx = 0, the same W")]


def _ef_random(rng):
    out = []
    for k in range(5):
        V, E, ids, W = _rand_case(rng, k)
        args = {"ids": ids, "W": W}
        if k % 2:
            args["padding_idx"] = 0
        out.append(Case(args, f"ids (T, N) = {ids.shape}, W (V, n_e) = {W.shape}"
                        + (", padding_idx = 0" if k % 2 else "")))
    return out


def _ef_compare(case, got, expected):
    out, cache = expected
    ids, W = case.args["ids"], case.args["W"]
    if isinstance(got, np.ndarray) and got.shape == out.shape:
        return cause(f"expected a tuple (out, cache), got {describe(got)}",
                     "return the cache too: (out, EmbeddingCache(ids=ids, vocab_size=V, ...))")
    if not (isinstance(got, tuple) and len(got) == 2):
        msg = f"expected a tuple (out, cache), got {describe(got)}"
        if isinstance(got, Raised) and got.exc_type == "IndexError" and "axis 1" in got.message:
            msg = cause(msg, ROWS)
        return msg
    if isinstance(got[0], Record) and isinstance(got[1], np.ndarray):
        return "expected a tuple (out, cache), got (cache, out): out comes first"
    problem = diagnose(got[0], out, [], "out", axes=AXES,
                       layout_hint="out[t, i] is the row W[ids[t, i]], so out has shape ids.shape + (n_e,)",
                       shape_hints=[(ROWS, lambda shape: shape == (W.shape[1],) + ids.shape)])
    if problem:
        return problem
    c = got[1]
    if not (isinstance(c, Record) and c._name == "EmbeddingCache"):
        return ("cache: expected an EmbeddingCache(ids=..., vocab_size=..., padding_idx=..., n_e=...), "
                f"got {describe(c)}")
    fields = c._fields
    V = fields.get("vocab_size")
    if V != cache.vocab_size:
        msg = f"cache.vocab_size: expected V = {cache.vocab_size}, got {V!r}"
        if V == int(ids.max()) + 1:
            return cause(msg, V_ROWS)
        if V == W.shape[1]:
            return cause(msg, "V is the number of rows of W (W.shape[0], one per token), not W.shape[1] = n_e")
        return msg
    for name, want in (("padding_idx", cache.padding_idx), ("n_e", cache.n_e)):
        if fields.get(name) != want:
            return (f"cache.{name}: expected {want!r}, got {fields.get(name)!r}\nLikely cause: the cache is "
                    "EmbeddingCache(ids=ids, vocab_size=V, padding_idx=padding_idx, n_e=n_e), "
                    "with n_e = W.shape[1]")
    return diagnose(fields.get("ids"), cache.ids, [], "cache.ids", kind="iu",
                    shape_hints=[("cache.ids holds the ids as they were given, shape ids.shape",
                                  lambda shape: True)])


register(Spec("embedding_forward", ("rnncourse.embedding.embedding_forward",
                                    "rnncourse.embedding.embedding_via_one_hot"),
              _ef_visible, _ef_random, expect=lambda c: ref.embedding_forward(**c.args),
              compare=_ef_compare, must_not_change=("ids", "W")))


# ----------------------------------------------------------- embedding_backward
def _eb_arguments(args):
    cache = ref.EmbeddingCache(ids=args["ids"], vocab_size=args["V"], padding_idx=args["padding_idx"],
                               n_e=int(args["dout"].shape[-1]))
    return (), {"dout": args["dout"], "cache": cache}


def _eb_visible():
    ids = np.array([[3, 0], [1, 3]])
    dout = np.array([[[1.0, 1, 1], [2, 2, 2]], [[3, 3, 3], [4, 4, 4]]])
    return [Case({"ids": ids, "V": 4, "padding_idx": None, "dout": dout},
                 "ids [[3, 0], [1, 3]]: token 3 appears twice, so dW[3] = 1 + 4 = 5"),
            Case({"ids": np.array([[0, 2], [2, 0]]), "V": 5, "padding_idx": 0, "dout": dout},
                 "ids [[0, 2], [2, 0]], V = 5, padding_idx = 0: dW[0] = 0, dW[2] = 2 + 3, dW[4] = 0")]


def _eb_random(rng):
    out = []
    for k in range(6):
        V, E, ids, _ = _rand_case(rng, k % 4)
        pad = 0 if k in (2, 5) else None
        if pad is not None:
            ids[0, 0] = 0
        dout = rng.normal(size=ids.shape + (E,))
        out.append(Case({"ids": ids, "V": V, "padding_idx": pad, "dout": dout},
                        f"ids (T, N) = {ids.shape}, V = {V}, n_e = {E}, padding_idx = {pad}"))
    return out


def _eb_expect(case):
    a = case.args
    return ref.embedding_backward(a["dout"], _eb_arguments(a)[1]["cache"])


def _eb_compare(case, got, expected):
    a = case.args
    ids, dout, V, pad = a["ids"], a["dout"], a["V"], a["padding_idx"]
    flat_ids, flat = ids.reshape(-1), dout.reshape(-1, dout.shape[-1])
    unpad = ref.embedding_backward(dout, ref.EmbeddingCache(ids, V))  # every row trained
    assigned = np.zeros_like(expected)
    assigned[flat_ids] = flat  # the last write wins
    counts = np.bincount(flat_ids, minlength=V)[:, None]
    mean = np.divide(unpad, counts, out=np.zeros_like(unpad), where=counts > 0)
    keep = np.ones(V, dtype=bool)
    if pad is not None:
        keep[pad] = False
        assigned[pad], mean[pad] = 0.0, 0.0
    causes = [("repeated tokens: the gradient must be accumulated (np.add.at), "
               "not assigned (dW[ids] = dout and dW[ids] += dout keep only one of the contributions)", assigned),
              ("row k is the sum of dout over the positions where ids == k, not their mean", mean),
              ("dW has V = cache.vocab_size rows, " + NOT_MAX_ID,
               lambda: unpad[: int(ids.max()) + 1] * keep[: int(ids.max()) + 1, None])]
    if pad is not None:
        causes.append((f"the row of padding_idx = {pad} must get zero gradient"
                       + (" (careful: `if cache.padding_idx:` is False for 0; test `is not None`)"
                          if pad == 0 else ""), unpad))
    return diagnose(got, expected, causes, "dW", axes=("vocabulary row k", "feature"), kind="f",
                    layout_hint="dW has one row per token, shape (V, n_e)")


register(Spec("embedding_backward", ("rnncourse.embedding.embedding_backward",),
              _eb_visible, _eb_random, expect=_eb_expect, compare=_eb_compare, arguments=_eb_arguments,
              must_not_change=("dout",)))


# ------------------------------------------------------------ cosine_similarity
def _cs_visible():
    return [Case({"u": np.array([3.0, 4.0]), "v": np.array([[4.0, 3.0], [-6.0, -8.0]])},
                 "u = [3, 4] (|u| = 5) against [4, 3], [-6, -8]: 0.96, -1"),
            Case({"u": np.array([1.0, 0.0]), "v": np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 1.0]])},
                 "u = [1, 0] against [2, 0], [0, 3], [-1, 1]: 1, 0, -0.7071")]


def _cs_random(rng):
    out = []
    for k in range(5):
        E = int(rng.integers(2, 7))
        K = 1 if k == 0 else (E if k == 1 else int(rng.integers(2, 6)))  # one row; as many rows as n_e
        u = rng.normal(size=E) * rng.uniform(0.1, 10)
        v = rng.normal(size=(K, E)) * rng.uniform(0.1, 10, size=(1, 1))
        out.append(Case({"u": u, "v": v}, f"u of shape {u.shape}, v of shape {v.shape}"))
    return out


ROW_LENGTHS = "each row v_k has its own length: np.linalg.norm(v, axis=1), one per row"


def _cs_compare(case, got, expected):
    u, v = case.args["u"], case.args["v"]
    nu, nv = np.linalg.norm(u), np.linalg.norm(v, axis=1)
    raised = ""
    if isinstance(got, Raised) and "broadcast" in got.message:
        raised = "Likely cause: " + ROW_LENGTHS + " (shape (K,))"
    return diagnose(got, expected, [
        ("the vectors were not divided by their lengths (that is the dot product)", v @ u),
        ("only u was normalised: divide by |v_k| too", v @ u / nu),
        ("only v was normalised: divide by |u| too", v @ u / nv),
        (ROW_LENGTHS + ", not the norm of the whole matrix v", v @ u / (np.linalg.norm(v) * nu)),
        (ROW_LENGTHS + " (axis=1), not along axis 0", lambda: (v @ u) / (np.linalg.norm(v, axis=0) * nu)),
        ("divide by the lengths |u| |v_k|, not by the squared lengths", v @ u / (nv ** 2 * nu ** 2)),
        ("the cosine similarity is u.v / (|u| |v_k|), not the cosine distance 1 - cos", 1 - expected),
        ("the cosine itself, not the angle arccos(cos)", lambda: np.arccos(np.clip(expected, -1, 1))),
    ], "similarities", axes=("row k of v",), raised_hint=raised)


register(Spec("cosine_similarity", ("rnncourse.embedding.cosine_similarity",),
              _cs_visible, _cs_random, expect=lambda c: ref.cosine_similarity(**c.args),
              compare=_cs_compare, must_not_change=("u", "v")))


# ----------------------------------------------------------------- most_similar
W_NEIGHBOURS = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.7, 0.7]])


def _ms_visible():
    W = W_NEIGHBOURS
    return [Case({"W": W, "query": 0, "k": 2}, "W of 5 two-d vectors, neighbours of row 0: rows 1 and 4"),
            Case({"W": W, "query": 0, "k": 2, "exclude": (1,)}, "the same with exclude = (1,): rows 4 and 2"),
            Case({"W": np.array([[2.0, 2.0], [8.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 0.0]]), "query": 2, "k": 3},
                 "row 0 = 2 * row 2 (cosine 1 with the query), rows 1 and 3 tie in cosine (not in dot product): "
                 "neighbours of row 2 are 0, 1, 3")]


def _ms_random(rng):
    out = []
    for k in range(6):
        V, E = int(rng.integers(5, 12)), int(rng.integers(2, 5))
        W = rng.normal(size=(V, E))
        q = [0, V - 1][k % 2] if k < 2 else int(rng.integers(V))  # the first and the last row as query
        a, b = rng.choice([j for j in range(V) if j != q], size=2, replace=False)
        # a tie, exact in floating point (a power of 2 scales without rounding): the smaller id comes first
        W[max(a, b)] = W[min(a, b)] * (0.5 if k % 2 else 2.0)
        excl = tuple(int(j) for j in rng.choice([j for j in range(V) if j != q], size=int(k % 3), replace=False))
        left = V - 1 - len(excl)
        n = [1, left][k % 2] if k >= 4 else int(rng.integers(1, left + 1))  # k = 4: one; k = 5: all that are left
        args = {"W": W, "query": q, "k": n}
        if excl:
            args["exclude"] = excl
        out.append(Case(args, f"W {W.shape}, query = {q}, k = {n}" + (f", exclude = {excl}" if excl else "")
                        + f"; rows {min(a, b)} and {max(a, b)} point the same way"))
    return out


def _ms_compare(case, got, expected):
    W, q, k = case.args["W"], case.args["query"], case.args["k"]
    excl = set(case.args.get("exclude", ()))
    ids, sims = expected
    V = len(W)
    if isinstance(got, np.ndarray) and got.shape == ids.shape:
        return cause(f"expected a tuple (ids, sims), got {describe(got)}",
                     "return the similarities of the neighbours too: (ids, sims)")
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (ids, sims), got {describe(got)}"
    all_sims = ref.cosine_similarity(W[q], W)

    def ranked(score, banned=frozenset({q} | excl), ties=1):
        order = np.lexsort((ties * np.arange(V), -score))  # by score, then by id (ties = -1: larger id)
        return np.array([j for j in order if j not in banned], dtype=np.int64)

    problem = diagnose(got[0], ids, [
        ("the query itself must not be returned (its similarity is always 1)", ranked(all_sims, excl)[:k]),
        ("the ids in exclude must not be returned", ranked(all_sims, {q})[:k]),
        ("the most similar come first: sort by decreasing similarity", ranked(-all_sims)[:k]),
        ("rank by cosine similarity, not by the dot product", lambda: ranked(W @ W[q])[:k]),
        ("equally similar rows: the smaller id comes first (a stable sort of -sims)",
         ranked(all_sims, ties=-1)[:k]),
        ("skipping the first entry assumes the query comes first; remove the query by its id "
         "(a row pointing the same way can come before it)",
         lambda: np.array([j for j in np.lexsort((np.arange(V), -all_sims)) if j not in excl][1:k + 1])),
        (f"take k = {k} neighbours after removing the query, not the first k and then the query",
         np.array([j for j in ranked(all_sims, excl)[:k] if j != q], dtype=np.int64)),
    ], "neighbour ids", axes=("rank",), kind="iu")
    if problem:
        return problem
    return diagnose(got[1], sims, [
        ("sims[j] is the similarity of ids[j]: return all_sims[ids], not the k largest of all rows "
         "(the query's own 1 among them)", np.sort(all_sims)[::-1][:k]),
    ], "sims", axes=("rank",),
        shape_hints=[("sims holds the k similarities of the returned ids, all_sims[ids], not all V",
                      lambda shape: shape == (V,))])


register(Spec("most_similar", ("rnncourse.embedding.most_similar",), _ms_visible, _ms_random,
              expect=lambda c: ref.most_similar(**c.args), compare=_ms_compare, must_not_change=("W",)))
