"""The figures of the course book: one style for every chapter and the drawing helpers.

A chapter starts with ``use_course_style()`` and ends every figure cell with ``finish(fig)`` and
``plt.show()``. The style makes figures readable for every reader:

- a colour-blind-safe palette (Okabe and Ito's eight colours, distinguishable under protanopia,
  deuteranopia and tritanopia) *combined* with line styles and markers, so colour is never the
  only way to tell two lines apart;
- a figure width that fits the book's text column (5.6 in, shown at 560 CSS pixels or less) with
  fonts of 11-12 pt: on a 390-pixel phone the figure is shown 342 pixels wide (scale 0.61), so
  tick labels are 10.3 CSS pixels tall and legends 9.4 (15-17 at 1280 pixels);
- high-resolution ("retina") PNGs in the notebook, sharp on every screen.

The diagram helpers (``node``, ``arrow``, ``unfolded_graph``, ``elman_jordan``, ``architecture``)
draw the boxes-and-arrows pictures of chapter 4; ``place_labels`` writes point labels that do not
overlap. This module needs matplotlib, which the rest of the package does not.
"""
from __future__ import annotations

import numpy as np

OKABE_ITO = {
    "blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73", "orange": "#E69F00",
    "purple": "#CC79A7", "sky": "#56B4E9", "black": "#000000", "yellow": "#F0E442",
}
# the order lines get them; yellow (too light on white) is left out of the cycle
PALETTE = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
LINESTYLES = ["-", "--", "-.", ":", "-", "--", "-."]
MARKERS = ["o", "s", "^", "D", "v", "X", "P"]
FIG_WIDTH = 5.6  # inches; 100 dpi -> 560 CSS pixels, narrower than the 688-pixel text column
BOX_COLOURS = {"x": "#cfe2f3", "a": "#fce5cd", "y": "#d9ead3", "c": "#e6d5f5"}


def course_rc() -> dict:
    """The matplotlib settings of the course style (see the module docstring)."""
    from cycler import cycler

    return {
        "figure.figsize": (FIG_WIDTH, 3.6),
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "font.size": 12,
        "axes.titlesize": 12,
        "axes.labelsize": 12,
        "xtick.labelsize": 12,
        "ytick.labelsize": 12,
        "legend.fontsize": 11,
        "legend.framealpha": 0.9,
        "axes.grid": False,
        "axes.prop_cycle": (cycler(color=PALETTE) + cycler(linestyle=LINESTYLES)
                            + cycler(marker=MARKERS)),
        "lines.linewidth": 1.8,
        "lines.markersize": 5,
        "image.cmap": "viridis",
    }


def use_course_style(retina: bool = True) -> None:
    """Apply the course style to matplotlib (and high-resolution inline PNGs in Jupyter)."""
    import matplotlib as mpl

    mpl.rcParams.update(course_rc())
    if retina:
        try:
            from IPython import get_ipython
            from matplotlib_inline.backend_inline import set_matplotlib_formats
        except ImportError:  # not in IPython: nothing to configure
            return
        if get_ipython() is not None:
            set_matplotlib_formats("retina")


def finish(fig, max_markers: int = 12) -> None:
    """Lay out a figure; thin the markers of dense lines to at most `max_markers` per line."""
    for ax in fig.axes:
        for line in ax.get_lines():
            n = len(np.atleast_1d(line.get_xdata()))
            drawn = line.get_linestyle() not in (None, "", "None", " ")  # not a scatter of dots
            if drawn and line.get_marker() not in (None, "", "None", " ") and n > max_markers:
                line.set_markevery(max(1, n // max_markers))
    fig.tight_layout()


def legend_below(ax, ncol: int = 1, **kwargs):
    """A legend under the axes and its x label, so that it never hides data (the figure grows
    to make room when `finish` lays it out)."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    fig = ax.figure
    fig.canvas.draw()
    below = ax.get_tightbbox(fig.canvas.get_renderer()).y0  # the bottom of the tick and x labels
    size = FontProperties(size=kwargs.get("fontsize", mpl.rcParams["legend.fontsize"]))
    font_px = size.get_size_in_points() * fig.dpi / 72
    # the gap in font sizes (absolute), so that it survives the axes being resized by finish()
    pad = (ax.bbox.y0 - below) / font_px + 0.4
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=pad,
                     ncol=ncol, **kwargs)


def place_labels(ax, points, labels, fontsize: float = 10, pad: float = 1.0) -> list:
    """Label the points of a scatter plot so that no two labels overlap (greedy placement).

    Each label tries eight positions around its point, then the same eight further out, and takes the first one
    whose box overlaps no label already placed and no other point; if none is free it takes the
    least crowded one. Returns the text artists.
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points: expected shape (n, 2), got {points.shape}")
    if len(labels) != len(points):
        raise ValueError(f"labels: expected {len(points)} labels (one per point), got {len(labels)}")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ring = [(4, 3, "left", "bottom"), (4, -3, "left", "top"), (-4, 3, "right", "bottom"),
            (-4, -3, "right", "top"), (0, 6, "center", "bottom"), (0, -6, "center", "top"),
            (7, 0, "left", "center"), (-7, 0, "right", "center")]
    # the eight positions next to the point first, then the same directions further out
    offsets = ring + [(2.5 * dx, 2.5 * dy, ha, va) for dx, dy, ha, va in ring]
    dots = ax.transData.transform(points)
    placed, texts = [], []
    for k, ((x, y), label) in enumerate(zip(points, labels)):
        best = None
        for dx, dy, ha, va in offsets:
            t = ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points",
                            ha=ha, va=va, fontsize=fontsize)
            box = t.get_window_extent(renderer).expanded(pad, pad)
            hits = sum(box.overlaps(b) for b in placed)
            hits += sum(box.contains(px, py) for j, (px, py) in enumerate(dots) if j != k)
            if best is None or hits < best[0]:
                if best is not None:
                    best[1].remove()
                best = (hits, t, box)
            else:
                t.remove()
            if hits == 0:
                break
        placed.append(best[2])
        texts.append(best[1])
    return texts


# --- diagrams (chapter 4) -----------------------------------------------------------------


def node(ax, xy, text, kind="a", size=12):
    """One labelled box: kind x (input), a (state), y (output), c (context), d (one-step delay)."""
    import matplotlib.pyplot as plt

    if kind == "d":  # a one-step delay: a small black square
        ax.add_patch(plt.Rectangle((xy[0] - 0.08, xy[1] - 0.08), 0.16, 0.16, color="black",
                                   zorder=3))
        return
    ax.text(*xy, text, ha="center", va="center", fontsize=size, zorder=3,
            bbox=dict(boxstyle="round,pad=0.35", fc=BOX_COLOURS[kind], ec="0.3"))


def arrow(ax, p, q, label=None, rad=0.0, style="-", color="0.2", shrink=14, size=11):
    """An arrow from point p to point q, optionally curved (rad) and labelled."""
    ax.annotate("", xy=q, xytext=p,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.3, ls=style,
                                shrinkA=shrink, shrinkB=shrink,
                                connectionstyle=f"arc3,rad={rad}"))
    if label:
        ax.text((p[0] + q[0]) / 2, (p[1] + q[1]) / 2 + 0.14, label, ha="center", fontsize=size,
                color="0.2")


def unfolded_graph(steps: int = 3):
    """Two panels: the folded circuit x -> h -> delay -> h, and its unfolding over time."""
    import matplotlib.pyplot as plt

    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(FIG_WIDTH, 4.6),
                                   gridspec_kw={"height_ratios": [1, 1]})
    node(ax0, (0, 0), r"$x$", "x")
    node(ax0, (0, 1), r"$h$", "a")
    node(ax0, (0.75, 1), "", "d")
    arrow(ax0, (0, 0), (0, 1))
    arrow(ax0, (0, 1), (0.75, 1), rad=-0.6, shrink=12)
    arrow(ax0, (0.75, 1), (0, 1), rad=-0.6, shrink=12)
    ax0.text(1.0, 1.0, "delay of one step", ha="left", va="center", fontsize=11)
    ax0.text(0.38, 1.45, r"$f$", fontsize=12, ha="center")
    ax0.set_title("folded (circuit diagram)")
    ax0.set_xlim(-1.2, 2.6)
    ax0.set_ylim(-0.4, 1.7)
    for t in range(steps + 1):
        node(ax1, (t, 1), rf"$h^{{({t})}}$", "a")
        if t > 0:
            node(ax1, (t, 0), rf"$x^{{({t})}}$", "x")
            arrow(ax1, (t, 0), (t, 1))
            arrow(ax1, (t - 1, 1), (t, 1), label=r"$f$")
    node(ax1, (steps + 1, 1), r"$\cdots$", "a")
    arrow(ax1, (steps, 1), (steps + 1, 1), label=r"$f$")
    ax1.set_title(r"unfolded: one copy of $f$ per step, the same $\theta$")
    ax1.set_xlim(-0.5, steps + 1.5)
    ax1.set_ylim(-0.4, 1.7)
    for ax in (ax0, ax1):
        ax.axis("off")
    finish(fig)
    return fig


def elman_jordan(steps: int = 3):
    """Elman (state fed back) above Jordan (output fed back), unfolded over `steps` steps."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(FIG_WIDTH, 6.4))
    feedback = OKABE_ITO["vermillion"]
    for ax, kind in zip(axes, ("Elman", "Jordan")):
        for t in range(steps):
            node(ax, (t, 0), rf"$x^{{\langle {t + 1}\rangle}}$", "x")
            node(ax, (t, 1), rf"$a^{{\langle {t + 1}\rangle}}$", "a")
            node(ax, (t, 2), rf"$\hat y^{{\langle {t + 1}\rangle}}$", "y")
            arrow(ax, (t, 0), (t, 1))
            arrow(ax, (t, 1), (t, 2))
            if t < steps - 1:
                if kind == "Elman":
                    arrow(ax, (t, 1), (t + 1, 1), label=r"$W_{aa}$", color=feedback, style="--")
                else:
                    arrow(ax, (t, 2), (t + 1, 1), color=feedback, style="--")
                    ax.text(t + 0.62, 1.62, r"$W_{ay}$", fontsize=11, color=feedback)
        memory = "the hidden state" if kind == "Elman" else "the previous output"
        ax.set_title(f"{kind} network: the memory is {memory}")
        ax.set_xlim(-0.5, steps - 0.5)
        ax.set_ylim(-0.4, 2.4)
        ax.axis("off")
    finish(fig)
    return fig


ARCHITECTURES = {
    # name: (title, T, input steps, output steps, options)
    "one-to-one": ("one-to-one (feed-forward)", 1, [0], [0], {}),
    "many-to-one": ("many-to-one (sentiment)", 4, [0, 1, 2, 3], [3], {}),
    "one-to-many": ("one-to-many (music generation)", 4, [0], [0, 1, 2, 3], {"feedback": True}),
    "many-to-many": (r"many-to-many, $T_y = T_x$ (tagging)", 4, [0, 1, 2, 3], [0, 1, 2, 3], {}),
    "encoder-decoder": (r"many-to-many, $T_y \neq T_x$ (translation)", 6, [0, 1, 2], [3, 4, 5],
                        {"feedback": True, "split": 2.5}),
    "vector-to-sequence": ("vector-to-sequence (captioning)", 4, [], [0, 1, 2, 3],
                           {"feedback": True, "context": True}),
}


def _architecture_panel(ax, title, T, xs, ys, feedback=False, split=None, context=False):
    size, shrink = 11, 12
    for t in range(T):
        node(ax, (t, 1), rf"$a^{{\langle {t + 1}\rangle}}$", "a", size=size)
        if t > 0:
            arrow(ax, (t - 1, 1), (t, 1), shrink=shrink)
    for k, t in enumerate(xs):
        node(ax, (t, 0), rf"$x^{{\langle {k + 1}\rangle}}$", "x", size=size)
        arrow(ax, (t, 0), (t, 1), shrink=shrink)
    for k, t in enumerate(ys):
        node(ax, (t, 2), rf"$\hat y^{{\langle {k + 1}\rangle}}$", "y", size=size)
        arrow(ax, (t, 1), (t, 2), shrink=shrink)
        if feedback and t + 1 < T and t + 1 not in xs:
            arrow(ax, (t, 2), (t + 1, 0.75), style="--", color=OKABE_ITO["vermillion"], rad=0.25,
                  shrink=shrink)
    if split is not None:
        ax.axvline(split, color="0.5", ls=":", lw=1)
        ax.text(split - 0.5, -0.5, "encoder", ha="right", fontsize=size)
        ax.text(split + 0.5, -0.5, "decoder", ha="left", fontsize=size)
    if context:
        node(ax, (-1.2, 1), "image\nvector", "c", size=10)
        arrow(ax, (-1.2, 1), (0, 1), shrink=16)
        for t in range(1, T):
            arrow(ax, (-1.2, 1), (t, 0.75), style=":", color=OKABE_ITO["purple"], rad=0.18,
                  shrink=16)
    ax.set_title(title)
    ax.set_xlim(-1.9 if context else -0.6, max(T, 4) - 0.4)
    ax.set_ylim(-0.7, 2.5)
    ax.axis("off")


def architecture(*names: str):
    """The named architectures of ARCHITECTURES, one panel per row (two per figure is best).

    Dashed (vermillion): a generated output fed back as the next input; dotted (purple): the
    conditioning vector given as an extra input at every step.
    """
    import matplotlib.pyplot as plt

    unknown = [n for n in names if n not in ARCHITECTURES]
    if unknown or not names:
        raise ValueError(f"names: expected one or more of {sorted(ARCHITECTURES)}, got {list(names)}")
    widths = [ARCHITECTURES[n][1] + (1.3 if ARCHITECTURES[n][4].get("context") else 0)
              for n in names]
    fig, axes = plt.subplots(len(names), 1, figsize=(FIG_WIDTH, 2.9 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        title, T, xs, ys, opts = ARCHITECTURES[name]
        _architecture_panel(ax, title, T, xs, ys, **opts)
        ax.set_xlim(ax.get_xlim()[0], ax.get_xlim()[0] + max(widths) + 0.2)
    finish(fig)
    return fig
