"""Chapter 6 metrics: the log-probability of a sequence, perplexity and bits per character.

All three measure the same thing, the negative log-likelihood of held-out text:
nats per token ``nll / n``, perplexity ``exp(nll / n)`` (the effective number of
equally likely next tokens) and bits ``nll / (n ln 2)``.
"""
from __future__ import annotations

import math

import numpy as np

from .._guard import reference
from .._validate import as_float_array, as_int_array, check_positive_int, check_shape
from ..losses import log_softmax
from ._args import check_real

__all__ = ["sequence_log_prob", "perplexity", "bits_per_char", "uniform_bpc"]

_LN2 = math.log(2.0)


@reference
def sequence_log_prob(z, y, mask=None) -> np.ndarray:
    r"""Natural-log probability of each target sequence.

    :math:`\log P = \sum_t \log \mathrm{softmax}(z^{\langle t\rangle})_{y^{\langle t\rangle}}`.

    With teacher forcing (the inputs are the true previous tokens) this is
    :math:`\log P(y^{\langle 1\rangle}, \dots, y^{\langle T\rangle})` by the chain rule.

    Inputs:
    - z: scores ``(T, N, V)``.
    - y: integer targets ``(T, N)``, values in ``[0, V)``.
    - mask: optional bool ``(T, N)``; False steps (padding) add nothing.

    Returns an array ``(N,)`` of log-probabilities (<= 0).
    """
    z = as_float_array("z", z, ndim=3)
    T, N, V = z.shape
    y = as_int_array("y", y, ndim=2, low=0, high=V)
    check_shape("y", y, (T, N), "(T, N)")
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != np.bool_:
            raise ValueError(f"mask: expected a bool array, got dtype {mask.dtype}")
        check_shape("mask", mask, (T, N), "(T, N)")
    picked = np.take_along_axis(log_softmax(z), y[..., None], axis=-1)[..., 0]  # log P(y_t | past)
    if mask is not None:
        picked = np.where(mask, picked, 0.0)  # padding is not part of the sentence
    return picked.sum(axis=0)  # chain rule: the log of a product is the sum of logs


@reference
def perplexity(total_nll: float, n_tokens: int) -> float:
    """``exp(total_nll / n_tokens)``: the effective number of equally likely next tokens.

    Inputs:
    - total_nll: a sum of negative natural-log probabilities (nats), a finite number.
    - n_tokens: how many tokens were predicted (>= 1).

    Returns a float >= 1 for a real model (a model giving every token probability
    1/4 has perplexity 4).
    """
    n = check_positive_int("n_tokens", n_tokens)
    nll = check_real("total_nll", total_nll, positive=False)
    return float(np.exp(nll / n))  # geometric mean of 1 / P(token)


@reference
def bits_per_char(total_nll: float, n_chars: int) -> float:
    """``total_nll / (n_chars ln 2)``: the mean code length, in bits, of one character.

    Inputs:
    - total_nll: negative log-likelihood in nats (natural logs), a finite number.
    - n_chars: how many characters the text has (>= 1).

    Returns a float (bits per character; per token when n_chars counts tokens).
    """
    n = check_positive_int("n_chars", n_chars)
    nll = check_real("total_nll", total_nll, positive=False)
    return nll / (n * _LN2)  # log2 p = ln p / ln 2


@reference
def uniform_bpc(V: int) -> float:
    """Bits per token of the uniform distribution over ``V`` tokens: ``log2 V``.

    Inputs: V, the vocabulary size (>= 1). Returns a float.
    """
    V = check_positive_int("V", V)
    return float(np.log2(V))

