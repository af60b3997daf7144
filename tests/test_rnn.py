"""Chapters 4-5 reference: the Elman RNN against torch.nn.RNN / RNNCell (float64) and finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse.gradcheck import numerical_gradient, relative_error
from rnncourse.bridges import from_torch_rnn, to_torch_rnn
from rnncourse.losses import (clip_by_norm, clip_by_value, log_softmax, sigmoid, sigmoid_cross_entropy, softmax,
                              softmax_cross_entropy)
from rnncourse.architectures import jordan_forward, many_to_one_forward
from rnncourse.rnn import (OutputCache, RNNCache, RNNStepCache, init_rnn_params, output_backward, output_forward, rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward, stacked_weight)

GRADS = ("dx", "da0", "dWax", "dWaa", "dba")


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def sizes(seed, hi=7):
    """Random (T, N, n_x, n_a); seeds 0, 1, 2 force T = 1, N = 1 and both."""
    rng = np.random.default_rng(seed)
    T, N = int(rng.integers(1, hi)), int(rng.integers(1, 5))
    n_x, n_a = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    if seed in (0, 2):
        T = 1
    if seed in (1, 2):
        N = 1
    return rng, T, N, n_x, n_a


def random_torch_rnn(rng, n_x, n_a, nonlinearity):
    """A float64 nn.RNN whose four parameters (both biases included) are random and non-zero."""
    rnn = torch.nn.RNN(n_x, n_a, nonlinearity=nonlinearity, dtype=torch.float64)
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(torch.from_numpy(rng.normal(scale=0.6, size=tuple(p.shape))))
    return rnn


def torch_rnn_run(rnn, x, a0, da, da_last):
    """Forward + backward of nn.RNN with loss sum(out * da) + sum(h_n * da_last)."""
    for p in rnn.parameters():
        p.grad = None
    xt, h0 = t64(x, True), t64(a0[None], True)
    out, h_n = rnn(xt, h0)
    ((out * t64(da)).sum() + (h_n[0] * t64(da_last)).sum()).backward()
    grads = {"dx": xt.grad.numpy(), "da0": h0.grad[0].numpy(), "dWax": rnn.weight_ih_l0.grad.numpy(),
             "dWaa": rnn.weight_hh_l0.grad.numpy()}
    return out.detach().numpy(), h_n[0].detach().numpy(), grads


def assert_close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------ 1-2. vs torch.nn.RNN
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_forward_backward_match_torch(seed, activation):
    rng, T, N, n_x, n_a = sizes(seed)
    rnn = random_torch_rnn(rng, n_x, n_a, activation)
    p = from_torch_rnn(rnn)
    np.testing.assert_array_equal(p["ba"], (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy())
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))  # non-zero initial state
    da, da_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))

    a, cache = rnn_forward(x, a0, p["Wax"], p["Waa"], p["ba"], activation)
    g = rnn_backward(da, cache, da_last=da_last)
    out, h_n, tg = torch_rnn_run(rnn, x, a0, da, da_last)

    assert a.shape == (T, N, n_a) and isinstance(cache, RNNCache)
    assert_close(a, out)
    assert_close(a[-1], h_n)
    for k in ("dx", "da0", "dWax", "dWaa"):
        assert g[k].shape == tg[k].shape, k
        assert_close(g[k], tg[k])
    # ba feeds both torch biases identically: dba is each of their gradients
    assert_close(g["dba"], rnn.bias_ih_l0.grad.numpy())
    assert_close(g["dba"], rnn.bias_hh_l0.grad.numpy())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_to_torch_rnn_bias_split_does_not_matter(seed, activation):
    rng, T, N, n_x, n_a = sizes(seed)
    Wax, Waa, ba = rng.normal(scale=0.6, size=(n_a, n_x)), rng.normal(scale=0.6, size=(n_a, n_a)), rng.normal(size=n_a)
    bias_hh = rng.normal(size=n_a)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    da, da_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))
    a, cache = rnn_forward(x, a0, Wax, Waa, ba, activation)
    g = rnn_backward(da, cache, da_last=da_last)

    for split in (None, bias_hh):
        rnn = to_torch_rnn(Wax, Waa, ba, activation, bias_hh=split)
        assert rnn.nonlinearity == activation and rnn.weight_ih_l0.dtype == torch.float64
        expected_hh = np.zeros(n_a) if split is None else split
        assert_close(rnn.bias_hh_l0.detach().numpy(), expected_hh, rtol=0, atol=0)
        assert_close((rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy(), ba, rtol=1e-14, atol=1e-14)
        back = from_torch_rnn(rnn)
        np.testing.assert_array_equal(back["Wax"], Wax)
        np.testing.assert_array_equal(back["Waa"], Waa)
        assert_close(back["ba"], ba, rtol=1e-14, atol=1e-14)

        out, h_n, tg = torch_rnn_run(rnn, x, a0, da, da_last)
        assert_close(a, out)
        assert_close(a[-1], h_n)
        for k in ("dx", "da0", "dWax", "dWaa"):
            assert_close(g[k], tg[k])
        assert_close(g["dba"], rnn.bias_ih_l0.grad.numpy())
        assert_close(g["dba"], rnn.bias_hh_l0.grad.numpy())


def test_to_torch_rnn_accepts_any_strided_array():
    # reversed or transposed views are valid float arrays; they must convert like their copies
    rng = np.random.default_rng(3)
    Wax, Waa, ba = rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=4)
    for args in ((Wax[::-1], Waa, ba), (Wax, Waa.T, ba), (Wax, Waa, ba[::-1])):
        rnn = to_torch_rnn(*args)
        back = from_torch_rnn(rnn)
        np.testing.assert_array_equal(back["Wax"], args[0])
        np.testing.assert_array_equal(back["Waa"], args[1])
        assert_close(back["ba"], args[2], rtol=0, atol=0)


# ------------------------------------------------------------ 3. one step, finite differences
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_rnn_cell_matches_torch_cell(seed, activation):
    rng, _, N, n_x, n_a = sizes(seed)
    cell = torch.nn.RNNCell(n_x, n_a, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.from_numpy(rng.normal(scale=0.6, size=tuple(p.shape))))
    Wax, Waa = cell.weight_ih.detach().numpy().copy(), cell.weight_hh.detach().numpy().copy()
    ba = (cell.bias_ih + cell.bias_hh).detach().numpy()
    xt, a_prev, da_next = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))

    a_next, cache = rnn_cell_forward(xt, a_prev, Wax, Waa, ba, activation)
    g = rnn_cell_backward(da_next, cache)
    tx, th = t64(xt, True), t64(a_prev, True)
    out = cell(tx, th)
    out.backward(t64(da_next))

    assert isinstance(cache, RNNStepCache)
    assert_close(a_next, out.detach().numpy())
    assert_close(g["dxt"], tx.grad.numpy())
    assert_close(g["da_prev"], th.grad.numpy())
    assert_close(g["dWax"], cell.weight_ih.grad.numpy())
    assert_close(g["dWaa"], cell.weight_hh.grad.numpy())
    assert_close(g["dba"], cell.bias_ih.grad.numpy())
    assert_close(g["dba"], cell.bias_hh.grad.numpy())


def small_problem(seed, activation, T=None):
    """Small random problem; for relu, re-drawn until no pre-activation is within 1e-4 of the kink."""
    rng = np.random.default_rng(1000 + seed)
    T = int(rng.integers(1, 5)) if T is None else T
    N, n_x, n_a = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 5))
    for _ in range(100):
        x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
        Wax, Waa = rng.normal(scale=0.7, size=(n_a, n_x)), rng.normal(scale=0.7, size=(n_a, n_a))
        ba = rng.normal(size=n_a)
        _, cache = rnn_forward(x, a0, Wax, Waa, ba, activation)
        if activation != "relu" or np.abs(cache.z).min() > 1e-4:
            return rng, x, a0, Wax, Waa, ba
    raise AssertionError("could not draw a problem away from the relu kink")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
def test_rnn_cell_backward_matches_finite_differences(seed, activation):
    rng, x, a0, Wax, Waa, ba = small_problem(seed, activation, T=1)
    xt = x[0].copy()
    da_next = rng.normal(size=a0.shape)
    g = rnn_cell_backward(da_next, rnn_cell_forward(xt, a0, Wax, Waa, ba, activation)[1])
    f = lambda: rnn_cell_forward(xt, a0, Wax, Waa, ba, activation)[0]  # noqa: E731
    for name, var in (("dxt", xt), ("da_prev", a0), ("dWax", Wax), ("dWaa", Waa), ("dba", ba)):
        assert relative_error(g[name], numerical_gradient(f, var, da_next)) < 1e-7, name


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
def test_rnn_backward_matches_finite_differences(seed, activation):
    rng, x, a0, Wax, Waa, ba = small_problem(seed, activation)
    da, da_last = rng.normal(size=(x.shape[0],) + a0.shape), rng.normal(size=a0.shape)
    g = rnn_backward(da, rnn_forward(x, a0, Wax, Waa, ba, activation)[1], da_last=da_last)

    def f():  # loss = sum(a * da) + sum(a[-1] * da_last), as one flat output
        a = rnn_forward(x, a0, Wax, Waa, ba, activation)[0]
        return np.concatenate([a.ravel(), a[-1].ravel()])

    dout = np.concatenate([da.ravel(), da_last.ravel()])
    for name, var in zip(GRADS, (x, a0, Wax, Waa, ba)):
        assert g[name].shape == var.shape, name
        assert relative_error(g[name], numerical_gradient(f, var, dout)) < 1e-7, name


def test_relu_derivative_at_zero_is_zero_like_torch():
    # z = 0 exactly: torch's relu backward passes 0 there
    _, cache = rnn_cell_forward(np.zeros((1, 1)), np.zeros((1, 2)), np.ones((2, 1)), np.eye(2), np.zeros(2), "relu")
    assert rnn_cell_backward(np.ones((1, 2)), cache)["dba"].tolist() == [0.0, 0.0]


# ------------------------------------------------------------ 4. return_steps
def torch_hidden_states(x, a0, Wax, Waa, ba, activation):
    """Loop of torch ops; every h_t retains its (total) gradient."""
    g = torch.tanh if activation == "tanh" else torch.relu if activation == "relu" else (lambda z: z)
    Wax, Waa, ba = t64(Wax), t64(Waa), t64(ba)
    h, hs = t64(a0, True), []
    for t in range(x.shape[0]):
        h = g(t64(x[t]) @ Wax.T + h @ Waa.T + ba)
        h.retain_grad()
        hs.append(h)
    return hs


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
@pytest.mark.parametrize("last_only", [True, False])
def test_return_steps_is_total_gradient_of_each_state(seed, activation, last_only):
    rng, T, N, n_x, n_a = sizes(seed)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    Wax, Waa, ba = rng.normal(scale=0.6, size=(n_a, n_x)), rng.normal(scale=0.6, size=(n_a, n_a)), rng.normal(size=n_a)
    da = rng.normal(size=(T, N, n_a))
    if last_only:
        da[:-1] = 0.0  # a loss on the last step only
    g = rnn_backward(da, rnn_forward(x, a0, Wax, Waa, ba, activation)[1], return_steps=True)
    hs = torch_hidden_states(x, a0, Wax, Waa, ba, activation)
    sum((h * t64(d)).sum() for h, d in zip(hs, da)).backward()
    assert g["da_steps"].shape == (T, N, n_a)
    assert_close(g["da_steps"], np.stack([h.grad.numpy() for h in hs]))
    np.testing.assert_array_equal(g["da_steps"][-1], da[-1])  # nothing comes from the future of a^<T>
    assert "da_steps" not in rnn_backward(da, rnn_forward(x, a0, Wax, Waa, ba, activation)[1])


def test_return_steps_includes_da_last():
    rng = np.random.default_rng(7)
    x, a0 = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 3))
    Wax, Waa, ba = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=3)
    da, da_last = rng.normal(size=(3, 2, 3)), rng.normal(size=(2, 3))
    g = rnn_backward(da, rnn_forward(x, a0, Wax, Waa, ba)[1], da_last=da_last, return_steps=True)
    assert_close(g["da_steps"][-1], da[-1] + da_last, rtol=0, atol=0)


# ------------------------------------------------------------ 5. output layer and losses
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("lead", [(), (3,), (4, 2)])
def test_output_layer_matches_linear(seed, lead):
    rng = np.random.default_rng(seed)
    n_a, n_y = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    a, Wya, by = rng.normal(size=lead + (n_a,)), rng.normal(size=(n_y, n_a)), rng.normal(size=n_y)
    dz = rng.normal(size=lead + (n_y,))
    z, cache = output_forward(a, Wya, by)
    g = output_backward(dz, cache)
    lin = torch.nn.Linear(n_a, n_y, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(Wya))
        lin.bias.copy_(torch.from_numpy(by))
    ta = t64(a, True)
    tz = lin(ta)
    tz.backward(t64(dz))
    assert isinstance(cache, OutputCache) and z.shape == lead + (n_y,)
    assert_close(z, tz.detach().numpy())
    assert_close(g["da"], ta.grad.numpy())
    assert_close(g["dWya"], lin.weight.grad.numpy())
    assert_close(g["dby"], lin.bias.grad.numpy())


@pytest.mark.parametrize("seed", range(5))
def test_softmax_and_log_softmax_match_torch(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3, size=(3, 4, 5))
    z[0, 0] = [1000.0, -1000.0, 0.0, 999.0, 5.0]  # overflow in a naive exp
    for axis in (-1, 0, 1):
        assert_close(softmax(z, axis), torch.softmax(t64(z), axis).numpy(), rtol=1e-12, atol=1e-15)
        assert_close(log_softmax(z, axis), torch.log_softmax(t64(z), axis).numpy(), rtol=1e-12, atol=1e-12)
    assert np.isfinite(log_softmax(z)).all()
    zz = np.array([-800.0, -50.0, -1.0, 0.0, 1.0, 50.0, 800.0])
    assert_close(sigmoid(zz), torch.sigmoid(t64(zz)).numpy(), rtol=1e-14, atol=0)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("use_mask", [False, True])
def test_softmax_cross_entropy_matches_torch(seed, reduction, use_mask):
    rng = np.random.default_rng(seed)
    T, N, n_y = int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(2, 7))
    z, y = rng.normal(scale=2, size=(T, N, n_y)), rng.integers(0, n_y, size=(T, N))
    mask = rng.random((T, N)) < 0.6 if use_mask else np.ones((T, N), bool)
    mask.flat[0] = True  # at least one real step
    loss, dz = softmax_cross_entropy(z, y, mask if use_mask else None, reduction)

    tz = t64(z, True)
    keep = torch.from_numpy(mask.ravel())
    tl = F.cross_entropy(tz.reshape(-1, n_y)[keep], torch.from_numpy(y.ravel())[keep], reduction=reduction)
    tl.backward()
    assert isinstance(loss, float) and dz.shape == z.shape
    assert loss == pytest.approx(tl.item(), rel=1e-12, abs=1e-12)
    assert_close(dz, tz.grad.numpy())
    assert (dz[~mask] == 0).all()

    # one output per sequence: (N, n_y) scores, (N,) targets
    l2, dz2 = softmax_cross_entropy(z[0], y[0], reduction=reduction)
    tz2 = t64(z[0], True)
    tl2 = F.cross_entropy(tz2, torch.from_numpy(y[0]), reduction=reduction)
    tl2.backward()
    assert l2 == pytest.approx(tl2.item(), rel=1e-12, abs=1e-12)
    assert_close(dz2, tz2.grad.numpy())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("use_mask", [False, True])
def test_sigmoid_cross_entropy_matches_torch(seed, reduction, use_mask):
    rng = np.random.default_rng(seed)
    T, N = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    z, y = rng.normal(scale=3, size=(T, N)), rng.integers(0, 2, size=(T, N)).astype(float)
    z.flat[0], y.flat[0] = 50.0, 0.0  # very wrong and very confident: loss 50, still finite
    z.flat[-1] = -50.0
    mask = rng.random((T, N)) < 0.6 if use_mask else np.ones((T, N), bool)
    mask.flat[0] = True
    loss, dz = sigmoid_cross_entropy(z, y, mask if use_mask else None, reduction)

    tz = t64(z, True)
    keep = torch.from_numpy(mask)
    tl = F.binary_cross_entropy_with_logits(tz[keep], t64(y)[keep], reduction=reduction)
    tl.backward()
    assert np.isfinite(loss) and np.isfinite(dz).all()
    assert loss == pytest.approx(tl.item(), rel=1e-12, abs=1e-12)
    assert_close(dz, tz.grad.numpy())
    assert (dz[~mask] == 0).all()


def test_sigmoid_cross_entropy_extreme_logits():
    z = np.array([[50.0, -50.0, 50.0, -50.0, 800.0, -800.0]])
    y = np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 1.0]])
    loss, dz = sigmoid_cross_entropy(z, y, reduction="sum")
    assert loss == pytest.approx(50.0 + 50.0 + 800.0 + 800.0, rel=1e-12)
    assert_close(dz, [[0.0, 0.0, 1.0, -1.0, 1.0, -1.0]], rtol=0, atol=1e-20)


# ------------------------------------------------------------ 6. Jordan network
def torch_jordan(x, y0, Wax, Way, ba, Wya, by, activation, output):
    g = {"tanh": torch.tanh, "relu": torch.relu, "identity": lambda v: v}[activation]
    h = {"identity": lambda v: v, "sigmoid": torch.sigmoid, "softmax": lambda v: torch.softmax(v, -1)}[output]
    Wax, Way, ba, Wya, by = map(t64, (Wax, Way, ba, Wya, by))
    y_prev, ys, as_ = t64(y0), [], []
    for t in range(x.shape[0]):
        a = g(t64(x[t]) @ Wax.T + y_prev @ Way.T + ba)
        y_prev = h(a @ Wya.T + by)
        as_.append(a)
        ys.append(y_prev)
    return torch.stack(ys).numpy(), torch.stack(as_).numpy()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_jordan_matches_torch_loop(seed, activation, output):
    rng, T, N, n_x, n_a = sizes(seed)
    n_y = int(rng.integers(1, 5))
    x, y0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_y))  # non-zero y0
    Wax, Way, Wya = (rng.normal(scale=0.6, size=s) for s in ((n_a, n_x), (n_a, n_y), (n_y, n_a)))
    ba, by = rng.normal(size=n_a), rng.normal(size=n_y)
    y_hat, a = jordan_forward(x, y0, Wax, Way, ba, Wya, by, activation=activation, output=output)
    ty, ta = torch_jordan(x, y0, Wax, Way, ba, Wya, by, activation, output)
    assert y_hat.shape == (T, N, n_y) and a.shape == (T, N, n_a)
    assert_close(y_hat, ty)
    assert_close(a, ta)


# ------------------------------------------------------------ 7. many-to-one
@pytest.mark.parametrize("seed", range(8))
def test_many_to_one_ignores_padding_and_matches_torch(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    n_y = int(rng.integers(2, 5))
    p = init_rnn_params(n_x, n_a, n_y, rng)
    p["ba"] = rng.normal(size=n_a)
    lengths = rng.integers(1, T + 1, size=N)
    lengths[rng.integers(N)] = T
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    pad = np.arange(T)[:, None] >= lengths[None, :]
    x[pad] = 0.0
    garbage = x.copy()
    garbage[pad] = rng.normal(scale=1e3, size=(int(pad.sum()), n_x))
    args = (a0, p["Wax"], p["Waa"], p["ba"], p["Wya"], p["by"])
    probs = many_to_one_forward(x, lengths, *args)
    probs_g = many_to_one_forward(garbage, lengths, *args)
    assert probs.shape == (N, n_y)
    assert_close(probs_g, probs, rtol=1e-13, atol=1e-15)
    assert_close(probs.sum(axis=1), np.ones(N), rtol=1e-14, atol=0)

    for i, L in enumerate(lengths):  # each example alone, unpadded
        a_i, _ = rnn_forward(x[:L, i:i + 1], a0[i:i + 1], p["Wax"], p["Waa"], p["ba"])
        assert_close(probs[i], softmax(a_i[-1, 0] @ p["Wya"].T + p["by"]), rtol=1e-13, atol=1e-15)

    rnn = to_torch_rnn(p["Wax"], p["Waa"], p["ba"], bias_hh=rng.normal(size=n_a))
    packed = torch.nn.utils.rnn.pack_padded_sequence(t64(garbage), torch.from_numpy(lengths), enforce_sorted=False)
    with torch.no_grad():
        _, h_n = rnn(packed, t64(a0[None]))
        t_probs = torch.softmax(h_n[0] @ t64(p["Wya"]).T + t64(p["by"]), -1)
    assert_close(probs, t_probs.numpy())


# ------------------------------------------------------------ 8. clipping
def grads_and_params(seed, scale):
    rng = np.random.default_rng(seed)
    grads = {k: rng.normal(scale=scale, size=s) for k, s in
             (("dWax", (4, 3)), ("dWaa", (4, 4)), ("dba", (4,)), ("dWya", (2, 4)), ("dby", (2,)))}
    params = []
    for v in grads.values():
        p = torch.nn.Parameter(torch.zeros(v.shape, dtype=torch.float64))
        p.grad = torch.from_numpy(v.copy())
        params.append(p)
    return grads, params


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ratio", [0.3, 1.0, 1.0 + 1e-9, 2.5])
def test_clip_by_norm_matches_torch(seed, ratio):
    grads, params = grads_and_params(seed, 1.0)
    before = {k: v.copy() for k, v in grads.items()}
    norm = float(np.sqrt(sum((v ** 2).sum() for v in grads.values())))
    max_norm = ratio * norm  # below, at (eps still scales by norm / (norm + 1e-6)) and above the threshold
    clipped, got_norm = clip_by_norm(grads, max_norm)
    t_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert got_norm == pytest.approx(t_norm.item(), rel=1e-14, abs=0)
    for (k, v), p in zip(clipped.items(), params):
        assert_close(v, p.grad.numpy(), rtol=1e-14, atol=0)
        np.testing.assert_array_equal(grads[k], before[k])  # input not mutated
        assert v is not grads[k]
    assert list(clipped) == list(grads)


@pytest.mark.parametrize("max_norm", [1e-6, 2e-6, 1e-7])
def test_clip_by_norm_eps_dominates_tiny_gradients(max_norm):
    # norm = 1e-6 = eps: torch scales by max_norm / (norm + 1e-6), e.g. 1/2 when max_norm = norm
    grads = {"g": np.array([0.6e-6, 0.8e-6])}
    p = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    p.grad = torch.from_numpy(grads["g"].copy())
    clipped, norm = clip_by_norm(grads, max_norm)
    t_norm = torch.nn.utils.clip_grad_norm_([p], max_norm)
    assert norm == pytest.approx(t_norm.item(), rel=1e-14)
    assert_close(clipped["g"], p.grad.numpy(), rtol=1e-14, atol=0)
    assert_close(clipped["g"], grads["g"] * min(1.0, max_norm / (1e-6 + 1e-6)), rtol=1e-14, atol=0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_value", [0.1, 0.7, 100.0])
def test_clip_by_value_matches_torch(seed, max_value):
    grads, params = grads_and_params(seed, 1.0)
    before = {k: v.copy() for k, v in grads.items()}
    clipped = clip_by_value(grads, max_value)
    torch.nn.utils.clip_grad_value_(params, max_value)
    for (k, v), p in zip(clipped.items(), params):
        np.testing.assert_array_equal(v, p.grad.numpy())
        np.testing.assert_array_equal(grads[k], before[k])
    assert list(clipped) == list(grads)


# ------------------------------------------------------------ 9. note 003's all-ones example
def test_all_ones_example_of_note_003():
    W = np.ones((2, 2))
    x = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]])[:, None, :]  # (T=3, N=1, n_x=2)
    a, _ = rnn_forward(x, np.zeros((1, 2)), W, W, np.zeros(2), "identity")
    y, _ = output_forward(a, W, np.zeros(2))
    # a1 = [2,2] -> y [4,4]; a2 = [2,2] + [4,4] = [6,6] -> y [12,12]; a3 = [4,4] + [12,12] = [16,16] -> y [32,32]
    np.testing.assert_array_equal(a[:, 0], [[2, 2], [6, 6], [16, 16]])
    np.testing.assert_array_equal(y[:, 0], [[4, 4], [12, 12], [32, 32]])
    # order matters: [2,2] first gives a1 = [4,4] -> y [8,8]; a2 = [2,2] + [8,8] = [10,10] -> y [20,20];
    # a3 = [2,2] + [20,20] = [22,22] -> y [44,44]
    a_r, _ = rnn_forward(x[[2, 0, 1]], np.zeros((1, 2)), W, W, np.zeros(2), "identity")
    y_r, _ = output_forward(a_r, W, np.zeros(2))
    np.testing.assert_array_equal(y_r[:, 0], [[8, 8], [20, 20], [44, 44]])


# ------------------------------------------------------------ 10. stacked weight, init
@pytest.mark.parametrize("seed", range(5))
def test_stacked_weight(seed):
    rng = np.random.default_rng(seed)
    n_a, n_x = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    Waa, Wax = rng.normal(size=(n_a, n_a)), rng.normal(size=(n_a, n_x))
    a, x = rng.normal(size=n_a), rng.normal(size=n_x)
    Wa = stacked_weight(Waa, Wax)
    assert Wa.shape == (n_a, n_a + n_x)
    assert_close(Wa @ np.concatenate([a, x]), Waa @ a + Wax @ x, rtol=1e-13, atol=1e-13)


def test_init_rnn_params():
    p = init_rnn_params(3, 4, 2, np.random.default_rng(0))
    assert {k: v.shape for k, v in p.items()} == {"Wax": (4, 3), "Waa": (4, 4), "ba": (4,), "Wya": (2, 4),
                                                  "by": (2,)}
    assert all(np.abs(v).max() <= 0.5 for v in p.values())  # k = 1 / sqrt(4)
    q = init_rnn_params(3, 4, 2, np.random.default_rng(0), identity=True)
    np.testing.assert_array_equal(q["Waa"], np.eye(4))
    np.testing.assert_array_equal(q["ba"], np.zeros(4))
    assert np.abs(init_rnn_params(3, 4, 2, np.random.default_rng(0), scale=0.01)["Wax"]).max() <= 0.01


# ------------------------------------------------------------ 11. errors
_rng = np.random.default_rng(0)
X, A0 = _rng.normal(size=(5, 2, 3)), _rng.normal(size=(2, 4))
WAX, WAA, BA = _rng.normal(size=(4, 3)), _rng.normal(size=(4, 4)), _rng.normal(size=4)
_, CACHE = rnn_forward(X, A0, WAX, WAA, BA)
_, STEP = rnn_cell_forward(X[0], A0, WAX, WAA, BA)
_, OUT = output_forward(A0, np.zeros((2, 4)), np.zeros(2))


@pytest.mark.parametrize("call, fragment", [
    (lambda: rnn_forward(X[0], A0, WAX, WAA, BA), "x: expected a 3-d array, got shape (2, 3)"),
    (lambda: rnn_forward(X[..., :2], A0, WAX, WAA, BA), "x: expected shape (T, N, n_x) = (?, ?, 3), got (5, 2, 2)"),
    (lambda: rnn_forward(X, A0[:1], WAX, WAA, BA), "a0: expected shape (N, n_a) = (2, 4), got (1, 4)"),
    (lambda: rnn_forward(X, A0[0], WAX, WAA, BA), "a0: expected a 2-d array, got shape (4,)"),
    (lambda: rnn_forward(X, A0, WAX[0], WAA, BA), "Wax: expected a 2-d array, got shape (3,)"),
    (lambda: rnn_forward(X, A0, WAX, WAA[:, :3], BA), "Waa: expected shape (n_a, n_a) = (4, 4), got (4, 3)"),
    (lambda: rnn_forward(X, A0, WAX, WAA, BA[:3]), "ba: expected shape (n_a,) = (4,), got (3,)"),
    (lambda: rnn_forward(X, A0, WAX, WAA, BA, "sigmoid"),
     "activation: expected one of ('tanh', 'relu', 'identity'), got 'sigmoid'"),
    (lambda: rnn_forward(X.astype(str), A0, WAX, WAA, BA), "x: expected a numeric array"),
    (lambda: rnn_cell_forward(X[0, :, :2], A0, WAX, WAA, BA), "xt: expected shape (N, n_x) = (?, 3), got (2, 2)"),
    (lambda: rnn_cell_forward(X[0], A0[:1], WAX, WAA, BA), "a_prev: expected shape (N, n_a) = (2, 4), got (1, 4)"),
    (lambda: rnn_cell_forward(X[0], A0, WAX, WAA, BA, "Tanh"), "activation: expected one of"),
    (lambda: rnn_cell_backward(A0[:, :3], STEP), "da_next: expected shape (N, n_a) = (2, 4), got (2, 3)"),
    (lambda: rnn_cell_backward(A0, CACHE), "cache: expected an RNNStepCache, got RNNCache"),
    (lambda: rnn_backward(np.zeros((4, 2, 4)), CACHE), "da: expected shape (T, N, n_a) = (5, 2, 4), got (4, 2, 4)"),
    (lambda: rnn_backward(np.zeros((5, 2, 4)), CACHE, da_last=np.zeros((2, 3))),
     "da_last: expected shape (N, n_a) = (2, 4), got (2, 3)"),
    (lambda: rnn_backward(np.zeros((5, 2, 4)), STEP), "cache: expected an RNNCache, got RNNStepCache"),
    (lambda: rnn_backward(np.zeros((5, 2, 4)), (X, A0)), "cache: expected an RNNCache, got tuple"),
    (lambda: output_forward(A0[:, :3], np.zeros((2, 4)), np.zeros(2)), "a: expected last axis n_a = 4, got shape (2, 3)"),
    (lambda: output_forward(A0, np.zeros((2, 4)), np.zeros(3)), "by: expected shape (n_y,) = (2,), got (3,)"),
    (lambda: output_backward(np.zeros((2, 3)), OUT), "dz: expected shape (..., n_y) = (2, 2), got (2, 3)"),
    (lambda: output_backward(np.zeros((2, 2)), (A0, np.zeros((2, 4)))), "cache: expected an OutputCache, got tuple"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.full((3, 2), 4)), "y: expected values in [0, 4), got 4..4"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.full((3, 2), -1)), "y: expected values in [0, 4), got -1..-1"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.zeros((3, 2))), "y: expected an integer array, got dtype float64"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.zeros((2, 3), int)), "y: expected shape (T, N) = (3, 2), got (2, 3)"),
    (lambda: softmax_cross_entropy(np.zeros(4), np.zeros((), int)), "z: expected shape (T, N, n_y) or (N, n_y), got (4,)"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.zeros((3, 2), int), mask=np.ones((3, 2))),
     "mask: expected a bool array, got dtype float64"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.zeros((3, 2), int), mask=np.ones((2, 3), bool)),
     "mask: expected shape (T, N) = (3, 2), got (2, 3)"),
    (lambda: softmax_cross_entropy(np.zeros((3, 2, 4)), np.zeros((3, 2), int), reduction="none"),
     "reduction: expected 'sum' or 'mean', got 'none'"),
    (lambda: sigmoid_cross_entropy(np.zeros((3, 2)), np.zeros((2, 3))), "y: expected shape like z = (3, 2), got (2, 3)"),
    (lambda: sigmoid_cross_entropy(np.zeros((3, 2)), np.zeros((3, 2)), mask=np.ones((3, 2), int)),
     "mask: expected a bool array, got dtype int64"),
    (lambda: sigmoid_cross_entropy(np.zeros((3, 2)), np.zeros((3, 2)), reduction="avg"),
     "reduction: expected 'sum' or 'mean', got 'avg'"),
    (lambda: jordan_forward(X, np.zeros((2, 2)), WAX, np.zeros((4, 2)), BA, np.zeros((2, 4)), np.zeros(2), output="tanh"),
     "output: expected 'identity', 'sigmoid' or 'softmax', got 'tanh'"),
    (lambda: jordan_forward(X, np.zeros((2, 2)), WAX, np.zeros((4, 3)), BA, np.zeros((2, 4)), np.zeros(2)),
     "Way: expected shape (n_a, n_y) = (4, 2), got (4, 3)"),
    (lambda: jordan_forward(X, np.zeros((1, 2)), WAX, np.zeros((4, 2)), BA, np.zeros((2, 4)), np.zeros(2)),
     "y0: expected shape (N, n_y) = (2, 2), got (1, 2)"),
    (lambda: jordan_forward(X, np.zeros((2, 2)), WAX, np.zeros((4, 2)), BA, np.zeros((2, 3)), np.zeros(2)),
     "Wya: expected shape (n_y, n_a) = (?, 4), got (2, 3)"),
    (lambda: many_to_one_forward(X, [1, 6], A0, WAX, WAA, BA, np.zeros((2, 4)), np.zeros(2)),
     "lengths: expected values in [1, T = 5], got [1, 6]"),
    (lambda: many_to_one_forward(X, [0, 5], A0, WAX, WAA, BA, np.zeros((2, 4)), np.zeros(2)),
     "lengths: expected values in [1, T = 5], got [0, 5]"),
    (lambda: many_to_one_forward(X, [1.0, 5.0], A0, WAX, WAA, BA, np.zeros((2, 4)), np.zeros(2)),
     "lengths: expected an integer array, got dtype float64"),
    (lambda: many_to_one_forward(X, [1, 2, 3], A0, WAX, WAA, BA, np.zeros((2, 4)), np.zeros(2)),
     "lengths: expected shape (N,) = (2,), got (3,)"),
    (lambda: clip_by_value({"g": np.ones(2)}, 0.0), "max_value: expected a positive number, got 0.0"),
    (lambda: clip_by_value({"g": np.ones(2)}, -1), "max_value: expected a positive number, got -1"),
    (lambda: clip_by_norm({"g": np.ones(2)}, 0), "max_norm: expected a positive number, got 0"),
    (lambda: clip_by_norm({"g": np.ones(2)}, float("nan")), "max_norm: expected a positive number, got nan"),
    (lambda: stacked_weight(WAA, WAX[:3]), "Wax: expected shape (n_a, n_x) = (4, ?), got (3, 3)"),
    (lambda: init_rnn_params(3, 4, 2, 0), "rng: expected a numpy Generator, got int"),
    (lambda: to_torch_rnn(WAX, WAA, BA, "identity"), "activation: expected 'tanh' or 'relu' (torch.nn.RNN), got 'identity'"),
    (lambda: to_torch_rnn(WAX, WAA, BA, bias_hh=np.zeros(3)), "bias_hh: expected shape (n_a,) = (4,), got (3,)"),
    (lambda: from_torch_rnn(torch.nn.RNN(3, 4, num_layers=2)), "rnn: expected a one-layer, unidirectional"),
    (lambda: from_torch_rnn(torch.nn.RNN(3, 4, bidirectional=True)), "rnn: expected a one-layer, unidirectional"),
])
def test_errors(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)
