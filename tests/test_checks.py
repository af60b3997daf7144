"""The feedback machinery itself: messages, determinism, isolation, and coverage of the assignments."""
import json
from pathlib import Path

import numpy as np
import pytest

from rnncourse.checks import REGISTRY, check
from rnncourse.checks._core import cases_for

ROOT = Path(__file__).resolve().parents[1]


def test_every_check_is_used_by_a_solution_and_every_graded_cell_uses_checks():
    used = set()
    for nb in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            src = "".join(cell["source"])
            if meta.get("grade"):
                assert "check(" in src and "assert" not in src.replace("check(", ""), (nb.name, meta["grade_id"])
                assert "### BEGIN HIDDEN TESTS" in src, (nb.name, meta["grade_id"])
            used.update(name for name in REGISTRY if f'check("{name}"' in src)
    assert used == set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_cases_are_deterministic_and_nonempty(name):
    a, b = cases_for(name, 7), cases_for(name, 7)
    assert len(a) >= 3 and len(cases_for(name, None)) >= 1
    for x, y in zip(a, b):
        assert x.label == y.label
        for k in x.args:
            np.testing.assert_equal(x.args[k], y.args[k])


def test_not_implemented_message():
    def stub(lengths, max_len=None):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match="lengths_to_mask is not implemented yet"):
        check("lengths_to_mask", stub)


def test_wrong_type_and_shape_messages():
    with pytest.raises(AssertionError, match=r"mask: expected a numpy array of shape \(3, 3\), got list"):
        check("lengths_to_mask", lambda lengths, max_len=None: [[True]])
    with pytest.raises(AssertionError, match=r"expected shape \(4, 2\), got \(2, 4\)\. The first two axes look swapped: batches are time-major"):
        check("lengths_to_mask", lambda lengths, max_len=None:
              (np.arange(max_len or max(lengths))[:, None] < np.asarray(lengths)).T if max_len else
              np.arange(3)[:, None] < np.asarray(lengths)[None, :])
    with pytest.raises(AssertionError, match="mask: expected dtype bool, got int64"):
        check("lengths_to_mask", lambda lengths, max_len=None: (
            np.arange(max_len or max(lengths))[:, None] < np.asarray(lengths)).astype(np.int64))


def test_an_object_that_claims_equality_is_not_accepted():
    class Liar:
        def __eq__(self, other):
            return True
    with pytest.raises(AssertionError, match="got an object of type Liar"):
        check("masked_mean", lambda values, mask: Liar())


def test_mutating_the_inputs_changes_nothing():
    def sneaky(lengths, max_len=None):  # lengths_to_mask does not forbid changing its argument
        lengths[...] = 0  # the student only ever sees copies: the reference still sees [3, 1, 2]
        return np.zeros((3, 3), dtype=bool)
    with pytest.raises(AssertionError, match="expected True, got False"):
        check("lengths_to_mask", sneaky)


def test_an_argument_the_instructions_forbid_to_change_is_checked():
    def sneaky(values, mask):
        values[~mask] = 0.0
        return float(values.sum() / mask.sum())
    with pytest.raises(AssertionError, match="masked_mean changed its argument values in place"):
        check("masked_mean", sneaky)


def test_a_float32_answer_within_tolerance_is_accepted():
    def cos32(u, v):
        u, v = u.astype(np.float32), v.astype(np.float32)
        return (v @ u) / (np.linalg.norm(v, axis=1) * np.linalg.norm(u))
    check("cosine_similarity", cos32, seed=3, quiet=True)


def test_training_step_cases_decrease_the_loss():
    """The train_step exercise promises a step that lowers the loss: true on every graded case."""
    from rnncourse.lm.model import lm_loss_and_grads, train_step
    for seed in (None, 6501, 6502):
        for case in cases_for("train_step", seed):
            a = case.args
            before, new = train_step(**a)
            after, _, _ = lm_loss_and_grads(new, a["inputs"], a["targets"], a["a0"])
            assert after < before, case.label


def test_time_steps_are_reported_as_the_book_counts_them():
    """x^<1> is x[0]: a first difference at index 2 of the time axis is time step t = 3."""
    from rnncourse.checks._compare import compare_arrays
    expected = np.zeros((3, 2, 4))
    got = expected.copy()
    got[2, 0, 1] = 0.5
    msg = compare_arrays(got, expected, "a", axes=("time step t", "example i", "hidden unit"))
    assert msg == ("a: first difference at index (2, 0, 1), i.e. time step t = 3, example i = 1, hidden unit at "
                   "index 1: expected 0, got 0.5 (differences in 1 of the 3 time steps)")
    got[0, 1, 0] = 1.0
    msg = compare_arrays(got[0], expected[0], "a_next", axes=("example i", "hidden unit"))
    assert msg.endswith("(differences in 1 of the 2 examples)"), msg


def test_swapped_axes_are_named_only_when_the_number_of_axes_matches():
    from rnncourse.checks._compare import compare_arrays
    expected = np.zeros((3, 2, 4))
    assert "look swapped" in compare_arrays(np.zeros((2, 3, 4)), expected, "a")
    msg = compare_arrays(np.zeros((2, 3, 4, 1)), expected, "a")
    assert "swapped" not in msg and "4 axes instead of 3" in msg, msg


def test_the_book_count_reaches_the_student():
    def last_step_wrong(x, a0, Wax, Waa, ba):
        a, a_prev = np.zeros((x.shape[0], x.shape[1], Waa.shape[0])), a0
        for t in range(x.shape[0]):
            a_prev = a[t] = np.tanh(x[t] @ Wax.T + a_prev @ Waa.T + ba)
        a[-1] += 1.0  # the third (last) step of the worked example is wrong
        return a
    with pytest.raises(AssertionError, match=r"time step t = 3, example i = 1"):
        check("rnn_states", last_step_wrong)


def test_a_renamed_stub_parameter_is_explained():
    def renamed(x_t, a_prev, Wax, Waa, ba):  # the stub says xt
        return np.tanh(x_t @ Wax.T + a_prev @ Waa.T + ba)
    with pytest.raises(AssertionError, match="parameter names of the stub.*'xt' was renamed"):
        check("rnn_step", renamed)


def test_a_failure_caused_by_an_earlier_function_says_so_in_the_kernel():
    """In the student's kernel too: generate fails because the sample_next it calls is wrong."""
    from test_links import solution_function
    generate = solution_function("06-language-models", "generate")
    right = generate.__globals__["sample_next"]
    generate.__globals__["sample_next"] = lambda z, rng, temperature=1.0: np.argmax(z, axis=1)
    with pytest.raises(AssertionError, match="generate calls your sample_next, which fails its own test"):
        check("generate", generate, quiet=True)
    generate.__globals__["sample_next"] = right
    check("generate", generate, quiet=True)


def test_a_likely_cause_is_named_only_among_wrong_values():
    """Type, shape and dtype come first; a known mistake that matches by value after a dtype failure, or
    that coincides with the right answer, is not named."""
    from rnncourse.checks._compare import diagnose
    expected = np.array([[True, False], [True, True]])
    got = expected.astype(int)
    msg = diagnose(got, expected, [("max_len was ignored", got)], "mask", kind="b")
    assert "dtype" in msg and "Likely cause" not in msg, msg
    wrong = np.array([[True, True], [True, True]])
    msg = diagnose(wrong, expected, [("the mask is all True", wrong)], "mask", kind="b")
    assert "Likely cause: the mask is all True" in msg
    assert diagnose(wrong, expected, [("coincides", expected)], "mask", kind="b").count("Likely cause") == 0
