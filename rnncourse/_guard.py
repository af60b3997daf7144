"""A tripwire for the student's own notebook: calling the reference you are asked to write says so.

Every public reference function is wrapped with :func:`reference`. While the
visible checks run a student's function in the student's kernel, they name the
reference functions that this exercise asks the student to write
(:func:`forbid`); calling one of them then raises :class:`ReferenceUsedError`
with a clear message instead of quietly passing. Functions of earlier chapters
stay usable.

This is feedback, not protection: in the student's kernel a student can only
fool themselves. At grading time the reference is not there at all (the
sandbox's copy of the package has no such function, see
:mod:`rnncourse.grading.runtime`). So the wrapper hides nothing:
``inspect.getsource`` shows the real function, and the book can show it.
"""
from __future__ import annotations

import contextlib
import functools
import inspect

__all__ = ["reference", "forbid", "ReferenceUsedError"]

_forbidden: frozenset = frozenset()


class ReferenceUsedError(RuntimeError):
    """Raised when graded code calls the reference implementation it replaces."""


def reference(func):
    """Mark ``func`` as a reference implementation (see module docstring)."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if name in _forbidden:
            raise ReferenceUsedError(
                f"your code called the course's reference implementation {name}; "
                "this exercise asks you to write it yourself")
        return func(*args, **kwargs)

    wrapper.__signature__ = inspect.signature(func)  # help() and inspect show the real function
    wrapper.reference_name = name
    return wrapper


@contextlib.contextmanager
def forbid(names):
    """Within the block, calls to the reference functions ``names`` raise."""
    global _forbidden
    previous = _forbidden
    _forbidden = previous | frozenset(names)
    try:
        yield
    finally:
        _forbidden = previous
