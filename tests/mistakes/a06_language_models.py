"""Realistic mistakes in assignment 06-language-models: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "06-language-models"

MUTANTS = [
    Mutant(A, "softmax over the time axis", "sequence_log_prob",
           "shifted = z - z.max(axis=-1, keepdims=True)\n    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
           "shifted = z - z.max(axis=0, keepdims=True)\n    logp = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))",
           "test_sequence_log_prob", "wrong axis"),
    Mutant(A, "mask ignored", "sequence_log_prob",
           "if mask is not None:", "if False:", "test_sequence_log_prob", "use the mask"),
    Mutant(A, "perplexity of the total", "perplexity",
           "np.exp(total_nll / n_tokens)", "np.exp(total_nll)", "test_perplexity", "average"),
    Mutant(A, "temperature applied after the softmax", "sample_next",
           "p = softmax(row / temperature)", "p = softmax(row) / temperature\n        p = p / p.sum()",
           "test_sample_next", "temperature has no effect"),
    Mutant(A, "<UNK> not resampled", "sample_next",
           "if k == UNK_ID:", "if False:", "test_sample_next", "<UNK> (id 1) was returned"),
    Mutant(A, "sample not fed back", "generate",
           "token = k  # the sample becomes the next input", "pass", "test_generate", "fed back"),
    Mutant(A, "<EOS> does not stop", "generate",
           "if k == EOS_ID:\n            break", "if k == EOS_ID:\n            pass", "test_generate", "must stop"),
    Mutant(A, "loss averaged instead of summed", "train_step",
           'reduction="sum"', 'reduction="mean"', "test_train_step", "averaged"),
    Mutant(A, "no clipping", "train_step",
           "grads, _ = clip_by_norm(grads, max_norm)", "pass", "test_train_step", "not clipped"),
    Mutant(A, "update uphill", "train_step",
           'p[k] - lr * grads["d" + k]', 'p[k] + lr * grads["d" + k]', "test_train_step", "uphill"),
]


UNK_ID, EOS_ID = 1, 2


def _log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ============================================================ 06 sequence_log_prob
F = "sequence_log_prob"


@mistake(F, "softmax over time", "softmax over the wrong axis")
def _(z, y, mask=None):
    shifted = z - z.max(axis=0, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
    return np.where(mask, picked, 0.0).sum(axis=0) if mask is not None else picked.sum(axis=0)


@mistake(F, "mask ignored", "use the mask")
def _(z, y, mask=None):
    return np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0].sum(axis=0)


@mistake(F, "mask inverted", "the mask is inverted")
def _(z, y, mask=None):
    picked = np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, 0.0, picked)
    return picked.sum(axis=0)


@mistake(F, "probability, not its log", "natural logarithm")
def _(z, y, mask=None):
    picked = np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return np.exp(picked.sum(axis=0))


@mistake(F, "negative log-likelihood", "negative log-likelihood")
def _(z, y, mask=None):
    picked = np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return -picked.sum(axis=0)


@mistake(F, "log base 2", "log base 2")
def _(z, y, mask=None):
    p = np.exp(_log_softmax(z))
    picked = np.log2(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return picked.sum(axis=0)


@mistake(F, "mean over time", "averaged over the time steps")
def _(z, y, mask=None):
    picked = np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0]
    if mask is None:
        return picked.mean(axis=0)
    return np.where(mask, picked, 0.0).sum(axis=0) / mask.sum(axis=0)


@mistake(F, "scores without softmax", "without the softmax")
def _(z, y, mask=None):
    picked = np.take_along_axis(z, y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return picked.sum(axis=0)


@mistake(F, "summed over the sequences", "summed over the sequences")
def _(z, y, mask=None):
    picked = np.take_along_axis(_log_softmax(z), y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return picked.sum(axis=1)


@mistake(F, "softmax without the max", "exp overflowed")
def _(z, y, mask=None):
    e = np.exp(z)
    logp = np.log(e / e.sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return picked.sum(axis=0)


@mistake(F, "product of probabilities, then log", "underflowed")
def _(z, y, mask=None):
    p = np.exp(_log_softmax(z))
    picked = np.take_along_axis(p, y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 1.0)
    return np.log(picked.prod(axis=0))


@mistake(F, "shifts z in place", "changed its argument z in place")
def _(z, y, mask=None):
    z -= z.max(axis=-1, keepdims=True)  # changes the caller's array
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
    if mask is not None:
        picked = np.where(mask, picked, 0.0)
    return picked.sum(axis=0)


# =================================================================== 06 perplexity
F = "perplexity"


@mistake(F, "total, not mean", "average the negative log-likelihood")
def _(total_nll, n_tokens):
    return float(np.exp(total_nll))


@mistake(F, "exp of the total divided by n", "average the negative log-likelihood")
def _(total_nll, n_tokens):
    return float(np.exp(total_nll) / n_tokens)


@mistake(F, "base 2", "use exp, not 2 **")
def _(total_nll, n_tokens):
    return float(2 ** (total_nll / n_tokens))


@mistake(F, "mean NLL only", "not the mean NLL itself")
def _(total_nll, n_tokens):
    return total_nll / n_tokens


@mistake(F, "sign", "the sign")
def _(total_nll, n_tokens):
    return float(np.exp(-total_nll / n_tokens))


@mistake(F, "integer division", "integer division")
def _(total_nll, n_tokens):
    return float(np.exp(total_nll // n_tokens))


@mistake(F, "log instead of exp", "not its log")
def _(total_nll, n_tokens):
    return float(np.log(total_nll / n_tokens))


# ================================================================== 06 sample_next
F = "sample_next"


@mistake(F, "temperature after the softmax", "temperature has no effect")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax(row[None])[0] / temperature
        p = p / p.sum()
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


@mistake(F, "temperature multiplies", "not multiply")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax((row * temperature)[None])[0]
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


@mistake(F, "<UNK> kept", "<UNK> (id 1) was returned")
def _(z, rng, temperature=1.0):
    return np.array([rng.choice(z.shape[1], p=_softmax((row / temperature)[None])[0]) for row in z])


@mistake(F, "<UNK> replaced by the argmax", "do not replace it by a fixed id")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax((row / temperature)[None])[0]
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = int(np.argmax(p))
        ids[i] = k
    return ids


@mistake(F, "greedy", "not the argmax")
def _(z, rng, temperature=1.0):
    s = (z / temperature).copy()
    s[:, UNK_ID] = -np.inf
    return np.argmax(s, axis=1)


@mistake(F, "redraw from the full distribution", "from the full distribution")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax((row / temperature)[None])[0]
        k = rng.choice(len(p), p=p)
        while k == UNK_ID:
            k = rng.choice(len(p), p=p)
        ids[i] = k
    return ids


@mistake(F, "softmax without the max", "exp overflowed")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        e = np.exp(row / temperature)
        p = e / e.sum()
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


@mistake(F, "float ids", "ids are integers")
def _(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0])
    for i, row in enumerate(z):
        p = _softmax((row / temperature)[None])[0]
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


@mistake(F, "one draw for every row", "not one draw for all rows")
def _(z, rng, temperature=1.0):
    p = _softmax((z[0] / temperature)[None])[0]
    k = rng.choice(len(p), p=p)
    if k == UNK_ID:
        p[UNK_ID] = 0.0
        k = rng.choice(len(p), p=p / p.sum())
    return np.full(z.shape[0], k, dtype=np.int64)


@mistake(F, "divides z in place", "changed its argument z in place")
def _(z, rng, temperature=1.0):
    z /= temperature  # changes the caller's array
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax(row[None])[0]
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


# ===================================================================== 06 generate
F = "generate"


def _good_sample_next(z, rng, temperature=1.0):
    ids = np.zeros(z.shape[0], dtype=np.int64)
    for i, row in enumerate(z):
        p = _softmax((row / temperature)[None])[0]
        k = rng.choice(len(p), p=p)
        if k == UNK_ID:
            p[UNK_ID] = 0.0
            k = rng.choice(len(p), p=p / p.sum())
        ids[i] = k
    return ids


def _unk_sample_next(z, rng, temperature=1.0):  # a sample_next that keeps <UNK>
    return np.array([rng.choice(z.shape[1], p=_softmax((row / temperature)[None])[0]) for row in z])


@mistake(F, "sample not fed back", "fed back")
def _(step, a0, rng, max_len, temperature=1.0):
    out, a = [], a0
    for _ in range(max_len):
        z, a = step(EOS_ID, a)
        k = int(_good_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
    return out


@mistake(F, "<EOS> returned", "<EOS> is not returned")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], EOS_ID, a0
    for _ in range(max_len):
        z, a = step(token, a)
        k = int(_good_sample_next(z, rng, temperature)[0])
        out.append(k)
        if k == EOS_ID:
            break
        token = k
    return out


@mistake(F, "state not carried", "the state must be carried")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token = [], EOS_ID
    for _ in range(max_len):
        z, _a = step(token, a0)
        k = int(_good_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


@mistake(F, "starts from <PAD>", "the first input must be <EOS>")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], 0, a0
    for _ in range(max_len):
        z, a = step(token, a)
        k = int(_good_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


@mistake(F, "one draw too few", "one draw too few")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], EOS_ID, a0
    for _ in range(max_len - 1):
        z, a = step(token, a)
        k = int(_good_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


@mistake(F, "one draw too many", "at most max_len")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], EOS_ID, a0
    while len(out) <= max_len:
        z, a = step(token, a)
        k = int(_good_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


@mistake(F, "temperature not passed on", "temperature must be passed on")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], EOS_ID, a0
    for _ in range(max_len):
        z, a = step(token, a)
        k = int(_good_sample_next(z, rng)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


@mistake(F, "draws that keep <UNK>", "its draws are those of a sample_next that returns <UNK>")
def _(step, a0, rng, max_len, temperature=1.0):
    out, token, a = [], EOS_ID, a0
    for _ in range(max_len):
        z, a = step(token, a)
        k = int(_unk_sample_next(z, rng, temperature)[0])
        if k == EOS_ID:
            break
        out.append(k)
        token = k
    return out


# =================================================================== 06 train_step
F = "train_step"


def _forward_backward(p, inputs, targets, a0, reduction="sum"):
    from rnncourse.rnn import output_backward, output_forward, rnn_backward, rnn_forward
    from rnncourse.losses import softmax_cross_entropy
    from rnncourse.vocab import one_hot
    x = one_hot(inputs, p["Wya"].shape[0])
    a, rnn_cache = rnn_forward(x, a0, p["Wax"], p["Waa"], p["ba"])
    z, out_cache = output_forward(a, p["Wya"], p["by"])
    loss, dz = softmax_cross_entropy(z, targets, reduction=reduction)
    og = output_backward(dz, out_cache)
    rg = rnn_backward(og["da"], rnn_cache)
    return loss, {"dWax": rg["dWax"], "dWaa": rg["dWaa"], "dba": rg["dba"], "dWya": og["dWya"], "dby": og["dby"]}


def _clip(grads, max_norm):
    from rnncourse.losses import clip_by_norm
    return clip_by_norm(grads, max_norm)[0]


@mistake(F, "no clipping", "not clipped")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    return loss, {k: params[k] - lr * grads["d" + k] for k in params}


@mistake(F, "each gradient clipped alone", "clipped by its own norm")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = {k: _clip({k: g}, max_norm)[k] for k, g in grads.items()}
    return loss, {k: params[k] - lr * grads["d" + k] for k in params}


@mistake(F, "clipped by value", "clipped by value")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
    return loss, {k: params[k] - lr * grads["d" + k] for k in params}


@mistake(F, "uphill", "uphill")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = _clip(grads, max_norm)
    return loss, {k: params[k] + lr * grads["d" + k] for k in params}


@mistake(F, "mean loss", "the loss was averaged")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0, reduction="mean")
    grads = _clip(grads, max_norm)
    return loss, {k: params[k] - lr * grads["d" + k] for k in params}


@mistake(F, "loss after the update", "BEFORE the update")
def _(params, inputs, targets, a0, lr, max_norm):
    _, grads = _forward_backward(params, inputs, targets, a0)
    grads = _clip(grads, max_norm)
    new = {k: params[k] - lr * grads["d" + k] for k in params}
    return _forward_backward(new, inputs, targets, a0)[0], new


@mistake(F, "a0 ignored", "a0 was ignored")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, np.zeros_like(a0))
    grads = _clip(grads, max_norm)
    return loss, {k: params[k] - lr * grads["d" + k] for k in params}


@mistake(F, "V from the data", "cannot be read from the data")
def _(params, inputs, targets, a0, lr, max_norm):
    from rnncourse.rnn import output_backward, output_forward, rnn_backward, rnn_forward
    from rnncourse.losses import softmax_cross_entropy
    from rnncourse.vocab import one_hot
    p = params
    x = one_hot(inputs, int(inputs.max()) + 1)
    a, rnn_cache = rnn_forward(x, a0, p["Wax"], p["Waa"], p["ba"])
    z, out_cache = output_forward(a, p["Wya"], p["by"])
    loss, dz = softmax_cross_entropy(z, targets, reduction="sum")
    og = output_backward(dz, out_cache)
    rg = rnn_backward(og["da"], rnn_cache)
    grads = _clip({"dWax": rg["dWax"], "dWaa": rg["dWaa"], "dba": rg["dba"], "dWya": og["dWya"],
                   "dby": og["dby"]}, max_norm)
    return loss, {k: p[k] - lr * grads["d" + k] for k in p}


@mistake(F, "updated in place", "changed its argument params in place")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = _clip(grads, max_norm)
    for k in params:
        params[k] -= lr * grads["d" + k]
    return loss, params


@mistake(F, "output layer not updated", "is unchanged")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = _clip(grads, max_norm)
    return loss, {k: params[k] - lr * grads["d" + k] if k in ("Wax", "Waa", "ba") else params[k] for k in params}


@mistake(F, "returns the gradients' keys", "no 'd'")
def _(params, inputs, targets, a0, lr, max_norm):
    loss, grads = _forward_backward(params, inputs, targets, a0)
    grads = _clip(grads, max_norm)
    return loss, {"d" + k: params[k] - lr * grads["d" + k] for k in params}
