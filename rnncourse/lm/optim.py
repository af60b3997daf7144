"""Chapter 6 optimisers: Adam and Adagrad, in place, exactly as ``torch.optim`` computes them.

Both take ``params`` (a dict of float arrays, updated in place), ``grads`` with
the package's key rule (``grads["d" + name]`` is the gradient of
``params[name]``) and a ``state`` dict (empty before the first step). Their
hyper-parameters are validated as ``torch.optim`` validates them: a learning
rate, ``eps``, a weight decay or a decay rate must be >= 0 (0 is allowed), and
Adam's betas must lie in ``[0, 1)``; a ValueError names the argument.
"""
from __future__ import annotations

import math

import numpy as np

from .._guard import reference
from ._args import check_hyper

__all__ = ["adam_step", "adagrad_step"]


def _check_opt(params, grads, state):
    if not isinstance(params, dict) or not isinstance(grads, dict) or not isinstance(state, dict):
        raise ValueError("params, grads, state: expected three dicts, got "
                         f"{type(params).__name__}, {type(grads).__name__}, {type(state).__name__}")
    for k, p in params.items():
        if "d" + k not in grads:
            raise ValueError(f"grads: expected key {'d' + k!r} (the gradient of params[{k!r}]), "
                             f"got keys {sorted(grads)}")
        g = np.asarray(grads["d" + k])
        if g.shape != np.shape(p):
            raise ValueError(f"grads[{'d' + k!r}]: expected shape {np.shape(p)} like params[{k!r}], got {g.shape}")
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(f"params[{k!r}]: expected a float ndarray (updated in place), got {type(p).__name__}")


@reference
def adam_step(params: dict, grads: dict, state: dict, lr: float = 1e-3, betas=(0.9, 0.999),
              eps: float = 1e-8, weight_decay: float = 0.0) -> None:
    r"""One Adam update (Kingma & Ba, 2015), in place, exactly as ``torch.optim.Adam``.

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
              \theta \leftarrow \theta - \frac{\alpha}{1-\beta_1^t}\,
              \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    Inputs:
    - params: dict of float arrays, changed in place.
    - grads: dict with ``grads["d" + name]`` of the shape of ``params[name]``.
    - state: dict, empty before the first step; holds ``t`` (steps taken), and
      ``m``, ``v`` (dicts of moment estimates) afterwards.
    - lr, betas, eps, weight_decay: as in ``torch.optim.Adam`` (weight decay is
      the L2 kind, added to the gradient); lr, eps and weight_decay must be
      finite numbers >= 0, betas two numbers in ``[0, 1)``.

    Returns None.
    """
    _check_opt(params, grads, state)
    lr, eps, weight_decay = (check_hyper(n, v) for n, v in (("lr", lr), ("eps", eps),
                                                            ("weight_decay", weight_decay)))
    try:
        b1, b2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}") from None
    if not (0 <= b1 < 1 and 0 <= b2 < 1):
        raise ValueError(f"betas: expected two numbers in [0, 1), got {betas!r}")
    if not state:
        state.update(t=0, m={k: np.zeros_like(p) for k, p in params.items()},
                     v={k: np.zeros_like(p) for k, p in params.items()})
    state["t"] += 1
    t = state["t"]
    bc1 = 1.0 - b1 ** t  # bias corrections: m and v start at 0, so early averages are too small
    bc2_sqrt = math.sqrt(1.0 - b2 ** t)
    for k, p in params.items():
        g = np.asarray(grads["d" + k])
        if weight_decay:
            g = g + weight_decay * p  # L2 penalty (lambda/2)|theta|^2 adds lambda theta to the gradient
        m, v = state["m"][k], state["v"][k]
        m += (1.0 - b1) * (g - m)  # = b1 m + (1 - b1) g, torch's lerp
        v *= b2
        v += (1.0 - b2) * g * g  # running mean of the squared gradient
        # per-entry step: lr * (corrected mean) / (corrected RMS + eps)
        p -= (lr / bc1) * m / (np.sqrt(v) / bc2_sqrt + eps)


@reference
def adagrad_step(params: dict, grads: dict, state: dict, lr: float = 1e-2, eps: float = 1e-10,
                 lr_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 weight_decay: float = 0.0) -> None:
    r"""One Adagrad update (Duchi et al., 2011), in place, exactly as ``torch.optim.Adagrad``.

    .. math:: s \leftarrow s + g^2,\qquad \theta \leftarrow \theta - \frac{\alpha}{1 + (t-1)\,\eta}\,\frac{g}{\sqrt{s} + \epsilon}

    Inputs:
    - params, grads: as in :func:`adam_step`.
    - state: dict, empty at first, then holding ``t`` and ``sum`` (the
      accumulated squared gradients, one array per parameter).
    - lr, eps, lr_decay (:math:`\eta`), initial_accumulator_value, weight_decay:
      as in ``torch.optim.Adagrad``; each must be a finite number >= 0.

    Returns None.
    """
    _check_opt(params, grads, state)
    lr, eps, lr_decay, initial_accumulator_value, weight_decay = (check_hyper(n, v) for n, v in (
        ("lr", lr), ("eps", eps), ("lr_decay", lr_decay), ("initial_accumulator_value", initial_accumulator_value),
        ("weight_decay", weight_decay)))
    if not state:
        state.update(t=0, sum={k: np.full_like(p, initial_accumulator_value) for k, p in params.items()})
    state["t"] += 1
    clr = lr / (1.0 + (state["t"] - 1) * lr_decay)  # optional 1/t-style decay of the rate
    for k, p in params.items():
        g = np.asarray(grads["d" + k])
        if weight_decay:
            g = g + weight_decay * p  # L2 penalty, added to the gradient as torch does
        s = state["sum"][k]
        s += g * g  # every squared gradient ever seen: frequent directions slow down
        p -= clr * g / (np.sqrt(s) + eps)


