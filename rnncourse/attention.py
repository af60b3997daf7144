"""Chapter 11: attention over a sequence of states.

An encoder has produced one state per time step, ``H`` of shape ``(T, N, d_h)`` (time-major, as
everywhere in the course), and example i has ``lengths[i]`` real steps, the rest padding. A
*query* ``q`` (N, d_q) -- the decoder's state, or a learned vector for pooling -- asks "which
steps matter now?". Attention answers with a weighted sum over **all** real states, not with the
last one:

==============  ==================  ==========================================================
symbol          code, shape         meaning
==============  ==================  ==========================================================
h_t             ``H[t]`` (N, d_h)   the state at time step t (the values being averaged)
q               ``q`` (N, d_q)      the query
e_t             ``scores[t]`` (N,)  the score of step t: how well h_t matches q
α_t             ``weights[t]`` (N,) softmax of the scores over the real steps t < length
c               ``context`` (N, d_h)  Σ_t α_t h_t, the context vector
W_h, W_q, b, v  ``params``          the additive score's weights: (d_a, d_h), (d_a, d_q),
                                    (d_a,), (d_a,)
==============  ==================  ==========================================================

Scores: *dot product* e_t = h_t · q (needs d_q = d_h; Luong et al.) or *additive*
e_t = v · tanh(W_h h_t + W_q q + b) (Bahdanau et al.). Weights are a softmax over the time axis
(axis 0), with padded steps given weight exactly 0. Forward functions return a cache for the
backward pass (CS231n style); the gradients equal PyTorch autograd's (tests/test_attention.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array, check_shape

__all__ = ["length_mask", "attention_scores", "masked_softmax", "attention_forward", "attention_backward",
           "masked_attention", "init_additive_params", "AttentionCache"]

SCORES = ("dot", "additive")


def _check_lengths(lengths, T: int, N: int) -> np.ndarray:
    lengths = as_int_array("lengths", lengths, ndim=1, low=1, high=T + 1)
    if lengths.shape != (N,):
        raise ValueError(f"lengths: expected shape (N,) = ({N},), one length per example, got {lengths.shape}")
    return lengths


def _check_H(H) -> np.ndarray:
    H = as_float_array("H", H, ndim=3)
    if H.shape[0] == 0 or H.shape[1] == 0:
        raise ValueError(f"H: expected shape (T, N, d_h) with T >= 1 and N >= 1, got {H.shape}")
    return H


def length_mask(lengths, T: int) -> np.ndarray:
    """Boolean mask (T, N): ``mask[t, i]`` is True when step t of example i is real (t < lengths[i])."""
    lengths = as_int_array("lengths", lengths, ndim=1, low=0, high=T + 1)
    return np.arange(T)[:, None] < lengths[None, :]  # broadcast (T, 1) against (1, N)


def init_additive_params(d_h: int, d_q: int, d_a: int, rng: np.random.Generator) -> dict:
    """Random additive-score parameters ``Wh (d_a, d_h), Wq (d_a, d_q), b (d_a,), v (d_a,)``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    return {"Wh": rng.normal(0, 1 / np.sqrt(d_h), (d_a, d_h)), "Wq": rng.normal(0, 1 / np.sqrt(d_q), (d_a, d_q)),
            "b": np.zeros(d_a), "v": rng.normal(0, 1 / np.sqrt(d_a), d_a)}


def _check_additive(params, d_h, d_q) -> dict:
    if not isinstance(params, dict) or not {"Wh", "Wq", "b", "v"} <= set(params):
        raise ValueError("params: the additive score needs a dict with keys Wh, Wq, b, v, got "
                         f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
    p = {k: as_float_array(f"params[{k!r}]", params[k]) for k in ("Wh", "Wq", "b", "v")}
    d_a = p["v"].shape[0] if p["v"].ndim == 1 else -1
    check_shape("params['v']", p["v"], (None,), "(d_a,)")
    check_shape("params['Wh']", p["Wh"], (d_a, d_h), "(d_a, d_h)")
    check_shape("params['Wq']", p["Wq"], (d_a, d_q), "(d_a, d_q)")
    check_shape("params['b']", p["b"], (d_a,), "(d_a,)")
    return p


@dataclass
class AttentionCache:
    """What :func:`attention_backward` needs: the inputs, the weights and the additive score's tanh."""
    q: np.ndarray
    H: np.ndarray
    mask: np.ndarray
    weights: np.ndarray
    score: str
    params: dict | None = None
    u: np.ndarray | None = None  # additive only: tanh(W_h h_t + W_q q + b), (T, N, d_a)


def _scores(q, H, score, params):
    """The raw scores (T, N) and, for the additive score, u = tanh(...) (T, N, d_a)."""
    if score == "dot":
        return np.einsum("tnd,nd->tn", H, q), None  # e_t = h_t . q, one number per step and example
    u = np.tanh(H @ params["Wh"].T + (q @ params["Wq"].T)[None] + params["b"])  # (T, N, d_a)
    return u @ params["v"], u  # e_t = v . u_t


def _validate(q, H, lengths, score, params):
    H = _check_H(H)
    T, N, d_h = H.shape
    q = as_float_array("q", q, ndim=2)
    if score not in SCORES:
        raise ValueError(f"score: expected one of {SCORES}, got {score!r}")
    if q.shape[0] != N:
        raise ValueError(f"q: expected shape (N, d_q) with N = {N} (as H), got {q.shape}")
    if score == "dot" and q.shape[1] != d_h:
        raise ValueError(f"q: the dot-product score needs d_q = d_h = {d_h}, got shape {q.shape}")
    p = _check_additive(params, d_h, q.shape[1]) if score == "additive" else None
    lengths = np.full(N, T, dtype=np.int64) if lengths is None else _check_lengths(lengths, T, N)
    return q, H, lengths, p


@reference
def attention_scores(q, H, score: str = "dot", params: dict | None = None) -> np.ndarray:
    """Scores e_t of every step for every example.

    Inputs:
    - q: query, (N, d_q).
    - H: states, (T, N, d_h).
    - score: ``"dot"`` (e_t = h_t · q, needs d_q = d_h) or ``"additive"`` (e_t = v · tanh(W_h h_t + W_q q + b)).
    - params: for ``"additive"``: ``Wh (d_a, d_h), Wq (d_a, d_q), b (d_a,), v (d_a,)``.

    Returns scores, (T, N).
    """
    q, H, _, p = _validate(q, H, None, score, params)
    return _scores(q, H, score, p)[0]


@reference
def masked_softmax(scores, lengths) -> np.ndarray:
    """Softmax over the time axis with padded steps masked out.

    Inputs:
    - scores: (T, N).
    - lengths: (N,) ints in [1, T]: example i's real steps are t < lengths[i].

    Returns weights, (T, N): non-negative, each column sums to 1 over its real steps, exactly 0 on padding.
    """
    scores = as_float_array("scores", scores, ndim=2)
    T, N = scores.shape
    if T == 0 or N == 0:
        raise ValueError(f"scores: expected shape (T, N) with T >= 1 and N >= 1, got {scores.shape}")
    mask = length_mask(_check_lengths(lengths, T, N), T)
    e = np.where(mask, scores, -np.inf)  # a padded step can never win: exp(-inf) = 0
    e = np.exp(e - e.max(axis=0, keepdims=True))  # subtract each column's max so exp cannot overflow
    return e / e.sum(axis=0, keepdims=True)  # normalise over time (axis 0), one distribution per example


@reference
def attention_forward(q, H, lengths=None, score: str = "dot", params: dict | None = None):
    """Attention of a query over a padded batch of states.

    Inputs:
    - q: query, (N, d_q).
    - H: states, (T, N, d_h).
    - lengths: (N,) ints in [1, T], or None for "every step is real".
    - score, params: as in :func:`attention_scores`.

    Returns ``(context, weights, cache)``: context (N, d_h) = Σ_t α_t h_t, weights (T, N), and an
    :class:`AttentionCache` for :func:`attention_backward`.
    """
    q, H, lengths, p = _validate(q, H, lengths, score, params)
    e, u = _scores(q, H, score, p)
    weights = masked_softmax(e, lengths)
    context = np.einsum("tn,tnd->nd", weights, H)  # c = Σ_t α_t h_t: a weighted sum over ALL steps
    cache = AttentionCache(q.copy(), H.copy(), length_mask(lengths, H.shape[0]), weights.copy(), score,
                           None if p is None else {k: v.copy() for k, v in p.items()}, u)
    return context, weights, cache


@reference
def masked_attention(q, H, lengths):
    """Dot-product attention with padding masked: ``(context (N, d_h), weights (T, N))``.

    Inputs:
    - q: query, (N, d_h).
    - H: states, (T, N, d_h).
    - lengths: (N,) ints in [1, T].
    """
    context, weights, _ = attention_forward(q, H, lengths, score="dot")
    return context, weights


@reference
def attention_backward(dcontext, cache: AttentionCache, dweights=None) -> dict:
    """Gradients of a loss through :func:`attention_forward`.

    Inputs:
    - dcontext: dL/dcontext, (N, d_h).
    - cache: from :func:`attention_forward`.
    - dweights: optional dL/dweights, (T, N) (a loss that also looks at the weights).

    Returns a dict with ``dq`` (N, d_q), ``dH`` (T, N, d_h) and, for the additive score,
    ``dWh``, ``dWq``, ``db``, ``dv`` (shapes of the parameters).
    """
    if not isinstance(cache, AttentionCache):
        raise ValueError(f"cache: expected the AttentionCache returned by attention_forward, got "
                         f"{type(cache).__name__}")
    H, q, a = cache.H, cache.q, cache.weights
    T, N, d_h = H.shape
    dcontext = as_float_array("dcontext", dcontext, ndim=2)
    check_shape("dcontext", dcontext, (N, d_h), "(N, d_h)")
    dH = a[:, :, None] * dcontext[None]  # c = Σ α_t h_t: each h_t receives α_t dc
    da = np.einsum("tnd,nd->tn", H, dcontext)  # ... and each α_t receives h_t . dc
    if dweights is not None:
        dweights = as_float_array("dweights", dweights, ndim=2)
        check_shape("dweights", dweights, (T, N), "(T, N)")
        da = da + dweights
    # softmax backward over time: de_t = α_t (dα_t - Σ_s α_s dα_s); padded steps have α = 0, so de = 0
    de = a * (da - (a * da).sum(axis=0, keepdims=True))
    grads = {}
    if cache.score == "dot":
        grads["dq"] = np.einsum("tn,tnd->nd", de, H)  # e_t = h_t . q
        dH += de[:, :, None] * q[None]
    else:
        p, u = cache.params, cache.u
        grads["dv"] = np.einsum("tn,tna->a", de, u)  # e_t = v . u_t
        dz = de[:, :, None] * p["v"] * (1 - u ** 2)  # through the tanh: (T, N, d_a)
        grads["dWh"] = np.einsum("tna,tnd->ad", dz, H)
        grads["dWq"] = dz.sum(axis=0).T @ q  # q enters every step's pre-activation
        grads["db"] = dz.sum(axis=(0, 1))
        grads["dq"] = dz.sum(axis=0) @ p["Wq"]
        dH += dz @ p["Wh"]
    grads["dH"] = dH
    return grads
