"""Chapter 3 reference: embedding forward/backward against torch.nn.Embedding (float64) and finite differences."""
import numpy as np
import pytest
import torch

from rnncourse.embedding import (EmbeddingCache, cooccurrence_counts, cosine_similarity, embedding_backward,
                                 embedding_forward, embedding_via_one_hot, most_similar, ppmi, svd_embeddings)
from rnncourse.gradcheck import numerical_gradient, relative_error


def random_problem(seed):
    rng = np.random.default_rng(seed)
    V, E = int(rng.integers(2, 12)), int(rng.integers(1, 7))
    T, N = int(rng.integers(1, 7)), int(rng.integers(1, 6))
    ids = rng.integers(0, V, size=(T, N))
    ids.flat[-1] = ids.flat[0]  # a repeated token in every problem
    return rng, V, E, ids, rng.normal(size=(V, E))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_forward_and_gradient_match_torch(seed, padding_idx):
    rng, V, E, ids, W = random_problem(seed)
    dout = rng.normal(size=ids.shape + (E,))
    out, cache = embedding_forward(ids, W, padding_idx=padding_idx)
    dW = embedding_backward(dout, cache)

    layer = torch.nn.Embedding(V, E, padding_idx=padding_idx, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W))  # same weights (padding row included, non-zero)
    t_out = layer(torch.from_numpy(ids))
    t_out.backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    np.testing.assert_allclose(dW, layer.weight.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gradient_matches_finite_differences(seed):
    rng, V, E, ids, W = random_problem(seed)
    dout = rng.normal(size=ids.shape + (E,))
    dW = embedding_backward(dout, embedding_forward(ids, W)[1])
    num = numerical_gradient(lambda: embedding_forward(ids, W)[0], W, dout)
    assert relative_error(dW, num) < 1e-8


def test_repeated_tokens_accumulate():
    ids = np.array([[3, 0], [1, 3]])
    dout = np.arange(1.0, 5.0)[:, None].repeat(3, axis=1).reshape(2, 2, 3)
    dW = embedding_backward(dout, EmbeddingCache(ids, 4))
    np.testing.assert_array_equal(dW[3], [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(dW[2], [0.0, 0.0, 0.0])


@pytest.mark.parametrize("seed", range(5))
def test_lookup_equals_one_hot_product(seed):
    _, _, _, ids, W = random_problem(seed)
    np.testing.assert_allclose(embedding_via_one_hot(ids, W), embedding_forward(ids, W)[0], rtol=0, atol=0)


@pytest.mark.parametrize("seed", range(10))
def test_cosine_matches_torch(seed):
    rng = np.random.default_rng(seed)
    E = int(rng.integers(1, 8))
    u, v = rng.normal(size=(3, E)), rng.normal(size=(5, E))
    expected = torch.nn.functional.cosine_similarity(torch.from_numpy(u)[:, None], torch.from_numpy(v)[None], dim=-1)
    np.testing.assert_allclose(cosine_similarity(u, v), expected.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cosine_similarity(u[0], v), expected.numpy()[0], rtol=1e-12, atol=1e-12)
    assert cosine_similarity(np.zeros(E), v).tolist() == [0.0] * 5


def test_most_similar_order_and_exclusions():
    W = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [0.7, 0.7], [2.0, 0.0]])
    ids, sims = most_similar(W, 0, k=3)
    assert ids.tolist() == [5, 1, 4] and sims[0] == pytest.approx(1.0)
    assert most_similar(W, 0, k=2, exclude=[5])[0].tolist() == [1, 4]


def test_ppmi_svd_on_a_tiny_corpus():
    # two "topics": 0 and 1 alternate, then 2 and 3 alternate; 0 never meets 3
    ids = np.array([0, 1] * 20 + [2, 3] * 20)
    C = cooccurrence_counts(ids, 4, window=1)
    np.testing.assert_array_equal(C, C.T)
    P = ppmi(C)
    assert P[0, 1] > 0 and P[0, 3] == 0 and (P >= 0).all()
    E = svd_embeddings(P, 2)
    assert E.shape == (4, 2)


@pytest.mark.parametrize("call, fragment", [
    (lambda: embedding_forward(np.array([0, 5]), np.zeros((5, 2))), "ids: expected values < 5, got 5"),
    (lambda: embedding_forward(np.array([0, -1]), np.zeros((5, 2))), "ids: expected values >= 0, got -1"),
    (lambda: embedding_forward(np.array([0]), np.zeros(5)), "W: expected a 2-d array, got shape (5,)"),
    (lambda: embedding_forward(np.array([0]), np.zeros((5, 2)), padding_idx=5), "padding_idx: expected < V = 5"),
    (lambda: embedding_backward(np.zeros((2, 3, 4)), EmbeddingCache(np.zeros((2, 2), int), 5)),
     "dout: expected shape S + (n_e,) = (2, 2, ?), got (2, 3, 4)"),
    (lambda: embedding_backward(np.zeros((2, 4)), (np.zeros(2, int), 5)), "cache: expected an EmbeddingCache"),
    (lambda: cosine_similarity(np.zeros(3), np.zeros((2, 4))), "v: expected last axis n_e = 3"),
    (lambda: most_similar(np.zeros((3, 2)), 0, k=3), "k: expected <= 2"),
])
def test_errors(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)


# ------------------------------------------------ assignment 03: one contract, honest alternatives
from alternatives import keeps_full_marks, one_contract  # noqa: E402

GRADED_03 = ("embedding_forward", "embedding_backward", "cosine_similarity", "most_similar")


@pytest.mark.parametrize("name", GRADED_03)
def test_assignment_03_and_the_package_have_one_contract(name):
    one_contract("03-embeddings", name)


@pytest.mark.parametrize("name", GRADED_03)
def test_a_correct_alternative_keeps_full_marks_03(name):
    keeps_full_marks(name)
