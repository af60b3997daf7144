r"""Chapter 10: sequence-to-sequence autoencoders (encoder, code vector, conditioned decoder).

An **encoder** GRU reads a padded batch of source sequences and keeps, for each
example, its state after its last *real* step (never a state computed over the
padding): that state is the **code** c of the sequence. A bidirectional encoder
also runs a GRU over each sequence reversed within its own length and
concatenates the two final states, ``c = [a→^<T_x>; a←^<1>]``.

A **decoder** GRU generates the output sequence conditioned on c in one of the
three ways of Goodfellow et al. (chapter 10, "context-based" models):

.. math::

    \text{"init"}:\quad & a^{\langle 0\rangle} = \tanh(W_{ac} c + b_{ac}), \quad
        x^{\langle t\rangle} = E[y^{\langle t-1\rangle}] \\
    \text{"input"}:\quad & a^{\langle 0\rangle} = 0, \quad
        x^{\langle t\rangle} = [E[y^{\langle t-1\rangle}];\ c] \\
    \text{"both"}:\quad & a^{\langle 0\rangle} = \tanh(W_{ac} c + b_{ac}), \quad
        x^{\langle t\rangle} = [E[y^{\langle t-1\rangle}];\ c]

then :math:`\hat y^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{\langle t\rangle} + b_y)`.
With **teacher forcing** :math:`y^{\langle 0\rangle}` is the start symbol and
:math:`y^{\langle t-1\rangle}` the *true* previous target; at generation time it is
the model's own previous choice (greedy or beam search), until ``<EOS>``.

Arrays are time-major: ids ``(T, N)``, embedded inputs ``(T, N, n_x)``, logits
``(T, N, V)``. The recurrent unit is the GRU of :mod:`rnncourse.gru` in its
``"torch"`` form, so a trained ``nn.GRU`` converts exactly
(:mod:`rnncourse.seq2seq_torch` holds the PyTorch twins and the bridge; greedy
decoding and beam search are in :mod:`rnncourse.seq2seq_decode`).

Decoder parameters (a dict): ``E (V, n_e)``; the GRU keys of
:func:`rnncourse.gru.init_gru_params` (form ``"torch"``) with input width
``n_e`` ("init") or ``n_e + n_c`` ("input", "both"); ``Wya (V, n_a)``, ``by (V,)``;
and for "init"/"both" ``Wac (n_a, n_c)``, ``bac (n_a,)``. Encoder parameters: the
GRU keys, plus the same keys with the suffix ``_reverse`` for a bidirectional
encoder (PyTorch's ``weight_ih_l0_reverse``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the recurrent unit and the loss: the only place this module imports them from
from .gru import gru_backward, gru_forward, init_gru_params
from .losses import softmax_cross_entropy
from .bidirectional import reverse_padded  # chapter 8's: each example reversed within its own length

from ._guard import reference
from ._validate import as_float_array, as_int_array, check_positive_int, check_shape

__all__ = ["CONDITIONS", "FORM", "EncoderCache", "DecoderCache", "last_real_state",
           "encoder_forward", "encoder_backward", "decoder_inputs", "decoder_forward", "decoder_backward",
           "sequence_cross_entropy", "teacher_forced_step",
           "init_encoder_params", "init_decoder_params"]

CONDITIONS = ("init", "input", "both")
FORM = "torch"  # the GRU form used throughout: reset gate after the product, as nn.GRU
_GRU_KEYS = ("Wrx", "Wux", "Wcx", "Wra", "Wua", "Wca", "br", "bu", "bc", "bca")


# ----------------------------------------------------------------- helpers
def _condition(condition):
    if condition not in CONDITIONS:
        raise ValueError(f"condition: expected one of {CONDITIONS}, got {condition!r}")
    return condition


def _lengths(lengths, N, T):
    lengths = as_int_array("lengths", lengths, ndim=1)
    check_shape("lengths", lengths, (N,), "(N,)")
    if N and (lengths.min() < 1 or lengths.max() > T):
        raise ValueError(f"lengths: expected values in [1, T = {T}], got {lengths.tolist()}")
    return lengths


def _gru(params, suffix=""):
    """The GRU keys of ``params`` (those ending in ``suffix``), without the suffix."""
    missing = [k + suffix for k in _GRU_KEYS[:-1] if k + suffix not in params]
    if missing:
        raise ValueError(f"params: expected the GRU key {missing[0]!r}, got keys {sorted(params)}")
    out = {k: params[k + suffix] for k in _GRU_KEYS if k + suffix in params}
    return out


@reference
def last_real_state(a, lengths):
    """The state of each example after its last real step.

    Inputs: a: states a^<1..T> ``(T, N, n_a)``; lengths ``(N,)``, each in ``[1, T]``.

    Returns ``(N, n_a)``: row i is ``a[lengths[i] - 1, i]`` (step T_x^(i), counted
    from 1 in the book, 0-based in code). ``a[-1]`` would be a state computed over
    the padding of every shorter example.
    """
    a = as_float_array("a", a, ndim=3)
    T, N, _ = a.shape
    lengths = _lengths(lengths, N, T)
    return a[lengths - 1, np.arange(N)].copy()


# ----------------------------------------------------------------- encoder
@dataclass(frozen=True)
class EncoderCache:
    """Cache of :func:`encoder_forward`: lengths ``(N,)``, the forward GRU's cache and, for a
    bidirectional encoder, the reverse GRU's cache (run on :func:`reverse_padded` x) or None."""
    lengths: np.ndarray
    forward: object
    reverse: object
    n_a: int


@reference
def encoder_forward(x, lengths, params, a0=None, bidirectional: bool = False):
    """Encode a padded batch into one code vector per sequence.

    Inputs:
    - x: embedded inputs ``(T, N, n_x)``, padded after each example's length.
    - lengths: ``(N,)`` ints in ``[1, T]``.
    - params: GRU parameters (form "torch"); a bidirectional encoder also needs the
      same keys with the suffix ``_reverse``.
    - a0: initial state ``(N, n_a)`` (``(2, N, n_a)`` if bidirectional: forward,
      reverse, as ``nn.GRU``'s ``h0``); None means zeros.
    - bidirectional: also read each sequence backwards.

    Returns ``(code, cache)``: code ``(N, n_a)`` -- the last real state of each
    example -- or ``(N, 2 n_a)`` = ``[forward final | reverse final]``, and an
    :class:`EncoderCache`.
    """
    x = as_float_array("x", x, ndim=3)
    T, N, _ = x.shape
    lengths = _lengths(lengths, N, T)
    P = _gru(params)
    n_a = P["Wra"].shape[0]
    a0 = np.zeros((2 if bidirectional else 1, N, n_a), x.dtype) if a0 is None else as_float_array("a0", a0)
    if a0.ndim == 2 and not bidirectional:
        a0 = a0[None]
    check_shape("a0", a0, (2 if bidirectional else 1, N, n_a), "(2, N, n_a)" if bidirectional else "(N, n_a)")
    a, cache_f = gru_forward(x, a0[0], P, form=FORM)
    code = last_real_state(a, lengths)  # a^<T_x^(i)> of each example, never a state over its padding
    cache_r = None
    if bidirectional:
        x_rev = reverse_padded(x, lengths)  # each example read from its own last real step backwards
        a_rev, cache_r = gru_forward(x_rev, a0[1], _gru(params, "_reverse"), form=FORM)
        # the reverse run's last real state has read x^<1>: the backward direction's final state
        code = np.concatenate([code, last_real_state(a_rev, lengths)], axis=1)
    return code, EncoderCache(lengths, cache_f, cache_r, n_a)


@reference
def encoder_backward(dcode, cache: EncoderCache) -> dict:
    """Gradients of :func:`encoder_forward`.

    Inputs: dcode: dL/dcode ``(N, n_a)`` or ``(N, 2 n_a)``; cache: :class:`EncoderCache`.

    Returns a dict: ``dx (T, N, n_x)``, ``da0`` (``(N, n_a)``, or ``(2, N, n_a)`` if
    bidirectional) and ``"d" + key`` for every GRU parameter (``..._reverse`` too).
    """
    if not isinstance(cache, EncoderCache):
        raise ValueError(f"cache: expected an EncoderCache, got {type(cache).__name__}")
    T, N, H = cache.forward.a.shape
    width = 2 * H if cache.reverse is not None else H
    dcode = as_float_array("dcode", dcode, ndim=2)
    check_shape("dcode", dcode, (N, width), "(N, code size)")
    idx = (cache.lengths - 1, np.arange(N))

    def through(c, d):
        da = np.zeros((T, N, H), np.result_type(d, c.a))
        da[idx] = d  # only the last real step of each example reached the code
        return gru_backward(da, c)

    g = through(cache.forward, dcode[:, :H])
    grads = {k: v for k, v in g.items() if k not in ("dx", "da0")}
    dx, da0 = g["dx"], g["da0"]
    if cache.reverse is not None:
        gr = through(cache.reverse, dcode[:, H:])
        grads.update({k + "_reverse": v for k, v in gr.items() if k not in ("dx", "da0")})
        dx = dx + reverse_padded(gr["dx"], cache.lengths)  # the reversal is its own inverse
        da0 = np.stack([da0, gr["da0"]])
    return {"dx": dx, "da0": da0, **grads}


# ----------------------------------------------------------------- decoder
@reference
def decoder_inputs(targets, start_id: int):
    """Teacher forcing: the decoder reads the targets shifted one step to the right.

    Inputs: targets ``(T, N)`` ids (each sequence followed by ``<EOS>``, then padding);
    start_id: the id read at the first step (the course uses ``<EOS>`` = 2, "a
    sentence begins").

    Returns ``(T, N)`` int64: ``y_in[0] = start_id`` and ``y_in[t] = targets[t - 1]``,
    so that the decoder predicts targets[t] having read targets[0..t-1]. The last
    target is never read.
    """
    targets = as_int_array("targets", targets, ndim=2, low=0)
    if isinstance(start_id, bool) or not isinstance(start_id, (int, np.integer)) or start_id < 0:
        raise ValueError(f"start_id: expected an id >= 0, got {start_id!r}")
    y_in = np.empty_like(targets)
    y_in[:1] = start_id
    y_in[1:] = targets[:-1]  # shift right: the input at step t is the target of step t - 1
    return y_in


def _dec_check(params, condition, n_c):
    for k in ("E", "Wya", "by"):
        if k not in params:
            raise ValueError(f"params: expected the decoder key {k!r}, got keys {sorted(params)}")
    P = _gru(params)
    E, Wya, by = (as_float_array(k, params[k], ndim=d) for k, d in (("E", 2), ("Wya", 2), ("by", 1)))
    V, n_e = E.shape
    n_a = P["Wra"].shape[0]
    n_x = n_e + (n_c if condition in ("input", "both") else 0)
    check_shape("params['Wrx']", np.asarray(P["Wrx"]), (n_a, n_x),
                f"(n_a, n_e{' + n_c' if n_x != n_e else ''})")
    check_shape("params['Wya']", Wya, (V, n_a), "(V, n_a)")
    check_shape("params['by']", by, (V,), "(V,)")
    if condition in ("init", "both"):
        for k, shape, lab in (("Wac", (n_a, n_c), "(n_a, n_c)"), ("bac", (n_a,), "(n_a,)")):
            if k not in params:
                raise ValueError(f"params: condition {condition!r} needs the key {k!r}")
            check_shape(f"params[{k!r}]", np.asarray(params[k]), shape, lab)
    return P, E, Wya, by, V, n_e, n_a


def _start_state(code, params, condition, n_a):
    if condition == "input":
        return np.zeros((code.shape[0], n_a), code.dtype)  # the code enters only through the inputs
    return np.tanh(code @ params["Wac"].T + params["bac"])  # a^<0> = tanh(W_ac c + b_ac)


def _step_input(emb, code, condition):
    if condition == "init":
        return emb
    return np.concatenate([emb, np.broadcast_to(code, emb.shape[:-1] + code.shape[-1:])], axis=-1)


@dataclass(frozen=True)
class DecoderCache:
    """Cache of :func:`decoder_forward`: y_in ``(T, N)``, code ``(N, n_c)``, a0 ``(N, n_a)``, the
    GRU cache, the states a ``(T, N, n_a)``, condition, V and n_e."""
    y_in: np.ndarray
    code: np.ndarray
    a0: np.ndarray
    gru: object
    a: np.ndarray
    condition: str
    params: dict


@reference
def decoder_forward(y_in, code, params, condition: str = "both"):
    """Teacher-forced decoder: logits of every step given the previous true tokens.

    Inputs:
    - y_in: ids read by the decoder ``(T, N)`` (see :func:`decoder_inputs`).
    - code: code vectors ``(N, n_c)``.
    - params: decoder parameters (module docstring).
    - condition: ``"init"``, ``"input"`` or ``"both"`` (module docstring).

    Returns ``(logits, cache)``: ``(T, N, V)`` unnormalised log-probabilities
    ``W_ya a^<t> + b_y``, and a :class:`DecoderCache`.
    """
    condition = _condition(condition)
    code = as_float_array("code", code, ndim=2)
    P, E, Wya, by, V, n_e, n_a = _dec_check(params, condition, code.shape[1])
    y_in = as_int_array("y_in", y_in, ndim=2, low=0, high=V)
    check_shape("y_in", y_in, (None, code.shape[0]), "(T, N)")
    a0 = _start_state(code, params, condition, n_a)
    x = _step_input(E[y_in], code, condition)  # embedding row lookup, plus the code at every step
    a, gcache = gru_forward(x, a0, P, form=FORM)
    logits = a @ Wya.T + by  # one score per vocabulary entry and step
    return logits, DecoderCache(y_in, code, a0, gcache, a, condition, params)


@reference
def decoder_backward(dlogits, cache: DecoderCache) -> dict:
    """Gradients of :func:`decoder_forward`.

    Inputs: dlogits: dL/dlogits ``(T, N, V)``; cache: :class:`DecoderCache`.

    Returns a dict: ``dcode (N, n_c)`` (both routes of the code summed), ``dE``,
    ``dWya``, ``dby``, the GRU gradients ``dWrx, ..., dbca`` and, for "init"/"both",
    ``dWac``, ``dbac``; each of its parameter's shape.
    """
    if not isinstance(cache, DecoderCache):
        raise ValueError(f"cache: expected a DecoderCache, got {type(cache).__name__}")
    p, a = cache.params, cache.a
    T, N, n_a = a.shape
    V, n_e = np.shape(p["E"])
    dlogits = as_float_array("dlogits", dlogits, ndim=3)
    check_shape("dlogits", dlogits, (T, N, V), "(T, N, V)")
    flat = dlogits.reshape(T * N, V)
    grads = {"dWya": flat.T @ a.reshape(T * N, n_a), "dby": flat.sum(axis=0)}  # shared over steps: summed
    g = gru_backward(dlogits @ p["Wya"], cache.gru)  # da^<t> from the output of every step
    grads.update({k: v for k, v in g.items() if k not in ("dx", "da0")})
    dE = np.zeros((V, n_e), g["dx"].dtype)
    np.add.at(dE, cache.y_in.reshape(-1), g["dx"][..., :n_e].reshape(T * N, n_e))  # a token read twice gets both
    grads["dE"] = dE
    dcode = np.zeros_like(cache.code, dtype=g["dx"].dtype)
    if cache.condition in ("input", "both"):
        dcode += g["dx"][..., n_e:].sum(axis=0)  # the code was read at every step
    if cache.condition in ("init", "both"):
        dz = g["da0"] * (1.0 - cache.a0 ** 2)  # tanh' = 1 - tanh^2
        grads["dWac"], grads["dbac"] = dz.T @ cache.code, dz.sum(axis=0)
        dcode += dz @ p["Wac"]
    grads["dcode"] = dcode
    return grads


@reference
def sequence_cross_entropy(logits, targets, lengths):
    """Masked cross-entropy of a padded batch, averaged over the real tokens.

    Inputs: logits ``(T, N, V)``; targets ``(T, N)`` ids; lengths ``(N,)``: example i
    has ``lengths[i]`` real targets (its ``<EOS>`` included), the rest is padding.

    Returns ``(loss, dlogits)``: :math:`\\frac{1}{\\sum_i T^{(i)}}\\sum_i\\sum_{t \\le T^{(i)}}
    -\\log \\hat y^{\\langle t\\rangle}_{y^{\\langle t\\rangle}}` (``F.cross_entropy`` with
    ``ignore_index`` on the padding) and its gradient ``(T, N, V)`` (zero on padding).
    """
    logits = as_float_array("logits", logits, ndim=3)
    T, N, V = logits.shape
    targets = as_int_array("targets", targets, ndim=2, low=0, high=V)
    check_shape("targets", targets, (T, N), "(T, N)")
    lengths = _lengths(lengths, N, T)
    mask = np.arange(T)[:, None] < lengths[None, :]  # True on the real steps only
    return softmax_cross_entropy(logits, targets, mask=mask, reduction="mean")


@reference
def teacher_forced_step(encoder, decoder, source, source_lengths, condition: str = "both",
                        reverse_source: bool = False, start_id: int = 2, eos_id: int = 2,
                        pad_id: int = 0, bidirectional: bool = False):
    """Loss and gradients of one teacher-forced autoencoder batch (reconstruct the source).

    Inputs:
    - encoder: encoder parameters plus ``E_src (V, n_e)`` (the source embedding).
    - decoder: decoder parameters (module docstring).
    - source: ids ``(T, N)`` padded with ``pad_id``; source_lengths ``(N,)`` (no ``<EOS>``).
    - condition, bidirectional: as in :func:`decoder_forward`, :func:`encoder_forward`.
    - reverse_source: the encoder reads each source reversed (Sutskever et al. 2014);
      the target stays in the original order.

    Returns ``(loss, grads)``: the mean cross-entropy over the real target tokens
    (the words and ``<EOS>``), and ``{"encoder": {...}, "decoder": {...}}`` with
    ``"d" + key`` for every parameter of each. An SGD update is
    ``p[k] -= lr * grads[...]["d" + k]``.
    """
    if "E_src" not in encoder:
        raise ValueError(f"encoder: expected the source embedding 'E_src' (V, n_e), got keys {sorted(encoder)}")
    E_src = as_float_array("encoder['E_src']", encoder["E_src"], ndim=2)
    source = as_int_array("source", source, ndim=2, low=0, high=E_src.shape[0])
    T, N = source.shape
    lengths = _lengths(source_lengths, N, T)
    seen = reverse_padded(source, lengths) if reverse_source else source
    x, enc_in = E_src[seen], seen  # row lookup of each source id
    code, ecache = encoder_forward(x, lengths, encoder, bidirectional=bidirectional)
    targets = np.full((T + 1, N), pad_id, np.int64)  # the words, then <EOS>, then padding
    targets[:T] = np.where(np.arange(T)[:, None] < lengths, source, pad_id)
    targets[lengths, np.arange(N)] = eos_id
    logits, dcache = decoder_forward(decoder_inputs(targets, start_id), code, decoder, condition)
    loss, dlogits = sequence_cross_entropy(logits, targets, lengths + 1)
    gd = decoder_backward(dlogits, dcache)
    ge = encoder_backward(gd.pop("dcode"), ecache)
    dE_src = np.zeros_like(E_src, dtype=ge["dx"].dtype)
    np.add.at(dE_src, enc_in.reshape(-1), ge["dx"].reshape(T * N, -1))
    ge = {k: v for k, v in ge.items() if k not in ("dx", "da0")}
    ge["dE_src"] = dE_src
    return loss, {"encoder": ge, "decoder": gd}


# ----------------------------------------------------------------- parameters
def init_encoder_params(n_x: int, n_a: int, rng: np.random.Generator, bidirectional: bool = False) -> dict:
    """Random encoder GRU parameters (form "torch", uniform(-1/sqrt(n_a), 1/sqrt(n_a)) as PyTorch);
    a bidirectional encoder also gets the ``_reverse`` keys."""
    p = init_gru_params(n_x, n_a, rng, form=FORM)
    if bidirectional:
        p.update({k + "_reverse": v for k, v in init_gru_params(n_x, n_a, rng, form=FORM).items()})
    return p


def init_decoder_params(V: int, n_e: int, n_a: int, n_c: int, rng: np.random.Generator,
                        condition: str = "both") -> dict:
    """Random decoder parameters for ``condition`` (module docstring); ``E`` is N(0, 1) as
    ``nn.Embedding``, the rest uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) as ``nn.GRU``/``nn.Linear``."""
    condition = _condition(condition)
    V, n_e, n_a, n_c = (check_positive_int(k, v) for k, v in (("V", V), ("n_e", n_e), ("n_a", n_a), ("n_c", n_c)))
    n_x = n_e + (n_c if condition != "init" else 0)
    p = {"E": rng.normal(size=(V, n_e))}
    p.update(init_gru_params(n_x, n_a, rng, form=FORM))
    k = 1 / np.sqrt(n_a)
    p["Wya"], p["by"] = rng.uniform(-k, k, (V, n_a)), rng.uniform(-k, k, V)
    if condition != "input":
        k = 1 / np.sqrt(n_c)
        p["Wac"], p["bac"] = rng.uniform(-k, k, (n_a, n_c)), rng.uniform(-k, k, n_a)
    return p
