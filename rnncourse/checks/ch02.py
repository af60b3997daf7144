"""Checks for assignment 02 (vocabularies): build, encode, decode, one-hot."""
from __future__ import annotations

from collections import Counter

import numpy as np

from .. import vocab as ref
from ._core import Case, Raised, register, Spec
from ._compare import cause, describe, diagnose
from ._wording import NO_LOWER, NOT_MAX_ID

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
MIXED = [["the", "cat", "saw", "the", "dog"], ["The", "dog", "sat"]]


def _bv_visible():
    return [Case({"sentences": SENTENCES, "min_freq": 1},
                 "3 sentences; counts the 2, cat 2, sat 2, a 1, dog 1, ran 1"),
            Case({"sentences": SENTENCES, "min_freq": 2}, "the same with min_freq = 2"),
            Case({"sentences": MIXED, "min_freq": 1},
                 "'the' twice in one sentence, and 'The' != 'the'; counts dog 2, the 2, The 1, cat 1, sat 1, saw 1")]


def _capitalised(sentences):
    """A sentence starts with a capital, as in real text: 'The' and 'the' are two tokens."""
    return [[s[0].capitalize()] + s[1:] for s in sentences]


def _bv_random(rng):
    out = []
    for k in range(6):
        sents = _corpus(rng, int(rng.integers(3, 12)), int(rng.integers(4, 15)))
        if k % 2:
            sents = _capitalised(sents)
        mf = 1 if k == 0 else (50 if k == 5 else int(rng.integers(1, 4)))  # k = 5: nothing is kept
        out.append(Case({"sentences": sents, "min_freq": mf},
                        f"{len(sents)} random sentences{' (capitalised)' if k % 2 else ''}, min_freq = {mf}"))
    return out


def bv_variant(sentences, min_freq, exclusive=False, ties="alphabetical", lower=False, per_sentence=False,
               order="count", specials="first"):
    """build_vocab with known mistakes switched on (all off: the reference, ``ref.build_vocab``)."""
    norm = (lambda t: t.lower()) if lower else (lambda t: t)
    counts, first = Counter(), {}
    for s in sentences:
        for t in (dict.fromkeys(s) if per_sentence else s):
            counts[norm(t)] += 1
            first.setdefault(norm(t), len(first))
    kept = [t for t, c in counts.items() if (c > min_freq if exclusive else c >= min_freq)]
    if order == "count":
        if ties == "reverse":
            kept.sort(key=lambda t: (counts[t], t), reverse=True)
        else:
            kept.sort(key=lambda t: (-counts[t], t if ties == "alphabetical" else first[t]))
    elif order == "increasing":
        kept.sort(key=lambda t: (counts[t], t))
    else:  # alphabetical only
        kept.sort()
    return {"first": list(ref.SPECIALS) + kept, "last": kept + list(ref.SPECIALS), "none": kept}[specials]


BV_MISTAKES = [
    ("the list must start with the special tokens ['<PAD>', '<UNK>', '<EOS>'] (ids 0, 1, 2)",
     [{"specials": "none"}, {"specials": "last"}]),
    ("min_freq is inclusive: keep tokens seen at least min_freq times (>=, not >)", [{"exclusive": True}]),
    ("tokens seen fewer than min_freq times must be left out", [{"min_freq": 1}]),
    ("tokens are kept as they are: " + NO_LOWER,
     [{"lower": True}]),
    ("count every occurrence of a token, not the number of sentences it appears in",
     [{"per_sentence": True}]),
    ("ties (equal counts) must be broken alphabetically (Python's sorted), not by first occurrence",
     [{"ties": "first"}]),
    ("ties (equal counts) must be broken alphabetically (Python's sorted), not in reverse",
     [{"ties": "reverse"}]),
    ("tokens must be sorted by decreasing count (ties alphabetically)",
     [{"order": "increasing"}, {"order": "alphabetical"}]),
]


def _bv_compare(case, got, expected):
    if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
        msg = f"expected a list of str (itos), got {describe(got)}"
        if isinstance(got, dict):
            msg = cause(msg, "build_vocab returns itos, the list of tokens by id, not the dict stoi")
        return msg
    if got == expected:
        return None
    msg = f"expected {expected},\n     got {got}"
    sents, mf = case.args["sentences"], case.args["min_freq"]
    for text, switches in BV_MISTAKES:
        for sw in switches:
            args = {"min_freq": mf, **sw}
            alt = bv_variant(sents, **args)
            if alt != expected and alt == got:
                return cause(msg, text)
    if got[:3] != list(ref.SPECIALS):
        return cause(msg, BV_MISTAKES[0][0])
    return msg


register(Spec("build_vocab", ("rnncourse.vocab.build_vocab", "rnncourse.vocab.Vocabulary._build"),
              _bv_visible, _bv_random, expect=lambda c: ref.build_vocab(**c.args), compare=_bv_compare,
              must_not_change=("sentences",)))


# ----------------------------------------------------------------------- encode
def _vocab_for(sentences, min_freq=1):
    return ref.Vocabulary.build(sentences, min_freq)


def _enc_visible():
    v = _vocab_for(SENTENCES)
    return [Case({"tokens": ["the", "cat", "sat"], "stoi": v.stoi, "add_eos": True},
                 "['the', 'cat', 'sat'] with add_eos"),
            Case({"tokens": ["the", "bird", "sat"], "stoi": v.stoi, "add_eos": False},
                 "'bird' is not in the vocabulary -> <UNK>"),
            Case({"tokens": ["The", "cat", "ran"], "stoi": v.stoi, "add_eos": True},
                 "'The' is not in the vocabulary (only 'the' is) -> <UNK>, with add_eos")]


def _enc_random(rng):
    out = []
    for k in range(6):
        sents = _capitalised(_corpus(rng, 8, 12))
        v = _vocab_for(sents, 2)
        toks = [str(t) for t in rng.choice(WORDS, size=0 if k == 5 else int(rng.integers(1, 12)))]
        if toks and k % 2:
            toks[0] = toks[0].capitalize()
        eos = bool(k % 2 == 0)  # k = 5: no tokens and no <EOS>, an empty array
        out.append(Case({"tokens": toks, "stoi": v.stoi, "add_eos": eos},
                        f"{len(toks)} tokens, vocabulary of {len(v)}, add_eos = {eos}"))
    return out


def enc_variant(tokens, stoi, add_eos, unk="unk", eos="end", lower=False):
    """encode with known mistakes switched on (all off: the reference, ``ref.encode``)."""
    ids = []
    for t in tokens:
        t = t.lower() if lower else t
        if t in stoi:
            ids.append(stoi[t])
        elif unk == "unk":
            ids.append(stoi[ref.UNK])
        elif unk == "pad":
            ids.append(stoi[ref.PAD])
    if (eos != "never") and (add_eos or eos == "always"):
        ids = [stoi[ref.EOS]] + ids if eos == "start" else ids + [stoi[ref.EOS]]
    return np.array(ids, dtype=np.int64)


def _enc_compare(case, got, expected):
    toks, stoi, add_eos = case.args["tokens"], case.args["stoi"], case.args["add_eos"]
    if isinstance(got, Raised) and got.exc_type == "KeyError":
        missing = [t for t in toks if t not in stoi]
        msg = f"ids: expected an integer array, got {describe(got)}"
        if missing and any(repr(t) in got.message or t in got.message for t in missing):
            return cause(msg, f"a token that is not in the vocabulary must be encoded as <UNK> "
                              f"(id {stoi[ref.UNK]}): use stoi.get(token, stoi['<UNK>'])")
        return msg
    if isinstance(got, np.ndarray) and got.size == 0 == expected.size and got.dtype.kind not in "iu":
        return (f"ids: expected dtype integer or unsigned integer, got {got.dtype}\n"
                "Likely cause: np.array([]) of no tokens is float64: give the dtype, np.array(ids, dtype=np.int64)")
    return diagnose(got, expected, [
        (f"unknown tokens were dropped: encode them as <UNK> (id {stoi[ref.UNK]})",
         enc_variant(toks, stoi, add_eos, unk="drop")),
        (f"unknown tokens get the id of <UNK> ({stoi[ref.UNK]}), not of <PAD> ({stoi[ref.PAD]})",
         enc_variant(toks, stoi, add_eos, unk="pad")),
        ("tokens are looked up as they are: " + NO_LOWER,
         enc_variant(toks, stoi, add_eos, lower=True)),
        ("<EOS> was not appended although add_eos is True", enc_variant(toks, stoi, add_eos, eos="never")),
        ("<EOS> goes at the end, not the start", enc_variant(toks, stoi, add_eos, eos="start")),
        ("<EOS> was appended although add_eos is False", enc_variant(toks, stoi, add_eos, eos="always")),
    ], "ids", axes=("position",), kind="iu")


register(Spec("encode", ("rnncourse.vocab.encode",), _enc_visible, _enc_random,
              expect=lambda c: ref.encode(**c.args), compare=_enc_compare,
              must_not_change=("tokens", "stoi")))


# ----------------------------------------------------------------------- decode
def _dec_visible():
    v = _vocab_for(SENTENCES)
    return [Case({"ids": np.array([3, 4, 5, 2, 0, 0]), "itos": v.itos},
                 "[3, 4, 5, 2, 0, 0]: the cat sat <EOS> <PAD> <PAD>"),
            Case({"ids": np.array([5, 1, 4, 2, 3]), "itos": v.itos},
                 "[5, 1, 4, 2, 3]: the <UNK> sat <EOS> cat; decoding stops at the first <EOS>"),
            Case({"ids": np.array([3, 1, 0, 0]), "itos": v.itos},
                 "[3, 1, 0, 0]: cat <UNK> <PAD> <PAD>, no <EOS>; the padding is dropped")]


def _dec_random(rng):
    out = []
    for k in range(6):
        v = _vocab_for(_corpus(rng, 8, 12))
        body = rng.integers(1, len(v), size=0 if k == 5 else int(rng.integers(1, 8)))
        body = body[body != 2]
        if k == 0:
            body = np.append(body, 1)  # an <UNK> is kept
        if k == 1:
            tail = [0] * int(rng.integers(1, 3))  # padding, no <EOS>
        else:
            tail = [2] * int(k != 3 or rng.integers(0, 2)) + [0] * int(rng.integers(0, 3))
        ids = np.concatenate([body, np.array(tail, dtype=np.int64)]).astype(np.int64)
        if k == 2 or (rng.random() < 0.5 and 2 in tail):  # tokens after <EOS> must be ignored too
            ids = np.append(ids, rng.integers(3, len(v), size=2))
        out.append(Case({"ids": ids, "itos": v.itos}, f"ids {ids.tolist()}"))
    return out


def dec_variant(ids, itos, stop=True, keep_eos=False, keep_pad=False, drop_unk=False, shift=0):
    """decode with known mistakes switched on (all off: the reference, ``ref.decode``)."""
    out = []
    for k in ids:
        k = int(k) + shift
        if not 0 <= k < len(itos):
            return None
        token = itos[k]
        if token == ref.EOS and stop:
            if keep_eos:
                out.append(token)
            break
        if (token == ref.PAD and not keep_pad) or (token == ref.EOS and not keep_eos) or (
                token == ref.UNK and drop_unk):
            continue
        out.append(token)
    return out


DEC_MISTAKES = [
    ("decoding stops at the first <EOS>: the tokens after it are not returned", {"stop": False}),
    ("decoding stops at <EOS>, which is not returned", {"keep_eos": True}),
    ("<PAD> tokens must be dropped", {"keep_pad": True}),
    ("<UNK> is kept: it tells the reader that something was there", {"drop_unk": True}),
    ("off by one: id k is itos[k] (ids count from 0), not itos[k - 1]", {"shift": -1}),
    ("off by one: id k is itos[k] (ids count from 0), not itos[k + 1]", {"shift": 1}),
]


def _dec_compare(case, got, expected):
    ids, itos = case.args["ids"], case.args["itos"]
    if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
        msg = f"expected a list of str, got {describe(got)}"
        if isinstance(got, str):
            msg = cause(msg, "decode returns the list of tokens, not one string joined from them")
        elif isinstance(got, Raised) and ref.Vocabulary.eos_id not in [int(k) for k in ids]:
            msg = cause(msg, "these ids hold no <EOS>: then every id is decoded (up to the end)")
        return msg
    if got == expected:
        return None
    msg = f"expected {expected}, got {got}"
    for text, sw in DEC_MISTAKES:
        alt = dec_variant(ids, itos, **sw)
        if alt is not None and alt != expected and alt == got:
            return cause(msg, text)
    return msg


register(Spec("decode", ("rnncourse.vocab.decode", "rnncourse.vocab.Vocabulary.decode"),
              _dec_visible, _dec_random, expect=lambda c: ref.decode(**c.args), compare=_dec_compare,
              must_not_change=("ids", "itos")))


# ---------------------------------------------------------------------- one_hot
ANY_SHAPE = ("ids may have any shape S, e.g. a (T, N) batch: the result has shape ids.shape + (V,) "
             "(np.eye(V)[ids] works for every shape)")


def _oh_visible():
    return [Case({"ids": np.array([3, 0, 2]), "num_classes": 4}, "ids [3, 0, 2], V = 4"),
            Case({"ids": np.array([1, 4]), "num_classes": 4}, "id 4 is out of range for V = 4 -> ValueError"),
            Case({"ids": np.array([0, -1, 2]), "num_classes": 4},
                 "id -1 is out of range -> ValueError (numpy would read it as the last class)"),
            Case({"ids": np.array([[1, 2], [0, 1]]), "num_classes": 4},
                 "a (T, N) = (2, 2) batch of ids, V = 4 (no id reaches V - 1 = 3): shape (2, 2, 4)"),
            Case({"ids": np.array([2, 0]), "num_classes": 3, "dtype": "float32"},
                 "ids [2, 0], V = 3, dtype = 'float32'")]


def _oh_random(rng):
    out = []
    for k in range(6):
        V = int(rng.integers(2, 12))
        shape = [(int(rng.integers(1, 7)),), (int(rng.integers(1, 5)), int(rng.integers(1, 4)))][k % 2]
        if k == 4:
            shape = (1,)  # a single id
        ids = rng.integers(0, V - 1 if k in (1, 2) else V, size=shape)  # k = 1, 2: ids miss V - 1
        if k == 3:
            ids.flat[0] = V - 1  # the last class
        args = {"ids": ids, "num_classes": V}
        if k == 5:
            args["dtype"] = "float32"
        out.append(Case(args, f"ids of shape {shape}, V = {V}" + (", dtype = 'float32'" if k == 5 else "")))
    V = int(rng.integers(3, 9))
    out.append(Case({"ids": np.zeros(0, dtype=np.int64), "num_classes": V},
                    f"no ids at all, shape (0,), V = {V}: the result has shape (0, {V})"))
    out.append(Case({"ids": np.array([0, -1, 2]), "num_classes": V},
                    f"ids [0, -1, 2], V = {V}: a negative id must raise ValueError, not wrap around"))
    out.append(Case({"ids": np.array([[0, 1], [V, 1]]), "num_classes": V},
                    f"ids [[0, 1], [{V}, 1]], V = {V}: id {V} is out of range -> ValueError"))
    return out


def _oh_expect(case):
    try:
        return ref.one_hot(**case.args)
    except ValueError as exc:
        return Raised("ValueError", str(exc))


def _oh_compare(case, got, expected):
    ids, V = np.asarray(case.args["ids"]), case.args["num_classes"]
    if isinstance(expected, Raised):
        if isinstance(got, Raised) and got.exc_type == "ValueError":
            return None
        msg = f"ids outside [0, {V}) must raise ValueError, got {describe(got)}"
        if isinstance(got, np.ndarray) and (ids < 0).any():
            return cause(msg, "numpy reads a negative id as counted from the end (-1 is the last class): "
                              "check ids.min() < 0 as well as ids.max() >= num_classes")
        if isinstance(got, Raised):
            return cause(msg, f"check the range yourself and raise ValueError: numpy's own "
                              f"{got.exc_type} is not the error the instructions ask for")
        return msg
    raised = ""
    if isinstance(got, Raised):
        if ids.size == 0:
            raised = ("Likely cause: ids may be empty (shape (0,)): ids.min() fails on an empty array, "
                      "test ids.size first")
        elif ids.ndim != 1:
            raised = "Likely cause: " + ANY_SHAPE
    dtype = np.dtype(case.args.get("dtype", np.float64))
    if isinstance(got, np.ndarray) and got.shape == expected.shape and "dtype" in case.args \
            and got.dtype != dtype:
        return f"one-hot: expected dtype {dtype} (the dtype argument), got {got.dtype}"
    off = "off by one: id k sets position k of its vector (counted from 0)"
    return diagnose(got, expected, [
        (off + ", not k + 1", lambda: np.roll(expected, 1, axis=-1)),
        (off + ", not k - 1", lambda: np.roll(expected, -1, axis=-1)),
        (f"the vectors have num_classes = {V} entries, " + NOT_MAX_ID, lambda: np.eye(int(ids.max()) + 1)[ids]),
    ], "one-hot", axes=tuple(f"ids axis {a}" for a in range(ids.ndim)) + ("class k",), kind="f",
        layout_hint="the class axis comes last: shape ids.shape + (V,)", raised_hint=raised,
        shape_hints=[("the class axis comes last: shape ids.shape + (V,), not (V,) + ids.shape",
                      lambda shape: shape == (V,) + ids.shape and ids.ndim != 1),  # 1-d: compare_arrays says it
                     (ANY_SHAPE, lambda shape: len(shape) != ids.ndim + 1)])


register(Spec("one_hot", ("rnncourse.vocab.one_hot",), _oh_visible, _oh_random,
              expect=_oh_expect, compare=_oh_compare, must_not_change=("ids",)))
