"""Clockwork RNN and SCRN: numpy forward vs independent step-by-step torch computations, vs the
package's Elman RNN in degenerate settings, closed forms, and autograd of the torch twins vs
finite differences of the numpy forward."""
import numpy as np
import pytest
import torch

from rnncourse.gradcheck import numerical_gradient, relative_error
from rnncourse.longmemory import (clockwork_active, clockwork_forward, clockwork_mask, clockwork_to_torch,
                                  init_clockwork_params, init_scrn_params, scrn_forward, scrn_to_torch)
from rnncourse.rnn import rnn_forward

PERIODS = [(1,), (1, 2), (1, 3), (1, 2, 4), (2, 5), (1, 2, 4, 8)]


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def cw_case(seed):
    rng = np.random.default_rng(seed)
    periods = PERIODS[seed % len(PERIODS)]
    k = int(rng.integers(1, 4))
    n_a, n_x = k * len(periods), int(rng.integers(1, 5))
    T, N = int(rng.integers(1, 12)), int(rng.integers(1, 4))
    p = init_clockwork_params(n_x, n_a, periods, rng, scale=0.8)
    p["ba"] = rng.normal(size=n_a)                      # non-zero bias
    x, a0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a))   # non-zero initial state
    return periods, p, x, a0, rng


def scrn_case(seed):
    rng = np.random.default_rng(100 + seed)
    n_x, n_a, n_s = (int(v) for v in rng.integers(1, 5, 3))
    T, N = int(rng.integers(1, 10)), int(rng.integers(1, 4))
    p = init_scrn_params(n_x, n_a, n_s, rng, scale=0.8)
    p["ba"] = rng.normal(size=n_a)
    alpha = float(rng.uniform(0.5, 1.0))
    return p, alpha, rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_s)), rng


# ---------------------------------------------------------------------------- Clockwork RNN
def test_mask_is_block_upper_triangular_by_period():
    M = clockwork_mask((1, 2, 4), 6)
    want = np.kron(np.triu(np.ones((3, 3))), np.ones((2, 2)))
    np.testing.assert_array_equal(M, want)
    np.testing.assert_array_equal(clockwork_mask((3,), 4), np.ones((4, 4)))


@pytest.mark.parametrize("seed", range(8))
def test_clockwork_matches_step_by_step_torch(seed):
    periods, p, x, a0, _ = cw_case(seed)
    T, n_a = x.shape[0], a0.shape[1]
    size = n_a // len(periods)
    Wm = t64(p["Waa"]) * t64(clockwork_mask(periods, n_a))
    a = t64(a0)
    want = []
    for t in range(T):       # module by module, written independently of the reference
        new = a.clone()
        for i, P in enumerate(periods):
            rows = slice(i * size, (i + 1) * size)
            if t % P == 0:
                new[:, rows] = torch.tanh(t64(x[t]) @ t64(p["Wax"])[rows].T + a @ Wm[rows].T + t64(p["ba"])[rows])
        a = new
        want.append(a)
    got = clockwork_forward(x, a0, p["Wax"], p["Waa"], p["ba"], periods)
    np.testing.assert_allclose(got, torch.stack(want).numpy(), rtol=0, atol=1e-12)
    twin = clockwork_to_torch(p, periods)
    with torch.no_grad():
        np.testing.assert_allclose(twin(t64(x), t64(a0)).numpy(), got, rtol=0, atol=1e-12)


def test_clockwork_with_one_fast_module_is_the_elman_rnn():
    rng = np.random.default_rng(3)
    Wax, Waa, ba = rng.normal(size=(5, 3)), rng.normal(size=(5, 5)) * 0.5, rng.normal(size=5)
    x, a0 = rng.normal(size=(7, 2, 3)), rng.normal(size=(2, 5))
    got = clockwork_forward(x, a0, Wax, Waa, ba, (1,))
    np.testing.assert_allclose(got, rnn_forward(x, a0, Wax, Waa, ba)[0], rtol=0, atol=1e-13)


def test_slow_modules_hold_their_state_between_ticks():
    periods, p, x, a0, _ = cw_case(4)             # periods (2, 5)
    assert periods == (2, 5)
    x = np.random.default_rng(9).normal(size=(11, a0.shape[0], x.shape[2]))
    a = clockwork_forward(x, a0, p["Wax"], p["Waa"], p["ba"], periods)
    states = np.concatenate([a0[None], a])
    active = clockwork_active(periods, a0.shape[1], 11)
    for t in range(11):
        held = ~active[t]
        np.testing.assert_array_equal(states[t + 1][:, held], states[t][:, held])
        assert np.all(states[t + 1][:, active[t]] != states[t][:, active[t]])
    assert active[:, 0].tolist() == [t % 2 == 0 for t in range(11)]


def test_masked_weights_do_not_matter():
    periods, p, x, a0, rng = cw_case(3)
    noisy = dict(p, Waa=p["Waa"] + (1 - clockwork_mask(periods, a0.shape[1])) * rng.normal(size=p["Waa"].shape))
    np.testing.assert_array_equal(clockwork_forward(x, a0, noisy["Wax"], noisy["Waa"], noisy["ba"], periods),
                                  clockwork_forward(x, a0, p["Wax"], p["Waa"], p["ba"], periods))


@pytest.mark.parametrize("seed", range(6))
def test_clockwork_autograd_matches_finite_differences(seed):
    periods, p, x, a0, rng = cw_case(seed)
    dout = rng.normal(size=(x.shape[0], x.shape[1], a0.shape[1]))
    twin = clockwork_to_torch(p, periods)
    xt, a0t = t64(x, True), t64(a0, True)
    (twin(xt, a0t) * t64(dout)).sum().backward()
    p = {k: v.copy() for k, v in p.items()}
    x, a0 = x.copy(), a0.copy()
    f = lambda: clockwork_forward(x, a0, p["Wax"], p["Waa"], p["ba"], periods)  # noqa: E731
    mask = clockwork_mask(periods, a0.shape[1])
    for name, arr, grad in [("Wax", p["Wax"], twin.Wax.grad), ("Waa", p["Waa"], twin.Waa.grad),
                            ("ba", p["ba"], twin.ba.grad), ("x", x, xt.grad), ("a0", a0, a0t.grad)]:
        num = numerical_gradient(f, arr, dout)
        if name == "Waa":
            num = num * mask          # masked entries have no effect; the twin gives them 0
            assert np.all(grad.numpy()[mask == 0] == 0)
        assert relative_error(grad.numpy(), num) < 1e-7, name


# ------------------------------------------------------------------------------------- SCRN
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_scrn_matches_step_by_step_torch(seed, activation):
    p, alpha, x, a0, s0, _ = scrn_case(seed)
    g = torch.sigmoid if activation == "sigmoid" else torch.tanh
    a, s, want_a, want_s = t64(a0), t64(s0), [], []
    for t in range(x.shape[0]):
        s = (1 - alpha) * (t64(p["Wsx"]) @ t64(x[t]).T).T + alpha * s
        a = g(s @ t64(p["Was"]).T + t64(x[t]) @ t64(p["Wax"]).T + a @ t64(p["Waa"]).T + t64(p["ba"]))
        want_a.append(a)
        want_s.append(s)
    got_a, got_s = scrn_forward(x, a0, s0, p, alpha, activation)
    np.testing.assert_allclose(got_a, torch.stack(want_a).numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got_s, torch.stack(want_s).numpy(), rtol=0, atol=1e-12)
    with torch.no_grad():
        ta, ts = scrn_to_torch(p, alpha, activation)(t64(x), t64(a0), t64(s0))
    np.testing.assert_allclose(ta.numpy(), got_a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ts.numpy(), got_s, rtol=0, atol=1e-12)


def test_scrn_context_is_a_moving_average_in_closed_form():
    p, alpha, x, a0, s0, _ = scrn_case(4)
    _, s = scrn_forward(x, a0, s0, p, alpha)
    T = x.shape[0]
    for t in range(T):
        closed = alpha ** (t + 1) * s0 + sum((1 - alpha) * alpha ** (t - k) * (x[k] @ p["Wsx"].T)
                                             for k in range(t + 1))
        np.testing.assert_allclose(s[t], closed, rtol=1e-12, atol=1e-12)


def test_scrn_without_context_is_a_tanh_rnn():
    p, alpha, x, a0, s0, _ = scrn_case(2)
    p = dict(p, Was=np.zeros_like(p["Was"]))
    a, _ = scrn_forward(x, a0, s0, p, alpha, activation="tanh")
    np.testing.assert_allclose(a, rnn_forward(x, a0, p["Wax"], p["Waa"], p["ba"])[0], rtol=0, atol=1e-13)


@pytest.mark.parametrize("seed", range(6))
def test_scrn_autograd_matches_finite_differences(seed):
    p, alpha, x, a0, s0, rng = scrn_case(seed)
    da = rng.normal(size=(x.shape[0], x.shape[1], a0.shape[1]))
    ds = rng.normal(size=(x.shape[0], x.shape[1], s0.shape[1]))
    twin = scrn_to_torch(p, alpha)
    xt, a0t, s0t = t64(x, True), t64(a0, True), t64(s0, True)
    ta, ts = twin(xt, a0t, s0t)
    ((ta * t64(da)).sum() + (ts * t64(ds)).sum()).backward()
    p = {k: v.copy() for k, v in p.items()}
    x, a0, s0 = x.copy(), a0.copy(), s0.copy()

    def f():
        a, s = scrn_forward(x, a0, s0, p, alpha)
        return np.concatenate([(a * da).ravel(), (s * ds).ravel()])

    for name, arr, grad in [(k, p[k], getattr(twin, k).grad) for k in ("Wsx", "Wax", "Waa", "Was", "ba")] + \
                           [("x", x, xt.grad), ("a0", a0, a0t.grad), ("s0", s0, s0t.grad)]:
        num = numerical_gradient(f, arr)
        assert relative_error(grad.numpy(), num) < 1e-7, name


# ------------------------------------------------------------------------------------ errors
def test_errors_name_the_argument():
    rng = np.random.default_rng(0)
    p = init_clockwork_params(2, 4, (1, 2), rng)
    x, a0 = np.zeros((3, 1, 2)), np.zeros((1, 4))
    with pytest.raises(ValueError, match="periods"):
        clockwork_forward(x, a0, p["Wax"], p["Waa"], p["ba"], (1, 2, 4))      # 4 units, 3 modules
    with pytest.raises(ValueError, match="periods"):
        clockwork_mask((2, 1), 4)
    with pytest.raises(ValueError, match="periods"):
        clockwork_mask((1, 0), 4)
    with pytest.raises(ValueError, match="periods"):
        clockwork_mask([], 4)
    with pytest.raises(ValueError, match="a0"):
        clockwork_forward(x, np.zeros((2, 4)), p["Wax"], p["Waa"], p["ba"], (1, 2))
    with pytest.raises(ValueError, match="Wax"):
        clockwork_forward(x, a0, np.zeros((4, 3)), p["Waa"], p["ba"], (1, 2))
    ps = init_scrn_params(2, 3, 2, rng)
    with pytest.raises(ValueError, match="alpha"):
        scrn_forward(x, np.zeros((1, 3)), np.zeros((1, 2)), ps, alpha=1.5)
    with pytest.raises(ValueError, match="activation"):
        scrn_forward(x, np.zeros((1, 3)), np.zeros((1, 2)), ps, activation="relu")
    with pytest.raises(ValueError, match="s0"):
        scrn_forward(x, np.zeros((1, 3)), np.zeros((1, 3)), ps)
    with pytest.raises(ValueError, match="Was"):
        scrn_forward(x, np.zeros((1, 3)), np.zeros((1, 2)), dict(ps, Was=np.zeros((3, 3))))
    with pytest.raises(ValueError, match="params: missing Waa"):
        scrn_forward(x, np.zeros((1, 3)), np.zeros((1, 2)), {k: v for k, v in ps.items() if k != "Waa"})
    with pytest.raises(ValueError, match="n_a"):
        init_scrn_params(2, 0, 2, rng)


# ----------------------------------------------------------------------- the benchmark helpers
def test_adding_data_marks_one_value_in_each_half():
    from rnncourse.tasks import adding_data
    x, y = adding_data(np.random.default_rng(0), 10, 500)
    assert x.shape == (10, 500, 2) and y.shape == (500,)
    m = x[:, :, 1]
    assert np.all(m[:5].sum(0) == 1) and np.all(m[5:].sum(0) == 1)
    np.testing.assert_allclose(y, (x[:, :, 0] * m).sum(0))
    assert 0.9 < y.mean() < 1.1                  # two U(0, 1) numbers: mean 1
    with pytest.raises(ValueError, match="T"):
        adding_data(np.random.default_rng(0), 1, 5)


@pytest.mark.parametrize("kind", ["irnn", "lstm", "clockwork", "scrn"])
def test_long_memory_training_is_reproducible_and_learns_something(kind):
    from rnncourse.longmemory import train_long_memory
    from rnncourse.tasks import adding_data
    test = adding_data(np.random.default_rng(1), 6, 200)
    l1, m1 = train_long_memory(kind, 6, 40, np.random.default_rng(0), hidden=8, test=test,
                               **({"periods": (1, 2)} if kind == "clockwork" else {}))
    l2, m2 = train_long_memory(kind, 6, 40, np.random.default_rng(0), hidden=8, test=test,
                               **({"periods": (1, 2)} if kind == "clockwork" else {}))
    np.testing.assert_array_equal(l1, l2)
    assert m1 == m2 and np.all(np.isfinite(l1))
    assert l1[-10:].mean() < l1[:3].mean()      # from a random start the loss falls towards the mean


def test_long_memory_model_checks_its_arguments():
    from rnncourse.longmemory import long_memory_model
    with pytest.raises(ValueError, match="kind"):
        long_memory_model("gru", 8, np.random.default_rng(0))
    with pytest.raises(ValueError, match="hidden"):
        long_memory_model("lstm", 0, np.random.default_rng(0))


# ------------------------------------------------------------ the shared tasks (rnncourse.tasks)
def test_adding_batch_is_adding_data_as_float32_tensors():
    from rnncourse.tasks import adding_batch, adding_data
    x, y = adding_data(np.random.default_rng(3), 12, 5)
    tx, ty = adding_batch(np.random.default_rng(3), 12, 5)  # the same draws
    assert tx.dtype == ty.dtype == torch.float32 and tuple(ty.shape) == (5, 1)
    np.testing.assert_allclose(tx.numpy(), x, rtol=1e-7)
    np.testing.assert_allclose(ty.numpy()[:, 0], y, rtol=1e-6)
    assert (x[:6, :, 1].sum(0) == 1).all() and (x[6:, :, 1].sum(0) == 1).all()  # one marker per half


def test_train_adding_returns_the_losses_and_a_test_mse():
    from rnncourse.tasks import adding_batch, train_adding
    test = adding_batch(np.random.default_rng(1), 10, 50)
    losses, mse = train_adding("GRU", 10, 4, 3, seed=0, test=test)
    again, mse2 = train_adding("GRU", 10, 4, 3, seed=0, test=test)
    assert losses.shape == (3,) and np.isfinite(losses).all() and mse > 0
    np.testing.assert_array_equal(losses, again)  # seeded: the same run twice
    with pytest.raises(ValueError, match="kind"):
        train_adding("LSTMCell", 10, 4, 3, seed=0)


def test_memory_task_targets_follow_the_lecture_rules():
    """Hung-yi Lee's example, worked by hand: write 3, keep, write 1 and show, show, erase and show, write 2."""
    from rnncourse.tasks import memory_task_targets
    x = np.array([[[3, 1, 0]], [[2, 0, 0]], [[1, 1, 1]], [[-1, 0, 1]], [[0, -1, 1]], [[2, 1, 1]]], dtype=float)
    a, c = memory_task_targets(x)
    c_hand = [np.tanh(3), np.tanh(3), np.tanh(3) + np.tanh(1), np.tanh(3) + np.tanh(1), 0.0, np.tanh(2)]
    a_hand = [0.0, 0.0, np.tanh(c_hand[2]), np.tanh(c_hand[3]), 0.0, np.tanh(c_hand[5])]
    np.testing.assert_allclose(c[:, 0, 0], c_hand, rtol=1e-15)
    np.testing.assert_allclose(a[:, 0, 0], a_hand, rtol=1e-15)
    with pytest.raises(ValueError, match="x"):
        memory_task_targets(np.zeros((3, 2)))
