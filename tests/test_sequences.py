"""Chapter 1 reference: padding, masks, masked means, index notation (compared with PyTorch)."""
import numpy as np
import pytest
import torch

from rnncourse.sequences import lengths_to_mask, masked_mean, pad_sequences, token_at, unpad


def random_batch(rng, features=None):
    N = int(rng.integers(1, 7))
    lengths = rng.integers(0, 9, size=N)
    lengths[rng.integers(N)] = rng.integers(1, 9)
    shape = (lambda L: (L,)) if features is None else (lambda L: (L, features))
    return [rng.normal(size=shape(int(L))) for L in lengths]


@pytest.mark.parametrize("seed", range(20))
def test_pad_sequences_matches_torch(seed):
    rng = np.random.default_rng(seed)
    seqs = random_batch(rng, features=None if seed % 2 else int(rng.integers(1, 5)))
    pad = float(rng.normal())
    padded, lengths = pad_sequences(seqs, pad_value=pad)
    expected = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s) for s in seqs], padding_value=pad)
    np.testing.assert_array_equal(padded, expected.numpy())
    np.testing.assert_array_equal(lengths, [len(s) for s in seqs])
    for a, b in zip(unpad(padded, lengths), seqs):
        np.testing.assert_array_equal(a, b)


def test_pad_sequences_max_len_and_dtype():
    padded, lengths = pad_sequences([np.array([1, 2]), np.array([3])], pad_value=-1, max_len=4)
    assert padded.dtype.kind == "i" and padded.shape == (4, 2)
    np.testing.assert_array_equal(padded[:, 1], [3, -1, -1, -1])


@pytest.mark.parametrize("seed", range(10))
def test_mask_against_lengths(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 9, size=int(rng.integers(1, 8)))
    lengths[0] = max(1, lengths[0])
    T = int(lengths.max()) + int(rng.integers(0, 3))
    mask = lengths_to_mask(lengths, max_len=T)
    assert mask.dtype == np.bool_ and mask.shape == (T, len(lengths))
    np.testing.assert_array_equal(mask.sum(axis=0), lengths)
    # the mask agrees with torch's packed-sequence view: the real steps, in time-major order
    seqs = [torch.arange(1, int(L) + 1) for L in lengths if L > 0]
    padded = torch.nn.utils.rnn.pad_sequence(seqs, padding_value=0).numpy()
    np.testing.assert_array_equal(padded[:T] != 0, mask[: padded.shape[0], lengths > 0])


def test_masked_mean_ignores_padding_values():
    rng = np.random.default_rng(0)
    lengths = np.array([3, 1, 4])
    mask = lengths_to_mask(lengths)
    values = rng.normal(size=mask.shape)
    expected = np.concatenate([values[: L, i] for i, L in enumerate(lengths)]).mean()
    values[~mask] = np.nan  # anything in the padding must not matter, even NaN
    assert masked_mean(values, mask) == pytest.approx(expected, rel=1e-12)


def test_token_at_one_based_and_padding():
    padded, lengths = pad_sequences([np.array([5, 2, 7]), np.array([4]), np.array([9, 9])])
    assert token_at(padded, lengths, 1, 3) == 7
    assert token_at(padded, lengths, 3, 2) == 9
    for i, t in [(2, 2), (0, 1), (4, 1), (1, 0), (1, 4)]:
        with pytest.raises(IndexError):
            token_at(padded, lengths, i, t)


@pytest.mark.parametrize("call, fragment", [
    (lambda: pad_sequences([]), "sequences: expected at least one"),
    (lambda: pad_sequences(np.zeros((3, 2))), "sequences: expected a list"),
    (lambda: pad_sequences([np.zeros((2, 3)), np.zeros((2, 4))]), "sequences[1]: expected trailing shape (3,)"),
    (lambda: pad_sequences([np.zeros(3)], max_len=2), "max_len: expected >= the longest sequence (3), got 2"),
    (lambda: lengths_to_mask(np.array([1.5, 2])), "lengths: expected an integer array"),
    (lambda: lengths_to_mask(np.array([2, -1])), "lengths: expected values >= 0, got -1"),
    (lambda: lengths_to_mask(np.array([[1, 2]])), "lengths: expected a 1-d array, got shape (1, 2)"),
    (lambda: masked_mean(np.zeros((2, 3)), np.ones((3, 2), bool)), "mask: expected shape (T, N) = (2, 3), got (3, 2)"),
    (lambda: masked_mean(np.zeros((2, 3)), np.ones((2, 3))), "mask: expected a bool array"),
    (lambda: masked_mean(np.zeros((2, 3)), np.zeros((2, 3), bool)), "mask: expected at least one True"),
    (lambda: token_at(np.zeros((3, 2)), np.array([1, 2, 3]), 1, 1), "lengths: expected shape (N,) = (2,), got (3,)"),
])
def test_errors_name_argument_and_shapes(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


# ------------------------------------------------ assignment 01: one contract, honest alternatives
from alternatives import keeps_full_marks, one_contract  # noqa: E402

GRADED_01 = ("pad_sequences", "lengths_to_mask", "masked_mean", "token_at")


@pytest.mark.parametrize("name", GRADED_01)
def test_assignment_01_and_the_package_have_one_contract(name):
    one_contract("01-sequence-data", name)


@pytest.mark.parametrize("name", GRADED_01)
def test_a_correct_alternative_keeps_full_marks_01(name):
    keeps_full_marks(name)
