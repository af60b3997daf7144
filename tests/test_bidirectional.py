"""Bidirectional and stacked networks (rnncourse.bidirectional, rnncourse.deep) against PyTorch and finite
differences: packed variable-length batches, float64, random sizes, non-zero biases and initial states."""
import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncourse import bidirectional as bi
from rnncourse import bridges, deep, tagging
from rnncourse.gradcheck import numerical_gradient

KINDS = ("rnn", "gru", "lstm")
TORCH = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}


def random_case(rng, kind, L, bidirectional, sorted_lengths=False):
    T, N = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    n_x, n_a = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    lengths = rng.integers(1, T + 1, size=N)
    lengths[rng.integers(N)] = T  # the longest sequence fills the batch (pad_packed_sequence's total_length)
    if sorted_lengths:
        lengths = np.sort(lengths)[::-1].copy()
    D = 2 if bidirectional else 1
    torch.manual_seed(int(rng.integers(1 << 30)))
    module = TORCH[kind](n_x, n_a, num_layers=L, bidirectional=bidirectional, dtype=torch.float64)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.8, 0.8)  # both biases non-zero
    x = rng.normal(size=(T, N, n_x))
    mask = np.arange(T)[:, None] < lengths[None, :]
    x[~mask] = rng.normal(4.0, 2.0, size=int((~mask).sum() * n_x)).reshape(-1, n_x)  # garbage padding
    h0 = rng.normal(size=(L * D, N, n_a))
    c0 = rng.normal(size=(L * D, N, n_a))
    return module, x, lengths, h0, c0, mask


def torch_run(module, kind, x, lengths, h0, c0):
    xt, h0t, c0t = (torch.tensor(v, requires_grad=True) for v in (x, h0, c0))
    packed = pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    out, hn = module(packed, (h0t, c0t) if kind == "lstm" else h0t)
    out, _ = pad_packed_sequence(out, total_length=x.shape[0])
    return out, hn, (xt, h0t, c0t)


def ours_from_torch_grads(kind, g, H):
    """dL/d(our parameters) from PyTorch's parameter gradients, by the documented bridge maps
    (Wax = weight_ih, ba = bias_ih + bias_hh; GRU r, z, n with Wux = -W_iz; LSTM i, f, g, o = u, f, c, o)."""
    w_ih, w_hh, b_ih, b_hh = g["weight_ih"], g["weight_hh"], g["bias_ih"], g["bias_hh"]
    blocks = lambda v, k: [v[i * H:(i + 1) * H] for i in range(k)]  # noqa: E731
    if kind == "rnn":
        return {"dWax": w_ih, "dWaa": w_hh, "dba": b_ih}
    if kind == "gru":
        (xr, xz, xn), (hr, hz, hn), (br, bz, bn), (_, _, bhn) = (blocks(v, 3) for v in (w_ih, w_hh, b_ih, b_hh))
        return {"dWrx": xr, "dWux": -xz, "dWcx": xn, "dWra": hr, "dWua": -hz, "dWca": hn,
                "dbr": br, "dbu": -bz, "dbc": bn, "dbca": bhn}
    out = {}
    for g_name, wx, wh, b in zip("ufco", blocks(w_ih, 4), blocks(w_hh, 4), blocks(b_ih, 4)):
        out[f"dW{g_name}x"], out[f"dW{g_name}a"], out[f"db{g_name}"] = wx, wh, b
    return out


CONFIGS = [(k, L, b) for k in KINDS for L, b in ((1, True), (2, True), (3, True), (2, False), (3, False))]


@pytest.mark.parametrize("kind,L,bidirectional", CONFIGS, ids=[f"{k}-L{L}-{'bi' if b else 'uni'}" for k, L, b in CONFIGS])
def test_stack_matches_pytorch_packed_forward_and_all_gradients(kind, L, bidirectional):
    rng = np.random.default_rng([KINDS.index(kind), L, int(bidirectional)])
    for trial in range(3):
        module, x, lengths, h0, c0, mask = random_case(rng, kind, L, bidirectional, sorted_lengths=trial == 2)
        found_kind, params = bridges.stack_from_torch(module)
        assert found_kind == kind
        state0 = (h0, c0) if kind == "lstm" else h0
        out, hn, cache = deep.stack_forward(kind, x, params, lengths, state0)
        out_t, hn_t, (xt, h0t, c0t) = torch_run(module, kind, x, lengths, h0, c0)
        np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert np.all(out[~mask] == 0), "padding positions must be zero"
        if kind == "lstm":
            np.testing.assert_allclose(hn[0], hn_t[0].detach().numpy(), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(hn[1], hn_t[1].detach().numpy(), rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_allclose(hn, hn_t.detach().numpy(), rtol=1e-10, atol=1e-12)
        dout = rng.normal(size=out.shape)
        dh = rng.normal(size=h0.shape)
        dc = rng.normal(size=h0.shape)
        loss = (out_t * torch.tensor(dout * mask[..., None])).sum()
        if kind == "lstm":
            loss = loss + (hn_t[0] * torch.tensor(dh)).sum() + (hn_t[1] * torch.tensor(dc)).sum()
        else:
            loss = loss + (hn_t * torch.tensor(dh)).sum()
        loss.backward()
        g = deep.stack_backward(dout, cache, (dh, dc) if kind == "lstm" else dh)
        np.testing.assert_allclose(g["dx"], xt.grad.numpy(), rtol=1e-9, atol=1e-11)
        assert np.all(g["dx"][~mask] == 0)
        np.testing.assert_allclose(g["dh0"], h0t.grad.numpy(), rtol=1e-9, atol=1e-11)
        if kind == "lstm":
            np.testing.assert_allclose(g["dc0"], c0t.grad.numpy(), rtol=1e-9, atol=1e-11)
        D = 2 if bidirectional else 1
        for l in range(L):
            for d in range(D):
                suffix = f"_l{l}" + ("_reverse" if d else "")
                tg = {n: getattr(module, n + suffix).grad.numpy() for n in ("weight_ih", "weight_hh", "bias_ih",
                                                                           "bias_hh")}
                want = ours_from_torch_grads(kind, tg, module.hidden_size)
                assert set(want) == set(g["dparams"][l][d])
                for k in want:
                    np.testing.assert_allclose(g["dparams"][l][d][k], want[k], rtol=1e-9, atol=1e-11,
                                               err_msg=f"{kind} layer {l} direction {d} {k}")


@pytest.mark.parametrize("kind", KINDS)
def test_stack_to_torch_round_trip_and_forward(kind):
    rng = np.random.default_rng(3)
    params = deep.init_stack_params(kind, 3, 4, 2, True, rng)
    module = bridges.stack_to_torch(kind, params)
    assert module.num_layers == 2 and module.bidirectional
    assert "weight_ih_l1_reverse" in dict(module.named_parameters())
    x = rng.normal(size=(5, 2, 3))
    out, _, _ = deep.stack_forward(kind, x, params)
    with torch.no_grad():
        out_t = module(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12)
    _, back = bridges.stack_from_torch(module)
    out2, _, _ = deep.stack_forward(kind, x, back)
    np.testing.assert_allclose(out2, out, rtol=1e-12, atol=1e-13)
    counts = deep.count_stack_params(kind, 3, 4, 2, True)
    assert counts["torch"] == sum(p.numel() for p in module.parameters())
    assert counts["ours"] == sum(v.size for layer in params for p in layer for v in p.values())


def test_stack_from_torch_refuses_what_it_cannot_represent():
    with pytest.raises(ValueError, match="module"):
        bridges.stack_from_torch(torch.nn.RNN(2, 3, nonlinearity="relu"))
    with pytest.raises(ValueError, match="module"):
        bridges.stack_from_torch(torch.nn.LSTM(2, 3, proj_size=2))
    with pytest.raises(ValueError, match="module"):
        bridges.stack_from_torch(torch.nn.Linear(2, 3))


@pytest.mark.parametrize("kind", KINDS)
def test_stack_gradients_match_finite_differences_with_dropout(kind):
    rng = np.random.default_rng(11)
    T, N, n_x, n_a, L = 4, 3, 2, 3, 2
    params = deep.init_stack_params(kind, n_x, n_a, L, True, rng)
    x = rng.normal(size=(T, N, n_x))
    lengths = np.array([4, 1, 3])
    h0 = rng.normal(size=(2 * L, N, n_a))
    state0 = (h0, rng.normal(size=h0.shape)) if kind == "lstm" else h0
    dout = rng.normal(size=(T, N, 2 * n_a))
    dh = rng.normal(size=h0.shape)

    def loss(x_, state_, params_):
        out, hn, _ = deep.stack_forward(kind, x_, params_, lengths, state_, dropout=0.4, training=True,
                                        rng=np.random.default_rng(5))  # the same masks every call
        h = hn[0] if kind == "lstm" else hn
        return float((out * dout).sum() + (h * dh).sum())

    out, hn, cache = deep.stack_forward(kind, x, params, lengths, state0, dropout=0.4, training=True,
                                        rng=np.random.default_rng(5))
    assert any((m == 0).any() for m in cache.masks)
    g = deep.stack_backward(dout, cache, (dh, np.zeros_like(dh)) if kind == "lstm" else dh)
    # numerical_gradient perturbs the array in place and calls a function of no arguments
    num_dx = numerical_gradient(lambda: loss(x, state0, params), x)
    np.testing.assert_allclose(g["dx"], num_dx, rtol=1e-5, atol=1e-7)
    num_dh0 = numerical_gradient(lambda: loss(x, state0, params), h0)
    np.testing.assert_allclose(g["dh0"], num_dh0, rtol=1e-5, atol=1e-7)
    for l, d in ((0, 1), (1, 0)):
        for k, v in params[l][d].items():
            num = numerical_gradient(lambda: loss(x, state0, params), v)
            np.testing.assert_allclose(g["dparams"][l][d]["d" + k], num, rtol=1e-5, atol=1e-7,
                                       err_msg=f"{kind} {l} {d} {k}")


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_is_pytorchs_between_layers(kind):
    """Eval mode and p = 0 equal PyTorch with dropout=p; in training, the mask multiplies the output of every
    layer but the last, after both directions are concatenated: the same as PyTorch's layers composed one
    by one with that mask (forward and gradients)."""
    rng = np.random.default_rng(21)
    T, N, n_x, n_a, L, p = 5, 4, 3, 3, 3, 0.3
    params = deep.init_stack_params(kind, n_x, n_a, L, True, rng)
    x = rng.normal(size=(T, N, n_x))
    lengths = np.array([5, 2, 4, 1])
    module = bridges.stack_to_torch(kind, params, dropout=p).eval()
    with torch.no_grad():
        packed = pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), enforce_sorted=False)
        out_t = pad_packed_sequence(module(packed)[0], total_length=T)[0].numpy()
    out_eval, _, _ = deep.stack_forward(kind, x, params, lengths, dropout=p, training=False)
    out_p0, _, c0 = deep.stack_forward(kind, x, params, lengths, dropout=0.0, training=True,
                                       rng=np.random.default_rng(0))
    np.testing.assert_allclose(out_eval, out_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out_p0, out_t, rtol=1e-10, atol=1e-12)
    assert c0.masks == (None, None)

    out, _, cache = deep.stack_forward(kind, x, params, lengths, dropout=p, training=True,
                                       rng=np.random.default_rng(7))
    assert len(cache.masks) == L - 1  # no dropout after the last layer
    values = np.unique(np.concatenate([m.ravel() for m in cache.masks]))
    np.testing.assert_allclose(values, [0.0, 1 / (1 - p)])
    again = deep.stack_forward(kind, x, params, lengths, dropout=p, training=True, rng=np.random.default_rng(7))[0]
    np.testing.assert_array_equal(again, out)  # the Generator decides the masks
    keep = np.mean(np.concatenate([deep.dropout_mask((400, 50), p, np.random.default_rng(1)).ravel()]) > 0)
    assert abs(keep - (1 - p)) < 0.01

    xt = torch.tensor(x, requires_grad=True)
    h = pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
    layers = []
    for l in range(L):
        one = bridges.stack_to_torch(kind, [params[l]])
        layers.append(one)
        h = pad_packed_sequence(one(h)[0], total_length=T)[0]
        if l < L - 1:
            h = h * torch.tensor(cache.masks[l])
            h = pack_padded_sequence(h, torch.tensor(lengths), enforce_sorted=False)
    np.testing.assert_allclose(out, h.detach().numpy(), rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=out.shape)
    (h * torch.tensor(dout)).sum().backward()
    g = deep.stack_backward(dout, cache)
    np.testing.assert_allclose(g["dx"], xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    want = ours_from_torch_grads(kind, {n: getattr(layers[1], n + "_l0_reverse").grad.numpy()
                                        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}, n_a)
    for k, v in want.items():
        np.testing.assert_allclose(g["dparams"][1][1][k], v, rtol=1e-9, atol=1e-11)


def test_reverse_padded_reverses_each_sequence_within_its_length():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4, 2))
    lengths = np.array([3, 6, 1, 4])
    y = bi.reverse_padded(x, lengths)
    for i, L in enumerate(lengths):
        np.testing.assert_array_equal(y[:L, i], x[:L, i][::-1])
        np.testing.assert_array_equal(y[L:, i], x[L:, i])  # padding stays in place
    np.testing.assert_array_equal(bi.reverse_padded(y, lengths), x)
    np.testing.assert_array_equal(bi.reverse_padded(x, None), x[::-1])


def test_the_backward_direction_starts_at_each_sequences_last_real_step():
    """Reversing the padded array instead changes the backward states of every padded sequence."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 3, 2))
    lengths = np.array([5, 2, 3])
    p_f, p_b = (bi.init_unit_params("gru", 2, 3, rng) for _ in range(2))
    out, (h_f, h_b), _ = bi.bidirectional_forward("gru", x, lengths, p_f, p_b)
    for i, L in enumerate(lengths):  # one sequence alone, without padding, gives the same states
        alone, _, _ = bi.bidirectional_forward("gru", x[:L, i:i + 1], None, p_f, p_b)
        np.testing.assert_allclose(out[:L, i], alone[:, 0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h_b[0][i], alone[0, 0, 3:], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h_f[0][i], alone[L - 1, 0, :3], rtol=1e-12, atol=1e-14)
    wrong = bi.direction_forward("gru", x[::-1], None, None, p_b)[0][::-1]
    assert np.abs(wrong[:2, 1] - out[:2, 1, 3:]).max() > 1e-3
    np.testing.assert_allclose(wrong[:, 0], out[:, 0, 3:])  # the full-length sequence is not affected


@pytest.mark.parametrize("kind", KINDS)
def test_bidirectional_layer_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(4, 3, 2))
    lengths = np.array([2, 4, 1])
    p_f, p_b = (bi.init_unit_params(kind, 2, 3, rng) for _ in range(2))
    s_b = tuple(rng.normal(size=(3, 3)) for _ in range(2 if kind == "lstm" else 1))
    dout = rng.normal(size=(4, 3, 6))

    def loss():
        return float((bi.bidirectional_forward(kind, x, lengths, p_f, p_b, None, s_b)[0] * dout).sum())
    _, _, cache = bi.bidirectional_forward(kind, x, lengths, p_f, p_b, None, s_b)
    g = bi.bidirectional_backward(dout, cache)
    np.testing.assert_allclose(g["dx"], numerical_gradient(loss, x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g["dstate_bwd"][0], numerical_gradient(loss, s_b[0]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(g["grads_bwd"]["d" + next(iter(p_b))], numerical_gradient(loss, next(iter(p_b.values()))),
                               rtol=1e-5, atol=1e-7)


def test_tagger_output_and_its_backward():
    rng = np.random.default_rng(9)
    T, N, n_a, n_y = 3, 2, 4, 5
    a_f, a_b = rng.normal(size=(T, N, n_a)), rng.normal(size=(T, N, n_a))
    Wya, by = rng.normal(size=(n_y, 2 * n_a)), rng.normal(size=n_y)
    y = tagging.tagger_output(a_f, a_b, Wya, by)
    lin = torch.nn.Linear(2 * n_a, n_y, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(Wya))
        lin.bias.copy_(torch.tensor(by))
    af, ab = torch.tensor(a_f, requires_grad=True), torch.tensor(a_b, requires_grad=True)
    z = lin(torch.cat([af, ab], dim=2))
    np.testing.assert_allclose(y, torch.softmax(z, -1).detach().numpy(), rtol=1e-12, atol=1e-14)
    dz = rng.normal(size=(T, N, n_y))
    (z * torch.tensor(dz)).sum().backward()
    g = tagging.tagger_output_backward(dz, a_f, a_b, Wya)
    np.testing.assert_allclose(g["da_fwd"], af.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g["da_bwd"], ab.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g["dWya"], lin.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g["dby"], lin.bias.grad.numpy(), rtol=1e-12)
    big = tagging.tagger_output(a_f, a_b, Wya, by + 900.0)  # no overflow
    assert np.isfinite(big).all()


def test_lookahead_task_tags_depend_on_the_future():
    x, tags, lengths = tagging.lookahead_tagging_batch(np.random.default_rng(0), 200, 4, 9, V=3, delay=2)
    T = x.shape[0]
    assert x.shape == (T, 200, 3) and tags.shape == (T, 200) and lengths.min() >= 4 and lengths.max() <= 9
    words = x.argmax(-1)
    for i in range(5):
        L = lengths[i]
        w = list(words[:L, i]) + [0, 0]
        assert list(tags[:L, i]) == [(w[t] + w[t + 2]) % 3 for t in range(L)]
        assert not x[L:, i].any() and not tags[L:, i].any()
    again = tagging.lookahead_tagging_batch(np.random.default_rng(0), 200, 4, 9, V=3, delay=2)
    np.testing.assert_array_equal(again[1], tags)


@pytest.mark.parametrize("call,match", [
    (lambda p, x: bi.direction_forward("rnn", x, [5, 1], None, p), r"lengths: expected every length in \[1, T\]"),
    (lambda p, x: bi.direction_forward("rnn", x, [0, 1], None, p), r"got 0 at index 0"),
    (lambda p, x: bi.direction_forward("rnn", x, [1, 1, 1], None, p), r"lengths: expected shape \(N,\)"),
    (lambda p, x: bi.direction_forward("rnn", x, [1.5, 1], None, p), "lengths: expected an integer array"),
    (lambda p, x: bi.direction_forward("elman", x, None, None, p), "kind: expected one of"),
    (lambda p, x: bi.direction_forward("rnn", x[:, :, :1], None, None, p), r"x: expected shape"),
    (lambda p, x: bi.direction_forward("rnn", x[:0], None, None, p), "at least one step"),
    (lambda p, x: bi.direction_forward("rnn", x, None, np.zeros((2, 5)), p), r"state0 \(a\): expected shape"),
    (lambda p, x: bi.direction_forward("lstm", x, None, np.zeros((2, 3)),
                                       bi.init_unit_params("lstm", 2, 3, np.random.default_rng(0))), "state0: expected"),
    (lambda p, x: deep.stack_forward("rnn", x, [p], None), "params: expected every layer"),
    (lambda p, x: deep.stack_forward("rnn", x, [[p]], None, dropout=1.5), "dropout: expected a probability"),
    (lambda p, x: deep.stack_forward("rnn", x, [[p], [bi.init_unit_params("rnn", 3, 3, np.random.default_rng(0))]],
                                     dropout=0.5, training=True), "rng: dropout in training needs"),
    (lambda p, x: deep.stack_forward("rnn", x, [[p]], h0=np.zeros((2, 2, 3))), r"h0: expected shape \(L D, N, n_a\)"),
    (lambda p, x: bi.reverse_padded(x, [3, 9]), r"lengths: expected every length"),
    (lambda p, x: tagging.tagger_output(x, x, np.zeros((2, 3)), np.zeros(2)), r"Wya: expected shape \(n_y, 2 n_a\)"),
    (lambda p, x: tagging.lookahead_tagging_batch(np.random.default_rng(0), 3, 5, 2), "max_len: expected >= min_len"),
    (lambda p, x: tagging.tagger_loss_and_grads(tagging.init_tagger("rnn", 2, 3, 2, 1, True, np.random.default_rng(0)),
                                                x, np.zeros((4, 3), int), [4, 4]), r"tags: expected shape \(T, N\)"),
    (lambda p, x: deep.stack_backward(np.zeros((4, 2, 2)), deep.stack_forward("rnn", x, [[p]])[2]),
     r"dout: expected shape \(T, N, D n_a\)"),
    (lambda p, x: bi.direction_backward(np.zeros((4, 2, 3)), bi.direction_forward("rnn", x, None, None, p)[2],
                                        np.zeros((3, 3))), r"dstate \(a\): expected shape"),
    (lambda p, x: deep.dropout_mask((2, 2), 0.5, None), "rng: expected a numpy Generator"),
    (lambda p, x: bridges.stack_from_torch(torch.nn.GRU(2, 3, bias=False)), "module: expected"),
])
def test_bad_input_gets_a_clear_error(call, match):
    rng = np.random.default_rng(0)
    p = bi.init_unit_params("rnn", 2, 3, rng)
    x = rng.normal(size=(4, 2, 2))
    with pytest.raises(ValueError, match=match):
        call(p, x)
