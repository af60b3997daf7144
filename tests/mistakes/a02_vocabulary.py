"""Realistic mistakes in assignment 02-vocabulary: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "02-vocabulary"

MUTANTS = [
    Mutant(A, "min_freq exclusive", "build_vocab",
           "c >= min_freq", "c > min_freq", "test_build_vocab", "min_freq is inclusive"),
    Mutant(A, "ties by first occurrence", "build_vocab",
           "key=lambda token: (-counts[token], token)", "key=lambda token: -counts[token]",
           "test_build_vocab", "broken alphabetically"),
    Mutant(A, "special tokens missing", "build_vocab",
           "return SPECIALS + kept", "return kept", "test_build_vocab", "start with the special tokens"),
    Mutant(A, "<UNK> not used: unknown tokens dropped", "encode",
           "[stoi.get(token, stoi[UNK]) for token in tokens]", "[stoi[token] for token in tokens if token in stoi]",
           "test_encode", "unknown tokens were dropped"),
    Mutant(A, "<UNK> not used: KeyError", "encode",
           "stoi.get(token, stoi[UNK])", "stoi[token]", "test_encode", "must be encoded as <UNK>"),
    Mutant(A, "<EOS> not appended", "encode",
           "ids.append(stoi[EOS])", "pass", "test_encode", "<EOS> was not appended"),
    Mutant(A, "decode does not stop at <EOS>", "decode",
           "if token == EOS:\n            break", "if token == EOS:\n            pass", "test_decode",
           "stops at <EOS>"),
    Mutant(A, "one-hot off by one", "one_hot",
           "dtype=dtype)[ids]", "dtype=dtype)[ids - 1]", "test_one_hot", "off by one"),
    Mutant(A, "negative ids wrap around", "one_hot",
           "if ids.size and (ids.min() < 0 or ids.max() >= num_classes):", "if False:",
           "test_one_hot", "must raise ValueError"),
]


PAD, UNK, EOS = "<PAD>", "<UNK>", "<EOS>"
SPECIALS = [PAD, UNK, EOS]


def _counts(sentences):
    counts = {}
    for sentence in sentences:
        for token in sentence:
            counts[token] = counts.get(token, 0) + 1
    return counts


# ================================================================== 02 build_vocab
F = "build_vocab"


@mistake(F, "min_freq exclusive", "min_freq is inclusive")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    kept = [t for t, c in counts.items() if c > min_freq]
    return SPECIALS + sorted(kept, key=lambda t: (-counts[t], t))


@mistake(F, "ties by first occurrence (most_common)", "not by first occurrence")
def _(sentences, min_freq=1):
    from collections import Counter
    counts = Counter(t for s in sentences for t in s)
    return SPECIALS + [t for t, c in counts.most_common() if c >= min_freq]


@mistake(F, "ties in reverse alphabetical order", "not in reverse")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    kept = [t for t, c in counts.items() if c >= min_freq]
    return SPECIALS + sorted(kept, key=lambda t: (counts[t], t), reverse=True)


@mistake(F, "special tokens missing", "start with the special tokens")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    return sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))


@mistake(F, "special tokens at the end", "start with the special tokens")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    return sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t)) + SPECIALS


@mistake(F, "sorted alphabetically only", "sorted by decreasing count")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    return SPECIALS + sorted(t for t, c in counts.items() if c >= min_freq)


@mistake(F, "lower-cased tokens", "do not lower-case them")
def _(sentences, min_freq=1):
    counts = _counts([[t.lower() for t in s] for s in sentences])
    kept = [t for t, c in counts.items() if c >= min_freq]
    return SPECIALS + sorted(kept, key=lambda t: (-counts[t], t))


@mistake(F, "min_freq ignored", "fewer than min_freq times must be left out")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    return SPECIALS + sorted(counts, key=lambda t: (-counts[t], t))


@mistake(F, "sentences counted, not occurrences", "not the number of sentences")
def _(sentences, min_freq=1):
    counts = _counts([set(s) for s in sentences])
    kept = [t for t, c in counts.items() if c >= min_freq]
    return SPECIALS + sorted(kept, key=lambda t: (-counts[t], t))


@mistake(F, "stoi returned instead of itos", "not the dict stoi")
def _(sentences, min_freq=1):
    counts = _counts(sentences)
    kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    return {t: k for k, t in enumerate(SPECIALS + kept)}


# ======================================================================= 02 encode
F = "encode"


@mistake(F, "unknown tokens dropped", "unknown tokens were dropped")
def _(tokens, stoi, add_eos=False):
    ids = [stoi[t] for t in tokens if t in stoi]
    return np.array(ids + [stoi[EOS]] * add_eos, dtype=np.int64)


@mistake(F, "unknown tokens: KeyError", "must be encoded as <UNK>")
def _(tokens, stoi, add_eos=False):
    ids = [stoi[t] for t in tokens]
    return np.array(ids + [stoi[EOS]] * add_eos, dtype=np.int64)


@mistake(F, "unknown tokens as 0", "not of <PAD>")
def _(tokens, stoi, add_eos=False):
    ids = [stoi.get(t, 0) for t in tokens]
    return np.array(ids + [stoi[EOS]] * add_eos, dtype=np.int64)


@mistake(F, "lower-cased lookup", "do not lower-case them")
def _(tokens, stoi, add_eos=False):
    ids = [stoi.get(t.lower(), stoi[UNK]) for t in tokens]
    return np.array(ids + [stoi[EOS]] * add_eos, dtype=np.int64)


@mistake(F, "<EOS> never appended", "<EOS> was not appended")
def _(tokens, stoi, add_eos=False):
    return np.array([stoi.get(t, stoi[UNK]) for t in tokens], dtype=np.int64)


@mistake(F, "<EOS> always appended", "although add_eos is False")
def _(tokens, stoi, add_eos=False):
    return np.array([stoi.get(t, stoi[UNK]) for t in tokens] + [stoi[EOS]], dtype=np.int64)


@mistake(F, "<EOS> at the start", "not the start")
def _(tokens, stoi, add_eos=False):
    return np.array([stoi[EOS]] * add_eos + [stoi.get(t, stoi[UNK]) for t in tokens], dtype=np.int64)


@mistake(F, "a list returned", "expected a numpy array")
def _(tokens, stoi, add_eos=False):
    return [stoi.get(t, stoi[UNK]) for t in tokens] + [stoi[EOS]] * add_eos


@mistake(F, "float ids", "expected dtype integer")
def _(tokens, stoi, add_eos=False):
    return np.array([stoi.get(t, stoi[UNK]) for t in tokens] + [stoi[EOS]] * add_eos, dtype=float)


@mistake(F, "no dtype: no tokens give a float array", "np.array([]) of no tokens is float64", visible=False)
def _(tokens, stoi, add_eos=False):
    return np.array([stoi.get(t, stoi[UNK]) for t in tokens] + [stoi[EOS]] * add_eos)


@mistake(F, "<EOS> appended to the caller's tokens", "changed its argument tokens")
def _(tokens, stoi, add_eos=False):
    if add_eos:
        tokens.append(EOS)
    return np.array([stoi.get(t, stoi[UNK]) for t in tokens], dtype=np.int64)


# ======================================================================= 02 decode
F = "decode"


@mistake(F, "<EOS> skipped, not a stop", "the tokens after it are not returned")
def _(ids, itos):
    return [itos[k] for k in ids if itos[k] not in (PAD, EOS)]


@mistake(F, "<EOS> returned", "which is not returned")
def _(ids, itos):
    out = []
    for k in ids:
        if itos[k] != PAD:
            out.append(itos[k])
        if itos[k] == EOS:
            break
    return out


@mistake(F, "<PAD> kept", "<PAD> tokens must be dropped")
def _(ids, itos):
    out = []
    for k in ids:
        if itos[k] == EOS:
            break
        out.append(itos[k])
    return out


@mistake(F, "<UNK> dropped with the other specials", "<UNK> is kept")
def _(ids, itos):
    out = []
    for k in ids:
        if itos[k] == EOS:
            break
        if itos[k] not in SPECIALS:
            out.append(itos[k])
    return out


@mistake(F, "ids read as 1-based", "off by one")
def _(ids, itos):
    out = []
    for k in ids:
        token = itos[k - 1]
        if token == EOS:
            break
        if token != PAD:
            out.append(token)
    return out


@mistake(F, "one string returned", "not one string")
def _(ids, itos):
    out = []
    for k in ids:
        if itos[k] == EOS:
            break
        if itos[k] != PAD:
            out.append(itos[k])
    return " ".join(out)


@mistake(F, "assumes an <EOS> is always there", "hold no <EOS>")
def _(ids, itos):
    ids = list(ids)
    return [itos[k] for k in ids[: ids.index(2)] if k != 0]


# ====================================================================== 02 one_hot
F = "one_hot"


@mistake(F, "ids - 1", "off by one")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    return np.eye(num_classes, dtype=dtype)[ids - 1]


@mistake(F, "negative ids wrap around", "numpy reads a negative id")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and ids.max() >= num_classes:
        raise ValueError("out of range")
    return np.eye(num_classes, dtype=dtype)[ids]


@mistake(F, "no range check (numpy's IndexError)", "raise ValueError")
def _(ids, num_classes, dtype=np.float64):
    return np.eye(num_classes, dtype=dtype)[np.asarray(ids)]


@mistake(F, "V = ids.max() + 1", "not ids.max() + 1")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    return np.eye(ids.max() + 1, dtype=dtype)[ids]


@mistake(F, "class axis first", "the class axis comes last")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    return np.moveaxis(np.eye(num_classes, dtype=dtype)[ids], -1, 0)


@mistake(F, "integer one-hot vectors", "expected dtype float")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    return (ids[..., None] == np.arange(num_classes)).astype(int)


@mistake(F, "written for a 1-d list of ids only", "ids may have any shape")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    out = np.zeros((len(ids), num_classes), dtype=dtype)
    out[np.arange(len(ids)), ids] = 1
    return out


@mistake(F, "dtype argument ignored", "the dtype argument")
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError("out of range")
    return np.eye(num_classes)[ids]


@mistake(F, "empty ids not handled", "ids may be empty", visible=False)
def _(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if ids.min() < 0 or ids.max() >= num_classes:
        raise ValueError("out of range")
    return np.eye(num_classes, dtype=dtype)[ids]
