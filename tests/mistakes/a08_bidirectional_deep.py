"""Realistic mistakes in assignment 08-bidirectional-deep: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions, graded by the
checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from rnncourse.rnn import rnn_forward as elman_forward  # chapter 4; imported under another name

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "08-bidirectional-deep"

MUTANTS = [
    Mutant(A, "backward states not reversed back", "birnn_forward",
           "a_bwd[:L, i] = states[:L, i][::-1]", "a_bwd[:L, i] = states[:L, i]",
           "test_birnn_forward", "not reversed back"),
    Mutant(A, "directions in the other order", "birnn_forward",
           "np.concatenate([a_fwd, a_bwd], axis=2)", "np.concatenate([a_bwd, a_fwd], axis=2)",
           "test_birnn_forward", "in the other order"),
    Mutant(A, "backward direction shares the initial state", "birnn_forward",
           "elman_forward(x_rev, a0_bwd, **params_bwd)", "elman_forward(x_rev, a0_fwd, **params_bwd)",
           "test_birnn_forward", "starts from a0_fwd"),
    Mutant(A, "upper layer fed x", "stacked_rnn_forward",
           "a = elman_forward(inputs, a0[l]", "a = elman_forward(x, a0[l]",
           "test_stacked_rnn_forward", "fed x instead of the states below"),
    Mutant(A, "tagger without the max shift", "tagger_output",
           "np.exp(z - z.max(axis=-1, keepdims=True))", "np.exp(z)",
           "test_tagger_output", "exp overflowed"),
]


def _real(x, lengths):
    return (np.arange(x.shape[0])[:, None] < np.asarray(lengths)[None, :])[:, :, None]


def _rev(v, lengths):
    out = np.zeros_like(v)
    for i, L in enumerate(lengths):
        out[:L, i] = v[:L, i][::-1]
    return out


# ================================================================ 08 birnn_forward
F = "birnn_forward"


@mistake(F, "backward states not reversed back", "not reversed back")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = elman_forward(_rev(x, lengths), a0_bwd, **params_bwd)[0]
    return np.concatenate([a_fwd, a_bwd], axis=2) * _real(x, lengths)


@mistake(F, "reversing the padded array", "reversed as a whole")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = elman_forward(x[::-1], a0_bwd, **params_bwd)[0][::-1]
    return np.concatenate([a_fwd, a_bwd], axis=2) * _real(x, lengths)


@mistake(F, "reversing the padded array, padding left in", "reversed as a whole")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0] * _real(x, lengths)
    a_bwd = elman_forward(np.flip(x, axis=0), a0_bwd, **params_bwd)[0]
    return np.concatenate([a_fwd, np.flip(a_bwd, axis=0)], axis=2)


@mistake(F, "directions concatenated in the other order", "in the other order")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = _rev(elman_forward(_rev(x, lengths), a0_bwd, **params_bwd)[0], lengths)
    return np.concatenate([a_bwd, a_fwd], axis=2) * _real(x, lengths)


@mistake(F, "initial state of the backward direction shared", "starts from a0_fwd")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = _rev(elman_forward(_rev(x, lengths), a0_fwd, **params_bwd)[0], lengths)
    return np.concatenate([a_fwd, a_bwd], axis=2) * _real(x, lengths)


@mistake(F, "one set of weights for both directions", "uses the forward direction's weights")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = _rev(elman_forward(_rev(x, lengths), a0_bwd, **params_fwd)[0], lengths)
    return np.concatenate([a_fwd, a_bwd], axis=2) * _real(x, lengths)


@mistake(F, "padding not zeroed", "padding positions are not zero")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0]
    a_bwd = _rev(elman_forward(_rev(x, lengths), a0_bwd, **params_bwd)[0], lengths)
    return np.concatenate([a_fwd, a_bwd], axis=2)


@mistake(F, "concatenated along time", "along the time axis")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0] * _real(x, lengths)
    a_bwd = _rev(elman_forward(_rev(x, lengths), a0_bwd, **params_bwd)[0], lengths)
    return np.concatenate([a_fwd, a_bwd])


@mistake(F, "backward direction never run", "backward direction was not run")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0] * _real(x, lengths)
    return np.concatenate([a_fwd, a_fwd], axis=2)


@mistake(F, "lengths read as last indices", "one step too few")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0] * _real(x, lengths)
    x_rev = np.zeros_like(x)
    for i, L in enumerate(lengths):
        x_rev[:L - 1, i] = x[:L - 1, i][::-1]  # as if lengths[i] were the index of the last step
    states = elman_forward(x_rev, a0_bwd, **params_bwd)[0]
    a_bwd = np.zeros_like(states)
    for i, L in enumerate(lengths):
        a_bwd[:L - 1, i] = states[:L - 1, i][::-1]
    return np.concatenate([a_fwd, a_bwd], axis=2)


@mistake(F, "a pair returned", "return one array")
def _(x, lengths, a0_fwd, a0_bwd, params_fwd, params_bwd):
    a_fwd = elman_forward(x, a0_fwd, **params_fwd)[0] * _real(x, lengths)
    return a_fwd, _rev(elman_forward(_rev(x, lengths), a0_bwd, **params_bwd)[0], lengths)


# ================================================================ 08 stacked_rnn_forward
F = "stacked_rnn_forward"


@mistake(F, "upper layer fed x", "fed x instead of the states below")
def _(x, a0, layers):
    top, finals = None, []
    for l, p in enumerate(layers):
        top = elman_forward(x, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(top[-1])
    return top, np.stack(finals)


@mistake(F, "one initial state for every layer", "every layer starts from a0[0]")
def _(x, a0, layers):
    inputs, finals = x, []
    for p in layers:
        inputs = elman_forward(inputs, a0[0], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(inputs[-1])
    return inputs, np.stack(finals)


@mistake(F, "first layer's weights everywhere", "every layer uses the first layer's weights")
def _(x, a0, layers):
    # runs only when n_x = n_a (otherwise a shape error): the first worked example has it
    inputs, finals = x, []
    p = layers[0]
    for l in range(len(layers)):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(inputs[-1])
    return inputs, np.stack(finals)


@mistake(F, "first layer's states returned", "a holds the first layer's states")
def _(x, a0, layers):
    inputs, finals, first = x, [], None
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        first = inputs if first is None else first
        finals.append(inputs[-1])
    return first, np.stack(finals)


@mistake(F, "upper layer one step late", "one step late")
def _(x, a0, layers):
    inputs, finals = x, []
    for l, p in enumerate(layers):
        a = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(a[-1])
        inputs = np.concatenate([a0[l][None], a[:-1]])  # a^[l]<t-1> instead of a^[l]<t>
    return a, np.stack(finals)


@mistake(F, "final states of the first step", "states of the first time step")
def _(x, a0, layers):
    inputs, finals = x, []
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(inputs[0])
    return inputs, np.stack(finals)


@mistake(F, "only the top layer's final state", "repeats the top layer's final state")
def _(x, a0, layers):
    inputs = x
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
    return inputs, np.stack([inputs[-1]] * len(layers))


@mistake(F, "initial states returned as final", "a_last holds the initial states a0")
def _(x, a0, layers):
    inputs = x
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
    return inputs, a0.copy()


@mistake(F, "final states top first", "a_last is in the wrong order")
def _(x, a0, layers):
    inputs, finals = x, []
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.insert(0, inputs[-1])
    return inputs, np.stack(finals)


@mistake(F, "pair in the other order", "the order is (a, a_last)")
def _(x, a0, layers):
    inputs, finals = x, []
    for l, p in enumerate(layers):
        inputs = elman_forward(inputs, a0[l], p["Wax"], p["Waa"], p["ba"])[0]
        finals.append(inputs[-1])
    return np.stack(finals), inputs


# ================================================================ 08 tagger_output
F = "tagger_output"


def _z(a_fwd, a_bwd, Wya, by):
    return np.concatenate([a_fwd, a_bwd], axis=2) @ Wya.T + by


@mistake(F, "directions in the other order", "in the other order")
def _(a_fwd, a_bwd, Wya, by):
    return _softmax(np.concatenate([a_bwd, a_fwd], axis=2) @ Wya.T + by, axis=-1)


@mistake(F, "softmax over time", "not over time")
def _(a_fwd, a_bwd, Wya, by):
    return _softmax(_z(a_fwd, a_bwd, Wya, by), axis=0)


@mistake(F, "softmax over the examples", "not over the examples")
def _(a_fwd, a_bwd, Wya, by):
    return _softmax(_z(a_fwd, a_bwd, Wya, by), axis=1)


@mistake(F, "no softmax", "the softmax is missing")
def _(a_fwd, a_bwd, Wya, by):
    return _z(a_fwd, a_bwd, Wya, by)


@mistake(F, "sigmoid", "a sigmoid is not a softmax")
def _(a_fwd, a_bwd, Wya, by):
    return _sigmoid(_z(a_fwd, a_bwd, Wya, by))


@mistake(F, "bias missing", "the output bias by is missing")
def _(a_fwd, a_bwd, Wya, by):
    return _softmax(np.concatenate([a_fwd, a_bwd], axis=2) @ Wya.T, axis=-1)


@mistake(F, "forward states only", "only the forward states were used")
def _(a_fwd, a_bwd, Wya, by):
    n_a = a_fwd.shape[-1]
    return _softmax(a_fwd @ Wya[:, :n_a].T + by, axis=-1)


@mistake(F, "directions added", "added instead of concatenated")
def _(a_fwd, a_bwd, Wya, by):
    n_a = a_fwd.shape[-1]
    return _softmax((a_fwd + a_bwd) @ Wya[:, :n_a].T + by, axis=-1)


@mistake(F, "no max shift", "exp overflowed")
def _(a_fwd, a_bwd, Wya, by):
    e = np.exp(_z(a_fwd, a_bwd, Wya, by))
    return e / e.sum(axis=-1, keepdims=True)


@mistake(F, "Wya not transposed", "Wya has shape (n_y, 2 n_a)")
def _(a_fwd, a_bwd, Wya, by):
    return _softmax(np.concatenate([a_fwd, a_bwd], axis=2) @ Wya + by, axis=-1)
