"""rnncourse.attention against a PyTorch twin written here with autograd (float64, random sizes, padding)."""
import numpy as np
import pytest
import torch

from rnncourse import attention as att


def torch_attention(q, H, lengths, score, params):
    """Independent twin: scores, -inf on padding, torch.softmax over time, weighted sum."""
    T = H.shape[0]
    if score == "dot":
        e = (H * q[None]).sum(-1)
    else:
        e = torch.tanh(H @ params["Wh"].T + (q @ params["Wq"].T)[None] + params["b"]) @ params["v"]
    mask = torch.arange(T)[:, None] < torch.as_tensor(lengths)[None, :]
    w = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=0)
    return (w[:, :, None] * H).sum(0), w


def random_case(rng, score):
    T, N, d_h = int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    d_q = d_h if score == "dot" else int(rng.integers(1, 5))
    lengths = rng.integers(1, T + 1, size=N)
    H = rng.normal(size=(T, N, d_h))
    H[:, :, :] += np.where(np.arange(T)[:, None, None] >= lengths[None, :, None], 50.0, 0.0)  # loud padding
    q = rng.normal(size=(N, d_q))
    params = att.init_additive_params(d_h, d_q, int(rng.integers(1, 5)), rng) if score == "additive" else None
    if params is not None:
        params["b"] = rng.normal(size=params["b"].shape)  # non-zero bias
    return q, H, lengths, params


@pytest.mark.parametrize("score", att.SCORES)
@pytest.mark.parametrize("seed", range(8))
def test_forward_and_backward_equal_pytorch(score, seed):
    rng = np.random.default_rng(seed)
    q, H, lengths, params = random_case(rng, score)
    context, weights, cache = att.attention_forward(q, H, lengths, score=score, params=params)
    dc, dw = rng.normal(size=context.shape), rng.normal(size=weights.shape)
    grads = att.attention_backward(dc, cache, dweights=dw)

    tq, tH = torch.tensor(q, requires_grad=True), torch.tensor(H, requires_grad=True)
    tp = None if params is None else {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tc, tw = torch_attention(tq, tH, lengths, score, tp)
    ((tc * torch.tensor(dc)).sum() + (tw * torch.tensor(dw)).sum()).backward()
    np.testing.assert_allclose(context, tc.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights, tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads["dq"], tq.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(grads["dH"], tH.grad.numpy(), rtol=1e-9, atol=1e-11)
    if tp is not None:
        for k, v in tp.items():
            np.testing.assert_allclose(grads["d" + k], v.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_padding_gets_zero_weight_and_columns_sum_to_one():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(5, 4)) * 100  # large scores: no overflow
    lengths = np.array([1, 5, 3, 2])
    w = att.masked_softmax(scores, lengths)
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    assert (w[np.arange(5)[:, None] >= lengths[None]] == 0).all()


def test_context_is_a_weighted_sum_of_all_states_not_the_last_one():
    H = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[5.0, 5.0]]])  # the last step is padding
    ctx, w = att.masked_attention(np.array([[0.0, 0.0]]), H, [2])  # equal scores: the mean of the 2 real states
    np.testing.assert_allclose(ctx, [[0.5, 0.5]])
    np.testing.assert_allclose(w[:, 0], [0.5, 0.5, 0.0])


def test_finite_differences_additive():
    rng = np.random.default_rng(11)
    q, H, lengths, params = random_case(rng, "additive")
    dc = rng.normal(size=(H.shape[1], H.shape[2]))
    _, _, cache = att.attention_forward(q, H, lengths, "additive", params)
    g = att.attention_backward(dc, cache)

    def loss(Wq):
        return float((att.attention_forward(q, H, lengths, "additive", dict(params, Wq=Wq))[0] * dc).sum())
    num = np.zeros_like(params["Wq"])
    for idx in np.ndindex(num.shape):
        d = np.zeros_like(num)
        d[idx] = 1e-6
        num[idx] = (loss(params["Wq"] + d) - loss(params["Wq"] - d)) / 2e-6
    np.testing.assert_allclose(g["dWq"], num, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("call, fragment", [
    (lambda: att.masked_softmax(np.zeros((3, 2)), [1, 4]), "lengths: expected values < 4"),
    (lambda: att.masked_softmax(np.zeros((3, 2)), [0, 1]), "lengths: expected values >= 1"),
    (lambda: att.masked_softmax(np.zeros((3, 2)), [1, 1, 1]), "lengths: expected shape (N,) = (2,)"),
    (lambda: att.masked_softmax(np.zeros(3), [1]), "scores: expected a 2-d array"),
    (lambda: att.attention_forward(np.zeros((2, 3)), np.zeros((4, 2, 2)), [1, 1]), "d_q = d_h = 2"),
    (lambda: att.attention_forward(np.zeros((3, 2)), np.zeros((4, 2, 2)), [1, 1]), "q: expected shape (N, d_q)"),
    (lambda: att.attention_forward(np.zeros((2, 2)), np.zeros((4, 2)), [1, 1]), "H: expected a 3-d array"),
    (lambda: att.attention_forward(np.zeros((2, 2)), np.zeros((4, 2, 2)), [1, 1], score="cosine"), "score:"),
    (lambda: att.attention_forward(np.zeros((2, 2)), np.zeros((4, 2, 2)), [1, 1], score="additive"), "params"),
    (lambda: att.attention_backward(np.zeros((2, 2)), None), "cache: expected the AttentionCache"),
])
def test_bad_input_names_the_argument(call, fragment):
    with pytest.raises(ValueError) as exc:
        call()
    assert fragment in str(exc.value)
