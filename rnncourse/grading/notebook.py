"""The notebook that is graded, and what its test cells ask for.

- :func:`rebuild` makes the notebook that is graded from the instructor's *source* notebook
  and the student's submission: every locked cell comes from the source, each solution cell
  takes the student's code from the submitted cell with the same ``grade_id``, and code cells
  the student added stay in place (see :mod:`rnncourse.grading.grader`).
- :func:`parse_test_cell` reads a test cell, which may hold only ``check("name", fn[, hidden=N])``
  lines: anything else is an instructor's error (:class:`GradingConfigError`), found before any
  student code runs.
"""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from ..checks import REGISTRY

__all__ = ["rebuild", "graded_notebook", "parse_test_cell", "CheckCall", "GradingConfigError"]


class GradingConfigError(ValueError):
    """The *source* notebook is not gradable (an instructor's error, never a student's)."""


def _nbg(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _source(cell) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


# ---------------------------------------------------------------- rebuilding
def rebuild(source_nb: dict, submitted_nb: dict | None, problem: str | None = None):
    """The notebook to grade, and notes for the feedback (see module docstring).

    ``submitted_nb`` is the student's notebook as parsed JSON (``None`` if it
    could not be read; ``problem`` then says why).
    """
    notes = [problem] if problem else []
    sub_cells = []
    if isinstance(submitted_nb, dict) and isinstance(submitted_nb.get("cells"), list):
        sub_cells = [c for c in submitted_nb["cells"] if isinstance(c, dict)]
    elif submitted_nb is not None:
        notes.append("the submission is not a notebook (no list of cells): graded as empty")
    src_ids = {_nbg(c).get("grade_id"): c for c in source_nb["cells"] if _nbg(c).get("grade_id")}
    solution_ids = [g for g, c in src_ids.items() if _nbg(c).get("solution")]
    taken, after = {}, {}   # grade_id -> student source; anchor grade_id -> added cells
    anchor = None
    for c in sub_cells:
        gid = _nbg(c).get("grade_id")
        if gid in src_ids:
            if gid in solution_ids and gid not in taken:
                taken[gid] = _source(c)
            elif gid in solution_ids:
                notes.append(f"a second cell with the id {gid!r} was graded as an added cell")
                after.setdefault(anchor, []).append(_source(c))
            anchor = gid
        elif c.get("cell_type") == "code" and not _nbg(c).get("locked"):
            after.setdefault(anchor, []).append(_source(c))
    out = copy.deepcopy({k: v for k, v in source_nb.items() if k != "cells"})
    cells = []

    def added(key):
        for k, src in enumerate(after.get(key, [])):
            cells.append({"cell_type": "code", "execution_count": None, "id": f"added-{len(cells)}-{k}",
                          "metadata": {}, "outputs": [], "source": src})
    added(None)
    for c in source_nb["cells"]:
        new = copy.deepcopy(c)
        new["source"] = _source(c)  # one string, as nbformat holds it in memory
        gid = _nbg(c).get("grade_id")
        if c.get("cell_type") == "code":
            new["outputs"], new["execution_count"] = [], None
        if gid in solution_ids:
            if gid in taken:
                new["source"] = taken[gid]
            else:
                new["source"] = "# this cell is missing from the submission\nraise NotImplementedError()"
                notes.append(f"the solution cell {gid!r} is missing from the submission")
        cells.append(new)
        if gid:
            added(gid)
    out["cells"] = cells
    return out, notes


def graded_notebook(source_nb: dict, submitted_nb: dict | None, problem: str | None = None) -> dict:
    """:func:`rebuild`, with the grader's notes (if any) as a first markdown cell: what is graded and shown."""
    rebuilt, notes = rebuild(source_nb, submitted_nb, problem)
    if notes:
        rebuilt["cells"].insert(0, {"cell_type": "markdown", "id": "grader-notes", "metadata": {},
                                    "source": "**Notes from the grader**\n\n" + "\n".join(f"- {n}" for n in notes)})
    return rebuilt


# ---------------------------------------------------------------- test cells
@dataclass(frozen=True)
class CheckCall:
    """One ``check("name", fn[, hidden=N])`` line of a test cell."""
    name: str
    fn: str
    hidden: int | None


def parse_test_cell(source: str) -> list:
    """The checks a test cell runs. A test cell may hold only ``check(...)`` lines (and comments)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise GradingConfigError(f"test cell does not parse: {exc}") from None
    calls = []
    for node in tree.body:
        ok = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id == "check"
              and len(node.value.args) == 2 and isinstance(node.value.args[0], ast.Constant)
              and isinstance(node.value.args[0].value, str) and isinstance(node.value.args[1], ast.Name))
        if not ok:
            raise GradingConfigError(f"test cells may only call check(\"name\", function[, hidden=N]); "
                                     f"line {node.lineno} is {ast.unparse(node)!r}")
        kw = {k.arg: k.value for k in node.value.keywords}
        if set(kw) - {"hidden", "seed", "quiet"}:
            raise GradingConfigError(f"unknown argument of check on line {node.lineno}")
        name = node.value.args[0].value
        if name not in REGISTRY:
            raise GradingConfigError(f"no check named {name!r} (line {node.lineno})")
        hidden = None
        if "hidden" in kw:
            if not (isinstance(kw["hidden"], ast.Constant) and type(kw["hidden"].value) is int
                    and 1 <= kw["hidden"].value <= 20):
                raise GradingConfigError(f"hidden= must be a whole number from 1 to 20 (line {node.lineno})")
            hidden = kw["hidden"].value
        elif "seed" in kw:
            hidden = 1  # an old-style seeded call: one hidden batch, drawn from the secret all the same
        calls.append(CheckCall(name, node.value.args[1].id, hidden))
    return calls


def _plan(nb: dict):
    """``[(index, kind, grade_id, source)]`` with kind setup / student / test / text."""
    plan = []
    for k, c in enumerate(nb["cells"]):
        nbg, src = _nbg(c), _source(c)
        if c.get("cell_type") != "code":
            plan.append((k, "text", nbg.get("grade_id"), src))
        elif nbg.get("grade") and nbg.get("locked"):
            plan.append((k, "test", nbg.get("grade_id"), src))
        elif nbg.get("locked"):
            plan.append((k, "setup", nbg.get("grade_id"), src))
        else:
            plan.append((k, "student", nbg.get("grade_id"), src))
    return plan
