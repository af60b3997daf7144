"""The copy of ``rnncourse`` that a sandboxed submission can import.

A student may use the package's functions from earlier chapters, and the
locked setup cells import a few names (``check``, ``EmbeddingCache``, ...). The
child must not reach the reference implementations the assignment asks for,
nor the checks (whose known-mistake variants contain the reference too). So
the runtime is built per assignment from the installed package:

- ``checks/`` is replaced by a stub whose ``check`` only says that the grader
  runs the tests;
- ``grading/`` keeps only what the child runs (wire, fixtures, child);
- a module that defines a forbidden reference keeps its imports, constants and
  the classes the setup cells import from it, and loses every function (so
  private helpers that compute the same formula go too);
- every other module is copied as it is; ``__init__`` imports nothing eagerly.
"""
from __future__ import annotations

import ast
import hashlib
import shutil
import tempfile
from pathlib import Path

import rnncourse

__all__ = ["build_runtime", "setup_imports", "forbidden_modules", "PACKAGE"]

PACKAGE = Path(rnncourse.__file__).resolve().parent
_CHILD_GRADING = ("__init__.py", "wire.py", "fixtures.py", "child.py")

_CHECK_STUB = '''"""Grading runtime: the tests of this notebook run in the grader, not here."""


def check(name, fn, *args, **kwargs):
    """Does nothing while autograding: the grader calls your functions itself."""
    return None
'''


def setup_imports(sources) -> dict:
    """``{module: {names}}`` imported from ``rnncourse`` by the given cell sources."""
    out = {}
    for src in sources:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnncourse"):
                out.setdefault(node.module, set()).update(a.name for a in node.names)
    return out


def forbidden_modules(forbidden) -> dict:
    """``{module: {qualified names}}`` of the forbidden references (``rnncourse.rnn.rnn_forward``)."""
    out = {}
    for q in forbidden:
        parts = q.split(".")
        for k in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:k])
            if (PACKAGE.parent / (mod.replace(".", "/") + ".py")).exists():
                out.setdefault(mod, set()).add(".".join(parts[k:]))
                break
        else:
            raise ValueError(f"forbidden reference {q!r} does not name a function of a module of rnncourse")
    return out


def _reduce(source: str, keep: set, forbidden: set) -> str:
    """Imports, constants and the kept classes of a module (minus forbidden methods); no functions."""
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            body.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(
                isinstance(n, ast.Call) for n in ast.walk(node)):
            body.append(node)
        elif isinstance(node, ast.ClassDef) and node.name in keep:
            node.body = [n for n in node.body if not (
                isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and f"{node.name}.{n.name}" in forbidden)] \
                or [ast.Pass()]
            body.append(node)
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and not body):
            body.append(node)  # the docstring
    names = {t.id for n in body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    if "__all__" in names:
        body = [n for n in body if not (isinstance(n, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets))]
    tree.body = body
    return ("# Grading runtime: the functions of this module are not available to graded code.\n"
            + ast.unparse(ast.fix_missing_locations(tree)) + "\n")


def build_runtime(forbidden, setup_sources, dest: Path | None = None) -> Path:
    """Write the runtime for an assignment into ``dest`` (a new folder by default); return the folder
    that goes first on the child's ``sys.path`` (it holds ``rnncourse/``)."""
    dest = Path(dest) if dest else Path(tempfile.mkdtemp(prefix="rnncourse-runtime-"))
    pkg = dest / "rnncourse"
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    reduced = forbidden_modules(forbidden)
    imported = setup_imports(setup_sources)
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE)
        if path.is_dir() or "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        top = rel.parts[0]
        if top == "checks":
            continue
        if top == "grading" and (len(rel.parts) != 2 or rel.parts[1] not in _CHILD_GRADING):
            continue
        target = pkg / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.as_posix() == "__init__.py":
            target.write_text(f'"""rnncourse, as a graded submission sees it."""\n__version__ = '
                              f'{getattr(rnncourse, "__version__", "0")!r}\n')
            continue
        mod = "rnncourse." + ".".join(rel.with_suffix("").parts)
        if path.suffix == ".py" and mod in reduced:
            keep = {n for n in imported.get(mod, ()) if n[:1].isupper()}
            target.write_text(_reduce(path.read_text(), keep, reduced[mod]))
        else:
            shutil.copy(path, target)
    (pkg / "checks").mkdir()
    (pkg / "checks" / "__init__.py").write_text(_CHECK_STUB)
    return dest


def runtime_digest(root: Path) -> str:
    """SHA-256 over a runtime folder's files (part of a verdict's key)."""
    h = hashlib.sha256()
    for p in sorted(Path(root).rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()
