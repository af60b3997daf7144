"""Checks for assignment 06 (language models): log-probability, perplexity, sampling, generation, a training step.

Expected values come from the package (:mod:`rnncourse.lm`). Sampling is graded
twice: statistically (thousands of draws against softmax(z / T) without <UNK>,
by a chi-square test) and exactly (a seeded Generator and the draw protocol of
:mod:`rnncourse.lm.sampling`, stated in the exercise, give one sequence of ids).

The ``_variant`` functions below are deliberately wrong versions used to name a
mistake; with every mistake switched off each equals the package's function
(tests/test_ch06_variants.py proves it on random sizes).
"""
from __future__ import annotations

import numpy as np

from ..grading import fixtures
from ..grading.wire import Fixture, Raised
from ..lm import metrics, model, sampling
from ..losses import clip_by_norm, log_softmax, softmax
from ._core import Case, Spec, close, describe, diagnose, register

UNK_ID, EOS_ID = 1, 2


def _has_raised(got, *fragments):
    return isinstance(got, Raised) and any(f in got.message for f in fragments)


# ------------------------------------------------------------- sequence_log_prob
def _slp_case(rng, T, N, V, masked, scale=2.0, high=None, label=""):
    z = rng.normal(0, scale, size=(T, N, V))
    y = rng.integers(0, V if high is None else high, size=(T, N))
    if high is None:
        y.flat[0], y.flat[-1] = 0, V - 1  # the first and the last id of the vocabulary occur
    args = {"z": z, "y": y, "mask": None}
    if masked:
        lengths = rng.integers(1, T + 1, size=N)
        lengths[rng.integers(N)] = max(T - 1, 1)  # some padding whenever T > 1
        args["mask"] = np.arange(T)[:, None] < lengths[None, :]
    return Case(args, f"T = {T}, N = {N}, V = {V}" + (", padded (mask given)" if masked else "") + label)


def _slp_visible():
    z = np.log(np.array([[[0.5, 0.25, 0.25]], [[0.1, 0.8, 0.1]]]))  # softmax(z) = these probabilities
    return [Case({"z": z, "y": np.array([[0], [1]]), "mask": None},
                 "P = 0.5 * 0.8, so log P = log 0.4 = -0.9163"),
            _slp_case(np.random.default_rng(60), 4, 3, 5, True),
            _slp_case(np.random.default_rng(64), 3, 2, 4, False, scale=1000.0, label=", scores of size 1000")]


def _slp_random(rng):
    V = int(rng.integers(3, 7))
    return [_slp_case(rng, 1, 1, V, False, label=" (one step, one sequence)"),
            _slp_case(rng, int(rng.integers(2, 6)), 1, V, True),
            _slp_case(rng, int(rng.integers(2, 6)), int(rng.integers(2, 5)), V, True, scale=800.0,
                      label=", scores of size 800"),
            _slp_case(rng, 400, 2, 40, False, label=" (a long sequence)"),
            _slp_case(rng, int(rng.integers(2, 6)), int(rng.integers(2, 5)), 9, True, high=5,
                      label=", ids below 5 only"),
            _slp_case(rng, int(rng.integers(2, 6)), int(rng.integers(2, 5)), int(rng.integers(2, 7)), True)]


def _slp_compare(case, got, expected):
    z, y, mask = case.args["z"], case.args["y"], case.args["mask"]
    T, N, V = z.shape
    m = np.ones(y.shape, bool) if mask is None else mask
    if isinstance(got, np.ndarray) and got.shape != expected.shape:
        msg = f"log_prob: expected shape {expected.shape} (one log-probability per sequence), got {got.shape}"
        if got.shape == (T,) and T != N:
            msg += "\nLikely cause: summed over the sequences (axis 1); sum over the time steps (axis 0)"
        elif got.shape == ():
            msg += "\nLikely cause: summed over everything; sum over the time steps only (axis 0)"
        elif got.shape == (T, N):
            msg += "\nLikely cause: the per-step log-probabilities were not summed over time (axis 0)"
        return msg
    if isinstance(got, np.ndarray) and got.dtype.kind == "f" and np.isfinite(expected).all() \
            and not np.isfinite(got).all():
        pos = int(np.argwhere(~np.isfinite(got))[0][0])
        msg = f"log_prob: sequence i = {pos + 1} (index {pos}) is {got[pos]}, expected {expected[pos]:.6g}"
        with np.errstate(all="ignore"):
            e = np.exp(z)  # a softmax without the max
            no_max = np.where(m, np.take_along_axis(np.log(e / e.sum(axis=-1, keepdims=True)), y[..., None],
                                                    axis=-1)[..., 0], 0).sum(axis=0)
            p = np.exp(np.take_along_axis(log_softmax(z), y[..., None], axis=-1)[..., 0])
            product = np.log(np.where(m, p, 1.0).prod(axis=0))  # probabilities multiplied, then the log
        causes = []
        for cause, alt in [("exp overflowed on large scores: subtract each row's max before exp "
                            "(log softmax = z - max - log(sum(exp(z - max))))", no_max),
                           ("the product of many probabilities underflowed to 0 and its log is -inf: add "
                            "log-probabilities instead of multiplying probabilities", product)]:
            bad = ~np.isfinite(got)
            if np.array_equal(bad, ~np.isfinite(alt)) and np.array_equal(got[bad], alt[bad], equal_nan=True):
                causes.append(cause)
        if causes:  # both, when both mistakes give this answer on this case
            msg += "\nLikely cause: " + "; or ".join(causes)
        return msg
    picked = np.take_along_axis(log_softmax(z), y[..., None], axis=-1)[..., 0]
    n_real = np.maximum(m.sum(axis=0), 1)
    return diagnose(got, expected, [
        ("softmax over the wrong axis: normalise over the vocabulary (the last axis), not over time",
         lambda: np.where(m, np.take_along_axis(log_softmax(z, axis=0), y[..., None], axis=-1)[..., 0],
                          0).sum(axis=0)),
        ("padding positions were counted: use the mask", picked.sum(axis=0)),
        ("the mask is inverted: True marks a real step, False padding", np.where(~m, picked, 0).sum(axis=0)),
        ("this is the probability; the function returns its natural logarithm (a sum of log-probabilities)",
         np.exp(expected)),
        ("this is the negative log-likelihood; return log P itself (a number <= 0)", -expected),
        ("log base 2 was used: the log-probability is in nats (natural log, np.log)", expected / np.log(2)),
        ("averaged over the time steps: log P of a sequence is the SUM of its log-probabilities",
         expected / n_real),
        ("the scores were used without the softmax: log P(y) = z_y - log(sum exp z)",
         np.where(m, np.take_along_axis(z, y[..., None], axis=-1)[..., 0], 0).sum(axis=0)),
    ], "log_prob", axes=("sequence i",))


register(Spec("sequence_log_prob", ("rnncourse.lm.metrics.sequence_log_prob",), _slp_visible, _slp_random,
              expect=lambda c: metrics.sequence_log_prob(**c.args), compare=_slp_compare,
              must_not_change=("z", "y", "mask")))


# -------------------------------------------------------------------- perplexity
def _pp_visible():
    return [Case({"total_nll": 20 * np.log(4.0), "n_tokens": 20},
                 "20 tokens, each with probability 1/4: perplexity 4")]


def _pp_random(rng):
    return [Case({"total_nll": float(rng.uniform(0.1, 3)), "n_tokens": 1}, "one token"),
            Case({"total_nll": float(rng.uniform(2000, 3000)), "n_tokens": int(rng.integers(800, 1200))},
                 "a long text: total NLL in the thousands"),
            *[Case({"total_nll": float(rng.uniform(1, 300)), "n_tokens": int(rng.integers(5, 200))}, "random")
              for _ in range(3)]]


def _pp_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return f"expected a float, got {describe(got)}"
    if close(got, expected):
        return None
    nll, n = case.args["total_nll"], case.args["n_tokens"]
    msg = f"expected {expected:.6g}, got {got:.6g}"
    with np.errstate(over="ignore"):
        causes = [("average the negative log-likelihood over the tokens before exponentiating",
                   [np.exp(nll), np.exp(nll) / n]),
                  ("the negative log-likelihood is in nats (natural log): use exp, not 2 **", [2 ** (nll / n)]),
                  ("perplexity is exp(mean NLL), not the mean NLL itself", [nll / n]),
                  ("the sign: perplexity is exp(+ mean NLL), a number >= 1", [np.exp(-nll / n)]),
                  ("integer division (//) cut the mean NLL: divide with /", [np.exp(nll // n)]),
                  ("perplexity is exp(total_nll / n_tokens), not its log", [np.log(nll / n)])]
    for cause, alts in causes:
        for alt in alts:
            if (np.isinf(alt) and np.isinf(got)) or (np.isfinite(alt) and close(got, alt)):
                return f"{msg}\nLikely cause: {cause}"
    return msg


register(Spec("perplexity", ("rnncourse.lm.metrics.perplexity",), _pp_visible, _pp_random,
              expect=lambda c: metrics.perplexity(**c.args), compare=_pp_compare))


# ------------------------------------------------------------------- sample_next
def _sample_variant(z, rng, temperature=1.0, redraw="renormalised", divide=True):
    """sample_next with switchable mistakes (default: the package's protocol, sampling.sample_next)."""
    out = []
    for row in np.atleast_2d(z):
        scores = row / temperature if divide else row * temperature
        p = softmax(scores)
        k = int(rng.choice(len(p), p=p))
        if k == UNK_ID and redraw == "renormalised":
            p = p.copy()
            p[UNK_ID] = 0.0
            k = int(rng.choice(len(p), p=p / p.sum()))
        if k == UNK_ID and redraw == "argmax":  # replaced by the most probable other id
            k = int(np.argmax(np.where(np.arange(len(p)) == UNK_ID, -1.0, p)))
        while k == UNK_ID and redraw == "full":  # drawn again from the same, full distribution
            k = int(rng.choice(len(p), p=p))
        out.append(k)
    return np.array(out, dtype=np.int64)


def _chi2_critical(df, z=4.753):
    """Upper 1e-6 point of chi-square(df) by the Wilson-Hilferty approximation: a correct sampler with
    another draw protocol fails a case about once in a million; every catalogued mistake is far beyond."""
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


def _sn_case(rng, kind, T, V, N, scale=1.5, label=""):
    z = rng.normal(0, scale, size=V)
    z[UNK_ID] += 1.0  # <UNK> is likely: resampling matters
    Z = np.repeat(z[None], N, axis=0) if kind == "stat" else rng.normal(0, scale, size=(N, V))
    if kind == "exact":
        Z[:, UNK_ID] = np.maximum(Z[:, UNK_ID], Z.max(axis=1) - scale)  # <UNK> is drawn now and then
        # and some other id stays within `scale` of the top, so that the instructions' p /= p.sum()
        # after removing <UNK> is defined (with scores of size 300 the rest could underflow to 0)
        others = np.delete(np.arange(V), UNK_ID)
        best = others[np.argmax(Z[:, others], axis=1)]
        rows = np.arange(Z.shape[0])
        Z[rows, best] = np.maximum(Z[rows, best], Z.max(axis=1) - scale)
    return Case({"z": Z, "rng": int(rng.integers(1 << 30)), "temperature": T},
                f"{'4000 draws from one distribution' if kind == 'stat' else f'{N} rows'}, V = {V}, "
                f"temperature = {T}{label}", extra={"kind": kind})


def _sn_visible():
    rng = np.random.default_rng(61)
    return [_sn_case(rng, "stat", 0.5, 6, 4000), _sn_case(rng, "exact", 1.0, 6, 5),
            _sn_case(rng, "exact", 2.0, 5, 40), _sn_case(rng, "exact", 1.0, 5, 6, scale=300.0,
                                                         label=", scores of size 300")]


def _sn_random(rng):
    return [_sn_case(rng, "stat", 2.0, 8, 4000), _sn_case(rng, "stat", 0.7, 5, 4000),
            _sn_case(rng, "exact", 1.5, 7, 1, label=" (one row)"), _sn_case(rng, "exact", 0.8, 4, 30),
            _sn_case(rng, "exact", 1.0, 6, 8, scale=300.0, label=", scores of size 300")]


def _sn_arguments(a):
    return (), {"z": a["z"], "rng": np.random.default_rng(a["rng"]), "temperature": a["temperature"]}


def _sn_expect(case):
    a = case.args
    return sampling.sample_next(a["z"], np.random.default_rng(a["rng"]), a["temperature"])


def _chi2(counts, p):
    p = p.copy()
    p[UNK_ID] = 0.0
    p /= p.sum()
    keep = p > 0
    e = p[keep] * counts.sum()
    return float(((counts[keep] - e) ** 2 / e).sum()) + (np.inf if counts[~keep].sum() else 0.0)


def _sn_compare(case, got, expected):
    a = case.args
    V, N = a["z"].shape[1], a["z"].shape[0]
    if isinstance(got, list):
        got = np.asarray(got)
    if not isinstance(got, np.ndarray) or got.shape != expected.shape or got.dtype.kind not in "iu":
        msg = f"expected an integer array of shape {expected.shape} (one id per row of z), got {describe(got)}"
        if _has_raised(got, "contain NaN", "contains NaN") and np.abs(a["z"]).max() > 300:
            msg += ("\nLikely cause: exp overflowed on large scores: subtract each row's max before exp "
                    "(softmax(z) = softmax(z - max))")
        elif _has_raised(got, "do not sum to 1"):
            msg += ("\nLikely cause: each row's probabilities must sum to 1: softmax over the vocabulary "
                    "(the last axis) of one row")
        elif _has_raised(got, "non-negative"):
            msg += "\nLikely cause: the probabilities are softmax(z / temperature), not the scores themselves"
        elif isinstance(got, np.ndarray) and got.dtype.kind == "f":
            msg += "\nLikely cause: ids are integers: build the result with dtype int (np.zeros(N, dtype=int))"
        return msg
    if got.min() < 0 or got.max() >= V:
        return f"ids must lie in [0, {V}), got {got.min()}..{got.max()}"
    if (got == UNK_ID).any():
        return ("an <UNK> (id 1) was returned: when <UNK> is drawn, draw again without it "
                "(as in Andrew Ng's Sequence Models course)")
    if case.extra["kind"] == "stat":
        if np.array_equal(got, expected):
            return None  # the draw protocol of the instructions: exactly the reference's draws
        z, T = a["z"][0], a["temperature"]
        counts = np.bincount(got, minlength=V).astype(float)
        if (got == got[0]).all() and softmax(z / T).max() < 0.999:
            return (f"all {N} rows got the same id {got[0]}: draw one id for each row with rng.choice(V, p=p), "
                    "in order (not the argmax, and not one draw for all rows)")
        crit = _chi2_critical(V - 2)
        if _chi2(counts, softmax(z / T)) <= crit:
            return None
        msg = (f"the ids drawn do not follow softmax(z / temperature) without <UNK>: chi-square "
               f"{_chi2(counts, softmax(z / T)):.1f} > {crit:.1f} (p < 1e-6)")
        rest = softmax(z / T)
        rest[UNK_ID] = 0.0
        moved = rest.copy()
        moved[int(np.argmax(rest))] += softmax(z / T)[UNK_ID]
        for cause, p in [("the temperature has no effect: divide the scores z by the temperature BEFORE the softmax",
                          softmax(z)),
                         ("the temperature must divide the scores, not multiply them", softmax(z * T)),
                         ("when <UNK> is drawn, draw again from the distribution without <UNK>; do not replace "
                          "it by a fixed id", moved)]:
            if _chi2(counts, p) <= crit:
                return f"{msg}\nLikely cause: {cause}"
        return msg
    if np.array_equal(got, expected):
        return None
    k = int(np.argwhere(got != expected)[0][0])
    msg = (f"ids: first difference at row {k + 1} (index {k}): expected {expected[k]}, got {got[k]} "
           f"(differences in {int((got != expected).sum())} of the {N} rows)")
    z, seed, T = a["z"], a["rng"], a["temperature"]
    for cause, kw in [("when <UNK> came out, the draw was repeated from the full distribution; the protocol "
                       "draws once more from the distribution WITHOUT <UNK> (p[<UNK>] = 0, renormalised)",
                       {"redraw": "full"}),
                      ("when <UNK> is drawn, draw again from the distribution without <UNK>; do not replace "
                       "it by a fixed id", {"redraw": "argmax"}),
                      ("the temperature must divide the scores, not multiply them", {"divide": False})]:
        if np.array_equal(got, _sample_variant(z, np.random.default_rng(seed), T, **kw)):
            return f"{msg}\nLikely cause: {cause}"
    if T != 1.0 and np.array_equal(got, _sample_variant(z, np.random.default_rng(seed), 1.0)):
        return f"{msg}\nLikely cause: the temperature has no effect: divide the scores z by the temperature"
    if N > 1 and (got == got[0]).all():
        return f"{msg}\nLikely cause: one id was drawn for all rows: draw one id for each row of z, in order"
    s = z / T
    s[:, UNK_ID] = -np.inf
    if np.array_equal(got, np.argmax(s, axis=1)):
        return f"{msg}\nLikely cause: the most probable id was taken: draw with rng.choice(V, p=p), not the argmax"
    return msg + (
        "\nThe distribution may be right but the draws must follow the protocol exactly: for each row, one "
        "rng.choice(V, p=p); if it gives <UNK>, set p[<UNK>] = 0, renormalise and call rng.choice once more.")


register(Spec("sample_next", ("rnncourse.lm.sampling.sample_next", "rnncourse.lm.sampling.sample",
                              "rnncourse.lm.sampling.sample_from_probs", "rnncourse.lm.sampling.generate"),
              _sn_visible, _sn_random, expect=_sn_expect, compare=_sn_compare, arguments=_sn_arguments,
              must_not_change=("z",)))


# ---------------------------------------------------------------------- generate
def _toy_model(seed, V, n_a, eos_bias=1.0):
    rng = np.random.default_rng(seed)
    p = model.init_lm_params(V, n_a, rng)
    p = {k: v * 3.0 for k, v in p.items()}  # peakier distributions: the samples depend on the context
    p["by"][EOS_ID] += eos_bias  # sentences end now and then (never, or at once, for large |eos_bias|)
    return p


def make_step(params):
    """``step(token, a) -> (z (1, V), a_next)``: one step of a one-hot RNN language model."""
    return fixtures.build("rnn_lm_step", {"params": params})


def _generate_variant(step, a0, rng, max_len, temperature=1.0, first=EOS_ID, feed_back=True, carry=True,
                      stop=True, draws=None, draw=None):
    """generate with switchable mistakes (default: the package's sampling.generate)."""
    draw = sampling.sample_next if draw is None else draw
    out, tok, a = [], first, a0
    for _ in range(max_len if draws is None else draws):
        z, a_next = step(tok, a if carry else a0)
        a = a_next
        k = int(draw(z, rng, temperature)[0])
        if k == EOS_ID and stop:
            break
        out.append(k)
        if feed_back:
            tok = k
    return out


def _gen_case(rng, V, n_a, max_len, T, eos_bias=1.0, label=""):
    return Case({"model_seed": int(rng.integers(1 << 30)), "V": V, "n_a": n_a, "seed": int(rng.integers(1 << 30)),
                 "max_len": max_len, "temperature": T, "eos_bias": eos_bias},
                f"V = {V}, n_a = {n_a}, max_len = {max_len}, temperature = {T}{label}")


def _gen_visible():
    return [_gen_case(np.random.default_rng(62), 6, 5, 12, 0.7, eos_bias=1.5),
            _gen_case(np.random.default_rng(65), 7, 4, 8, 1.0, eos_bias=-30.0, label=" (<EOS> never drawn)")]


def _gen_random(rng):
    return [_gen_case(rng, 6, 4, 1, 1.0, label=" (one draw)"),
            _gen_case(rng, 7, 5, 10, 1.0, eos_bias=40.0, label=" (<EOS> at the first draw)"),
            _gen_case(rng, int(rng.integers(5, 9)), int(rng.integers(3, 8)), 9, 1.3, eos_bias=-30.0,
                      label=" (<EOS> never drawn)"),
            *[_gen_case(rng, int(rng.integers(5, 9)), int(rng.integers(3, 8)), int(rng.integers(5, 20)),
                        float(rng.choice([0.7, 1.0, 1.5]))) for _ in range(4)]]


def _gen_args(a):
    p = _toy_model(a["model_seed"], a["V"], a["n_a"], a["eos_bias"])
    return make_step(p), np.zeros((1, a["n_a"])), np.random.default_rng(a["seed"])


def _gen_arguments(a):
    p = _toy_model(a["model_seed"], a["V"], a["n_a"], a["eos_bias"])
    return (Fixture("rnn_lm_step", {"params": p}), np.zeros((1, a["n_a"])), np.random.default_rng(a["seed"]),
            a["max_len"], a["temperature"]), {}


def _gen_expect(case):
    step, a0, rng = _gen_args(case.args)
    return sampling.generate(step, a0, rng, case.args["max_len"], case.args["temperature"])


def _wrong_draw(**kw):
    return lambda z, rng, temperature: _sample_variant(z, rng, temperature, **kw)


def _no_redraw(z, rng, temperature):
    return _sample_variant(z, rng, temperature, redraw="none")


KNOCK_ON = "the generation loop is right, but its draws are those of a sample_next that"


def _gen_compare(case, got, expected):
    if isinstance(got, np.ndarray) and got.ndim == 1 and got.dtype.kind in "iu":
        got = got.tolist()
    if isinstance(got, list) and all(isinstance(k, np.integer) for k in got):
        got = [int(k) for k in got]
    if not isinstance(got, list) or not all(isinstance(k, int) and not isinstance(k, bool) for k in got):
        return f"expected a list of ints (the generated ids), got {describe(got)}"
    if got == expected:
        return None
    a = case.args
    diff = next((k for k in range(min(len(got), len(expected))) if got[k] != expected[k]), None)
    if diff is None:
        where = f"{len(got)} ids instead of {len(expected)}"
    else:
        where = f"first difference at generated id {diff + 1}: expected {expected[diff]}, got {got[diff]}"
    msg = f"expected ids {expected},\n     got {got}\n({where})"
    if EOS_ID in got:
        return msg + "\nLikely cause: generation must stop when <EOS> (id 2) is drawn; <EOS> is not returned"
    if len(got) > a["max_len"]:
        return msg + f"\nLikely cause: at most max_len = {a['max_len']} ids"
    T = a["temperature"]

    def variant(**kw):
        step, a0, rng = _gen_args(a)
        return _generate_variant(step, a0, rng, a["max_len"], **{"temperature": T, **kw})
    for cause, kw in [
            ("the sampled id must be fed back as the next input (the model always read <EOS>)",
             {"feed_back": False}),
            ("the state must be carried: give the new state a_next to the next step (the model always read a0)",
             {"carry": False}),
            ("the first input must be <EOS> (id 2), which means 'a new sentence begins'", {"first": 0}),
            ("the first input must be <EOS> (id 2), which means 'a new sentence begins'", {"first": UNK_ID}),
            (f"up to max_len = {a['max_len']} ids are drawn, the last one included (one draw too few)",
             {"draws": a["max_len"] - 1}),
            ("the temperature must be passed on to sample_next", {"temperature": 1.0}),
            (f"{KNOCK_ON} returns <UNK>: fix the sampling first (test_sample_next)", {"draw": _no_redraw}),
            (f"{KNOCK_ON} draws again from the full distribution after <UNK>: fix the sampling first "
             "(test_sample_next)", {"draw": _wrong_draw(redraw="full")}),
            (f"{KNOCK_ON} multiplies the scores by the temperature: fix the sampling first (test_sample_next)",
             {"draw": _wrong_draw(divide=False)}),
            (f"{KNOCK_ON} ignores the temperature: fix the sampling first (test_sample_next)",
             {"draw": lambda z, rng, temperature: _sample_variant(z, rng, 1.0)})]:
        try:
            alt = variant(**kw)
        except Exception:
            continue
        if got == alt:
            return msg + f"\nLikely cause: {cause}"
    if len(got) < len(expected) and got == expected[:len(got)]:
        return msg + "\nLikely cause: generation stopped early: stop only when <EOS> is drawn or after max_len draws"
    return msg


register(Spec("generate", ("rnncourse.lm.sampling.sample", "rnncourse.lm.sampling.generate",
                           "rnncourse.lm.sampling.sample_next"), _gen_visible, _gen_random,
              expect=_gen_expect, compare=_gen_compare, arguments=_gen_arguments))


# -------------------------------------------------------------------- train_step
def _train_step_variant(params, inputs, targets, a0, lr, max_norm, reduction="sum", clip="norm", sign=-1.0,
                        zero_a0=False, loss_after=False, frozen=()):
    """train_step with switchable mistakes (default: the package's model.train_step)."""
    a0 = np.zeros_like(a0) if zero_a0 else a0
    loss, grads, _ = model.lm_loss_and_grads(params, inputs, targets, a0, reduction=reduction)
    if clip == "norm":
        grads, _ = clip_by_norm(grads, max_norm)
    elif clip == "each":  # every gradient by its own norm
        grads = {k: clip_by_norm({k: g}, max_norm)[0][k] for k, g in grads.items()}
    elif clip == "value":
        grads = {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
    new = {k: v if k in frozen else v + sign * lr * grads["d" + k] for k, v in params.items()}
    if loss_after:
        loss = model.lm_loss_and_grads(new, inputs, targets, a0, reduction=reduction)[0]
    return loss, new


def _ts_case(rng, V, n_a, T, N, max_norm, high=None, label=""):
    ids = rng.integers(0, V if high is None else high, size=(T + 1, N))
    params = {k: v + rng.normal(0, 0.1, size=v.shape) for k, v in model.init_lm_params(V, n_a, rng).items()}
    return Case({"params": params, "inputs": ids[:-1], "targets": ids[1:],
                 "a0": rng.normal(0, 0.5, size=(N, n_a)), "lr": 0.05, "max_norm": max_norm},
                f"V = {V}, n_a = {n_a}, T = {T}, N = {N}, max_norm = {max_norm}{label}")


def _ts_visible():
    return [_ts_case(np.random.default_rng(63), 5, 4, 6, 2, 1.0),
            _ts_case(np.random.default_rng(66), 7, 3, 4, 3, 100.0, high=5,
                     label=" (no clipping needed; the ids only reach 4)")]


def _ts_random(rng):
    def sizes():
        return int(rng.integers(3, 8)), int(rng.integers(2, 7)), int(rng.integers(2, 8)), int(rng.integers(2, 4))
    V, n_a, T, N = sizes()
    out = [_ts_case(rng, V, n_a, 1, N, 0.5, label=" (one time step)")]
    V, n_a, T, N = sizes()
    out.append(_ts_case(rng, V, n_a, T, 1, 5.0, label=" (one stream)"))
    V, n_a, T, N = sizes()
    out.append(_ts_case(rng, V + 3, n_a, T, N, 1.0, high=V, label=f", ids below {V} only"))
    for _ in range(3):
        V, n_a, T, N = sizes()
        out.append(_ts_case(rng, V, n_a, T, N, float(rng.choice([0.5, 5.0, 100.0]))))
    return out


def _ts_expect(case):
    return model.train_step(**case.args)


def _ts_compare(case, got, expected):
    loss_ref, new_ref = expected
    a = case.args
    V = a["params"]["Wya"].shape[0]
    data_V = int(max(a["inputs"].max(), a["targets"].max())) + 1
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        msg = f"expected a tuple (loss, new_params), got {describe(got)}"
        if isinstance(got, Raised) and data_V < V:
            msg += ("\nLikely cause: the vocabulary size is V = params['Wya'].shape[0]; it cannot be read from "
                    f"the data (here the ids only reach {data_V - 1}, V = {V})")
        return msg
    loss = got[0].item() if isinstance(got[0], np.ndarray) and got[0].shape == () else got[0]
    if not isinstance(loss, (int, float)) or isinstance(loss, bool):
        return f"loss: expected a float, got {describe(loss)}"
    if not close(loss, loss_ref):
        msg = f"loss: expected {loss_ref:.6g} (summed over steps and streams), got {loss:.6g}"
        for cause, alt in [
                ("the loss was averaged; this exercise asks for the SUM over steps and streams",
                 lambda: loss_ref / a["inputs"].size),
                ("the loss is the one BEFORE the update (computed with the old parameters)",
                 lambda: _train_step_variant(**a, loss_after=True)[0]),
                ("a0 was ignored: the forward pass starts from the given state a0",
                 lambda: _train_step_variant(**a, zero_a0=True)[0]),
                ("inputs and targets are swapped: the model reads inputs and predicts targets",
                 lambda: _train_step_variant(**dict(a, inputs=a["targets"], targets=a["inputs"]))[0])]:
            try:
                if close(loss, alt()):
                    return f"{msg}\nLikely cause: {cause}"
            except Exception:
                continue
        return msg
    keys = sorted(new_ref)
    if sorted(got[1]) != keys:
        msg = f"new_params: expected keys {keys}, got {sorted(got[1])}"
        if sorted(got[1]) == sorted("d" + k for k in keys):
            msg += "\nLikely cause: these are the gradients' keys; new_params has the keys of params (no 'd')"
        return msg
    variants = {
        "the gradients were not clipped: clip them by their global norm before the update":
            dict(clip=None),
        "each gradient was clipped by its own norm: clip_by_norm(grads, max_norm) clips all of them together":
            dict(clip="each"),
        "the gradients were clipped by value: clip them by their global norm (clip_by_norm)": dict(clip="value"),
        "the update goes uphill: subtract lr * gradient": dict(sign=1.0),
        "the gradients of the averaged loss were used: this exercise uses the summed loss": dict(reduction="mean"),
        "a0 was ignored: the forward pass starts from the given state a0": dict(zero_a0=True),
        "the learning rate was not applied: the step is lr * gradient": dict(lr=1.0),
    }
    cache = {}
    for k in keys:
        g = got[1][k]
        if isinstance(g, np.ndarray) and g.shape == a["params"][k].shape and np.array_equal(g, a["params"][k]):
            return (f"new_params[{k!r}] is unchanged: every parameter moves, "
                    f"new_params[{k!r}] = params[{k!r}] - lr * grads['d{k}']")
        problem = diagnose(g, new_ref[k], [], f"new_params[{k!r}]")
        if problem:
            causes = []  # every known mistake that gives this whole answer (all parameters) on this case
            for cause, kw in variants.items():
                alt = cache.setdefault(cause, _train_step_variant(**{**a, **kw})[1])
                if all(isinstance(got[1][j], np.ndarray) and got[1][j].shape == alt[j].shape
                       and np.allclose(got[1][j], alt[j], rtol=1e-5, atol=1e-6) for j in keys):
                    causes.append(cause)
            if len(causes) == 1:
                problem += f"\nLikely cause: {causes[0]}"
            elif causes:
                problem += "\nLikely cause: " + "; or ".join(causes) + " (on this case these give the same answer)"
            return problem
    return None


register(Spec("train_step", ("rnncourse.lm.model.train_step", "rnncourse.lm.model.lm_loss_and_grads",
                             "rnncourse.lm.training.train_char_lm", "rnncourse.lm.optim.adam_step",
                             "rnncourse.lm.optim.adagrad_step"),
              _ts_visible, _ts_random, expect=_ts_expect, compare=_ts_compare,
              must_not_change=("params", "a0")))
