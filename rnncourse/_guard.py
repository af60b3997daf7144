"""A tripwire that stops graded code from calling the reference it is graded against.

Every public reference function is wrapped with :func:`reference`. While the
checks run a student's function they name the reference functions that this
exercise asks the student to write (:func:`forbid`); calling one of them then
raises :class:`ReferenceUsedError` instead of quietly returning the right answer.
Functions of earlier chapters stay usable.
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

    del wrapper.__wrapped__  # no back door to the unguarded function ...
    wrapper.__signature__ = inspect.signature(func)  # ... but help() still shows the real signature
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
