"""The grading pipeline, end to end, for every assignment in solutions/.

For each assignment, in a temporary course directory: the release regenerates
byte for byte as committed in exercises/; the solution scores full marks; the
untouched release scores 0 without crashing the grader; every mutant in
tests/mistakes/ loses the points of its test cell with a message that names
the fault; tampering with numpy, the reference or IPython does not earn points.
"""
from __future__ import annotations

import pytest

from grading import ASSIGNMENTS, ROOT, autograde, extra_cell, generate, make_course, student_notebook
from mistakes import MUTANTS

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


WRONG_BACKWARD = '''
def embedding_backward(dout, cache):
    n_e = dout.shape[-1]
    dW = np.zeros((cache.vocab_size, n_e))
    dW[cache.ids.reshape(-1)] = dout.reshape(-1, n_e)  # wrong: repeated ids overwrite
    return dW
'''

TAMPERING = {
    "numpy comparisons patched": '''
import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
''',
    "reference patched to agree": '''
import rnncourse.embedding, rnncourse.checks.ch03
rnncourse.embedding.embedding_backward = lambda dout, cache: embedding_backward(dout, cache)
rnncourse.checks.ch03.ref = type("R", (), {"embedding_backward": staticmethod(embedding_backward),
                                           "EmbeddingCache": rnncourse.embedding.EmbeddingCache})
''',
    "IPython traceback hidden": '''
import sys
get_ipython().showtraceback = lambda *a, **k: None
get_ipython()._showtraceback = lambda *a, **k: None
sys.stderr = open("/dev/null", "w")
''',
    "reference called": None,
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_tampering_does_not_earn_points(courses, attack):
    """A wrong backward pass stays wrong whatever the notebook does to numpy, the reference or IPython."""
    assignment, c, released = courses("03-embeddings")
    if TAMPERING[attack] is None:
        body = ("def embedding_backward(dout, cache):\n"
                "    import rnncourse.embedding\n"
                "    return rnncourse.embedding.embedding_backward(dout, cache)\n")
        nb = student_notebook(assignment, released, {"embedding_backward": body})
    else:
        nb = student_notebook(assignment, released, {"embedding_backward": WRONG_BACKWARD})
        nb = extra_cell(nb, TAMPERING[attack], "test_embedding_backward")
    r = autograde(c, assignment, "tamper-" + attack.replace(" ", "-"), nb)
    assert r["cells"]["test_embedding_backward"][0] == 0, attack
    assert r["cells"]["test_embedding_forward"][0] == r["cells"]["test_embedding_forward"][1]
