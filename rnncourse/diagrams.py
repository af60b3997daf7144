r"""Cell diagrams drawn by code: the Elman cell, the GRU (the notes' form) and the LSTM.

Notes 000 and 002 ask to *draw* the cells; their pictures are not available, so the book
draws them with matplotlib. Each function draws one cell in the notation of the book
(:math:`a^{\langle t\rangle}`, :math:`x^{\langle t\rangle}`, :math:`c^{\langle t\rangle}`,
:math:`\Gamma_u, \Gamma_r, \Gamma_f, \Gamma_o`) and returns the matplotlib ``Figure``:

- :func:`draw_elman_cell`: :math:`a^{\langle t\rangle} = \tanh(W_{aa}a^{\langle t-1\rangle}
  + W_{ax}x^{\langle t\rangle} + b_a)`, :math:`\hat y^{\langle t\rangle} = g_2(W_{ya}a^{\langle t\rangle} + b_y)`;
- :func:`draw_gru_cell`: the full GRU with the reset gate before the product (note 000);
- :func:`draw_lstm_cell`: the LSTM with :math:`a^{\langle t\rangle} = \Gamma_o * \tanh(c^{\langle t\rangle})`.

Node kinds are told apart by shape *and* colour (Okabe-Ito palette): rounded boxes are
layers with weights (σ gates, tanh layers), circles are element-wise operations, plain
labels are the cell's inputs and outputs. The functions draw only; they compute nothing.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyBboxPatch

__all__ = ["draw_elman_cell", "draw_gru_cell", "draw_lstm_cell", "draw_cell"]

# Okabe-Ito colours (colour-blind safe), light versions for fills
_FILL = {"gate": "#f6d8a8",   # orange: sigmoid gates
         "layer": "#b9dcf2",  # sky blue: tanh layers
         "op": "#ffffff",     # white circles: element-wise operations
         "io": "#ffffff"}
_EDGE = {"gate": "#E69F00", "layer": "#0072B2", "op": "#333333", "io": "#333333"}


class _Diagram:
    """A tiny node-and-arrow canvas in data coordinates."""

    def __init__(self, ax, width, height):
        self.ax, self.pos = ax, {}
        ax.set_xlim(-0.3, width + 0.3)
        ax.set_ylim(-0.3, height + 0.3)
        ax.set_aspect("equal")
        ax.axis("off")

    def node(self, name, xy, label, kind, ha="center"):
        """``ha="right"``: an io label that ends at ``xy`` (arrows start right there)."""
        self.pos[name] = (xy, kind if ha == "center" else "edge")
        x, y = xy
        if kind in ("gate", "layer"):
            w, h = 0.9, 0.5
            self.ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                             fc=_FILL[kind], ec=_EDGE[kind], lw=1.5, zorder=3))
            self.ax.text(x, y, label, ha="center", va="center", fontsize=11, zorder=4)
        elif kind == "op":
            self.ax.add_patch(Circle((x, y), 0.24, fc=_FILL[kind], ec=_EDGE[kind], lw=1.3, zorder=3))
            self.ax.text(x, y, label, ha="center", va="center", fontsize=12 if len(label) < 10 else 8,
                         zorder=4)
        else:  # io: a label only
            self.ax.text(x, y, label, ha=ha, va="center", fontsize=12, zorder=4)

    def _gap(self, name):
        kind = self.pos[name][1]
        return {"gate": 20, "layer": 20, "op": 12, "io": 14, "edge": 3}[kind]

    def arrow(self, src, dst, label=None, via=None, style="-"):
        """Arrow from node ``src`` to node ``dst``; ``via`` is an optional corner point."""
        p, q = self.pos[src][0], self.pos[dst][0]
        if via is not None:  # two segments: src -> corner (no head), corner -> dst
            self.ax.annotate("", xy=via, xytext=p, arrowprops=dict(arrowstyle="-", lw=1.2, ls=style,
                             color="0.25", shrinkA=self._gap(src), shrinkB=0))
            p, shrink_a = via, 0
        else:
            shrink_a = self._gap(src)
        self.ax.annotate("", xy=q, xytext=p, arrowprops=dict(arrowstyle="-|>", lw=1.2, ls=style,
                         color="0.25", shrinkA=shrink_a, shrinkB=self._gap(dst)))
        if label:
            mx, my = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
            self.ax.text(mx + 0.08, my + 0.08, label, fontsize=9, color="0.2")


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def _legend(ax):
    lo = ax.get_ylim()[0]
    ax.set_ylim(lo - 0.45, ax.get_ylim()[1])
    ax.text(0.0, lo - 0.3, "boxes: layers with weights (orange σ gate, blue tanh layer); "
            "circles: element-wise operations", fontsize=8, color="0.3", transform=ax.transData)


def draw_elman_cell(ax=None):
    """Draw one step of the Elman cell; returns the Figure.

    Inputs: ax: an optional matplotlib Axes to draw into (a new figure otherwise).
    """
    fig, ax = _axes(ax, (5.5, 3.6))
    d = _Diagram(ax, 5.0, 3.2)
    d.node("a_prev", (0.2, 1.4), r"$a^{\langle t-1\rangle}$", "io")
    d.node("x", (2.2, 0.1), r"$x^{\langle t\rangle}$", "io")
    d.node("h", (2.2, 1.4), r"$\tanh$", "layer")
    d.node("a", (4.6, 1.4), r"$a^{\langle t\rangle}$", "io")
    d.node("out", (3.4, 2.4), r"$g_2$", "layer")
    d.node("y", (3.4, 3.2), r"$\hat y^{\langle t\rangle}$", "io")
    d.arrow("a_prev", "h", label=r"$W_{aa}$")
    d.arrow("x", "h", label=r"$W_{ax}$")
    d.arrow("h", "a")
    d.arrow("h", "out", label=r"$W_{ya}$", via=(3.4, 1.4))
    d.arrow("out", "y")
    ax.set_title(r"Elman cell: $a^{\langle t\rangle} = \tanh(W_{aa}a^{\langle t-1\rangle}"
                 r" + W_{ax}x^{\langle t\rangle} + b_a)$", fontsize=10)
    _legend(ax)
    return fig


def draw_gru_cell(ax=None):
    """Draw one step of the full GRU in the notes' form (reset before the product); returns the Figure.

    Inputs: ax: an optional matplotlib Axes to draw into (a new figure otherwise).
    """
    fig, ax = _axes(ax, (7.0, 4.6))
    d = _Diagram(ax, 7.0, 4.0)
    d.node("c_prev", (0.2, 3.4), r"$c^{\langle t-1\rangle}$", "io")
    d.node("bus", (1.0, 0.0), r"$c^{\langle t-1\rangle}$, $x^{\langle t\rangle}$", "io", ha="right")
    d.node("keep", (2.0, 3.4), r"$\times$", "op")
    d.node("plus", (3.6, 3.4), r"$+$", "op")
    d.node("c", (6.1, 3.4), r"$c^{\langle t\rangle} = a^{\langle t\rangle}$", "io", ha="left")
    d.node("u", (2.0, 1.4), r"$\sigma$: $\Gamma_u$", "gate")
    d.node("one_minus", (2.0, 2.5), r"$1-$", "op")
    d.node("write", (3.6, 2.5), r"$\times$", "op")
    d.node("cand", (3.6, 1.4), r"$\tanh$: $\tilde c$", "layer")
    d.node("rc", (5.0, 1.4), r"$\times$", "op")
    d.node("r", (6.2, 1.4), r"$\sigma$: $\Gamma_r$", "gate")
    d.arrow("c_prev", "keep")
    d.arrow("keep", "plus")
    d.arrow("plus", "c")
    for g in ("u", "cand", "rc", "r"):
        d.arrow("bus", g, via=(d.pos[g][0][0], 0.0))
    d.arrow("u", "one_minus")
    d.arrow("one_minus", "keep")
    d.arrow("u", "write")
    d.arrow("cand", "write")
    d.arrow("write", "plus")
    d.arrow("r", "rc")
    d.arrow("rc", "cand")
    ax.text(4.05, 1.62, r"$W_{ca}$", fontsize=9, color="0.2")
    ax.set_title(r"GRU (Ng's form): $c^{\langle t\rangle} = \Gamma_u * \tilde c^{\langle t\rangle}"
                 r" + (1 - \Gamma_u) * c^{\langle t-1\rangle}$", fontsize=10)
    _legend(ax)
    return fig


def draw_lstm_cell(ax=None):
    """Draw one step of the LSTM with a = Γ_o * tanh(c); returns the Figure.

    Inputs: ax: an optional matplotlib Axes to draw into (a new figure otherwise).
    """
    fig, ax = _axes(ax, (7.4, 4.6))
    d = _Diagram(ax, 7.4, 4.2)
    d.node("c_prev", (0.2, 3.6), r"$c^{\langle t-1\rangle}$", "io")
    d.node("a_prev", (1.2, 0.0), r"$a^{\langle t-1\rangle}$, $x^{\langle t\rangle}$", "io", ha="right")
    d.node("forget", (1.8, 3.6), r"$\times$", "op")
    d.node("plus", (3.6, 3.6), r"$+$", "op")
    d.node("c", (7.2, 3.6), r"$c^{\langle t\rangle}$", "io")
    d.node("f", (1.8, 1.2), r"$\sigma$: $\Gamma_f$", "gate")
    d.node("u", (3.0, 1.2), r"$\sigma$: $\Gamma_u$", "gate")
    d.node("cand", (4.2, 1.2), r"$\tanh$: $\tilde c$", "layer")
    d.node("o", (5.4, 1.2), r"$\sigma$: $\Gamma_o$", "gate")
    d.node("write", (3.6, 2.4), r"$\times$", "op")
    d.node("squash", (5.4, 3.0), r"$\tanh$", "op")
    d.node("show", (6.4, 2.2), r"$\times$", "op")
    d.node("a", (7.2, 1.2), r"$a^{\langle t\rangle}$", "io")
    d.arrow("c_prev", "forget")
    d.arrow("forget", "plus")
    d.arrow("plus", "c")
    for g in ("f", "u", "cand", "o"):
        d.arrow("a_prev", g, via=(d.pos[g][0][0], 0.0))
    d.arrow("f", "forget")
    d.arrow("u", "write", via=(3.0, 2.4))
    d.arrow("cand", "write", via=(4.2, 2.4))
    d.arrow("write", "plus")
    d.arrow("plus", "squash", via=(5.4, 3.6))
    d.arrow("squash", "show", via=(6.4, 3.0))
    d.arrow("o", "show", via=(6.4, 1.2))
    d.arrow("show", "a", via=(7.2, 2.2))
    ax.set_title(r"LSTM: $c^{\langle t\rangle} = \Gamma_f * c^{\langle t-1\rangle} + \Gamma_u * \tilde c^{\langle t\rangle}$,"
                 r"  $a^{\langle t\rangle} = \Gamma_o * \tanh(c^{\langle t\rangle})$", fontsize=10)
    _legend(ax)
    return fig


_DRAW = {"elman": draw_elman_cell, "gru": draw_gru_cell, "lstm": draw_lstm_cell}


def draw_cell(kind: str, ax=None):
    """Draw the cell named by ``kind`` ("elman", "gru" or "lstm"); returns the Figure."""
    if kind not in _DRAW:
        raise ValueError(f"kind: expected one of {sorted(_DRAW)}, got {kind!r}")
    return _DRAW[kind](ax)
