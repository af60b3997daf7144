"""Gated units (GRU, LSTM, MGU) vs torch.nn.GRU / LSTM, autograd re-implementations and finite differences."""
import numpy as np
import pytest
import torch

from rnncourse.bridges import gru_from_torch, gru_to_torch, lstm_from_torch, lstm_to_torch
from rnncourse.gates import count_params
from rnncourse.gru import (GRU_FORMS, GRUCache, GRUStepCache, gru_backward, gru_cell_backward, gru_cell_forward,
                           gru_forward, init_gru_params)
from rnncourse.lstm import (LSTMCache, init_lstm_params, lstm_backward, lstm_cell_backward, lstm_cell_forward,
                            lstm_forward)
from rnncourse.mgu import init_mgu_params, mgu_backward, mgu_cell_backward, mgu_cell_forward, mgu_forward
from rnncourse.gradcheck import numerical_gradient, relative_error
from rnncourse.rnn import init_rnn_params, rnn_cell_forward, rnn_forward

GRU_KEYS = {"notes": ["Wrx", "Wux", "Wcx", "Wra", "Wua", "Wca", "br", "bu", "bc"],
            "simplified": ["Wux", "Wcx", "Wua", "Wca", "bu", "bc"]}
GRU_KEYS["torch"] = GRU_KEYS["notes"] + ["bca"]
LSTM_KEYS = [f"{w}{g}{s}" for g in "fuoc" for w, s in (("W", "x"), ("W", "a"), ("b", ""))]
MGU_KEYS = ["Wfx", "Wcx", "Wfa", "Wca", "bf", "bc"]


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def sizes(seed, hi=6):
    """Random (T, N, n_x, n_a); seeds 0, 1, 2 force T = 1, N = 1 and both."""
    rng = np.random.default_rng(seed)
    T, N = int(rng.integers(1, hi)), int(rng.integers(1, 5))
    n_x, n_a = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    if seed in (0, 2):
        T = 1
    if seed in (1, 2):
        N = 1
    return rng, T, N, n_x, n_a


def random_params(rng, keys, n_x, n_a, scale=0.7):
    """Every parameter random and non-zero (biases included)."""
    shape = {"x": (n_a, n_x), "a": (n_a, n_a)}
    return {k: rng.normal(scale=scale, size=shape[k[-1]] if k[0] == "W" else (n_a,)) for k in keys}


def assert_close(actual, expected, rtol=1e-10, atol=1e-12, what=""):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# ------------------------------------------------- autograd re-implementations
def torch_gru(x, a, P, form):
    out = []
    for xt in x:
        zr = xt @ P["Wrx"].T + a @ P["Wra"].T + P["br"] if form != "simplified" else None
        r = torch.sigmoid(zr) if form != "simplified" else torch.ones_like(a)
        u = torch.sigmoid(xt @ P["Wux"].T + a @ P["Wua"].T + P["bu"])
        if form == "torch":
            c = torch.tanh(xt @ P["Wcx"].T + P["bc"] + r * (a @ P["Wca"].T + P["bca"]))
        else:
            c = torch.tanh(xt @ P["Wcx"].T + (r * a) @ P["Wca"].T + P["bc"])
        a = u * c + (1 - u) * a
        out.append(a)
    return torch.stack(out)


def torch_lstm(x, a, c, P, peephole):
    outs, cells = [], []
    for xt in x:
        zf = xt @ P["Wfx"].T + a @ P["Wfa"].T + P["bf"] + (P["pf"] * c if peephole else 0)
        zu = xt @ P["Wux"].T + a @ P["Wua"].T + P["bu"] + (P["pu"] * c if peephole else 0)
        cc = torch.tanh(xt @ P["Wcx"].T + a @ P["Wca"].T + P["bc"])
        c = torch.sigmoid(zf) * c + torch.sigmoid(zu) * cc
        o = torch.sigmoid(xt @ P["Wox"].T + a @ P["Woa"].T + P["bo"] + (P["po"] * c if peephole else 0))
        a = o * torch.tanh(c)
        outs.append(a)
        cells.append(c)
    return torch.stack(outs), torch.stack(cells)


def torch_mgu(x, a, P):
    out = []
    for xt in x:
        f = torch.sigmoid(xt @ P["Wfx"].T + a @ P["Wfa"].T + P["bf"])
        c = torch.tanh(xt @ P["Wcx"].T + (f * a) @ P["Wca"].T + P["bc"])
        a = (1 - f) * a + f * c
        out.append(a)
    return torch.stack(out)


def autograd(run, arrays: dict, upstream: list):
    """Outputs and gradients of sum_i <run(...)_i, upstream_i> w.r.t. every named array."""
    tensors = {k: t64(v, True) for k, v in arrays.items()}
    outs = run(tensors)
    sum(((o * t64(g)).sum() for o, g in zip(outs, upstream))).backward()
    return [o.detach().numpy() for o in outs], {"d" + k: t.grad.numpy() for k, t in tensors.items()}


def grad_name(key):
    return {"x0": "dxt", "a0": "da_prev", "c0": "dc_prev"}.get(key, "d" + key)


# ----------------------------------------------------------- GRU vs nn.GRU
def random_torch_module(cls, rng, n_x, n_a):
    """A float64 module whose parameters (both biases included) are random and non-zero."""
    m = cls(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.from_numpy(rng.normal(scale=0.6, size=tuple(p.shape))))
    return m


@pytest.mark.parametrize("seed", range(10))
def test_gru_torch_form_matches_nn_gru(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    gru = random_torch_module(torch.nn.GRU, rng, n_x, n_a)
    p = gru_from_torch(gru)
    assert sorted(p) == sorted(GRU_KEYS["torch"])
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    da, da_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))

    a, cache = gru_forward(x, a0, p, form="torch")
    g = gru_backward(da, cache, da_last=da_last)

    tx, th = t64(x, True), t64(a0[None], True)
    out, h_n = gru(tx, th)
    ((out * t64(da)).sum() + (h_n[0] * t64(da_last)).sum()).backward()
    assert a.shape == (T, N, n_a) and isinstance(cache, GRUCache)
    assert_close(a, out.detach().numpy())
    assert_close(a[-1], h_n[0].detach().numpy())
    assert_close(g["dx"], tx.grad.numpy())
    assert_close(g["da0"], th.grad[0].numpy())
    H = n_a
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    wih, whh = gru.weight_ih_l0.grad.numpy(), gru.weight_hh_l0.grad.numpy()
    bih, bhh = gru.bias_ih_l0.grad.numpy(), gru.bias_hh_l0.grad.numpy()
    # Γ_u = 1 - z: the update-gate gradients are torch's z gradients with the sign flipped
    expected = {"dWrx": wih[r], "dWux": -wih[z], "dWcx": wih[n], "dWra": whh[r], "dWua": -whh[z], "dWca": whh[n],
                "dbr": bih[r], "dbu": -bih[z], "dbc": bih[n], "dbca": bhh[n]}
    assert sorted(g) == sorted(["dx", "da0", *expected])
    for k, v in expected.items():
        assert g[k].shape == v.shape, k
        assert_close(g[k], v, what=k)
    # b_ir + b_hr act as one bias: both torch gradients equal dbr (same for z)
    assert_close(bhh[r], g["dbr"])
    assert_close(-bhh[z], g["dbu"])


@pytest.mark.parametrize("seed", range(5))
def test_gru_to_torch_round_trip_and_output(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, GRU_KEYS["torch"], n_x, n_a)
    gru = gru_to_torch(p)
    assert gru.weight_ih_l0.dtype == torch.float64
    back = gru_from_torch(gru)
    assert sorted(back) == sorted(p)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k], err_msg=k)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    out, _ = gru(t64(x), t64(a0[None]))
    assert_close(gru_forward(x, a0, p, form="torch")[0], out.detach().numpy())
    # without bca the candidate's recurrent bias is zero
    no_bca = {k: v for k, v in p.items() if k != "bca"}
    np.testing.assert_array_equal(gru_from_torch(gru_to_torch(no_bca))["bca"], np.zeros(n_a))


@pytest.mark.parametrize("seed", range(4))
def test_gru_cell_matches_torch_gru_cell(seed):
    rng, _, N, n_x, n_a = sizes(seed)
    cell = random_torch_module(torch.nn.GRUCell, rng, n_x, n_a)
    gru = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, name + "_l0").copy_(getattr(cell, name))
    p = gru_from_torch(gru)
    xt, a_prev, da = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    a_next, cache = gru_cell_forward(xt, a_prev, p, form="torch")
    g = gru_cell_backward(da, cache)
    tx, th = t64(xt, True), t64(a_prev, True)
    h = cell(tx, th)
    (h * t64(da)).sum().backward()
    assert isinstance(cache, GRUStepCache)
    assert_close(a_next, h.detach().numpy())
    assert_close(g["dxt"], tx.grad.numpy())
    assert_close(g["da_prev"], th.grad.numpy())
    assert_close(g["dWcx"], cell.weight_ih.grad.numpy()[2 * n_a:])
    assert_close(g["dWua"], -cell.weight_hh.grad.numpy()[n_a:2 * n_a])


# ------------------------------------------------- GRU forms vs autograd
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("form", GRU_FORMS)
def test_gru_forms_match_autograd(seed, form):
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, GRU_KEYS[form], n_x, n_a)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    da, da_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))
    a, cache = gru_forward(x, a0, p, form=form)
    g = gru_backward(da, cache, da_last=da_last)

    def run(t):
        out = torch_gru(t["x"], t["a0"], t, form)
        return out, out[-1]

    (out, _), tg = autograd(run, {"x": x, "a0": a0, **p}, [da, da_last])
    assert_close(a, out)
    assert sorted(g) == sorted(tg)
    for k in tg:
        assert g[k].shape == tg[k].shape, k
        assert_close(g[k], tg[k], what=k)
    # the cache's named gate views: Γ_r ≡ 1 exactly in the simplified form
    assert cache.gamma_u.shape == cache.c_tilde.shape == (T, N, n_a)
    if form == "simplified":
        np.testing.assert_array_equal(cache.gamma_r, 1.0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("form", GRU_FORMS)
def test_gru_cell_matches_autograd(seed, form):
    rng, _, N, n_x, n_a = sizes(seed)
    p = random_params(rng, GRU_KEYS[form], n_x, n_a)
    xt, a_prev, da = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    a_next, cache = gru_cell_forward(xt, a_prev, p, form=form)
    g = gru_cell_backward(da, cache)
    (out,), tg = autograd(lambda t: (torch_gru(t["x0"][None], t["a0"], t, form)[0],),
                          {"x0": xt, "a0": a_prev, **p}, [da])
    assert_close(a_next, out)
    assert sorted(g) == sorted(grad_name(k[1:]) for k in tg)
    for k, v in tg.items():
        assert_close(g[grad_name(k[1:])], v, what=k)


def test_simplified_form_ignores_reset_keys():
    rng = np.random.default_rng(3)
    p = random_params(rng, GRU_KEYS["notes"], 3, 4)
    x, a0 = rng.normal(size=(4, 2, 3)), rng.normal(size=(2, 4))
    without_r = {k: v for k, v in p.items() if "r" not in k}
    a1, _ = gru_forward(x, a0, p, form="simplified")
    a2, _ = gru_forward(x, a0, without_r, form="simplified")
    np.testing.assert_array_equal(a1, a2)


# --------------------------------------------------- LSTM vs nn.LSTM
@pytest.mark.parametrize("seed", range(10))
def test_lstm_matches_nn_lstm(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    lstm = random_torch_module(torch.nn.LSTM, rng, n_x, n_a)
    p = lstm_from_torch(lstm)
    assert sorted(p) == sorted(LSTM_KEYS)
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    da, da_last, dc_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))

    a, c, cache = lstm_forward(x, a0, c0, p)
    g = lstm_backward(da, cache, da_last=da_last, dc_last=dc_last)

    tx, th, tc = t64(x, True), t64(a0[None], True), t64(c0[None], True)
    out, (h_n, c_n) = lstm(tx, (th, tc))
    ((out * t64(da)).sum() + (h_n[0] * t64(da_last)).sum() + (c_n[0] * t64(dc_last)).sum()).backward()
    assert a.shape == c.shape == (T, N, n_a) and isinstance(cache, LSTMCache)
    assert_close(a, out.detach().numpy())
    assert_close(c[-1], c_n[0].detach().numpy())
    assert_close(a[-1], h_n[0].detach().numpy())
    assert_close(g["dx"], tx.grad.numpy())
    assert_close(g["da0"], th.grad[0].numpy())
    assert_close(g["dc0"], tc.grad[0].numpy())
    wih, whh = lstm.weight_ih_l0.grad.numpy(), lstm.weight_hh_l0.grad.numpy()
    bih, bhh = lstm.bias_ih_l0.grad.numpy(), lstm.bias_hh_l0.grad.numpy()
    expected = {}
    for i, gate in enumerate("ufco"):  # torch order i, f, g, o
        s = slice(i * n_a, (i + 1) * n_a)
        expected.update({f"dW{gate}x": wih[s], f"dW{gate}a": whh[s], f"db{gate}": bih[s]})
        assert_close(bhh[s], bih[s])  # the two torch biases are one bias
    assert sorted(g) == sorted(["dx", "da0", "dc0", *expected])
    for k, v in expected.items():
        assert_close(g[k], v, what=k)


@pytest.mark.parametrize("seed", range(4))
def test_lstm_to_torch_round_trip_and_output(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    lstm = lstm_to_torch(p)
    back = lstm_from_torch(lstm)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k], err_msg=k)
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    out, (_, c_n) = lstm(t64(x), (t64(a0[None]), t64(c0[None])))
    a, c, _ = lstm_forward(x, a0, c0, p)
    assert_close(a, out.detach().numpy())
    assert_close(c[-1], c_n[0].detach().numpy())


@pytest.mark.parametrize("seed", range(4))
def test_lstm_cell_matches_torch_lstm_cell(seed):
    rng, _, N, n_x, n_a = sizes(seed)
    cell = random_torch_module(torch.nn.LSTMCell, rng, n_x, n_a)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, name + "_l0").copy_(getattr(cell, name))
    p = lstm_from_torch(lstm)
    xt, a_prev, c_prev = (rng.normal(size=s) for s in ((N, n_x), (N, n_a), (N, n_a)))
    da, dc = rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    a_next, c_next, cache = lstm_cell_forward(xt, a_prev, c_prev, p)
    g = lstm_cell_backward(da, dc, cache)
    tx, th, tc = t64(xt, True), t64(a_prev, True), t64(c_prev, True)
    h, c = cell(tx, (th, tc))
    ((h * t64(da)).sum() + (c * t64(dc)).sum()).backward()
    assert_close(a_next, h.detach().numpy())
    assert_close(c_next, c.detach().numpy())
    for ours, theirs in (("dxt", tx), ("da_prev", th), ("dc_prev", tc)):
        assert_close(g[ours], theirs.grad.numpy(), what=ours)
    assert_close(g["dWox"], cell.weight_ih.grad.numpy()[3 * n_a:])
    assert_close(g["dbf"], cell.bias_hh.grad.numpy()[n_a:2 * n_a])


# ---------------------------------------------- LSTM (peepholes) vs autograd
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("peephole", [True, False])
def test_lstm_matches_autograd(seed, peephole):
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    if peephole:
        p.update({k: rng.normal(size=n_a) for k in ("pf", "pu", "po")})
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    up = [rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))]
    a, c, cache = lstm_forward(x, a0, c0, p, peephole=peephole)
    g = lstm_backward(up[0], cache, da_last=up[1], dc_last=up[2])

    def run(t):
        out, cells = torch_lstm(t["x"], t["a0"], t["c0"], t, peephole)
        return out, out[-1], cells[-1]

    (out, _, _), tg = autograd(run, {"x": x, "a0": a0, "c0": c0, **p}, up)
    assert_close(a, out)
    assert sorted(g) == sorted(tg)
    for k in tg:
        assert_close(g[k], tg[k], what=k)
    assert ((cache.gamma_f > 0) & (cache.gamma_f < 1)).all() and cache.gamma_o.shape == (T, N, n_a)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("peephole", [True, False])
def test_lstm_cell_matches_autograd(seed, peephole):
    rng, _, N, n_x, n_a = sizes(seed)
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    if peephole:
        p.update({k: rng.normal(size=n_a) for k in ("pf", "pu", "po")})
    xt, a_prev, c_prev = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    da, dc = rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    a_next, c_next, cache = lstm_cell_forward(xt, a_prev, c_prev, p, peephole=peephole)
    g = lstm_cell_backward(da, dc, cache)

    def run(t):
        out, cells = torch_lstm(t["x0"][None], t["a0"], t["c0"], t, peephole)
        return out[0], cells[0]

    (out, cells), tg = autograd(run, {"x0": xt, "a0": a_prev, "c0": c_prev, **p}, [da, dc])
    assert_close(a_next, out)
    assert_close(c_next, cells)
    assert sorted(g) == sorted(grad_name(k[1:]) for k in tg)
    for k, v in tg.items():
        assert_close(g[grad_name(k[1:])], v, what=k)
    # dc_next=None means no gradient on c^<t>
    g0 = lstm_cell_backward(da, None, cache)
    (_, _), tg0 = autograd(run, {"x0": xt, "a0": a_prev, "c0": c_prev, **p}, [da, np.zeros_like(dc)])
    assert_close(g0["dc_prev"], tg0["dc0"])


# ------------------------------------------------------------ MGU vs autograd
@pytest.mark.parametrize("seed", range(8))
def test_mgu_matches_autograd(seed):
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, MGU_KEYS, n_x, n_a)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    da, da_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))
    a, cache = mgu_forward(x, a0, p)
    g = mgu_backward(da, cache, da_last=da_last)
    (out, _), tg = autograd(lambda t: (lambda o: (o, o[-1]))(torch_mgu(t["x"], t["a0"], t)),
                            {"x": x, "a0": a0, **p}, [da, da_last])
    assert_close(a, out)
    assert sorted(g) == sorted(tg)
    for k in tg:
        assert_close(g[k], tg[k], what=k)
    # one step of the sequence is the cell
    a1, c1 = mgu_cell_forward(x[0], a0, p)
    assert_close(a1, out[0])
    g1 = mgu_cell_backward(da[0], c1)
    (_,), tg1 = autograd(lambda t: (torch_mgu(t["x0"][None], t["a0"], t)[0],), {"x0": x[0], "a0": a0, **p}, [da[0]])
    for k, v in tg1.items():
        assert_close(g1[grad_name(k[1:])], v, what=k)


# ------------------------------------------------------- finite differences
def check_cell_gradients(forward, backward, arrays, upstream, tol=1e-7):
    """Every gradient of ``backward`` against central differences of ``forward``."""
    outs, cache = forward()
    grads = backward(upstream, cache)
    dout = np.concatenate([u.ravel() for u in upstream])
    f = lambda: np.concatenate([o.ravel() for o in forward()[0]])  # noqa: E731
    for key, arr in arrays.items():
        num = numerical_gradient(f, arr, dout)
        assert relative_error(grads[grad_name(key)], num) < tol, key


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("form", GRU_FORMS)
def test_gru_cell_backward_finite_differences(seed, form):
    rng = np.random.default_rng(100 + seed)
    N, n_x, n_a = 2, 3, 3
    p = random_params(rng, GRU_KEYS[form], n_x, n_a)
    xt, a_prev = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a))
    check_cell_gradients(lambda: (lambda r: ((r[0],), r[1]))(gru_cell_forward(xt, a_prev, p, form=form)),
                         lambda up, cache: gru_cell_backward(up[0], cache),
                         {"x0": xt, "a0": a_prev, **p}, [rng.normal(size=(N, n_a))])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("peephole", [True, False])
def test_lstm_cell_backward_finite_differences(seed, peephole):
    rng = np.random.default_rng(200 + seed)
    N, n_x, n_a = 2, 3, 3
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    if peephole:
        p.update({k: rng.normal(size=n_a) for k in ("pf", "pu", "po")})
    xt, a_prev, c_prev = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))

    def forward():
        a, c, cache = lstm_cell_forward(xt, a_prev, c_prev, p, peephole=peephole)
        return (a, c), cache

    check_cell_gradients(forward, lambda up, cache: lstm_cell_backward(up[0], up[1], cache),
                         {"x0": xt, "a0": a_prev, "c0": c_prev, **p},
                         [rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))])


@pytest.mark.parametrize("seed", range(3))
def test_mgu_cell_backward_finite_differences(seed):
    rng = np.random.default_rng(300 + seed)
    N, n_x, n_a = 2, 3, 3
    p = random_params(rng, MGU_KEYS, n_x, n_a)
    xt, a_prev = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a))
    check_cell_gradients(lambda: (lambda r: ((r[0],), r[1]))(mgu_cell_forward(xt, a_prev, p)),
                         lambda up, cache: mgu_cell_backward(up[0], cache),
                         {"x0": xt, "a0": a_prev, **p}, [rng.normal(size=(N, n_a))])


def test_lstm_backward_finite_differences_through_time():
    rng = np.random.default_rng(7)
    T, N, n_x, n_a = 3, 2, 2, 3
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    p.update({k: rng.normal(size=n_a) for k in ("pf", "pu", "po")})
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    da, dc_last = rng.normal(size=(T, N, n_a)), rng.normal(size=(N, n_a))
    g = lstm_backward(da, lstm_forward(x, a0, c0, p, peephole=True)[2], dc_last=dc_last)
    f = lambda: np.concatenate([o.ravel() for o in lstm_forward(x, a0, c0, p, peephole=True)[:2]])  # noqa: E731
    dout = np.concatenate([da.ravel(), np.zeros((T - 1) * N * n_a), dc_last.ravel()])
    for key, arr in {"x": x, "a0": a0, "c0": c0, "Wfa": p["Wfa"], "pu": p["pu"], "po": p["po"]}.items():
        assert relative_error(g["d" + key], numerical_gradient(f, arr, dout)) < 1e-7, key


# -------------------------------------------- where the GRU forms agree
@pytest.mark.parametrize("seed", range(4))
def test_gru_notes_and_torch_forms_agree_and_differ(seed):
    rng, T, N, n_x, n_a = sizes(seed + 10)
    p = random_params(rng, GRU_KEYS["torch"], n_x, n_a, scale=1.0)
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    # in general the reset gate before or after the product gives different networks
    diff = np.abs(gru_forward(x, a0, p, form="notes")[0] - gru_forward(x, a0, p, form="torch")[0]).max()
    assert diff > 1e-3
    # reset gate open (Γ_r = 1): both are the simplified GRU (bca = 0)
    open_r = dict(p, Wrx=np.zeros((n_a, n_x)), Wra=np.zeros((n_a, n_a)), br=np.full(n_a, 1e3), bca=np.zeros(n_a))
    a_notes = gru_forward(x, a0, open_r, form="notes")[0]
    assert_close(a_notes, gru_forward(x, a0, open_r, form="torch")[0])
    assert_close(a_notes, gru_forward(x, a0, open_r, form="simplified")[0])
    # no recurrent term in the candidate: the reset gate has nothing to act on
    no_rec = dict(p, Wca=np.zeros((n_a, n_a)), bca=np.zeros(n_a))
    assert_close(gru_forward(x, a0, no_rec, form="notes")[0], gru_forward(x, a0, no_rec, form="torch")[0])


# ------------------------------------------------ degenerate cases (note 002)
@pytest.mark.parametrize("seed", range(4))
def test_lstm_with_fixed_gates_is_a_tanh_rnn_then_tanh(seed):
    """Γ_u = 1, Γ_f = 0, Γ_o = 1: c = c̃ and a = tanh(tanh(Wcx x + Wca a_prev + bc))."""
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, LSTM_KEYS, n_x, n_a)
    for gate, bias in (("u", 1e3), ("f", -1e3), ("o", 1e3)):
        p.update({f"W{gate}x": np.zeros((n_a, n_x)), f"W{gate}a": np.zeros((n_a, n_a)), f"b{gate}": np.full(n_a, bias)})
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    a, c, _ = lstm_forward(x, a0, c0, p)
    a_prev = a0
    for t in range(T):
        c_t = rnn_cell_forward(x[t], a_prev, p["Wcx"], p["Wca"], p["bc"])[0]  # plain tanh RNN step
        assert_close(c[t], c_t)
        assert_close(a[t], np.tanh(c_t))
        a_prev = np.tanh(c_t)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("form", ["notes", "torch"])
def test_gru_with_reset_open_and_update_one_is_a_tanh_rnn(seed, form):
    """Note 002 (z keeps): reset 1 and z = 0, i.e. Γ_u = 1, give a = tanh(Wcx x + Wca a_prev + bc)."""
    rng, T, N, n_x, n_a = sizes(seed)
    p = random_params(rng, GRU_KEYS["notes"], n_x, n_a)
    for gate in "ru":
        p.update({f"W{gate}x": np.zeros((n_a, n_x)), f"W{gate}a": np.zeros((n_a, n_a)), f"b{gate}": np.full(n_a, 1e3)})
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))
    expected = rnn_forward(x, a0, p["Wcx"], p["Wca"], p["bc"])[0]
    assert_close(gru_forward(x, a0, p, form=form)[0], expected)


# ---------------------------------------------------------------- counts
@pytest.mark.parametrize("n_x, n_a", [(1, 1), (3, 5), (10, 7)])
def test_count_params(n_x, n_a):
    counts = {k: count_params(k, n_x, n_a) for k in ("rnn", "mgu", "gru", "lstm")}
    rnn = counts["rnn"]["ours"]
    assert rnn == sum(v.size for k, v in init_rnn_params(n_x, n_a, 2, np.random.default_rng(0)).items()
                      if k in ("Wax", "Waa", "ba"))
    assert counts["lstm"]["ours"] == 4 * rnn and counts["gru"]["ours"] == 3 * rnn and counts["mgu"]["ours"] == 2 * rnn
    rng = np.random.default_rng(0)
    size = lambda p: sum(v.size for v in p.values())  # noqa: E731
    assert size(init_gru_params(n_x, n_a, rng)) == counts["gru"]["ours"]
    assert size(init_gru_params(n_x, n_a, rng, form="torch")) == counts["gru"]["ours"] + n_a
    assert size(init_lstm_params(n_x, n_a, rng)) == counts["lstm"]["ours"]
    assert size(init_lstm_params(n_x, n_a, rng, peephole=True)) == counts["lstm"]["ours"] + 3 * n_a
    assert size(init_mgu_params(n_x, n_a, rng)) == counts["mgu"]["ours"]
    for kind, cls in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
        assert counts[kind]["torch"] == sum(q.numel() for q in cls(n_x, n_a).parameters()), kind
    assert counts["mgu"]["torch"] is None


def test_init_params():
    rng = np.random.default_rng(0)
    p = init_lstm_params(3, 4, rng, forget_bias=1.0, peephole=True)
    assert sorted(p) == sorted(LSTM_KEYS + ["pf", "pu", "po"])
    assert (p["bf"] > 0.5).all() and (np.abs(p["bu"]) <= 0.5).all()  # k = 1/sqrt(4)
    assert sorted(init_gru_params(3, 4, rng, form="simplified")) == sorted(GRU_KEYS["simplified"])
    q = init_mgu_params(3, 4, rng, scale=0.1)
    assert q["Wfx"].shape == (4, 3) and (np.abs(q["Wca"]) <= 0.1).all()


def test_float32_is_kept():
    rng = np.random.default_rng(1)
    p = init_lstm_params(3, 4, rng)
    x, a0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    a64, _, _ = lstm_forward(x, a0, a0, p)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    a32, c32, cache = lstm_forward(x.astype(np.float32), a0.astype(np.float32), a0.astype(np.float32), p32)
    assert a32.dtype == c32.dtype == np.float32
    assert_close(a32, a64, rtol=1e-5, atol=1e-6)
    assert all(v.dtype == np.float32 for v in lstm_backward(np.ones_like(a32), cache).values())
    g32, _ = gru_forward(x.astype(np.float32), a0.astype(np.float32), {k: v.astype(np.float32) for k, v in
                                                                         init_gru_params(3, 4, rng).items()})
    assert g32.dtype == np.float32


# ------------------------------------------------------------------ errors
def _gru_p(**changes):
    p = init_gru_params(3, 4, np.random.default_rng(0), form="torch")
    p.update(changes)
    return {k: v for k, v in p.items() if v is not None}


def _lstm_p(**changes):
    p = init_lstm_params(3, 4, np.random.default_rng(0))
    p.update(changes)
    return {k: v for k, v in p.items() if v is not None}


X, A0 = np.zeros((2, 5, 3)), np.zeros((5, 4))


@pytest.mark.parametrize("call, fragment", [
    (lambda: gru_forward(X, A0, _gru_p(Wca=None)), "params: missing key 'Wca'"),
    (lambda: gru_forward(X, A0, _gru_p(br=None), form="torch"), "params: missing key 'br'"),
    (lambda: gru_forward(X, A0, _gru_p(Wua=np.zeros((4, 3)))), "Wua: expected shape (n_a, n_a) = (4, 4), got (4, 3)"),
    (lambda: gru_forward(X, A0, _gru_p(bca=np.zeros(3)), form="torch"), "bca: expected shape (n_a,) = (4,), got (3,)"),
    (lambda: gru_forward(X, A0, _gru_p(), form="pytorch"), "form: expected one of ('notes', 'torch', 'simplified')"),
    (lambda: gru_cell_forward(X[0], A0, _gru_p(), form="Notes"), "form: expected one of"),
    (lambda: gru_forward(X[0], A0, _gru_p()), "x: expected a 3-d array, got shape (5, 3)"),
    (lambda: gru_forward(np.zeros((2, 5, 2)), A0, _gru_p()), "x: expected shape (T, N, n_x) = (?, ?, 3), got (2, 5, 2)"),
    (lambda: gru_forward(X, np.zeros((4, 4)), _gru_p()), "a0: expected shape (N, n_a) = (5, 4), got (4, 4)"),
    (lambda: gru_cell_forward(X[0], np.zeros((5, 3)), _gru_p()), "a_prev: expected shape (N, n_a) = (5, 4)"),
    (lambda: gru_forward(X, A0, [1, 2]), "params: expected a dict of named arrays, got list"),
    (lambda: gru_backward(np.zeros((2, 5, 3)), gru_forward(X, A0, _gru_p())[1]), "da: expected shape (T, N, n_a)"),
    (lambda: gru_backward(np.zeros((2, 5, 4)), gru_forward(X, A0, _gru_p())[1], da_last=np.zeros((5, 3))),
     "da_last: expected shape (N, n_a) = (5, 4), got (5, 3)"),
    (lambda: gru_backward(np.zeros((2, 5, 4)), lstm_forward(X, A0, A0, _lstm_p())[2]), "cache: expected a GRUCache"),
    (lambda: gru_cell_backward(np.zeros((5, 4)), None), "cache: expected a GRUStepCache"),
    (lambda: lstm_forward(X, A0, A0, _lstm_p(bo=None)), "params: missing key 'bo'"),
    (lambda: lstm_forward(X, A0, A0, _lstm_p(), peephole=True), "params: missing key 'pf'"),
    (lambda: lstm_forward(X, A0, A0, _lstm_p(po=np.zeros(4))), "peephole keys (pf, pu, po) but peephole=False"),
    (lambda: lstm_forward(X, A0, A0, _lstm_p(pf=np.zeros(3), pu=np.zeros(4), po=np.zeros(4)), peephole=True),
     "pf: expected shape (n_a,) = (4,), got (3,)"),
    (lambda: lstm_forward(X, A0, np.zeros((5, 3)), _lstm_p()), "c0: expected shape (N, n_a) = (5, 4), got (5, 3)"),
    (lambda: lstm_forward(X, A0, A0, _lstm_p(Wfx=np.zeros((4, 2)))),
     "Wfx: expected shape (n_a, n_x) = (4, 3)"),
    (lambda: lstm_cell_backward(np.zeros((5, 4)), np.zeros((5, 3)), lstm_cell_forward(X[0], A0, A0, _lstm_p())[2]),
     "dc_next: expected shape (N, n_a) = (5, 4), got (5, 3)"),
    (lambda: lstm_backward(np.zeros((2, 5, 4)), lstm_forward(X, A0, A0, _lstm_p())[2], dc_last=np.zeros(4)),
     "dc_last: expected a 2-d array, got shape (4,)"),
    (lambda: lstm_to_torch(_lstm_p(pf=np.zeros(4), pu=np.zeros(4), po=np.zeros(4))), "torch.nn.LSTM has no peepholes"),
    (lambda: lstm_from_torch(torch.nn.GRU(3, 4)), "module: expected a one-layer, unidirectional torch.nn.LSTM"),
    (lambda: gru_from_torch(torch.nn.GRU(3, 4, num_layers=2)), "module: expected a one-layer"),
    (lambda: mgu_forward(X, A0, {"Wfx": np.zeros((4, 3))}), "params: missing key 'Wfa'"),
    (lambda: count_params("transformer", 3, 4), "kind: expected one of ('rnn', 'mgu', 'gru', 'lstm')"),
    (lambda: count_params("gru", 0, 4), "n_x: expected an integer >= 1, got 0"),
    (lambda: init_gru_params(3, 4, 0), "rng: expected a numpy Generator"),
])
def test_errors(call, fragment):
    with pytest.raises(ValueError) as info:
        call()
    assert fragment in str(info.value)
