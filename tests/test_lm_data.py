"""Chapter 6 data: paragraphs, datasets, TBPTT batches."""
from collections import Counter

import numpy as np
import pytest

from lm_helpers import EOS, UNK
from rnncourse.corpus import python_docs_text
from rnncourse.lm.data import (LMDataset, batches_forever, char_dataset, decode_chars, split_paragraphs,
                               tbptt_batches, word_dataset)
from rnncourse.vocab import tokenize_words


# ------------------------------------------------------------------- data
def test_split_and_char_dataset_unk_for_unseen():
    paras = [f"paragraph {k} " + "abc " * (k % 5 + 1) for k in range(40)]
    paras[-1] += "Z"  # a character only in the test part
    text = "\n\n".join(paras)
    tr, va, te = split_paragraphs(text, (0.8, 0.1, 0.1))
    assert tr + va + te == paras and min(len(tr), len(va), len(te)) >= 1
    d = char_dataset(text, (0.8, 0.1, 0.1))
    assert isinstance(d, LMDataset) and d.level == "char"
    assert "Z" not in d.vocab and d.test[-2] == UNK and d.test[-1] == EOS
    assert decode_chars(d.vocab, d.train) == "\n\n".join(tr) + "\n\n"
    assert d.train.size == d.n_chars["train"] and d.test.size == d.n_chars["test"]
    # same text again: the same ids (deterministic, no randomness)
    np.testing.assert_array_equal(char_dataset(text, (0.8, 0.1, 0.1)).valid, d.valid)


def test_word_dataset_counts_the_same_characters():
    text = python_docs_text(["if", "while", "for", "try", "with", "function"])
    c, w = char_dataset(text), word_dataset(text, min_freq=2)
    assert w.level == "word" and w.n_chars == c.n_chars
    assert w.train.size < c.train.size  # fewer words than characters
    train_counts = Counter(tokenize_words(" ".join(split_paragraphs(text)[0])))
    rare = [t for t, n in train_counts.items() if n < 2]
    assert rare and all(t not in w.vocab for t in rare)
    assert (w.test == UNK).any()


# -------------------------------------------------------------- batching
@pytest.mark.parametrize("seed", range(6))
def test_tbptt_batches_streams_are_contiguous(seed):
    rng = np.random.default_rng(seed)
    L, N, T = int(rng.integers(10, 200)), int(rng.integers(1, 6)), int(rng.integers(1, 12))
    ids = rng.permutation(L)  # distinct tokens: positions are recoverable
    batches = list(tbptt_batches(ids, N, T))
    M = (L - 1) // N
    assert all(x.shape == y.shape and x.shape[1] == N and 1 <= x.shape[0] <= T for x, y in batches)
    assert all(x.shape[0] == T for x, _ in batches[:-1])
    X = np.concatenate([x for x, _ in batches])  # (M, N): batch k+1 continues batch k
    Y = np.concatenate([y for _, y in batches])
    for n in range(N):
        np.testing.assert_array_equal(X[:, n], ids[n * M:(n + 1) * M])
        np.testing.assert_array_equal(Y[:, n], ids[n * M + 1:(n + 1) * M + 1])  # shifted by one
    # every target position once, in order
    np.testing.assert_array_equal(np.sort(Y.T.reshape(-1)), np.sort(ids[1:N * M + 1]))
    assert len(list(tbptt_batches(ids, N, T, drop_last=True))) == M // T


def test_batches_forever_restarts_the_epoch():
    ids = np.random.default_rng(3).permutation(47)
    epoch = list(tbptt_batches(ids, 3, 4))
    stream = batches_forever(ids, 3, 4)
    got = [next(stream) for _ in range(2 * len(epoch) + 1)]
    for k, (x, y, new_epoch) in enumerate(got):
        ex, ey = epoch[k % len(epoch)]
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)
        assert new_epoch == (k % len(epoch) == 0)
    for bad, name in [((ids, 0, 4), "batch_size"), ((ids, 3, 0), "seq_len"), ((ids[:3], 3, 4), "ids")]:
        with pytest.raises(ValueError, match=name):
            batches_forever(*bad)  # at the call, not at the first next()
