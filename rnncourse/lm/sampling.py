"""Chapter 6 sampling: one draw protocol, used by every sampler of the course.

**The draw protocol.** One id is drawn from a distribution ``p`` over ``V`` ids
with a ``np.random.Generator`` ``rng`` as follows, row after row in order:

1. ``k = rng.choice(V, p=p)`` (one uniform number, inverse CDF);
2. if ``k`` is an id that must not appear (``<UNK>``, id 1): set its
   probability to 0, divide ``p`` by its sum and draw once more,
   ``k = rng.choice(V, p=p)``.

With a temperature ``tau``, ``p = softmax(z / tau)``: the temperature divides the
*scores* ``z``. :func:`sample_next` (the function of exercise 6),
:func:`generate`, :func:`sample` and :func:`sample_from_probs` all draw this way,
so one seed gives the same ids in the chapter, the exercise and its checks.
(When ``<UNK>`` takes all the mass, e.g. at a very low temperature, the rest of
``p`` underflows to 0; the package then computes the same renormalised rest as a
softmax of the other scores.)
"""
from __future__ import annotations

import numpy as np

from .._guard import reference
from .._validate import as_float_array, as_id_list, as_int_array, check_positive_int
from ..rnn import output_forward, rnn_cell_forward
from ..losses import softmax
from ._args import check_real, check_rng
from .data import EOS_ID, UNK_ID
from .model import _check_lm_params, _embed

__all__ = ["sample_from_probs", "sample_next", "generate", "sample"]


def _draw(p, rng, exclude=(), scores=None):
    """One id from ``p`` (V,) by the protocol above; ``scores``: log-scores of ``p`` (up to a constant)."""
    V = p.shape[0]
    k = int(rng.choice(V, p=p))  # 1. one draw from p
    if k in exclude:  # 2. an id that must not appear: remove it and draw once more
        rest = p.copy()
        rest[list(exclude)] = 0.0
        total = rest.sum()
        if total > 1e-200:
            rest /= total  # renormalise what is left
        else:  # the rest underflowed: the same distribution, from the scores of the other ids
            s = np.array(scores, dtype=np.float64)
            s[list(exclude)] = -np.inf
            rest = softmax(s)
        k = int(rng.choice(V, p=rest))
    return k


@reference
def sample_from_probs(p, rng: np.random.Generator, temperature: float = 1.0, exclude=()) -> np.ndarray:
    """Draw one id from each distribution ``p`` by the draw protocol (module docstring).

    Inputs:
    - p: probabilities ``(V,)`` or ``(N, V)`` (non-negative, each row summing to 1).
    - rng: ``np.random.Generator``; rows are drawn in order, one ``rng.choice``
      each (two when an excluded id came out).
    - temperature: > 0; the draw is from ``p^(1/T)`` renormalised, which is
      ``softmax(z / T)`` when ``p = softmax(z)``: the temperature divides the
      *scores*. T < 1 sharpens, T > 1 flattens.
    - exclude: ids that must not be drawn (one id or a sequence, e.g. ``(UNK,)``):
      if one comes out, it is removed, the rest renormalised and one more id drawn.

    Returns an int64 array of shape ``()`` for a ``(V,)`` input, ``(N,)`` otherwise.
    """
    p = as_float_array("p", p)
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(f"p: expected shape (V,) or (N, V), got {p.shape}")
    check_rng(rng)
    temperature = check_real("temperature", temperature)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("p: expected non-negative finite probabilities")
    if not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"p: expected rows summing to 1, got sums {np.round(p.sum(axis=-1), 6).tolist()}")
    V = p.shape[-1]
    P = np.atleast_2d(p).astype(np.float64)
    excl = as_id_list("exclude", exclude, high=V).tolist()
    if excl and np.any(np.delete(P, excl, axis=1).sum(axis=1) <= 0):
        raise ValueError(f"exclude: expected some probability left after excluding {excl}, got none")
    with np.errstate(divide="ignore"):
        scores = np.log(P) / temperature  # log p = z - logsumexp(z): the scores up to a constant
    P = P / P.sum(axis=1, keepdims=True) if temperature == 1.0 else softmax(scores)  # = softmax(z / T)
    k = np.array([_draw(P[i], rng, excl, scores[i]) for i in range(P.shape[0])], dtype=np.int64)
    return k[0] if p.ndim == 1 else k


@reference
def sample_next(z, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
    """One id per row of scores, drawn from ``softmax(z[i] / temperature)``, never ``<UNK>``.

    The function of exercise 6, by the draw protocol of this module: for each
    row in order, ``p = softmax(z[i] / temperature)``, ``k = rng.choice(V, p=p)``;
    if ``k`` is ``<UNK>``, ``p[<UNK>] = 0``, ``p /= p.sum()`` and
    ``k = rng.choice(V, p=p)`` once more (Andrew Ng's advice in his Sequence Models
    course: an ``<UNK>`` in generated text carries no information).

    Inputs:
    - z: scores ``(N, V)``, V >= 2; not changed.
    - rng: ``np.random.Generator``.
    - temperature: > 0; it divides the scores (below 1 sharpens, above 1 flattens).

    Returns an int64 array ``(N,)``.
    """
    z = as_float_array("z", z, ndim=2)
    if z.shape[1] < 2:
        raise ValueError(f"z: expected shape (N, V) with V >= 2 (ids besides <UNK>), got {z.shape}")
    check_rng(rng)
    temperature = check_real("temperature", temperature)
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z.astype(np.float64)):
        scores = row / temperature  # the temperature divides the scores, before the softmax
        ids[i] = _draw(softmax(scores), rng, (UNK_ID,), scores)
    return ids


def _pick(z, rng, temperature, greedy, resample_unk):
    """The next id from scores ``z`` (V,): the argmax, or a draw by the protocol."""
    z = z.astype(np.float64)
    if greedy:
        if resample_unk:
            z = z.copy()
            z[UNK_ID] = -np.inf  # the argmax of the distribution without <UNK>
        return int(np.argmax(z))
    scores = z / temperature
    return _draw(softmax(scores), rng, (UNK_ID,) if resample_unk else (), scores)


def _continue(step, token, a, rng, max_len, temperature=1.0, greedy=False, stop_at_eos=True,
              resample_unk=True):
    """The generation loop: read ``token``, pick the next id, feed it back; at most ``max_len`` ids."""
    out = []
    for _ in range(max_len):
        z, a = step(token, a)  # the model reads the previous token: scores (1, V) of the next one
        k = _pick(np.asarray(z)[0], rng, temperature, greedy, resample_unk)
        if k == EOS_ID and stop_at_eos:
            break  # the text ends; <EOS> is not returned
        out.append(k)
        token = k  # the sample becomes the next input
    return out


@reference
def generate(step, a0, rng: np.random.Generator, max_len: int, temperature: float = 1.0) -> list:
    """Ids sampled one at a time and fed back, until ``<EOS>`` or ``max_len`` draws (exercise 6).

    Inputs:
    - step: ``step(token, a) -> (z, a_next)``: reads one id and the state ``a``
      ``(1, n_a)``, returns the scores ``z`` ``(1, V)`` of the next id and the new state.
    - a0: the initial state ``(1, n_a)``.
    - rng: ``np.random.Generator``; every draw is :func:`sample_next`'s.
    - max_len: at most this many draws (>= 1); temperature: > 0, divides the scores.

    The first input is ``<EOS>`` ("a new text begins"); generation stops when
    ``<EOS>`` is drawn (it is not returned).

    Returns a list of Python ints, the generated ids.
    """
    if not callable(step):
        raise ValueError(f"step: expected a function step(token, a) -> (z, a_next), got {type(step).__name__}")
    check_rng(rng)
    max_len = check_positive_int("max_len", max_len)
    temperature = check_real("temperature", temperature)
    return _continue(step, EOS_ID, a0, rng, max_len, temperature)


def _lm_step(params, has_e):
    """``step(token, a) -> (z (1, V), a_next)`` of a parameter dict."""
    def step(token, a):
        x, _ = _embed(params, np.array([[token]]), has_e)  # (1, 1, n_x): one token, one stream
        a_next, _ = rnn_cell_forward(x[0], a, params["Wax"], params["Waa"], params["ba"])
        z, _ = output_forward(a_next, params["Wya"], params["by"])
        return z, a_next
    return step


@reference
def sample(params: dict, rng: np.random.Generator | None, max_len: int, temperature: float = 1.0,
           greedy: bool = False, start=None, stop_at_eos: bool = True, resample_unk: bool = True) -> list:
    """Generate ids one at a time from an RNN language model's parameters.

    At every step the scores ``z`` of the next token are turned into
    ``softmax(z / temperature)``, one id is drawn by the draw protocol (module
    docstring; ``greedy``: the argmax) and fed back as the next input. With the
    defaults this is :func:`generate` with the step of ``params``.

    Inputs:
    - params: as from :func:`rnncourse.lm.model.init_lm_params`.
    - rng: ``np.random.Generator`` (may be None when ``greedy``).
    - max_len: at most this many ids are generated (>= 1).
    - temperature: > 0, divides the scores before the softmax.
    - greedy: take the most probable id instead of drawing.
    - start: None (condition on ``<EOS>``: "a new paragraph begins") or a
      non-empty sequence of ids, the prefix to continue; it is read by the
      model but not returned.
    - stop_at_eos: stop when ``<EOS>`` is generated (it is not returned).
    - resample_unk: if ``<UNK>`` is drawn, draw again from the distribution
      without ``<UNK>`` (renormalised), so ``<UNK>`` never appears (Andrew Ng's
      advice: an ``<UNK>`` in generated text carries no information).

    Returns a list of at most ``max_len`` ints, the generated ids.
    """
    V, n_a, has_e = _check_lm_params(params)
    max_len = check_positive_int("max_len", max_len)
    temperature = check_real("temperature", temperature)
    if not greedy:
        check_rng(rng)
    prefix = [EOS_ID] if start is None else as_int_array("start", np.asarray(start), ndim=1, low=0, high=V).tolist()
    if not prefix:
        raise ValueError("start: expected at least one id (or None for <EOS>), got an empty sequence")
    step = _lm_step(params, has_e)
    a = np.zeros((1, n_a), dtype=np.asarray(params["Wax"]).dtype)
    for tok in prefix[:-1]:
        _, a = step(tok, a)  # read the prefix: no prediction needed
    return _continue(step, prefix[-1], a, rng, max_len, temperature, greedy, stop_at_eos, resample_unk)
