"""Chapter 11's synthetic tasks, each drawn from an explicit ``np.random.Generator``.

- :func:`grammar_tree`: sentences of a tiny grammar with their parse trees ("beyond sequence").
- :func:`bio_batch`: BIO tagging of names and places, where a tag sequence has constraints
  (``I-X`` only after ``B-X`` or ``I-X``), for the CRF.
- :func:`keyterm_batch`: many-to-one classification where one key word decides the class
  (key-term extraction with attention pooling).
- :func:`copy_batch`: the copy task of the Neural Turing Machine.

Batches are time-major and padded, with a ``lengths`` vector, as everywhere in the course.
"""
from __future__ import annotations

import numpy as np

__all__ = ["GRAMMAR_WORDS", "grammar_tree", "BIO_TAGS", "BIO_WORDS", "bio_allowed", "bio_is_valid",
           "bio_batch", "keyterm_batch", "copy_batch", "pad"]


def _rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def pad(seqs, value=0) -> tuple:
    """``(ids (T, N) int64, lengths (N,))`` from a list of id lists, padded with ``value``."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.full((int(lengths.max()), len(seqs)), value, dtype=np.int64)
    for i, s in enumerate(seqs):
        out[:len(s), i] = s
    return out, lengths


# ------------------------------------------------------------------ a tiny grammar
GRAMMAR_WORDS = {"Det": ["the", "a"], "N": ["dog", "cat", "bird", "man"], "Adj": ["big", "small"],
                 "V": ["sees", "likes", "runs"], "P": ["near", "with"]}


def grammar_tree(rng, depth: int = 0):
    """A random tree ``("S", NP, VP)`` of the grammar S -> NP VP, NP -> Det (Adj) N (PP),
    VP -> V (NP) (PP), PP -> P NP; a PP is allowed only near the top (``depth`` < 1)."""
    rng = _rng(rng)

    def word(cat):
        return (cat, str(rng.choice(GRAMMAR_WORDS[cat])))

    def np_(d):
        kids = [word("Det")] + ([word("Adj")] if rng.random() < 0.3 else []) + [word("N")]
        if d < 1 and rng.random() < 0.25:
            kids.append(pp(d + 1))
        return ("NP", *kids)

    def pp(d):
        return ("PP", word("P"), np_(d))

    def vp(d):
        kids = [word("V")]
        if rng.random() < 0.6:
            kids.append(np_(d + 1))
        if d < 1 and rng.random() < 0.25:
            kids.append(pp(d + 1))
        return ("VP", *kids)
    return ("S", np_(depth), vp(depth))


# ------------------------------------------------------------------ BIO tagging
BIO_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
_NAMES = [f"N{k}" for k in range(12)]  # capitalised words: part of a name or of a place
_FILLER = ["it", "was", "and", "then", "we", "saw", "very", "so", "of", "to"]
_CUE = {"PER": ["mr", "dr", "met"], "LOC": ["in", "at", "near"]}
_AFTER = {"PER": ["said", "smiled"], "LOC": ["city", "river"]}
BIO_WORDS = ["<pad>"] + _FILLER + _CUE["PER"] + _CUE["LOC"] + _AFTER["PER"] + _AFTER["LOC"] + _NAMES


def bio_allowed(prev, nxt) -> bool:
    """Whether tag ``nxt`` may follow tag ``prev`` (``None``: the start): I-X only after B-X or I-X."""
    if nxt.startswith("I-"):
        return prev is not None and prev[2:] == nxt[2:] and prev != "O"
    return True


def bio_is_valid(tags) -> bool:
    """Whether a sequence of tag ids obeys :func:`bio_allowed` everywhere."""
    names = [BIO_TAGS[int(k)] for k in tags]
    return all(bio_allowed(p, n) for p, n in zip([None] + names[:-1], names))


def bio_batch(rng, N: int, min_len: int = 6, max_len: int = 14, cue_after: float = 0.4):
    """N sentences with 1-2 entities of 1-3 name words each; the entity's type is told by a cue word
    before it (``mr``, ``in``) or, with probability ``cue_after``, only after it (``said``, ``city``),
    so that a tagger must look both ways.

    Returns ``(words (T, N) ids into BIO_WORDS, tags (T, N) ids into BIO_TAGS, -1 on padding, lengths (N,))``.
    """
    rng = _rng(rng)
    w2i = {w: k for k, w in enumerate(BIO_WORDS)}
    t2i = {t: k for k, t in enumerate(BIO_TAGS)}
    xs, ys = [], []
    for _ in range(N):
        words, tags = [], []
        for _e in range(int(rng.integers(1, 3))):
            for _f in range(int(rng.integers(0, 3))):
                words.append(str(rng.choice(_FILLER)))
                tags.append("O")
            kind = "PER" if rng.random() < 0.5 else "LOC"
            after = rng.random() < cue_after
            if not after:
                words.append(str(rng.choice(_CUE[kind])))
                tags.append("O")
            n = int(rng.integers(1, 4))
            words += [str(w) for w in rng.choice(_NAMES, size=n)]
            tags += [f"B-{kind}"] + [f"I-{kind}"] * (n - 1)
            if after:
                words.append(str(rng.choice(_AFTER[kind])))
                tags.append("O")
        while len(words) < min_len:
            words.append(str(rng.choice(_FILLER)))
            tags.append("O")
        words, tags = words[:max_len], tags[:max_len]
        xs.append([w2i[w] for w in words])
        ys.append([t2i[t] for t in tags])
    x, lengths = pad(xs, 0)
    y, _ = pad(ys, -1)
    return x, y, lengths


# ------------------------------------------------------------------ key-term extraction
def keyterm_batch(rng, N: int, n_classes: int = 4, n_noise: int = 16, min_len: int = 4, max_len: int = 20):
    """Documents of noise words with one key term; the class is the key term's.

    Ids: 0 is padding, 1..n_noise are noise words, n_noise + 1 + c is the key term of class c.
    Returns ``(x (T, N) ids, lengths (N,), labels (N,), key positions (N,))``.
    """
    rng = _rng(rng)
    seqs, labels, where = [], [], []
    for _ in range(N):
        L = int(rng.integers(min_len, max_len + 1))
        s = rng.integers(1, n_noise + 1, size=L)
        c, p = int(rng.integers(n_classes)), int(rng.integers(L))
        s[p] = n_noise + 1 + c
        seqs.append(s.tolist())
        labels.append(c)
        where.append(p)
    x, lengths = pad(seqs, 0)
    return x, lengths, np.array(labels), np.array(where)


# ------------------------------------------------------------------ the copy task
def copy_batch(rng, N: int, n_bits: int = 4, min_len: int = 1, max_len: int = 5):
    """The NTM copy task: read L random bit vectors, then a delimiter, then output them again.

    Input channels: n_bits data bits + 1 delimiter bit. Total length 2 L + 1 steps (all examples padded
    to the batch's longest). Returns ``(x (T, N, n_bits + 1), y (T, N, n_bits), target mask (T, N), lengths L (N,))``.
    """
    rng = _rng(rng)
    L = rng.integers(min_len, max_len + 1, size=N)
    T = 2 * int(L.max()) + 1
    x = np.zeros((T, N, n_bits + 1))
    y = np.zeros((T, N, n_bits))
    mask = np.zeros((T, N), dtype=bool)
    for i, n in enumerate(L):
        bits = rng.integers(0, 2, size=(n, n_bits)).astype(float)
        x[:n, i, :n_bits] = bits
        x[n, i, n_bits] = 1.0  # the delimiter: "now write it back"
        y[n + 1:2 * n + 1, i] = bits
        mask[n + 1:2 * n + 1, i] = True
    return x, y, mask, L
