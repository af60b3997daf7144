"""Helpers that drive nbgrader in a temporary course directory, as an instructor would."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from traitlets.config import Config

from rnncourse.grading.nbgrader_plugin import configure

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


def make_course(tmp: Path) -> Path:
    """A fresh course root holding a copy of solutions/ (nbgrader writes into its root)."""
    course = tmp / "course"
    shutil.copytree(ROOT / "solutions", course / "solutions")
    return course


def api(course: Path):
    from nbgrader.apps import NbGraderAPI
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.course_id = "rnncourse"
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "exercises"
    c.Execute.timeout = 180
    configure(c)  # the course's autograding set-up, exactly as nbgrader_config.py applies it
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    return NbGraderAPI(config=c)


def generate(course: Path, assignment: str) -> Path:
    result = api(course).generate_assignment(assignment, force=True)
    assert result["success"], result.get("error", "") + result.get("log", "")
    return course / "exercises" / assignment / f"{assignment}.ipynb"


def cells_by_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def student_notebook(assignment: str, released: Path, edits: dict | None = None):
    """The released notebook with every solution cell filled in from the source.

    ``edits`` maps a solution cell's grade_id to a function ``source -> source``
    (a mutant: a realistic bug) or to a replacement string.
    """
    nb = nbformat.read(released, as_version=4)
    source = cells_by_id(nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            code = source[meta["grade_id"]].source
            code = code.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", "")
            code = code.replace("    ### END SOLUTION", "")
            cell.source = code
    for gid, edit in (edits or {}).items():
        cell = cells_by_id(nb)[gid]
        cell.source = edit(cell.source) if callable(edit) else edit
    return nb


def extra_cell(nb, code: str, before_grade_id: str):
    """Insert an unlocked student cell (e.g. an attempt at tampering) before a cell."""
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    nb.cells.insert(ids.index(before_grade_id), nbformat.v4.new_code_cell(code))
    return nb


def autograde(course: Path, assignment: str, student: str, nb) -> dict:
    """Submit ``nb`` as ``student``, autograde it, return scores and failure messages.

    Returns ``{"score", "max_score", "cells": {grade_id: (score, max)}, "errors": {grade_id: text}}``.
    """
    sub = course / "submitted" / student / assignment
    sub.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, sub / f"{assignment}.ipynb")
    a = api(course)
    result = a.autograde(assignment, student)
    assert result["success"], result.get("error", "") + result.get("log", "")
    graded = nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", 4)
    errors = {}
    for c in graded.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade") and c.cell_type == "code":
            text = [o.get("evalue", "") for o in c.outputs if o.output_type == "error"]
            text += [o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
            if text:
                errors[meta["grade_id"]] = "\n".join(text)
    with a.gradebook as gb:
        s = gb.find_submission(assignment, student)
        cells = {}
        for nbk in s.notebooks:
            for g in nbk.grades:
                cells[g.name] = (g.score, g.max_score)
        return {"score": s.score, "max_score": s.max_score, "cells": cells, "errors": errors}
