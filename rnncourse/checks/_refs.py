"""Forbidden references named by object: a check lists the package's functions themselves, so a
renamed or misspelt reference fails when the checks are imported, not silently at grading time."""
from __future__ import annotations

__all__ = ["refs"]


def refs(*functions) -> tuple:
    """The qualified names (``"rnncourse.lstm.lstm_step"``) of reference functions, for ``Spec.forbidden``.

    Each must be a public reference function (wrapped with :func:`rnncourse._guard.reference`).
    """
    names = []
    for fn in functions:
        name = getattr(fn, "reference_name", None)
        if not isinstance(name, str):
            raise TypeError(f"{fn!r} is not a reference function of rnncourse (no reference_name)")
        names.append(name)
    return tuple(names)
