"""One wording across assignments for what :mod:`rnncourse.checks._core` does not say itself.

Positions are worded by :func:`rnncourse.checks._compare.compare_arrays` (time steps and examples
counted from 1 as in the book, the numpy index beside them). This module adds the sentence for a
call that failed because a stub's parameter was renamed; :func:`rnncourse.checks._core.evaluate`
applies it to every check.
"""
from __future__ import annotations

import re

# one wording for one mistake across assignments
NOT_MAX_ID = "not ids.max() + 1: a batch need not contain the largest id"
NO_LOWER = "do not lower-case them: 'The' and 'the' are two different tokens"
SWAPPED = "the first two axes are swapped"

_KEYWORD = re.compile(r"unexpected keyword argument '(\w+)'")


def keyword_hint(got, parameters=()) -> str:
    """A sentence for a call that failed because a parameter of the stub was renamed, else ''.

    Only when the rejected keyword is one of the stub's ``parameters`` (the names the check
    passes): a TypeError from inside the student's code is not explained this way.
    """
    m = _KEYWORD.search(getattr(got, "message", "")) if getattr(got, "exc_type", None) == "TypeError" else None
    if m and m.group(1) in parameters:
        return ("\nLikely cause: the check calls your function with the parameter names of the stub; "
                f"keep them as given (the parameter {m.group(1)!r} was renamed or removed)")
    return ""


def with_keyword_hint(message, case, got) -> str | None:
    """``message`` plus :func:`keyword_hint` when the call failed on a renamed stub parameter."""
    hint = keyword_hint(got, tuple(getattr(case, "args", {})))
    if message and hint and "Likely cause" not in message:
        message += hint
    return message
