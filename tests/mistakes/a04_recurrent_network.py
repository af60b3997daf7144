"""Realistic mistakes in assignment 04-recurrent-network: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "04-recurrent-network"

MUTANTS = [
    Mutant(A, "transposed input weight", "rnn_step",
           "xt @ Wax.T", "xt @ Wax", "test_rnn_step", "the input term is xt @ Wax.T"),
    Mutant(A, "transposed recurrent weight", "rnn_step",
           "a_prev @ Waa.T", "a_prev @ Waa", "test_rnn_step", "Waa is transposed"),
    Mutant(A, "missing bias", "rnn_step",
           "a_prev @ Waa.T + ba)", "a_prev @ Waa.T)", "test_rnn_step", "the bias ba"),
    Mutant(A, "ReLU instead of tanh", "rnn_step",
           "np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)", "np.maximum(xt @ Wax.T + a_prev @ Waa.T + ba, 0)",
           "test_rnn_step", "not ReLU"),
    Mutant(A, "state not carried", "rnn_states",
           "rnn_step(x[t], a_prev, Wax, Waa, ba)", "rnn_step(x[t], a0, Wax, Waa, ba)",
           "test_rnn_states", "state is not carried"),
    Mutant(A, "off by one in time", "rnn_states",
           "a_prev = rnn_step(x[t], a_prev, Wax, Waa, ba)\n        a[t] = a_prev",
           "a[t] = a_prev\n        a_prev = rnn_step(x[t], a_prev, Wax, Waa, ba)",
           "test_rnn_states", "off by one in time"),
    Mutant(A, "Jordan output not fed back", "jordan_forward",
           "y_prev = y_hat[t]", "pass", "test_jordan_forward", "not fed back"),
    Mutant(A, "padding read as the last step", "many_to_one_forward",
           "a[np.asarray(lengths) - 1, np.arange(x.shape[1])]", "a[-1]", "test_many_to_one_forward",
           "the padding was read"),
    Mutant(A, "softmax over the wrong axis", "many_to_one_forward",
           "z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
           "z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)",
           "test_many_to_one_forward", "wrong axis"),
]


# ================================================================ 04 rnn_step
F = "rnn_step"


@mistake(F, "Wax not transposed", "Wax")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax + a_prev @ Waa.T + ba)


@mistake(F, "Waa not transposed", "Waa is transposed")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa + ba)


@mistake(F, "bias missing", "the bias ba")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T)


@mistake(F, "bias subtracted", "the bias ba")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T - ba)


@mistake(F, "bias added after tanh", "the bias goes inside the tanh")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T) + ba


@mistake(F, "ReLU", "not ReLU")
def _(xt, a_prev, Wax, Waa, ba):
    return np.maximum(xt @ Wax.T + a_prev @ Waa.T + ba, 0)


@mistake(F, "sigmoid", "not the sigmoid")
def _(xt, a_prev, Wax, Waa, ba):
    return _sigmoid(xt @ Wax.T + a_prev @ Waa.T + ba)


@mistake(F, "no activation", "the activation is missing")
def _(xt, a_prev, Wax, Waa, ba):
    return xt @ Wax.T + a_prev @ Waa.T + ba


@mistake(F, "tanh of the input term only", "tanh applies to the whole sum")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T) + a_prev @ Waa.T + ba


@mistake(F, "previous state ignored", "the recurrent term")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + ba)


@mistake(F, "input ignored", "the input term")
def _(xt, a_prev, Wax, Waa, ba):
    return np.tanh(a_prev @ Waa.T + ba)


@mistake(F, "returns (a_next, z)", "expected a numpy array")
def _(xt, a_prev, Wax, Waa, ba):
    z = xt @ Wax.T + a_prev @ Waa.T + ba
    return np.tanh(z), z


# ===================================================================== 04 rnn_states
F = "rnn_states"


def _cell(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)


@mistake(F, "state not carried", "the state is not carried")
def _(x, a0, Wax, Waa, ba):
    return np.stack([_cell(x[t], a0, Wax, Waa, ba) for t in range(x.shape[0])])


@mistake(F, "stored before the step", "off by one in time")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a[t] = a_prev
        a_prev = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "time reversed", "time runs backwards")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in reversed(range(x.shape[0])):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "initial state ignored", "a0 is ignored")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), np.zeros_like(a0)
    for t in range(x.shape[0]):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "last step not computed", "the last time step")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0] - 1):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "only the last state returned", "every time step")
def _(x, a0, Wax, Waa, ba):
    a_prev = a0
    for t in range(x.shape[0]):
        a_prev = _cell(x[t], a_prev, Wax, Waa, ba)
    return a_prev


@mistake(F, "batch-major result", "time-major")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[1], x.shape[0], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[:, t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "states allocated with n_x", "n_a")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros_like(x), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = _cell(x[t], a_prev, Wax, Waa, ba)
    return a


@mistake(F, "no activation (a wrong cell)", "the activation is missing")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = x[t] @ Wax.T + a_prev @ Waa.T + ba
    return a


@mistake(F, "bias missing (a wrong cell)", "check the bias ba")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = np.tanh(x[t] @ Wax.T + a_prev @ Waa.T)
    return a


@mistake(F, "Waa transposed", "Waa is transposed")
def _(x, a0, Wax, Waa, ba):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = np.tanh(x[t] @ Wax.T + a_prev @ Waa + ba)
    return a


# ================================================================== 04 jordan_forward
F = "jordan_forward"


def _jordan(x, y0, Wax, Way, ba, Wya, by, feed=True, shift=False, act=np.tanh, out=lambda z: z,
            use_ba=True, use_by=True, y_init=None, reverse=False):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0 if y_init is None else y_init
    for t in (reversed(range(T)) if reverse else range(T)):
        a[t] = act(x[t] @ Wax.T + y_prev @ Way.T + (ba if use_ba else 0))
        y[t] = out(a[t] @ Wya.T + (by if use_by else 0))
        if feed:
            y_prev = y[t]
    return y, a


@mistake(F, "output not fed back", "not fed back")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, feed=False)


@mistake(F, "initial output ignored", "y0 is ignored")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, y_init=np.zeros_like(y0))


@mistake(F, "no hidden activation", "the hidden activation is missing")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, act=lambda z: z)


@mistake(F, "tanh on the output", "the output is linear")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, out=np.tanh)


@mistake(F, "output bias missing", "the output bias by")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, use_by=False)


@mistake(F, "hidden bias missing", "the hidden bias ba")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, use_ba=False)


@mistake(F, "time reversed", "time runs backwards")
def _(x, y0, Wax, Way, ba, Wya, by):
    return _jordan(x, y0, Wax, Way, ba, Wya, by, reverse=True)


@mistake(F, "returns (a, y_hat)", "order is (y_hat, a)")
def _(x, y0, Wax, Way, ba, Wya, by):
    y, a = _jordan(x, y0, Wax, Way, ba, Wya, by)
    return a, y


@mistake(F, "Way not transposed", "Way")
def _(x, y0, Wax, Way, ba, Wya, by):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0
    for t in range(T):
        a[t] = np.tanh(x[t] @ Wax.T + y_prev @ Way + ba)
        y[t] = y_prev = a[t] @ Wya.T + by
    return y, a


@mistake(F, "pre-activations stored as the hidden states", "pre-activations")
def _(x, y0, Wax, Way, ba, Wya, by):
    T, N, _ = x.shape
    a, y = np.zeros((T, N, Wax.shape[0])), np.zeros((T, N, Wya.shape[0]))
    y_prev = y0
    for t in range(T):
        a[t] = x[t] @ Wax.T + y_prev @ Way.T + ba
        y[t] = y_prev = np.tanh(a[t]) @ Wya.T + by
    return y, a


# ============================================================ 04 many_to_one_forward
F = "many_to_one_forward"


def _states(x, a0, Wax, Waa, ba, cell=_cell):
    a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
    for t in range(x.shape[0]):
        a_prev = a[t] = cell(x[t], a_prev, Wax, Waa, ba)
    return a


def _last(a, lengths):
    return a[np.asarray(lengths) - 1, np.arange(a.shape[1])]


@mistake(F, "padded last step", "the padding was read")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_states(x, a0, Wax, Waa, ba)[-1] @ Wya.T + by)


@mistake(F, "softmax over the examples", "wrong axis")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by, axis=0)


@mistake(F, "no softmax", "the softmax is missing")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by


@mistake(F, "sigmoid instead of softmax", "sigmoid")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _sigmoid(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by)


@mistake(F, "lengths used as a 0-based row", "lengths[i] - 1")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = _states(x, a0, Wax, Waa, ba)
    return _softmax(a[np.asarray(lengths), np.arange(x.shape[1])] @ Wya.T + by)


@mistake(F, "whole time steps picked", "one column per example")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = _states(x, a0, Wax, Waa, ba)
    return _softmax(a[np.asarray(lengths) - 1] @ Wya.T + by, axis=-1)


@mistake(F, "output bias missing", "the output bias by")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T)


@mistake(F, "initial state ignored", "a0 is ignored")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    return _softmax(_last(_states(x, np.zeros_like(a0), Wax, Waa, ba), lengths) @ Wya.T + by)


@mistake(F, "softmax without the max", "subtract")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    z = _last(_states(x, a0, Wax, Waa, ba), lengths) @ Wya.T + by
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@mistake(F, "a wrong rnn_states (state not carried)", "state is not carried")
def _(x, lengths, a0, Wax, Waa, ba, Wya, by):
    a = np.stack([_cell(x[t], a0, Wax, Waa, ba) for t in range(x.shape[0])])
    return _softmax(_last(a, lengths) @ Wya.T + by)
