"""Chapter 8: a sequence tagger (a stack of recurrent layers and a softmax output at every step), trained on
padded batches. Used by the chapter and by ``scripts/bidirectional_tagging.py``.

Model: ``out = stack_forward(kind, x, layers, lengths)`` ``(T, N, D n_a)``; scores
``z<t> = Wya out<t> + by`` (for a bidirectional stack ``out<t> = [a→<t>; a←<t>]``, so this is
:func:`rnncourse.bidirectional.tagger_output` before the softmax); loss: the mean cross-entropy over the
real (non-padding) steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._guard import reference
from .bidirectional import UNITS, check_lengths, softmax_cross_entropy
from .deep import flatten_params, init_stack_params, stack_backward, stack_forward, unflatten_grads
from .progress import progress

__all__ = ["Tagger", "init_tagger", "tagger_loss_and_grads", "tag_accuracy", "train_tagger"]


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
    x = np.asarray(x, dtype=float)
    lengths = check_lengths(lengths, x.shape[0], x.shape[1])
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
    from .lm import adam_step
    from .rnn import clip_by_norm
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
