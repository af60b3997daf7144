"""Chapter 2: tokens, vocabularies and one-hot vectors.

A :class:`Vocabulary` is a bijection between tokens and integer ids. The three
special tokens always come first, in this order:

====  =========  ==========================================================
 id    token      meaning
====  =========  ==========================================================
 0     ``<PAD>``  fills the positions after the end of a short sequence
 1     ``<UNK>``  stands for every token that is not in the vocabulary
 2     ``<EOS>``  marks the end of a sentence
====  =========  ==========================================================

Ordinary tokens follow, most frequent first; ties are broken alphabetically so
that the same corpus always gives the same ids.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ._guard import reference
from ._validate import as_int_array, check_positive_int

__all__ = ["PAD", "UNK", "EOS", "SPECIALS", "Vocabulary", "build_vocab", "encode", "decode",
           "tokenize_words", "tokenize_chars", "one_hot"]

PAD, UNK, EOS = "<PAD>", "<UNK>", "<EOS>"
SPECIALS = (PAD, UNK, EOS)

# a word is a run of letters/digits (with inner apostrophes: "don't");
# every other non-space character is a token of its own (punctuation)
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]|_")


@reference
def tokenize_words(text: str, lower: bool = True) -> list:
    """Split ``text`` into word and punctuation tokens.

    ``"Harry Potter, don't!"`` -> ``['harry', 'potter', ',', "don't", '!']``.
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected str, got {type(text).__name__}")
    if lower:
        text = text.lower()
    return _WORD_RE.findall(text)


@reference
def tokenize_chars(text: str, lower: bool = False) -> list:
    """Split ``text`` into single characters (spaces and newlines included)."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected str, got {type(text).__name__}")
    return list(text.lower() if lower else text)


def _flatten(tokens):
    """Accept a flat list of tokens or a list of token lists (sentences)."""
    if isinstance(tokens, str):
        raise ValueError("tokens: expected a list of tokens, got a str "
                         "(tokenize it first with tokenize_words or tokenize_chars)")
    flat = []
    for item in tokens:
        if isinstance(item, str):
            flat.append(item)
        elif isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item):
            flat.extend(item)
        else:
            raise ValueError(f"tokens: expected str tokens or lists of str, got {type(item).__name__}")
    return flat


class Vocabulary:
    """Token <-> id mapping with ``<PAD>``, ``<UNK>`` and ``<EOS>`` (ids 0, 1, 2).

    Build one with :meth:`Vocabulary.build`. Attributes:

    - ``itos``: list of tokens; ``itos[k]`` is the token with id k.
    - ``stoi``: dict from token to id.
    - ``counts``: :class:`collections.Counter` of the training tokens.
    """

    pad_id, unk_id, eos_id = 0, 1, 2

    def __init__(self, itos, counts=None):
        itos = list(itos)
        if tuple(itos[:3]) != SPECIALS:
            raise ValueError(f"itos: expected to start with {list(SPECIALS)}, got {itos[:3]}")
        if len(set(itos)) != len(itos):
            dup = [t for t, c in Counter(itos).items() if c > 1][0]
            raise ValueError(f"itos: expected distinct tokens, got {dup!r} more than once")
        self.itos = itos
        self.stoi = {tok: k for k, tok in enumerate(itos)}
        self.counts = Counter(counts or {})

    @classmethod
    def build(cls, tokens, min_freq: int = 1, max_size: int | None = None) -> "Vocabulary":
        """Build a vocabulary from training tokens.

        Inputs:
        - tokens: a list of str, or a list of sentences (lists of str).
        - min_freq: keep tokens seen at least this many times; rarer tokens
          become ``<UNK>`` when encoded.
        - max_size: if given, keep at most this many tokens *including* the
          three specials (the most frequent ones win).

        Returns a :class:`Vocabulary` whose ids are: specials 0-2, then tokens by
        decreasing count, ties in alphabetical order.
        """
        return cls._build(tokens, min_freq, max_size)

    @classmethod
    def from_chars(cls, text: str, min_freq: int = 1) -> "Vocabulary":
        """Character vocabulary of ``text`` (see :func:`tokenize_chars`)."""
        return cls._build(tokenize_chars(text), min_freq, None)

    @classmethod
    def _build(cls, tokens, min_freq, max_size):
        flat = _flatten(tokens)
        min_freq = check_positive_int("min_freq", min_freq)
        counts = Counter(flat)
        clash = [t for t in SPECIALS if t in counts]
        if clash:
            raise ValueError(f"tokens: expected no special tokens in the training text, got {clash[0]!r}")
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            max_size = check_positive_int("max_size", max_size)
            if max_size < len(SPECIALS):
                raise ValueError(f"max_size: expected >= {len(SPECIALS)} (the special tokens), got {max_size}")
            kept = kept[: max_size - len(SPECIALS)]
        return cls(list(SPECIALS) + kept, counts)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.itos[3:8])
        more = ", ..." if len(self) > 8 else ""
        return f"Vocabulary(size={len(self)}, tokens=[<PAD>, <UNK>, <EOS>, {head}{more}])"

    def index(self, token: str) -> int:
        """Id of ``token``; ``<UNK>``'s id (1) if the token is unknown."""
        return self.stoi.get(token, self.unk_id)

    def encode(self, tokens, add_eos: bool = False) -> np.ndarray:
        """Ids of a token list as an int64 array of shape ``(len(tokens) [+ 1],)``.

        Unknown tokens map to ``<UNK>``; with ``add_eos`` the id of ``<EOS>`` is
        appended. The same as :func:`encode` ``(tokens, self.stoi, add_eos)``.
        """
        return encode(tokens, self.stoi, add_eos)

    @reference
    def decode(self, ids, strip_special: bool = False, stop_at_eos: bool = False) -> list:
        """Tokens of an id sequence (shape ``(T,)``).

        ``stop_at_eos`` drops ``<EOS>`` and everything after it;
        ``strip_special`` drops ``<PAD>`` and ``<EOS>`` (``<UNK>`` is kept: it
        carries information -- something was there).
        """
        ids = as_int_array("ids", ids, ndim=1, low=0, high=len(self))
        out = []
        for k in ids:
            k = int(k)
            if stop_at_eos and k == self.eos_id:
                break
            if strip_special and k in (self.pad_id, self.eos_id):
                continue
            out.append(self.itos[k])
        return out


@reference
def build_vocab(sentences, min_freq: int = 1) -> list:
    """The ``itos`` list of the vocabulary of ``sentences`` (exercise 2's ``build_vocab``).

    Inputs:
    - sentences: a list of sentences, each a list of str tokens (a flat list of str works too).
    - min_freq: keep the tokens seen at least this many times in all the sentences together.

    Returns:
    - itos: list of str, ``itos[k]`` is the token with id k: ``<PAD>``, ``<UNK>``, ``<EOS>``,
      then the kept tokens by decreasing count, equal counts in Python's string order
      (``sorted``: capitals before lower case). Tokens are kept as they are: ``"The"`` and
      ``"the"`` are two tokens. The same as ``Vocabulary.build(sentences, min_freq).itos``.
    """
    return Vocabulary._build(sentences, min_freq, None).itos


@reference
def encode(tokens, stoi: dict, add_eos: bool = False) -> np.ndarray:
    """Ids of a token list (exercise 2's ``encode``; :meth:`Vocabulary.encode` calls it).

    Inputs:
    - tokens: list of str, looked up as they are (no lower-casing).
    - stoi: dict from token to id; it must hold ``<UNK>`` and ``<EOS>``.
    - add_eos: append the id of ``<EOS>``.

    Returns:
    - int64 array of shape ``(len(tokens) [+ 1],)``; a token missing from ``stoi`` gets the id
      of ``<UNK>``.
    """
    if isinstance(tokens, str):
        raise ValueError("tokens: expected a list of tokens, got a str (tokenize it first)")
    if not isinstance(stoi, dict) or UNK not in stoi or EOS not in stoi:
        raise ValueError(f"stoi: expected a dict from token to id holding {UNK} and {EOS}, "
                         f"got {type(stoi).__name__}")
    ids = [stoi.get(t, stoi[UNK]) for t in tokens]
    if add_eos:
        ids.append(stoi[EOS])
    return np.array(ids, dtype=np.int64)


@reference
def decode(ids, itos) -> list:
    """Tokens of an id sequence up to its first ``<EOS>``, without ``<PAD>`` (exercise 2's ``decode``).

    Inputs:
    - ids: integer array of shape ``(T,)``, values in ``[0, len(itos))``.
    - itos: list of tokens starting with ``<PAD>``, ``<UNK>``, ``<EOS>``.

    Returns:
    - list of str; ``<EOS>`` and everything after it are dropped, ``<UNK>`` is kept. The same
      as ``Vocabulary(itos).decode(ids, strip_special=True, stop_at_eos=True)``.
    """
    return Vocabulary(itos).decode(ids, strip_special=True, stop_at_eos=True)


Vocabulary._build = classmethod(reference(Vocabulary._build.__func__))


@reference
def one_hot(ids, num_classes: int, dtype=np.float64) -> np.ndarray:
    """One-hot vectors of integer ids.

    Inputs:
    - ids: integer array of any shape S (e.g. ``(T, N)``), values in
      ``[0, num_classes)``.
    - num_classes: length V of each one-hot vector (the vocabulary size).
    - dtype: dtype of the result (float64 by default, ready for matrix products).

    Returns:
    - array of shape ``S + (V,)`` with ``out[..., k] = (ids == k)``. Same values
      as ``torch.nn.functional.one_hot(ids, V)``, which returns int64.
    """
    V = check_positive_int("num_classes", num_classes)
    ids = as_int_array("ids", ids, low=0, high=V)
    out = np.zeros(ids.shape + (V,), dtype=dtype)
    # put a 1 at position ids[...] of the last axis of every vector
    np.put_along_axis(out, ids[..., None], 1, axis=-1)
    return out
