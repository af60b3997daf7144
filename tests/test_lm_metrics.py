"""Chapter 6 metrics against PyTorch (float64)."""
import math

import numpy as np
import pytest
import torch

from lm_helpers import t64
from rnncourse.lm.metrics import bits_per_char, perplexity, sequence_log_prob, uniform_bpc


# --------------------------------------------------- probabilities, bits
@pytest.mark.parametrize("seed", range(4))
def test_sequence_log_prob_matches_torch(seed):
    rng = np.random.default_rng(seed)
    T, N, V = int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(2, 9))
    z, y = rng.normal(scale=3, size=(T, N, V)), rng.integers(0, V, size=(T, N))
    mask = rng.random((T, N)) < 0.7
    ref = torch.log_softmax(t64(z), -1).gather(-1, torch.as_tensor(y)[..., None])[..., 0]
    np.testing.assert_allclose(sequence_log_prob(z, y), ref.sum(0).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sequence_log_prob(z, y, mask), (ref * torch.as_tensor(mask)).sum(0).numpy(),
                               rtol=1e-12, atol=1e-12)
    assert sequence_log_prob(z, y).shape == (N,)


def test_perplexity_and_bits():
    assert perplexity(10 * math.log(7), 10) == pytest.approx(7)
    assert bits_per_char(5 * math.log(2) * 3, 5) == pytest.approx(3)
    assert uniform_bpc(106) == pytest.approx(math.log2(106))


@pytest.mark.parametrize("scale, T", [(1000.0, 3), (2.0, 3000)])
def test_sequence_log_prob_large_scores_and_long_sequences(scale, T):
    """No overflow for scores of size 1000, no underflow over thousands of steps (torch, float64)."""
    rng = np.random.default_rng(int(scale) + T)
    z, y = rng.normal(scale=scale, size=(T, 2, 30)), rng.integers(0, 30, size=(T, 2))
    ref = torch.log_softmax(t64(z), -1).gather(-1, torch.as_tensor(y)[..., None])[..., 0].sum(0).numpy()
    got = sequence_log_prob(z, y)
    assert np.isfinite(got).all() and ref.max() < -500  # a product of probabilities would be 0 here
    np.testing.assert_allclose(got, ref, rtol=1e-12)
