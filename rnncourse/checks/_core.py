"""The machinery behind every graded test cell.

A *check* is a :class:`Spec`: how to make test cases (a worked example the
student can see, and random cases drawn from a seed for the hidden tests), how
to call the student's function on one case, what the reference answer is, and
which known mistakes to recognise in a wrong answer.

Running a check happens in two places:

1. **In the notebook's kernel** (:func:`check`): the cases are generated, the
   student's function is called on *copies* of their inputs, with the
   reference implementation of the same function switched off
   (:mod:`rnncourse._guard`), and the outputs are reduced to plain data
   (arrays, numbers, strings, lists, tuples, exceptions by name).
2. **In a fresh Python process** (``python -I -m rnncourse.checks._judge``):
   the cases are generated again from the same seed, the reference answers are
   computed, and the student's outputs are compared with them.

The judge process never sees the kernel's objects, so nothing a notebook does
to numpy, to the reference functions, to the test inputs or to IPython
changes what the student's outputs are compared with, or how.
"""
from __future__ import annotations

import copy
import os
import secrets as _secrets
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import _guard
from . import _wording
from ..grading import fixtures, wire
from ..grading.wire import Fixture, Foreign, Raised, Record

__all__ = ["Spec", "Case", "Raised", "Foreign", "Record", "REGISTRY", "register", "check", "evaluate", "judge"]

REGISTRY: dict = {}

# bound now, before any notebook cell can rebind the module attributes
_run = subprocess.run
_dumps, _loads = wire.dumps, wire.loads  # plain data both ways: reading runs no code
_deepcopy = copy.deepcopy
_executable = sys.executable
# the stream of the kernel at import time: a later "sys.stderr = ..." or a patched
# IPython traceback display cannot hide a failure written through this bound method
_stderr_write = sys.stderr.write
_stderr_flush = sys.stderr.flush


@dataclass
class Case:
    """One test case: keyword arguments for the function and a description."""
    args: dict
    label: str
    extra: dict = field(default_factory=dict)


@dataclass
class Spec:
    """Everything the kernel and the judge need to grade one function.

    - name: the student function's name (also the registry key).
    - forbidden: reference functions the student may not call while graded.
    - visible: ``() -> [Case]``, the worked cases shown in the notebook.
    - random: ``(np.random.Generator) -> [Case]``, the hidden random cases.
    - expect: ``(Case) -> expected output`` (judge side, reference code).
    - compare: ``(Case, got, expected) -> None or message`` (judge side).
    - arguments: ``(args) -> (positional, keyword)``: how the student's function is
      called on a case; default ``((), args)``, i.e. ``fn(**args)``. Declarative, so
      that the grader can send the call to a sandboxed process: the values are plain
      data, cache objects (sent as records), generators, or a
      :class:`~rnncourse.grading.wire.Fixture` (a callable built by the caller; a
      fixture in place of ``positional`` builds the whole tuple).
    - must_not_change: names of arguments the instructions say must not change; a
      call that changes one in place fails.
    - probes: optional ``(Case) -> {probe name: args}``: the student's function
      is also run on these variants of a case (e.g. with the bias zeroed), and
      ``compare`` receives their outputs as ``probes={name: output}`` to say
      which term of a formula is at fault.
    """
    name: str
    forbidden: tuple
    visible: Callable
    random: Callable
    expect: Callable
    compare: Callable
    arguments: Callable = None
    must_not_change: tuple = ()
    probes: Callable = None


def register(spec: Spec) -> Spec:
    REGISTRY[spec.name] = spec
    return spec


def boundary_sizes(k, N, n_x, n_a):
    """Boundary sizes on the first hidden cases: N = 1, then n_x = n_a (a transposed square weight
    gives no shape error), then n_x != n_a (it does)."""
    if k == 0:
        N = 1
    elif k == 1:
        n_x = n_a
    elif k == 2 and n_x == n_a:
        n_x = n_a + 1
    return N, n_x, n_a


def cases_for(name: str, seed):
    spec = REGISTRY[name]
    if seed is None:
        return spec.visible()
    return spec.random(np.random.default_rng(seed))


# ---------------------------------------------------------------- kernel side
def _plain(obj):
    """Reduce a student output to plain data: exactly what crosses :mod:`rnncourse.grading.wire`."""
    return wire.loads(wire.dumps(obj))


def call_arguments(spec: Spec, args: dict):
    """``(positional, keyword)`` for one call of the student's function on ``args``."""
    return spec.arguments(args) if spec.arguments else ((), dict(args))


def _resolve(value):
    if isinstance(value, Fixture):
        return fixtures.build(value.name, value.data)
    if isinstance(value, tuple):
        return tuple(_resolve(v) for v in value)
    return value


def _call_student(spec: Spec, fn, args: dict):
    pos, kw = call_arguments(spec, _deepcopy(args))  # the student gets copies: mutating them changes nothing
    pos = tuple(_resolve(pos)) if isinstance(pos, Fixture) else _resolve(tuple(pos))
    kw = {k: _resolve(v) for k, v in kw.items()}
    before = {k: wire.dumps(v) for k, v in kw.items() if k in spec.must_not_change}
    with _guard.forbid(spec.forbidden):
        try:
            out = fn(*pos, **kw)
        except NotImplementedError:
            raise AssertionError(f"{spec.name} is not implemented yet "
                                 "(it raised NotImplementedError)") from None
        except _guard.ReferenceUsedError as exc:
            raise AssertionError(str(exc)) from None
        except Exception as exc:  # recorded; the judge decides whether it was expected
            return Raised(type(exc).__name__, str(exc)[:500])
    for k, raw in before.items():
        try:
            same = wire.dumps(kw[k]) == raw
        except Exception:
            same = False
        if not same:
            raise AssertionError(f"{spec.name} changed its argument {k} in place; the instructions ask you "
                                 "to leave it unchanged (build and return a new one)")
    return _plain(out)


def _judge(payload: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    proc = _run([_executable, "-I", "-m", "rnncourse.checks._judge"], input=_dumps(payload),
                capture_output=True, timeout=300, env=env)
    if proc.returncode != 0:
        raise RuntimeError("the grading process failed; please report this to the course staff:\n"
                           + proc.stderr.decode(errors="replace")[-2000:])
    return _loads(proc.stdout)  # the verdict: plain data from the course's own judge


def knock_on_note(name: str, failing: list) -> str:
    """The sentence for a function that fails because it calls earlier graded functions that fail."""
    if not failing:
        return ""
    them = ", ".join(failing)
    return (f"\nNote: {name} calls your {them}, which {'fails its' if len(failing) == 1 else 'fail their'} "
            f"own test; fix {'it' if len(failing) == 1 else 'them'} first (this failure may be a consequence)")


def _code_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def _referenced_checks(fn, name) -> list:
    """Other graded functions that ``fn`` calls by their global name, in the order of the registry."""
    code, glob = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is None or not isinstance(glob, dict):
        return []
    used = _code_names(code)
    # the package's own function of that name (imported by the student) is not "yours"
    return [u for u in REGISTRY if u != name and u in used and callable(glob.get(u))
            and not hasattr(glob[u], "reference_name")]


def _passes_quietly(name, fn, seen) -> bool:
    """Whether ``fn`` passes the visible check ``name`` (feedback only: nothing is printed)."""
    if name in seen:
        return True
    try:
        check(name, fn, quiet=True, _seen=seen)
    except AssertionError:
        return False
    except Exception:
        return True  # not our business here: its own test cell reports it
    return True


def check(name: str, fn, seed: int | None = None, quiet: bool = False, hidden: int | None = None,
          _seen: frozenset = frozenset()) -> None:
    """Grade ``fn`` as the student's version of ``name``, in this kernel (instant feedback).

    Without ``seed`` or ``hidden`` the visible worked cases run; with ``seed``, random cases drawn
    from it; with ``hidden=N``, N batches of random cases from fresh seeds (at autograding time the
    grader draws them from the course's secret instead, see :mod:`rnncourse.grading`). Raises
    ``AssertionError`` with a message that says what is wrong; prints a one-line summary when
    everything passes.
    """
    if hidden is not None:
        if type(hidden) is not int or hidden < 1:
            raise ValueError(f"hidden: expected a positive whole number of batches, got {hidden!r}")
        for _ in range(hidden):
            check(name, fn, seed=_secrets.randbits(62), quiet=quiet)
        return
    if name not in REGISTRY:
        raise KeyError(f"no check named {name!r}; known: {sorted(REGISTRY)}")
    if not callable(fn):
        raise AssertionError(f"{name}: expected a function, got {type(fn).__name__}")
    spec = REGISTRY[name]
    try:
        cases = cases_for(name, seed)
        outputs = []
        for case in cases:
            out = _call_student(spec, fn, case.args)
            if spec.probes is not None:
                out = ("__probed__", out, {name: _call_student(spec, fn, args)
                                           for name, args in spec.probes(case).items()})
            outputs.append(out)
        verdict = _judge({"name": name, "seed": seed, "outputs": outputs})
        if not verdict["ok"]:
            raise AssertionError(verdict["message"])
    except AssertionError as exc:
        if _seen:  # an earlier function, checked for the note of a later one: silent
            raise
        failing = [u for u in _referenced_checks(fn, name)
                   if not _passes_quietly(u, fn.__globals__[u], frozenset({name}))]
        if failing:
            exc = AssertionError(f"{exc}{knock_on_note(name, failing)}")
        # also on stderr: nbgrader scores a test cell 0 if it wrote to stderr, so the
        # failure counts even if the traceback display was tampered with
        _stderr_write(f"FAILED: {name} (see the message below)\n")
        _stderr_flush()
        raise exc from None
    if not quiet:
        kind = "visible" if seed is None else "hidden"
        print(f"{name}: {verdict['passed']} {kind} test case(s) passed")


# ----------------------------------------------------------------- judge side
def judge(payload: dict) -> dict:
    """Compare the outputs in ``payload`` with the reference (run in the judge process)."""
    name, seed, outputs = payload["name"], payload["seed"], payload["outputs"]
    spec = REGISTRY[name]
    where = None if seed is None else "hidden case"
    return evaluate(spec, cases_for(name, seed), outputs, where)


def evaluate(spec: Spec, cases: list, outputs: list, where: str | None = None) -> dict:
    """The verdict on ``outputs`` (one per case, plain data): ``{"ok", "message"}`` or ``{"ok", "passed"}``.

    Runs only in a trusted process: the judge of a notebook's kernel, or the grader. ``where``
    names the cases in messages (``None``: the worked example(s)).
    """
    name = spec.name
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return {"ok": False, "message": f"{name}: expected {len(cases)} outputs, got a malformed reply"}
    for k, (case, got) in enumerate(zip(cases, outputs)):
        expected = spec.expect(case)
        if isinstance(expected, tuple) and type(got) is list and len(got) == len(expected):
            got = tuple(got)  # a list of the same items is accepted where a tuple is asked (as stated)
        if spec.probes is not None:
            if not (isinstance(got, tuple) and len(got) == 3 and got[0] == "__probed__"
                    and isinstance(got[2], dict)):
                return {"ok": False, "message": f"{name}: malformed outputs"}
            problem = spec.compare(case, got[1], expected, probes=got[2])
        else:
            problem = spec.compare(case, got, expected)
        problem = _wording.with_keyword_hint(problem, case, got[1] if spec.probes is not None else got)
        if problem:
            label = "worked example" if where is None else f"{where} {k + 1} of {len(cases)}"
            return {"ok": False, "message": f"{name}, {label} ({case.label}):\n{problem}"}
    return {"ok": True, "passed": len(cases)}
