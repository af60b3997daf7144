"""Realistic mistakes, one module per assignment (``aNN_slug.py`` beside ``solutions/NN-slug``).

Each module defines ``A`` (the assignment), ``MUTANTS`` (edits of the solution notebook,
graded end to end in ``tests/test_assignments.py``) and catalogue entries registered with
``@mistake`` (whole wrong functions, graded by the checks in ``tests/test_catalogue.py``).
"""
from __future__ import annotations

import dataclasses
import importlib
import pathlib

from ._base import CATALOGUE as _REGISTERED, Mistake, Mutant

__all__ = ["MODULES", "MUTANTS", "CATALOGUE", "Mistake", "Mutant"]

HERE = pathlib.Path(__file__).parent
MODULES = {}
MUTANTS: list[Mutant] = []
CATALOGUE: list[Mistake] = []

for path in sorted(HERE.glob("a[0-9][0-9]_*.py")):
    before = len(_REGISTERED)
    module = importlib.import_module(f"{__name__}.{path.stem}")
    MODULES[module.A] = module
    for m in module.MUTANTS:
        assert m.assignment == module.A, f"{path.name}: mutant {m.name!r} names {m.assignment}"
    MUTANTS += module.MUTANTS
    CATALOGUE += [dataclasses.replace(m, assignment=module.A) for m in _REGISTERED[before:]]
