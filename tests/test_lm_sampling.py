"""Chapter 6 sampling: distributions (chi-square), the draw protocol, generation."""
import numpy as np
import pytest
import torch

from lm_helpers import CHI2_999, EOS, UNK, TorchLM, chi_square, tiny_lm
from rnncourse.lm.sampling import sample, sample_from_probs
from rnncourse.losses import softmax


def test_chi_square_table():
    for df, x in CHI2_999.items():
        q = torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64), torch.tensor(x / 2, dtype=torch.float64))
        assert abs(float(q) - 1e-3) < 2e-6, df



# --------------------------------------------------------------- sampling
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_sample_from_probs_distribution(seed, temperature):
    rng = np.random.default_rng(seed)
    V = int(rng.integers(3, 8))
    z = rng.normal(scale=0.6, size=V)
    target = softmax(z / temperature)  # the temperature divides the scores
    draws = sample_from_probs(np.tile(softmax(z), (20000, 1)), np.random.default_rng(100 + seed), temperature)
    assert draws.shape == (20000,) and draws.dtype == np.int64
    stat, df = chi_square(np.bincount(draws, minlength=V), target)
    assert stat < CHI2_999[df]
    # a single distribution gives a scalar; the same seed gives the same draws
    one = sample_from_probs(softmax(z), np.random.default_rng(3))
    assert one.shape == () and one == sample_from_probs(softmax(z), np.random.default_rng(3))


def test_sample_from_probs_exclude_renormalises():
    rng = np.random.default_rng(11)
    p = softmax(rng.normal(size=6))
    p = np.r_[p[:1] * 0.5, [0.5], p[1:] * 0.5]  # id 1 (<UNK>) has half the mass
    draws = sample_from_probs(np.tile(p, (20000, 1)), rng, exclude=(UNK,))
    assert not (draws == UNK).any()
    q = p.copy()
    q[UNK] = 0
    stat, df = chi_square(np.bincount(draws, minlength=p.size), q / q.sum())
    assert stat < CHI2_999[df]
    assert (sample_from_probs(np.eye(4)[[2, 0, 3]], rng) == [2, 0, 3]).all()  # zero probabilities never drawn


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_sample_first_token_distribution(temperature):
    p = tiny_lm(1)
    prefix = [4, 3]
    z, _ = TorchLM(p)(np.array(prefix)[:, None], torch.zeros(1, 4, dtype=torch.float64))
    target = torch.softmax(z[-1, 0] / temperature, -1).detach().numpy()
    rng = np.random.default_rng(0)
    draws = [sample(p, rng, 1, temperature, start=prefix, stop_at_eos=False, resample_unk=False)[0]
             for _ in range(3000)]
    stat, df = chi_square(np.bincount(draws, minlength=6), target)
    assert stat < CHI2_999[df]


def test_sample_resamples_unk():
    p = tiny_lm(2, unk_bias=3.0)
    z, _ = TorchLM(p)(np.array([[EOS]]), torch.zeros(1, 4, dtype=torch.float64))
    probs = torch.softmax(z[0, 0], -1).detach().numpy()
    assert probs[UNK] > 0.5  # <UNK> would be drawn often
    rng = np.random.default_rng(5)
    draws = [sample(p, rng, 1, stop_at_eos=False)[0] for _ in range(3000)]
    assert UNK not in draws
    q = probs.copy()
    q[UNK] = 0
    q /= q.sum()
    stat, df = chi_square(np.bincount(draws, minlength=6), q)
    assert stat < CHI2_999[df]
    long = sample(p, np.random.default_rng(1), 200, stop_at_eos=False)
    assert len(long) == 200 and UNK not in long


def test_sample_reproducible_eos_and_greedy():
    p = tiny_lm(3, eos_bias=0.0)
    a = sample(p, np.random.default_rng(42), 50, stop_at_eos=False)
    assert a == sample(p, np.random.default_rng(42), 50, stop_at_eos=False)
    assert a != sample(p, np.random.default_rng(43), 50, stop_at_eos=False)
    assert all(isinstance(k, int) for k in a)
    # <EOS> stops and is not returned
    for seed in range(20):
        s = sample(p, np.random.default_rng(seed), 30)
        full = sample(p, np.random.default_rng(seed), 30, stop_at_eos=False)
        assert EOS not in s and full[:len(s)] == s
        assert len(s) == 30 or full[len(s)] == EOS
    q = tiny_lm(3, eos_bias=80.0)
    assert sample(q, np.random.default_rng(0), 10) == []
    # greedy: every generated id is the argmax of torch's scores given the previous ones
    g = sample(p, None, 12, greedy=True, stop_at_eos=False, resample_unk=False)
    z, _ = TorchLM(p)(np.array([EOS] + g[:-1])[:, None], torch.zeros(1, 4, dtype=torch.float64))
    assert g == z[:, 0].argmax(-1).tolist()
    assert g == sample(p, np.random.default_rng(0), 12, greedy=True, stop_at_eos=False, resample_unk=False)
