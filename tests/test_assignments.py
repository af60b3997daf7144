"""The grading pipeline, end to end, for every assignment in solutions/.

For each assignment, in a temporary course directory: the release regenerates
byte for byte as committed in exercises/; the solution scores full marks; the
untouched release scores 0 without crashing the grader; every mutant in
tests/mutants.py loses the points of its test cell with a message that names
the fault; tampering with numpy, the reference or IPython does not earn points.
"""
from __future__ import annotations

import pytest

from grading import ASSIGNMENTS, ROOT, autograde, extra_cell, generate, make_course, student_notebook
from mutants import MUTANTS

import nbformat


@pytest.fixture(scope="session")
def courses(tmp_path_factory):
    """One temporary course per assignment, generated once and shared by the tests."""
    cache = {}

    def get(assignment):
        if assignment not in cache:
            course = make_course(tmp_path_factory.mktemp(assignment))
            cache[assignment] = (assignment, course, generate(course, assignment))
        return cache[assignment]
    return get


@pytest.fixture(params=ASSIGNMENTS)
def course(request, courses):
    return courses(request.param)


def test_every_assignment_has_mutants():
    for a in ASSIGNMENTS:
        assert sum(m.assignment == a for m in MUTANTS) >= 3, f"{a}: fewer than 3 mutants"


def test_release_is_up_to_date(course):
    assignment, _, released = course
    committed = ROOT / "exercises" / assignment / f"{assignment}.ipynb"
    assert committed.exists(), f"{committed} missing: run `make release`"
    assert released.read_bytes() == committed.read_bytes(), (
        f"exercises/{assignment} is out of date with solutions/: run `make release` and commit")


def test_release_hides_solutions_and_hidden_tests(course):
    _, _, released = course
    text = released.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "seed="):
        assert marker not in text
    assert "raise NotImplementedError()" in text


def test_solution_scores_full_marks(course):
    assignment, c, released = course
    r = autograde(c, assignment, "solution", student_notebook(assignment, released))
    assert r["max_score"] > 0
    assert r["score"] == r["max_score"], r["errors"]


def test_untouched_release_scores_zero(course):
    assignment, c, released = course
    r = autograde(c, assignment, "untouched", nbformat.read(released, 4))
    assert r["score"] == 0, r["cells"]
    for gid, (score, _) in r["cells"].items():
        assert "not implemented yet" in r["errors"][gid]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_loses_points(courses, mutant):
    assignment, c, released = courses(mutant.assignment)

    def edit(src):
        assert mutant.old in src, f"mutant {mutant.name!r} no longer applies to the solution"
        return src.replace(mutant.old, mutant.new)

    nb = student_notebook(assignment, released, {mutant.cell: edit})
    r = autograde(c, assignment, "mutant-" + mutant.name.replace(" ", "-"), nb)
    assert r["cells"][mutant.lost][0] == 0, f"{mutant.name}: {mutant.lost} still scored"
    assert r["score"] < r["max_score"]
    assert mutant.message in r["errors"][mutant.lost], r["errors"][mutant.lost]
