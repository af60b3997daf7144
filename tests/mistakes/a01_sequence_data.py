"""Realistic mistakes in assignment 01-sequence-data: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "01-sequence-data"

MUTANTS = [
    Mutant(A, "batch-major output", "pad_sequences",
           "return padded, lengths", "return padded.swapaxes(0, 1), lengths",
           "test_pad_sequences", "axes are swapped"),
    Mutant(A, "pad_value ignored", "pad_sequences",
           "pad_value,\n", "0,\n", "test_pad_sequences", "must hold pad_value"),
    Mutant(A, "mask off by one", "lengths_to_mask",
           "np.arange(T)[:, None] < lengths", "np.arange(T)[:, None] <= lengths",
           "test_lengths_to_mask", "off by one"),
    Mutant(A, "padding counted in the mean", "masked_mean",
           "/ np.sum(mask)", "/ np.size(values)", "test_masked_mean", "padding positions were counted"),
    Mutant(A, "0-based maths index", "token_at",
           "return padded[t - 1, i - 1]", "return padded[t, i]", "test_token_at", "off by one"),
    Mutant(A, "padding returned instead of IndexError", "token_at",
           "if not 1 <= t <= lengths[i - 1]:", "if not 1 <= t <= padded.shape[0]:",
           "test_token_at", "expected an IndexError"),
]
