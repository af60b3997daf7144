"""The corpus is part of the course: the same bytes on every machine, whatever interpreter runs it."""
import hashlib
import subprocess
import sys
from importlib import resources

import pytest

from rnncourse.corpus import CORPUS_FILE, python_docs_sentences, python_docs_text, python_docs_topics

# SHA-256 of rnncourse/data/python-docs-3.11.7-topics.json as committed. If this fails the corpus
# changed: every stored output that counts or trains on it changes too (see the data README).
CORPUS_SHA256 = "e81a4f3fc71fafbd0d092e58804c106cd251e4580938d87221636fe846f18501"


def test_corpus_file_is_the_committed_one():
    raw = resources.files("rnncourse").joinpath("data", CORPUS_FILE).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == CORPUS_SHA256


def test_corpus_has_provenance_and_licence():
    text = resources.files("rnncourse").joinpath("data", "README-python-docs.txt").read_text("utf-8")
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in text
    assert "3.11.7" in text and "pydoc_data" in text


def test_corpus_does_not_read_the_standard_library():
    code = ("import sys; from rnncourse.corpus import python_docs_text, python_docs_sentences; "
            "python_docs_text(); python_docs_sentences(); "
            "print('pydoc_data' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_corpus_text_and_topics():
    topics = python_docs_topics()
    assert len(topics) == 79 and topics == sorted(topics) and "if" in topics
    text = python_docs_text()
    assert text == "\n\n".join(python_docs_text([t]) for t in topics)
    assert text.isprintable() is False and "\x00" not in text
    assert len(python_docs_sentences()) > 1000


@pytest.mark.parametrize("bad, fragment", [(["no-such-topic"], "unknown 'no-such-topic'"),
                                           ("if", "a list of topic names")])
def test_corpus_bad_topics(bad, fragment):
    with pytest.raises(ValueError, match=fragment):
        python_docs_text(bad)
