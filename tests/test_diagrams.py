"""The cell diagrams: each kind draws labelled nodes for its gates and states; bad kinds are refused."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnncourse.diagrams import draw_cell  # noqa: E402

EXPECTED = {"elman": [r"\tanh", "W_{aa}", "W_{ax}", "W_{ya}", r"\hat y"],
            "gru": [r"\Gamma_u", r"\Gamma_r", r"\tilde c", "1-", "W_{ca}"],
            "lstm": [r"\Gamma_f", r"\Gamma_u", r"\Gamma_o", r"\tilde c", r"\tanh(c"]}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_diagram_shows_its_parts(kind):
    fig = draw_cell(kind)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts) + fig.axes[0].get_title()
    for part in EXPECTED[kind]:
        assert part in texts, part
    assert len(fig.axes[0].patches) >= 2          # boxes (and circles) were drawn
    plt.close(fig)


def test_draws_into_a_given_axes():
    fig, ax = plt.subplots()
    assert draw_cell("lstm", ax=ax) is fig
    plt.close(fig)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        draw_cell("transformer")
