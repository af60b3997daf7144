"""Checks for assignment 10 (sequence-to-sequence autoencoders): the encoder's final state, the
teacher-forced decoder, the masked loss and greedy decoding.

Expected values come from :mod:`rnncourse.seq2seq`; known mistakes are recomputed here
from the package's functions (the state at the padded last step, inputs shifted the wrong
way, a decoder not started from the code, padding counted in the loss, a decoder that does
not stop at ``<EOS>``) and named when the student's answer equals one of them.
"""
from __future__ import annotations

import numpy as np

from .. import bidirectional as bi
from .. import seq2seq as ref
from .. import seq2seq_decode as gen
from ..gru import gru_forward, init_gru_params
from ..losses import log_softmax
from ._core import Case, Spec, register
from ._compare import close, describe, diagnose

SEQ_AXES = ("time step t", "example i", "vocabulary entry")
CODE_AXES = ("example i", "hidden unit")
TOKEN_AXES = ("time step t", "example i")
EOS, PAD = 2, 0


def _gru(rng, n_x, n_a):
    p = init_gru_params(n_x, n_a, rng, form="torch")
    return {k: v + rng.normal(0, 0.4, np.shape(v)) for k, v in p.items()}  # no zero bias anywhere


def _lengths(rng, T, N, kind):
    if kind == "equal":
        return np.full(N, T, np.int64)
    if kind == "different" and N <= T:
        return np.sort(rng.choice(np.arange(1, T + 1), N, replace=False))[::-1].astype(np.int64)
    lengths = rng.integers(1, T + 1, N).astype(np.int64)
    lengths[0] = min(T, max(1, T - 1)) if N > 1 else lengths[0]
    lengths[-1] = T
    return lengths


def _kinds(k):
    return ("equal", "different", "mixed")[k % 3]


# ============================================================ encoder_final_state
def _enc_args(rng, T, N, n_x, n_a, kind):
    lengths = _lengths(rng, T, N, kind)
    x = rng.normal(size=(T, N, n_x))
    x[np.arange(T)[:, None] >= lengths] = rng.normal(3.0, 1.0, (int((np.arange(T)[:, None] >= lengths).sum()), n_x))
    return dict(x=x, lengths=lengths, a0=rng.normal(0, 0.5, (N, n_a)), params=_gru(rng, n_x, n_a))


def _enc_visible():
    rng = np.random.default_rng(1010)
    a = _enc_args(rng, 4, 3, 2, 3, "mixed")
    a["lengths"] = np.array([4, 1, 2])
    return [Case(a, "T = 4, N = 3, lengths [4, 1, 2], padding filled with non-zero values, non-zero a0")]


def _enc_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 3 else int(rng.integers(2, 7))
        N = 1 if k == 0 else int(rng.integers(2, 5))
        n_a = int(rng.integers(1, 5))
        n_x = n_a if k == 1 else n_a + int(rng.integers(1, 3))
        kind = _kinds(k)
        out.append(Case(_enc_args(rng, T, N, n_x, n_a, kind),
                        f"T = {T}, N = {N}, n_x = {n_x}, n_a = {n_a}, lengths {kind}"))
    return out


def _enc_expect(case):
    a = case.args
    return ref.encoder_forward(a["x"], a["lengths"], a["params"], a["a0"])[0]


def _enc_compare(case, got, expected):
    a = case.args
    x, lengths, a0, P = a["x"], a["lengths"], a["a0"], a["params"]
    T, N = x.shape[:2]
    states = gru_forward(x, a0, P, form="torch")[0]
    rows = np.arange(N)
    if isinstance(got, np.ndarray) and got.shape == states.shape and got.shape != expected.shape:
        return (f"code: expected shape {expected.shape}, got {got.shape}\nLikely cause: all the states were "
                "returned; the code is ONE state per example, the one after its last real step")
    causes = [
        ("the state was taken at the padded last step a[T - 1]: example i ends at step lengths[i], "
         "take a[lengths[i] - 1, i]", states[-1]),
        ("off by one: the last real state of example i is a[lengths[i] - 1, i] (lengths count from 1)",
         lambda: states[np.minimum(lengths, T - 1), rows]),
        ("off by one: the last real state of example i is a[lengths[i] - 1, i], not the state before it",
         lambda: np.where((lengths >= 2)[:, None], states[np.maximum(lengths - 2, 0), rows], a0)),
        ("the initial state a0 is ignored: the encoder starts from a0 (here not zero)",
         lambda: ref.encoder_forward(x, lengths, P, np.zeros_like(a0))[0]),
        ("x[::-1] reverses the padded array (the padding is read first): read x[0], x[1], ... in order and "
         "take each example's state after its last real step", lambda: gru_forward(x[::-1], a0, P, form="torch")[0][-1]),
        ("the first state a[0] was returned: the code is the state after the LAST real step", states[0]),
        ("the state is not carried from step to step: each step must read the previous state",
         lambda: np.stack([gru_forward(x[t:t + 1], a0, P, form="torch")[0][0] for t in range(T)])[lengths - 1, rows]),
        ("time runs backwards: read x[0], x[1], ... in order",
         lambda: gru_forward(bi.reverse_padded(x, lengths), a0, P, form="torch")[0][lengths - 1, rows]),
        ("the states were averaged: the code is the last real state, not a mean",
         lambda: np.stack([states[:L, i].mean(0) for i, L in enumerate(lengths)])),
    ]
    if isinstance(got, np.ndarray) and got.shape == (N, N, expected.shape[1]):
        return (f"code: expected shape {expected.shape}, got {got.shape}\nLikely cause: a[lengths - 1] picks "
                "every example at every length; index both axes, a[lengths - 1, np.arange(N)]")
    return diagnose(got, expected, causes, "code", axes=CODE_AXES)


register(Spec("encoder_final_state", ("rnncourse.seq2seq.encoder_forward", "rnncourse.seq2seq.last_real_state"),
              _enc_visible, _enc_random, expect=_enc_expect, compare=_enc_compare,
              must_not_change=("x", "lengths", "a0", "params")))


# ============================================================ teacher_forced_logits
def _dec_params(rng, V, n_e, n_a, n_c, condition):
    p = ref.init_decoder_params(V, n_e, n_a, n_c, rng, condition)
    return {k: v + rng.normal(0, 0.4, np.shape(v)) for k, v in p.items()}


def _targets(rng, T, N, V, lengths):
    y = rng.integers(3, V, (T, N))
    y[lengths - 1, np.arange(N)] = EOS
    y[np.arange(T)[:, None] >= lengths] = PAD
    return y


def _tf_args(rng, T, N, V, n_e, n_a, n_c, condition, kind):
    lengths = _lengths(rng, T, N, kind)
    return dict(targets=_targets(rng, T, N, V, lengths), code=rng.normal(size=(N, n_c)),
                params=_dec_params(rng, V, n_e, n_a, n_c, condition), condition=condition, start_id=EOS)


def _tf_visible():
    rng = np.random.default_rng(1011)
    return [Case(_tf_args(rng, 4, 2, 6, 2, 3, 2, c, "mixed"), f"T = 4, N = 2, V = 6, condition {c!r}")
            for c in ref.CONDITIONS]


def _tf_random(rng):
    out = []
    for k in range(6):
        T = 1 if k == 2 else int(rng.integers(2, 6))
        N = 1 if k == 0 else int(rng.integers(2, 4))
        n_a = int(rng.integers(2, 5))
        n_e = n_a if k == 1 else int(rng.integers(1, 4))
        n_c, V = int(rng.integers(1, 4)), int(rng.integers(5, 9))
        c = ref.CONDITIONS[k % 3]
        out.append(Case(_tf_args(rng, T, N, V, n_e, n_a, n_c, c, _kinds(k)),
                        f"T = {T}, N = {N}, V = {V}, n_e = {n_e}, n_a = {n_a}, n_c = {n_c}, condition {c!r}"))
    return out


def _tf_ref(targets, code, params, condition, start_id, y_in=None):
    y_in = ref.decoder_inputs(targets, start_id) if y_in is None else y_in
    return ref.decoder_forward(y_in, code, params, condition)[0]


def _tf_compare(case, got, expected):
    a = case.args
    y, code, P, cond, start = a["targets"], a["code"], a["params"], a["condition"], a["start_id"]
    n_e, n_a = P["E"].shape[1], P["Wra"].shape[0]
    gru = {k: v for k, v in P.items() if k not in ("E", "Wya", "by", "Wac", "bac")}

    def run(a0, code_first=False, with_code=cond != "init"):
        e = P["E"][ref.decoder_inputs(y, start)]
        c = np.broadcast_to(code, e.shape[:-1] + code.shape[-1:])
        x = (np.concatenate([c, e] if code_first else [e, c], -1) if with_code else e)
        q = gru if with_code or cond == "init" else {k: (v[:, :n_e] if k in ("Wrx", "Wux", "Wcx") else v)
                                                      for k, v in gru.items()}
        return gru_forward(x, a0, q, form="torch")[0] @ P["Wya"].T + P["by"]

    a0 = np.zeros((code.shape[0], n_a)) if cond == "input" else np.tanh(code @ P["Wac"].T + P["bac"])
    causes = [
        ("the decoder reads the token it must predict: teacher forcing feeds the PREVIOUS target, "
         "y_in[0] = start_id and y_in[t] = targets[t - 1]", lambda: _tf_ref(y, code, P, cond, start, y_in=y)),
        ("the inputs are shifted the wrong way: y_in[t] must be targets[t - 1] (shift right, start_id first), "
         "not targets[t + 1]",
         lambda: _tf_ref(y, code, P, cond, start, y_in=np.concatenate([y[1:], np.full_like(y[:1], PAD)]))),
        ("the first input must be start_id (the decoder reads it before the first target)",
         lambda: _tf_ref(y, code, P, cond, start, y_in=np.concatenate([np.full_like(y[:1], PAD), y[:-1]]))),
    ]
    if cond != "input":
        causes += [("the decoder is not started from the code: a^<0> = tanh(code @ Wac.T + bac), not zeros",
                    lambda: run(np.zeros_like(a0))),
                   ("the start state needs its tanh: a^<0> = tanh(code @ Wac.T + bac)",
                    lambda: run(code @ P["Wac"].T + P["bac"]))]
    if cond != "init":
        causes.append(("each input is [E[y_in[t]], code], in this order (embedding first, then the code)",
                       lambda: run(a0, code_first=True)))
    if cond == "both":
        causes.append(("condition 'both' feeds the code at every step AND starts from it: "
                       "the code is missing from the inputs", lambda: run(a0, with_code=False)))
    causes.append(("softmax was applied: return the logits (scores before the softmax)",
                   lambda: np.exp(log_softmax(expected))))
    return diagnose(got, expected, causes, "logits", axes=SEQ_AXES,
                    layout_hint="logits are time-major, (T, N, V)")


register(Spec("teacher_forced_logits", ("rnncourse.seq2seq.decoder_forward", "rnncourse.seq2seq.decoder_inputs"),
              _tf_visible, _tf_random, expect=lambda c: _tf_ref(**c.args), compare=_tf_compare,
              must_not_change=("targets", "code", "params")))


# ============================================================ masked_cross_entropy
def _ce_args(rng, T, N, V, kind, scale=2.0):
    lengths = _lengths(rng, T, N, kind)
    return dict(logits=rng.normal(0, scale, (T, N, V)), targets=_targets(rng, T, N, V, lengths), lengths=lengths)


def _ce_visible():
    rng = np.random.default_rng(1012)
    a = _ce_args(rng, 4, 3, 5, "mixed")
    a["lengths"] = np.array([4, 2, 1])
    a["targets"] = _targets(rng, 4, 3, 5, a["lengths"])
    return [Case(a, "T = 4, N = 3, V = 5, lengths [4, 2, 1]")]


def _ce_random(rng):
    out = []
    for k in range(5):
        T = 1 if k == 2 else int(rng.integers(2, 7))
        N = 1 if k == 0 else int(rng.integers(2, 5))
        V = int(rng.integers(4, 9))
        scale = 400.0 if k == 4 else 2.0  # large logits: exp overflows without the max shift
        out.append(Case(_ce_args(rng, T, N, V, _kinds(k), scale), f"T = {T}, N = {N}, V = {V}"
                        + (", large logits (about 400)" if scale > 100 else "")))
    return out


def _ce_expect(case):
    return ref.sequence_cross_entropy(**case.args)[0]


def _ce_compare(case, got, expected):
    a = case.args
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if isinstance(got, np.floating):
        got = float(got)
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"loss: expected a float, got {describe(got)}"
    if not np.isfinite(got) and np.isfinite(expected):
        return (f"loss: expected {expected:.6g}, got {got}\nLikely cause: the softmax overflowed on large "
                "logits: subtract the maximum of each row before exp (log-sum-exp)")
    if close(got, expected):
        return None
    logits, y, lengths = a["logits"], a["targets"], a["lengths"]
    T, N, V = logits.shape
    logp = log_softmax(logits)
    nll = -np.take_along_axis(logp, y[..., None], -1)[..., 0]
    mask = np.arange(T)[:, None] < lengths
    n = mask.sum()
    alts = [
        ("padding counted in the loss: only steps t < lengths[i] are real; average over those", nll.mean()),
        ("padding counted in the loss: only steps t < lengths[i] are real; average over those",
         nll.sum() / n),
        ("padding counted in the loss: only steps t < lengths[i] are real; divide by their number, "
         "not by T * N", (nll * mask).sum() / nll.size),
        ("the loss is the MEAN over the real tokens, not their sum", (nll * mask).sum()),
        ("the loss is averaged over the real tokens of the whole batch, not divided by the number of "
         "examples N", (nll * mask).sum() / N),
        ("the loss is averaged over the real tokens of the whole batch, not per sequence first",
         np.mean([(nll[:L, i]).mean() for i, L in enumerate(lengths)])),
        ("the mask is off by one: example i has lengths[i] real steps, t = 0 .. lengths[i] - 1",
         (nll * (np.arange(T)[:, None] <= lengths)).sum() / max((np.arange(T)[:, None] <= lengths).sum(), 1)),
        ("the mask is off by one: example i has lengths[i] real steps, t = 0 .. lengths[i] - 1",
         (nll * (np.arange(T)[:, None] < lengths - 1)).sum() / max((np.arange(T)[:, None] < lengths - 1).sum(), 1)),
        ("the sign: the loss is MINUS the mean log-probability of the targets", -(nll * mask).sum() / n),
        ("the softmax must normalise over the vocabulary (last axis), not over time",
         -(np.take_along_axis(log_softmax(logits, axis=0), y[..., None], -1)[..., 0] * mask).sum() / n),
    ]
    msg = f"loss: expected {expected:.6g}, got {got:.6g}"
    for cause, alt in alts:
        if np.isfinite(alt) and close(got, float(alt)) and not close(float(alt), expected):
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("masked_cross_entropy", ("rnncourse.seq2seq.sequence_cross_entropy",
                                       "rnncourse.losses.softmax_cross_entropy"),
              _ce_visible, _ce_random, expect=_ce_expect, compare=_ce_compare,
              must_not_change=("logits", "targets", "lengths")))


# ============================================================ greedy_generate
def _gd_args(rng, N, V, n_e, n_a, n_c, condition, max_len, eos_shift):
    p = _dec_params(rng, V, n_e, n_a, n_c, condition)
    p = {k: v * (2.0 if k in ("Wya",) else 1.0) for k, v in p.items()}  # peaky: the choices depend on the state
    p["by"] = p["by"].copy()
    p["by"][EOS] += eos_shift  # how soon <EOS> comes
    p["by"][PAD] -= 50.0  # the model never chooses <PAD>: a pad after <EOS> is the function's own
    return dict(code=rng.normal(size=(N, n_c)), params=p, condition=condition, start_id=EOS, eos_id=EOS,
                max_len=max_len, pad_id=PAD)


def _mixed_ends(rng, make):
    """A case whose examples end at different steps and, for some, not at all (tries a few draws)."""
    for _ in range(40):
        a = make()
        _, lengths = gen.greedy_generate(**a)
        if len(set(lengths.tolist())) > 1 and (lengths < a["max_len"]).any():
            return a
    return a


def _gd_visible():
    rng = np.random.default_rng(1013)
    out = []
    for c in ("init", "both"):
        a = _mixed_ends(rng, lambda: _gd_args(rng, 4, 6, 2, 3, 2, c, 6, 1.5))
        out.append(Case(a, f"N = 4, V = 6, max_len = 6, condition {c!r}; examples end at different steps"))
    return out


def _gd_random(rng):
    out = []
    for k in range(5):
        N = 1 if k == 0 else int(rng.integers(3, 6))
        V, n_a, n_c = int(rng.integers(5, 9)), int(rng.integers(2, 5)), int(rng.integers(1, 4))
        n_e = n_a if k == 1 else int(rng.integers(1, 4))
        c = ref.CONDITIONS[k % 3]
        max_len = 1 if k == 3 else int(rng.integers(3, 8))
        if k == 2:  # <EOS> never wins: every example reaches max_len
            a = _gd_args(rng, N, V, n_e, n_a, n_c, c, max_len, -60.0)
            label = "no <EOS>: decoding reaches max_len"
        else:
            a = (_mixed_ends(rng, lambda: _gd_args(rng, N, V, n_e, n_a, n_c, c, max_len, 1.5)) if N > 1
                 else _gd_args(rng, N, V, n_e, n_a, n_c, c, max_len, 1.5))
            label = "some examples end early"
        out.append(Case(a, f"N = {N}, V = {V}, n_e = {n_e}, n_a = {n_a}, n_c = {n_c}, max_len = {max_len}, "
                           f"condition {c!r}; {label}"))
    return out


def _gd_variant(a, stop=True, eos_in=True, feed=True, start_code=True, batch_stop=False, early_exit=True):
    """The reference loop with one rule switched off (for naming a mistake)."""
    code, P, cond, start, eos, T, pad = (a[k] for k in ("code", "params", "condition", "start_id", "eos_id",
                                                         "max_len", "pad_id"))
    N, n_a = code.shape[0], P["Wra"].shape[0]
    st = ref._start_state(code, P, cond, n_a) if start_code or cond == "input" else np.zeros((N, n_a))
    y = np.full(N, start, np.int64)
    tokens = np.full((T, N), pad, np.int64)
    lengths = np.full(N, T, np.int64)
    done = np.zeros(N, bool)
    gru = {k: v for k, v in P.items() if k not in ("E", "Wya", "by", "Wac", "bac")}
    for t in range(T):
        logp, st = gen._one_step(y if feed else np.full(N, start, np.int64), st, code, gru, P["E"], P["Wya"],
                                 P["by"], cond)
        y = logp.argmax(axis=1)
        tokens[t] = np.where(done & stop, pad, y)
        newly = ~done & (y == eos)
        lengths[newly] = t + 1 if eos_in else t
        done |= newly
        if batch_stop and newly.any():
            tokens[t + 1:] = pad
            lengths[~done] = t + 1
            break
        if early_exit and done.all():
            break
    if not eos_in:
        tokens = np.where(tokens == eos, pad, tokens)
    return tokens, lengths


def _gd_compare(case, got, expected):
    a = case.args
    tokens, lengths = expected
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"expected a tuple (tokens, lengths), got {describe(got)}"
    gt, gl = got
    if isinstance(gt, list):
        gt = np.asarray(gt)
    causes = [
        ("the decoder does not stop at <EOS>: after an example's <EOS> its column holds pad_id",
         lambda: _gd_variant(a, stop=False)[0]),
        ("the decoder does not stop at <EOS>: after an example's <EOS> its column holds pad_id",
         lambda: _gd_variant(a, stop=False, early_exit=False)[0]),
        ("the decoder stops the whole batch at the first <EOS>: each example stops at its own <EOS>",
         lambda: _gd_variant(a, batch_stop=True)[0]),
        ("the <EOS> itself belongs to the output (it is the last token of each finished example)",
         lambda: _gd_variant(a, eos_in=False)[0]),
        ("the decoder must read its own previous choice: feed the argmax back as the next input, not start_id",
         lambda: _gd_variant(a, feed=False)[0]),
        ("the decoder is not started from the code: a^<0> = tanh(code @ Wac.T + bac)",
         lambda: _gd_variant(a, start_code=False)[0]),
    ]
    problem = diagnose(gt, tokens, causes, "tokens", axes=TOKEN_AXES, kind="iu",
                       layout_hint="tokens are time-major, (max_len, N)")
    if problem:
        return problem
    if isinstance(gl, list):
        gl = np.asarray(gl)
    return diagnose(gl, lengths, [
        ("lengths count the <EOS>: an example that says <EOS> at step t (from 1) has length t",
         lambda: _gd_variant(a, eos_in=False)[1]),
        ("an example without <EOS> has length max_len", np.where(lengths == a["max_len"], 0, lengths)),
    ], "lengths", axes=("example i",), kind="iu")


register(Spec("greedy_generate", ("rnncourse.seq2seq_decode.greedy_generate", "rnncourse.seq2seq_decode.beam_search"),
              _gd_visible, _gd_random, expect=lambda c: gen.greedy_generate(**c.args), compare=_gd_compare,
              must_not_change=("code", "params")))
