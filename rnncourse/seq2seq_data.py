"""Chapter 10's data: short word sequences of the course's corpus, batched for an autoencoder.

The course's corpus (:func:`rnncourse.corpus.python_docs_sentences`, the Python help
pages) has long sentences; an autoencoder trained on the CPU in seconds needs short
ones. :func:`sentence_pieces` cuts every sentence at its punctuation into clauses
("is equivalent to the extended form"), drops the markup characters ``*`` and
the backquote, and keeps the distinct ones of 2 to
``max_words`` words, in corpus order. :func:`paragraphs` groups consecutive pieces
into the "paragraphs" of the hierarchical model.
"""
from __future__ import annotations

import numpy as np

from .corpus import python_docs_sentences
from .sequences import pad_sequences
from .vocab import Vocabulary, tokenize_words
from ._validate import check_positive_int

__all__ = ["PUNCTUATION", "MARKUP", "sentence_pieces", "piece_vocabulary", "encode_batch", "split", "paragraphs",
           "script_results"]

PUNCTUATION = frozenset(',.;:()?!"')
MARKUP = frozenset("*`")  # reStructuredText emphasis and literals of the help pages: not words, dropped


def sentence_pieces(max_words: int = 10, min_words: int = 2, distinct: bool = True) -> list:
    """Clauses of the corpus's sentences (lists of lower-case words), cut at punctuation.

    Inputs: max_words, min_words: bounds on the number of words; distinct: keep the
    first occurrence of each piece only. Returns a list of token lists, corpus order.
    """
    max_words, min_words = check_positive_int("max_words", max_words), check_positive_int("min_words", min_words)
    if min_words > max_words:
        raise ValueError(f"min_words: expected <= max_words = {max_words}, got {min_words}")
    pieces, seen = [], set()
    for sentence in python_docs_sentences():
        cur = []
        for w in tokenize_words(sentence) + ["."]:
            if w in MARKUP:
                continue
            if w not in PUNCTUATION:
                cur.append(w)
                continue
            key = tuple(cur)
            if min_words <= len(cur) <= max_words and not (distinct and key in seen):
                pieces.append(cur)
                seen.add(key)
            cur = []
    return pieces


def piece_vocabulary(pieces, max_size: int = 500) -> Vocabulary:
    """The ``max_size`` most frequent tokens of ``pieces`` (specials included)."""
    return Vocabulary.build(pieces, max_size=max_size)


def encode_batch(pieces, vocab: Vocabulary):
    """Ids ``(T, N)`` int64, padded with ``<PAD>`` (0), time-major, and lengths ``(N,)`` (no ``<EOS>``)."""
    ids = [vocab.encode(p) for p in pieces]
    padded, lengths = pad_sequences(ids, pad_value=vocab.pad_id)
    return np.asarray(padded, dtype=np.int64), np.asarray(lengths, dtype=np.int64)


def split(items, every: int = 5):
    """``(train, test)``: every ``every``-th item (the 1st, 6th, ...) is held out; deterministic."""
    every = check_positive_int("every", every)
    return ([x for k, x in enumerate(items) if k % every], [x for k, x in enumerate(items) if not k % every])


def paragraphs(pieces, sentences: int = 3) -> list:
    """Consecutive groups of ``sentences`` pieces (the rest dropped): the hierarchical model's paragraphs."""
    sentences = check_positive_int("sentences", sentences)
    return [pieces[k:k + sentences] for k in range(0, len(pieces) - sentences + 1, sentences)]


def script_results() -> dict:
    """The measurements of ``scripts/seq2seq_experiments.py`` (``rnncourse/data/seq2seq_results.json``)."""
    import json
    from pathlib import Path
    path = Path(__file__).resolve().parent / "data" / "seq2seq_results.json"
    if not path.exists():
        raise ValueError(f"{path.name}: not found; run scripts/seq2seq_experiments.py to create it")
    return json.loads(path.read_text())
