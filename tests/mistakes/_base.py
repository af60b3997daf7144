"""The two kinds of realistic mistake kept beside each assignment's module in this package."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Mutant:
    """An edit of the solution notebook that must lose points end to end.

    ``old`` must occur in the solution cell ``cell`` (a test proves it still does, so a
    mutant can never silently stop applying); the test cell ``lost`` must score 0 and its
    feedback must contain ``message``.
    """
    assignment: str
    name: str
    cell: str       # grade_id of the solution cell to change
    old: str
    new: str
    lost: str       # grade_id of the test cell that must fail
    message: str    # fragment of the feedback it must show

    @property
    def id(self) -> str:
        return f"{self.assignment}:{self.name}"


@dataclass(frozen=True)
class Mistake:
    """A whole wrong implementation of one graded function, written as a student would.

    Graded by :func:`rnncourse.checks.check` on the worked examples (``visible=True``: the
    visible test already catches it) and on fixed hidden seeds; the first failure message must
    contain ``message``, which names the fault in the student's terms.
    """
    function: str
    name: str
    fn: Callable
    message: str
    visible: bool = True
    assignment: str = ""

    @property
    def id(self) -> str:
        return f"{self.function}:{self.name}"


CATALOGUE: list[Mistake] = []


def mistake(function, name, message, visible=True):
    """Decorator: add the decorated function to the catalogue as a mistake in ``function``."""
    def register(fn):
        CATALOGUE.append(Mistake(function, name, fn, message, visible))
        return fn
    return register


def softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))
