"""Callable arguments of graded functions, built from plain data on the calling side.

A check that passes a function to the student's code (the ``step`` of
``generate``, the ``f`` of ``grad_check``) names a fixture and its data
(:class:`rnncourse.grading.wire.Fixture`); the side that calls the student's
function -- the notebook's kernel, or the sandboxed child at grading time --
builds it here. Nothing here is a reference implementation of a graded
function; imports are local so that the child needs only what a fixture uses.
"""
from __future__ import annotations

import numpy as np

__all__ = ["build", "FIXTURES"]


def rnn_lm_step(data):
    """``step(token, a) -> (z (1, V), a_next)``: one step of a one-hot RNN language model (chapter 6)."""
    from rnncourse.rnn import output_forward, rnn_cell_forward
    from rnncourse.vocab import one_hot
    params = data["params"]
    V = params["Wya"].shape[0]

    def step(token, a):
        x = one_hot(np.array([int(token)]), V)  # the previous token, one-hot, as a batch of one row
        a_next, _ = rnn_cell_forward(x, a, params["Wax"], params["Waa"], params["ba"])
        z, _ = output_forward(a_next, params["Wya"], params["by"])
        return z, a_next
    return step


def gradcheck_call(a):
    """``(f, x, analytic)`` for ``grad_check``: f(x) = sum(tanh(x @ A) * B), f reading x in place."""
    A, B = a["A"], a["B"]
    x = np.array(a["x"], dtype=np.float64)
    f = lambda: float(np.sum(np.tanh(x @ A) * B))  # noqa: E731 (reads x, changed in place)
    exact = (B * (1 - np.tanh(x @ A) ** 2)) @ A.T  # d/dx of sum(tanh(xA) * B)
    analytic = exact if a["correct"] else exact + a["error"]
    return f, x, analytic


FIXTURES = {"rnn_lm_step": rnn_lm_step, "gradcheck_call": gradcheck_call}


def build(name: str, data):
    """The callable (or argument tuple) fixture ``name`` makes from ``data``."""
    if name not in FIXTURES:
        raise ValueError(f"fixture: expected one of {sorted(FIXTURES)}, got {name!r}")
    return FIXTURES[name](data)
