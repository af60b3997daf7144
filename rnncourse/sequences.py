"""Chapter 1: batches of variable-length sequences, masks and index notation.

Layout convention (used by every chapter): a batch of sequences is
**time-major**, ``(T, N)`` for token ids or ``(T, N, n_x)`` for feature
vectors, where ``T`` is the length of the longest sequence and ``N`` the number
of examples. Example ``i`` (0-based in code) has length ``lengths[i]``; the
positions ``t >= lengths[i]`` hold padding and are switched off by the mask.

The maths is 1-based: :math:`x^{(i)\\langle t\\rangle}` is step ``t`` of
example ``i`` with ``1 <= t <= T_x^{(i)}``. In code that element is
``padded[t - 1, i - 1]`` -- :func:`token_at` is the one place that does the
translation.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, as_int_array, check_positive_int, check_shape
from ._guard import reference

__all__ = ["pad_sequences", "lengths_to_mask", "masked_mean", "token_at", "unpad"]


@reference
def pad_sequences(sequences, pad_value=0, max_len: int | None = None):
    """Stack sequences of different lengths into one time-major array.

    Inputs:
    - sequences: list of N arrays; sequence i has shape ``(T_i,)`` (token ids)
      or ``(T_i, n_x)`` (feature vectors). All must have the same trailing
      shape; lengths may be 0.
    - pad_value: value written into positions past the end of a sequence.
    - max_len: length T of the result; default ``max(T_i)``. Must be
      ``>= max(T_i)`` (this function never truncates).

    Returns a tuple ``(padded, lengths)``:
    - padded: array of shape ``(T, N)`` or ``(T, N, n_x)``, with
      ``padded[t, i] = sequences[i][t]`` for ``t < T_i`` and ``pad_value``
      elsewhere. Its dtype is the common dtype of the sequences.
    - lengths: int64 array of shape ``(N,)`` holding ``T_i``.
    """
    if isinstance(sequences, np.ndarray) or not hasattr(sequences, "__len__"):
        raise ValueError(f"sequences: expected a list of arrays, got {type(sequences).__name__}")
    if len(sequences) == 0:
        raise ValueError("sequences: expected at least one sequence, got an empty list")
    arrays = [np.asarray(s) for s in sequences]
    for i, a in enumerate(arrays):
        if a.ndim not in (1, 2):
            raise ValueError(f"sequences[{i}]: expected shape (T_i,) or (T_i, n_x), got {a.shape}")
        if a.ndim != arrays[0].ndim or a.shape[1:] != arrays[0].shape[1:]:
            raise ValueError(
                f"sequences[{i}]: expected trailing shape {arrays[0].shape[1:]} like sequences[0], "
                f"got shape {a.shape}")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    longest = int(lengths.max())
    T = longest if max_len is None else check_positive_int("max_len", max_len, allow_zero=True)
    if T < longest:
        raise ValueError(f"max_len: expected >= the longest sequence ({longest}), got {T}")
    dtype = np.result_type(*arrays)
    if isinstance(pad_value, bool) or not isinstance(pad_value, (int, float, np.number)):
        raise ValueError(f"pad_value: expected a number, got {type(pad_value).__name__} {pad_value!r}")
    if dtype.kind in "iub" and not (np.isfinite(pad_value) and float(pad_value) == int(pad_value)):
        # numpy would write NaN or 0.5 into integer ids as some arbitrary integer
        raise ValueError(f"pad_value: {pad_value!r} cannot be stored in the sequences' dtype {dtype} "
                         "(give float sequences for a non-integer pad_value)")
    padded = np.full((T, len(arrays)) + arrays[0].shape[1:], pad_value, dtype=dtype)
    for i, a in enumerate(arrays):
        padded[: a.shape[0], i] = a  # column i holds example i, time runs down the rows
    return padded, lengths


@reference
def lengths_to_mask(lengths, max_len: int | None = None) -> np.ndarray:
    """Boolean mask of the real (non-padding) positions of a batch.

    Inputs:
    - lengths: integer array of shape ``(N,)``, every entry ``>= 0``.
    - max_len: number of rows T of the mask; default ``max(lengths)``.

    Returns:
    - mask: bool array of shape ``(T, N)`` with ``mask[t, i] = t < lengths[i]``.
    """
    lengths = as_int_array("lengths", lengths, ndim=1, low=0)
    if lengths.size == 0:
        raise ValueError("lengths: expected at least one length, got shape (0,)")
    longest = int(lengths.max())
    T = longest if max_len is None else check_positive_int("max_len", max_len, allow_zero=True)
    if T < longest:
        raise ValueError(f"max_len: expected >= max(lengths) = {longest}, got {T}")
    # column vector of times against row vector of lengths -> (T, N) by broadcasting
    return np.arange(T)[:, None] < lengths[None, :]


@reference
def masked_mean(values, mask) -> float:
    """Mean of ``values`` over the positions where ``mask`` is True.

    This is how a per-step loss of a padded batch is averaged: padding steps
    must neither add to the sum nor to the count.

    Inputs:
    - values: float array of shape ``(T, N)``.
    - mask: bool array of shape ``(T, N)`` with at least one True entry.

    Returns:
    - the mean as a Python float.
    """
    values = as_float_array("values", values, ndim=2)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise ValueError(f"mask: expected a bool array, got dtype {mask.dtype}")
    check_shape("mask", mask, values.shape, "(T, N)")
    count = int(mask.sum())
    if count == 0:
        raise ValueError("mask: expected at least one True entry, got none")
    # where(mask, values, 0) keeps NaN/inf in padding out of the sum
    return float(np.where(mask, values, 0.0).sum() / count)


@reference
def token_at(padded, lengths, i: int, t: int):
    """Return :math:`x^{(i)\\langle t\\rangle}`: step t of example i, both 1-based.

    Inputs:
    - padded: array of shape ``(T, N)`` or ``(T, N, n_x)`` (time-major).
    - lengths: integer array of shape ``(N,)``.
    - i: example number, ``1 <= i <= N``.
    - t: time step, ``1 <= t <= T_x^{(i)} = lengths[i - 1]``.

    Returns:
    - ``padded[t - 1, i - 1]`` (a scalar or an array of shape ``(n_x,)``).

    Raises ``IndexError`` when ``i`` or ``t`` is out of range -- in
    particular when ``t`` points into the padding of example i.
    """
    padded = np.asarray(padded)
    if padded.ndim not in (2, 3):
        raise ValueError(f"padded: expected shape (T, N) or (T, N, n_x), got {padded.shape}")
    lengths = as_int_array("lengths", lengths, ndim=1, low=0, high=padded.shape[0] + 1)
    check_shape("lengths", lengths, (padded.shape[1],), "(N,)")
    N = padded.shape[1]
    if not 1 <= i <= N:
        raise IndexError(f"i: expected 1 <= i <= N = {N}, got {i}")
    T_i = int(lengths[i - 1])
    if not 1 <= t <= T_i:
        raise IndexError(f"t: expected 1 <= t <= T_x^({i}) = {T_i}, got {t}")
    return padded[t - 1, i - 1]


@reference
def unpad(padded, lengths) -> list:
    """Inverse of :func:`pad_sequences`: the list of N unpadded sequences.

    Inputs:
    - padded: array of shape ``(T, N)`` or ``(T, N, n_x)``.
    - lengths: integer array of shape ``(N,)`` with entries ``<= T``.

    Returns:
    - list of N arrays, item i of shape ``(lengths[i],)`` or ``(lengths[i], n_x)``.
    """
    padded = np.asarray(padded)
    if padded.ndim not in (2, 3):
        raise ValueError(f"padded: expected shape (T, N) or (T, N, n_x), got {padded.shape}")
    lengths = as_int_array("lengths", lengths, ndim=1, low=0, high=padded.shape[0] + 1)
    check_shape("lengths", lengths, (padded.shape[1],), "(N,)")
    return [padded[: lengths[i], i].copy() for i in range(padded.shape[1])]
