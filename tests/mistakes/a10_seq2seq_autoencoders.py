"""Realistic mistakes in assignment 10-seq2seq-autoencoders: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions, graded by the
checks in tests/test_catalogue.py)."""
import numpy as np

from ._base import Mutant, mistake, sigmoid as _sigmoid

A = "10-seq2seq-autoencoders"

MUTANTS = [
    Mutant(A, "state taken at the padded last step", "encoder_final_state",
           "states[np.asarray(lengths) - 1, np.arange(N)]", "states[-1]", "test_encoder_final_state",
           "padded last step"),
    Mutant(A, "inputs not shifted", "teacher_forced_logits",
           "y_in = np.concatenate([np.full((1, N), start_id), targets[:-1]])", "y_in = targets",
           "test_teacher_forced_logits", "the token it must predict"),
    Mutant(A, "padding counted in the loss", "masked_cross_entropy",
           "return float((nll * mask).sum() / mask.sum())", "return float(nll.mean())",
           "test_masked_cross_entropy", "padding counted in the loss"),
    Mutant(A, "decoder does not stop at <EOS>", "greedy_generate",
           "tokens[t] = np.where(done, pad_id, y)", "tokens[t] = y", "test_greedy_generate",
           "does not stop at <EOS>"),
    Mutant(A, "decoder not started from the code", "greedy_generate",
           "a = np.zeros((N, n_a)) if condition == \"input\" else np.tanh(code @ p[\"Wac\"].T + p[\"bac\"])",
           "a = np.zeros((N, n_a))", "test_greedy_generate", "not started from the code"),
]


def _gru_step(xt, a_prev, p):
    gamma_r = _sigmoid(xt @ p["Wrx"].T + a_prev @ p["Wra"].T + p["br"])
    gamma_u = _sigmoid(xt @ p["Wux"].T + a_prev @ p["Wua"].T + p["bu"])
    c_tilde = np.tanh(xt @ p["Wcx"].T + p["bc"] + gamma_r * (a_prev @ p["Wca"].T + p["bca"]))
    return gamma_u * c_tilde + (1 - gamma_u) * a_prev


def _states(x, a0, params, carry=True):
    out, a = [], a0
    for t in range(x.shape[0]):
        a = _gru_step(x[t], a if carry else a0, params)
        out.append(a)
    return np.stack(out)


# ================================================================ encoder_final_state
F = "encoder_final_state"


@mistake(F, "state at the padded last step", "padded last step")
def _(x, lengths, a0, params):
    return _states(x, a0, params)[-1]


@mistake(F, "index lengths instead of lengths - 1", "off by one")
def _(x, lengths, a0, params):
    s = _states(x, a0, params)
    return s[np.minimum(lengths, x.shape[0] - 1), np.arange(x.shape[1])]


@mistake(F, "a0 replaced by zeros", "initial state a0 is ignored")
def _(x, lengths, a0, params):
    return _states(x, np.zeros_like(a0), params)[lengths - 1, np.arange(x.shape[1])]


@mistake(F, "every state returned", "all the states were returned")
def _(x, lengths, a0, params):
    return _states(x, a0, params)


@mistake(F, "first state returned", "the first state a[0]")
def _(x, lengths, a0, params):
    return _states(x, a0, params)[0]


@mistake(F, "state not carried", "not carried")
def _(x, lengths, a0, params):
    return _states(x, a0, params, carry=False)[lengths - 1, np.arange(x.shape[1])]


@mistake(F, "only the time axis indexed", "index both axes")
def _(x, lengths, a0, params):
    return _states(x, a0, params)[lengths - 1]


@mistake(F, "mean of the real states", "averaged")
def _(x, lengths, a0, params):
    s = _states(x, a0, params)
    return np.stack([s[:L, i].mean(axis=0) for i, L in enumerate(lengths)])


@mistake(F, "padded array reversed", "x[::-1] reverses the padded array")
def _(x, lengths, a0, params):
    return _states(x[::-1], a0, params)[-1]


# ================================================================ teacher_forced_logits
F = "teacher_forced_logits"


def _decoder(y_in, code, p, condition, start=None, code_first=False, tanh=True):
    N, n_a = code.shape[0], p["Wra"].shape[0]
    if condition == "input":
        a = np.zeros((N, n_a))
    else:
        z = code @ p["Wac"].T + p["bac"]
        a = np.tanh(z) if tanh else z
    a = a if start is None else start
    out = []
    for t in range(y_in.shape[0]):
        xt = p["E"][y_in[t]]
        if condition in ("input", "both"):
            xt = np.concatenate([code, xt] if code_first else [xt, code], axis=1)
        a = _gru_step(xt, a, p)
        out.append(a @ p["Wya"].T + p["by"])
    return np.stack(out)


def _shift(targets, start_id):
    return np.concatenate([np.full((1, targets.shape[1]), start_id), targets[:-1]])


@mistake(F, "targets read without a shift", "the token it must predict")
def _(targets, code, params, condition, start_id):
    return _decoder(targets, code, params, condition)


@mistake(F, "targets shifted left", "shifted the wrong way")
def _(targets, code, params, condition, start_id):
    y_in = np.concatenate([targets[1:], np.zeros((1, targets.shape[1]), dtype=targets.dtype)])
    return _decoder(y_in, code, params, condition)


@mistake(F, "pad read first instead of start_id", "must be start_id")
def _(targets, code, params, condition, start_id):
    return _decoder(_shift(targets, 0), code, params, condition)


@mistake(F, "decoder not started from the code", "not started from the code")
def _(targets, code, params, condition, start_id):
    N, n_a = code.shape[0], params["Wra"].shape[0]
    return _decoder(_shift(targets, start_id), code, params, condition, start=np.zeros((N, n_a)))


@mistake(F, "start state without tanh", "needs its tanh")
def _(targets, code, params, condition, start_id):
    return _decoder(_shift(targets, start_id), code, params, condition, tanh=False)


@mistake(F, "code concatenated first", "embedding first")
def _(targets, code, params, condition, start_id):
    return _decoder(_shift(targets, start_id), code, params, condition, code_first=True)


@mistake(F, "'both' treated as 'init'", "the code is missing from the inputs")
def _(targets, code, params, condition, start_id):
    if condition == "both":
        n_e = params["E"].shape[1]
        q = {k: (v[:, :n_e] if k in ("Wrx", "Wux", "Wcx") else v) for k, v in params.items()}
        return _decoder(_shift(targets, start_id), code, q, "init")
    return _decoder(_shift(targets, start_id), code, params, condition)


@mistake(F, "probabilities returned", "softmax was applied")
def _(targets, code, params, condition, start_id):
    z = _decoder(_shift(targets, start_id), code, params, condition)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@mistake(F, "batch-major logits", "time-major")
def _(targets, code, params, condition, start_id):
    return _decoder(_shift(targets, start_id), code, params, condition).swapaxes(0, 1)


# ================================================================ masked_cross_entropy
F = "masked_cross_entropy"


def _nll(logits, targets, stable=True):
    z = logits - logits.max(axis=-1, keepdims=True) if stable else logits
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def _mask(T, lengths, shift=0):
    return np.arange(T)[:, None] < np.asarray(lengths)[None, :] + shift


@mistake(F, "padding counted", "padding counted in the loss")
def _(logits, targets, lengths):
    return float(_nll(logits, targets).mean())


@mistake(F, "masked sum over all positions' count", "padding counted in the loss")
def _(logits, targets, lengths):
    return float((_nll(logits, targets) * _mask(len(logits), lengths)).sum() / targets.size)


@mistake(F, "sum, not mean", "not their sum")
def _(logits, targets, lengths):
    return float((_nll(logits, targets) * _mask(len(logits), lengths)).sum())


@mistake(F, "divided by N", "not divided by the number of examples")
def _(logits, targets, lengths):
    return float((_nll(logits, targets) * _mask(len(logits), lengths)).sum() / logits.shape[1])


@mistake(F, "mean per sequence, then over sequences", "not per sequence first")
def _(logits, targets, lengths):
    nll = _nll(logits, targets)
    return float(np.mean([nll[:L, i].mean() for i, L in enumerate(lengths)]))


@mistake(F, "mask includes one padded step", "the mask is off by one")
def _(logits, targets, lengths):
    m = _mask(len(logits), lengths, 1)
    return float((_nll(logits, targets) * m).sum() / m.sum())


@mistake(F, "wrong sign", "the sign")
def _(logits, targets, lengths):
    m = _mask(len(logits), lengths)
    return float(-(_nll(logits, targets) * m).sum() / m.sum())


@mistake(F, "softmax over time", "not over time")
def _(logits, targets, lengths):
    z = logits - logits.max(axis=0, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    m = _mask(len(logits), lengths)
    return float((nll * m).sum() / m.sum())


@mistake(F, "no max shift", "overflowed", visible=False)
def _(logits, targets, lengths):
    m = _mask(len(logits), lengths)
    with np.errstate(all="ignore"):
        return float((_nll(logits, targets, stable=False) * m).sum() / m.sum())


# ================================================================ greedy_generate
F = "greedy_generate"


def _greedy(code, p, condition, start_id, eos_id, max_len, pad_id, stop=True, eos_in=True, feed=True,
            from_code=True, batch_stop=False, count_eos=True, batch_major=False):
    N, n_a = code.shape[0], p["Wra"].shape[0]
    a = np.zeros((N, n_a)) if condition == "input" or not from_code else np.tanh(code @ p["Wac"].T + p["bac"])
    y = np.full(N, start_id)
    tokens = np.full((max_len, N), pad_id, dtype=np.int64)
    lengths = np.full(N, max_len, dtype=np.int64)
    done = np.zeros(N, dtype=bool)
    for t in range(max_len):
        xt = p["E"][y if feed else np.full(N, start_id)]
        if condition in ("input", "both"):
            xt = np.concatenate([xt, code], axis=1)
        a = _gru_step(xt, a, p)
        y = (a @ p["Wya"].T + p["by"]).argmax(axis=1)
        tokens[t] = np.where(done & stop, pad_id, y)
        lengths[~done & (y == eos_id)] = t + 1 if count_eos else t
        done |= y == eos_id
        if batch_stop and done.any():
            lengths[lengths == max_len] = t + 1
            break
        if done.all():
            break
    if not eos_in:
        tokens[tokens == eos_id] = pad_id
    return (tokens.T, lengths) if batch_major else (tokens, lengths)


@mistake(F, "does not stop at <EOS>", "does not stop at <EOS>")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, stop=False)


@mistake(F, "whole batch stops at the first <EOS>", "stops the whole batch")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, batch_stop=True)


@mistake(F, "<EOS> left out of the tokens", "belongs to the output")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, eos_in=False, count_eos=False)


@mistake(F, "start_id fed at every step", "feed the argmax back")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, feed=False)


@mistake(F, "decoder not started from the code", "not started from the code")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, from_code=False)


@mistake(F, "<EOS> not counted in lengths", "lengths count the <EOS>")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, count_eos=False)


@mistake(F, "batch-major tokens", "time-major")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    return _greedy(code, params, condition, start_id, eos_id, max_len, pad_id, batch_major=True)


@mistake(F, "float tokens", "dtype")
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    tokens, lengths = _greedy(code, params, condition, start_id, eos_id, max_len, pad_id)
    return tokens.astype(float), lengths


@mistake(F, "lengths 0 without <EOS>", "without <EOS> has length max_len", visible=False)
def _(code, params, condition="both", start_id=2, eos_id=2, max_len=20, pad_id=0):
    tokens, lengths = _greedy(code, params, condition, start_id, eos_id, max_len, pad_id)
    return tokens, np.where(lengths == max_len, 0, lengths)
