"""PyTorch twins of :mod:`rnncourse.seq2seq`: the models chapter 10 trains, and the bridge.

:class:`Seq2SeqGRU` computes exactly what :func:`rnncourse.seq2seq.teacher_forced_step`
computes (same encoder, same three ways of conditioning the decoder, same masked
loss), with ``nn.GRU`` and autograd; :func:`to_numpy` and :func:`from_numpy` convert
its parameters to the numpy reference's dicts and back, so that a model trained in
PyTorch is decoded by the reference's :func:`~rnncourse.seq2seq_decode.greedy_generate` and
:func:`~rnncourse.seq2seq_decode.beam_search`, and the tests compare the two on random
parameters. :class:`HierarchicalAE` is the two-level autoencoder of Li et al.
(2015) at small scale: a word-level encoder gives one vector per sentence, a
sentence-level encoder reads those and gives the paragraph's code, and two decoders
mirror them.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .bridges import gru_from_torch, gru_to_torch
from .seq2seq import CONDITIONS

__all__ = ["Seq2SeqGRU", "HierarchicalAE", "to_numpy", "from_numpy", "autoencoder_targets", "train_autoencoder",
           "reconstruct", "reconstruction_scores"]

_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def autoencoder_targets(source, lengths, eos_id: int = 2, pad_id: int = 0):
    """The targets of an autoencoder: each source, then ``<EOS>``, then padding, ``(T + 1, N)``."""
    source = torch.as_tensor(source)
    lengths = torch.as_tensor(lengths)
    T, N = source.shape
    steps = torch.arange(T + 1)[:, None]
    targets = torch.full((T + 1, N), pad_id, dtype=torch.long)
    targets[:T] = torch.where(steps[:T] < lengths, source, torch.full_like(source, pad_id))
    targets[lengths, torch.arange(N)] = eos_id
    return targets


def _reverse_padded(x, lengths):
    T = x.shape[0]
    t = torch.arange(T)[:, None]
    src = torch.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)
    return x[src, torch.arange(x.shape[1])[None, :]]


class Seq2SeqGRU(nn.Module):
    """GRU encoder-decoder autoencoder (time-major ids ``(T, N)``).

    - V: vocabulary size; n_e: embedding width; n_a: encoder state size (the code has
      n_a entries, 2 n_a if bidirectional); n_d: decoder state size (default n_a).
    - condition: ``"init"``, ``"input"`` or ``"both"`` (see :mod:`rnncourse.seq2seq`).
    """

    def __init__(self, V: int, n_e: int, n_a: int, condition: str = "both", bidirectional: bool = False,
                 n_d: int | None = None, dtype=torch.float64, start_id: int = 2, eos_id: int = 2,
                 pad_id: int = 0):
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition: expected one of {CONDITIONS}, got {condition!r}")
        n_d = n_a if n_d is None else n_d
        self.condition, self.bidirectional = condition, bidirectional
        self.start_id, self.eos_id, self.pad_id = start_id, eos_id, pad_id
        n_c = 2 * n_a if bidirectional else n_a
        self.n_c = n_c
        self.emb_src = nn.Embedding(V, n_e, dtype=dtype)
        self.enc = nn.GRU(n_e, n_a, bidirectional=bidirectional, dtype=dtype)
        self.emb = nn.Embedding(V, n_e, dtype=dtype)
        self.dec = nn.GRU(n_e + (n_c if condition != "init" else 0), n_d, dtype=dtype)
        self.init = nn.Linear(n_c, n_d, dtype=dtype) if condition != "input" else None
        self.out = nn.Linear(n_d, V, dtype=dtype)

    def encode(self, source, lengths, reverse_source: bool = False):
        """Codes ``(N, n_c)``: the final state of each sequence (packed, so padding is never read)."""
        lengths = torch.as_tensor(lengths)
        source = _reverse_padded(source, lengths) if reverse_source else source
        packed = pack_padded_sequence(self.emb_src(source), lengths, enforce_sorted=False)
        _, h_n = self.enc(packed)
        return torch.cat([h_n[0], h_n[1]], dim=1) if self.bidirectional else h_n[0]

    def start_state(self, code):
        if self.init is None:
            return code.new_zeros(code.shape[0], self.dec.hidden_size)
        return torch.tanh(self.init(code))

    def _inputs(self, y_in, code):
        e = self.emb(y_in)
        if self.condition == "init":
            return e
        return torch.cat([e, code.expand(e.shape[0], -1, -1)], dim=-1)

    def decode_logits(self, y_in, code):
        """Teacher-forced logits ``(T, N, V)`` of the ids read ``y_in`` ``(T, N)``."""
        a, _ = self.dec(self._inputs(y_in, code), self.start_state(code)[None])
        return self.out(a)

    def loss(self, source, lengths, reverse_source: bool = False):
        """Mean cross-entropy over the real target tokens (words and ``<EOS>``) of the batch."""
        lengths = torch.as_tensor(lengths)
        code = self.encode(source, lengths, reverse_source)
        targets = autoencoder_targets(source, lengths, self.eos_id, self.pad_id)
        y_in = torch.cat([torch.full_like(targets[:1], self.start_id), targets[:-1]])
        logits = self.decode_logits(y_in, code)
        mask = torch.arange(targets.shape[0])[:, None] < (lengths + 1)[None, :]
        nll = nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        return (nll * mask).sum() / mask.sum()

    @torch.no_grad()
    def greedy(self, code, max_len: int):
        """Greedy decoding: ``(tokens (max_len, N), lengths (N,))`` as the numpy reference."""
        N = code.shape[0]
        a = self.start_state(code)[None]
        y = torch.full((N,), self.start_id, dtype=torch.long)
        tokens = torch.full((max_len, N), self.pad_id, dtype=torch.long)
        lengths = torch.full((N,), max_len, dtype=torch.long)
        done = torch.zeros(N, dtype=torch.bool)
        for t in range(max_len):
            out, a = self.dec(self._inputs(y[None], code), a)
            y = self.out(out[0]).argmax(dim=1)
            tokens[t] = torch.where(done, torch.full_like(y, self.pad_id), y)
            newly = ~done & (y == self.eos_id)
            lengths[newly] = t + 1
            done |= newly
            if bool(done.all()):
                break
        return tokens, lengths


def _gru_dict(gru, suffix=""):
    """numpy "torch"-form GRU parameters of one direction of a one-layer ``nn.GRU``."""
    one = nn.GRU(gru.input_size, gru.hidden_size, dtype=torch.float64)
    with torch.no_grad():
        for name in _NAMES:
            getattr(one, name).copy_(getattr(gru, name + suffix).double())
    return gru_from_torch(one)


def _load_gru(gru, params, suffix=""):
    one = gru_to_torch(params)
    with torch.no_grad():
        for name in _NAMES:
            getattr(gru, name + suffix).copy_(getattr(one, name))


def to_numpy(model: Seq2SeqGRU):
    """``(encoder, decoder)`` parameter dicts (float64 numpy) of a :class:`Seq2SeqGRU`."""
    if not isinstance(model, Seq2SeqGRU):
        raise ValueError(f"model: expected a Seq2SeqGRU, got {type(model).__name__}")

    def arr(t):
        return t.detach().double().numpy().copy()
    enc = _gru_dict(model.enc)
    if model.bidirectional:
        enc.update({k + "_reverse": v for k, v in _gru_dict(model.enc, "_reverse").items()})
    enc["E_src"] = arr(model.emb_src.weight)
    dec = _gru_dict(model.dec)
    dec.update(E=arr(model.emb.weight), Wya=arr(model.out.weight), by=arr(model.out.bias))
    if model.init is not None:
        dec.update(Wac=arr(model.init.weight), bac=arr(model.init.bias))
    return enc, dec


def from_numpy(encoder: dict, decoder: dict, condition: str = "both", bidirectional: bool = False,
               dtype=torch.float64) -> Seq2SeqGRU:
    """A :class:`Seq2SeqGRU` with the numpy parameters ``encoder`` (with ``E_src``) and ``decoder``."""
    V, n_e = np.shape(decoder["E"])
    n_a, n_d = np.shape(encoder["Wra"])[0], np.shape(decoder["Wra"])[0]
    model = Seq2SeqGRU(V, n_e, n_a, condition, bidirectional, n_d=n_d, dtype=dtype)
    fwd = {k: v for k, v in encoder.items() if not k.endswith("_reverse") and k != "E_src"}
    _load_gru(model.enc, fwd)
    if bidirectional:
        _load_gru(model.enc, {k[:-8]: v for k, v in encoder.items() if k.endswith("_reverse")}, "_reverse")
    _load_gru(model.dec, {k: v for k, v in decoder.items() if k not in ("E", "Wya", "by", "Wac", "bac")})
    with torch.no_grad():
        model.emb_src.weight.copy_(torch.as_tensor(encoder["E_src"]))
        model.emb.weight.copy_(torch.as_tensor(decoder["E"]))
        model.out.weight.copy_(torch.as_tensor(decoder["Wya"]))
        model.out.bias.copy_(torch.as_tensor(decoder["by"]))
        if model.init is not None:
            model.init.weight.copy_(torch.as_tensor(decoder["Wac"]))
            model.init.bias.copy_(torch.as_tensor(decoder["bac"]))
    return model.to(dtype)


class HierarchicalAE(nn.Module):
    """Two-level autoencoder of paragraphs (Li, Luong and Jurafsky 2015), GRUs at small scale.

    Input: a paragraph batch ``(S, T, N)`` of word ids (S sentences of at most T words)
    with sentence lengths ``(S, N)`` (every paragraph has S sentences). Four GRUs:
    word encoder (words -> one vector per sentence), sentence encoder (sentence vectors
    -> the paragraph code), sentence decoder (code -> one state per sentence), word
    decoder (that state -> the sentence's words). Two levels of time, an encoder and a
    decoder at each: not a stack of four layers.
    """

    def __init__(self, V: int, n_e: int, n_a: int, dtype=torch.float64, start_id: int = 2,
                 eos_id: int = 2, pad_id: int = 0):
        super().__init__()
        self.start_id, self.eos_id, self.pad_id = start_id, eos_id, pad_id
        self.emb_src = nn.Embedding(V, n_e, dtype=dtype)
        self.word_enc = nn.GRU(n_e, n_a, dtype=dtype)
        self.sent_enc = nn.GRU(n_a, n_a, dtype=dtype)
        self.sent_dec = nn.GRU(n_a, n_a, dtype=dtype)
        self.emb = nn.Embedding(V, n_e, dtype=dtype)
        self.word_dec = nn.GRU(n_e + n_a, n_a, dtype=dtype)
        self.out = nn.Linear(n_a, V, dtype=dtype)

    def encode(self, paras, lengths):
        S, T, N = paras.shape
        flat = paras.permute(1, 0, 2).reshape(T, S * N)  # every sentence of every paragraph, one batch
        packed = pack_padded_sequence(self.emb_src(flat), lengths.reshape(S * N), enforce_sorted=False)
        _, h = self.word_enc(packed)
        sent_vecs = h[0].reshape(S, N, -1)  # one vector per sentence, time-major over sentences
        _, code = self.sent_enc(sent_vecs)
        return code[0]

    def _sentence_states(self, code, S):
        # the sentence decoder reads the code at every step and emits one state per sentence
        s, _ = self.sent_dec(code.expand(S, -1, -1), torch.tanh(code)[None])
        return s  # (S, N, n_a)

    def loss(self, paras, lengths):
        S, T, N = paras.shape
        code = self.encode(paras, lengths)
        s = self._sentence_states(code, S).reshape(S * N, -1)
        flat = paras.permute(1, 0, 2).reshape(T, S * N)
        flat_len = lengths.reshape(S * N)
        targets = autoencoder_targets(flat, flat_len, self.eos_id, self.pad_id)
        y_in = torch.cat([torch.full_like(targets[:1], self.start_id), targets[:-1]])
        x = torch.cat([self.emb(y_in), s.expand(targets.shape[0], -1, -1)], dim=-1)
        a, _ = self.word_dec(x, torch.tanh(s)[None])
        nll = nn.functional.cross_entropy(self.out(a).transpose(1, 2), targets, reduction="none")
        mask = torch.arange(targets.shape[0])[:, None] < (flat_len + 1)[None, :]
        return (nll * mask).sum() / mask.sum()

    @torch.no_grad()
    def reconstruct(self, paras, lengths, max_len: int):
        """Greedy reconstruction ``(S, max_len, N)`` of each sentence (pad after ``<EOS>``)."""
        S, T, N = paras.shape
        s = self._sentence_states(self.encode(paras, lengths), S).reshape(S * N, -1)
        a = torch.tanh(s)[None]
        y = torch.full((S * N,), self.start_id, dtype=torch.long)
        out = torch.full((max_len, S * N), self.pad_id, dtype=torch.long)
        done = torch.zeros(S * N, dtype=torch.bool)
        for t in range(max_len):
            h, a = self.word_dec(torch.cat([self.emb(y), s], dim=-1)[None], a)
            y = self.out(h[0]).argmax(dim=1)
            out[t] = torch.where(done, torch.full_like(y, self.pad_id), y)
            done |= y == self.eos_id
        return out.reshape(max_len, S, N).permute(1, 0, 2)


# ------------------------------------------------------------------ training and measuring (chapter 10, scripts)
def _batches(items, batch_size, rng):
    order = rng.permutation(len(items))
    for b in range(0, len(items), batch_size):
        yield [items[k] for k in order[b:b + batch_size]]


def train_autoencoder(model: Seq2SeqGRU, pieces, vocab, epochs: int, rng: np.random.Generator,
                      lr: float = 3e-3, batch_size: int = 64, reverse_source: bool = False, clip: float = 5.0):
    """Adam on the teacher-forced loss; returns the mean training loss of every epoch (a list)."""
    from .seq2seq_data import encode_batch
    from .progress import progress
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    curve = []
    for _ in progress(range(epochs), desc="epochs"):
        total, count = 0.0, 0
        for batch in _batches(pieces, batch_size, rng):
            src, lengths = encode_batch(batch, vocab)
            loss = model.loss(torch.as_tensor(src), torch.as_tensor(lengths), reverse_source)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total, count = total + loss.item() * len(batch), count + len(batch)
        curve.append(total / count)
    return curve


def reconstruct(model: Seq2SeqGRU, pieces, vocab, reverse_source: bool = False, max_extra: int = 3):
    """Greedy reconstructions of ``pieces`` by the numpy reference decoder: id lists, ``<EOS>`` included if produced."""
    from .seq2seq_decode import greedy_generate
    from .seq2seq_data import encode_batch
    src, lengths = encode_batch(pieces, vocab)
    with torch.no_grad():
        code = model.encode(torch.as_tensor(src), torch.as_tensor(lengths), reverse_source).numpy()
    _, dec = to_numpy(model)
    tokens, out_len = greedy_generate(code, dec, model.condition, model.start_id, model.eos_id,
                                      max_len=int(lengths.max()) + max_extra, pad_id=model.pad_id)
    return [tokens[:L, i].tolist() for i, L in enumerate(out_len)]


def reconstruction_scores(targets, outputs, eos_id: int = 2):
    """Per sequence: (token accuracy, exact match) of ``outputs`` against ``targets`` (id lists, no ``<EOS>``).

    The target is the sequence followed by ``<EOS>``; token accuracy is the fraction of its positions where
    the output has the same id; exact match means the output is the target, ``<EOS>`` included.
    """
    acc, exact = [], []
    for y, o in zip(targets, outputs):
        y = list(y) + [eos_id]
        acc.append(sum(a == b for a, b in zip(y, o)) / len(y))
        exact.append(list(o) == y)
    return np.array(acc), np.array(exact)
