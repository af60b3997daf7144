"""Assignment 06 and the package: one contract per name, one draw protocol, variants equal to the reference.

- every graded function of assignment 06 whose name exists in :mod:`rnncourse.lm` has the same
  parameters, defaults and return type in the solution notebook and in the package;
- the package's samplers follow the protocol written in the exercise, implemented here from its words;
- each deliberately wrong variant of checks/ch06.py and checks/ch06_sampling.py, with every mistake switched off, equals the
  package's function on random sizes.
"""
import inspect
import json
import pathlib

import numpy as np
import pytest
import torch

from rnncourse.checks import ch06, ch06_sampling
from rnncourse.checks._core import REGISTRY, call_arguments, cases_for, _resolve
from rnncourse.grading import fixtures
from rnncourse.lm import metrics, model, sampling
from rnncourse.lm.sampling import generate, sample, sample_next

ROOT = pathlib.Path(__file__).resolve().parents[1]
GRADED = ("sequence_log_prob", "perplexity", "sample_next", "generate", "train_step")
PACKAGE = {"sequence_log_prob": metrics.sequence_log_prob, "perplexity": metrics.perplexity,
           "sample_next": sampling.sample_next, "generate": sampling.generate, "train_step": model.train_step}
UNK, EOS = 1, 2


def _solution():
    nb = json.loads((ROOT / "solutions/06-language-models/06-language-models.ipynb").read_text())
    ns = {}
    for c in nb["cells"]:
        if c["cell_type"] == "code" and not c["metadata"].get("nbgrader", {}).get("grade"):
            exec("".join(c["source"]), ns)
    return ns


def _call(spec, fn, case):
    pos, kw = call_arguments(spec, case.args)
    pos = tuple(_resolve(pos)) if not isinstance(pos, tuple) else _resolve(tuple(pos))
    return fn(*pos, **{k: _resolve(v) for k, v in kw.items()})


@pytest.mark.parametrize("name", GRADED)
def test_same_name_same_contract(name):
    """Parameters, defaults and the type of what is returned agree between solution and package."""
    student, ref = _solution()[name], PACKAGE[name]
    sp, rp = inspect.signature(student).parameters, inspect.signature(ref).parameters
    assert list(sp) == list(rp), name
    assert [p.default for p in sp.values()] == [p.default for p in rp.values()], name
    spec = REGISTRY[name]
    for case in cases_for(name, None) + cases_for(name, 606):
        got, want = _call(spec, student, case), _call(spec, ref, case)
        assert type(got) is type(want), (name, type(got), type(want))
        if isinstance(want, tuple):
            assert [type(g) for g in got] == [type(w) for w in want]
            assert sorted(got[1]) == sorted(want[1])  # train_step: the same keys
        if isinstance(want, np.ndarray):
            assert got.dtype.kind == want.dtype.kind and got.shape == want.shape


def _protocol(z, rng, temperature):
    """The exercise's words: per row, p = softmax(z / T); rng.choice(V, p=p); if <UNK>: p[UNK] = 0,
    p /= p.sum(), rng.choice(V, p=p) once more."""
    out = []
    for row in z:
        s = row / temperature
        p = np.exp(s - s.max())
        p = p / p.sum()
        k = rng.choice(len(p), p=p)
        if k == UNK:
            p[UNK] = 0.0
            p = p / p.sum()
            k = rng.choice(len(p), p=p)
        out.append(int(k))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_sample_next_is_the_protocol_of_the_exercise(seed):
    rng = np.random.default_rng(seed)
    N, V = int(rng.integers(1, 40)), int(rng.integers(2, 9))
    z = rng.normal(0, 2, size=(N, V))
    z[:, UNK] += 1.5  # <UNK> is drawn often
    T = float(rng.choice([0.5, 1.0, 2.0]))
    z0 = z.copy()
    got = sample_next(z, np.random.default_rng(seed + 100), T)
    assert got.dtype == np.int64 and got.shape == (N,)
    assert got.tolist() == _protocol(z, np.random.default_rng(seed + 100), T)
    np.testing.assert_array_equal(z, z0)  # z unchanged


def test_sample_next_when_unk_takes_all_the_mass():
    z = np.array([[0.0, 60.0, 1.0, 2.0]])
    ids = [int(sample_next(z, np.random.default_rng(s), 0.01)[0]) for s in range(50)]
    assert set(ids) == {3}  # the argmax without <UNK>, from the scores (the rest underflows to 0)


@pytest.mark.parametrize("seed", range(4))
def test_sample_and_generate_follow_one_protocol(seed):
    """sample(params) with the defaults is generate() with the step of the same parameters (built by the
    grading fixture, an independent implementation), and both draw by sample_next."""
    rng = np.random.default_rng(seed)
    V, n_a = int(rng.integers(4, 9)), int(rng.integers(2, 6))
    p = {k: v * 3 for k, v in model.init_lm_params(V, n_a, rng).items()}
    p["by"][UNK] += 2.0
    step = fixtures.build("rnn_lm_step", {"params": p})
    a = sample(p, np.random.default_rng(7), 30)
    b = generate(step, np.zeros((1, n_a)), np.random.default_rng(7), 30)
    assert a == b and UNK not in a and all(type(k) is int for k in a)
    # the loop by hand, from the exercise's instructions
    out, tok, st, r = [], EOS, np.zeros((1, n_a)), np.random.default_rng(7)
    for _ in range(30):
        z, st = step(tok, st)
        k = _protocol(z, r, 1.0)[0]
        if k == EOS:
            break
        out.append(k)
        tok = k
    assert out == a


def _random_lm_case(rng):
    V, n_a, T, N = (int(rng.integers(2, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 7)),
                    int(rng.integers(1, 4)))
    ids = rng.integers(0, V, size=(T + 1, N))
    params = {k: rng.normal(0, 0.7, size=v.shape) for k, v in model.init_lm_params(V, n_a, rng).items()}
    return dict(params=params, inputs=ids[:-1], targets=ids[1:], a0=rng.normal(size=(N, n_a)),
                lr=float(rng.uniform(0.01, 0.5)), max_norm=float(rng.choice([0.3, 3.0, 1e3])))


@pytest.mark.parametrize("seed", range(6))
def test_variants_with_mistakes_off_equal_the_package(seed):
    rng = np.random.default_rng(seed)
    a = _random_lm_case(rng)
    loss, new = ch06._train_step_variant(**a)
    ref_loss, ref_new = model.train_step(**a)
    assert loss == ref_loss and all(np.array_equal(new[k], ref_new[k]) for k in ref_new)
    N, V = int(rng.integers(1, 30)), int(rng.integers(2, 8))
    z = rng.normal(0, 2, size=(N, V))
    z[:, UNK] += 1.0
    T = float(rng.choice([0.6, 1.0, 1.7]))
    np.testing.assert_array_equal(ch06_sampling._sample_variant(z, np.random.default_rng(seed), T),
                                  sample_next(z, np.random.default_rng(seed), T))
    n_a = int(rng.integers(2, 6))
    p = {k: v * 3 for k, v in model.init_lm_params(V + 2, n_a, rng).items()}
    step = fixtures.build("rnn_lm_step", {"params": p})
    assert ch06_sampling._generate_variant(step, np.zeros((1, n_a)), np.random.default_rng(seed), 25, T) == \
        generate(step, np.zeros((1, n_a)), np.random.default_rng(seed), 25, T)


@pytest.mark.parametrize("seed", range(6))
def test_train_step_matches_torch(seed):
    """One SGD step with clip_grad_norm_ on the summed cross-entropy, in PyTorch (float64)."""
    rng = np.random.default_rng(seed)
    a = _random_lm_case(rng)
    p = a["params"]
    before = {k: v.copy() for k, v in p.items()}
    loss, new = model.train_step(**a)
    V = p["Wya"].shape[0]
    t = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    h = torch.tensor(a["a0"])
    total = 0.0
    for s in range(a["inputs"].shape[0]):
        x = torch.nn.functional.one_hot(torch.as_tensor(a["inputs"][s]), V).double()
        h = torch.tanh(x @ t["Wax"].T + h @ t["Waa"].T + t["ba"])
        total = total + torch.nn.functional.cross_entropy(h @ t["Wya"].T + t["by"],
                                                          torch.as_tensor(a["targets"][s]), reduction="sum")
    total.backward()
    torch.nn.utils.clip_grad_norm_(list(t.values()), a["max_norm"])
    assert loss == pytest.approx(float(total.detach()), rel=1e-12)
    for k in p:
        np.testing.assert_allclose(new[k], (t[k] - a["lr"] * t[k].grad).detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(p[k], before[k])  # params unchanged



def test_the_protocol_is_stated_where_students_and_readers_read_it():
    """The exercise's instructions, the package's docstring and the chapter state the same draw protocol."""
    nb = json.loads((ROOT / "solutions/06-language-models/06-language-models.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    book = (ROOT / "book/06-language-models.ipynb").read_text()
    for where in (text, sampling.__doc__, sampling.sample_next.__doc__, book):
        assert "rng.choice(V, p=p)" in where and "once more" in where
