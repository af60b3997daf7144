"""The grading machinery itself: wire format, runtime, sandbox, rebuild, secrets, batch, import."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading import ASSIGNMENTS, ROOT, cells_by_id, student_notebook
from rnncourse.checks import REGISTRY
from rnncourse.grading import wire
from rnncourse.grading.grader import grade
from rnncourse.grading.notebook import GradingConfigError, graded_notebook, parse_test_cell, rebuild
from rnncourse.grading.runtime import build_runtime, forbidden_modules, setup_imports
from rnncourse.grading.sandbox import Limits, Sandbox, SandboxError, isolation_available
from rnncourse.grading.secret import hidden_seed, load_secret

A = "04-recurrent-network"
RELEASED = ROOT / "exercises" / A / f"{A}.ipynb"
SOURCE = json.loads((ROOT / "solutions" / A / f"{A}.ipynb").read_text())
KEY = bytes(range(32))
FULL = isolation_available() == "full"


# ---------------------------------------------------------------- wire
def test_wire_round_trip():
    from rnncourse.rnn import rnn_cell_forward
    _, cache = rnn_cell_forward(np.ones((2, 3)), np.zeros((2, 4)), np.ones((4, 3)), np.ones((4, 4)), np.ones(4))
    value = {"a": np.arange(6.0).reshape(2, 3), 1: (True, None, "s", 2.5, float("nan"), float("-inf")),
             "ints": np.array([1, 2], dtype=np.int32), "empty": np.zeros((0, 3)), "scalar": np.float32(1.5),
             "cache": cache, "rng": np.random.default_rng(3), "nested": [[1, [2, (3,)]]]}
    back = wire.loads(wire.dumps(value))
    assert back["a"].dtype == np.float64 and np.array_equal(back["a"], value["a"])
    assert back[1][:4] == (True, None, "s", 2.5) and np.isnan(back[1][4]) and back[1][5] == -np.inf
    assert back["ints"].dtype == np.int32 and back["empty"].shape == (0, 3)
    assert type(back["scalar"]) is np.float32
    assert isinstance(back["cache"], wire.Record) and np.array_equal(back["cache"].a_next, cache.a_next)
    assert back["rng"].integers(1 << 30) == np.random.default_rng(3).integers(1 << 30)
    assert back["nested"] == [[1, [2, (3,)]]]


@pytest.mark.parametrize("obj, type_name", [(object(), "object"), (np.array([object()]), "ndarray of dtype object"),
                                            (lambda: 1, "function"), ({1, 2}, "set")])
def test_wire_unknown_types_become_foreign(obj, type_name):
    back = wire.loads(wire.dumps(obj))
    assert isinstance(back, wire.Foreign) and back.type_name == type_name


@pytest.mark.parametrize("raw", [
    b'{"~": "pickle", "v": "x"}', b'{"~": "array", "v": ["|O", [1], "AA=="]}',
    b'{"~": "array", "v": ["<f8", [3], "AAAAAAAAAAA="]}', b'{"__reduce__": 1}', b'NaN', b'\xff',
    b'{"~": "dict", "v": [[{"~": "array", "v": ["<f8", [0], ""]}, 1]]}'])
def test_wire_rejects_malformed_messages(raw):
    with pytest.raises(wire.WireError):
        wire.loads(raw)


def test_wire_never_builds_a_fixture_unless_asked():
    f = wire.loads(wire.dumps(wire.Fixture("rnn_lm_step", {"params": {}})))
    assert isinstance(f, wire.Fixture)  # the grader side gets data, not a callable


def test_deep_nesting_is_cut():
    x = []
    for _ in range(100):
        x = [x]
    back = wire.loads(wire.dumps(x))
    while isinstance(back, list):
        back = back[0]
    assert isinstance(back, wire.Foreign)


# ---------------------------------------------------------------- runtime
def _setup_sources(assignment):
    src = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    return ["".join(c["source"]) for c in src["cells"] if c["cell_type"] == "code"
            and c["metadata"].get("nbgrader", {}).get("locked") and not c["metadata"]["nbgrader"].get("grade")]


def _forbidden(assignment):
    src = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    out = set()
    for c in src["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade"):
            for call in parse_test_cell("".join(c["source"])):
                out.update(REGISTRY[call.name].forbidden)
    return sorted(out)


def test_every_forbidden_reference_resolves():
    """A typo in a check's list of forbidden references fails here, not silently at grading time."""
    import importlib
    for spec in REGISTRY.values():
        for q in spec.forbidden:
            (mod, names), = forbidden_modules([q]).items()
            obj = importlib.import_module(mod)
            for part in next(iter(names)).split("."):
                obj = getattr(obj, part)
            assert callable(obj), q


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_runtime_has_setup_imports_but_no_reference(assignment, tmp_path):
    forbidden = _forbidden(assignment)
    setup = _setup_sources(assignment)
    root = build_runtime(forbidden, setup, tmp_path / "rt")
    code = "\n".join(setup) + f"""
import importlib
forbidden = {forbidden!r}
found = []
for q in forbidden:
    mod, _, name = q.rpartition(".")
    try:
        obj = importlib.import_module(mod)
    except ImportError:
        mod, _, cls = mod.rpartition(".")
        try:
            obj = getattr(importlib.import_module(mod), cls)
        except (ImportError, AttributeError):
            continue
    if hasattr(obj, name):
        found.append(q)
import rnncourse.checks
print(found, hasattr(rnncourse.checks, "REGISTRY"))
"""
    import site
    env = {"PATH": "/usr/bin:/bin"}
    boot = f"import sys; sys.path[:0] = [{str(root)!r}]; sys.path += {site.getsitepackages()!r}; exec(sys.stdin.read())"
    r = subprocess.run([sys.executable, "-I", "-S", "-c", boot], input=code, capture_output=True, text=True,
                       env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[] False"
    for mod, names in forbidden_modules(forbidden).items():
        text = (root / (mod.replace(".", "/") + ".py")).read_text()  # the module's copy in the runtime
        for name in names:
            assert f"def {name.rsplit('.', 1)[-1]}(" not in text, (mod, name)


def test_setup_imports_are_parsed():
    assert setup_imports(["from rnncourse.embedding import EmbeddingCache\nimport numpy as np"]) == {
        "rnncourse.embedding": {"EmbeddingCache"}}
    with pytest.raises(ValueError, match="does not name"):
        forbidden_modules(["rnncourse.nonexistent.f"])


# ---------------------------------------------------------------- test cells and secrets
def test_test_cells_are_declarative():
    assert parse_test_cell('check("rnn_states", rnn_states)\n# c\ncheck("rnn_states", rnn_states, hidden=2)') \
        == [parse_test_cell('check("rnn_states", rnn_states)')[0],
            parse_test_cell('check("rnn_states", rnn_states, hidden=2)')[0]]
    for bad in ('check("rnn_states", rnn_states); x = 1', 'assert True', 'check("nope", f)',
                'check("rnn_states", rnn_states, hidden=0)', 'check("rnn_states", lambda: 1)'):
        with pytest.raises(GradingConfigError):
            parse_test_cell(bad)


def test_every_source_test_cell_parses_and_hides_its_seeds():
    for a in ASSIGNMENTS:
        src = json.loads((ROOT / "solutions" / a / f"{a}.ipynb").read_text())
        for c in src["cells"]:
            if c["metadata"].get("nbgrader", {}).get("grade"):
                text = "".join(c["source"])
                assert "seed=" not in text, (a, c["metadata"]["nbgrader"]["grade_id"])
                assert any(call.hidden for call in parse_test_cell(text)), "no hidden batch"


def test_hidden_seeds_depend_on_the_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("RNNCOURSE_GRADING_SECRET", raising=False)
    k1 = load_secret(tmp_path)
    assert (tmp_path / ".rnncourse-grading-secret").stat().st_mode & 0o777 == 0o600
    assert load_secret(tmp_path) == k1 and len(k1) == 32
    s = hidden_seed(k1, A, "test_rnn_states", "rnn_states", 0)
    assert s == hidden_seed(k1, A, "test_rnn_states", "rnn_states", 0)
    assert s != hidden_seed(k1, A, "test_rnn_states", "rnn_states", 1)
    assert s != hidden_seed(bytes(32), A, "test_rnn_states", "rnn_states", 0)
    monkeypatch.setenv("RNNCOURSE_GRADING_SECRET", "zz")
    with pytest.raises(ValueError, match="hexadecimal"):
        load_secret(tmp_path)


# ---------------------------------------------------------------- rebuild
def _as_dict(nb):
    return json.loads(nbformat.writes(nb))


def test_rebuild_takes_locked_cells_from_the_source():
    nb = _as_dict(student_notebook(A, RELEASED))
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("locked"):
            c["source"] = "pass"
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "x = 1"})
    out, notes = rebuild(SOURCE, nb)
    src_locked = ["".join(c["source"]) for c in SOURCE["cells"] if c["metadata"].get("nbgrader", {}).get("locked")]
    got_locked = [c["source"] for c in out["cells"] if c["metadata"].get("nbgrader", {}).get("locked")]
    assert got_locked == src_locked
    assert any(c["source"] == "x = 1" for c in out["cells"])
    sol = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in out["cells"]
           if c["metadata"].get("nbgrader", {}).get("solution")}
    assert "### BEGIN SOLUTION" not in "".join(sol.values()) and "np.tanh" in sol["rnn_step"]


def test_rebuild_of_a_missing_solution_cell_says_so():
    nb = _as_dict(student_notebook(A, RELEASED))
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "rnn_states"]
    out, notes = rebuild(SOURCE, nb)
    assert any("rnn_states" in n and "missing" in n for n in notes)


# ---------------------------------------------------------------- the sandbox
@pytest.mark.skipif(not FULL, reason="full isolation needs root and unshare (what CI and this machine have)")
def test_sandbox_isolation_properties(tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    rt = build_runtime([], [], tmp_path / "rt")
    probe = f"""
import os, socket, json
info = {{"uid": os.getuid(), "cwd": os.getcwd(), "listing": os.listdir("."),
        "env": sorted(os.environ), "course": os.path.exists({str(tmp_path / 'secret.txt')!r}),
        "repo": os.path.exists({str(ROOT / 'solutions')!r}), "pkg_dir": os.path.exists({str(ROOT / 'rnncourse' / 'rnn.py')!r})}}
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    info["net"] = True
except OSError:
    info["net"] = False
print(json.dumps(info))
"""
    old = os.environ.get("LD_PRELOAD")
    os.environ["LD_PRELOAD"] = ""  # an instructor's polluted environment must not reach the child
    os.environ["PYTHONPATH"] = str(tmp_path)
    try:
        with Sandbox(rt, Limits(wall=20), hide=[str(tmp_path)]) as sb:
            reply = sb.request({"op": "exec", "source": probe})
    finally:
        os.environ.pop("PYTHONPATH")
        if old is None:
            os.environ.pop("LD_PRELOAD")
        else:
            os.environ["LD_PRELOAD"] = old
    info = json.loads(reply["stdout"])
    assert info["uid"] >= 600000 and info["listing"] == []
    assert not info["course"] and not info["repo"] and not info["pkg_dir"] and not info["net"]
    assert not [k for k in info["env"] if k.startswith(("PYTHON", "LD_"))]


@pytest.mark.skipif(not FULL, reason="full isolation needs root and unshare")
@pytest.mark.parametrize("source, fragment", [
    ("import numpy as np\nx = np.ones(4 * 2**30 // 8)", "MemoryError"),
    ("f = open('big', 'wb')\nfor _ in range(200):\n    f.write(b'0' * (1 << 20))\nf.flush()", "Error"),
])
def test_sandbox_limits(tmp_path, source, fragment):
    rt = build_runtime([], [], tmp_path / "rt")
    with Sandbox(rt, Limits(wall=20, memory=1 << 30, file_size=32 << 20)) as sb:
        try:
            reply = sb.request({"op": "exec", "source": source})
            text = reply.get("ename", "") + reply.get("evalue", "")
        except SandboxError as exc:  # killed for it: also a bound
            text = "Error " + str(exc)
    assert fragment in text


@pytest.mark.skipif(not FULL, reason="full isolation needs root and unshare")
def test_sandbox_kills_daemons_and_bounds_time(tmp_path):
    rt = build_runtime([], [], tmp_path / "rt")
    sb = Sandbox(rt, Limits(wall=3)).start()
    uid = sb.uid
    sb.request({"op": "exec", "source": "import os, time\nif os.fork() == 0:\n    os.setsid()\n"
                                         "    time.sleep(300)\n"})
    t = time.monotonic()
    with pytest.raises(SandboxError, match="time limit"):
        sb.request({"op": "exec", "source": "while True:\n    pass"})
    assert time.monotonic() - t < 5
    sb.close()
    for _ in range(50):  # the kernel takes the namespace down asynchronously
        alive = [d for d in Path("/proc").iterdir() if d.name.isdigit() and _uid(d) == uid and not _zombie(d)]
        if not alive:
            break
        time.sleep(0.1)
    assert alive == []


def _uid(d):
    try:
        return d.stat().st_uid
    except OSError:
        return None


def _zombie(d):
    try:
        return (d / "stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


# ---------------------------------------------------------------- grading one notebook
def test_grade_names_the_cell_that_broke_the_process():
    nb = student_notebook(A, RELEASED)
    cells_by_id(nb)["rnn_states"].source += "\nimport os\nos._exit(3)\n"
    v = grade(graded_notebook(SOURCE, _as_dict(nb)), A, KEY, Limits(wall=30))
    assert v["tests"]["test_rnn_step"]["ok"]   # graded before the cell that exits
    assert not v["tests"]["test_rnn_states"]["ok"]    # rnn_states never got defined
    assert v["tests"]["test_jordan_forward"]["ok"]     # the sandbox was restarted for the rest
    shown = json.dumps(v["outputs"])
    assert "ended the submission's process" in shown


def test_a_failure_caused_by_an_earlier_function_says_so():
    """One bug in the cell function costs the sequence function too: its message names the cause,
    but only when the student's function really calls the failing one."""
    nb = student_notebook(A, RELEASED)
    cells = cells_by_id(nb)
    cells["rnn_step"].source = (
        "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return np.tanh(xt @ Wax.T + a_prev @ Waa.T)\n")
    v = grade(graded_notebook(SOURCE, _as_dict(nb)), A, KEY)
    assert not v["tests"]["test_rnn_step"]["ok"]
    message = v["tests"]["test_rnn_states"]["message"]
    assert "rnn_states calls your rnn_step, which fails its own test" in message, message
    assert "which fails its own test" not in v["tests"]["test_rnn_step"]["message"]
    # the same bug written inline in rnn_states, which does not call the cell: no such note
    cells["rnn_states"].source = (
        "def rnn_states(x, a0, Wax, Waa, ba):\n    a, a_prev = [], a0\n    for xt in x:\n"
        "        a_prev = np.tanh(xt @ Wax.T + a_prev @ Waa.T)\n        a.append(a_prev)\n"
        "    return np.stack(a)\n")
    v = grade(graded_notebook(SOURCE, _as_dict(nb)), A, KEY)
    assert not v["tests"]["test_rnn_states"]["ok"]
    assert "which fails its own test" not in v["tests"]["test_rnn_states"]["message"]


def test_honest_output_never_reaches_a_test_cell():
    nb = student_notebook(A, RELEASED)
    cells_by_id(nb)["rnn_step"].source = (
        "import sys, warnings\ndef rnn_step(xt, a_prev, Wax, Waa, ba):\n"
        "    warnings.warn('noise'); print('noise'); sys.stderr.write('noise')\n"
        "    return np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)\n")
    g = graded_notebook(SOURCE, _as_dict(nb))
    v = grade(g, A, KEY)
    assert all(t["ok"] for t in v["tests"].values())
    tests = [str(k) for k, c in enumerate(g["cells"]) if c["metadata"].get("nbgrader", {}).get("grade")]
    for k in tests:
        assert all(o["output_type"] == "stream" and o["name"] == "stdout" for o in v["outputs"][k])
        assert "noise" not in json.dumps(v["outputs"][k])


# ---------------------------------------------------------------- the batch, regrades, imports
def _course(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def _submit(course, student, nb, assignment=A):
    d = course / "submitted" / student / assignment
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        (d / f"{assignment}.ipynb").write_bytes(nb)
    else:
        nbformat.write(nb, d / f"{assignment}.ipynb")


def _env():
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    return env


def _cli(course, *args):
    r = subprocess.run([sys.executable, "-m", "rnncourse.grading", *args], cwd=course, env=_env(),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r.stdout


def _scores(course, assignment=A):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course}/gradebook.db", "rnncourse") as gb:
        return {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(assignment)}


def test_regrade_keeps_no_stale_grade(tmp_path):
    course = _course(tmp_path)
    _submit(course, "alice", student_notebook(A, RELEASED))
    _cli(course, "autograde", "--jobs", "1")
    assert _scores(course)["alice"] == (10.0, 10.0)
    nb = student_notebook(A, RELEASED)
    cells_by_id(nb)["rnn_step"].source = "def rnn_step(*a):\n    return None\n"
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]  # tests deleted
    _submit(course, "alice", nb)
    _cli(course, "autograde", "--jobs", "1")
    assert _scores(course)["alice"][0] < 10.0


def test_subsets_missing_assignments_and_resume(tmp_path):
    course = _course(tmp_path)
    for s in ("ann", "bob", "cid"):
        _submit(course, s, student_notebook(A, RELEASED))
    _submit(course, "ann", student_notebook("01-sequence-data", ROOT / "exercises" / "01-sequence-data" /
                                            "01-sequence-data.ipynb"), "01-sequence-data")
    out = _cli(course, "autograde", "--student", "bob")          # a subset; other assignments have none
    assert set(_scores(course)) == {"bob"} and "bob" in out and "ann" not in out
    verdict = course / ".rnncourse" / "verdicts" / A / "bob" / f"{A}.json"
    before = verdict.stat().st_mtime_ns
    out = _cli(course, "autograde", "--jobs", "2")               # the rest, resuming: bob's verdict reused
    assert verdict.stat().st_mtime_ns == before
    assert _scores(course) == {s: (10.0, 10.0) for s in ("ann", "bob", "cid")}
    assert _scores(course, "01-sequence-data") == {"ann": (9.0, 9.0)}
    summary = (course / "autograde-summary.csv").read_text()
    assert summary.count("\n") == 5  # header + 4 submissions


def test_one_submission_per_command_and_import(tmp_path):
    """The batch-system recipe: grade each notebook alone into a verdict file, then import with nbgrader."""
    course = _course(tmp_path)
    wrong = student_notebook(A, RELEASED)
    cells_by_id(wrong)["rnn_step"].source = "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return xt\n"
    _submit(course, "dee", wrong)
    out_dir = tmp_path / "verdicts-from-the-cluster"
    sub = course / "submitted" / "dee" / A / f"{A}.ipynb"
    result = json.loads(_cli(course, "grade", str(sub), "--assignment", A, "--student", "dee",
                             "--out", str(out_dir / "dee.json")))
    assert result["max_score"] == 10.0 and result["score"] < 10.0
    assert result["tests"]["test_rnn_step"]["points"] == 0
    # forge the file: claim full marks. The signature no longer matches, so it is ignored and regraded.
    forged = json.loads((out_dir / "dee.json").read_text())
    body = json.loads(forged["body"])
    for t in body["verdict"]["tests"].values():
        t["ok"] = True
    for k in list(body["verdict"]["outputs"]):
        body["verdict"]["outputs"][k] = [o for o in body["verdict"]["outputs"][k] if o["output_type"] != "error"]
    forged["body"] = json.dumps(body, sort_keys=True)
    target = course / ".rnncourse" / "verdicts" / A / "dee" / f"{A}.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(forged))
    _cli(course, "autograde")
    assert _scores(course)["dee"][0] == result["score"]
    # the genuine file is imported as it is (nbgrader's IsolatedExecute reuses it)
    shutil.copy(out_dir / "dee.json", target)
    mtime = target.stat().st_mtime_ns
    _cli(course, "autograde")
    assert target.stat().st_mtime_ns == mtime and _scores(course)["dee"][0] == result["score"]


def test_a_bug_in_the_checks_is_flagged_not_fatal(monkeypatch):
    """An exception in the trusted reference or comparison scores that cell 0 with a clear flag; the rest goes on."""
    spec = REGISTRY["jordan_forward"]

    def broken(case):
        raise ZeroDivisionError("oops")
    monkeypatch.setattr(spec, "expect", broken)
    v = grade(graded_notebook(SOURCE, _as_dict(student_notebook(A, RELEASED))), A, KEY)
    assert v["grader_errors"] == ["test_jordan_forward"]
    assert "the grader itself failed" in v["tests"]["test_jordan_forward"]["message"]
    assert v["tests"]["test_many_to_one_forward"]["ok"] and v["tests"]["test_rnn_states"]["ok"]


@pytest.mark.parametrize("mode", ["minimal"] + (["namespaces"] if FULL else []))
def test_weaker_isolation_levels_still_grade(tmp_path, mode):
    """Where the machine allows less (no root: a user namespace; no unshare: limits only), grading still works
    and leaves nothing behind; the level is reported."""
    import glob
    before = set(glob.glob("/tmp/rnncourse-sandbox-*"))
    rt = build_runtime([], ["import numpy as np"], tmp_path / "rt")
    with Sandbox(rt, Limits(wall=20), mode=mode) as sb:
        assert sb.isolation == mode
        assert sb.request({"op": "exec", "source": "def f(x):\n    return x + 1"})["ok"]
        assert sb.request({"op": "call", "fn": "f", "args": [np.ones(2)], "kwargs": {}})["value"].tolist() == [2, 2]
    assert set(glob.glob("/tmp/rnncourse-sandbox-*")) == before


@pytest.mark.skipif(not FULL, reason="full isolation needs root and unshare")
def test_a_killed_grader_leaves_no_sandbox(tmp_path):
    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from rnncourse.grading.runtime import build_runtime
from rnncourse.grading.sandbox import Limits, Sandbox
sb = Sandbox(build_runtime([], [], {str(tmp_path / 'rt')!r}), Limits(wall=120)).start()
print(sb.uid, flush=True)
from rnncourse.grading import wire
# a busy submission: it never reads the closed channel, so only the kernel can end it
sb._send(wire.dumps({{"op": "exec", "source": "import signal\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\nwhile True: pass"}}))
time.sleep(300)
"""
    grader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    uid = int(grader.stdout.readline())
    grader.kill()
    grader.wait()
    for _ in range(50):
        alive = [d for d in Path("/proc").iterdir() if d.name.isdigit() and _uid(d) == uid and not _zombie(d)]
        if not alive:
            break
        time.sleep(0.1)
    assert alive == []
