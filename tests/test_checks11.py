"""The deliberately wrong variants behind chapter 11's diagnoses equal the reference with nothing changed."""
import sys

import numpy as np
import pytest

from rnncourse import attention as att, crf
from rnncourse.checks import ch11

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from mistakes import a11_attention_structure as cat  # noqa: E402


@pytest.mark.parametrize("seed", range(5))
def test_variants_with_nothing_changed_equal_the_reference(seed):
    rng = np.random.default_rng(seed)
    a = ch11._att_random(rng)[seed % 6].args
    ctx, w = att.masked_attention(**a)
    scores = att.attention_scores(a["q"], a["H"])
    np.testing.assert_allclose(ch11._softmax_variant(scores, a["lengths"]), w, rtol=1e-12)
    np.testing.assert_allclose(ch11._context(w, a["H"]), ctx, rtol=1e-12)
    c2, w2 = cat._attention(**a)
    np.testing.assert_allclose(w2, w, rtol=1e-12)
    np.testing.assert_allclose(c2, ctx, rtol=1e-12)
    for case in ch11._crf_random(rng):
        b = case.args
        np.testing.assert_allclose(cat._forward(**b), crf.crf_log_partition(**b), rtol=1e-12)
        tags, best = crf.crf_viterbi(**b)
        t2, b2 = cat._viterbi(**b)
        assert (t2 == tags).all()
        np.testing.assert_allclose(b2, best, rtol=1e-12)
        np.testing.assert_allclose(ch11._max_forward(*(b[k] for k in ("emissions", "lengths", "transitions", "start", "stop"))), best, rtol=1e-12)
