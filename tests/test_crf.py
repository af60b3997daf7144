"""rnncourse.crf against brute-force enumeration and against a PyTorch twin with autograd (float64)."""
import itertools

import numpy as np
import pytest
import torch

from rnncourse import crf


def torch_log_partition(E, lengths, A, s, e):
    """Independent twin: the forward algorithm with torch.logsumexp, one example at a time."""
    out = []
    for i in range(E.shape[1]):
        alpha = s + E[0, i]
        for t in range(1, int(lengths[i])):
            alpha = E[t, i] + torch.logsumexp(alpha[:, None] + A, dim=0)  # A[from, to]: sum over rows
        out.append(torch.logsumexp(alpha + e, dim=0))
    return torch.stack(out)


def enumerate_scores(E, L, A, s, e, i):
    """Every path of example i and its score, written independently of crf_brute_force."""
    K = E.shape[2]
    out = {}
    for path in itertools.product(range(K), repeat=int(L[i])):
        sc = s[path[0]] + e[path[-1]]
        for t, k in enumerate(path):
            sc += E[t, i, k] + (A[path[t - 1], k] if t else 0.0)
        out[path] = sc
    return out


def random_case(rng, K=None, T=None):
    T = int(rng.integers(1, 5)) if T is None else T
    N, K = int(rng.integers(1, 4)), (int(rng.integers(1, 4)) if K is None else K)
    L = rng.integers(1, T + 1, size=N)
    E = rng.normal(size=(T, N, K))
    return E, L, rng.normal(size=(K, K)), rng.normal(size=K), rng.normal(size=K)


@pytest.mark.parametrize("seed", range(10))
def test_log_partition_and_viterbi_equal_enumeration(seed):
    rng = np.random.default_rng(seed)
    E, L, A, s, e = random_case(rng)
    logZ = crf.crf_log_partition(E, L, A, s, e)
    tags, best = crf.crf_viterbi(E, L, A, s, e)
    for i in range(E.shape[1]):
        scores = enumerate_scores(E, L, A, s, e, i)
        vals = np.array(list(scores.values()))
        np.testing.assert_allclose(logZ[i], np.log(np.exp(vals).sum()), rtol=1e-12)
        argbest = max(scores, key=scores.get)
        assert tuple(tags[:L[i], i]) == argbest and (tags[L[i]:, i] == -1).all()
        np.testing.assert_allclose(best[i], scores[argbest], rtol=1e-12)
    bz, btags, bbest = crf.crf_brute_force(E, L, A, s, e)
    np.testing.assert_allclose(bz, logZ, rtol=1e-12)
    assert (btags == tags).all()
    np.testing.assert_allclose(crf.crf_path_score(E, tags, L, A, s, e), best, rtol=1e-12)


def test_path_score_equals_enumeration_on_every_path():
    rng = np.random.default_rng(5)
    E, L, A, s, e = random_case(rng, K=3, T=3)
    for i in range(E.shape[1]):
        for path, sc in enumerate_scores(E, L, A, s, e, i).items():
            tags = np.full(E.shape[:2], -1)
            tags[:, :] = 0
            tags[:len(path), i] = path
            np.testing.assert_allclose(crf.crf_path_score(E, tags, L, A, s, e)[i], sc, rtol=1e-12)


def test_transitions_are_indexed_from_to():
    # one allowed move, 0 -> 1, everything else forbidden: the only path of length 2 is (0, 1)
    A = np.array([[-1e4, 0.0], [-1e4, -1e4]])
    tags, _ = crf.crf_viterbi(np.zeros((2, 1, 2)), [2], A, np.zeros(2), np.zeros(2))
    assert tags[:, 0].tolist() == [0, 1]


@pytest.mark.parametrize("seed", range(8))
def test_log_partition_and_gradients_equal_pytorch_autograd(seed):
    rng = np.random.default_rng(100 + seed)
    E, L, A, s, e = random_case(rng, T=int(rng.integers(1, 8)))
    tE, tA, ts, te = (torch.tensor(v, requires_grad=True) for v in (E, A, s, e))
    tz = torch_log_partition(tE, L, tA, ts, te)
    tz.sum().backward()
    np.testing.assert_allclose(crf.crf_log_partition(E, L, A, s, e), tz.detach().numpy(), rtol=1e-12)
    g = crf.crf_log_partition_grad(E, L, A, s, e)
    for name, tv in (("demissions", tE), ("dtransitions", tA), ("dstart", ts), ("dstop", te)):
        want = np.zeros_like(tv.detach().numpy()) if tv.grad is None else tv.grad.numpy()  # unused: no grad
        np.testing.assert_allclose(g[name], want, rtol=1e-9, atol=1e-12, err_msg=name)


def test_nll_is_non_negative_and_large_scores_do_not_overflow():
    rng = np.random.default_rng(7)
    E, L, A, s, e = random_case(rng, K=3, T=4)
    E = E * 1000  # exp(1000) overflows: the logsumexp must subtract its max
    logZ = crf.crf_log_partition(E, L, A, s, e)
    assert np.isfinite(logZ).all()
    tags, best = crf.crf_viterbi(E, L, A, s, e)
    nll = crf.crf_nll(E, tags, L, A, s, e)
    assert (nll >= -1e-9).all()


def test_one_tag_has_a_single_path():
    E = np.random.default_rng(2).normal(size=(3, 2, 1))
    L = np.array([3, 1])
    A, s, e = np.array([[0.5]]), np.array([0.1]), np.array([-0.2])
    logZ = crf.crf_log_partition(E, L, A, s, e)
    tags, best = crf.crf_viterbi(E, L, A, s, e)
    np.testing.assert_allclose(logZ, best)
    np.testing.assert_allclose(logZ[1], E[0, 1, 0] + 0.1 - 0.2)


@pytest.mark.parametrize("call, fragment", [
    (lambda: crf.crf_log_partition(np.zeros((3, 2, 2)), [1, 4], np.zeros((2, 2)), np.zeros(2), np.zeros(2)),
     "lengths: expected values < 4"),
    (lambda: crf.crf_log_partition(np.zeros((3, 2, 2)), [1, 1], np.zeros((3, 3)), np.zeros(2), np.zeros(2)),
     "transitions: expected shape (K, K) indexed [from, to] = (2, 2)"),
    (lambda: crf.crf_log_partition(np.zeros((3, 2, 2)), [1, 1], np.zeros((2, 2)), np.zeros(3), np.zeros(2)),
     "start: expected shape"),
    (lambda: crf.crf_log_partition(np.zeros((3, 2)), [1, 1], np.zeros((2, 2)), np.zeros(2), np.zeros(2)),
     "emissions: expected a 3-d array"),
    (lambda: crf.crf_path_score(np.zeros((2, 1, 2)), [[0], [2]], [2], np.zeros((2, 2)), np.zeros(2), np.zeros(2)),
     "tags: expected tags in [0, 2)"),
    (lambda: crf.crf_viterbi(np.zeros((2, 1, 2)), [1.5], np.zeros((2, 2)), np.zeros(2), np.zeros(2)),
     "lengths: expected an integer array"),
])
def test_bad_input_names_the_argument(call, fragment):
    with pytest.raises(ValueError) as exc:
        call()
    assert fragment in str(exc.value)


def test_padding_tags_are_ignored():
    rng = np.random.default_rng(9)
    E, L, A, s, e = random_case(rng, K=2, T=3)
    L[:] = 1
    tags = np.zeros((3, E.shape[1]), dtype=int)
    other = tags.copy()
    other[1:] = 1
    np.testing.assert_allclose(crf.crf_path_score(E, tags, L, A, s, e), crf.crf_path_score(E, other, L, A, s, e))
