"""Every catalogued mistake (tests/mistakes/) loses the points of its check with a message naming the fault."""
import pytest

from mistakes import CATALOGUE
from test_links import CHECKED
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


# At least this many catalogued mistakes per graded function (issue 12): 8 for the assignments whose
# functions carry the formulas (04, 05, 07 and every later chapter's), 5 elsewhere.
FEWER_ALLOWED = {"01-sequence-data": 5, "02-vocabulary": 5, "03-embeddings": 5, "06-language-models": 5}


@pytest.mark.parametrize("assignment", sorted(CHECKED))
def test_enough_mistakes_per_graded_function(assignment):
    need = FEWER_ALLOWED.get(assignment, 8)
    counts = {name: sum(m.function == name for m in CATALOGUE) for name in sorted(CHECKED[assignment])}
    short = {name: n for name, n in counts.items() if n < need}
    assert not short, f"{assignment}: fewer than {need} catalogued mistakes for {short}"
