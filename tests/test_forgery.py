"""Grading that cannot be forged: the crafted submissions of tests/forgery.py, graded in one batch.

One course directory; first the control students alone are graded (their rows
are recorded), then every attempt is submitted beside them and the whole batch
is graded again with ``python -m rnncourse.grading autograde`` (what
``make autograde`` runs). Each wrong-code attempt must earn 0 on the test cells
it targets; honest variants keep every point; the batch completes; the control
students' rows, the course's files and every other student's folder are
unchanged; no process of a sandbox survives.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from forgery import ATTEMPTS, WRONG_CELL
from grading import ROOT, cells_by_id, student_notebook

A = "04-recurrent-network"
RELEASED = ROOT / "exercises" / A / f"{A}.ipynb"
CONTROLS = ("control-solution", "control-untouched")
SANDBOX_UID_MIN = 600000


def _slug(name):
    return "x-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def _submission(attempt):
    if attempt.raw is not None:
        return attempt.raw
    nb = student_notebook(A, RELEASED)
    if attempt.wrong:
        cells_by_id(nb)["rnn_step"].source = WRONG_CELL
    for gid, code in attempt.cells.items():
        cells_by_id(nb)[gid].source = code
    for before, code in attempt.extra:
        cell = nbformat.v4.new_code_cell(code)
        if before is None:
            nb.cells.append(cell)
        else:
            ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
            nb.cells.insert(ids.index(before), cell)
    data = json.loads(nbformat.writes(nb))
    if attempt.notebook is not None:
        data = attempt.notebook(data)
    return json.dumps(data).encode()


def _tree_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode() + p.read_bytes())
    return h.hexdigest()


def _run_batch(course):
    env = dict(os.environ, RNNCOURSE_GRADING_TIMEOUT="10")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    r = subprocess.run([sys.executable, "-m", "rnncourse.grading", "autograde", "--jobs", "2"], cwd=course,
                       env=env, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


def _rows(course):
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db", "rnncourse") as gb:
        for sub in gb.assignment_submissions(A):
            grades = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    grades[g.name] = (g.score, g.max_score)
            out[sub.student.id] = {"score": sub.score, "max": sub.max_score, "cells": grades}
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = tmp_path_factory.mktemp("forgery") / "course"
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    sub = course / "submitted"
    good = student_notebook(A, RELEASED)
    for student, nb in (("control-solution", good), ("control-untouched", nbformat.read(RELEASED, 4))):
        (sub / student / A).mkdir(parents=True)
        nbformat.write(nb, sub / student / A / f"{A}.ipynb")
    _run_batch(course)
    first = _rows(course)
    control_files = {s: _tree_digest(sub / s) for s in CONTROLS}
    for attempt in ATTEMPTS:
        d = sub / _slug(attempt.name) / A
        d.mkdir(parents=True)
        if attempt.link:  # read with the instructor's rights, this would be the source with its solutions
            (d / f"{A}.ipynb").symlink_to(course / "solutions" / A / f"{A}.ipynb")
        else:
            (d / f"{A}.ipynb").write_bytes(_submission(attempt))
        for rel, text in attempt.files.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_text(text)
    course_files = {p: _tree_digest(course / p) for p in ("solutions",)}
    config = (course / "nbgrader_config.py").read_bytes()
    summary = _run_batch(course)
    return {"course": course, "first": first, "rows": _rows(course), "summary": summary,
            "control_files": control_files, "course_files": course_files, "config": config}


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.name)
def test_attempt(batch, attempt):
    row = batch["rows"].get(_slug(attempt.name))
    assert row is not None, f"{attempt.name}: not in the gradebook (the batch skipped it)"
    if attempt.expect == "full":
        assert row["score"] == row["max"] > 0, (attempt.name, row["cells"])
    else:
        for gid in attempt.lost:
            assert row["cells"][gid][0] == 0, (attempt.name, gid, row["cells"])
        assert row["score"] < row["max"]


def test_corpus_covers_every_family():
    families = {}
    for a in ATTEMPTS:
        families.setdefault(a.family, []).append(a)
    wrong = [a for a in ATTEMPTS if a.expect == "zero"]
    assert len(wrong) >= 40
    for fam in ("kernel", "guard", "reuse", "wire", "process", "flood", "files", "structure", "env", "honest"):
        assert len(families.get(fam, [])) >= 2, fam


def test_controls_unchanged_by_the_attacks(batch):
    first, rows = batch["first"], batch["rows"]
    assert first["control-solution"]["score"] == first["control-solution"]["max"] > 0
    assert first["control-untouched"]["score"] == 0
    for s in CONTROLS:
        assert rows[s] == first[s], s
        assert _tree_digest(batch["course"] / "submitted" / s) == batch["control_files"][s], s


def test_course_files_unchanged(batch):
    course = batch["course"]
    for p, digest in batch["course_files"].items():
        assert _tree_digest(course / p) == digest, p
    assert (course / "nbgrader_config.py").read_bytes() == batch["config"]
    assert not Path("/tmp/pwned").exists()


def test_every_submission_in_the_summary(batch):
    summary = batch["summary"]
    for a in ATTEMPTS:
        assert _slug(a.name) in summary, a.name
    assert "isolation: full" in summary or os.geteuid() != 0


def test_no_sandbox_process_survives(batch):
    """Fork bombs and setsid daemons included: nothing of any sandbox outlives the batch."""
    import time
    for _ in range(50):
        survivors = []
        for d in Path("/proc").iterdir():
            try:
                if d.name.isdigit() and d.stat().st_uid >= SANDBOX_UID_MIN and \
                        (d / "stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX":
                    survivors.append(d.name)
            except (OSError, IndexError):
                pass
        if not survivors:
            break
        time.sleep(0.1)
    assert survivors == []


def test_feedback_shows_no_seed_or_solution(batch):
    course = batch["course"]
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    r = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", A, "--force"], cwd=course,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    # lines of the source's solutions that the released notebook does not contain
    released = RELEASED.read_text()
    src = json.loads((ROOT / "solutions" / A / f"{A}.ipynb").read_text())
    secret_lines = {ln.strip() for c in src["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                    for ln in "".join(c["source"]).split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0]
                    .splitlines() if len(ln.strip()) > 25 and json.dumps(ln.strip())[1:-1] not in released}
    assert secret_lines
    pages = list((course / "feedback").rglob("*.html"))
    assert len(pages) >= len(ATTEMPTS)
    for page in pages:
        text = page.read_text(errors="replace")
        assert "seed=" not in text and "BEGIN SOLUTION" not in text, page
        if "x-honest" not in str(page) and "control-solution" not in str(page):
            plain = text.replace("&#39;", "'").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            plain = plain.replace("&amp;", "&")
            assert not [ln for ln in secret_lines if ln in plain], page


def test_failure_reasons_reach_the_feedback(batch):
    """A broken submission gets 0 *with the reason* in its autograded notebook."""
    course = batch["course"]

    def shown(name):
        nb = json.loads((course / "autograded" / _slug(name) / A / f"{A}.ipynb").read_text())
        return json.dumps(nb)
    assert "not a valid notebook file" in shown("invalid JSON")
    assert "MiB" in shown("25 MB file")
    assert "time limit" in shown("hang in the function")
    assert "ended the submission" in shown("os._exit in a cell")
    assert "is not implemented yet" not in shown("test cells deleted")
    assert "symbolic link" in shown("submission is a link to the solutions")
    assert len(shown("forged 50 MB output reply")) < 1 << 20
