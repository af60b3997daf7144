"""The trusted side of autograding: one submission in, one verdict out.

1. :func:`~rnncourse.grading.notebook.rebuild` makes the notebook that is graded from the *source*
   notebook: every locked cell (setup, tests, text) comes from the source; each
   solution cell takes the student's code from the submitted cell with the same
   ``grade_id``; code cells the student added are kept in place. Nothing else
   of the submission (metadata, outputs, submitted copies of locked cells,
   duplicated or re-typed cells) changes what runs or how it is scored.
2. :func:`grade` starts a :class:`~rnncourse.grading.sandbox.Sandbox`, runs the
   setup cells and the student's cells in notebook order inside it, and for
   each test cell draws its cases (the worked examples, and the hidden batches
   from the grading secret), asks the child to call the student's functions on
   them, and compares the plain-data replies with the reference *here*, with
   the course's checks. The verdict holds the outputs to show in each cell; a
   failed test cell gets an error output (nbgrader scores it 0), a passed one a
   line on stdout. What the student's code prints or warns is shown in the
   student's own cells and never reaches a test cell.

If the child dies (a crash, ``os._exit``, a memory or process limit), the
cell that caused it is marked and skipped, a new sandbox replays the cells
before it, and grading goes on; a submission that runs out of its wall-clock
budget gets 0 on every test cell not yet graded, with the reason.
"""
from __future__ import annotations

import ast
import atexit
import copy
import hashlib
import json
import shutil
import time

import numpy as np

from ..checks import REGISTRY
from ..checks._core import call_arguments, evaluate, knock_on_note
from . import wire
from .notebook import CheckCall, _nbg, _plan, _source, parse_test_cell
from .runtime import build_runtime, runtime_digest
from .sandbox import Limits, Sandbox, SandboxError
from .secret import hidden_seed

__all__ = ["grade", "scores", "GRADER_VERSION", "verdict_key"]

GRADER_VERSION = "3"
MAX_RESTARTS = 6
OUTPUT_CAP = 20000  # characters of a cell's printed output kept in the graded notebook


# ---------------------------------------------------------------- runtimes
_RUNTIMES: dict = {}


def _runtime_for(plan):
    forbidden, setup = set(), []
    for _, kind, _, src in plan:
        if kind == "test":
            for call in parse_test_cell(src):
                forbidden.update(REGISTRY[call.name].forbidden)
        elif kind == "setup":
            setup.append(src)
    key = (tuple(sorted(forbidden)), tuple(setup))
    if key not in _RUNTIMES:
        root = build_runtime(sorted(forbidden), setup)
        atexit.register(shutil.rmtree, root, True)
        _RUNTIMES[key] = (root, runtime_digest(root))
    return _RUNTIMES[key]


def verdict_key(nb: dict, key: bytes) -> str:
    """What a verdict depends on: the graded notebook's code, the grader's version and the secret."""
    code = [[c.get("cell_type"), _source(c), _nbg(c).get("grade_id")] for c in nb["cells"]]
    h = hashlib.sha256(json.dumps([GRADER_VERSION, code], sort_keys=True).encode())
    h.update(hashlib.sha256(b"secret\0" + key).digest())
    root, digest = _runtime_for(_plan(nb))
    h.update(digest.encode())
    return h.hexdigest()


# ---------------------------------------------------------------- grading
def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def _error(ename, evalue, tb=None):
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [tb or f"{ename}: {evalue}"]}


class _Failed(Exception):
    pass


class _GraderError(_Failed):
    """An exception in the trusted checks: the cell scores 0 and the verdict is flagged for the staff."""


class _Runner:
    """The sandbox of one submission, restarted (with the cells replayed) when the child dies."""

    def __init__(self, runtime, limits, hide):
        self.runtime, self.limits, self.hide = runtime, limits, hide
        self.deadline = time.monotonic() + limits.wall
        self.done = []       # cell sources executed so far (replayed after a restart)
        self.errors = {}     # cell index -> short text of its error
        self.sandbox = None
        self.restarts = 0
        self.isolation = None

    def _sandbox(self):
        if self.sandbox is None:
            if self.restarts > MAX_RESTARTS:
                raise SandboxError("the submission's process ended too many times")
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise SandboxError(f"time limit: the submission used more than {self.limits.wall:g} s")
            lim = Limits(**{**self.limits.__dict__, "wall": left})
            self.sandbox = Sandbox(self.runtime, lim, hide=self.hide).start()
            self.isolation = self.sandbox.isolation
            for src in self.done:
                self.sandbox.request({"op": "exec", "source": src})
        return self.sandbox

    def _lost(self):
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        self.restarts += 1
        if time.monotonic() >= self.deadline:
            raise SandboxError(f"time limit: the submission used more than {self.limits.wall:g} s")

    def exec(self, index, source):
        try:
            reply = self._sandbox().request({"op": "exec", "source": source, "name": f"<cell {index}>"})
        except SandboxError as exc:
            self._lost()
            self.errors[index] = f"this cell ended the submission's process ({exc}); it was skipped"
            return [_error("GradingError", self.errors[index])]
        self.done.append(source)
        # the child caps printed output; a reply forged on the channel is capped here as well
        outs = [_stream(n, reply[n][:OUTPUT_CAP]) for n in ("stdout", "stderr") if isinstance(reply.get(n), str)
                and reply.get(n)]
        if not reply.get("ok", False):
            self.errors[index] = f"{reply.get('ename', 'Error')}: {reply.get('evalue', '')}"[:500]
            outs.append(_error(str(reply.get("ename", "Error"))[:100], str(reply.get("evalue", ""))[:2000],
                               str(reply.get("traceback", ""))[:4000]))
        return outs

    def call(self, spec, fn: str, args: dict, defined_in: str):
        pos, kw = call_arguments(spec, copy.deepcopy(args))
        if not isinstance(pos, wire.Fixture):
            pos = tuple(pos)
        try:
            reply = self._sandbox().request({"op": "call", "fn": fn, "args": pos, "kwargs": kw})
        except SandboxError as exc:
            self._lost()
            raise _Failed(f"{spec.name}: calling {fn} ended the submission's process ({exc})") from None
        status = reply.get("status") if isinstance(reply, dict) else None
        if status == "ok":
            _check_unchanged(spec, pos, kw, reply.get("mutated"))
            return reply.get("value")
        if status == "raised" and isinstance(reply.get("value"), wire.Raised):
            return reply["value"]
        if status == "not_implemented":
            raise _Failed(f"{spec.name} is not implemented yet (it raised NotImplementedError)")
        if status == "missing":
            why = f"\nThe cell that defines it failed: {defined_in}" if defined_in else ""
            raise _Failed(f"{spec.name}: no function named {fn} is defined in the notebook{why}")
        raise _Failed(f"{spec.name}: the submission's process sent a malformed reply")

    def close(self):
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None


def _check_unchanged(spec, pos, kw, mutated):
    if not spec.must_not_change or not isinstance(mutated, list):
        return
    names = {str(k): k for k in kw}
    if isinstance(pos, tuple):
        names.update({str(i): f"argument {i + 1}" for i in range(len(pos))})
    for m in mutated:
        if names.get(m) in spec.must_not_change:
            raise _Failed(f"{spec.name} changed its argument {names[m]} in place; the instructions ask you "
                          f"to leave it unchanged (build and return a new one)")


def grade(nb: dict, assignment: str, key: bytes, limits: Limits | None = None, hide=()) -> dict:
    """Grade the rebuilt notebook ``nb`` (from :func:`rebuild`); return the verdict.

    ``{"version", "isolation", "outputs": {index: [nbformat outputs]}, "tests": {grade_id: {"ok",
    "message"}}, "seconds"}``. ``hide``: paths the child must not see (the course root).
    """
    limits = limits or Limits()
    t0 = time.monotonic()
    plan = _plan(nb)
    runtime, _ = _runtime_for(plan)
    runner = _Runner(runtime, limits, hide)
    outputs, tests = {}, {}
    grader_errors = []
    fatal = None
    last_error_of = {}  # function name -> error of the student cell that was to define it
    source_of = {}      # function name -> source of the student cell that last defined it
    check_ok = {}       # check name -> whether its latest test cell passed
    try:
        for index, kind, gid, src in plan:
            if kind == "text":
                continue
            if kind in ("setup", "student"):
                if fatal:
                    outputs[index] = [_error("GradingError", f"not run: {fatal}")]
                    continue
                try:
                    outputs[index] = runner.exec(index, src)
                except SandboxError as exc:
                    fatal = str(exc)
                    outputs[index] = [_error("GradingError", fatal)]
                    continue
                for name in _defined_names(src):
                    source_of[name] = src
                    if index in runner.errors:
                        last_error_of[name] = runner.errors[index]
                continue
            # a test cell: the verdict is computed here, never in the child
            lines, failure = [], None
            if fatal:
                failure = f"not graded: {fatal}"
            else:
                call = None
                try:
                    for call in parse_test_cell(src):
                        lines.append(_run_check(runner, assignment, gid, call, key, last_error_of.get(call.fn)))
                        check_ok[call.name] = True
                except _GraderError as exc:
                    failure = str(exc)
                    grader_errors.append(gid)
                except _Failed as exc:
                    check_ok[call.name] = False
                    failing = [u for u in _called_names(source_of.get(call.fn, ""), call.fn)
                               if u != call.name and check_ok.get(u) is False]
                    failure = str(exc) + knock_on_note(call.name, failing)
                except SandboxError as exc:
                    fatal = str(exc)
                    failure = f"not graded: {fatal}"
            outs = [_stream("stdout", "\n".join(lines) + "\n")] if lines else []
            if failure:
                outs.append(_error("AssertionError", failure, "AssertionError: " + failure))
            outputs[index] = outs
            tests[gid] = {"ok": failure is None, "message": failure or "\n".join(lines)}
    finally:
        runner.close()
    return {"version": GRADER_VERSION, "isolation": runner.isolation or "not started",
            "outputs": {str(k): v for k, v in outputs.items()}, "tests": tests, "grader_errors": grader_errors,
            "seconds": round(time.monotonic() - t0, 3)}


def _defined_names(src: str):
    try:
        tree = ast.parse(src)
    except SyntaxError:
        # a cell that does not parse defines nothing; name the functions it meant to define
        import re
        return re.findall(r"^def\s+([A-Za-z_]\w*)", src, flags=re.M)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _called_names(src: str, fn: str) -> list:
    """Names the student's function ``fn`` (defined in ``src``) reads, in order of first use."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return []
    seen = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in seen:
                    seen.append(sub.id)
    return seen


def _run_check(runner, assignment, gid, call: CheckCall, key: bytes, defined_in):
    spec = REGISTRY[call.name]
    batches = [(None, spec.visible())] if call.hidden is None else [
        ("hidden case", spec.random(np.random.default_rng(hidden_seed(key, assignment, gid, call.name, b))))
        for b in range(call.hidden)]
    passed = 0
    for where, cases in batches:
        outs = []
        for case in cases:
            got = runner.call(spec, call.fn, case.args, defined_in)
            if spec.probes is not None:
                got = ("__probed__", got, {p: runner.call(spec, call.fn, a, defined_in)
                                           for p, a in spec.probes(case).items()})
            outs.append(got)
        try:
            v = evaluate(spec, cases, outs, where)
        except Exception as exc:  # the course's own check failed: never the batch, never silently
            raise _GraderError(f"{spec.name}: the grader itself failed ({type(exc).__name__}: {exc}); "
                               "this is not your mistake, please report it to the course staff") from None
        if not v["ok"]:
            raise _Failed(v["message"])
        passed += v["passed"]
    kind = "visible" if call.hidden is None else "hidden"
    return f"{call.name}: {passed} {kind} test case(s) passed"


def scores(nb: dict, verdict: dict) -> dict:
    """``{grade_id: (points, max_points)}`` as nbgrader's SaveAutoGrades will record them."""
    out = {}
    for c in nb["cells"]:
        nbg = _nbg(c)
        if nbg.get("grade") and c.get("cell_type") == "code":
            gid, pts = nbg.get("grade_id"), float(nbg.get("points", 0))
            ok = verdict["tests"].get(gid, {}).get("ok", False)
            out[gid] = (pts if ok else 0.0, pts)
    return out
