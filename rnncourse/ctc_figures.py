"""Drawings of chapter 9 (the CTC lattice, per-frame posteriors); the maths is in :mod:`rnncourse.ctc`."""
from __future__ import annotations

import numpy as np

from . import ctc
from .plotting import FIG_WIDTH, MARKERS, PALETTE

__all__ = ["lattice", "posteriors"]


def lattice(labels, T: int, names: dict, path=None, blank: int = 0):
    """The alignment lattice of ``labels`` over T frames: one row per position of l' (top to bottom), one
    column per frame. Filled nodes lie on at least one complete path; arrows are the allowed moves (stay,
    advance, skip a blank between different labels); ``path`` (one symbol per frame) is drawn thick.

    Returns the figure.
    """
    import matplotlib.pyplot as plt

    ext = ctc.extend_labels(labels, blank)
    S = len(ext)
    flat = np.zeros((T, max(ext) + 1))                      # log y = 0 everywhere: counts reachability
    alive = np.isfinite(ctc.ctc_alpha(flat, labels, blank)) & np.isfinite(ctc.ctc_beta(flat, labels, blank))
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 0.45 * S + 1.2))
    skip = ctc._skip_allowed(ext, blank)
    for t in range(T - 1):
        for s in range(S):
            if not alive[t, s]:
                continue
            for d in (0, 1, 2):
                if s + d < S and alive[t + 1, s + d] and (d < 2 or skip[s + d]):
                    ax.annotate("", xy=(t + 1, s + d), xytext=(t, s),
                                arrowprops=dict(arrowstyle="-|>", color="0.75", lw=0.8, shrinkA=6, shrinkB=6))
    tt, ss = np.nonzero(alive)
    ax.scatter(tt, ss, s=60, facecolor=PALETTE[0], edgecolor="k", zorder=3, label="on some complete path")
    dt, ds = np.nonzero(~alive)
    ax.scatter(dt, ds, s=40, facecolor="white", edgecolor="0.6", zorder=3, label="on no complete path")
    if path is not None:
        s, states = 0, []
        for t, k in enumerate(path):        # the lattice position of each frame of the path
            if t == 0:
                s = 0 if k == blank else 1
            else:
                for d in (0, 1, 2):
                    if s + d < S and ext[s + d] == k and (d < 2 or skip[s + d]):
                        s += d
                        break
            states.append(s)
        ax.plot(range(T), states, "-", color=PALETTE[1], lw=2.5, marker=MARKERS[1], ms=7, zorder=4,
                label="a path: " + " ".join(names[k] for k in path))
    ax.set_yticks(range(S), [f"{s + 1}: {names[k]}" for s, k in enumerate(ext)])
    ax.set_xticks(range(T), [str(t + 1) for t in range(T)])
    ax.set_ylim(S - 0.5, -0.5)
    ax.set_xlabel("frame t")
    ax.set_ylabel("position s of l'")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8, frameon=False)
    return fig


def posteriors(y, names: dict, frame_labels=None, title: str = ""):
    """Per-frame probabilities ``y`` ``(T, C)`` of every symbol, one line and marker style each; optional
    true frame labels shaded. Returns the figure."""
    import matplotlib.pyplot as plt

    T, C = y.shape
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3.4))
    t = np.arange(1, T + 1)
    for k in range(C):
        ax.plot(t, y[:, k], color=PALETTE[k % len(PALETTE)], marker=MARKERS[k % len(MARKERS)], ms=4,
                ls="-" if k else ":", lw=1.2, label=names[k])
    if frame_labels is not None:
        for j in range(T):
            if frame_labels[j]:
                ax.text(j + 1, 1.04, names[int(frame_labels[j])], ha="center", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("frame t")
    ax.set_ylabel("probability y_t(k)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=C, fontsize=8, frameon=False)
    return fig
