"""Chapter 6: bad input gets a ValueError naming the argument."""
import numpy as np
import pytest

import rnncourse.lm
from lm_helpers import tiny_lm
from rnncourse.lm.data import char_dataset, split_paragraphs, tbptt_batches
from rnncourse.lm.metrics import bits_per_char, perplexity, sequence_log_prob
from rnncourse.lm.model import init_lm_params, lm_loss_and_grads
from rnncourse.lm.ngram import ngram_model, ngram_probs
from rnncourse.lm.optim import adagrad_step, adam_step
from rnncourse.lm.data import batches_forever
from rnncourse.lm.model import train_step
from rnncourse.lm.sampling import generate, sample, sample_from_probs, sample_next
from rnncourse.lm.training import train_char_lm


# ----------------------------------------------------------------- errors
def test_errors_name_the_argument():
    p = tiny_lm(0)
    rng = np.random.default_rng(0)
    cases = [
        (lambda: sample(p, rng, 5, temperature=0.0), "temperature"),
        (lambda: sample(p, rng, 5, temperature=-1), "temperature"),
        (lambda: sample(p, rng, 0), "max_len"),
        (lambda: sample(p, "seed", 5), "rng"),
        (lambda: sample(p, rng, 5, start=[]), "start"),
        (lambda: sample(p, rng, 5, start=[9]), "start"),
        (lambda: sample_from_probs(np.array([0.5, 0.6]), rng), "p"),
        (lambda: sample_from_probs(np.array([0.5, 0.5]), rng, temperature=0), "temperature"),
        (lambda: sample_from_probs(np.array([0.0, 1.0]), rng, exclude=(1,)), "exclude"),
        (lambda: sequence_log_prob(np.zeros((3, 2, 4)), np.zeros((3, 3), dtype=int)), r"y: expected shape \(T, N\)"),
        (lambda: sequence_log_prob(np.zeros((3, 2)), np.zeros((3, 2), dtype=int)), "z"),
        (lambda: sequence_log_prob(np.zeros((3, 2, 4)), np.zeros((3, 2), dtype=int), np.ones((3, 2))), "mask"),
        (lambda: lm_loss_and_grads(p, np.zeros((3, 2), int), np.zeros((3, 1), int)), r"targets: expected shape"),
        (lambda: lm_loss_and_grads(p, np.zeros((3, 2), int), np.zeros((3, 2), int), np.zeros((2, 5))), "a0"),
        (lambda: lm_loss_and_grads(p, np.full((3, 2), 6), np.zeros((3, 2), int)), "inputs: expected values < 6"),
        (lambda: lm_loss_and_grads({**p, "Wax": np.zeros((4, 5))}, np.zeros((1, 1), int), np.zeros((1, 1), int)),
         r"Wax: expected shape \(n_a, V\)"),
        (lambda: tbptt_batches(np.arange(3), 3, 2), "ids"),
        (lambda: tbptt_batches(np.arange(30), 0, 2), "batch_size"),
        (lambda: tbptt_batches(np.arange(30), 2, 0), "seq_len"),
        (lambda: perplexity(1.0, 0), "n_tokens"),
        (lambda: bits_per_char(1.0, 0), "n_chars"),
        (lambda: adam_step({"W": np.zeros(2)}, {"W": np.zeros(2)}, {}), "grads: expected key 'dW'"),
        (lambda: adam_step({"W": np.zeros(2)}, {"dW": np.zeros(3)}, {}), r"expected shape \(2,\)"),
        (lambda: adagrad_step({"W": np.zeros(2)}, {"dW": np.zeros(2)}, {}, lr=-1), "lr"),  # lr = 0 is valid, as in torch
        (lambda: ngram_model([0, 1], 2, alpha=0), "alpha"),
        (lambda: ngram_model([0, 5], 2), "train_ids"),
        (lambda: ngram_probs(ngram_model([0, 1], 3), (1, 2)), "context"),
        (lambda: split_paragraphs("a\n\nb\n\nc", (0.5, 0.5)), "split"),
        (lambda: char_dataset("only one paragraph"), "text"),
        (lambda: train_char_lm(3, 4, 5, 2, 10, 1e-2, 1.0, rng), "text_or_dataset"),
        (lambda: init_lm_params(5, 0, rng), "n_a"),
        (lambda: sample_next(np.zeros(4), rng), "z: expected a 2-d array"),
        (lambda: sample_next(np.zeros((2, 1)), rng), "V >= 2"),
        (lambda: sample_next(np.zeros((2, 4)), rng, temperature=0.0), "temperature"),
        (lambda: sample_next(np.zeros((2, 4)), 3), "rng"),
        (lambda: sample_next([["a"]], rng), "z"),
        (lambda: generate("step", np.zeros((1, 2)), rng, 5), "step"),
        (lambda: generate(lambda t, a: (np.zeros((1, 4)), a), np.zeros((1, 2)), rng, 0), "max_len"),
        (lambda: generate(lambda t, a: (np.zeros((1, 4)), a), np.zeros((1, 2)), rng, 3, -1.0), "temperature"),
        (lambda: generate(lambda t, a: (np.zeros((1, 4)), a), np.zeros((1, 2)), None, 3), "rng"),
        (lambda: train_step(p, np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((1, 4)), -0.1, 1.0), "lr"),
        (lambda: train_step(p, np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((1, 4)), 0.1, 0.0),
         "max_norm"),
        (lambda: train_step(p, np.zeros((2, 1), int), np.zeros((2, 2), int), np.zeros((1, 4)), 0.1, 1.0),
         "targets"),
        (lambda: train_step(p, np.zeros((2, 1), int), np.zeros((2, 1), int), np.zeros((1, 3)), 0.1, 1.0), "a0"),
        (lambda: batches_forever(np.arange(30), 2.5, 3), "batch_size"),
        (lambda: adagrad_step({"W": np.zeros(2)}, {"dW": np.zeros(2)}, {}, weight_decay=-1), "weight_decay"),
        (lambda: adam_step({"W": np.zeros(2)}, {"dW": np.zeros(2)}, {}, lr=float("nan")), "lr"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()


MODULES = ("data", "metrics", "model", "optim", "training", "sampling", "ngram")


def test_public_functions_are_references():
    """Every public function of every chapter 6 module is a guarded reference named by its one home."""
    for m in MODULES:
        mod = getattr(rnncourse.lm, m)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type):
                assert obj.reference_name == f"rnncourse.lm.{m}.{name}", name


def test_one_home_per_name():
    """No name is exported by two modules (no second home kept as a shim)."""
    seen = {}
    for m in MODULES:
        for name in getattr(rnncourse.lm, m).__all__:
            assert name not in seen, f"{name} in {seen.get(name)} and {m}"
            seen[name] = m
