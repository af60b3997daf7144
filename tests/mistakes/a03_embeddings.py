"""Realistic mistakes in assignment 03-embeddings: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "03-embeddings"

MUTANTS = [
    Mutant(A, "ids transposed", "embedding_forward",
           "out = W[ids]", "out = W[ids.T]", "test_embedding_forward", "swapped"),
    Mutant(A, "gradient assigned, not accumulated", "embedding_backward",
           "np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, n_e))",
           "dW[cache.ids.reshape(-1)] = dout.reshape(-1, n_e)", "test_embedding_backward", "accumulated"),
    Mutant(A, "padding row trained", "embedding_backward",
           "if cache.padding_idx is not None:", "if False:", "test_embedding_backward", "padding_idx"),
    Mutant(A, "dot product instead of cosine", "cosine_similarity",
           "return (v @ u) / (np.linalg.norm(v, axis=1) * np.linalg.norm(u))", "return v @ u",
           "test_cosine_similarity", "not divided by their lengths"),
    Mutant(A, "query returned as its own neighbour", "most_similar",
           "order[order != query][:k]", "order[:k]", "test_most_similar", "query itself"),
    Mutant(A, "ascending order", "most_similar",
           'np.argsort(-sims, kind="stable")', 'np.argsort(sims, kind="stable")',
           "test_most_similar", "decreasing similarity"),
]
