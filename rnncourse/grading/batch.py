"""``make autograde``: grade every submission present, in parallel, and never stop the batch.

Usage (from the course root; the Makefile wraps it)::

    python -m rnncourse.grading autograde [--jobs N] [--assignment A ...] [--student S ...]
    python -m rnncourse.grading grade SUBMISSION.ipynb --assignment A [--student S] [--out VERDICT.json]

``autograde`` works in two phases:

1. **verdicts, in parallel** (``--jobs``, default: all cores): every
   ``submitted/<student>/<assignment>/<notebook>.ipynb`` is rebuilt from the
   source and graded in a sandbox; the signed verdict is stored under
   ``.rnncourse/verdicts/``. A verdict already there for the same notebook code,
   grader and secret is kept, so an interrupted run resumes where it stopped;
2. **nbgrader, as upstream documents it**: ``nbgrader generate_assignment`` (to
   refresh the gradebook's source) and ``nbgrader autograde <assignment>
   --force`` per assignment that has submissions. nbgrader's own pipeline runs
   (``nbgrader_config.py``): its :class:`IsolatedExecute` step finds each
   verdict and writes it into the autograded notebook; nbgrader scores it and
   records it in the gradebook, once per submission.

It ends with a table (student, assignment, score/max, status) and writes it to
``autograde-summary.csv``. ``grade`` grades one notebook and prints a
machine-readable verdict (for a batch system: see ``book/appendix-grading.md``);
with ``--out`` it also writes the signed verdict file that phase 2 imports.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["find_submissions", "precompute", "grade_one", "autograde", "main"]


def _course(root):
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    cfg = Config()
    path = Path(root) / "nbgrader_config.py"
    if path.exists():
        cfg.merge(PyFileConfigLoader(path.name, str(path.parent)).load_config())
    cfg.CourseDirectory.root = str(Path(root).resolve())
    return CourseDirectory(config=cfg), cfg


def find_submissions(root, assignments=None, students=None):
    """``[(assignment, student, notebook, path)]`` for every submitted notebook of a known assignment."""
    cd, _ = _course(root)
    src = Path(cd.root) / cd.source_directory
    sub = Path(cd.root) / cd.submitted_directory
    known = {p.name for p in src.iterdir() if p.is_dir()} if src.is_dir() else set()
    out = []
    if not sub.is_dir():
        return out
    for sdir in sorted(p for p in sub.iterdir() if p.is_dir()):
        if students and sdir.name not in students:
            continue
        for adir in sorted(p for p in sdir.iterdir() if p.is_dir()):
            if adir.name not in known or (assignments and adir.name not in assignments):
                continue
            for nb in sorted((src / adir.name).glob("*.ipynb")):
                out.append((adir.name, sdir.name, nb.stem, adir / nb.name))
    return out


def _source(root, assignment, notebook):
    cd, _ = _course(root)
    path = Path(cd.root) / cd.source_directory / assignment / f"{notebook}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


def grade_one(root, assignment, notebook_path, student="student", notebook=None, limits=None,
              verdict_file=None):
    """Grade one submitted notebook; return the machine-readable verdict.

    The signed verdict is stored where nbgrader's :class:`IsolatedExecute` looks for it
    (``.rnncourse/verdicts/<assignment>/<student>/<notebook>.json`` under the course root), or in
    ``verdict_file`` (to be copied there later, e.g. from a batch system's job).
    """
    from .grader import grade, scores, verdict_key
    from .notebook import graded_notebook
    from .nbgrader_plugin import load_verdict, read_submission, store_verdict, verdict_path
    from .sandbox import Limits
    from .secret import load_secret
    cd, cfg = _course(root)
    notebook = notebook or Path(notebook_path).stem
    secret = load_secret(cd.root)
    data, problem = read_submission(notebook_path)
    nb = graded_notebook(_source(root, assignment, notebook), data, problem)
    key = verdict_key(nb, secret)
    path = Path(verdict_file) if verdict_file else verdict_path(cd.root, assignment, student, notebook)
    verdict = load_verdict(path, key, secret)
    reused = verdict is not None
    if verdict is None:
        if limits is None:
            iso = cfg.get("IsolatedExecute", {})
            limits = Limits(wall=float(iso.get("timeout", 60.0)), memory=int(iso.get("memory", 2 << 30)))
        hide = sorted({cd.root, str(Path(notebook_path).resolve().parent)})
        verdict = grade(nb, assignment, secret, limits, hide=hide)
        store_verdict(path, key, verdict, secret)
    sc = scores(nb, verdict)
    return {"assignment": assignment, "student": student, "notebook": notebook,
            "score": sum(s for s, _ in sc.values()), "max_score": sum(m for _, m in sc.values()),
            "tests": {g: {"points": s, "max_points": m, "ok": verdict["tests"].get(g, {}).get("ok", False),
                          "message": verdict["tests"].get(g, {}).get("message", "not graded")}
                      for g, (s, m) in sc.items()},
            "isolation": verdict.get("isolation"), "seconds": verdict.get("seconds"), "reused": reused,
            "grader_errors": verdict.get("grader_errors", []),
            "problem": problem, "verdict_file": str(path)}


def precompute(job):
    root, assignment, student, notebook, path = job
    try:
        return grade_one(root, assignment, path, student, notebook)
    except Exception as exc:  # never stops the batch: nbgrader grades this one itself in phase 2
        return {"assignment": assignment, "student": student, "notebook": notebook, "error": repr(exc)[:500]}


def _nbgrader(root, *args):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # nbgrader runs alembic
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True)


def autograde(root=".", jobs=None, assignments=None, students=None, out=sys.stdout):
    """Both phases (see module docstring); returns the summary rows."""
    root = str(Path(root).resolve())
    t0 = time.monotonic()
    subs = find_submissions(root, assignments, students)
    if not subs:
        print("no submissions found in submitted/<student>/<assignment>/", file=out)
        return []
    jobs = jobs or os.cpu_count() or 1
    work = [(root, a, s, n, str(p)) for a, s, n, p in subs]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pre = list(pool.map(precompute, work))
    t1 = time.monotonic()
    by_sub = {(r["assignment"], r["student"]): r for r in pre}
    failures = {}
    for a in sorted({a for a, *_ in subs}):
        r = _nbgrader(root, "generate_assignment", a, "--force")
        if r.returncode != 0:
            failures[a] = "nbgrader generate_assignment failed: " + r.stderr[-500:]
            continue
        who = sorted({s for aa, s, *_ in subs if aa == a})
        calls = [["autograde", a, "--force"]] if not students else [["autograde", a, "--force", "--student", s]
                                                                     for s in who]
        for call in calls:
            r = _nbgrader(root, *call)
            if r.returncode != 0:
                failures[a] = "nbgrader autograde reported errors (see its log)"
    rows = _summary(root, subs, by_sub, failures)
    _print(rows, out, jobs, t1 - t0, time.monotonic() - t1)
    return rows


def _summary(root, subs, by_sub, failures):
    from nbgrader.api import Gradebook, MissingEntry
    cd, _ = _course(root)
    rows = []
    with Gradebook(cd.db_url, cd.course_id) as gb:
        for a, s, n, _ in subs:
            pre = by_sub.get((a, s), {})
            try:
                sub = gb.find_submission(a, s)
                score, mx = sub.score, sub.max_score
                status = "graded"
            except MissingEntry:
                score, mx, status = 0.0, 0.0, "not in gradebook"
            if pre.get("problem"):
                status = pre["problem"]
            elif pre.get("error"):
                status = "grader error: " + pre["error"]
            elif pre.get("grader_errors"):
                status = "GRADER ERROR in " + ", ".join(pre["grader_errors"]) + " (a bug of the course: regrade after the fix)"
            else:
                msgs = [t["message"] for t in pre.get("tests", {}).values() if not t["ok"]]
                limit = [m for m in msgs if "limit" in m or "ended the submission" in m]
                if limit:
                    status = limit[0].split("\n")[0][:120]
            if a in failures:
                status += f" ({failures[a]})"
            rows.append({"student": s, "assignment": a, "score": score, "max_score": mx, "status": status,
                         "isolation": pre.get("isolation", "")})
    with open(Path(root) / "autograde-summary.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["student", "assignment", "score", "max_score", "status", "isolation"])
        w.writeheader()
        w.writerows(rows)
    return rows


def _print(rows, out, jobs, t_pre, t_nbg):
    wid = max([len(r["student"]) for r in rows] + [7])
    print(f"{'student':<{wid}}  {'assignment':<22} {'score':>11}  status", file=out)
    for r in rows:
        print(f"{r['student']:<{wid}}  {r['assignment']:<22} {r['score']:>5g}/{r['max_score']:<5g}  {r['status']}",
              file=out)
    levels = sorted({r["isolation"] for r in rows if r["isolation"]})
    print(f"{len(rows)} submission(s); verdicts on {jobs} worker(s) in {t_pre:.1f} s, nbgrader in {t_nbg:.1f} s; "
          f"isolation: {', '.join(levels) or 'n/a'}; summary in autograde-summary.csv", file=out)
    if any(lv != "full" for lv in levels):
        print("WARNING: full isolation needs root and unshare (see the grading appendix): "
              "submissions could read files of this machine", file=out)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m rnncourse.grading", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("autograde", help="grade every submission (both phases)")
    a.add_argument("--course", default=".")
    a.add_argument("--jobs", type=int, default=None)
    a.add_argument("--assignment", action="append")
    a.add_argument("--student", action="append")
    g = sub.add_parser("grade", help="grade one notebook; print the verdict as JSON")
    g.add_argument("notebook")
    g.add_argument("--assignment", required=True)
    g.add_argument("--student", default="student")
    g.add_argument("--course", default=".")
    g.add_argument("--out", help="also write the signed verdict file for `autograde` to import here")
    args = p.parse_args(argv)
    if args.cmd == "autograde":
        autograde(args.course, args.jobs, args.assignment, args.student)
        return 0
    result = grade_one(args.course, args.assignment, args.notebook, args.student,
                       verdict_file=Path(args.out) if args.out else None)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0
