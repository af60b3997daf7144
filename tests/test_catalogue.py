"""Every catalogued mistake (tests/mistakes/) loses the points of its check with a message naming the fault."""
import pytest

from mistakes import CATALOGUE
from rnncourse.checks import check

SEEDS = (1201, 1202, 1203)


def feedback(m):
    """The first failure message of ``m`` on the worked examples, then on the hidden seeds."""
    try:
        check(m.function, m.fn, quiet=True)
    except AssertionError as exc:
        return "visible", str(exc)
    for seed in SEEDS:
        try:
            check(m.function, m.fn, seed=seed, quiet=True)
        except AssertionError as exc:
            return "hidden", str(exc)
    return None, None


# some catalogued mistakes are numerically unstable on purpose (a softmax without the max overflows)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.id)
def test_mistake_is_caught_and_named(m):
    where, message = feedback(m)
    assert where is not None, f"{m.id}: full marks"
    if m.visible:
        assert where == "visible", f"{m.id}: only the hidden cases catch it"
    assert m.message in message, message
    assert message.count("Likely cause") <= 1, message


CHAPTERS = {"04": ("rnn_cell_forward", "rnn_forward", "jordan_forward", "many_to_one_forward"),
            "05": ("rnn_cell_backward", "rnn_backward", "clip_by_value", "clip_by_norm", "grad_check"),
            "07": ("gru_cell_forward", "lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "hand_set_lstm")}


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_at_least_eight_mistakes_per_graded_function(chapter):
    for name in CHAPTERS[chapter]:
        assert sum(m.function == name for m in CATALOGUE) >= 8, name
