"""Train a character-level RNN language model on the Python help pages, in numpy and in PyTorch.

Both models are the same one-layer Elman RNN with a one-hot input
(``x -> tanh(Wax x + Waa a + ba) -> Wya a + by -> softmax``), start from the
same initial weights, read the same truncated-BPTT batches (hidden state
carried across batches), and take the same number of Adam updates with the
same global-norm clipping. The script prints the held-out (test) bits per
character of

- the uniform distribution over the vocabulary,
- an add-alpha character bigram (alpha chosen on the validation split),
- the numpy RNN (:mod:`rnncourse.lm.training`),
- the PyTorch RNN,

the training wall time of each RNN, and a few samples.

Usage::

    python scripts/train_char_lm.py                 # defaults: a few minutes on 2 CPU cores
    python scripts/train_char_lm.py --steps 200     # a quick check
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
from tqdm import tqdm

from rnncourse.corpus import python_docs_text
from rnncourse.lm.data import EOS_ID, batches_forever, char_dataset, decode_chars
from rnncourse.lm.metrics import bits_per_char, uniform_bpc
from rnncourse.lm.model import init_lm_params, lm_loss_and_grads
from rnncourse.lm.ngram import fit_ngram, ngram_bpc
from rnncourse.lm.optim import adam_step
from rnncourse.lm.sampling import sample
from rnncourse.lm.training import evaluate_bpc
from rnncourse.losses import clip_by_norm


def train_numpy(data, params, args):
    state, a, losses = {}, None, []
    seconds = 0.0
    stream = batches_forever(data.train, args.batch_size, args.seq_len)
    bar = tqdm(range(args.steps), desc="numpy", unit="upd")
    for step in bar:
        x, y, new_epoch = next(stream)
        t0 = time.perf_counter()
        if new_epoch or a.shape[0] != x.shape[1]:
            a = None  # the streams start again: zero state
        loss, grads, a = lm_loss_and_grads(params, x, y, a, reduction="mean")
        grads, _ = clip_by_norm(grads, args.clip)
        adam_step(params, grads, state, lr=args.lr)
        seconds += time.perf_counter() - t0
        losses.append(loss)
        if step % 50 == 0:
            bar.set_postfix(bpc=f"{np.mean(losses[-50:]) / math.log(2):.3f}")
    return seconds, losses


def torch_model(params, dtype):
    import torch
    V, n_a = params["Wya"].shape
    rnn = torch.nn.RNN(V, n_a, dtype=dtype)
    out = torch.nn.Linear(n_a, V, dtype=dtype)
    t = lambda k: torch.from_numpy(np.ascontiguousarray(params[k])).to(dtype)  # noqa: E731
    with torch.no_grad():  # the same initial weights as the numpy model
        rnn.weight_ih_l0.copy_(t("Wax"))
        rnn.weight_hh_l0.copy_(t("Waa"))
        rnn.bias_ih_l0.copy_(t("ba"))
        rnn.bias_hh_l0.zero_()
        out.weight.copy_(t("Wya"))
        out.bias.copy_(t("by"))
    return torch.nn.ModuleDict({"rnn": rnn, "out": out})


def torch_scores(model, ids, h0, V, dtype):
    import torch.nn.functional as F
    x = F.one_hot(ids, V).to(dtype)
    a, h = model["rnn"](x, h0)
    return model["out"](a), h


def train_torch(data, model, args, dtype):
    import torch
    import torch.nn.functional as F
    V = len(data.vocab)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    h, losses, seconds = None, [], 0.0
    stream = batches_forever(data.train, args.batch_size, args.seq_len)
    bar = tqdm(range(args.steps), desc="torch", unit="upd")
    for step in bar:
        x, y, new_epoch = next(stream)
        t0 = time.perf_counter()
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        if new_epoch or h.shape[1] != x.shape[1]:
            h = torch.zeros(1, x.shape[1], model["rnn"].hidden_size, dtype=dtype)
        z, h = torch_scores(model, x, h, V, dtype)
        h = h.detach()  # truncated BPTT: keep the state, cut the graph
        loss = F.cross_entropy(z.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        seconds += time.perf_counter() - t0
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix(bpc=f"{np.mean(losses[-50:]) / math.log(2):.3f}")
    return seconds, losses


def torch_test_bpc(model, ids, dtype):
    import torch
    V = model["out"].out_features
    seq = torch.from_numpy(np.concatenate([[EOS_ID], ids]))  # same protocol as evaluate_bpc
    with torch.no_grad():
        h0 = torch.zeros(1, 1, model["rnn"].hidden_size, dtype=dtype)
        z, _ = torch_scores(model, seq[:-1, None], h0, V, dtype)
        nll = torch.nn.functional.cross_entropy(z[:, 0].double(), seq[1:], reduction="sum")
    return bits_per_char(float(nll), len(ids))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--hidden", type=int, default=256, help="hidden size n_a")
    ap.add_argument("--seq-len", type=int, default=50, help="truncation length T")
    ap.add_argument("--batch-size", type=int, default=32, help="parallel streams N")
    ap.add_argument("--steps", type=int, default=4000, help="Adam updates (each model)")
    ap.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate")
    ap.add_argument("--clip", type=float, default=5.0, help="global gradient-norm threshold")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=3, help="samples printed per model")
    ap.add_argument("--sample-len", type=int, default=300)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch model")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads (default: torch's choice); numpy's BLAS threads are set "
                         "by OPENBLAS_NUM_THREADS / OMP_NUM_THREADS")
    args = ap.parse_args(argv)

    data = char_dataset(python_docs_text())
    V = len(data.vocab)
    print(f"corpus: the Python help pages shipped with the course; vocabulary {V} characters; "
          f"train/valid/test {data.train.size}/{data.valid.size}/{data.test.size} characters")
    bigram, table = fit_ngram(data.train, data.valid, V, n=2)
    print("bigram alpha on validation: " + ", ".join(f"{a:g}: {b:.3f}" for a, b in table)
          + f"  -> alpha = {bigram.alpha:g}")

    rng = np.random.default_rng(args.seed)
    dtype = np.float32 if args.dtype == "float32" else np.float64
    params = init_lm_params(V, args.hidden, rng, dtype=dtype)
    init = {k: v.copy() for k, v in params.items()}
    print(f"RNN: one-hot input, n_a = {args.hidden}, T = {args.seq_len}, N = {args.batch_size}, "
          f"{args.steps} Adam updates (lr {args.lr:g}), clip {args.clip:g}, {args.dtype}; "
          f"one epoch = {(data.train.size - 1) // (args.batch_size * args.seq_len)} updates")

    np_seconds, np_losses = train_numpy(data, params, args)
    np_bpc = evaluate_bpc(params, data.test)
    print(f"numpy RNN: test {np_bpc:.3f} bits/char after {np_seconds:.1f} s of training", flush=True)

    results = [("uniform", uniform_bpc(V), None), ("bigram (add-alpha)", ngram_bpc(bigram, data.test), None),
               ("numpy RNN", np_bpc, np_seconds)]
    if not args.no_torch:
        import torch
        torch.manual_seed(args.seed)
        if args.threads:
            torch.set_num_threads(args.threads)
        tdtype = torch.float32 if args.dtype == "float32" else torch.float64
        model = torch_model(init, tdtype)
        th_seconds, th_losses = train_torch(data, model, args, tdtype)
        results.append(("PyTorch RNN", torch_test_bpc(model, data.test, tdtype), th_seconds))

    print("\ntest bits per character (lower is better)")
    for name, bpc, secs in results:
        extra = "" if secs is None else f"   training {secs:7.1f} s ({1000 * secs / args.steps:.1f} ms/update)"
        print(f"  {name:20s} {bpc:6.3f}{extra}")
    if not args.no_torch:
        print(f"  wall-time ratio numpy / PyTorch: {np_seconds / th_seconds:.2f}")
        print(f"  mean training loss of the last 100 updates (bits/char): numpy "
              f"{np.mean(np_losses[-100:]) / math.log(2):.3f}, PyTorch {np.mean(th_losses[-100:]) / math.log(2):.3f}")

    srng = np.random.default_rng(args.seed + 1)
    print(f"\nsamples of the numpy RNN (temperature {args.temperature:g}, from <EOS>, stop at <EOS>):")
    for _ in range(args.samples):
        ids = sample(params, srng, args.sample_len, temperature=args.temperature)
        print("---\n" + decode_chars(data.vocab, ids))
    print("--- greedy:\n" + decode_chars(data.vocab, sample(params, None, args.sample_len, greedy=True)))


if __name__ == "__main__":
    main()
