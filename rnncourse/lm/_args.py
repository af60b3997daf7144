"""Argument checks shared by the language-model modules (numbers and generators)."""
from __future__ import annotations

import numpy as np


def check_real(name, value, positive=True):
    """``value`` as a finite float (and > 0 when ``positive``), else a ValueError naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {type(value).__name__} {value!r}") from None
    if not np.isfinite(v) or (positive and v <= 0):
        raise ValueError(f"{name}: expected a {'positive ' if positive else ''}finite number, got {value!r}")
    return v


def check_hyper(name, value):
    """A hyper-parameter of an optimiser: finite and >= 0, the rule of torch.optim (lr = 0 is allowed)."""
    v = check_real(name, value, positive=False)
    if v < 0:
        raise ValueError(f"{name}: expected a number >= 0 (as torch.optim requires), got {value!r}")
    return v


def check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng
