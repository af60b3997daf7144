"""Chapter 6 training loop and evaluation."""
import math

import numpy as np
import pytest
import torch

from lm_helpers import EOS, TorchLM, tiny_lm
from rnncourse.lm.data import decode_chars
from rnncourse.lm.metrics import uniform_bpc
from rnncourse.lm.sampling import sample
from rnncourse.lm.training import evaluate_bpc, evaluate_nll, train_char_lm


# ----------------------------------------------------------------- training
def test_training_reduces_loss_on_a_tiny_corpus():
    text = "\n\n".join(["the cat sat on the mat"] * 60)
    rows = []
    r = train_char_lm(text, n_a=32, seq_len=16, batch_size=4, steps=150, lr=1e-2, clip=5.0,
                      rng=np.random.default_rng(0), eval_every=25, callback=rows.append)
    assert rows == r.history and r.steps == 150 and [h.step for h in r.history] == list(range(25, 151, 25))
    V = len(r.data.vocab)
    first, last = r.history[0].train_loss, r.history[-1].train_loss
    assert last < 0.25 * first and last < 0.2 * math.log(V)
    bpc = evaluate_bpc(r.params, r.data.test)
    assert bpc < 0.5 < uniform_bpc(V)
    total, n = evaluate_nll(r.params, r.data.test)
    assert n == r.data.test.size and bpc == pytest.approx(total / n / math.log(2))
    # the memorised phrase comes back greedily
    out = sample(r.params, None, 40, greedy=True)
    assert decode_chars(r.data.vocab, out) == "the cat sat on the mat"


def test_evaluate_matches_sequence_log_prob_of_whole_stream():
    p = tiny_lm(4, eos_bias=0.0)
    ids = np.random.default_rng(0).integers(0, 6, 37)
    z, _ = TorchLM(p)(np.r_[EOS, ids[:-1]][:, None], torch.zeros(1, 4, dtype=torch.float64))
    ref = -float(torch.log_softmax(z[:, 0].detach(), -1).gather(-1, torch.as_tensor(ids)[:, None]).sum())
    for seq_len in (1, 5, 100):
        total, n = evaluate_nll(p, ids, seq_len=seq_len)  # the state is carried across chunks
        assert n == 37 and total == pytest.approx(ref, rel=1e-12)
