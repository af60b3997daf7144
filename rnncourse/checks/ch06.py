"""Checks for assignment 06 (language models), scoring and training: sequence_log_prob, perplexity, train_step.

Expected values come from the package (:mod:`rnncourse.lm`). The sampling checks
(sample_next, generate) are in :mod:`rnncourse.checks.ch06_sampling`.

The ``_variant`` functions are deliberately wrong versions used to name a mistake; with
every mistake switched off each equals the package's function (tests/test_lm_contract.py
proves it on random sizes).
"""
from __future__ import annotations

import numpy as np

from ..grading.wire import Raised
from ..lm import metrics, model
from ..losses import clip_by_norm, log_softmax
from ._core import Case, Spec, register
from ._compare import close, describe, diagnose


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
