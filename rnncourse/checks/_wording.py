"""One wording for positions in feedback: time steps as the book counts them (t from 1).

:func:`rnncourse.checks._core.compare_arrays` reports the first difference at a numpy
index, naming each axis with its 0-based position ("index (2, 0, 1) (time step t = 2,
...)"). The book counts time steps from 1 (x^<1> is ``x[0]``), so a student reading
"t = 2" looks at the wrong step. :func:`book_positions` rewrites the named time step to
the book's count and keeps the numpy index as it is: "index (2, 0, 1) (time step
t = 3, ...)". It also says "of the T time steps" instead of "of the T positions of time
step t". Apply it to a message built by ``compare_arrays`` / ``diagnose`` only (it
touches nothing else).
"""
from __future__ import annotations

import functools
import re

_STEP = re.compile(r"\(time step t = (\d+)")
_COUNT = re.compile(r"\(differences at (\d+) of the (\d+) positions of time step t\)")
_EXAMPLES = re.compile(r"\(differences at (\d+) of the (\d+) positions of example i\)")
_PLURAL = {"row": "rows", "hidden unit": "hidden units", "input feature": "input features", "class": "classes"}
_OTHER = re.compile(r"\(differences at (\d+) of the (\d+) positions of (row|hidden unit|input feature|class)\)")


def book_positions(message: str | None) -> str | None:
    if not message:
        return message
    message = _STEP.sub(lambda m: f"(time step t = {int(m.group(1)) + 1}", message)
    message = _COUNT.sub(lambda m: f"(differences at {m.group(1)} of the {m.group(2)} time steps)", message)
    message = _EXAMPLES.sub(lambda m: f"(differences in {m.group(1)} of the {m.group(2)} examples)", message)
    return _OTHER.sub(lambda m: f"(differences in {m.group(1)} of the {m.group(2)} {_PLURAL[m.group(3)]})", message)


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


def in_book_positions(compare):
    """Decorator: the compare function's message, with time steps counted as in the book, and a
    clear cause when the call failed because a stub's parameter was renamed."""
    @functools.wraps(compare)
    def wrapped(case, got, *args, **kwargs):
        message = book_positions(compare(case, got, *args, **kwargs))
        hint = keyword_hint(got, tuple(getattr(case, "args", {})))
        if message and hint and "Likely cause" not in message:
            message += hint
        return message
    return wrapped
