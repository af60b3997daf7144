"""The course's text corpus: the help pages of the Python language reference.

The pages (about 466,000 characters of English prose and code samples) are
the ones CPython 3.11.7 ships in ``pydoc_data.topics``, copied into the package
as ``rnncourse/data/python-docs-3.11.7-topics.json`` (provenance and the PSF
licence are in ``rnncourse/data/README-python-docs.txt``). The course reads
its own copy, never the running interpreter's standard library, whose text
changes between Python patch releases: every stored output depends only on
files of the course. The functions here turn it into deterministic corpora.
"""
from __future__ import annotations

import functools
import json
import re
from importlib import resources

__all__ = ["python_docs_text", "python_docs_sentences", "python_docs_topics", "CORPUS_FILE"]

CORPUS_FILE = "python-docs-3.11.7-topics.json"

_UNDERLINE = re.compile(r"^[*=~^-]{3,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@functools.lru_cache(maxsize=1)
def _pages() -> dict:
    raw = resources.files("rnncourse").joinpath("data", CORPUS_FILE).read_bytes()
    return json.loads(raw.decode("utf-8"))


def python_docs_topics() -> list:
    """The topic names of the corpus, sorted (79 names such as ``"if"``)."""
    return sorted(_pages())


def python_docs_text(topics=None) -> str:
    """The help pages as one string, topics in alphabetical order.

    ``topics`` restricts the result to some topic names (see
    :func:`python_docs_topics`); unknown names raise ``ValueError``.
    """
    pages = _pages()
    if isinstance(topics, str):
        raise ValueError(f"topics: expected a list of topic names, got the string {topics!r}")
    names = sorted(pages) if topics is None else list(topics)
    missing = [n for n in names if n not in pages]
    if missing:
        raise ValueError(f"topics: expected names from python_docs_topics(), got unknown {missing[0]!r}")
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
