"""Shared by the tests of assignments 01-03 (test_sequences.py, test_vocab.py, test_embedding.py):

- correct solutions written differently from the reference, which must keep full marks (the checks must
  not punish another honest way: a list for a tuple, np.take, a one-hot product, ...);
- the exact form of "same name, same contract" for these assignments: the solution's function and the
  package's function of the same name have the same parameters and defaults (not only a prefix, as
  tests/test_links.py asks of every assignment) and return the same values on the worked examples.
"""
import dataclasses
import inspect
import itertools
from collections import Counter

import numpy as np

from rnncourse.checks import REGISTRY, check
from rnncourse.checks._core import call_arguments, cases_for
from rnncourse.embedding import EmbeddingCache
from test_links import package_twins, resolve, solution_function

SEEDS = (1201, 1202, 1203, 7, 8)


def pad_sequences(sequences, pad_value=0, max_len=None):
    T = max_len if max_len is not None else max(len(s) for s in sequences)
    dt = np.result_type(*sequences)
    cols = [np.concatenate([np.asarray(s, dtype=dt), np.full((T - len(s),) + np.shape(s)[1:], pad_value, dtype=dt)])
            for s in sequences]
    return np.stack(cols, axis=1), np.array([len(s) for s in sequences])
def lengths_to_mask(lengths, max_len=None):
    T = max_len or max(lengths)
    m = np.zeros((T, len(lengths)), dtype=bool)
    for i, L in enumerate(lengths): m[:L, i] = True
    return m
def masked_mean(values, mask): return values[mask].mean()
def token_at(padded, lengths, i, t):
    if i < 1 or i > len(lengths) or t < 1 or t > lengths[i - 1]: raise IndexError("no")
    return int(padded[t - 1][i - 1])
def build_vocab(sentences, min_freq=1):
    c = Counter(itertools.chain.from_iterable(sentences))
    kept = [t for t, n in c.most_common() if n >= min_freq]
    return ["<PAD>", "<UNK>", "<EOS>"] + sorted(kept, key=lambda t: (-c[t], t))
def encode(tokens, stoi, add_eos=False):
    ids = [stoi[t] if t in stoi else stoi["<UNK>"] for t in tokens]
    return np.asarray(ids + ([stoi["<EOS>"]] if add_eos else []), dtype=int)
def decode(ids, itos):
    return [itos[k] for k in itertools.takewhile(lambda k: itos[k] != "<EOS>", ids) if itos[k] != "<PAD>"]
def one_hot(ids, num_classes, dtype=np.float64):
    ids = np.asarray(ids)
    if np.any(ids < 0) or np.any(ids >= num_classes): raise ValueError("range")
    return (ids[..., None] == np.arange(num_classes)).astype(dtype)
def embedding_forward(ids, W, padding_idx=None):
    return np.take(W, ids, axis=0), EmbeddingCache(ids, W.shape[0], padding_idx, W.shape[-1])
def embedding_backward(dout, cache):
    V, E = cache.vocab_size, dout.shape[-1]
    O = (cache.ids.reshape(-1)[:, None] == np.arange(V)).astype(float)
    dW = O.T @ dout.reshape(-1, E)
    if cache.padding_idx is not None: dW[cache.padding_idx] = 0
    return dW
def cosine_similarity(u, v):
    return (v / np.linalg.norm(v, axis=1, keepdims=True)) @ (u / np.linalg.norm(u))
def most_similar(W, query, k=5, exclude=()):
    s = cosine_similarity(W[query], W)
    order = [j for j in np.lexsort((np.arange(len(W)), -s)) if j != query and j not in set(exclude)]
    ids = np.array(order[:k])
    return [ids, s[ids]]


ALTERNATIVES = {f.__name__: f for f in (
    pad_sequences, lengths_to_mask, masked_mean, token_at, build_vocab, encode, decode, one_hot,
    embedding_forward, embedding_backward, cosine_similarity, most_similar)}


def keeps_full_marks(name):
    """Grade the alternative solution of ``name`` on the worked examples and on hidden seeds."""
    check(name, ALTERNATIVES[name], quiet=True)
    for seed in SEEDS:
        check(name, ALTERNATIVES[name], seed=seed, quiet=True)


def _same(a, b):
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.shape == b.shape and (a.dtype.kind in "iu") == (b.dtype.kind in "iu")
        np.testing.assert_allclose(a, b, rtol=1e-12)
    else:
        np.testing.assert_equal(a, b)


def one_contract(assignment, name):
    """The solution's ``name`` and the package's twin: same parameters and defaults, same results."""
    twins = package_twins(name)
    assert twins, f"the package has no function {name}"
    theirs, ours = resolve(twins[0]), solution_function(assignment, name)
    sig = lambda f: [(p.name, p.default) for p in inspect.signature(f).parameters.values()]  # noqa: E731
    assert sig(ours) == sig(theirs), f"{name}{inspect.signature(ours)} vs {twins[0]}{inspect.signature(theirs)}"
    spec = REGISTRY[name]
    for case in cases_for(name, None):
        pos, kw = call_arguments(spec, case.args)
        try:
            want = ours(*pos, **kw)
        except Exception as exc:  # a worked example that asks for an error
            try:
                theirs(*pos, **kw)
            except type(exc):
                continue
            raise AssertionError(f"{case.label}: the solution raised {exc!r}, the package did not")
        _same(want, theirs(*pos, **kw))
