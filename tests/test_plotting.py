"""rnncourse.plotting: the course style is colour-blind safe, never colour-only, and readable."""
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnncourse import plotting  # noqa: E402

# Machado, Oliveira and Fernandes (2009), full-severity simulation matrices (linear RGB)
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def to_lab(hex_colour: str, matrix=None) -> np.ndarray:
    srgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    rgb = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        rgb = np.clip(np.asarray(matrix) @ rgb, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_delta_e(colours, matrix=None) -> float:
    labs = [to_lab(c, matrix) for c in colours]
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(labs, 2))


@pytest.mark.parametrize("kind", sorted(CVD))
def test_first_five_line_colours_stay_apart_under_colour_blindness(kind):
    # CIE76 distance >= 15: clearly different colours (matplotlib's default tab10 gets 4.6
    # between its blue, orange, green and red under protanopia, see the control below)
    assert min_delta_e(plotting.PALETTE[:5], CVD[kind]) >= 15


def test_the_check_would_catch_the_default_palette():
    tab10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    assert min_delta_e(tab10, CVD["protanopia"]) < 15


def test_style_cycles_colour_line_style_and_marker_together():
    rc = plotting.course_rc()
    cycle = list(rc["axes.prop_cycle"])
    assert len(cycle) >= 5
    first = cycle[:5]
    # any two of the first five lines differ in line style or in marker, not only in colour
    for a, b in itertools.combinations(first, 2):
        assert a["marker"] != b["marker"]
        assert a["color"] != b["color"]
    assert len({c["linestyle"] for c in first}) >= 4
    # shown at 342 of 560 px on a 390 px phone: 12 pt ticks -> 10.3 px, 11 pt legends -> 9.4 px
    assert min(rc["xtick.labelsize"], rc["ytick.labelsize"]) >= 12
    assert rc["legend.fontsize"] >= 11 and rc["font.size"] >= 12
    assert rc["figure.figsize"][0] * rc["figure.dpi"] <= 600  # fits the column unscaled


def test_use_course_style_applies_the_cycle():
    with matplotlib.rc_context():
        plotting.use_course_style()
        fig, ax = plt.subplots()
        lines = [ax.plot(np.arange(3), np.arange(3) + k)[0] for k in range(3)]
        assert [ln.get_color() for ln in lines] == plotting.PALETTE[:3]
        assert len({ln.get_marker() for ln in lines}) == 3
        plt.close(fig)


def test_finish_thins_markers_of_dense_lines_only():
    with matplotlib.rc_context():
        plotting.use_course_style()
        fig, ax = plt.subplots()
        dense, = ax.plot(np.arange(1000), np.arange(1000), marker="o")
        sparse, = ax.plot(np.arange(5), np.arange(5), marker="s")
        dots, = ax.plot(np.arange(1000), np.arange(1000), ".", ls="none")  # a scatter: keep all
        plotting.finish(fig, max_markers=10)
        assert dense.get_markevery() == 100
        assert sparse.get_markevery() is None
        assert dots.get_markevery() is None
        plt.close(fig)


def boxes(fig, texts):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [t.get_window_extent(r) for t in texts]


def test_place_labels_avoids_overlaps_that_a_fixed_offset_makes():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(25, 2)) * [1.0, 0.25]
    labels = [f"word{k}" for k in range(25)]
    with matplotlib.rc_context():
        plotting.use_course_style()
        fig, ax = plt.subplots()
        ax.scatter(points[:, 0], points[:, 1])
        ax.margins(0.2)
        naive = [ax.annotate(w, p, xytext=(3, 3), textcoords="offset points", fontsize=10)
                 for p, w in zip(points, labels)]
        before = sum(a.overlaps(b) for a, b in itertools.combinations(boxes(fig, naive), 2))
        for t in naive:
            t.remove()
        placed = plotting.place_labels(ax, points, labels, fontsize=10)
        after = sum(a.overlaps(b) for a, b in itertools.combinations(boxes(fig, placed), 2))
        plt.close(fig)
    assert before > 5
    assert after < before / 3


def test_place_labels_and_architecture_reject_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="points: expected shape"):
        plotting.place_labels(ax, np.zeros((3, 3)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="labels: expected 2 labels"):
        plotting.place_labels(ax, np.zeros((2, 2)), ["a"])
    plt.close(fig)
    with pytest.raises(ValueError, match="names: expected one or more of"):
        plotting.architecture("many-to-few")


@pytest.mark.parametrize("draw", [lambda: plotting.unfolded_graph(3), plotting.elman_jordan,
                                  lambda: plotting.architecture(*plotting.ARCHITECTURES)])
def test_diagrams_fit_the_column(draw):
    with matplotlib.rc_context():
        plotting.use_course_style()
        fig = draw()
        width = fig.get_size_inches()[0] * fig.dpi
        assert width <= 600
        assert all(not ax.axison for ax in fig.axes)  # diagrams, not charts
        plt.close(fig)


def test_legend_below_sits_under_the_x_label():
    with matplotlib.rc_context():
        plotting.use_course_style()
        fig, ax = plt.subplots()
        for k in range(4):
            ax.plot(np.arange(10), np.arange(10) * k, label=f"line {k}")
        ax.set_xlabel("a label")
        legend = plotting.legend_below(ax)
        plotting.finish(fig)
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        leg, lab = legend.get_window_extent(r), ax.xaxis.label.get_window_extent(r)
        assert leg.y1 <= lab.y0 + 1          # entirely under the x label
        assert leg.y0 >= 0                   # and inside the figure
        plt.close(fig)
