"""Chapter 6 n-gram baselines against brute-force counting."""
import math
from collections import Counter

import numpy as np
import pytest

from lm_helpers import EOS
from rnncourse.corpus import python_docs_text
from rnncourse.lm.data import char_dataset
from rnncourse.lm.metrics import uniform_bpc
from rnncourse.lm.ngram import fit_ngram, ngram_bpc, ngram_model, ngram_nll, ngram_probs


# ----------------------------------------------------------------- n-grams
def test_ngram_probabilities_and_brute_force():
    rng = np.random.default_rng(0)
    V = 7
    ids = rng.integers(0, V, 300)
    for n in (1, 2, 3):
        m = ngram_model(ids, V, n=n, alpha=0.3)
        for ctx in [(), (3,), (4, 5)]:
            if len(ctx) == n - 1:
                np.testing.assert_allclose(ngram_probs(m, ctx).sum(), 1.0)
    # bigram by hand, <EOS> in front of the stream
    m = ngram_model(ids, V, n=2, alpha=0.3)
    stream = [EOS] + ids.tolist()
    pairs, ctx = Counter(zip(stream[:-1], stream[1:])), Counter(stream[:-1])
    test = rng.integers(0, V, 50).tolist()
    ref = -sum(math.log((pairs[(a, b)] + 0.3) / (ctx[a] + 0.3 * V)) for a, b in zip([EOS] + test[:-1], test))
    total, n = ngram_nll(m, test)
    assert n == 50 and total == pytest.approx(ref, rel=1e-12)


def test_bigram_beats_uniform_on_text():
    d = char_dataset(python_docs_text(["if", "while", "for", "try", "with", "function", "class", "import"]))
    V = len(d.vocab)
    m, table = fit_ngram(d.train, d.valid, V)
    assert m.alpha == min(table, key=lambda r: r[1])[0]
    assert ngram_bpc(m, d.test) < uniform_bpc(V) - 2
    assert ngram_bpc(ngram_model(d.train, V, n=1, alpha=m.alpha), d.test) > ngram_bpc(m, d.test)
