"""Checks for assignment 06 (language models): log-probability, perplexity, sampling, generation, a training step.

Sampling is graded twice: statistically (thousands of draws against the
distribution softmax(z / T) without <UNK>, by a chi-square test) and exactly (a
seeded Generator and the draw protocol stated in the exercise give one
sequence of ids).
"""
from __future__ import annotations

import numpy as np

from .. import lm
from ..rnn import (clip_by_norm, log_softmax, output_forward, rnn_cell_forward, softmax,
                   softmax_cross_entropy)
from ..vocab import EOS, UNK, one_hot
from ..grading import fixtures
from ..grading.wire import Fixture
from ._core import Case, Raised, Spec, close, describe, diagnose, register

UNK_ID, EOS_ID = 1, 2
assert (UNK, EOS) == ("<UNK>", "<EOS>")


# ------------------------------------------------------------- sequence_log_prob
def _slp_case(rng, T, N, V, masked):
    z = rng.normal(0, 2, size=(T, N, V))
    y = rng.integers(0, V, size=(T, N))
    args = {"z": z, "y": y, "mask": None}
    if masked:
        lengths = rng.integers(1, T + 1, size=N)
        args["mask"] = np.arange(T)[:, None] < lengths[None, :]
    return Case(args, f"T = {T}, N = {N}, V = {V}" + (", padded (mask given)" if masked else ""))


def _slp_visible():
    z = np.log(np.array([[[0.5, 0.25, 0.25]], [[0.1, 0.8, 0.1]]]))  # softmax(z) = these probabilities
    return [Case({"z": z, "y": np.array([[0], [1]]), "mask": None},
                 "P = 0.5 * 0.8, so log P = log 0.4 = -0.9163"),
            _slp_case(np.random.default_rng(60), 4, 3, 5, True)]


def _slp_random(rng):
    return [_slp_case(rng, int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(2, 7)), k % 2 == 1)
            for k in range(6)]


def _slp_compare(case, got, expected):
    z, y, mask = case.args["z"], case.args["y"], case.args["mask"]
    m = np.ones(y.shape, bool) if mask is None else mask
    picked_wrong_axis = np.take_along_axis(log_softmax(z, axis=0), y[..., None], axis=-1)[..., 0]
    picked = np.take_along_axis(log_softmax(z), y[..., None], axis=-1)[..., 0]
    return diagnose(got, expected, [
        ("softmax over the wrong axis: normalise over the vocabulary (the last axis), not over time",
         np.where(m, picked_wrong_axis, 0).sum(axis=0)),
        ("padding positions were counted: use the mask", picked.sum(axis=0)),
        ("this is the probability; the function returns its natural logarithm (a sum of log-probabilities)",
         np.exp(expected)),
        ("the scores were used without the softmax: log P(y) = z_y - log(sum exp z)",
         np.where(m, np.take_along_axis(z, y[..., None], axis=-1)[..., 0], 0).sum(axis=0)),
    ], "log_prob", axes=("example i",))


register(Spec("sequence_log_prob", ("rnncourse.lm.sequence_log_prob",), _slp_visible, _slp_random,
              expect=lambda c: lm.sequence_log_prob(**c.args), compare=_slp_compare))


# -------------------------------------------------------------------- perplexity
def _pp_visible():
    return [Case({"total_nll": 20 * np.log(4.0), "n_tokens": 20},
                 "20 tokens, each with probability 1/4: perplexity 4")]


def _pp_random(rng):
    return [Case({"total_nll": float(rng.uniform(1, 300)), "n_tokens": int(rng.integers(5, 200))}, "random")
            for _ in range(4)]


def _pp_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"expected a float, got {describe(got)}"
    if close(got, expected):
        return None
    nll, n = case.args["total_nll"], case.args["n_tokens"]
    msg = f"expected {expected:.6g}, got {got:.6g}"
    for cause, alt in [("average the negative log-likelihood over the tokens before exponentiating",
                        np.exp(nll) if nll < 700 else np.inf),
                       ("the negative log-likelihood is in nats (natural log): use exp, not 2 **", 2 ** (nll / n)),
                       ("perplexity is exp(mean NLL), not the mean NLL itself", nll / n)]:
        if np.isfinite(alt) and close(got, alt):
            return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("perplexity", ("rnncourse.lm.perplexity",), _pp_visible, _pp_random,
              expect=lambda c: lm.perplexity(**c.args), compare=_pp_compare))


# ------------------------------------------------------------------- sample_next
def protocol_sample(z, rng, temperature=1.0):
    """The draw protocol of the exercise: one ``rng.choice`` per row, redrawn without <UNK>."""
    out = []
    for row in np.atleast_2d(z):
        p = softmax(row / temperature)  # the temperature divides the scores
        k = int(rng.choice(len(p), p=p))
        if k == UNK_ID:
            p = p.copy()
            p[UNK_ID] = 0.0
            k = int(rng.choice(len(p), p=p / p.sum()))
        out.append(k)
    return np.array(out, dtype=np.int64)


def _chi2_critical(df, z=3.090):
    """Upper 0.1 % point of chi-square(df) by the Wilson-Hilferty approximation (within 1 % for df >= 3)."""
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


def _sn_case(rng, kind, T, V, N):
    z = rng.normal(0, 1.5, size=V)
    z[UNK_ID] += 1.0  # <UNK> is likely: resampling matters
    Z = np.repeat(z[None], N, axis=0) if kind == "stat" else rng.normal(0, 1.5, size=(N, V))
    return Case({"z": Z, "seed": int(rng.integers(1 << 30)), "temperature": T},
                f"{'4000 draws from one distribution' if kind == 'stat' else f'{N} rows'}, V = {V}, "
                f"temperature = {T}", extra={"kind": kind})


def _sn_visible():
    rng = np.random.default_rng(61)
    return [_sn_case(rng, "stat", 0.5, 6, 4000), _sn_case(rng, "exact", 1.0, 6, 5)]


def _sn_random(rng):
    return [_sn_case(rng, "stat", 2.0, 8, 4000), _sn_case(rng, "stat", 0.7, 5, 4000),
            _sn_case(rng, "exact", 1.5, 7, 6), _sn_case(rng, "exact", 0.8, 4, 8)]


def _sn_arguments(a):
    return (a["z"], np.random.default_rng(a["seed"]), a["temperature"]), {}


def _sn_expect(case):
    a = case.args
    return protocol_sample(a["z"], np.random.default_rng(a["seed"]), a["temperature"])


def _sn_compare(case, got, expected):
    a = case.args
    if isinstance(got, list):
        got = np.asarray(got)
    if not isinstance(got, np.ndarray) or got.shape != expected.shape or got.dtype.kind not in "iu":
        return f"expected an integer array of shape {expected.shape} (one id per row of z), got {describe(got)}"
    V = a["z"].shape[1]
    if got.min() < 0 or got.max() >= V:
        return f"ids must lie in [0, {V}), got {got.min()}..{got.max()}"
    if (got == UNK_ID).any():
        return "an <UNK> (id 1) was returned: when <UNK> is drawn, draw again without it (as in Andrew Ng's Sequence Models course)"
    if case.extra["kind"] == "stat":
        z, T = a["z"][0], a["temperature"]
        counts = np.bincount(got, minlength=V).astype(float)

        def chi2(p):
            p = p.copy()
            p[UNK_ID] = 0.0
            p /= p.sum()
            keep = p > 0
            e = p[keep] * len(got)
            return float(((counts[keep] - e) ** 2 / e).sum()) + (np.inf if counts[~keep].sum() else 0.0)
        crit = _chi2_critical(V - 2)
        if chi2(softmax(z / T)) <= crit:
            return None
        msg = (f"the ids drawn do not follow softmax(z / temperature) without <UNK>: chi-square "
               f"{chi2(softmax(z / T)):.1f} > {crit:.1f} (p < 0.001)")
        for cause, p in [("the temperature has no effect: divide the scores z by the temperature BEFORE the softmax",
                          softmax(z)),
                         ("the temperature must divide the scores, not multiply them", softmax(z * T)),
                         ("softmax over the wrong axis: normalise each row over the vocabulary (axis -1)",
                          np.full(V, 1.0 / V))]:
            if chi2(p) <= crit:
                return f"{msg}\nLikely cause: {cause}"
        return msg
    if np.array_equal(got, expected):
        return None
    return diagnose(got, expected, [], "ids", axes=("row",)) + (
        "\nThe distribution may be right but the draws must follow the protocol exactly: for each row, one "
        "rng.choice(V, p=p); if it gives <UNK>, set p[<UNK>] = 0, renormalise and call rng.choice once more.")


register(Spec("sample_next", ("rnncourse.lm.sample", "rnncourse.lm.sample_from_probs"), _sn_visible, _sn_random,
              expect=_sn_expect, compare=_sn_compare, arguments=_sn_arguments))


# ---------------------------------------------------------------------- generate
def _toy_model(seed, V, n_a):
    rng = np.random.default_rng(seed)
    p = lm.init_lm_params(V, n_a, rng)
    p = {k: v * 3.0 for k, v in p.items()}  # peakier distributions: the samples depend on the context
    p["by"][EOS_ID] += 1.0  # sentences end now and then
    return p


def make_step(params):
    """``step(token, a) -> (z (1, V), a_next)``: one step of a one-hot RNN language model."""
    return fixtures.build("rnn_lm_step", {"params": params})


def protocol_generate(step, a0, rng, max_len, temperature=1.0, feed_back=True, stop=True):
    out, tok, a = [], EOS_ID, a0
    for _ in range(max_len):
        z, a = step(tok, a)
        k = int(protocol_sample(z, rng, temperature)[0])
        if k == EOS_ID and stop:
            break
        out.append(k)
        if feed_back:
            tok = k
    return out


def _gen_case(rng, V, n_a, max_len, T):
    return Case({"model_seed": int(rng.integers(1 << 30)), "V": V, "n_a": n_a, "seed": int(rng.integers(1 << 30)),
                 "max_len": max_len, "temperature": T}, f"V = {V}, n_a = {n_a}, max_len = {max_len}, temperature = {T}")


def _gen_visible():
    return [_gen_case(np.random.default_rng(62), 6, 5, 12, 1.0)]


def _gen_random(rng):
    return [_gen_case(rng, int(rng.integers(5, 9)), int(rng.integers(3, 8)), int(rng.integers(5, 20)),
                      float(rng.choice([0.7, 1.0, 1.5]))) for _ in range(6)]


def _gen_args(a):
    p = _toy_model(a["model_seed"], a["V"], a["n_a"])
    return make_step(p), np.zeros((1, a["n_a"])), np.random.default_rng(a["seed"])


def _gen_arguments(a):
    p = _toy_model(a["model_seed"], a["V"], a["n_a"])
    return (Fixture("rnn_lm_step", {"params": p}), np.zeros((1, a["n_a"])), np.random.default_rng(a["seed"]),
            a["max_len"], a["temperature"]), {}


def _gen_expect(case):
    step, a0, rng = _gen_args(case.args)
    return protocol_generate(step, a0, rng, case.args["max_len"], case.args["temperature"])


def _gen_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.ndim == 1:
        got = got.tolist()
    if not isinstance(got, list) or not all(isinstance(k, int) and not isinstance(k, bool) for k in got):
        return f"expected a list of ints (the generated ids), got {describe(got)}"
    if got == expected:
        return None
    msg = f"expected ids {expected},\n     got {got}"
    a = case.args
    if EOS_ID in got:
        return msg + "\nLikely cause: generation must stop when <EOS> (id 2) is drawn; <EOS> is not returned"
    if len(got) > a["max_len"]:
        return msg + f"\nLikely cause: at most max_len = {a['max_len']} ids"
    step, a0, rng = _gen_args(a)
    if got == protocol_generate(step, a0, rng, a["max_len"], a["temperature"], feed_back=False):
        return msg + "\nLikely cause: the sampled id must be fed back as the next input (the model always read <EOS>)"
    return msg


register(Spec("generate", ("rnncourse.lm.sample",), _gen_visible, _gen_random,
              expect=_gen_expect, compare=_gen_compare, arguments=_gen_arguments))


# -------------------------------------------------------------------- train_step
def reference_train_step(params, inputs, targets, a0, lr, max_norm, reduction="sum", clip=True, sign=-1.0):
    loss, grads, _ = lm.lm_loss_and_grads(params, inputs, targets, a0, reduction=reduction)
    if clip:
        grads, _ = clip_by_norm(grads, max_norm)
    return loss, {k: v + sign * lr * grads["d" + k] for k, v in params.items()}


def _ts_case(rng, V, n_a, T, N, max_norm):
    ids = rng.integers(0, V, size=(T + 1, N))
    return Case({"params": lm.init_lm_params(V, n_a, rng), "inputs": ids[:-1], "targets": ids[1:],
                 "a0": rng.normal(0, 0.5, size=(N, n_a)), "lr": 0.05, "max_norm": max_norm},
                f"V = {V}, n_a = {n_a}, T = {T}, N = {N}, max_norm = {max_norm}")


def _ts_visible():
    return [_ts_case(np.random.default_rng(63), 5, 4, 6, 2, 1.0)]


def _ts_random(rng):
    return [_ts_case(rng, int(rng.integers(3, 8)), int(rng.integers(2, 7)), int(rng.integers(1, 8)),
                     int(rng.integers(1, 4)), float(rng.choice([0.5, 5.0, 100.0]))) for _ in range(5)]


def _ts_expect(case):
    return reference_train_step(**case.args)


def _ts_compare(case, got, expected):
    loss_ref, new_ref = expected
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        return f"expected a tuple (loss, new_params), got {describe(got)}"
    loss = got[0].item() if isinstance(got[0], np.ndarray) and got[0].shape == () else got[0]
    a = case.args
    if not isinstance(loss, (int, float)) or isinstance(loss, bool):
        return f"loss: expected a float, got {describe(loss)}"
    if not close(loss, loss_ref):
        msg = f"loss: expected {loss_ref:.6g} (summed over steps and streams), got {loss:.6g}"
        n = a["inputs"].size
        if close(loss, loss_ref / n):
            msg += "\nLikely cause: the loss was averaged; this exercise asks for the SUM over steps and streams"
        return msg
    keys = sorted(new_ref)
    if sorted(got[1]) != keys:
        return f"new_params: expected keys {keys}, got {sorted(got[1])}"
    variants = {
        "the gradients were not clipped: clip them by their global norm before the update":
            lambda: reference_train_step(**a, clip=False)[1],
        "the update goes uphill: subtract lr * gradient": lambda: reference_train_step(**a, sign=1.0)[1],
        "the gradients of the averaged loss were used: this exercise uses the summed loss":
            lambda: reference_train_step(**a, reduction="mean")[1],
    }
    cache = {}
    for k in keys:
        def alt(msg, fn):
            return lambda: cache.setdefault(msg, fn())[k]
        problem = diagnose(got[1][k], new_ref[k], [(m, alt(m, f)) for m, f in variants.items()],
                           f"new_params[{k!r}]")
        if problem:
            return problem
    return None


register(Spec("train_step", ("rnncourse.lm.lm_loss_and_grads", "rnncourse.lm.train_char_lm",
                             "rnncourse.lm.adam_step", "rnncourse.lm.adagrad_step"),
              _ts_visible, _ts_random, expect=_ts_expect, compare=_ts_compare,
              must_not_change=("params",)))
