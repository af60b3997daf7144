"""Chapter 6 data: a text cut into paragraphs, character or word id streams, and TBPTT batches.

Every paragraph is followed by ``<EOS>``: "the paragraph ends here" is a token the
model predicts like any other, and ``<EOS>`` read as an input means "a paragraph
begins" (the first input of a generated text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .._guard import reference
from .._validate import as_int_array, check_positive_int
from ..vocab import Vocabulary, tokenize_chars, tokenize_words

__all__ = ["PAD_ID", "UNK_ID", "EOS_ID", "LMDataset", "split_paragraphs", "char_dataset", "word_dataset",
           "decode_chars", "tbptt_batches", "batches_forever"]

PAD_ID, UNK_ID, EOS_ID = Vocabulary.pad_id, Vocabulary.unk_id, Vocabulary.eos_id


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

    Inputs:
    - text: a str of at least 3 paragraphs.
    - split: three positive fractions summing to 1 (train, valid, test).

    Returns a tuple ``(train, valid, test)`` of lists of paragraph strings, each non-empty.
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
    return _dataset(text, split, min_freq, lower, tokenize_chars, "char")


@reference
def word_dataset(text: str, split=(0.9, 0.05, 0.05), min_freq: int = 2, lower: bool = True) -> LMDataset:
    """A word-level :class:`LMDataset` of ``text`` (same paragraphs as :func:`char_dataset`).

    Inputs: text, split as :func:`char_dataset`; min_freq: words seen fewer times
    in the training part become ``<UNK>`` (as does every word of valid/test that
    training never saw); lower: lower-case the words. Tokens come from
    :func:`rnncourse.vocab.tokenize_words`.

    Returns an :class:`LMDataset` with ``level="word"``; ``n_chars`` counts the
    same characters as the character dataset of the same text and split.
    """
    return _dataset(text, split, min_freq, lower, tokenize_words, "word")


def _dataset(text, split, min_freq, lower, tokenize, level):
    parts = split_paragraphs(text, split)
    toks = [[tokenize(p, lower=lower) for p in part] for part in parts]
    vocab = Vocabulary.build(toks[0], min_freq=min_freq)  # the training part only: the rest is unseen text
    streams = [_stream(vocab, t) for t in toks]
    return LMDataset(vocab, *streams, level=level,
                     n_chars={k: _n_chars(p) for k, p in zip(("train", "valid", "test"), parts)})


@reference
def decode_chars(vocab: Vocabulary, ids, eos: str = "\n\n") -> str:
    """Text of character ids: ``<EOS>`` becomes ``eos`` (a paragraph break), ``<PAD>`` is dropped.

    Inputs:
    - vocab: the :class:`~rnncourse.vocab.Vocabulary` of a character dataset.
    - ids: int ids ``(L,)`` in ``[0, len(vocab))``.
    - eos: the text written for ``<EOS>``.

    Returns a str.
    """
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



@reference
def batches_forever(ids, batch_size: int, seq_len: int):
    """The batches of :func:`tbptt_batches`, epoch after epoch, without end.

    Inputs: as :func:`tbptt_batches` (ids ``(L,)``, batch_size N, seq_len T).

    Yields tuples ``(inputs, targets, new_epoch)``: int64 arrays ``(T, N)`` and a
    bool, True for the first batch of every epoch (the streams start again from
    the beginning, so a carried hidden state must be reset to zero).
    """
    N = check_positive_int("batch_size", batch_size)
    T = check_positive_int("seq_len", seq_len)
    ids = as_int_array("ids", ids, ndim=1, low=0)
    if ids.shape[0] < N + 1:
        raise ValueError(f"ids: expected at least batch_size + 1 = {N + 1} tokens, got shape {ids.shape}")
    return _forever(ids, N, T)


def _forever(ids, N, T):
    while True:
        for k, (x, y) in enumerate(_tbptt_iter(ids, N, T, False)):
            yield x, y, k == 0  # k == 0: a new epoch begins
