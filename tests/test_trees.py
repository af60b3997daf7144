"""rnncourse.trees: linearisation round trip and the well-formedness check."""
import numpy as np
import pytest

from rnncourse import tasks11, trees

TREE = ("S", ("NP", "the", "dog"), ("VP", "runs"))


def test_linearize_example():
    assert trees.linearize(TREE) == ["(S", "(NP", "the", "dog", ")NP", "(VP", "runs", ")VP", ")S"]
    assert trees.linearize(TREE, words=False)[2:4] == ["XX", "XX"]


def test_round_trip_on_random_trees_of_the_grammar():
    rng = np.random.default_rng(0)
    for _ in range(200):
        tree = tasks11.grammar_tree(rng)
        tokens = trees.linearize(tree)
        assert trees.is_well_formed(tokens)
        assert trees.delinearize(tokens) == tree
        assert trees.leaves(tree) == [t for t in tokens if t[0] not in "()"]


@pytest.mark.parametrize("tokens", [
    [], ["(S", "a"], ["(S", "a", ")NP"], ["a", "(S", ")S"], ["(S", ")S"], ["(S", "a", ")S", ")S"],
    ["(S", "a", ")S", "(S", "b", ")S"], ["(S", "(", "a", ")S"], ["(S", "(NP", "a", ")S", ")NP"],
])
def test_malformed_sequences_are_rejected(tokens):
    assert not trees.is_well_formed(tokens)
    with pytest.raises(ValueError, match="not a well-formed"):
        trees.delinearize(tokens)


@pytest.mark.parametrize("bad", [("S",), ("S", ""), ("S", "(x"), ("(S", "a"), ("S", 3), "a b"])
def test_bad_trees_are_rejected(bad):
    with pytest.raises(ValueError, match="tree"):
        trees.linearize(bad)
