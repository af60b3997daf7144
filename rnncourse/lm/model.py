"""Chapter 6 model: an Elman RNN language model, its loss and gradients, one training step.

The parameters are a dict (see :func:`init_lm_params`); the gradients of
:func:`lm_loss_and_grads` use the package's key rule: ``grads["d" + name]`` is
the gradient of ``params[name]`` (``"dWax"`` for ``"Wax"``).
"""
from __future__ import annotations

import numpy as np

from .._guard import reference
from .._validate import as_float_array, as_int_array, check_positive_int, check_shape
from ..embedding import embedding_backward, embedding_forward
from ..losses import clip_by_norm, softmax_cross_entropy
from ..rnn import init_rnn_params, output_backward, output_forward, rnn_backward, rnn_forward
from ..vocab import one_hot
from ._args import check_hyper, check_real, check_rng

__all__ = ["init_lm_params", "lm_forward", "lm_loss_and_grads", "train_step"]


def _check_lm_params(params):
    """Shapes of a language-model parameter dict; returns (V, n_a, has_embedding)."""
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    missing = [k for k in ("Wax", "Waa", "ba", "Wya", "by") if k not in params]
    if missing:
        raise ValueError(f"params: expected keys Wax, Waa, ba, Wya, by (and E), missing {missing}")
    Wya = as_float_array("Wya", params["Wya"], ndim=2)
    V, n_a = Wya.shape
    check_shape("by", np.asarray(params["by"]), (V,), "(V,)")
    check_shape("Waa", np.asarray(params["Waa"]), (n_a, n_a), "(n_a, n_a)")
    check_shape("ba", np.asarray(params["ba"]), (n_a,), "(n_a,)")
    if "E" in params:
        E = np.asarray(params["E"])
        check_shape("E", E, (V, None), "(V, n_e)")
        check_shape("Wax", np.asarray(params["Wax"]), (n_a, E.shape[1]), "(n_a, n_e)")
        return V, n_a, True
    check_shape("Wax", np.asarray(params["Wax"]), (n_a, V), "(n_a, V) for a one-hot input")
    return V, n_a, False


@reference
def init_lm_params(V: int, n_a: int, rng: np.random.Generator, n_e: int | None = None,
                   dtype=np.float64) -> dict:
    """Random parameters of an RNN language model over ``V`` tokens.

    Inputs:
    - V: vocabulary size; n_a: hidden size.
    - rng: ``np.random.Generator`` (the only source of randomness).
    - n_e: embedding size, or None for a one-hot input (then ``Wax``'s column
      k plays the role of token k's embedding).
    - dtype: float64 (default) or float32 (about twice as fast for training).

    Returns a dict: ``Wax (n_a, V or n_e), Waa (n_a, n_a), ba (n_a,), Wya (V, n_a),
    by (V,)``, plus ``E (V, n_e)`` with an embedding. Same distributions as
    PyTorch's defaults: uniform(-1/sqrt(n_a), 1/sqrt(n_a)) for the RNN and the
    output layer, N(0, 1) for ``nn.Embedding``.
    """
    V = check_positive_int("V", V)
    n_a = check_positive_int("n_a", n_a)
    check_rng(rng)
    n_x = V if n_e is None else check_positive_int("n_e", n_e)
    p = init_rnn_params(n_x, n_a, V, rng)
    if n_e is not None:
        p["E"] = rng.standard_normal((V, n_e))
    return {k: v.astype(dtype) for k, v in p.items()}


def _embed(params, ids, has_e):
    """Inputs x ``(T, N, n_x)`` of ids ``(T, N)``, and the embedding cache (or None)."""
    if has_e:
        return embedding_forward(ids, params["E"])
    return one_hot(ids, params["Wya"].shape[0], dtype=np.asarray(params["Wax"]).dtype), None


def _zeros_state(params, N):
    return np.zeros((N, np.asarray(params["Waa"]).shape[0]), dtype=np.asarray(params["Waa"]).dtype)


@reference
def lm_forward(params: dict, inputs, a0=None):
    """Scores of every step of an RNN language model (no loss, no gradients).

    Inputs:
    - params: as from :func:`init_lm_params`.
    - inputs: ids ``(T, N)``; a0: initial state ``(N, n_a)`` (default zeros).

    Returns a tuple ``(z, a_last)``: scores ``(T, N, V)`` and the final hidden
    state ``(N, n_a)`` (the ``a0`` of the next chunk of the same streams).
    """
    V, n_a, has_e = _check_lm_params(params)
    inputs = as_int_array("inputs", inputs, ndim=2, low=0, high=V)
    a0 = _zeros_state(params, inputs.shape[1]) if a0 is None else as_float_array("a0", a0, ndim=2)
    x, _ = _embed(params, inputs, has_e)  # x^<t>: one-hot rows (or embeddings) of the previous tokens
    a, _ = rnn_forward(x, a0, params["Wax"], params["Waa"], params["ba"])  # a^<t> = tanh(W_ax x + W_aa a + b_a)
    z, _ = output_forward(a, params["Wya"], params["by"])  # z^<t> = W_ya a^<t> + b_y: scores of the next token
    return z, a[-1]


@reference
def lm_loss_and_grads(params: dict, inputs, targets, a0=None, mask=None, reduction: str = "sum"):
    """Teacher-forced cross-entropy of an RNN language model and its gradients.

    Inputs:
    - params: as from :func:`init_lm_params`.
    - inputs: ids ``(T, N)``: the true previous tokens (teacher forcing).
    - targets: ids ``(T, N)``: the tokens to predict (inputs shifted by one).
    - a0: initial hidden state ``(N, n_a)``; None means zeros. With truncated
      BPTT it is the last state of the previous batch, treated as a constant
      (no gradient flows into the previous batch).
    - mask: optional bool ``(T, N)``, False steps carry no loss.
    - reduction: ``"sum"`` (default, over steps and streams) or ``"mean"``.

    Returns a tuple ``(loss, grads, a_last)``: the loss (float, nats), a dict of
    gradients ``"d" + name`` with the shape of each parameter, and the final
    hidden state ``(N, n_a)``.
    """
    V, n_a, has_e = _check_lm_params(params)
    inputs = as_int_array("inputs", inputs, ndim=2, low=0, high=V)
    T, N = inputs.shape
    targets = as_int_array("targets", targets, ndim=2, low=0, high=V)
    check_shape("targets", targets, (T, N), "(T, N) like inputs")
    a0 = _zeros_state(params, N) if a0 is None else as_float_array("a0", a0, ndim=2)
    check_shape("a0", a0, (N, n_a), "(N, n_a)")
    x, ecache = _embed(params, inputs, has_e)  # teacher forcing: the inputs are the true previous tokens
    a, rcache = rnn_forward(x, a0, params["Wax"], params["Waa"], params["ba"])
    z, ocache = output_forward(a, params["Wya"], params["by"])
    loss, dz = softmax_cross_entropy(z, targets, mask=mask, reduction=reduction)  # dz = softmax(z) - onehot(y)
    og = output_backward(dz, ocache)  # da^<t> from the output of step t
    rg = rnn_backward(og["da"], rcache)  # every step's output loss flows back through time
    grads = {"dWax": rg["dWax"], "dWaa": rg["dWaa"], "dba": rg["dba"], "dWya": og["dWya"], "dby": og["dby"]}
    if has_e:
        grads["dE"] = embedding_backward(rg["dx"], ecache)  # rows of the tokens that were read
    return loss, grads, a[-1].copy()


@reference
def train_step(params: dict, inputs, targets, a0, lr: float, max_norm: float):
    """One plain gradient-descent step with global-norm clipping (the step of exercise 6).

    Inputs:
    - params: as from :func:`init_lm_params`; not changed.
    - inputs, targets: ids ``(T, N)`` (teacher forcing: ``targets[t] = inputs[t + 1]``).
    - a0: initial hidden state ``(N, n_a)``.
    - lr: learning rate (>= 0); max_norm: clipping threshold (> 0) of
      :func:`rnncourse.losses.clip_by_norm`.

    The loss is the cross-entropy **summed** over steps and streams; the five (or
    six) gradients are clipped together by their global norm, then each parameter
    moves against its gradient: ``params[k] - lr * grads["d" + k]``.

    Returns a tuple ``(loss, new_params)``: the loss before the update (float,
    nats) and a new dict of updated arrays.
    """
    lr = check_hyper("lr", lr)
    max_norm = check_real("max_norm", max_norm)
    loss, grads, _ = lm_loss_and_grads(params, inputs, targets, a0, reduction="sum")
    grads, _ = clip_by_norm(grads, max_norm)  # one global rescaling keeps the direction of the step
    return loss, {k: p - lr * grads["d" + k] for k, p in params.items()}  # downhill, into new arrays
