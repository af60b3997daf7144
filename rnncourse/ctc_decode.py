"""Chapter 9: decoding a CTC network's output, and scoring the result.

The network gives, at every frame t, log-probabilities over C symbols (the labels and the blank);
the labelling l is what a path collapses to (:func:`rnncourse.ctc.collapse`). Two decoders:

- best path (:func:`greedy_decode`): the most probable symbol at each frame, collapsed. Fast, but
  it finds the most probable *path*, not the most probable *labelling*: many paths collapse to the
  same labelling, and their probabilities add up;
- prefix beam search (:func:`prefix_beam_search`): keeps the few best labelling prefixes, each with
  the probability of all its paths so far, split by whether they end in a blank.

Scored by the label error rate (:func:`label_error_rate`): the edit distance to the reference,
divided by the reference's length, summed over a test set.
"""
from __future__ import annotations

import numpy as np

from ._guard import reference
from ._validate import as_float_array, as_int_array
from .ctc import NEG_INF, _check_blank, collapse

__all__ = ["greedy_decode", "prefix_beam_search", "edit_distance", "label_error_rate"]


@reference
def greedy_decode(logits, input_lengths=None, blank: int = 0) -> list:
    """Best-path decoding: the most probable symbol per frame, then collapsed.

    Inputs: logits ``(T, N, C)``; input_lengths ``(N,)`` (default: all T).
    Returns a list of N labellings (lists of ints).
    """
    z = as_float_array("logits", logits, ndim=3)
    T, N, C = z.shape
    blank = _check_blank(blank, C)
    lengths = np.full(N, T) if input_lengths is None else as_int_array(
        "input_lengths", input_lengths, ndim=1, low=0, high=T + 1)
    if lengths.shape != (N,):
        raise ValueError(f"input_lengths: expected shape ({N},), got {lengths.shape}")
    best = z.argmax(axis=2)  # (T, N): the best path of each example
    return [collapse(best[:lengths[i], i], blank) for i in range(N)]


@reference
def prefix_beam_search(log_y, beam_width: int = 8, blank: int = 0) -> list:
    """Prefix beam search for one sequence: the labellings with the highest p(l|x) found in a beam.

    Unlike best-path decoding, it adds up the paths of a labelling: each prefix keeps two
    probabilities, of its paths ending in a blank (p_b) and in its last label (p_nb), because a
    repeated label extends the prefix only after a blank.

    Inputs:
    - log_y: ``(T, C)`` log-probabilities per frame.
    - beam_width: prefixes kept after each frame.

    Returns a list of ``(labelling tuple, log p)`` pairs, best first (at most ``beam_width``).
    Ties are broken by the labelling, so the result is deterministic.
    """
    log_y = as_float_array("log_y", log_y, ndim=2)
    T, C = log_y.shape
    blank = _check_blank(blank, C)
    if type(beam_width) is not int or beam_width < 1:
        raise ValueError(f"beam_width: expected a positive whole number, got {beam_width!r}")
    beam = {(): (0.0, NEG_INF)}  # prefix -> (log p_b, log p_nb): the empty prefix, "ended in a blank"
    for t in range(T):
        nxt: dict = {}

        def add(prefix, b=NEG_INF, nb=NEG_INF):
            old_b, old_nb = nxt.get(prefix, (NEG_INF, NEG_INF))
            nxt[prefix] = (np.logaddexp(old_b, b), np.logaddexp(old_nb, nb))

        for prefix, (p_b, p_nb) in beam.items():
            p_all = np.logaddexp(p_b, p_nb)
            add(prefix, b=p_all + log_y[t, blank])                 # a blank keeps the prefix
            for k in range(C):
                if k == blank:
                    continue
                if prefix and prefix[-1] == k:
                    add(prefix, nb=p_nb + log_y[t, k])             # "a a": the repeat merges
                    add(prefix + (k,), nb=p_b + log_y[t, k])       # "a - a": a new label after a blank
                else:
                    add(prefix + (k,), nb=p_all + log_y[t, k])
        alive = [kv for kv in nxt.items() if np.logaddexp(*kv[1]) > NEG_INF]  # drop impossible prefixes
        beam = dict(sorted(alive, key=lambda kv: (-np.logaddexp(*kv[1]), kv[0]))[:beam_width])
    return [(prefix, float(np.logaddexp(*p))) for prefix, p in
            sorted(beam.items(), key=lambda kv: (-np.logaddexp(*kv[1]), kv[0]))]


def edit_distance(a, b) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning a into b."""
    a, b = list(a), list(b)
    row = list(range(len(b) + 1))  # distances from the empty prefix of a
    for i, x in enumerate(a, 1):
        prev_diag, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev_diag, row[j] = row[j], min(row[j] + 1,             # delete x
                                            row[j - 1] + 1,         # insert y
                                            prev_diag + (x != y))   # substitute (free if equal)
    return row[-1]


def label_error_rate(hypotheses, references) -> float:
    """Total edit distance divided by the total reference length (the speech literature's LER)."""
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise ValueError(f"hypotheses: expected {len(references)} labellings (one per reference), "
                         f"got {len(hypotheses)}")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("references: all empty, the label error rate is undefined")
    return sum(edit_distance(h, r) for h, r in zip(hypotheses, references)) / total
