"""Realistic mistakes in assignment 02-vocabulary: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "02-vocabulary"

MUTANTS = [
    Mutant(A, "min_freq exclusive", "build_vocab",
           "c >= min_freq", "c > min_freq", "test_build_vocab", "min_freq is inclusive"),
    Mutant(A, "ties by first occurrence", "build_vocab",
           "key=lambda token: (-counts[token], token)", "key=lambda token: -counts[token]",
           "test_build_vocab", "broken alphabetically"),
    Mutant(A, "special tokens missing", "build_vocab",
           "return SPECIALS + kept", "return kept", "test_build_vocab", "start with the special tokens"),
    Mutant(A, "<UNK> not used: unknown tokens dropped", "encode",
           "[stoi.get(token, stoi[UNK]) for token in tokens]", "[stoi[token] for token in tokens if token in stoi]",
           "test_encode", "unknown tokens were dropped"),
    Mutant(A, "<UNK> not used: KeyError", "encode",
           "stoi.get(token, stoi[UNK])", "stoi[token]", "test_encode", "must be encoded as <UNK>"),
    Mutant(A, "<EOS> not appended", "encode",
           "ids.append(stoi[EOS])", "pass", "test_encode", "<EOS> was not appended"),
    Mutant(A, "decode does not stop at <EOS>", "decode",
           "if token == EOS:\n            break", "if token == EOS:\n            pass", "test_decode",
           "stops at <EOS>"),
    Mutant(A, "one-hot off by one", "one_hot",
           "np.eye(num_classes)[ids]", "np.eye(num_classes)[ids - 1]", "test_one_hot", "off by one"),
    Mutant(A, "negative ids wrap around", "one_hot",
           "if ids.size and (ids.min() < 0 or ids.max() >= num_classes):", "if False:",
           "test_one_hot", "must raise ValueError"),
]
