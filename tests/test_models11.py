"""The PyTorch twins in rnncourse.models11 equal the numpy references (float64, padded batches)."""
import numpy as np
import pytest
import torch

from rnncourse import attention, crf, models11, tasks11


@pytest.mark.parametrize("seed", range(5))
def test_torch_crf_equals_numpy(seed):
    rng = np.random.default_rng(seed)
    T, N, K = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    L = rng.integers(1, T + 1, size=N)
    E, A, s, e = rng.normal(size=(T, N, K)), rng.normal(size=(K, K)), rng.normal(size=K), rng.normal(size=K)
    tags = rng.integers(0, K, size=(T, N))
    mask = models11.length_mask_torch(L, T)
    t = [torch.tensor(v) for v in (E, A, s, e)]
    np.testing.assert_allclose(models11.torch_crf_log_partition(t[0], mask, *t[1:]).numpy(),
                               crf.crf_log_partition(E, L, A, s, e), rtol=1e-12)
    np.testing.assert_allclose(models11.torch_crf_path_score(t[0], torch.tensor(tags), mask, *t[1:]).numpy(),
                               crf.crf_path_score(E, tags, L, A, s, e), rtol=1e-12)


def test_torch_attention_equals_numpy():
    rng = np.random.default_rng(0)
    H, q, L = rng.normal(size=(6, 3, 4)), rng.normal(size=(3, 4)), np.array([6, 2, 4])
    c, w = models11.torch_masked_attention(torch.tensor(q), torch.tensor(H), models11.length_mask_torch(L, 6))
    c2, w2 = attention.masked_attention(q, H, L)
    np.testing.assert_allclose(c.numpy(), c2, rtol=1e-12)
    np.testing.assert_allclose(w.numpy(), w2, rtol=1e-12)


def test_crf_tagger_with_rules_never_decodes_an_invalid_sequence():
    torch.manual_seed(0)
    names = tasks11.BIO_TAGS
    allowed = np.array([[tasks11.bio_allowed(a, b) for b in names] for a in names + [None]])
    m = models11.Tagger(len(tasks11.BIO_WORDS), len(names), crf=True, allowed=allowed).double()
    x, y, L = tasks11.bio_batch(np.random.default_rng(1), 50)
    tags = m.decode(torch.as_tensor(x), L)  # untrained: random emissions, the rule still holds
    assert all(tasks11.bio_is_valid(tags[:n, i]) for i, n in enumerate(L))
    assert np.isfinite(float(m.loss(torch.as_tensor(x), torch.as_tensor(y), L).detach()))


def test_models_run_forward():
    torch.manual_seed(0)
    x, L, _, _ = tasks11.keyterm_batch(np.random.default_rng(0), 4)
    logits, w = models11.KeytermClassifier(21, 4).double()(torch.as_tensor(x), L)
    assert logits.shape == (4, 4) and torch.allclose(w.sum(0), torch.ones(4, dtype=w.dtype))
    assert (w.detach().numpy()[np.arange(x.shape[0])[:, None] >= L] == 0).all()
    xs, ys, mask, _ = tasks11.copy_batch(np.random.default_rng(0), 3)
    out, ws = models11.TinyNTM(5, 4).double()(torch.as_tensor(xs))
    assert out.shape == (xs.shape[0], 3, 4)
    assert torch.allclose(ws.sum(-1), torch.ones_like(ws.sum(-1)))
    s2s = models11.Seq2Seq(8, 8).double()
    pred, w = s2s.greedy(torch.as_tensor(x % 8), L, 3)
    assert pred.shape == (3, 4) and w.shape == (3, x.shape[0], 4)
