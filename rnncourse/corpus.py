"""Real text that ships with Python itself, so that no chapter downloads anything.

The standard library's ``pydoc_data.topics`` holds the help pages of the
Python language reference (about 465,000 characters of English prose and code
samples). The functions here turn it into deterministic corpora.
"""
from __future__ import annotations

import re

__all__ = ["python_docs_text", "python_docs_sentences"]

_UNDERLINE = re.compile(r"^[*=~^-]{3,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def python_docs_text(topics=None) -> str:
    """The help pages as one string, topics in alphabetical order.

    ``topics`` restricts the result to some topic names (see
    ``sorted(pydoc_data.topics.topics)``); unknown names raise ``ValueError``.
    """
    from pydoc_data.topics import topics as pages
    names = sorted(pages) if topics is None else list(topics)
    missing = [n for n in names if n not in pages]
    if missing:
        raise ValueError(f"topics: expected names from pydoc_data.topics, got unknown {missing[0]!r}")
    return "\n\n".join(pages[n] for n in names)


def python_docs_sentences(min_words: int = 3) -> list:
    """Prose sentences of the help pages, as strings.

    Indented lines (code samples, grammar rules), table rows and section
    titles are dropped; a sentence must
    have at least ``min_words`` whitespace-separated words.
    """
    lines = python_docs_text().splitlines()
    prose_lines = []
    for k, ln in enumerate(lines):
        underline = k + 1 < len(lines) and _UNDERLINE.match(lines[k + 1])
        if (not ln.strip() or ln.startswith((" ", "\t", "+", "|", ">>>")) or _UNDERLINE.match(ln)
                or underline):
            continue  # blank, code sample, table row, or a section title and its underline
        prose_lines.append(ln.strip())
    paragraphs = " ".join(prose_lines)
    return [s.strip() for s in _SENTENCE_END.split(paragraphs) if len(s.split()) >= min_words]
