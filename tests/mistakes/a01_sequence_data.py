"""Realistic mistakes in assignment 01-sequence-data: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "01-sequence-data"

MUTANTS = [
    Mutant(A, "batch-major output", "pad_sequences",
           "return padded, lengths", "return padded.swapaxes(0, 1), lengths",
           "test_pad_sequences", "axes are swapped"),
    Mutant(A, "pad_value ignored", "pad_sequences",
           "pad_value,\n", "0,\n", "test_pad_sequences", "must hold pad_value"),
    Mutant(A, "mask off by one", "lengths_to_mask",
           "np.arange(T)[:, None] < lengths", "np.arange(T)[:, None] <= lengths",
           "test_lengths_to_mask", "off by one"),
    Mutant(A, "padding counted in the mean", "masked_mean",
           "/ np.sum(mask)", "/ np.size(values)", "test_masked_mean", "padding positions were counted"),
    Mutant(A, "0-based maths index", "token_at",
           "return padded[t - 1, i - 1]", "return padded[t, i]", "test_token_at", "off by one"),
    Mutant(A, "padding returned instead of IndexError", "token_at",
           "if not 1 <= t <= lengths[i - 1]:", "if not 1 <= t <= padded.shape[0]:",
           "test_token_at", "expected an IndexError"),
]


# ================================================================= 01 pad_sequences
F = "pad_sequences"


def _arrays(sequences):
    return [np.asarray(s) for s in sequences]


@mistake(F, "batch-major (N, T)", "time-major")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([len(a) for a in arrays])
    padded = np.full((len(arrays), max_len or lengths.max()) + arrays[0].shape[1:], pad_value,
                     dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[i, : len(a)] = a
    return padded, lengths


@mistake(F, "pad_value ignored (zeros)", "must hold pad_value")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([len(a) for a in arrays])
    padded = np.zeros((max_len or lengths.max(), len(arrays)) + arrays[0].shape[1:], dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[: len(a), i] = a
    return padded, lengths


@mistake(F, "padding before the sequence (left padding)", "padding goes after its end")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([len(a) for a in arrays])
    T = max_len or lengths.max()
    padded = np.full((T, len(arrays)) + arrays[0].shape[1:], pad_value, dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[T - len(a):, i] = a
    return padded, lengths


@mistake(F, "float array for integer ids (np.full without dtype)", "integer ids stay integers")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([len(a) for a in arrays])
    padded = np.full((max_len or lengths.max(), len(arrays)) + arrays[0].shape[1:], float(pad_value))
    for i, a in enumerate(arrays):
        padded[: len(a), i] = a
    return padded, lengths


@mistake(F, "lengths as floats", "expected dtype integer")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([float(len(a)) for a in arrays])
    padded = np.full((max_len or int(lengths.max()), len(arrays)) + arrays[0].shape[1:], pad_value,
                     dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[: len(a), i] = a
    return padded, lengths


@mistake(F, "lengths all equal to T", "not the padded length T")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    T = max_len or max(len(a) for a in arrays)
    padded = np.full((T, len(arrays)) + arrays[0].shape[1:], pad_value, dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[: len(a), i] = a
    return padded, np.full(len(arrays), T)


@mistake(F, "T taken as the number of sequences", "the length of the longest sequence")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    T = max_len or len(arrays)
    padded = np.full((T, len(arrays)) + arrays[0].shape[1:], pad_value, dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[: min(len(a), T), i] = a[:T]
    return padded, np.array([len(a) for a in arrays])


@mistake(F, "max_len ignored", "max_len was ignored")
def _(sequences, pad_value=0, max_len=None):
    arrays = _arrays(sequences)
    lengths = np.array([len(a) for a in arrays])
    padded = np.full((lengths.max(), len(arrays)) + arrays[0].shape[1:], pad_value, dtype=np.result_type(*arrays))
    for i, a in enumerate(arrays):
        padded[: len(a), i] = a
    return padded, lengths


@mistake(F, "padded the caller's sequences in place", "changed its argument sequences")
def _(sequences, pad_value=0, max_len=None):
    T = max_len or max(len(s) for s in sequences)
    lengths = np.array([len(s) for s in sequences])
    for i, s in enumerate(sequences):
        sequences[i] = np.concatenate([s, np.full((T - len(s),) + np.shape(s)[1:], pad_value, dtype=s.dtype)])
    return np.stack(sequences, axis=1), lengths


# =============================================================== 01 lengths_to_mask
F = "lengths_to_mask"


@mistake(F, "t <= length", "off by one")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = lengths.max() if max_len is None else max_len
    return np.arange(T)[:, None] <= lengths


@mistake(F, "steps counted from 1", "not 1, ..., T")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = lengths.max() if max_len is None else max_len
    return np.arange(1, T + 1)[:, None] < lengths


@mistake(F, "max_len ignored", "max_len was ignored")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    return np.arange(lengths.max())[:, None] < lengths


@mistake(F, "integer mask", "expected dtype bool")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = lengths.max() if max_len is None else max_len
    return (np.arange(T)[:, None] < lengths).astype(int)


@mistake(F, "batch-major (N, T)", "time-major")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = lengths.max() if max_len is None else max_len
    return lengths[:, None] > np.arange(T)[None, :]


@mistake(F, "True at the padding", "not the other way round")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = lengths.max() if max_len is None else max_len
    return np.arange(T)[:, None] >= lengths


@mistake(F, "T taken as the number of examples", "not the number of examples N")
def _(lengths, max_len=None):
    lengths = np.asarray(lengths)
    T = len(lengths) if max_len is None else max_len
    return np.arange(T)[:, None] < lengths


# =================================================================== 01 masked_mean
F = "masked_mean"


@mistake(F, "divided by the number of entries", "padding positions were counted")
def _(values, mask):
    return float(np.sum(values * mask) / values.size)


@mistake(F, "padding values in the sum", "padding values were included in the sum")
def _(values, mask):
    return float(values.sum() / mask.sum())


@mistake(F, "plain mean", "the plain mean of all entries")
def _(values, mask):
    return float(np.mean(values))


@mistake(F, "sum instead of mean", "the sum was returned")
def _(values, mask):
    return float(np.sum(values[mask]))


@mistake(F, "mask inverted", "average where it is True")
def _(values, mask):
    return float(values[~mask].mean())


@mistake(F, "mean of per-example means", "weights short sequences more")
def _(values, mask):
    per_example = (values * mask).sum(axis=0) / mask.sum(axis=0)
    return float(per_example.mean())


@mistake(F, "per-example means returned", "along one axis only")
def _(values, mask):
    return (values * mask).sum(axis=0) / mask.sum(axis=0)


@mistake(F, "padding zeroed in the caller's values", "changed its argument values")
def _(values, mask):
    values[~mask] = 0.0
    return float(values.sum() / mask.sum())


# ====================================================================== 01 token_at
F = "token_at"


@mistake(F, "0-based maths indices", "maths indices start at 1")
def _(padded, lengths, i, t):
    if not 0 <= t < lengths[i]:
        raise IndexError(t)
    return padded[t, i]


@mistake(F, "batch-major reading", "not padded[i - 1, t - 1]")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or not 1 <= t <= lengths[i - 1]:
        raise IndexError(t)
    return padded[i - 1, t - 1]


@mistake(F, "padding returned (bound T instead of T_x^(i))", "points into the padding")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or not 1 <= t <= padded.shape[0]:
        raise IndexError(t)
    return padded[t - 1, i - 1]


@mistake(F, "last step rejected (t < T_x^(i))", "the bounds are inclusive")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or not 1 <= t < lengths[i - 1]:
        raise IndexError(t)
    return padded[t - 1, i - 1]


@mistake(F, "length of the wrong example (lengths[i])", "lengths[i - 1]")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or not 1 <= t <= lengths[i]:
        raise IndexError(t)
    return padded[t - 1, i - 1]


@mistake(F, "no lower bound on t (t = 0 reads the last row)", "steps count from 1")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or t > lengths[i - 1]:
        raise IndexError(t)
    return padded[t - 1, i - 1]


@mistake(F, "i not checked (i = 0 reads the last example)", "examples count from 1", visible=False)
def _(padded, lengths, i, t):
    if not 1 <= t <= lengths[i - 1]:
        raise IndexError(t)
    return padded[t - 1, i - 1]


@mistake(F, "ValueError instead of IndexError", "expected an IndexError")
def _(padded, lengths, i, t):
    if not 1 <= i <= padded.shape[1] or not 1 <= t <= lengths[i - 1]:
        raise ValueError(f"no step {t} in example {i}")
    return padded[t - 1, i - 1]
