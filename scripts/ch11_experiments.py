"""Chapter 11's longer runs (a few minutes of CPU): their results are stored in book/data/ch11_results.json,
which the chapter reads and plots.

1. Reconstruction against length: a GRU encoder-decoder with and without attention, trained on the same
   batches, token accuracy by length (greedy decoding), and the attention weights of one example.
2. Bracketing: the same encoder-decoder with attention maps a sentence of a tiny grammar to its linearised
   parse tree (words written XX); the rate of well-formed outputs, of outputs with one XX per word, and of
   exact trees.
3. The copy task: a tiny Neural Turing Machine against an LSTM of similar size, bit accuracy by length
   (trained on lengths 1-5, tested up to 8).

Usage: .venv/bin/python scripts/ch11_experiments.py [--steps N]   (seeded; float64; one thread)
TODO when chapter 10 lands: reuse chapter 10's encoder-decoder for part 1.
"""
from __future__ import annotations

import argparse
import json
import pathlib

import numpy as np
import torch

from rnncourse import models11, tasks11, trees

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
OUT = pathlib.Path(__file__).resolve().parents[1] / "book" / "data" / "ch11_results.json"
F = torch.nn.functional


def reconstruction(steps):
    V, lo, hi = 10, 2, 16  # symbols 2..11; 0 padding, 1 BOS
    def batch(g, N, L=None):
        lens = g.integers(lo, hi + 1, size=N) if L is None else np.full(N, L)
        x, lens = tasks11.pad([list(g.integers(2, V + 2, size=n)) for n in lens], 0)
        return x, lens
    res = {}
    for att in (False, True):
        torch.manual_seed(0)
        m = models11.Seq2Seq(V + 2, V + 2, attention=att)
        opt = torch.optim.Adam(m.parameters(), lr=3e-3)
        g = np.random.default_rng(1)  # the same batches for both models
        for _ in range(steps):
            x, L = batch(g, 32)
            y = torch.as_tensor(x)
            y_in = torch.cat([torch.ones(1, y.shape[1], dtype=torch.long), y[:-1]])
            logits, _ = m(y, L, y_in)
            loss = F.cross_entropy(logits.reshape(-1, V + 2), y.reshape(-1), ignore_index=0)
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = {}
        gt = np.random.default_rng(2)
        for L in range(lo, hi + 1):
            x, lens = batch(gt, 100, L)
            pred, _ = m.greedy(torch.as_tensor(x), lens, L)
            acc[L] = round(float((pred.numpy() == x).mean()), 3)
        res["attention" if att else "no attention"] = acc
        if att:
            x, lens = batch(np.random.default_rng(3), 1, 12)
            _, w = m.greedy(torch.as_tensor(x), lens, 12)
            res["heatmap"] = {"input": x[:, 0].tolist(), "weights": np.round(w[:, :, 0].numpy(), 3).tolist()}
    return res


def bracketing(steps):
    words = sorted({w for ws in tasks11.GRAMMAR_WORDS.values() for w in ws})
    w2i = {w: k + 2 for k, w in enumerate(words)}
    labels = ["S", "NP", "VP", "PP", "Det", "N", "Adj", "V", "P"]
    out_vocab = ["<pad>", "<bos>", "<eos>", trees.WORD] + [f"({a}" for a in labels] + [f"){a}" for a in labels]
    o2i = {t: k for k, t in enumerate(out_vocab)}

    def batch(g, N):
        ts = [tasks11.grammar_tree(g) for _ in range(N)]
        x, L = tasks11.pad([[w2i[w] for w in trees.leaves(t)] for t in ts], 0)
        y, _ = tasks11.pad([[o2i[k] for k in trees.linearize(t, words=False)] + [2] for t in ts], 0)
        return x, L, y, ts
    torch.manual_seed(0)
    m = models11.Seq2Seq(len(words) + 2, len(out_vocab), attention=True)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    g = np.random.default_rng(4)
    for _ in range(steps):
        x, L, y, _ = batch(g, 32)
        y = torch.as_tensor(y)
        y_in = torch.cat([torch.ones(1, y.shape[1], dtype=torch.long), y[:-1]])
        logits, _ = m(torch.as_tensor(x), L, y_in)
        loss = F.cross_entropy(logits.reshape(-1, len(out_vocab)), y.reshape(-1), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, L, y, ts = batch(np.random.default_rng(5), 500)
    pred, _ = m.greedy(torch.as_tensor(x), L, y.shape[0] + 5)
    well = words_ok = exact = 0
    for i, t in enumerate(ts):
        toks = []
        for k in pred[:, i].tolist():
            if k == 2:
                break
            toks.append(out_vocab[k])
        if trees.is_well_formed(toks):
            well += 1
            words_ok += toks.count(trees.WORD) == L[i]
            exact += toks == trees.linearize(t, words=False)
    n = len(ts)
    return {"sentences": n, "well-formed": round(well / n, 3), "one XX per word": round(words_ok / n, 3),
            "exact tree": round(exact / n, 3), "example": " ".join(trees.linearize(ts[0]))}


def copy_task(steps):
    n_bits = 4
    res = {}
    for kind in ("NTM", "LSTM"):
        torch.manual_seed(0)
        if kind == "NTM":
            m = models11.TinyNTM(n_bits + 1, n_bits, slots=12, width=8, d_h=32)
        else:
            lstm, lin = torch.nn.LSTM(n_bits + 1, 48), torch.nn.Linear(48, n_bits)
            m = torch.nn.ModuleDict({"lstm": lstm, "lin": lin})
        def run(x):
            if kind == "NTM":
                return m(x)[0]
            return m["lin"](m["lstm"](x)[0])
        opt = torch.optim.Adam(m.parameters(), lr=3e-3)
        g = np.random.default_rng(6)
        for _ in range(steps):
            x, y, mask, _ = tasks11.copy_batch(g, 32, n_bits, 1, 5)
            logits = run(torch.as_tensor(x))
            mk = torch.as_tensor(mask)
            loss = F.binary_cross_entropy_with_logits(logits[mk], torch.as_tensor(y)[mk])
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = {}
        gt = np.random.default_rng(7)
        with torch.no_grad():
            for L in range(1, 9):
                x, y, mask, _ = tasks11.copy_batch(gt, 200, n_bits, L, L)
                p = (run(torch.as_tensor(x)).numpy() > 0)
                acc[L] = round(float((p == (y > 0.5))[mask].mean()), 3)
        res[kind] = {"bit accuracy by length": acc, "parameters": sum(p.numel() for p in m.parameters())}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    a = ap.parse_args()
    out = {"steps": a.steps, "reconstruction": reconstruction(a.steps), "bracketing": bracketing(a.steps),
           "copy": copy_task(a.steps)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
