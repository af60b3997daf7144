"""Realistic mistakes in assignment 06-language-models: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "06-language-models"

MUTANTS = [
    Mutant(A, "softmax over the time axis", "sequence_log_prob",
           "shifted = z - z.max(axis=-1, keepdims=True)\n    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))",
           "shifted = z - z.max(axis=0, keepdims=True)\n    logp = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))",
           "test_sequence_log_prob", "wrong axis"),
    Mutant(A, "mask ignored", "sequence_log_prob",
           "if mask is not None:", "if False:", "test_sequence_log_prob", "use the mask"),
    Mutant(A, "perplexity of the total", "perplexity",
           "np.exp(total_nll / n_tokens)", "np.exp(total_nll)", "test_perplexity", "average"),
    Mutant(A, "temperature applied after the softmax", "sample_next",
           "p = softmax(row / temperature)", "p = softmax(row) / temperature\n        p = p / p.sum()",
           "test_sample_next", "temperature has no effect"),
    Mutant(A, "<UNK> not resampled", "sample_next",
           "if k == UNK_ID:", "if False:", "test_sample_next", "<UNK> (id 1) was returned"),
    Mutant(A, "sample not fed back", "generate",
           "token = k  # the sample becomes the next input", "pass", "test_generate", "fed back"),
    Mutant(A, "<EOS> does not stop", "generate",
           "if k == EOS_ID:\n            break", "if k == EOS_ID:\n            pass", "test_generate", "must stop"),
    Mutant(A, "loss averaged instead of summed", "train_step",
           'reduction="sum"', 'reduction="mean"', "test_train_step", "averaged"),
    Mutant(A, "no clipping", "train_step",
           "grads, _ = clip_by_norm(grads, max_norm)", "pass", "test_train_step", "not clipped"),
    Mutant(A, "update uphill", "train_step",
           "p[k] - lr * grads[k]", "p[k] + lr * grads[k]", "test_train_step", "uphill"),
]
