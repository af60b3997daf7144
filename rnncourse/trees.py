"""Chapter 11, "beyond sequence": a parse tree written as a sequence of tokens, and back.

A tree is a nested tuple ``(label, child, child, ...)`` whose leaves are word strings, e.g.
``("S", ("NP", "the", "dog"), ("VP", "runs"))``. Vinyals et al. (*Grammar as a foreign
language*) write it depth first with labelled brackets, so that a sequence-to-sequence model can
output a tree one token at a time:

``(S (NP the dog )NP (VP runs )VP )S``

==============  ==================================================================
token           meaning
==============  ==================================================================
``(X``          open a constituent labelled X
``)X``          close the innermost open constituent, which must be labelled X
anything else   a word (a leaf); with ``words=False`` every word is written ``XX``
==============  ==================================================================

A token sequence is *well formed* when it is exactly one tree: the first token opens the root,
each closing bracket matches the innermost open one, the last token closes the root, every
constituent holds at least one child. A model's output can fail this (an unclosed bracket, a
``)VP`` closing an ``(NP``); chapter 11 measures how often.
"""
from __future__ import annotations

__all__ = ["linearize", "delinearize", "is_well_formed", "leaves", "WORD"]

WORD = "XX"


def _check_tree(tree, path="tree"):
    if isinstance(tree, str):
        if not tree or tree[0] in "()" or " " in tree:
            raise ValueError(f"{path}: a word must be a non-empty string without spaces that does not start "
                             f"with a bracket, got {tree!r}")
        return
    if not isinstance(tree, tuple) or len(tree) < 2 or not isinstance(tree[0], str) or not tree[0]:
        raise ValueError(f"{path}: expected a word or a tuple (label, child, ...) with at least one child, "
                         f"got {tree!r}"[:300])
    if any(c in tree[0] for c in "() "):
        raise ValueError(f"{path}: a label cannot contain brackets or spaces, got {tree[0]!r}")
    for k, child in enumerate(tree[1:]):
        _check_tree(child, f"{path}[{k + 1}]")


def linearize(tree, words: bool = True) -> list:
    """The bracketed token sequence of ``tree`` (depth first).

    Inputs:
    - tree: nested tuple ``(label, child, ...)`` with word strings as leaves.
    - words: if False, every word is written as ``"XX"`` (only the structure is kept).

    Returns a list of str tokens.
    """
    _check_tree(tree)
    out = []

    def walk(node):
        if isinstance(node, str):
            out.append(node if words else WORD)
            return
        out.append("(" + node[0])  # open the constituent
        for child in node[1:]:
            walk(child)
        out.append(")" + node[0])  # close it with its own label, so a mismatch is visible
    walk(tree)
    return out


def _parse(tokens):
    """(tree, None) or (None, reason)."""
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) and t for t in tokens):
        return None, "expected a list of non-empty str tokens"
    if not tokens:
        return None, "the sequence is empty"
    if not tokens[0].startswith("(") or len(tokens[0]) < 2:
        return None, f"the first token must open the root, got {tokens[0]!r}"
    stack = []  # open constituents: [label, children...]
    root = None
    for k, tok in enumerate(tokens):
        if root is not None:
            return None, f"token {k} ({tok!r}) comes after the root was closed"
        if tok.startswith("(") and len(tok) > 1:
            stack.append([tok[1:]])
        elif tok.startswith(")") and len(tok) > 1:
            if not stack:
                return None, f"token {k} ({tok!r}) closes a bracket that was never opened"
            if stack[-1][0] != tok[1:]:
                return None, f"token {k} ({tok!r}) closes the open constituent ({stack[-1][0]}"
            if len(stack[-1]) == 1:
                return None, f"token {k} ({tok!r}) closes an empty constituent"
            node = tuple(stack.pop())
            if stack:
                stack[-1].append(node)
            else:
                root = node
        elif tok[0] in "()":
            return None, f"token {k} ({tok!r}) is a bracket without a label"
        else:
            if not stack:
                return None, f"token {k} ({tok!r}) is a word outside every constituent"
            stack[-1].append(tok)
    if root is None:
        return None, f"{len(stack)} constituent(s) left open at the end"
    return root, None


def is_well_formed(tokens) -> bool:
    """Whether ``tokens`` is exactly one tree (see the module docstring)."""
    return _parse(tokens)[0] is not None


def delinearize(tokens):
    """The tree of a well-formed token sequence (inverse of :func:`linearize`); ValueError saying why otherwise."""
    tree, reason = _parse(tokens)
    if tree is None:
        raise ValueError(f"tokens: not a well-formed bracketed sequence: {reason}")
    return tree


def leaves(tree) -> list:
    """The words of ``tree`` from left to right."""
    _check_tree(tree)
    if isinstance(tree, str):
        return [tree]
    return [w for child in tree[1:] for w in leaves(child)]
