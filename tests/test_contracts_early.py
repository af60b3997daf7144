"""Same name, same contract (assignments 01-03): a graded function and the package's function of the same
name have the same parameters, defaults and return structure; the checks' deliberately wrong variants
equal the package's reference with every mistake switched off."""
import ast
import dataclasses
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

from rnncourse import embedding, sequences, vocab
from rnncourse.checks import REGISTRY, ch02
from rnncourse.checks._core import cases_for

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = {"01-sequence-data": sequences, "02-vocabulary": vocab, "03-embeddings": embedding}


def _cells(assignment):
    nb = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    return [(c.get("metadata", {}).get("nbgrader", {}), "".join(c["source"]))
            for c in nb["cells"] if c["cell_type"] == "code"]


def _graded(assignment):
    """Names of the functions the assignment's test cells grade."""
    return [re.search(r'check\("(\w+)"', src).group(1) for meta, src in _cells(assignment) if meta.get("grade")]


def _solution_namespace(assignment):
    ns = {}
    for meta, src in _cells(assignment):
        if not meta.get("grade"):
            exec(compile(src, f"{assignment}:{meta.get('grade_id')}", "exec"), ns)
    return ns


def _solution_signature(assignment, name):
    """``[(parameter, default or inspect.Parameter.empty)]`` of the ``def`` in the solution notebook."""
    for meta, src in _cells(assignment):
        for node in ast.parse(src).body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                args = node.args
                assert not (args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs), name
                defaults = [inspect.Parameter.empty] * (len(args.args) - len(args.defaults)) + [
                    eval(compile(ast.Expression(d), name, "eval"), {"np": np}) for d in args.defaults]
                return [(a.arg, d) for a, d in zip(args.args, defaults)]
    raise AssertionError(f"no def {name} in the solution of {assignment}")


CASES = [(a, name) for a in PACKAGE for name in _graded(a)]


def test_every_graded_function_of_01_to_03_exists_in_the_package():
    assert len(CASES) == 12
    for a, name in CASES:
        assert callable(getattr(PACKAGE[a], name, None)), f"rnncourse.{PACKAGE[a].__name__}.{name} missing"


@pytest.mark.parametrize("assignment,name", CASES)
def test_same_parameters_and_defaults(assignment, name):
    ours = _solution_signature(assignment, name)
    theirs = [(p.name, p.default) for p in inspect.signature(getattr(PACKAGE[assignment], name)).parameters.values()]
    assert ours == theirs, f"{name}: assignment {ours} vs package {theirs}"


def _structure(x):
    """The shape of a return value: container types, array dims/dtype kinds, record fields."""
    if isinstance(x, tuple):
        return ("tuple", [_structure(v) for v in x])
    if isinstance(x, list):
        return ("list", [_structure(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.shape, "iu".find(x.dtype.kind) >= 0, x.dtype.kind == "b")
    if dataclasses.is_dataclass(x):
        return (type(x).__name__, {f.name: _structure(getattr(x, f.name)) for f in dataclasses.fields(x)})
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, np.integer)):
        return "int"
    if isinstance(x, (float, np.floating)):
        return "float"
    return type(x).__name__


@pytest.mark.parametrize("assignment,name", CASES)
def test_same_return_structure_and_values(assignment, name):
    solution = _solution_namespace(assignment)[name]
    spec = REGISTRY[name]
    case = spec.visible()[0]
    pos, kw = spec.arguments(case.args) if spec.arguments else ((), dict(case.args))
    ours, theirs = solution(*pos, **kw), getattr(PACKAGE[assignment], name)(*pos, **kw)
    assert _structure(ours) == _structure(theirs), name
    _assert_same(ours, theirs)


def _assert_same(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
        np.testing.assert_allclose(a, b, rtol=1e-12)
    else:
        np.testing.assert_equal(a, b)


def test_the_vocabulary_methods_are_the_same_functions():
    v = vocab.Vocabulary.build([["the", "cat", "The"], ["cat"]])
    tokens = ["the", "dog", "The"]
    assert inspect.signature(vocab.Vocabulary.encode).parameters["add_eos"].default is \
        inspect.signature(vocab.encode).parameters["add_eos"].default is False
    for eos in (False, True):
        np.testing.assert_array_equal(v.encode(tokens, add_eos=eos), vocab.encode(tokens, v.stoi, add_eos=eos))
    assert vocab.build_vocab([["the", "cat", "The"], ["cat"]]) == v.itos == ["<PAD>", "<UNK>", "<EOS>", "cat",
                                                                             "The", "the"]
    ids = np.array([3, 1, 0, 2, 4])
    assert vocab.decode(ids, v.itos) == v.decode(ids, strip_special=True, stop_at_eos=True) == ["cat", "<UNK>"]


SEEDS = (None, 0, 1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_variants_with_every_mistake_off_equal_the_reference(seed):
    for case in cases_for("build_vocab", seed):
        assert ch02.bv_variant(**case.args) == vocab.build_vocab(**case.args)
    for case in cases_for("encode", seed):
        np.testing.assert_array_equal(ch02.enc_variant(**case.args), vocab.encode(**case.args))
    for case in cases_for("decode", seed):
        assert ch02.dec_variant(**case.args) == vocab.decode(**case.args)


def test_each_switch_of_a_variant_changes_some_answer():
    """A mistake switch that never changes the answer could never be diagnosed: each one does on some case."""
    changed = set()
    for seed in SEEDS:
        for case in cases_for("build_vocab", seed):
            for text, switches in ch02.BV_MISTAKES:
                for sw in switches:
                    if ch02.bv_variant(**{**case.args, **sw}) != vocab.build_vocab(**case.args):
                        changed.add(text)
        for case in cases_for("decode", seed):
            for text, sw in ch02.DEC_MISTAKES:
                if ch02.dec_variant(**case.args, **sw) != vocab.decode(**case.args):
                    changed.add(text)
    assert changed == {t for t, _ in ch02.BV_MISTAKES} | {t for t, _ in ch02.DEC_MISTAKES}
