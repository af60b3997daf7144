"""Every deliberately wrong variant the checks use for a diagnosis equals the package's reference when
all its mistakes are switched off (random sizes, non-zero biases and states): a variant that drifted from
the reference would name a fault the student did not make."""
import numpy as np
import pytest

from rnncourse import gru, lstm, rnn
from rnncourse.checks import ch05, ch07, ch07_backward

SEEDS = range(6)


def _sizes(rng, seed):
    T, N, n_x, n_a = (int(v) for v in rng.integers(1, 6, size=4))
    if seed == 0:
        T, N = 1, 1
    if seed == 1:
        n_x = n_a
    return T, N, n_x, n_a


def _params(rng, keys, n_x, n_a):
    return {k: rng.normal(scale=0.7, size=(n_a, n_x) if k.endswith("x") else (n_a, n_a) if k[0] == "W"
                          else (n_a,)) for k in keys}


def _close(a, b, what):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("seed", SEEDS)
def test_bptt_variant_without_mistakes_is_rnn_backward(seed):
    rng = np.random.default_rng(seed)
    T, N, n_x, n_a = _sizes(rng, seed)
    a = {"x": rng.normal(size=(T, N, n_x)), "a0": rng.normal(size=(N, n_a)), "da": rng.normal(size=(T, N, n_a)),
         **{k: rng.normal(size=s) for k, s in (("Wax", (n_a, n_x)), ("Waa", (n_a, n_a)), ("ba", (n_a,)))}}
    got = ch05._bptt_variant(a)
    _, cache = rnn.rnn_forward(a["x"], a["a0"], a["Wax"], a["Waa"], a["ba"])
    want = rnn.rnn_backward(a["da"], cache)
    for k in want:
        _close(got[k], want[k], k)


@pytest.mark.parametrize("seed", SEEDS)
def test_cell_backward_variant_with_the_right_dz_is_rnn_cell_backward(seed):
    rng = np.random.default_rng(seed)
    _, N, n_x, n_a = _sizes(rng, seed)
    a = {"xt": rng.normal(size=(N, n_x)), "a_prev": rng.normal(size=(N, n_a)), "da_next": rng.normal(size=(N, n_a)),
         "Wax": rng.normal(size=(n_a, n_x)), "Waa": rng.normal(size=(n_a, n_a)), "ba": rng.normal(size=n_a)}
    a_next, cache = rnn.rnn_cell_forward(a["xt"], a["a_prev"], a["Wax"], a["Waa"], a["ba"])
    got = ch05._cell_wrong(a, a["da_next"] * (1 - a_next ** 2))
    want = rnn.rnn_cell_backward(a["da_next"], cache)
    for k in want:
        _close(got[k], want[k], k)


@pytest.mark.parametrize("seed", SEEDS)
def test_gru_parts_give_gru_step(seed):
    rng = np.random.default_rng(seed)
    _, N, n_x, n_a = _sizes(rng, seed)
    x, a, p = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), _params(rng, ch07.GRU_KEYS, n_x, n_a)
    _, _, r, u, cand = ch07._gru_parts(x, a, p)
    _close(u * cand + (1 - u) * a, gru.gru_step(x, a, p), "a_next")
    _, cache = gru.gru_cell_forward(x, a, p)
    _close(r, cache.gamma_r, "gamma_r")
    _close(u, cache.gamma_u, "gamma_u")


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_parts_give_lstm_step(seed):
    rng = np.random.default_rng(seed)
    _, N, n_x, n_a = _sizes(rng, seed)
    x, a, c = rng.normal(size=(N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    p = _params(rng, ch07.LSTM_KEYS, n_x, n_a)
    _, f, u, o, ct = ch07._lstm_parts(x, a, c, p)
    a_next, c_next = lstm.lstm_step(x, a, c, p)
    _close(f * c + u * ct, c_next, "c_next")
    _close(o * np.tanh(f * c + u * ct), a_next, "a_next")


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_sequence_variant_without_mistakes_is_lstm_states(seed):
    rng = np.random.default_rng(seed)
    T, N, n_x, n_a = _sizes(rng, seed)
    x, a0, c0 = rng.normal(size=(T, N, n_x)), rng.normal(size=(N, n_a)), rng.normal(size=(N, n_a))
    p = _params(rng, ch07.LSTM_KEYS, n_x, n_a)
    for got, want, what in zip(ch07._lf_variant(x, a0, c0, p), lstm.lstm_states(x, a0, c0, p), "ac"):
        _close(got, want, what)


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_backward_variant_without_mistakes_is_lstm_cell_backward(seed):
    rng = np.random.default_rng(seed)
    _, N, n_x, n_a = _sizes(rng, seed)
    a = {"xt": rng.normal(size=(N, n_x)), "a_prev": rng.normal(size=(N, n_a)), "c_prev": rng.normal(size=(N, n_a)),
         "params": _params(rng, ch07.LSTM_KEYS, n_x, n_a), "da_next": rng.normal(size=(N, n_a)),
         "dc_next": rng.normal(size=(N, n_a))}
    got = ch07_backward._lb_variant(a)
    *_, cache = lstm.lstm_cell_forward(a["xt"], a["a_prev"], a["c_prev"], a["params"])
    want = lstm.lstm_cell_backward(a["da_next"], a["dc_next"], cache)
    assert set(got) == set(want)
    for k in want:
        _close(got[k], want[k], k)


def test_the_memory_task_lives_in_the_package():
    """Assignment 7's hand_set_lstm is graded against rnncourse.tasks, not a copy in the checks."""
    from rnncourse import tasks
    assert not hasattr(ch07, "task_targets") and ch07.memory_task_targets is tasks.memory_task_targets


@pytest.mark.parametrize("seed", SEEDS)
def test_ch08_stack_variant_with_every_switch_off_is_the_reference(seed):
    from rnncourse import deep
    from rnncourse.checks import ch08
    for case in ch08._st_random(np.random.default_rng(seed)):
        a = case.args
        out, h_n, _ = deep.stack_forward("rnn", a["x"], [[p] for p in a["layers"]], None, a["a0"])
        top, finals, tops = ch08._st_variant(a["x"], a["a0"], a["layers"])
        _close(top, out, f"{case.label}: top layer")
        _close(finals, h_n, f"{case.label}: last states")
        assert len(tops) == len(a["layers"])
