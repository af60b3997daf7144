r"""Chapter 6: recurrent language models -- data, training, evaluation and sampling.

A language model gives the probability of a token sequence by the chain rule,

.. math:: P(y^{\langle 1\rangle}, \dots, y^{\langle T\rangle})
          = \prod_{t=1}^{T} P(y^{\langle t\rangle} \mid y^{\langle 1\rangle}, \dots, y^{\langle t-1\rangle}),

and an RNN computes every factor: at step t its input is the *true* previous
token (teacher forcing) and its output is ``softmax(z^<t>)``, a distribution
over the next token. The model here is the Elman RNN of :mod:`rnncourse.rnn`
with a one-hot input (``n_e=None``) or an embedding layer (``n_e`` given):

=============  ==================  ==========================================
maths          code                shape
=============  ==================  ==========================================
x^<t>          ``inputs[t]``       ids ``(N,)``; a batch is ``(T, N)``
y^<t>          ``targets[t]``      ids ``(N,)``; ``targets[t] = inputs[t + 1]``
E              ``params["E"]``     ``(V, n_e)`` (only with an embedding)
W_ax           ``params["Wax"]``   ``(n_a, V)`` one-hot input, or ``(n_a, n_e)``
W_aa, b_a      ``Waa``, ``ba``     ``(n_a, n_a)``, ``(n_a,)``
W_ya, b_y      ``Wya``, ``by``     ``(V, n_a)``, ``(V,)``
z^<t>          ``z[t]``            scores ``(N, V)``; a batch is ``(T, N, V)``
=============  ==================  ==========================================

Gradients are dicts whose keys are the parameter names with a ``d`` in front
(``"dWax"`` is the gradient of ``params["Wax"]``), as everywhere in the package.

Quality is measured in nats per token (the mean negative log-likelihood),
perplexity ``exp(nats)`` or bits per character ``nats / ln 2``.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_id_list, as_int_array, check_positive_int, check_shape
from .embedding import embedding_backward, embedding_forward
from .rnn import (clip_by_norm, init_rnn_params, log_softmax, output_backward, output_forward, rnn_backward,
                  rnn_cell_forward, rnn_forward, softmax, softmax_cross_entropy)
from .vocab import Vocabulary, one_hot, tokenize_chars, tokenize_words

__all__ = ["LMDataset", "split_paragraphs", "char_dataset", "word_dataset", "decode_chars", "tbptt_batches",
           "sequence_log_prob", "perplexity", "bits_per_char", "uniform_bpc", "init_lm_params",
           "lm_forward", "lm_loss_and_grads", "adam_step", "adagrad_step", "HistoryRow", "LMTrainResult",
           "train_char_lm", "evaluate_nll", "evaluate_bpc", "sample_from_probs", "sample", "NGramModel",
           "ngram_model", "ngram_probs", "ngram_nll", "ngram_bpc", "fit_ngram"]

PAD_ID, UNK_ID, EOS_ID = Vocabulary.pad_id, Vocabulary.unk_id, Vocabulary.eos_id
_LN2 = math.log(2.0)


def _check_real(name, value, positive=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {type(value).__name__} {value!r}") from None
    if not np.isfinite(v) or (positive and v <= 0):
        raise ValueError(f"{name}: expected a {'positive ' if positive else ''}finite number, got {value!r}")
    return v


def _check_hyper(name, value):
    """A hyper-parameter of an optimiser: finite and >= 0, the rule of torch.optim (lr = 0 is allowed)."""
    v = _check_real(name, value, positive=False)
    if v < 0:
        raise ValueError(f"{name}: expected a number >= 0 (as torch.optim requires), got {value!r}")
    return v


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


# ========================================================================= data
@dataclass(frozen=True)
class LMDataset:
    """A text split into train / valid / test id streams (see :func:`char_dataset`).

    - vocab: :class:`~rnncourse.vocab.Vocabulary` built on the training part only.
    - train, valid, test: int64 id streams ``(L_train,)``, ``(L_valid,)``,
      ``(L_test,)``; every paragraph is followed by ``<EOS>`` (id 2).
    - level: ``"char"`` or ``"word"``.
    - n_chars: characters of each split, ``{"train": ..., "valid": ..., "test": ...}``:
      the paragraphs' lengths plus one per paragraph (its break, which ``<EOS>``
      stands for). Both levels count the same characters, so a word model's
      total NLL divided by ``n_chars`` is comparable with a character model's
      bits per character (up to ``<UNK>``, which makes the word model look better).
    """
    vocab: Vocabulary
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    level: str
    n_chars: dict = field(default_factory=dict)


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@reference
def split_paragraphs(text: str, split=(0.9, 0.05, 0.05)) -> tuple:
    """Cut ``text`` into paragraphs and deal them into three contiguous blocks.

    Paragraphs are separated by blank lines. The first paragraphs, holding a
    fraction ``split[0]`` of the characters, form the training part, the next
    ``split[1]`` the validation part, the rest the test part: contiguous blocks,
    so the held-out text is really unseen (no randomness is needed).

    Returns a tuple ``(train, valid, test)`` of lists of paragraph strings.
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected str, got {type(text).__name__}")
    fr = np.asarray(split, dtype=np.float64)
    if fr.shape != (3,) or np.any(fr <= 0) or not np.isclose(fr.sum(), 1.0):
        raise ValueError(f"split: expected 3 positive fractions summing to 1, got {split!r}")
    paras = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    if len(paras) < 3:
        raise ValueError(f"text: expected at least 3 paragraphs (separated by blank lines), got {len(paras)}")
    sizes = np.cumsum([len(p) + 1 for p in paras])
    # index of the first paragraph that starts after each cumulative fraction
    cut1 = int(np.searchsorted(sizes, fr[0] * sizes[-1], side="left")) + 1
    cut2 = int(np.searchsorted(sizes, (fr[0] + fr[1]) * sizes[-1], side="left")) + 1
    cut1 = min(max(cut1, 1), len(paras) - 2)  # every part gets at least one paragraph
    cut2 = min(max(cut2, cut1 + 1), len(paras) - 1)
    return paras[:cut1], paras[cut1:cut2], paras[cut2:]


def _n_chars(paras):
    return sum(len(p) + 1 for p in paras)  # + 1: the paragraph break (<EOS>)


def _stream(vocab, token_lists):
    """Ids of every paragraph followed by <EOS>, as one int64 stream."""
    parts = [vocab.encode(toks, add_eos=True) for toks in token_lists]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@reference
def char_dataset(text: str, split=(0.9, 0.05, 0.05), min_freq: int = 1, lower: bool = False) -> LMDataset:
    """A character-level :class:`LMDataset` of ``text``.

    Inputs:
    - text: the corpus, e.g. :func:`rnncourse.corpus.python_docs_text`.
    - split: fractions of characters for train / valid / test (see :func:`split_paragraphs`).
    - min_freq: characters seen fewer times in the training part become ``<UNK>``.
    - lower: lower-case the text first.

    Returns an :class:`LMDataset` (``level="char"``) whose vocabulary is built
    on the training paragraphs only: a character that occurs only in the
    validation or test part is encoded as ``<UNK>``; every paragraph ends
    with ``<EOS>``.
    """
    parts = split_paragraphs(text, split)
    toks = [[tokenize_chars(p, lower=lower) for p in part] for part in parts]
    vocab = Vocabulary.build(toks[0], min_freq=min_freq)
    streams = [_stream(vocab, t) for t in toks]
    return LMDataset(vocab, *streams, level="char",
                     n_chars={k: _n_chars(p) for k, p in zip(("train", "valid", "test"), parts)})


@reference
def word_dataset(text: str, split=(0.9, 0.05, 0.05), min_freq: int = 2, lower: bool = True) -> LMDataset:
    """A word-level :class:`LMDataset` of ``text`` (same paragraphs as :func:`char_dataset`).

    Tokens come from :func:`rnncourse.vocab.tokenize_words`; words seen fewer
    than ``min_freq`` times in the training part -- and every word of
    valid/test that training never saw -- become ``<UNK>``.

    Returns an :class:`LMDataset` with ``level="word"``; ``n_chars`` counts the
    same characters as the character dataset of the same text and split.
    """
    parts = split_paragraphs(text, split)
    toks = [[tokenize_words(p, lower=lower) for p in part] for part in parts]
    vocab = Vocabulary.build(toks[0], min_freq=min_freq)
    streams = [_stream(vocab, t) for t in toks]
    return LMDataset(vocab, *streams, level="word",
                     n_chars={k: _n_chars(p) for k, p in zip(("train", "valid", "test"), parts)})


@reference
def decode_chars(vocab: Vocabulary, ids, eos: str = "\n\n") -> str:
    """Text of character ids: ``<EOS>`` becomes ``eos`` (a paragraph break), ``<PAD>`` is dropped."""
    ids = as_int_array("ids", ids, ndim=1, low=0, high=len(vocab))
    return "".join(eos if k == EOS_ID else "" if k == PAD_ID else vocab.itos[k] for k in ids.tolist())


# ===================================================================== batching
@reference
def tbptt_batches(ids, batch_size: int, seq_len: int, drop_last: bool = False):
    """Batches for truncated backpropagation through time (Zaremba et al., 2014).

    The stream is cut into ``N = batch_size`` contiguous pieces of ``M = (L - 1) // N``
    tokens, one per column: column n reads ``ids[n M : (n + 1) M]`` and
    predicts ``ids[n M + 1 : (n + 1) M + 1]``. Batch k holds steps
    ``k T .. k T + T - 1`` of every column, so batch k + 1 continues exactly
    where batch k stopped and the final hidden state of batch k is the right
    initial state of batch k + 1. Every token of ``ids[1 : N M + 1]`` is a
    target exactly once.

    Inputs:
    - ids: int stream ``(L,)``, ``L >= batch_size + 1``.
    - batch_size: N, the number of parallel streams.
    - seq_len: T, the truncation length (the last batch may be shorter).
    - drop_last: skip a last batch shorter than T.

    Yields tuples ``(inputs, targets)`` of int64 arrays ``(T, N)`` with
    ``targets[t, n] = inputs[t + 1, n]`` inside a batch.
    """
    N = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    ids = as_int_array("ids", ids, ndim=1, low=0)
    if ids.shape[0] < N + 1:
        raise ValueError(f"ids: expected at least batch_size + 1 = {N + 1} tokens, got shape {ids.shape}")
    return _tbptt_iter(ids, N, T, drop_last)


def _tbptt_iter(ids, N, T, drop_last):
    M = (ids.shape[0] - 1) // N
    # row n is stream n; .T makes the batches time-major
    x = ids[: N * M].reshape(N, M).T
    y = ids[1: N * M + 1].reshape(N, M).T  # the same streams, one token later
    for start in range(0, M, T):
        stop = min(start + T, M)
        if drop_last and stop - start < T:
            return
        yield np.ascontiguousarray(x[start:stop]), np.ascontiguousarray(y[start:stop])


# =================================================================== evaluation
@reference
def sequence_log_prob(z, y, mask=None) -> np.ndarray:
    r"""Natural-log probability of each target sequence.

    :math:`\log P = \sum_t \log \mathrm{softmax}(z^{\langle t\rangle})_{y^{\langle t\rangle}}`.

    With teacher forcing (the inputs are the true previous tokens) this is
    :math:`\log P(y^{\langle 1\rangle}, \dots, y^{\langle T\rangle})` by the chain rule.

    Inputs:
    - z: scores ``(T, N, V)``.
    - y: integer targets ``(T, N)``, values in ``[0, V)``.
    - mask: optional bool ``(T, N)``; False steps (padding) add nothing.

    Returns an array ``(N,)`` of log-probabilities (<= 0).
    """
    z = as_float_array("z", z, ndim=3)
    T, N, V = z.shape
    y = as_int_array("y", y, ndim=2, low=0, high=V)
    check_shape("y", y, (T, N), "(T, N)")
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise ValueError(f"mask: expected a bool array, got dtype {mask.dtype}")
        check_shape("mask", mask, (T, N), "(T, N)")
    picked = np.take_along_axis(log_softmax(z), y[..., None], axis=-1)[..., 0]  # log P(y_t | past)
    if mask is not None:
        picked = np.where(mask, picked, 0.0)  # padding is not part of the sentence
    return picked.sum(axis=0)  # chain rule: the log of a product is the sum of logs


@reference
def perplexity(total_nll: float, n_tokens: int) -> float:
    """``exp(total_nll / n_tokens)``: the effective number of equally likely next tokens.

    total_nll is a sum of negative natural-log probabilities (nats) over
    ``n_tokens`` predicted tokens.
    """
    n = check_positive_int("n_tokens", n_tokens)
    nll = _check_real("total_nll", total_nll, positive=False)
    return float(np.exp(nll / n))  # geometric mean of 1 / P(token)


@reference
def bits_per_char(total_nll: float, n_chars: int) -> float:
    """``total_nll / (n_chars ln 2)``: the mean code length, in bits, of one character.

    total_nll is in nats (natural logs); dividing by ln 2 converts to bits.
    """
    n = check_positive_int("n_chars", n_chars)
    nll = _check_real("total_nll", total_nll, positive=False)
    return nll / (n * _LN2)  # log2 p = ln p / ln 2


@reference
def uniform_bpc(V: int) -> float:
    """Bits per token of the uniform distribution over ``V`` tokens: ``log2 V``."""
    V = check_positive_int("V", V)
    return float(np.log2(V))


# ======================================================================== model
def _check_lm_params(params):
    """Shapes of a language-model parameter dict; returns (V, n_a, n_in, has_embedding)."""
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    missing = [k for k in ("Wax", "Waa", "ba", "Wya", "by") if k not in params]
    if missing:
        raise ValueError(f"params: expected keys Wax, Waa, ba, Wya, by (and E), missing {missing}")
    Wya = as_float_array("Wya", params["Wya"], ndim=2)
    V, n_a = Wya.shape
    check_shape("by", np.asarray(params["by"]), (V,), "(V,)")
    check_shape("Waa", np.asarray(params["Waa"]), (n_a, n_a), "(n_a, n_a)")
    check_shape("ba", np.asarray(params["ba"]), (n_a,), "(n_a,)")
    if "E" in params:
        E = np.asarray(params["E"])
        check_shape("E", E, (V, None), "(V, n_e)")
        check_shape("Wax", np.asarray(params["Wax"]), (n_a, E.shape[1]), "(n_a, n_e)")
        return V, n_a, True
    check_shape("Wax", np.asarray(params["Wax"]), (n_a, V), "(n_a, V) for a one-hot input")
    return V, n_a, False


@reference
def init_lm_params(V: int, n_a: int, rng: np.random.Generator, n_e: int | None = None,
                   dtype=np.float64) -> dict:
    """Random parameters of an RNN language model over ``V`` tokens.

    Inputs:
    - V: vocabulary size; n_a: hidden size.
    - rng: ``np.random.Generator`` (the only source of randomness).
    - n_e: embedding size, or None for a one-hot input (then ``Wax``'s column
      k plays the role of token k's embedding).
    - dtype: float64 (default) or float32 (about twice as fast for training).

    Returns a dict: ``Wax (n_a, V or n_e), Waa (n_a, n_a), ba (n_a,), Wya (V, n_a),
    by (V,)``, plus ``E (V, n_e)`` with an embedding. Same distributions as
    PyTorch's defaults: uniform(-1/sqrt(n_a), 1/sqrt(n_a)) for the RNN and the
    output layer, N(0, 1) for ``nn.Embedding``.
    """
    V = check_positive_int("V", V)
    n_a = check_positive_int("n_a", n_a)
    _check_rng(rng)
    n_x = V if n_e is None else check_positive_int("n_e", n_e)
    p = init_rnn_params(n_x, n_a, V, rng)
    if n_e is not None:
        p["E"] = rng.standard_normal((V, n_e))
    return {k: v.astype(dtype) for k, v in p.items()}


def _embed(params, ids, has_e):
    """Inputs x ``(T, N, n_x)`` of ids ``(T, N)``, and the embedding cache (or None)."""
    if has_e:
        return embedding_forward(ids, params["E"])
    return one_hot(ids, params["Wya"].shape[0], dtype=np.asarray(params["Wax"]).dtype), None


def _zeros_state(params, N):
    return np.zeros((N, np.asarray(params["Waa"]).shape[0]), dtype=np.asarray(params["Waa"]).dtype)


@reference
def lm_forward(params: dict, inputs, a0=None):
    """Scores of every step of an RNN language model (no loss, no gradients).

    Inputs:
    - params: as from :func:`init_lm_params`.
    - inputs: ids ``(T, N)``; a0: initial state ``(N, n_a)`` (default zeros).

    Returns a tuple ``(z, a_last)``: scores ``(T, N, V)`` and the final hidden
    state ``(N, n_a)`` (the ``a0`` of the next chunk of the same streams).
    """
    V, n_a, has_e = _check_lm_params(params)
    inputs = as_int_array("inputs", inputs, ndim=2, low=0, high=V)
    a0 = _zeros_state(params, inputs.shape[1]) if a0 is None else as_float_array("a0", a0, ndim=2)
    x, _ = _embed(params, inputs, has_e)
    a, _ = rnn_forward(x, a0, params["Wax"], params["Waa"], params["ba"])
    z, _ = output_forward(a, params["Wya"], params["by"])
    return z, a[-1]


@reference
def lm_loss_and_grads(params: dict, inputs, targets, a0=None, mask=None, reduction: str = "sum"):
    """Teacher-forced cross-entropy of an RNN language model and its gradients.

    Inputs:
    - params: as from :func:`init_lm_params`.
    - inputs: ids ``(T, N)``: the true previous tokens (teacher forcing).
    - targets: ids ``(T, N)``: the tokens to predict (inputs shifted by one).
    - a0: initial hidden state ``(N, n_a)``; None means zeros. With truncated
      BPTT it is the last state of the previous batch, treated as a constant
      (no gradient flows into the previous batch).
    - mask: optional bool ``(T, N)``, False steps carry no loss.
    - reduction: ``"sum"`` (default, over steps and streams) or ``"mean"``.

    Returns a tuple ``(loss, grads, a_last)``: the loss (float, nats), a dict of
    gradients ``"d" + name`` with the shape of each parameter, and the final
    hidden state ``(N, n_a)``.
    """
    V, n_a, has_e = _check_lm_params(params)
    inputs = as_int_array("inputs", inputs, ndim=2, low=0, high=V)
    T, N = inputs.shape
    targets = as_int_array("targets", targets, ndim=2, low=0, high=V)
    check_shape("targets", targets, (T, N), "(T, N) like inputs")
    a0 = _zeros_state(params, N) if a0 is None else as_float_array("a0", a0, ndim=2)
    check_shape("a0", a0, (N, n_a), "(N, n_a)")
    x, ecache = _embed(params, inputs, has_e)
    a, rcache = rnn_forward(x, a0, params["Wax"], params["Waa"], params["ba"])
    z, ocache = output_forward(a, params["Wya"], params["by"])
    loss, dz = softmax_cross_entropy(z, targets, mask=mask, reduction=reduction)
    og = output_backward(dz, ocache)
    rg = rnn_backward(og["da"], rcache)  # every step's output loss flows back through time
    grads = {"dWax": rg["dWax"], "dWaa": rg["dWaa"], "dba": rg["dba"], "dWya": og["dWya"], "dby": og["dby"]}
    if has_e:
        grads["dE"] = embedding_backward(rg["dx"], ecache)  # rows of the tokens that were read
    return loss, grads, a[-1].copy()


# =================================================================== optimisers
def _check_opt(params, grads, state):
    if not isinstance(params, dict) or not isinstance(grads, dict) or not isinstance(state, dict):
        raise ValueError("params, grads, state: expected three dicts, got "
                         f"{type(params).__name__}, {type(grads).__name__}, {type(state).__name__}")
    for k, p in params.items():
        if "d" + k not in grads:
            raise ValueError(f"grads: expected key {'d' + k!r} (the gradient of params[{k!r}]), "
                             f"got keys {sorted(grads)}")
        g = np.asarray(grads["d" + k])
        if g.shape != np.shape(p):
            raise ValueError(f"grads[{'d' + k!r}]: expected shape {np.shape(p)} like params[{k!r}], got {g.shape}")
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(f"params[{k!r}]: expected a float ndarray (updated in place), got {type(p).__name__}")


@reference
def adam_step(params: dict, grads: dict, state: dict, lr: float = 1e-3, betas=(0.9, 0.999),
              eps: float = 1e-8, weight_decay: float = 0.0) -> None:
    r"""One Adam update (Kingma & Ba, 2015), in place, exactly as ``torch.optim.Adam``.

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
              \theta \leftarrow \theta - \frac{\alpha}{1-\beta_1^t}\,
              \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    Inputs:
    - params: dict of float arrays, changed in place.
    - grads: dict with ``grads["d" + name]`` of the shape of ``params[name]``.
    - state: dict, empty before the first step; holds ``t`` (steps taken), and
      ``m``, ``v`` (dicts of moment estimates) afterwards.
    - lr, betas, eps, weight_decay: as in ``torch.optim.Adam`` (weight decay is
      the L2 kind, added to the gradient).

    Returns None.
    """
    _check_opt(params, grads, state)
    lr, eps, weight_decay = (_check_hyper(n, v) for n, v in (("lr", lr), ("eps", eps),
                                                            ("weight_decay", weight_decay)))
    try:
        b1, b2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}") from None
    if not (0 <= b1 < 1 and 0 <= b2 < 1):
        raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}")
    if not state:
        state.update(t=0, m={k: np.zeros_like(p) for k, p in params.items()},
                     v={k: np.zeros_like(p) for k, p in params.items()})
    state["t"] += 1
    t = state["t"]
    bc1 = 1.0 - b1 ** t  # bias corrections: m and v start at 0, so early averages are too small
    bc2_sqrt = math.sqrt(1.0 - b2 ** t)
    for k, p in params.items():
        g = np.asarray(grads["d" + k])
        if weight_decay:
            g = g + weight_decay * p  # L2 penalty (lambda/2)|theta|^2 adds lambda theta to the gradient
        m, v = state["m"][k], state["v"][k]
        m += (1.0 - b1) * (g - m)  # = b1 m + (1 - b1) g, torch's lerp
        v *= b2
        v += (1.0 - b2) * g * g  # running mean of the squared gradient
        # per-entry step: lr * (corrected mean) / (corrected RMS + eps)
        p -= (lr / bc1) * m / (np.sqrt(v) / bc2_sqrt + eps)


@reference
def adagrad_step(params: dict, grads: dict, state: dict, lr: float = 1e-2, eps: float = 1e-10,
                 lr_decay: float = 0.0, initial_accumulator_value: float = 0.0) -> None:
    r"""One Adagrad update (Duchi et al., 2011), in place, exactly as ``torch.optim.Adagrad``.

    .. math:: s \leftarrow s + g^2,\qquad \theta \leftarrow \theta - \frac{\alpha}{1 + (t-1)\,\eta}\,\frac{g}{\sqrt{s} + \epsilon}

    Inputs: params, grads as in :func:`adam_step`; state: dict, empty at first,
    then holding ``t`` and ``sum`` (the accumulated squared gradients); lr,
    eps, lr_decay (:math:`\eta`), initial_accumulator_value as in torch.

    Returns None.
    """
    _check_opt(params, grads, state)
    lr, eps, lr_decay, initial_accumulator_value = (_check_hyper(n, v) for n, v in (
        ("lr", lr), ("eps", eps), ("lr_decay", lr_decay), ("initial_accumulator_value", initial_accumulator_value)))
    if not state:
        state.update(t=0, sum={k: np.full_like(p, initial_accumulator_value) for k, p in params.items()})
    state["t"] += 1
    clr = lr / (1.0 + (state["t"] - 1) * lr_decay)  # optional 1/t-style decay of the rate
    for k, p in params.items():
        g = np.asarray(grads["d" + k])
        s = state["sum"][k]
        s += g * g  # every squared gradient ever seen: frequent directions slow down
        p -= clr * g / (np.sqrt(s) + eps)


# ===================================================================== training
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
      :func:`rnncourse.rnn.clip_by_norm` (None: no clipping).
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
    lr = _check_real("lr", lr)
    clip = None if clip is None else _check_real("clip", clip)
    _check_rng(rng)
    V = len(data.vocab)
    if params is None:
        params = init_lm_params(V, n_a, rng, n_e=n_e, dtype=dtype)
    valid = data.valid if eval_tokens is None else data.valid[:check_positive_int("eval_tokens", eval_tokens)]
    state, history = {}, []
    step, seconds, window, window_n = 0, 0.0, 0.0, 0
    done = False
    while not done:
        a = None  # a new epoch: the streams start again from the beginning
        for x, y in tbptt_batches(data.train, N, T):
            t0 = time.perf_counter()
            if a is not None and a.shape[0] != x.shape[1]:
                a = None
            loss, grads, a = lm_loss_and_grads(params, x, y, a, reduction="mean")
            if clip is not None:
                grads, _ = clip_by_norm(grads, clip)  # one global rescaling keeps the direction
            adam_step(params, grads, state, lr=lr)
            seconds += time.perf_counter() - t0
            step += 1
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
            if step == steps or over_time:
                done = True
                break
    return LMTrainResult(params, history, data, step)


# ===================================================================== sampling
@reference
def sample_from_probs(p, rng: np.random.Generator, temperature: float = 1.0, exclude=()) -> np.ndarray:
    """Draw one id from each distribution ``p`` (vectorised over a batch).

    Inputs:
    - p: probabilities ``(V,)`` or ``(N, V)`` (non-negative, each row summing to 1).
    - rng: ``np.random.Generator``; exactly one uniform number is used per row.
    - temperature: > 0; the draw is from ``p^(1/T)`` renormalised, which is
      ``softmax(z / T)`` when ``p = softmax(z)``: the temperature divides the
      *scores*. T < 1 sharpens, T > 1 flattens.
    - exclude: ids that must not be drawn; their probability is removed and the
      rest renormalised (e.g. ``(UNK,)``).

    Returns an int64 array of shape ``()`` for a ``(V,)`` input, ``(N,)`` otherwise.
    """
    p = as_float_array("p", p)
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise ValueError(f"p: expected shape (V,) or (N, V), got {p.shape}")
    _check_rng(rng)
    temperature = _check_real("temperature", temperature)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("p: expected non-negative finite probabilities")
    if not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError(f"p: expected rows summing to 1, got sums {np.round(p.sum(axis=-1), 6).tolist()}")
    V = p.shape[-1]
    P = np.atleast_2d(p).astype(np.float64)
    if temperature != 1.0:
        with np.errstate(divide="ignore"):
            logp = np.log(P)  # log p = z - logsumexp(z): the scores up to a constant
        P = softmax(logp / temperature)  # = softmax(z / T); zero probabilities stay zero
    excl = as_id_list("exclude", exclude, high=V)
    if excl.size:
        P = P.copy()
        P[:, excl] = 0.0  # remove the excluded ids ...
        total = P.sum(axis=1, keepdims=True)
        if np.any(total <= 0):
            raise ValueError(f"exclude: expected some probability left after excluding {excl.tolist()}, got none")
        P /= total  # ... and renormalise what is left
    cdf = np.cumsum(P, axis=1)
    u = rng.random(P.shape[0]) * cdf[:, -1]  # one uniform per row; * total guards against rounding
    k = (cdf <= u[:, None]).sum(axis=1)  # inverse CDF: first id whose cumulative mass exceeds u
    # u < total, so k < V up to rounding; clamp to the last id of positive probability
    last = V - 1 - np.argmax(P[:, ::-1] > 0, axis=1)
    k = np.minimum(k, last)
    k = k.astype(np.int64)
    return k[0] if p.ndim == 1 else k


@reference
def sample(params: dict, rng: np.random.Generator | None, max_len: int, temperature: float = 1.0,
           greedy: bool = False, start=None, stop_at_eos: bool = True, resample_unk: bool = True) -> list:
    """Generate ids one at a time from an RNN language model.

    At every step the scores ``z`` of the next token are turned into
    ``softmax(z / temperature)``, one id is drawn (``greedy``: the argmax) and
    fed back as the next input.

    Inputs:
    - params: as from :func:`init_lm_params`.
    - rng: ``np.random.Generator`` (may be None when ``greedy``).
    - max_len: at most this many ids are generated (>= 1).
    - temperature: > 0, divides the scores before the softmax.
    - greedy: take the most probable id instead of drawing.
    - start: None (condition on ``<EOS>``: "a new paragraph begins") or a
      non-empty sequence of ids, the prefix to continue; it is read by the
      model but not returned.
    - stop_at_eos: stop when ``<EOS>`` is generated (it is not returned).
    - resample_unk: if ``<UNK>`` is drawn, draw again from the distribution
      without ``<UNK>`` (renormalised), so ``<UNK>`` never appears -- the advice
      of note 000 (an ``<UNK>`` in generated text carries no information).

    Returns a list of at most ``max_len`` ints, the generated ids.
    """
    V, n_a, has_e = _check_lm_params(params)
    max_len = check_positive_int("max_len", max_len)
    temperature = _check_real("temperature", temperature)
    if not greedy:
        _check_rng(rng)
    prefix = [EOS_ID] if start is None else as_int_array("start", np.asarray(start), ndim=1, low=0, high=V).tolist()
    if not prefix:
        raise ValueError("start: expected at least one id (or None for <EOS>), got an empty sequence")
    dt = np.asarray(params["Wax"]).dtype
    a = np.zeros((1, n_a), dtype=dt)
    out = []
    z = None
    for t in range(len(prefix) + max_len - 1):
        tok = prefix[t] if t < len(prefix) else out[-1]
        x, _ = _embed(params, np.array([[tok]]), has_e)
        a, _ = rnn_cell_forward(x[0], a, params["Wax"], params["Waa"], params["ba"])
        if t < len(prefix) - 1:
            continue  # still reading the prefix: no prediction needed
        z, _ = output_forward(a[0], params["Wya"], params["by"])
        if greedy:
            zz = z.astype(np.float64).copy()
            if resample_unk:
                zz[UNK_ID] = -np.inf  # the argmax of the distribution without <UNK>
            k = int(np.argmax(zz))
        else:
            zt = z.astype(np.float64) / temperature  # temperature divides the scores
            k = int(sample_from_probs(softmax(zt), rng))
            if k == UNK_ID and resample_unk:
                # note 000: never emit <UNK>. The distribution without <UNK> is softmax over the other
                # scores (the renormalised rest), computed from the scores so that it cannot underflow
                # to nothing when <UNK> takes all the mass at a low temperature
                zt[UNK_ID] = -np.inf
                k = int(sample_from_probs(softmax(zt), rng))
        if k == EOS_ID and stop_at_eos:
            break
        out.append(k)
    return out


# ==================================================================== baselines
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
    alpha = _check_real("alpha", alpha)
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
    """``P(. | context)``: the smoothed next-token distribution, shape ``(V,)``.

    ``context`` holds the previous n-1 ids (oldest first); an empty context is
    allowed only for n = 1.
    """
    if not isinstance(model, NGramModel):
        raise ValueError(f"model: expected an NGramModel, got {type(model).__name__}")
    ctx = as_int_array("context", np.asarray(list(context), dtype=np.int64), ndim=1, low=0, high=model.V)
    check_shape("context", ctx, (model.n - 1,), "(n - 1,)")
    c = 0
    for k in ctx.tolist():
        c = c * model.V + k
    row = model.counts[c]
    return (row + model.alpha) / (row.sum() + model.alpha * model.V)  # add-alpha estimate


@reference
def ngram_nll(model: NGramModel, ids, start: int | None = EOS_ID):
    """Total negative log-likelihood (nats) of a stream under an n-gram model.

    ``start`` is put n-1 times in front (as in :func:`ngram_model`), so every
    token of ``ids`` is predicted. Returns ``(total_nll, n_predicted)``.
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
    num = model.counts[c, w] + model.alpha
    den = model.counts.sum(axis=1)[c] + model.alpha * V
    return float(-np.sum(np.log(num / den))), int(w.shape[0])  # chain rule with an (n-1)-token memory


@reference
def ngram_bpc(model: NGramModel, ids, start: int | None = EOS_ID) -> float:
    """Bits per token of ``ids`` under an n-gram model (see :func:`ngram_nll`)."""
    total, n = ngram_nll(model, ids, start)
    return bits_per_char(total, n)


@reference
def fit_ngram(train_ids, valid_ids, V: int, n: int = 2, alphas=(1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)):
    """Fit an add-alpha n-gram model, choosing alpha by validation bits per token.

    Returns a tuple ``(model, table)``: the best :class:`NGramModel` and a list
    of ``(alpha, valid_bpc)`` for every alpha tried.
    """
    base = ngram_model(train_ids, V, n=n, alpha=1.0)
    table = []
    for al in alphas:
        m = NGramModel(base.n, base.V, _check_real("alphas", al), base.counts)
        table.append((float(al), ngram_bpc(m, valid_ids)))
    best = min(table, key=lambda r: r[1])[0]
    return NGramModel(base.n, base.V, best, base.counts), table
