"""Chapter 10: generating from a code vector -- greedy decoding and beam search, until ``<EOS>``.

The decoder of :mod:`rnncourse.seq2seq` (same parameters, same three conditions), run
without a teacher: at every step it reads its own previous choice. Greedy decoding
takes the most probable token; beam search keeps the ``beam_size`` most probable
prefixes. Both equal their PyTorch twins and brute-force search in ``tests/test_seq2seq.py``.
"""
from __future__ import annotations

import numpy as np

from .gru import gru_cell_forward
from .losses import log_softmax
from .seq2seq import FORM, _condition, _dec_check, _start_state, _step_input

from ._guard import reference
from ._validate import as_float_array, check_positive_int

__all__ = ["greedy_generate", "beam_search"]


# ----------------------------------------------------------------- decoding
def _decode_setup(code, params, condition, max_len, ids):
    condition = _condition(condition)
    code = as_float_array("code", code, ndim=2)
    P, E, Wya, by, V, n_e, n_a = _dec_check(params, condition, code.shape[1])
    max_len = check_positive_int("max_len", max_len)
    for name, v in ids.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < V:
            raise ValueError(f"{name}: expected an id in [0, {V}), got {v!r}")
    return condition, code, P, E, Wya, by, V, n_a, max_len


def _one_step(y_prev, a_prev, code, P, E, Wya, by, condition):
    """One generation step: read y_prev, update the state, return (log-probs, new state)."""
    a, _ = gru_cell_forward(_step_input(E[y_prev], code, condition), a_prev, P, form=FORM)
    return log_softmax(a @ Wya.T + by), a


@reference
def greedy_generate(code, params, condition: str = "both", start_id: int = 2, eos_id: int = 2,
                  max_len: int = 20, pad_id: int = 0):
    """Generate by always taking the most probable next token, until ``<EOS>`` or ``max_len``.

    Inputs: code ``(N, n_c)``; params, condition as in :func:`decoder_forward`;
    start_id: first input; eos_id: the end token; max_len: most tokens generated
    (``<EOS>`` counted); pad_id: fills the positions after an example's ``<EOS>``.

    Returns ``(tokens, lengths)``: ``(max_len, N)`` int64 (each column: the chosen ids,
    its ``<EOS>`` included, then ``pad_id``) and ``(N,)`` int64, the number of tokens
    generated (``max_len`` when no ``<EOS>`` came).
    """
    condition, code, P, E, Wya, by, V, n_a, max_len = _decode_setup(
        code, params, condition, max_len, {"start_id": start_id, "eos_id": eos_id, "pad_id": pad_id})
    N = code.shape[0]
    a = _start_state(code, params, condition, n_a)
    y = np.full(N, start_id, np.int64)
    tokens = np.full((max_len, N), pad_id, np.int64)
    lengths = np.full(N, max_len, np.int64)
    done = np.zeros(N, bool)
    for t in range(max_len):
        logp, a = _one_step(y, a, code, P, E, Wya, by, condition)
        y = logp.argmax(axis=1)  # the model's own choice is the next input (no teacher now)
        tokens[t] = np.where(done, pad_id, y)
        newly = ~done & (y == eos_id)
        lengths[newly] = t + 1
        done |= newly
        if done.all():
            break  # every example has said <EOS>
    return tokens, lengths


@reference
def beam_search(code, params, condition: str = "both", start_id: int = 2, eos_id: int = 2,
                max_len: int = 20, beam_size: int = 4):
    """Beam search: keep the ``beam_size`` most probable open prefixes at every step.

    A prefix extended by ``<EOS>`` among the ``beam_size`` best extensions of a step is
    finished; the open prefixes are refilled to ``beam_size`` from the next best
    extensions. The search stops when no open prefix can beat the best finished one.

    Inputs as in :func:`greedy_generate`; beam_size >= 1 (1 is greedy decoding).

    Returns a list of N pairs ``(ids, logp)``: the most probable finished sequence of
    each example (a 1-d int64 array ending in ``<EOS>``, or ``max_len`` tokens
    without it: a prefix cut at ``max_len`` counts as finished) and its total log-probability
    :math:`\\sum_t \\log p(y^{\\langle t\\rangle} \\mid y^{\\langle <t\\rangle}, c)`. No
    length normalisation.
    """
    condition, code, P, E, Wya, by, V, n_a, max_len = _decode_setup(
        code, params, condition, max_len, {"start_id": start_id, "eos_id": eos_id})
    beam_size = check_positive_int("beam_size", beam_size)
    out = []
    for i in range(code.shape[0]):
        c = code[i:i + 1]
        beams = [(0.0, [], _start_state(c, params, condition, n_a)[0])]  # (log p, ids, state)
        finished = []
        for t in range(max_len):
            if not beams:
                break
            states = np.stack([s for _, _, s in beams])
            prev = np.array([ids[-1] if ids else start_id for _, ids, _ in beams])
            logp, new = _one_step(prev, states, np.repeat(c, len(beams), 0), P, E, Wya, by, condition)
            total = np.array([lp for lp, _, _ in beams])[:, None] + logp  # log p of each extension
            order = np.argsort(-total, axis=None, kind="stable")
            beams_next = []
            for rank, flat in enumerate(order):
                b, k = divmod(int(flat), V)
                hyp = (float(total[b, k]), beams[b][1] + [k], new[b])
                if k == eos_id:
                    if rank < beam_size:
                        finished.append(hyp)  # <EOS> among the k best extensions: a finished sentence
                elif len(beams_next) < beam_size:
                    beams_next.append(hyp)  # the k best open prefixes go on
                if len(beams_next) == beam_size and rank >= beam_size:
                    break
            beams = beams_next
            # stop once no open prefix can beat the best finished one (log p only falls)
            if finished and (not beams or max(f[0] for f in finished) >= beams[0][0]):
                break
        # a prefix that reached max_len without <EOS> ends there too: it competes with the finished ones
        pool = finished + [b for b in beams if len(b[1]) == max_len]
        best = max(pool, key=lambda h: h[0])
        out.append((np.array(best[1], np.int64), best[0]))
    return out
