"""nbgrader integration: ``nbgrader autograde`` with the sandboxed grader.

Configured in ``nbgrader_config.py`` (no fork of nbgrader)::

    c.Autograde.exporter_class = SafeNotebookExporter
    c.Autograde.sanitize_preprocessors = [RebuildFromSource, <nbgrader's own five>]
    c.Autograde.autograde_preprocessors = [IsolatedExecute, <nbgrader's own, without Execute>]

- :class:`SafeNotebookExporter` reads a submission that is not valid JSON, not a
  notebook, of a newer format or too large as an empty notebook, with the
  reason kept for the feedback, instead of stopping the batch;
- :class:`RebuildFromSource` replaces the submission by the notebook that is
  graded (:func:`rnncourse.grading.notebook.rebuild`): locked cells from the
  source, solution cells and added code cells from the student;
- :class:`IsolatedExecute` takes the place of nbgrader's ``Execute``: it runs
  :func:`rnncourse.grading.grader.grade` (student code in a sandbox, verdicts
  computed in this process) and writes each cell's outputs, which nbgrader's
  ``SaveAutoGrades`` then scores as usual (an error output scores 0). A verdict
  computed beforehand by ``make autograde``'s parallel workers (or a batch
  system) is reused when its key matches this notebook and its signature
  checks out.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from nbformat import from_dict
from traitlets import Bool, Float, Integer, Unicode

from . import grader, notebook
from .sandbox import Limits
from .secret import load_secret, sign

__all__ = ["SafeNotebookExporter", "RebuildFromSource", "IsolatedExecute", "verdict_path", "store_verdict",
           "load_verdict", "MAX_SUBMISSION_BYTES"]

MAX_SUBMISSION_BYTES = 20 << 20
_EMPTY = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def read_submission(path):
    """``(parsed JSON or None, problem or None)`` for a submitted notebook file, without trusting it."""
    if os.path.islink(path):  # it would be read with the instructor's rights (e.g. a link to solutions/)
        return None, "the submission is a symbolic link, not a notebook file"
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return None, f"the submission could not be read ({exc.__class__.__name__})"
    if size > MAX_SUBMISSION_BYTES:
        return None, f"the submission is {size / 2**20:.0f} MiB, more than {MAX_SUBMISSION_BYTES >> 20} MiB"
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, f"the submission is not a valid notebook file ({exc.__class__.__name__}: {str(exc)[:120]})"
    if not isinstance(data, dict):
        return None, "the submission is not a notebook (its JSON is not an object)"
    return data, None


def _coursedir(pp):
    node = pp
    while node is not None:
        if hasattr(node, "coursedir"):
            return node.coursedir
        node = getattr(node, "parent", None)
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=pp.config)


def _source_notebook(pp, resources) -> dict:
    cd = _coursedir(pp)
    info = resources["nbgrader"]
    path = Path(cd.format_path(cd.source_directory, ".", info["assignment"])) / f"{info['notebook']}.ipynb"
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class SafeNotebookExporter(NotebookExporter):
    """Reads any submitted file; what is not a readable notebook becomes an empty one (with the reason)."""

    def from_filename(self, filename, resources=None, **kw):
        data, problem = read_submission(filename)
        if data is not None and not os.path.islink(filename):
            try:
                return super().from_filename(filename, resources=resources, **kw)
            except Exception as exc:  # a newer nbformat, a schema nbformat rejects, ...
                problem = f"nbformat could not read the submission ({exc.__class__.__name__}: {str(exc)[:160]})"
        resources = dict(resources or {})
        resources.setdefault("nbgrader", {})["submission_problem"] = problem
        return self.from_notebook_node(from_dict(dict(_EMPTY)), resources=resources, **kw)


class RebuildFromSource(Preprocessor):
    """First sanitize step: the graded notebook is rebuilt from the source (see module docstring)."""

    enabled = Bool(True)  # nbconvert's default is off: a preprocessor left off would grade nothing

    def preprocess(self, nb, resources):
        source = _source_notebook(self, resources)
        problem = resources.get("nbgrader", {}).get("submission_problem")
        return from_dict(notebook.graded_notebook(source, json.loads(json.dumps(nb)), problem)), resources


def verdict_path(root, assignment, student, notebook) -> Path:
    return Path(root) / ".rnncourse" / "verdicts" / assignment / student / f"{notebook}.json"


def store_verdict(path: Path, key: str, verdict: dict, secret: bytes):
    body = json.dumps({"key": key, "verdict": verdict}, sort_keys=True).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"body": body.decode(), "sig": sign(secret, body)}))
    os.replace(tmp, path)


def load_verdict(path: Path, key: str, secret: bytes):
    """The stored verdict if it was made for exactly this notebook and signed with this secret."""
    try:
        wrapper = json.loads(Path(path).read_text())
        body = wrapper["body"].encode()
        if wrapper["sig"] != sign(secret, body):
            return None
        data = json.loads(body)
        return data["verdict"] if data["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


class IsolatedExecute(Preprocessor):
    """Replaces nbgrader's Execute: student code runs in a sandbox; verdicts are computed here."""

    enabled = Bool(True)  # (off, every test cell would keep no output, which nbgrader scores as full marks)

    timeout = Float(60.0, help="Wall-clock seconds for one submission (all its cells).").tag(config=True)
    memory = Integer(2 << 30, help="Bytes of memory for one submission's processes.").tag(config=True)
    verdict_root = Unicode("", help="Where precomputed verdicts are read (default: the course root).").tag(
        config=True)

    def preprocess(self, nb, resources):
        cd = _coursedir(self)
        info = resources["nbgrader"]
        secret = load_secret(cd.root)
        data = json.loads(json.dumps(nb))
        key = grader.verdict_key(data, secret)
        path = verdict_path(self.verdict_root or cd.root, info["assignment"], info["student"], info["notebook"])
        verdict = load_verdict(path, key, secret)
        if verdict is None:
            hide = {cd.root, cd.format_path(cd.submitted_directory, ".", "."),
                    cd.format_path(cd.autograded_directory, ".", ".")}
            limits = Limits(wall=self.timeout, memory=self.memory)
            verdict = grader.grade(data, info["assignment"], secret, limits, hide=sorted(hide))
            store_verdict(path, key, verdict, secret)
        else:
            self.log.info("Using the verdict computed beforehand for %s", path)
        resources.setdefault("rnncourse", {})["verdict"] = verdict
        for k, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs = [from_dict(o) for o in verdict["outputs"].get(str(k), [])]
            cell.execution_count = None
        nb.metadata["rnncourse_grading"] = {"isolation": verdict.get("isolation"), "version": verdict.get("version")}
        return nb, resources


def configure(c, timeout: float = 60.0, memory: int = 2 << 30):
    """Apply the course's autograding set-up to an nbgrader config ``c`` (``nbgrader_config.py`` calls this)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                        SaveAutoGrades)
    c.Autograde.exporter_class = SafeNotebookExporter
    c.Autograde.sanitize_preprocessors = [RebuildFromSource, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                          OverwriteCells, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [IsolatedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                           LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    c.IsolatedExecute.timeout = timeout
    c.IsolatedExecute.memory = memory
    return c
