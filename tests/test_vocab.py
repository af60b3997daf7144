"""Chapter 2 reference: tokenisation, Vocabulary, one-hot (compared with PyTorch)."""
import inspect

import numpy as np
import pytest
import torch

from rnncourse.corpus import python_docs_sentences, python_docs_text
from rnncourse.vocab import EOS, PAD, UNK, Vocabulary, one_hot, tokenize_chars, tokenize_words


def test_tokenize_words():
    assert tokenize_words("Harry Potter, don't!") == ["harry", "potter", ",", "don't", "!"]
    assert tokenize_words("A_b 3.5", lower=False) == ["A", "_", "b", "3", ".", "5"]
    assert tokenize_chars("ab c") == ["a", "b", " ", "c"]


def test_build_order_specials_counts_and_ties():
    v = Vocabulary.build([["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]])
    assert v.itos == [PAD, UNK, EOS, "cat", "sat", "the", "a", "dog", "ran"]
    assert (v.pad_id, v.unk_id, v.eos_id) == (0, 1, 2)
    assert [v.stoi[t] for t in v.itos] == list(range(len(v)))
    assert Vocabulary.build([["b", "a", "b", "a", "c"]], min_freq=2).itos[3:] == ["a", "b"]
    assert Vocabulary.build(list("aaabbc"), max_size=4).itos == [PAD, UNK, EOS, "a"]


def test_encode_decode_round_trip_on_real_text():
    sents = [tokenize_words(s) for s in python_docs_sentences()]
    train, held = sents[:1000], sents[1000:]
    v = Vocabulary.build(train, min_freq=2)
    for s in held[:50]:
        ids = v.encode(s, add_eos=True)
        assert ids.dtype == np.int64 and ids[-1] == v.eos_id
        back = v.decode(ids, stop_at_eos=True)
        assert back == [t if t in v else UNK for t in s]
    # every training token seen twice or more survives the round trip
    assert UNK not in v.decode(v.encode([t for t, c in v.counts.items() if c >= 2]))


def test_decode_strip_and_stop():
    v = Vocabulary.build([["x", "y"]])
    ids = np.array([3, 0, 4, 2, 3])
    assert v.decode(ids) == ["x", PAD, "y", EOS, "x"]
    assert v.decode(ids, strip_special=True) == ["x", "y", "x"]
    assert v.decode(ids, stop_at_eos=True) == ["x", PAD, "y"]


def test_char_vocabulary_has_no_unknowns():
    text = python_docs_text(["assert", "assignment"])
    v = Vocabulary.from_chars(text)
    assert UNK not in v.decode(v.encode(tokenize_chars(text)))


@pytest.mark.parametrize("seed", range(15))
def test_one_hot_matches_torch(seed):
    rng = np.random.default_rng(seed)
    V = int(rng.integers(1, 20))
    shape = tuple(int(s) for s in rng.integers(1, 5, size=int(rng.integers(0, 4))))
    ids = rng.integers(0, V, size=shape)
    expected = torch.nn.functional.one_hot(torch.from_numpy(ids), V).numpy()
    got = one_hot(ids, V)
    assert got.shape == shape + (V,) and got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("call, fragment", [
    (lambda: one_hot(np.array([0, -1]), 3), "ids: expected values >= 0, got -1 at index (1,)"),
    (lambda: one_hot(np.array([0, 3]), 3), "ids: expected values < 3, got 3 at index (1,)"),
    (lambda: one_hot(np.array([0.0, 1.0]), 3), "ids: expected an integer array"),
    (lambda: one_hot(np.array([0]), 0), "num_classes: expected an integer >= 1, got 0"),
    (lambda: Vocabulary.build("some text"), "tokens: expected a list of tokens, got a str"),
    (lambda: Vocabulary.build([["a", "<UNK>"]]), "expected no special tokens"),
    (lambda: Vocabulary.build([["a"]], min_freq=0), "min_freq: expected an integer >= 1, got 0"),
    (lambda: Vocabulary.build([["a"]], max_size=2), "max_size: expected >= 3"),
    (lambda: Vocabulary(["a", "b", "c"]), "itos: expected to start with"),
    (lambda: Vocabulary.build([["a"]]).decode(np.array([7])), "ids: expected values < 4, got 7"),
    (lambda: tokenize_words(3), "text: expected str, got int"),
])
def test_errors(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


# ------------------------------------------------ assignment 02: one contract, honest alternatives
from alternatives import keeps_full_marks, one_contract  # noqa: E402
from rnncourse import vocab  # noqa: E402
from rnncourse.checks import ch02  # noqa: E402
from rnncourse.checks._core import cases_for  # noqa: E402

GRADED_02 = ("build_vocab", "encode", "decode", "one_hot")


@pytest.mark.parametrize("name", GRADED_02)
def test_assignment_02_and_the_package_have_one_contract(name):
    one_contract("02-vocabulary", name)


@pytest.mark.parametrize("name", GRADED_02)
def test_a_correct_alternative_keeps_full_marks_02(name):
    keeps_full_marks(name)


def test_the_vocabulary_methods_are_the_graded_functions():
    v = Vocabulary.build([["the", "cat", "The"], ["cat"]])
    tokens = ["the", "dog", "The"]
    assert inspect.signature(Vocabulary.encode).parameters["add_eos"].default is False
    assert inspect.signature(vocab.encode).parameters["add_eos"].default is False
    for eos in (False, True):
        np.testing.assert_array_equal(v.encode(tokens, add_eos=eos), vocab.encode(tokens, v.stoi, add_eos=eos))
    assert vocab.build_vocab([["the", "cat", "The"], ["cat"]]) == v.itos == [PAD, UNK, EOS, "cat", "The", "the"]
    ids = np.array([3, 1, 0, 2, 4])
    assert vocab.decode(ids, v.itos) == v.decode(ids, strip_special=True, stop_at_eos=True) == ["cat", UNK]


@pytest.mark.parametrize("seed", (None, 0, 1, 2, 3))
def test_the_checks_wrong_variants_with_every_mistake_off_equal_the_reference(seed):
    for case in cases_for("build_vocab", seed):
        assert ch02.bv_variant(**case.args) == vocab.build_vocab(**case.args)
    for case in cases_for("encode", seed):
        np.testing.assert_array_equal(ch02.enc_variant(**case.args), vocab.encode(**case.args))
    for case in cases_for("decode", seed):
        assert ch02.dec_variant(**case.args) == vocab.decode(**case.args)


def test_each_mistake_switch_of_a_variant_changes_some_answer():
    """A switch that never changes the answer could never be diagnosed: each one does on some case."""
    changed = set()
    for seed in (None, 0, 1, 2, 3):
        for case in cases_for("build_vocab", seed):
            for text, switches in ch02.BV_MISTAKES:
                if any(ch02.bv_variant(**{**case.args, **sw}) != vocab.build_vocab(**case.args) for sw in switches):
                    changed.add(text)
        for case in cases_for("decode", seed):
            for text, sw in ch02.DEC_MISTAKES:
                if ch02.dec_variant(**case.args, **sw) != vocab.decode(**case.args):
                    changed.add(text)
    assert changed == {t for t, _ in ch02.BV_MISTAKES} | {t for t, _ in ch02.DEC_MISTAKES}
