"""Chapter 10's longer runs: sequence-to-sequence autoencoders on clauses of the course's corpus.

Trains, on the CPU in float64 (PyTorch, one thread), and measures on held-out clauses:
- the three ways of conditioning the decoder on the code (initial state, input at every step, both);
- the effect of the code size (the encoder's state size);
- reading the source reversed (Sutskever et al. 2014);
- a hierarchical autoencoder of "paragraphs" (three consecutive clauses) against a flat one.

Writes rnncourse/data/seq2seq_results.json, which chapter 10 plots (the chapter itself trains only one
small model). About 15 minutes on one core:  .venv/bin/python scripts/seq2seq_experiments.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

from rnncourse import seq2seq_data as sd
from rnncourse.seq2seq_torch import (HierarchicalAE, Seq2SeqGRU, reconstruct, reconstruction_scores,
                                     train_autoencoder)
from rnncourse.vocab import Vocabulary

OUT = Path(__file__).resolve().parents[1] / "rnncourse" / "data" / "seq2seq_results.json"
EPOCHS, N_E, MAX_WORDS, VOCAB = 25, 32, 8, 400


def n_params(model):
    return int(sum(p.numel() for p in model.parameters()))


def by_length(pieces, acc, exact):
    lengths = np.array([len(p) for p in pieces])
    return {int(L): {"n": int((lengths == L).sum()), "token_accuracy": round(float(acc[lengths == L].mean()), 4),
                     "exact_match": round(float(exact[lengths == L].mean()), 4)}
            for L in sorted(set(lengths.tolist()))}


def flat_run(train, test, vocab, seed, n_a=64, condition="both", reverse=False, bidirectional=False):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Seq2SeqGRU(len(vocab), N_E, n_a, condition, bidirectional)
    curve = train_autoencoder(model, train, vocab, EPOCHS, rng, reverse_source=reverse)
    out = {"params": n_params(model), "train_loss": [round(c, 4) for c in curve]}
    for name, data in (("train", train[:500]), ("test", test)):
        ids = [vocab.encode(p).tolist() for p in data]
        acc, exact = reconstruction_scores(ids, reconstruct(model, data, vocab, reverse))
        out[name] = {"token_accuracy": round(float(acc.mean()), 4), "exact_match": round(float(exact.mean()), 4),
                     "by_length": by_length(data, acc, exact)}
    print(f"condition={condition} n_a={n_a} reverse={reverse}: test token acc {out['test']['token_accuracy']:.3f} "
          f"exact {out['test']['exact_match']:.3f}; train token acc {out['train']['token_accuracy']:.3f}",
          flush=True)
    return out


# ------------------------------------------------------------------ hierarchical vs flat on paragraphs
SEP = ";"


def para_batch(paras, vocab):
    S, N = len(paras[0]), len(paras)
    T = max(len(s) for p in paras for s in p)
    ids = np.zeros((S, T, N), np.int64)
    lengths = np.zeros((S, N), np.int64)
    for i, p in enumerate(paras):
        for s, sent in enumerate(p):
            ids[s, :len(sent), i] = vocab.encode(sent)
            lengths[s, i] = len(sent)
    return torch.as_tensor(ids), torch.as_tensor(lengths)


def flat_paragraph(p):
    out = []
    for s in p:
        out += s + [SEP]
    return out[:-1]


def paragraph_scores(targets, outputs, vocab):
    """Per paragraph: token accuracy over its sentences (each with <EOS>), and whether all were exact."""
    acc, exact = reconstruction_scores([t for p in targets for t in p], [o for p in outputs for o in p])
    S = len(targets[0])
    return acc.reshape(-1, S).mean(1), exact.reshape(-1, S).all(1)


def split_flat(ids, vocab, S):
    """A flat reconstruction cut into S sentences at the separator, each given its <EOS>."""
    sep = vocab.index(SEP)
    ids = [k for k in ids if k != vocab.eos_id]
    parts, cur = [], []
    for k in ids:
        if k == sep:
            parts.append(cur + [vocab.eos_id])
            cur = []
        else:
            cur.append(k)
    parts.append(cur + [vocab.eos_id])
    return (parts + [[vocab.eos_id]] * S)[:S]


def hierarchy_run(seed, n_a=64, S=3):
    pieces = sd.sentence_pieces(max_words=MAX_WORDS)
    paras = sd.paragraphs(pieces, S)
    train, test = sd.split(paras)
    vocab = Vocabulary.build([flat_paragraph(p) for p in train], max_size=VOCAB)
    targets = [[vocab.encode(s).tolist() for s in p] for p in test]
    out = {"paragraphs": {"train": len(train), "test": len(test), "sentences_each": S}}

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    flat = Seq2SeqGRU(len(vocab), N_E, n_a, "both")
    flat_train = [flat_paragraph(p) for p in train]
    curve = train_autoencoder(flat, flat_train, vocab, EPOCHS, rng)
    rec = reconstruct(flat, [flat_paragraph(p) for p in test], vocab)
    acc, exact = paragraph_scores(targets, [split_flat(r, vocab, S) for r in rec], vocab)
    out["flat"] = {"params": n_params(flat), "train_loss": [round(c, 4) for c in curve],
                   "token_accuracy": round(float(acc.mean()), 4), "exact_match": round(float(exact.mean()), 4)}

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    hier = HierarchicalAE(len(vocab), N_E, n_a)
    opt = torch.optim.Adam(hier.parameters(), lr=3e-3)
    curve = []
    for _ in range(EPOCHS):
        total = 0.0
        order = rng.permutation(len(train))
        for b in range(0, len(train), 32):
            batch = [train[k] for k in order[b:b + 32]]
            ids, lengths = para_batch(batch, vocab)
            loss = hier.loss(ids, lengths)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(hier.parameters(), 5.0)
            opt.step()
            total += loss.item() * len(batch)
        curve.append(total / len(train))
    ids, lengths = para_batch(test, vocab)
    rec = hier.reconstruct(ids, lengths, MAX_WORDS + 3)  # (S, max_len, N)
    outputs = []
    for i in range(len(test)):
        p = []
        for s in range(S):
            col = rec[s, :, i].tolist()
            p.append(col[:col.index(vocab.eos_id) + 1] if vocab.eos_id in col else col)
        outputs.append(p)
    acc, exact = paragraph_scores(targets, outputs, vocab)
    out["hierarchical"] = {"params": n_params(hier), "train_loss": [round(c, 4) for c in curve],
                           "token_accuracy": round(float(acc.mean()), 4), "exact_match": round(float(exact.mean()), 4)}
    print("paragraphs:", {k: (v["token_accuracy"], v["exact_match"], v["params"]) for k, v in out.items()
                          if k != "paragraphs"}, flush=True)
    return out


def main():
    torch.set_num_threads(1)
    pieces = sd.sentence_pieces(max_words=MAX_WORDS)
    train, test = sd.split(pieces)
    vocab = sd.piece_vocabulary(train, VOCAB)
    results = {"setup": {"pieces": len(pieces), "train": len(train), "test": len(test), "vocab": len(vocab),
                         "epochs": EPOCHS, "n_e": N_E, "max_words": MAX_WORDS, "seed": 0}}
    results["conditions"] = {c: flat_run(train, test, vocab, 0, condition=c) for c in ("init", "input", "both")}
    results["code_size"] = {str(n): flat_run(train, test, vocab, 0, n_a=n) for n in (8, 16, 32, 128)}
    results["code_size"]["64"] = results["conditions"]["both"]
    results["reverse"] = {"forward": results["conditions"]["both"],
                          "reversed": flat_run(train, test, vocab, 0, reverse=True)}
    results["hierarchy"] = hierarchy_run(0)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    sys.exit(main())
