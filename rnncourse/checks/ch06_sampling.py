"""Checks for assignment 06, sampling: sample_next and generate.

Sampling is graded twice: statistically (thousands of draws against softmax(z / T) without
<UNK>, by a chi-square test) and exactly (a seeded Generator and the draw protocol of
:mod:`rnncourse.lm.sampling`, stated in the exercise, give one sequence of ids).

The ``_variant`` functions are deliberately wrong versions used to name a mistake; with every
mistake switched off each equals the package's function (tests/test_lm_contract.py proves it).
"""
from __future__ import annotations

import numpy as np

from ..grading import fixtures
from ..grading.wire import Fixture, Raised
from ..lm import model, sampling
from ..losses import softmax
from ._core import Case, Spec, register
from ._compare import describe

UNK_ID, EOS_ID = 1, 2


def _has_raised(got, *fragments):
    return isinstance(got, Raised) and any(f in got.message for f in fragments)


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
