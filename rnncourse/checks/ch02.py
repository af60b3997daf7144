"""Checks for assignment 02 (vocabularies): build, encode, decode, one-hot."""
from __future__ import annotations

import numpy as np

from .. import vocab as ref
from ._core import Case, Raised, Spec, describe, diagnose, register

WORDS = ("the a of to and in is it that for on as with was be by this are or an not at from "
         "which can but have has if when then else return value class import function").split()


def _corpus(rng, n_sentences, n_words):
    words = list(rng.choice(WORDS, size=n_words, replace=False))
    p = 1.0 / np.arange(1, n_words + 1)  # Zipf-like: a few frequent words, many rare ones
    p /= p.sum()
    return [[str(w) for w in rng.choice(words, size=int(rng.integers(1, 9)), p=p)]
            for _ in range(n_sentences)]


# ------------------------------------------------------------------ build_vocab
SENTENCES = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]]


def _bv_visible():
    return [Case({"sentences": SENTENCES, "min_freq": 1},
                 "3 sentences; counts the 2, cat 2, sat 2, a 1, dog 1, ran 1"),
            Case({"sentences": SENTENCES, "min_freq": 2}, "the same with min_freq = 2")]


def _bv_random(rng):
    out = []
    for k in range(6):
        sents = _corpus(rng, int(rng.integers(3, 12)), int(rng.integers(4, 15)))
        mf = int(rng.integers(1, 4))
        out.append(Case({"sentences": sents, "min_freq": mf},
                        f"{len(sents)} random sentences, min_freq = {mf}"))
    return out


def _bv_compare(case, got, expected):
    if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
        return f"expected a list of str (itos), got {describe(got)}"
    if got == expected:
        return None
    msg = f"expected {expected},\n     got {got}"
    if got[:3] != list(ref.SPECIALS):
        return msg + f"\nLikely cause: the list must start with the special tokens {list(ref.SPECIALS)}"
    from collections import Counter
    counts = Counter(t for s in case.args["sentences"] for t in s)
    mf = case.args["min_freq"]
    if set(got[3:]) == set(expected[3:]):
        if [counts[t] for t in got[3:]] == [counts[t] for t in expected[3:]]:
            return msg + "\nLikely cause: ties (equal counts) must be broken alphabetically"
        return msg + "\nLikely cause: tokens must be sorted by decreasing count"
    if set(got[3:]) == {t for t, c in counts.items() if c > mf}:
        return msg + f"\nLikely cause: min_freq is inclusive: keep tokens seen at least {mf} times (>=, not >)"
    if set(got[3:]) == set(counts):
        return msg + f"\nLikely cause: tokens seen fewer than min_freq = {mf} times must be left out"
    return msg


register(Spec("build_vocab", ("rnncourse.vocab.Vocabulary._build",), _bv_visible, _bv_random,
              expect=lambda c: ref.Vocabulary.build(c.args["sentences"], c.args["min_freq"]).itos,
              compare=_bv_compare))


# ----------------------------------------------------------------------- encode
def _vocab_for(sentences, min_freq=1):
    return ref.Vocabulary.build(sentences, min_freq)


def _enc_visible():
    v = _vocab_for(SENTENCES)
    return [Case({"tokens": ["the", "cat", "sat"], "stoi": v.stoi, "add_eos": True},
                 "['the', 'cat', 'sat'] with add_eos"),
            Case({"tokens": ["the", "bird", "sat"], "stoi": v.stoi, "add_eos": False},
                 "'bird' is not in the vocabulary -> <UNK>")]


def _enc_random(rng):
    out = []
    for k in range(6):
        sents = _corpus(rng, 8, 12)
        v = _vocab_for(sents, 2)
        toks = [str(t) for t in rng.choice(WORDS, size=int(rng.integers(1, 12)))]
        out.append(Case({"tokens": toks, "stoi": v.stoi, "add_eos": bool(k % 2 == 0)},
                        f"{len(toks)} tokens, vocabulary of {len(v)}, add_eos = {k % 2 == 0}"))
    return out


def _enc_expect(case):
    return ref.Vocabulary(sorted(case.args["stoi"], key=case.args["stoi"].get)).encode(
        case.args["tokens"], add_eos=case.args["add_eos"])


def _enc_compare(case, got, expected):
    toks, stoi, eos = case.args["tokens"], case.args["stoi"], case.args["add_eos"]
    if isinstance(got, Raised) and got.exc_type == "KeyError":
        return (f"raised KeyError {got.message}: a token that is not in the vocabulary must be "
                f"encoded as <UNK> (id {stoi[ref.UNK]})")
    known_only = [stoi[t] for t in toks if t in stoi] + ([stoi[ref.EOS]] if eos else [])
    causes = [("unknown tokens were dropped: encode them as <UNK> (id 1)", known_only)]
    if eos:
        causes += [("<EOS> was not appended although add_eos is True", expected[:-1]),
                   ("<EOS> goes at the end, not the start", np.roll(expected, 1))]
    else:
        causes += [("<EOS> was appended although add_eos is False", np.append(expected, stoi[ref.EOS]))]
    return diagnose(got, expected, causes, "ids", axes=("position",), kind="iu")


register(Spec("encode", ("rnncourse.vocab._encode",), _enc_visible, _enc_random,
              expect=_enc_expect, compare=_enc_compare))


# ----------------------------------------------------------------------- decode
def _dec_visible():
    v = _vocab_for(SENTENCES)
    return [Case({"ids": np.array([3, 4, 5, 2, 0, 0]), "itos": v.itos},
                 "[3, 4, 5, 2, 0, 0]: the cat sat <EOS> <PAD> <PAD>")]


def _dec_random(rng):
    out = []
    for _ in range(5):
        v = _vocab_for(_corpus(rng, 8, 12))
        body = rng.integers(1, len(v), size=int(rng.integers(0, 8)))
        body = body[body != 2]
        tail = [2] * int(rng.integers(0, 2)) + [0] * int(rng.integers(0, 3))
        ids = np.concatenate([body, np.array(tail, dtype=np.int64)]).astype(np.int64)
        if rng.random() < 0.5 and 2 in tail:  # tokens after <EOS> must be ignored too
            ids = np.append(ids, rng.integers(3, len(v), size=2))
        out.append(Case({"ids": ids, "itos": v.itos}, f"ids {ids.tolist()}"))
    return out


def _dec_compare(case, got, expected):
    if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
        return f"expected a list of str, got {describe(got)}"
    if got == expected:
        return None
    msg = f"expected {expected}, got {got}"
    if ref.EOS in got:
        return msg + "\nLikely cause: decoding stops at <EOS>, which is not returned"
    if ref.PAD in got:
        return msg + "\nLikely cause: <PAD> tokens must be dropped"
    return msg


register(Spec("decode", ("rnncourse.vocab.Vocabulary.decode",), _dec_visible, _dec_random,
              expect=lambda c: ref.Vocabulary(c.args["itos"]).decode(c.args["ids"], strip_special=True,
                                                                     stop_at_eos=True),
              compare=_dec_compare))


# ---------------------------------------------------------------------- one_hot
def _oh_visible():
    return [Case({"ids": np.array([3, 0, 2]), "num_classes": 4}, "ids [3, 0, 2], V = 4"),
            Case({"ids": np.array([1, 4]), "num_classes": 4}, "id 4 is out of range for V = 4 -> ValueError")]


def _oh_random(rng):
    out = []
    for k in range(6):
        V = int(rng.integers(2, 12))
        shape = [(int(rng.integers(1, 7)),), (int(rng.integers(1, 5)), int(rng.integers(1, 4)))][k % 2]
        ids = rng.integers(0, V, size=shape)
        out.append(Case({"ids": ids, "num_classes": V}, f"ids of shape {shape}, V = {V}"))
    V = int(rng.integers(3, 9))
    out.append(Case({"ids": np.array([0, -1, 2]), "num_classes": V},
                    f"ids [0, -1, 2], V = {V}: a negative id must raise ValueError, not wrap around"))
    return out


def _oh_expect(case):
    try:
        return ref.one_hot(**case.args)
    except ValueError as exc:
        return Raised("ValueError", str(exc))


def _oh_compare(case, got, expected):
    ids, V = case.args["ids"], case.args["num_classes"]
    if isinstance(expected, Raised):
        if isinstance(got, Raised) and got.exc_type == "ValueError":
            return None
        return f"ids outside [0, {V}) must raise ValueError, got {describe(got)}"
    return diagnose(got, expected, [
        ("off by one: id k sets position k (0-based), not k - 1 or k + 1",
         lambda: np.roll(expected, -1, axis=-1)),
        ("off by one: id k sets position k (0-based), not k - 1 or k + 1",
         lambda: np.roll(expected, 1, axis=-1)),
    ], "one-hot", axes=tuple(f"ids axis {a}" for a in range(ids.ndim)) + ("class k",), kind="biuf",
        layout_hint="the class axis comes last: shape ids.shape + (V,)")


register(Spec("one_hot", ("rnncourse.vocab.one_hot",), _oh_visible, _oh_random,
              expect=_oh_expect, compare=_oh_compare))
