"""Every link between an assignment, its checks, the package and its mistakes is resolved here.

Names that tie the pieces together (a check's name, a grade id, a forbidden reference, a
mutant's cells, a catalogue entry's function) are plain strings in several files; a typo in
any of them would otherwise surface only at grading time, or never. Each test below resolves
one kind of link against the objects it names.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json

import pytest

from grading import ASSIGNMENTS, ROOT
from mistakes import CATALOGUE, MODULES, MUTANTS
from rnncourse.checks import REGISTRY
from rnncourse.grading.notebook import parse_test_cell
from rnncourse.grading.runtime import forbidden_modules


def cells(assignment):
    nb = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    return [(c["metadata"].get("nbgrader", {}), "".join(c["source"])) for c in nb["cells"]
            if c["cell_type"] == "code"]


def graded(assignment):
    """``{function name: source of its solution cell}`` for the cells a student writes."""
    out = {}
    for meta, src in cells(assignment):
        if meta.get("solution") and not meta.get("grade"):
            defs = [n.name for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)]
            assert meta["grade_id"] in defs, f"{assignment}: cell {meta['grade_id']!r} defines {defs}"
            out[meta["grade_id"]] = src
    return out


def checks_in(assignment):
    """``{test cell grade id: [CheckCall]}``."""
    return {meta["grade_id"]: parse_test_cell(src) for meta, src in cells(assignment) if meta.get("grade")}


def resolve(qualified):
    (mod, names), = forbidden_modules([qualified]).items()
    obj = importlib.import_module(mod)
    for part in next(iter(names)).split("."):
        obj = getattr(obj, part)
    return obj


CHECKED = {a: {call.name for calls in checks_in(a).values() for call in calls} for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_graded_function_has_its_test_cell_and_its_check(assignment):
    tests = checks_in(assignment)
    for name in graded(assignment):
        calls = tests.get(f"test_{name}")
        assert calls, f"{assignment}: no test cell test_{name} for the graded function {name}"
        assert {(c.name, c.fn) for c in calls} == {(name, name)}, (
            f"{assignment}: test_{name} must check {name!r} with the function {name}")
        assert any(c.hidden for c in calls) and any(not c.hidden for c in calls), (
            f"{assignment}: test_{name} needs a visible call and a hidden batch")
    assert set(tests) == {f"test_{n}" for n in graded(assignment)}, "a test cell checks no graded function"


def test_every_check_is_used_by_exactly_one_assignment():
    owners = {}
    for a, names in CHECKED.items():
        for n in names:
            owners.setdefault(n, []).append(a)
    assert set(owners) == set(REGISTRY), f"checks used by no assignment: {sorted(set(REGISTRY) - set(owners))}"
    assert all(len(v) == 1 for v in owners.values()), {k: v for k, v in owners.items() if len(v) > 1}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_forbidden_references_are_functions_of_the_package(name):
    for q in REGISTRY[name].forbidden:
        assert callable(resolve(q)), q


def package_twins(name):
    """Qualified names of the package's public functions called ``name`` (defined in that module)."""
    import rnncourse
    out = []
    for mod in (getattr(rnncourse, m) for m in sorted(vars(rnncourse))):
        fn = getattr(mod, name, None) if inspect.ismodule(mod) else None
        if callable(fn) and getattr(fn, "__module__", None) == mod.__name__:
            out.append(f"{mod.__name__}.{name}")
    return out


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_package_function_of_the_same_name_is_forbidden(name):
    """If the package has a public function called like the graded one, calling it is the shortcut the
    check must switch off: it has to be among the forbidden references."""
    for q in package_twins(name):
        assert q in REGISTRY[name].forbidden, f"check {name!r} does not forbid the package's {q}"


def test_most_graded_functions_have_a_package_twin():
    """The course's rule: a graded function is the package's function of the same name (so the test above
    has something to check)."""
    twins = [n for n in REGISTRY if package_twins(n)]
    assert len(twins) >= len(REGISTRY) // 2, twins


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_has_its_mistakes_module(assignment):
    assert assignment in MODULES, f"tests/mistakes has no module for {assignment}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_names_real_cells_and_still_applies(mutant):
    sources = {meta.get("grade_id"): src for meta, src in cells(mutant.assignment)}
    assert mutant.cell in graded(mutant.assignment), f"{mutant.cell!r} is not a solution cell"
    assert mutant.lost in checks_in(mutant.assignment), f"{mutant.lost!r} is not a test cell"
    assert mutant.old in sources[mutant.cell], f"mutant {mutant.name!r} no longer applies to the solution"
    assert mutant.new != mutant.old


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.id)
def test_catalogue_entry_names_a_check_of_its_assignment(m):
    assert m.function in CHECKED[m.assignment], f"{m.id}: {m.function!r} is not graded in {m.assignment}"


def solution_function(assignment, name):
    """The solution's ``name``, defined by running the assignment's setup cells and its solution cell."""
    ns = {}
    for meta, src in cells(assignment):
        if meta.get("locked") and not meta.get("grade") and not meta.get("solution"):
            exec(compile(src, f"<{assignment} setup>", "exec"), ns)
    for meta, src in cells(assignment):
        if meta.get("solution") and not meta.get("grade"):
            exec(compile(src, f"<{assignment} {meta['grade_id']}>", "exec"), ns)
    return ns[name]


def structure(x):
    """The shape of a result as a contract sees it: containers, arrays by ndim, scalars by kind."""
    import numpy as np
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, tuple(structure(v) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple(sorted((k, structure(v)) for k, v in x.items())))
    if isinstance(x, np.ndarray):
        return ("ndarray", x.ndim)
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "number"
    return type(x).__name__


TWINS = [(a, n, q) for a in ASSIGNMENTS for n in sorted(CHECKED[a]) for q in package_twins(n)]


@pytest.mark.parametrize("assignment,name,qualified", TWINS, ids=[f"{n}={q}" for _, n, q in TWINS])
def test_a_graded_function_and_its_package_twin_have_one_contract(assignment, name, qualified):
    """Same name, same contract: the solution's parameters (names, order, defaults) start the package's
    signature, any further package parameter is optional, and both return the same structure on the
    worked examples."""
    from rnncourse.checks._core import call_arguments, cases_for
    from rnncourse.grading import fixtures
    from rnncourse.grading.wire import Fixture
    ours, theirs = solution_function(assignment, name), resolve(qualified)
    p_ours = list(inspect.signature(ours).parameters.values())
    p_theirs = list(inspect.signature(theirs).parameters.values())
    assert [(p.name, p.default) for p in p_ours] == [(p.name, p.default) for p in p_theirs[:len(p_ours)]], (
        f"{name}{inspect.signature(ours)} vs {qualified}{inspect.signature(theirs)}")
    extra = [p.name for p in p_theirs[len(p_ours):] if p.default is inspect.Parameter.empty]
    assert not extra, f"{qualified} requires {extra}, which the assignment's {name} does not take"
    spec = REGISTRY[name]
    for case in cases_for(name, None):
        pos, kw = call_arguments(spec, case.args)
        build = (lambda v: fixtures.build(v.name, v.data) if isinstance(v, Fixture) else v)
        pos = build(pos) if isinstance(pos, Fixture) else tuple(build(v) for v in pos)
        kw = {k: build(v) for k, v in kw.items()}
        try:
            want = structure(ours(*pos, **kw))
        except Exception as exc:  # a worked example may ask for an error: then both must raise it
            with pytest.raises(type(exc)):
                theirs(*pos, **kw)
            continue
        assert structure(theirs(*pos, **kw)) == want, f"{case.label}: {name} and {qualified} return different things"


def test_the_concept_map_names_every_module_chapter_and_assignment():
    """CONTRIBUTING.md's map from concept to chapter, module, checks, assignment and tests is complete:
    a new module, chapter or assignment that is not on it fails here."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    table = text[text.index("## Where each concept lives"):]
    table = table[:table.index("\n## ", 3)]
    pkg = ROOT / "rnncourse"
    modules = [p.relative_to(pkg).as_posix() for p in sorted(pkg.glob("[a-z]*.py")) + sorted(pkg.glob("[a-z]*/[a-z]*.py"))
               if p.parent.name not in ("checks", "grading")]
    missing = [f"rnncourse/{m}" for m in modules if f"`{m}`" not in table]
    missing += [f"rnncourse/checks/{p.name}" for p in sorted((pkg / "checks").glob("*.py"))
                if p.name != "__init__.py" and f"`checks/{p.name}`" not in table]
    missing += [f"book/{p.name}" for p in sorted((ROOT / "book").glob("[0-9][0-9]-*.ipynb")) if p.name not in table]
    missing += [a for a in ASSIGNMENTS if f"`{a}`" not in table]
    missing += [f"tests/{p.name}" for p in sorted((ROOT / "tests").glob("test_*.py")) if f"`{p.name}`" not in table]
    assert not missing, f"not on the concept map in CONTRIBUTING.md: {missing}"


def test_every_chapter_is_listed_on_the_landing_page_and_every_exercise_on_the_setup_page():
    intro = (ROOT / "book" / "intro.md").read_text()
    setup = (ROOT / "book" / "setup.md").read_text()
    chapters = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]-*.ipynb"))
    assert [c for c in chapters if f"{{doc}}`{c}`" not in intro] == [], "chapters missing from intro.md"
    assert [a for a in ASSIGNMENTS if f"{{exercise}}`{a}`" not in setup] == [], "exercises missing from setup.md"
    toc = (ROOT / "_toc.yml").read_text()
    assert [c for c in chapters if f"file: {c}\n" not in toc] == [], "chapters missing from _toc.yml"


def test_every_switchable_variant_of_the_checks_is_tested_against_the_reference():
    """A ``*_variant`` function of the checks recomputes a formula with mistakes switched on; with them
    off it must equal the package (issue 11). Each one must be exercised by a test outside the catalogue."""
    import ast
    names = []
    for path in sorted((ROOT / "rnncourse" / "checks").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and (node.name.endswith("_variant") or node.name.startswith("wrong_")):
                names.append((path.name, node.name))
    assert names, "no variants found: the naming rule changed"
    tests = "\n".join(p.read_text() for p in sorted((ROOT / "tests").glob("test_*.py")))
    untested = [f"{f}:{n}" for f, n in names if f"{n}(" not in tests]
    assert not untested, f"variants no test compares with the reference: {untested}"
