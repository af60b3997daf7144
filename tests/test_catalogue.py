"""Every catalogued mistake (tests/catalogue.py) loses the points of its check with a message naming the fault."""
import pytest

from catalogue import CATALOGUE
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


@pytest.mark.parametrize("m", CATALOGUE, ids=lambda m: m.id)
def test_mistake_is_caught_and_named(m):
    where, message = feedback(m)
    assert where is not None, f"{m.id}: full marks"
    if m.visible:
        assert where == "visible", f"{m.id}: only the hidden cases catch it"
    assert m.message in message, message
    assert message.count("Likely cause") <= 1, message
