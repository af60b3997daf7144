"""Chapter 9's longer run: a bidirectional GRU or LSTM trained with CTC on the speech-like task.

    .venv/bin/python scripts/ctc_speechlike.py [--cell gru|lstm] [--steps 3000] [--hidden 32]
        [--noise 0.3] [--seed 0] [--beam 8]

Same task, model and protocol as the chapter (float64, Adam, batches of 32 fresh examples, gradients
clipped to norm 1), for more steps, with the learning rate falling linearly from 1e-2 to 1e-3. Prints the label error rates of trimming (the true frame
labels and the model's non-blank argmax), best-path and prefix beam decoding on 500 test examples, the
share of real frames where the blank is the most probable symbol, and checks that the course's numpy CTC
loss and gradient equal PyTorch's on the trained model's outputs.
"""
from __future__ import annotations

import argparse
import itertools

import numpy as np
import torch
import torch.nn.functional as F

from rnncourse import ctc_batch, ctc_decode, speechlike
from rnncourse.progress import progress


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", choices=("gru", "lstm"), default="gru")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--beam", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-2, help="initial learning rate")
    ap.add_argument("--lr-end", type=float, default=1e-3, help="final learning rate (linear decay)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    task = speechlike.make_task(rng, n_labels=5, n_features=8, noise=args.noise)
    test = speechlike.make_batch(rng, task, 500)
    model = speechlike.make_model(8, args.hidden, 6, cell=args.cell, seed=args.seed)
    losses = speechlike.train_ctc(model, task, rng, steps=args.steps, lr=args.lr, lr_end=args.lr_end,
                                  progress=lambda r: progress(r, desc=f"CTC {args.cell}"))
    print(f"{args.cell}, {args.steps} steps: mean training loss of the last 100 steps "
          f"{np.mean(losses[-100:]):.3f}")
    with torch.no_grad():
        logits = model(torch.tensor(test["x"])).numpy()
    lengths, refs = test["input_lengths"], test["labels"]
    log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
    no_blank = logits[:, :, 1:].argmax(axis=2) + 1
    decoders = {
        "trimming true frame labels": [[k for k, _ in itertools.groupby(fl) if k] for fl in test["frame_labels"]],
        "trimming the model": [[k for k, _ in itertools.groupby(no_blank[:n, j])] for j, n in enumerate(lengths)],
        "best path (greedy)": ctc_decode.greedy_decode(logits, lengths),
        f"prefix beam search ({args.beam})": [list(ctc_decode.prefix_beam_search(log_probs[:n, j], args.beam)[0][0])
                                              for j, n in enumerate(lengths)],
    }
    for name, hyp in decoders.items():
        print(f"{name:>27}: label error rate {ctc_decode.label_error_rate(hyp, refs):.3f}")
    real = np.arange(logits.shape[0])[:, None] < lengths[None, :]
    print(f"blank most probable on {np.mean(logits.argmax(axis=2)[real] == 0):.1%} of the real frames")
    batch = (test["targets"], lengths, test["target_lengths"])
    ours, dz = ctc_batch.ctc_loss(logits, *batch)
    zt = torch.tensor(logits, requires_grad=True)
    theirs = F.ctc_loss(zt.log_softmax(2), *(torch.tensor(a) for a in batch))
    theirs.backward()
    print(f"test CTC loss: numpy {ours:.6f}, PyTorch {theirs.item():.6f}, gradients equal: "
          f"{np.allclose(dz, zt.grad.numpy(), rtol=1e-8, atol=1e-12)}")


if __name__ == "__main__":
    main()
