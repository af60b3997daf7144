"""Progress bars for training loops: shown to a person, hidden from stored and tested outputs.

A chapter that trains a model wraps its loop in :func:`progress`. Run by a
person (Jupyter, a terminal) it shows a tqdm bar. When the notebook is executed
to store its outputs (``make notebooks``) or to compare them (``make test``),
the environment variable ``RNNCOURSE_NO_PROGRESS`` is set and the loop runs
without a bar, so that nothing time-dependent lands in the committed notebook.
"""
from __future__ import annotations

import os

__all__ = ["progress", "ENV_VAR"]

ENV_VAR = "RNNCOURSE_NO_PROGRESS"


def progress(iterable, desc: str | None = None, **kwargs):
    """``tqdm.auto.tqdm(iterable, desc=desc, **kwargs)``, or ``iterable`` itself.

    The bar is left out when ``RNNCOURSE_NO_PROGRESS`` is set to a non-empty
    value other than ``"0"``, or when tqdm is not installed.
    """
    if os.environ.get(ENV_VAR, "") not in ("", "0"):
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional for the package itself
        return iterable
    return tqdm(iterable, desc=desc, **kwargs)
