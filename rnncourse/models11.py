"""Chapter 11's small PyTorch models (CPU, float64, seeded by the caller).

- :class:`KeytermClassifier`: many-to-one GRU with attention pooling (or the last state).
- :class:`Seq2Seq`: GRU encoder-decoder, with or without attention over the encoder's states.
- :class:`TinyNTM`: a Neural Turing Machine reduced to one read/write head over a small memory.
- :class:`Tagger`: a bidirectional GRU tagger with a per-step softmax or a linear-chain CRF on top.
- :func:`torch_crf_log_partition`, :func:`torch_crf_path_score`: the CRF of :mod:`rnncourse.crf` in PyTorch,
  so that autograd gives its gradients (transitions indexed [from, to], as there).

The numpy modules :mod:`rnncourse.attention` and :mod:`rnncourse.crf` are the readable reference;
tests and chapter 11 show these twins agree with them.
"""
from __future__ import annotations

import numpy as np

__all__ = ["torch_masked_attention", "torch_crf_log_partition", "torch_crf_path_score", "KeytermClassifier",
           "Seq2Seq", "TinyNTM", "Tagger", "length_mask_torch"]


def _torch():
    import torch
    return torch


def length_mask_torch(lengths, T):
    """(T, N) bool tensor, True on real steps."""
    torch = _torch()
    lengths = torch.as_tensor(np.asarray(lengths))
    return torch.arange(T)[:, None] < lengths[None, :]


def torch_masked_attention(q, H, mask):
    """Dot-product attention in PyTorch: ``(context (N, d), weights (T, N))``; ``mask`` (T, N) bool."""
    e = (H * q[None]).sum(-1)  # e_t = h_t . q
    w = _torch().softmax(e.masked_fill(~mask, float("-inf")), dim=0)  # over time; padding gets 0
    return (w[:, :, None] * H).sum(0), w


def torch_crf_log_partition(E, mask, A, start, stop):
    """log Z per example, (N,), for emissions E (T, N, K), mask (T, N), transitions A (K, K) [from, to]."""
    torch = _torch()
    alpha = start + E[0]  # (N, K)
    for t in range(1, E.shape[0]):
        step = E[t] + torch.logsumexp(alpha[:, :, None] + A[None], dim=1)  # sum over the previous tag
        alpha = torch.where(mask[t][:, None], step, alpha)
    return torch.logsumexp(alpha + stop, dim=1)


def torch_crf_path_score(E, tags, mask, A, start, stop):
    """s(y) per example, (N,); tags (T, N) long (any value on padding)."""
    torch = _torch()
    T, N, _ = E.shape
    y = torch.where(mask, tags, torch.zeros_like(tags))
    n = torch.arange(N)
    last = mask.sum(0) - 1
    score = start[y[0]] + stop[y[last, n]]
    score = score + (E.gather(2, y[:, :, None])[:, :, 0] * mask).sum(0)
    return score + (A[y[:-1], y[1:]] * mask[1:]).sum(0)


def _nn():
    import torch.nn as nn
    return nn


def KeytermClassifier(vocab, n_classes, d_emb=16, d_h=24, pool="attention"):
    """Embedding -> GRU -> pooling (``"attention"``: a learned query attends over all states; ``"last"``: the
    state at each example's last real step) -> linear scores over classes."""
    torch, nn = _torch(), _nn()

    class _M(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d_emb)
            self.rnn = nn.GRU(d_emb, d_h)
            self.query = nn.Parameter(torch.zeros(d_h))
            self.out = nn.Linear(d_h, n_classes)
            self.pool = pool

        def forward(self, x, lengths):
            H, _ = self.rnn(self.emb(x))  # (T, N, d_h)
            mask = length_mask_torch(lengths, x.shape[0])
            if self.pool == "attention":
                q = self.query.expand(x.shape[1], -1)
                ctx, w = torch_masked_attention(q, H, mask)
            else:
                ctx = H[torch.as_tensor(np.asarray(lengths)) - 1, torch.arange(x.shape[1])]
                w = None
            return self.out(ctx), w
    return _M()


def Seq2Seq(vocab_in, vocab_out, d_emb=16, d_h=32, attention=True):
    """GRU encoder-decoder with teacher forcing. Output id 0 is padding, 1 is BOS (the decoder's first
    input). With ``attention``, every decoder step attends (dot product) over the encoder's states and
    feeds [state, context] to the output layer and the context to its next input."""
    torch, nn = _torch(), _nn()

    class _M(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb_in, self.emb_out = nn.Embedding(vocab_in, d_emb), nn.Embedding(vocab_out, d_emb)
            self.enc = nn.GRU(d_emb, d_h)
            self.dec = nn.GRUCell(d_emb + (d_h if attention else 0), d_h)
            self.out = nn.Linear(d_h * (2 if attention else 1), vocab_out)
            self.attention = attention

        def forward(self, x, lengths, y_in):
            """x (T, N) ids, y_in (U, N) decoder inputs (BOS then the target shifted). Returns logits
            (U, N, vocab_out) and the attention weights (U, T, N) or None."""
            H, h = self.enc(nn.utils.rnn.pack_padded_sequence(
                self.emb_in(x), torch.as_tensor(np.asarray(lengths)), enforce_sorted=False))
            H, _ = nn.utils.rnn.pad_packed_sequence(H, total_length=x.shape[0])
            mask = length_mask_torch(lengths, x.shape[0])
            s, ctx = h[0], torch.zeros_like(h[0])
            logits, weights = [], []
            for u in range(y_in.shape[0]):
                inp = self.emb_out(y_in[u])
                s = self.dec(torch.cat([inp, ctx], -1) if self.attention else inp, s)
                if self.attention:
                    ctx, w = torch_masked_attention(s, H, mask)
                    weights.append(w)
                    logits.append(self.out(torch.cat([s, ctx], -1)))
                else:
                    logits.append(self.out(s))
            return torch.stack(logits), (torch.stack(weights) if weights else None)

        @torch.no_grad()
        def greedy(self, x, lengths, U, bos=1):
            """Greedy decoding for U steps: (U, N) ids and the weights."""
            N = x.shape[1]
            y = torch.full((1, N), bos, dtype=torch.long)
            for _ in range(U):
                logits, w = self(x, lengths, y)
                y = torch.cat([y, logits[-1].argmax(-1)[None]])
            return y[1:], w
    return _M()


def TinyNTM(n_in, n_out, slots=10, width=8, d_h=32):
    """A Neural Turing Machine with one head that writes then reads each step (Graves et al. 2014, reduced):
    content addressing (cosine similarity sharpened by β), interpolation with the previous weighting (gate g),
    a shift by -1, 0 or +1 and sharpening (γ); write = erase then add; the controller is a GRU cell fed the
    input and the last read vector."""
    torch, nn = _torch(), _nn()
    F = torch.nn.functional

    class _M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ctrl = nn.GRUCell(n_in + width, d_h)
            # key (width), beta, gate, shift (3), gamma, erase (width), add (width)
            self.head = nn.Linear(d_h, 3 * width + 6)
            self.out = nn.Linear(d_h + width, n_out)
            self.slots, self.width = slots, width

        def address(self, M, w_prev, p):
            k, beta, g, shift, gamma = (p[:, :self.width], F.softplus(p[:, self.width]), torch.sigmoid(
                p[:, self.width + 1]), torch.softmax(p[:, self.width + 2:self.width + 5], -1),
                1 + F.softplus(p[:, self.width + 5]))
            sim = F.cosine_similarity(M, k[:, None, :], dim=-1, eps=1e-8)  # (N, slots): content match
            wc = torch.softmax(beta[:, None] * sim, -1)
            wg = g[:, None] * wc + (1 - g[:, None]) * w_prev  # keep the old place, or jump to the content
            ws = (shift[:, 0:1] * torch.roll(wg, -1, 1) + shift[:, 1:2] * wg
                  + shift[:, 2:3] * torch.roll(wg, 1, 1))  # move the head by -1, 0, +1 slots
            ws = ws ** gamma[:, None]
            return ws / ws.sum(-1, keepdim=True)

        def forward(self, x):
            T, N, _ = x.shape
            M = torch.full((N, self.slots, self.width), 1e-3, dtype=x.dtype)
            w = torch.zeros(N, self.slots, dtype=x.dtype)
            w[:, 0] = 1.0
            h = torch.zeros(N, self.ctrl.hidden_size, dtype=x.dtype)
            r = torch.zeros(N, self.width, dtype=x.dtype)
            ys, ws = [], []
            for t in range(T):
                h = self.ctrl(torch.cat([x[t], r], -1), h)
                p = self.head(h)
                w = self.address(M, w, p)
                e = torch.sigmoid(p[:, -2 * self.width:-self.width])
                a = torch.tanh(p[:, -self.width:])
                M = M * (1 - w[:, :, None] * e[:, None, :]) + w[:, :, None] * a[:, None, :]  # erase, then add
                r = (w[:, :, None] * M).sum(1)  # read: a weighted sum of the memory's rows
                ys.append(self.out(torch.cat([h, r], -1)))
                ws.append(w)
            return torch.stack(ys), torch.stack(ws)
    return _M()


def Tagger(vocab, n_tags, d_emb=16, d_h=16, crf=False, allowed=None):
    """Bidirectional GRU -> per-step emission scores (T, N, K); with ``crf``, learned transitions, start and
    stop scores (``allowed`` (K+1, K) bool: rows 0..K-1 the previous tag, row K the start; forbidden moves get a
    fixed -1e4)."""
    torch, nn = _torch(), _nn()

    class _M(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d_emb)
            self.rnn = nn.GRU(d_emb, d_h, bidirectional=True)
            self.out = nn.Linear(2 * d_h, n_tags)
            self.crf = crf
            if crf:
                self.A = nn.Parameter(torch.zeros(n_tags, n_tags))
                self.start = nn.Parameter(torch.zeros(n_tags))
                self.stop = nn.Parameter(torch.zeros(n_tags))
                pen = torch.zeros(n_tags + 1, n_tags)
                if allowed is not None:
                    pen = torch.where(torch.as_tensor(allowed), 0.0, -1e4)
                self.register_buffer("penalty", pen)

        def transitions(self):
            return self.A + self.penalty[:-1], self.start + self.penalty[-1], self.stop

        def forward(self, x, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(self.emb(x), torch.as_tensor(np.asarray(lengths)),
                                                       enforce_sorted=False)
            H, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], total_length=x.shape[0])
            return self.out(H)

        def loss(self, x, y, lengths):
            E = self(x, lengths)
            mask = length_mask_torch(lengths, x.shape[0])
            if not self.crf:
                return torch.nn.functional.cross_entropy(E[mask], y[mask])
            A, s, e = self.transitions()
            logZ = torch_crf_log_partition(E, mask, A, s, e)
            return (logZ - torch_crf_path_score(E, y, mask, A, s, e)).mean()

        @torch.no_grad()
        def decode(self, x, lengths):
            """(T, N) tag ids, -1 on padding: per-step argmax, or Viterbi (rnncourse.crf) with the CRF."""
            from . import crf as ncrf
            E = self(x, lengths)
            if not self.crf:
                tags = E.argmax(-1).numpy()
                return np.where(length_mask_torch(lengths, x.shape[0]).numpy(), tags, -1)
            A, s, e = (v.detach().numpy() for v in self.transitions())
            return ncrf.crf_viterbi(E.numpy(), np.asarray(lengths), A, s, e)[0]
    return _M()
