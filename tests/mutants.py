"""Realistic buggy solutions ("mutants"), each of which must lose points with a message naming the fault.

A mutant replaces one exact piece of a solution cell (``old`` must occur in the
source, so a mutant can never silently stop applying), then the notebook is
autograded. The test cell ``lost`` must score 0 and its message must contain
``message``.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    assignment: str
    name: str
    cell: str       # grade_id of the solution cell to change
    old: str
    new: str
    lost: str       # grade_id of the test cell that must fail
    message: str    # fragment of the feedback it must show

    @property
    def id(self) -> str:
        return f"{self.assignment}:{self.name}"


MUTANTS = [
    # ------------------------------------------------------------ 01 sequence data
    Mutant("01-sequence-data", "batch-major output", "pad_sequences",
           "return padded, lengths", "return padded.swapaxes(0, 1), lengths",
           "test_pad_sequences", "axes are swapped"),
    Mutant("01-sequence-data", "pad_value ignored", "pad_sequences",
           "pad_value,\n", "0,\n", "test_pad_sequences", "must hold pad_value"),
    Mutant("01-sequence-data", "mask off by one", "lengths_to_mask",
           "np.arange(T)[:, None] < lengths", "np.arange(T)[:, None] <= lengths",
           "test_lengths_to_mask", "off by one"),
    Mutant("01-sequence-data", "padding counted in the mean", "masked_mean",
           "/ np.sum(mask)", "/ np.size(values)", "test_masked_mean", "padding positions were counted"),
    Mutant("01-sequence-data", "0-based maths index", "token_at",
           "return padded[t - 1, i - 1]", "return padded[t, i]", "test_token_at", "off by one"),
    Mutant("01-sequence-data", "padding returned instead of IndexError", "token_at",
           "if not 1 <= t <= lengths[i - 1]:", "if not 1 <= t <= padded.shape[0]:",
           "test_token_at", "expected an IndexError"),
]
