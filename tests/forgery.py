"""Crafted submissions: students who read our source and want the points without the work.

Each :class:`Attempt` starts from assignment 04's release with every solution
filled in, then changes it: ``cells`` replaces the code of solution cells,
``extra`` inserts cells the student added (before a grade id, or at the end),
``notebook`` edits the whole parsed notebook, ``raw`` replaces the file, and
``files`` plants files beside it. ``expect`` is ``"zero"`` (every test cell of
``lost`` scores 0) or ``"full"`` (an honest submission keeps every point).

Unless it says otherwise, an attack carries a *wrong* ``rnn_step``
(no bias), so that the attack, not the code, would have to earn the points.
"""
from __future__ import annotations

from dataclasses import dataclass, field

WRONG_CELL = '''def rnn_step(xt, a_prev, Wax, Waa, ba):
    return np.tanh(xt @ Wax.T + a_prev @ Waa.T)  # wrong: no bias
'''

ALL_TESTS = ("test_rnn_step", "test_rnn_states", "test_jordan_forward", "test_many_to_one_forward")
CELL = ("test_rnn_step",)


@dataclass(frozen=True)
class Attempt:
    name: str
    family: str
    cells: dict = field(default_factory=dict)     # grade_id -> new code (None: keep the solution)
    extra: tuple = ()                             # (before grade_id or None for the end, code)
    notebook: object = None                       # callable(dict) -> dict, on the parsed notebook
    raw: bytes = None                             # the submitted file's bytes, as they are
    files: dict = field(default_factory=dict)     # relative path beside the notebook -> text
    expect: str = "zero"
    lost: tuple = CELL
    wrong: bool = True                            # replace rnn_step by WRONG_CELL
    link: bool = False                            # submit a symbolic link to the source notebook instead


def _tamper(gid, **meta):
    def edit(nb):
        for c in nb["cells"]:
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid:
                c["metadata"]["nbgrader"].update(meta)
        return nb
    return edit


def _all_meta(**meta):
    def edit(nb):
        for c in nb["cells"]:
            if "nbgrader" in c.get("metadata", {}):
                c["metadata"]["nbgrader"].update(meta)
        return nb
    return edit


def _drop_tests(nb):
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return nb


def _replace_test_source(nb):
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            c["source"] = "pass"
    return nb


def _forge_outputs(nb):
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "passed\n"}]
            c["execution_count"] = 1
    return nb


def _duplicate_tests(nb):
    cells = []
    for c in nb["cells"]:
        cells.append(c)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            import copy
            d = copy.deepcopy(c)
            d["id"] = d.get("id", "x") + "-copy"
            cells.append(d)
    nb["cells"] = cells
    return nb


def _unlock_tests(nb):
    for c in nb["cells"]:
        m = c.get("metadata", {}).get("nbgrader", {})
        if m.get("grade"):
            m.update(locked=False, solution=True)
            c["source"] = "pass"
    return nb


def _retype_solution(nb):
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "rnn_step":
            c["cell_type"] = "markdown"
            c.pop("outputs", None)
            c.pop("execution_count", None)
    return nb


def _kernelspec(nb):
    nb["metadata"]["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python"}
    return nb


def _newer_nbformat(nb):
    nb["nbformat"], nb["nbformat_minor"] = 5, 0
    return nb


def _no_cells(nb):
    nb["cells"] = {"not": "a list"}
    return nb


# a helper that finds course files anywhere the child can see
FIND = '''
import os
def _find(name, roots=("/", )):
    hits = []
    for root in roots:
        for d, dirs, files in os.walk(root):
            if d.startswith(("/proc", "/sys", "/dev", "/usr", "/lib", "/bin", "/sbin", "/etc", "/var/lib")):
                dirs[:] = []
                continue
            if name in files or name in dirs:
                hits.append(os.path.join(d, name))
            if len(hits) > 20:
                return hits
    return hits
'''

ATTEMPTS = [
    # ---------------------------------------------------------- kernel and IPython tampering
    Attempt("check redefined", "kernel", extra=(("test_rnn_step", "def check(*a, **k):\n    pass\n"),)),
    Attempt("judge replaced", "kernel", extra=(("test_rnn_step",
            "import rnncourse.checks._core as c\nc._judge = lambda payload: {'ok': True, 'passed': 1}\n"
            "c.evaluate = lambda *a, **k: {'ok': True, 'passed': 1}\n"),)),
    Attempt("machinery replaced", "kernel", extra=(("test_rnn_step",
            "import rnncourse.checks._core as c\nc._run = None\nc._call_student = lambda *a: None\n"
            "c._plain = lambda x: x\n"),)),
    Attempt("check code swapped", "kernel", extra=(("test_rnn_step",
            "from rnncourse.checks import check\ncheck.__code__ = (lambda *a, **k: None).__code__\n"),)),
    Attempt("input transformer", "kernel", extra=(("test_rnn_step",
            "ip = get_ipython()\nip.input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"),)),
    Attempt("ast transformer", "kernel", extra=(("test_rnn_step",
            "import ast\nclass T(ast.NodeTransformer):\n    def visit_Call(self, node):\n"
            "        return ast.Constant(None)\nget_ipython().ast_transformers.append(T())\n"),)),
    Attempt("post-run hook", "kernel", extra=(("test_rnn_step",
            "def clear(result):\n    result.error_in_exec = None\n"
            "get_ipython().events.register('post_run_cell', clear)\n"),)),
    Attempt("traceback hidden", "kernel", extra=(("test_rnn_step",
            "import sys\nget_ipython().showtraceback = lambda *a, **k: None\n"
            "sys.stderr = open('/dev/null', 'w')\n"),)),
    Attempt("builtins patched", "kernel", extra=(("test_rnn_step",
            "import builtins\nbuiltins.AssertionError = type('Nothing', (Exception,), {})\n"
            "builtins.isinstance = lambda *a: True\n"),)),
    Attempt("checks module faked", "kernel", extra=(("test_rnn_step",
            "import sys, types\nm = types.ModuleType('rnncourse.checks')\nm.check = lambda *a, **k: None\n"
            "sys.modules['rnncourse.checks'] = m\n"),)),
    # ---------------------------------------------------------- the grading machinery and its guard
    Attempt("guard emptied", "guard", cells={"rnn_step":
            "import rnncourse._guard as g\ng._forbidden = frozenset()\ng.forbid = lambda names: __import__('contextlib').nullcontext()\n"
            "from rnncourse.rnn import rnn_cell_forward as _r\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return _r(xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    Attempt("guard closure", "guard", cells={"rnn_step":
            "import rnncourse.rnn as r\n_f = r.rnn_cell_forward.__closure__[0].cell_contents\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return _f(xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    Attempt("numpy comparisons patched", "guard", extra=(("test_rnn_step",
            "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            "np.abs = lambda x: x * 0\nnp.testing.assert_allclose = lambda *a, **k: None\n"),)),
    Attempt("checks variants imported", "guard", cells={"rnn_step":
            "from rnncourse.checks import ch04\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return ch04.ref.rnn_cell_forward(xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    # ---------------------------------------------------------- reusing the reference or solutions/
    Attempt("reference called", "reuse", cells={"rnn_step":
            "from rnncourse.rnn import rnn_cell_forward as _ref\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return _ref(xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    Attempt("reference source exec'd", "reuse", cells={"rnn_step":
            "import rnncourse.rnn, os\ng = {}\n"
            "exec(open(os.path.join(os.path.dirname(rnncourse.rnn.__file__), 'rnn.py')).read(), g)\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return g['rnn_cell_forward'](xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    Attempt("solutions read", "reuse", cells={"rnn_step": FIND +
            "import json\nsrc = ''\nfor p in _find('04-recurrent-network.ipynb'):\n"
            "    if 'solutions' in p:\n        nb = json.load(open(p))\n"
            "        src = ''.join(''.join(c['source']) for c in nb['cells'] if 'def rnn_step' in ''.join(c['source']))\n"
            "exec(src.replace('### BEGIN ' + 'SOLUTION', '').replace('### END ' + 'SOLUTION', ''))\n"
            "if 'rnn_step' not in dir():\n" + "    " + WRONG_CELL.replace("\n    ", "\n        ")},
            wrong=False),
    Attempt("installed package searched", "reuse", cells={"rnn_step": FIND +
            "g = {}\nfor p in _find('rnn.py'):\n    try:\n        exec(open(p).read(), g)\n"
            "    except Exception:\n        pass\n    if 'rnn_cell_forward' in g: break\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return g['rnn_cell_forward'](xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    Attempt("site-packages module", "reuse", cells={"rnn_step":
            "import importlib, sys\nfor p in sys.path:\n    pass\nm = importlib.import_module('rnncourse.lstm')\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return m.rnn_cell_forward(xt, a_prev, Wax, Waa, ba)[0]\n"},
            wrong=False),
    # ---------------------------------------------------------- serialisation tricks
    Attempt("pickle payload", "wire", cells={"rnn_step":
            "class Evil:\n    def __reduce__(self):\n        return (exec, ('import os; os.system(\"touch /tmp/pwned\")',))\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return Evil()\n"}, wrong=False),
    Attempt("array subclass equal to all", "wire", cells={"rnn_step":
            "class A(np.ndarray):\n    def __eq__(self, o): return np.ones(np.shape(o), bool)\n"
            "    def __sub__(self, o): return np.zeros(np.shape(o))\n    __rsub__ = __sub__\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return np.zeros((xt.shape[0], Waa.shape[0])).view(A)\n"},
            wrong=False),
    Attempt("object-dtype array", "wire", cells={"rnn_step":
            "class Any:\n    def __eq__(self, o): return True\n    def __sub__(self, o): return 0.0\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    out = np.empty((xt.shape[0], Waa.shape[0]), dtype=object)\n"
            "    out[...] = Any()\n    return out\n"}, wrong=False),
    Attempt("forged reply on the channel", "wire", cells={"rnn_step":
            "import os, struct, json\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n"
            "    raw = json.dumps({'status': 'ok', 'verdict': {'ok': True}, 'value': None}).encode()\n"
            "    for fd in range(3, 10):\n        try:\n            os.write(fd, struct.pack('>Q', len(raw)) + raw)\n"
            "        except OSError:\n            pass\n    return None\n"}, wrong=False),
    Attempt("garbage on the channel", "wire", cells={"rnn_step":
            "import os, struct\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n"
            "    for raw in (b'[1, 2]', b'{\"~\": \"pickle\"}', b'\\xff' * 10, b'[' * 100000):\n"
            "        for fd in range(3, 10):\n            try:\n"
            "                os.write(fd, struct.pack('>Q', len(raw)) + raw)\n"
            "            except OSError:\n                pass\n    return None\n"}, wrong=False),
    Attempt("forged 50 MB output reply", "wire", extra=(("test_rnn_step",
            "import os, struct, json\nraw = json.dumps({'ok': True, 'stdout': 'x' * (50 << 20)}).encode()\n"
            "for fd in range(3, 10):\n    try:\n        os.write(fd, struct.pack('>Q', len(raw)) + raw)\n"
            "    except OSError:\n        pass\n"),)),
    # ---------------------------------------------------------- exits, hangs, forks, daemons
    Attempt("os._exit in a cell", "process", extra=(("test_rnn_step", "import os\nos._exit(0)\n"),)),
    Attempt("sys.exit in a cell", "process", extra=(("test_rnn_step", "import sys\nsys.exit(0)\n"),)),
    Attempt("hang in the function", "process", cells={"rnn_step":
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    while True:\n        pass\n"},
            wrong=False, lost=ALL_TESTS),
    Attempt("hang in a cell", "process", extra=(("test_rnn_step", "import time\nwhile True:\n    time.sleep(1)\n"),),
            lost=ALL_TESTS),
    Attempt("fork bomb", "process", extra=(("test_rnn_step",
            "import os\nfor _ in range(10000):\n    try:\n        if os.fork() == 0:\n            import time; time.sleep(60); os._exit(0)\n"
            "    except OSError:\n        break\n"),)),
    Attempt("daemon rewrites grades", "process", extra=(("test_rnn_step", FIND +
            "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(5)\n"
            "        for p in _find('gradebook.db'):\n            open(p, 'wb').write(b'')\n        os._exit(0)\n"
            "    os._exit(0)\n"),)),
    Attempt("kill everything", "process", extra=(("test_rnn_step",
            "import os, signal\nfor pid in (-1, 0, 1, os.getppid()):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except (OSError, ProcessLookupError):\n        pass\n"),)),
    Attempt("ignore SIGTERM and hang", "process", extra=(("test_rnn_step",
            "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)\n"),),
            lost=ALL_TESTS),
    # ---------------------------------------------------------- memory, output and file floods
    Attempt("10 GiB array", "flood", extra=(("test_rnn_step", "import numpy as np\nbig = np.ones(10 * 2**30 // 8)\n"),)),
    Attempt("memory creep", "flood", extra=(("test_rnn_step",
            "chunks = []\nwhile True:\n    chunks.append(bytearray(64 << 20))\n"),)),
    Attempt("print flood", "flood", extra=(("test_rnn_step", "print('x' * (50 << 20))\n"),)),
    Attempt("file flood", "flood", extra=(("test_rnn_step",
            "with open('big.bin', 'wb') as f:\n    for _ in range(4096):\n        f.write(b'\\0' * (1 << 20))\n"),)),
    Attempt("huge output", "flood", cells={"rnn_step":
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    return np.zeros((40_000_000,))\n"}, wrong=False),
    Attempt("deeply nested output", "flood", cells={"rnn_step":
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    x = []\n    for _ in range(10000):\n        x = [x]\n    return x\n"},
            wrong=False),
    # ---------------------------------------------------------- course root, other students, package, config
    Attempt("gradebook written", "files", extra=(("test_rnn_step", FIND +
            "import sqlite3\nfor p in _find('gradebook.db'):\n    try:\n        db = sqlite3.connect(p)\n"
            "        db.execute('update grade set auto_score = 100')\n        db.commit()\n    except Exception:\n        pass\n"),)),
    Attempt("other students' folders", "files", extra=(("test_rnn_step", FIND +
            "for p in _find('submitted'):\n    for d, _, fs in os.walk(p):\n        for f in fs:\n"
            "            try:\n                open(os.path.join(d, f), 'w').write('{}')\n            except OSError:\n                pass\n"
            "        try:\n            os.makedirs(os.path.join(d, 'rnncourse'), exist_ok=True)\n"
            "            open(os.path.join(d, 'rnncourse', '__init__.py'), 'w').write('raise SystemExit')\n"
            "        except OSError:\n            pass\n"),)),
    Attempt("config and solutions rewritten", "files", extra=(("test_rnn_step", FIND +
            "for p in _find('nbgrader_config.py') + _find('04-recurrent-network.ipynb'):\n    try:\n"
            "        open(p, 'w').write('c = get_config()\\nimport os; os.system(\"touch /tmp/pwned\")\\n')\n"
            "    except OSError:\n        pass\n"),)),
    Attempt("package edited on disk", "files", extra=(("test_rnn_step",
            "import rnncourse, os\nd = os.path.dirname(rnncourse.__file__)\nfor f in os.listdir(d):\n    try:\n"
            "        open(os.path.join(d, f), 'a').write('\\nraise SystemExit\\n')\n    except OSError:\n        pass\n"),)),
    Attempt("submission is a link to the solutions", "files", link=True, lost=ALL_TESTS, wrong=False),
    Attempt("planted package beside the notebook", "files", files={
            "rnncourse/__init__.py": "", "rnncourse/checks/__init__.py": "def check(*a, **k):\n    pass\n",
            "ipykernel_launcher.py": "import sys; sys.exit(0)\n", "sitecustomize.py": "import os; os._exit(0)\n"}),
    # ---------------------------------------------------------- notebook structure
    Attempt("test cells deleted", "structure", notebook=_drop_tests),
    Attempt("test cells emptied", "structure", notebook=_replace_test_source),
    Attempt("test cells unlocked as solutions", "structure", notebook=_unlock_tests),
    Attempt("grade flag removed", "structure", notebook=_tamper("test_rnn_step", grade=False, points=0)),
    Attempt("outputs forged", "structure", notebook=_forge_outputs),
    Attempt("newer schema everywhere", "structure", notebook=_all_meta(schema_version=99)),
    Attempt("solution cell re-typed", "structure", notebook=_retype_solution),
    Attempt("kernelspec changed", "structure", notebook=_kernelspec),
    Attempt("newer nbformat", "structure", notebook=_newer_nbformat, lost=ALL_TESTS, wrong=False),
    Attempt("cells not a list", "structure", notebook=_no_cells, lost=ALL_TESTS, wrong=False),
    Attempt("invalid JSON", "structure", raw=b'{"cells": [', lost=ALL_TESTS),
    Attempt("25 MB file", "structure", raw=b'{"cells": [], "pad": "' + b"x" * (25 << 20) + b'"}', lost=ALL_TESTS),
    # ---------------------------------------------------------- environment and path injection
    Attempt("environment for later processes", "env", extra=(("test_rnn_step",
            "import os\nos.environ['LD_PRELOAD'] = 'evil.so'\nos.environ['PYTHONSTARTUP'] = 'evil.py'\n"
            "open('sitecustomize.py', 'w').write('import os; os._exit(0)')\n"),)),
    Attempt("sys.path and modules poisoned", "env", extra=(("test_rnn_step",
            "import sys, types\nsys.path.insert(0, '.')\nopen('numpy.py', 'w').write('raise SystemExit')\n"
            "sys.modules['numpy'].tanh = lambda x: x\n"),)),
    # ---------------------------------------------------------- honest variants: full marks
    Attempt("honest: warnings, prints, logging", "honest", expect="full", wrong=False, cells={"rnn_step":
            "import logging, warnings\n"
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    print('computing a step')\n"
            "    warnings.warn('a warning from honest code')\n    logging.warning('a log line')\n"
            "    with np.errstate(divide='warn'):\n        np.log(np.zeros(1))  # a numpy RuntimeWarning\n"
            "    import sys; sys.stderr.write('stderr output\\n')\n"
            "    return np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)\n"}),
    Attempt("honest: einsum", "honest", expect="full", wrong=False, cells={"rnn_step":
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n"
            "    return np.tanh(np.einsum('nx,ax->na', xt, Wax) + np.einsum('nb,ab->na', a_prev, Waa) + ba)\n"}),
    Attempt("honest: float32 inside", "honest", expect="full", wrong=False, cells={"rnn_step":
            "def rnn_step(xt, a_prev, Wax, Waa, ba):\n    f = np.float32\n"
            "    z = xt.astype(f) @ Wax.T.astype(f) + a_prev.astype(f) @ Waa.T.astype(f) + ba.astype(f)\n"
            "    return np.tanh(z).astype(np.float64)\n"}),
    Attempt("honest: helpers, magics, copied test cells", "honest", expect="full", wrong=False,
            notebook=_duplicate_tests, extra=((None, "%matplotlib inline\nimport numpy as np\nprint('done')\n"),
                                              ("rnn_step", "def helper(x):\n    return x\n"))),
]
