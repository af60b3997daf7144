"""Chapter 8: a sequence tagger (a stack of recurrent layers and a softmax output at every step), trained on
padded batches; the bidirectional tagger's output layer; a synthetic tagging task whose tags depend on later
inputs. Used by the chapter and by ``scripts/bidirectional_tagging.py``.

Model: ``out = stack_forward(kind, x, layers, lengths)`` ``(T, N, D n_a)``; scores
``z<t> = Wya out<t> + by`` (for a bidirectional stack ``out<t> = [a→<t>; a←<t>]``, so this is
:func:`rnncourse.bidirectional.tagger_output` before the softmax); loss: the mean cross-entropy over the
real (non-padding) steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._guard import reference
from ._validate import as_float_array, check_positive_int, check_shape
from .bidirectional import UNITS, check_lengths
from .losses import softmax, softmax_cross_entropy
from .deep import flatten_params, init_stack_params, stack_backward, stack_forward, unflatten_grads
from .progress import progress

__all__ = ["tagger_output", "tagger_output_backward", "lookahead_tagging_batch", "Tagger", "init_tagger",
           "tagger_loss_and_grads", "tag_accuracy", "train_tagger"]


# ----------------------------------------------------------------------- the tagger's output
def _tagger_inputs(a_fwd, a_bwd, Wya, by):
    a_fwd = as_float_array("a_fwd", a_fwd, ndim=3)
    T, N, n_a = a_fwd.shape
    a_bwd = as_float_array("a_bwd", a_bwd, ndim=3)
    check_shape("a_bwd", a_bwd, (T, N, n_a), "(T, N, n_a) like a_fwd")
    Wya = as_float_array("Wya", Wya, ndim=2)
    check_shape("Wya", Wya, (None, 2 * n_a), "(n_y, 2 n_a)")
    by = as_float_array("by", by, ndim=1)
    check_shape("by", by, (Wya.shape[0],), "(n_y,)")
    return a_fwd, a_bwd, Wya, by


@reference
def tagger_output(a_fwd, a_bwd, Wya, by):
    """Tag probabilities of a bidirectional tagger: ``softmax(Wya [a→<t>; a←<t>] + by)`` at every step.

    Inputs:
    - a_fwd, a_bwd: the two directions' states ``(T, N, n_a)`` (in real time: ``a_bwd[t]`` is
      a←<t>).
    - Wya: ``(n_y, 2 n_a)``; its first ``n_a`` columns read the forward states, the last ``n_a``
      the backward states. by: ``(n_y,)``.

    Returns y_hat ``(T, N, n_y)``, each row a probability distribution over the tags.
    """
    a_fwd, a_bwd, Wya, by = _tagger_inputs(a_fwd, a_bwd, Wya, by)
    both = np.concatenate([a_fwd, a_bwd], axis=2)  # [a→; a←], (T, N, 2 n_a)
    return softmax(both @ Wya.T + by)  # scores of every step at once; softmax over the tags


@reference
def tagger_output_backward(dz, a_fwd, a_bwd, Wya) -> dict:
    """Gradients of the scores ``z = [a→; a←] @ Wya.T + by`` (the softmax's gradient is the loss's).

    Inputs: dz ``(T, N, n_y)`` (e.g. from :func:`rnncourse.losses.softmax_cross_entropy`); the
    forward's a_fwd, a_bwd ``(T, N, n_a)`` and Wya ``(n_y, 2 n_a)``.

    Returns a dict: ``da_fwd``, ``da_bwd`` ``(T, N, n_a)``, ``dWya``, ``dby``.
    """
    a_fwd, a_bwd, Wya, _ = _tagger_inputs(a_fwd, a_bwd, Wya, np.zeros(np.shape(Wya)[0]))
    dz = as_float_array("dz", dz, ndim=3)
    check_shape("dz", dz, a_fwd.shape[:2] + (Wya.shape[0],), "(T, N, n_y)")
    n_a = a_fwd.shape[-1]
    both = np.concatenate([a_fwd, a_bwd], axis=2)
    dboth = dz @ Wya  # each state's share of every score
    flat = dz.reshape(-1, dz.shape[-1])
    return {"da_fwd": dboth[..., :n_a], "da_bwd": dboth[..., n_a:],
            "dWya": flat.T @ both.reshape(-1, 2 * n_a),  # summed over steps and examples
            "dby": flat.sum(axis=0)}


# ----------------------------------------------------------------------- a look-ahead task
@reference
def lookahead_tagging_batch(rng: np.random.Generator, N: int, min_len: int = 4, max_len: int = 10,
                            V: int = 4, delay: int = 2):
    """A synthetic tagging task whose tags depend on later inputs.

    Each sequence is ``L`` random tokens ``w<1..L>`` from ``{0, ..., V - 1}`` (``L`` uniform in
    ``[min_len, max_len]``). The tag of step t is ``(w<t> + w<t + delay>) mod V``, with
    ``w<t + delay> = 0`` past the end. A model that reads only the past sees ``w<t>`` but not
    ``w<t + delay>``, so it is right about one time in V on the steps that have a successor; a
    model that also reads the future can be right every time.

    Inputs: rng (``np.random.Generator``); N sequences; lengths in ``[min_len, max_len]``; V tokens
    (and tags); delay >= 1.

    Returns ``(x, tags, lengths)``: one-hot inputs ``(T, N, V)`` with ``T = max(lengths)`` (zeros
    at padding), integer tags ``(T, N)`` (0 at padding), lengths ``(N,)``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    N, min_len, max_len, V, delay = (check_positive_int(n, v) for n, v in (
        ("N", N), ("min_len", min_len), ("max_len", max_len), ("V", V), ("delay", delay)))
    if max_len < min_len:
        raise ValueError(f"max_len: expected >= min_len = {min_len}, got {max_len}")
    lengths = rng.integers(min_len, max_len + 1, size=N)
    T = int(lengths.max())
    words = rng.integers(0, V, size=(T + delay, N))
    real = np.arange(T + delay)[:, None] < lengths[None, :]
    words = np.where(real, words, 0)  # past the end: token 0 (and no input)
    tags = (words[:T] + words[delay:delay + T]) % V
    tags = np.where(real[:T], tags, 0)
    x = np.eye(V)[words[:T]] * real[:T, :, None]  # one-hot, zero rows at padding
    return x, tags.astype(np.int64), lengths.astype(np.int64)


@dataclass
class Tagger:
    """A tagger's settings and parameters: ``layers[l][d]`` (see :mod:`rnncourse.deep`), ``Wya (n_y, D n_a)``,
    ``by (n_y,)``."""
    kind: str
    layers: list
    Wya: np.ndarray
    by: np.ndarray
    dropout: float = 0.0

    def flat(self) -> dict:
        """All parameters as one flat dict of the arrays themselves (an optimiser updates them in place)."""
        return {**flatten_params(self.layers), "Wya": self.Wya, "by": self.by}


@reference
def init_tagger(kind: str, n_x: int, n_a: int, n_y: int, num_layers: int, bidirectional: bool,
                rng: np.random.Generator, dropout: float = 0.0) -> Tagger:
    """Random tagger: PyTorch's uniform(-k, k) initialisation for the recurrent layers and for the output
    layer (k = 1/sqrt of its input width, as ``nn.Linear``)."""
    if kind not in UNITS:
        raise ValueError(f"kind: expected one of {tuple(UNITS)}, got {kind!r}")
    layers = init_stack_params(kind, n_x, n_a, num_layers, bidirectional, rng)
    width = (2 if bidirectional else 1) * n_a
    k = 1.0 / np.sqrt(width)
    return Tagger(kind, layers, rng.uniform(-k, k, (n_y, width)), rng.uniform(-k, k, n_y), dropout)


def _mask(lengths, T):
    return np.arange(T)[:, None] < lengths[None, :]  # (T, N): True at real steps


@reference
def tagger_loss_and_grads(model: Tagger, x, tags, lengths, training: bool = False, rng=None):
    """Mean cross-entropy over the real steps and its gradients.

    Inputs: model; x ``(T, N, n_x)``; tags ``(T, N)`` integers; lengths ``(N,)``; training and rng
    switch dropout on (as :func:`rnncourse.deep.stack_forward`).

    Returns ``(loss, grads, z)``: grads keyed ``"d" + name`` of :meth:`Tagger.flat`, z the scores
    ``(T, N, n_y)``.
    """
    x = as_float_array("x", x, ndim=3)
    lengths = check_lengths(lengths, x.shape[0], x.shape[1])
    tags = np.asarray(tags)
    check_shape("tags", tags, x.shape[:2], "(T, N)")
    out, _, cache = stack_forward(model.kind, x, model.layers, lengths, dropout=model.dropout,
                                  training=training, rng=rng)
    z = out @ model.Wya.T + model.by  # the output layer reads both directions at every step
    loss, dz = softmax_cross_entropy(z, tags, mask=_mask(lengths, x.shape[0]), reduction="mean")
    flat = dz.reshape(-1, dz.shape[-1])
    g = stack_backward(dz @ model.Wya, cache)
    grads = unflatten_grads(g["dparams"])
    grads["dWya"] = flat.T @ out.reshape(-1, out.shape[-1])  # summed over the steps and examples
    grads["dby"] = flat.sum(axis=0)
    return loss, grads, z


@reference
def tag_accuracy(model: Tagger, x, tags, lengths) -> float:
    """Share of the real steps whose most probable tag is right (no dropout)."""
    lengths = check_lengths(lengths, np.shape(x)[0], np.shape(x)[1])
    out, _, _ = stack_forward(model.kind, x, model.layers, lengths)
    pred = (out @ model.Wya.T + model.by).argmax(axis=-1)
    m = _mask(lengths, pred.shape[0])
    return float((pred == np.asarray(tags))[m].mean())


@dataclass
class TrainResult:
    """Loss of every step, and ``(step, accuracy)`` of every evaluation."""
    losses: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)


@reference
def train_tagger(model: Tagger, batches, steps: int, lr: float, test=None, every: int = 25,
                 rng: np.random.Generator | None = None, clip: float = 5.0, desc: str | None = None):
    """Train ``model`` in place with Adam (as ``torch.optim.Adam``) and gradient clipping by global norm.

    Inputs: batches, a function ``step -> (x, tags, lengths)``; steps; lr; test ``(x, tags, lengths)`` scored
    every ``every`` steps (and at the end); rng for dropout; clip (max global norm); desc (progress bar).

    Returns a :class:`TrainResult`.
    """
    from .lm.optim import adam_step
    from .losses import clip_by_norm
    state, result, params = {}, TrainResult(), model.flat()
    for step in progress(range(1, steps + 1), desc=desc):
        x, tags, lengths = batches(step)
        loss, grads, _ = tagger_loss_and_grads(model, x, tags, lengths, training=model.dropout > 0, rng=rng)
        grads, _ = clip_by_norm(grads, clip)
        adam_step(params, grads, state, lr=lr)
        result.losses.append(loss)
        if test is not None and (step % every == 0 or step == steps):
            result.accuracy.append((step, tag_accuracy(model, *test)))
    return result
