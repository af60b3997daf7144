"""Chapter 6 model: loss and gradients against PyTorch (float64) and finite differences."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lm_helpers import TorchLM, random_params, t64
from rnncourse.gradcheck import numerical_gradient, relative_error
from rnncourse.lm.model import init_lm_params, lm_forward, lm_loss_and_grads


# ------------------------------------------------------------------ model
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_e", [None, 3])
def test_lm_loss_and_grads_match_torch(seed, n_e):
    rng = np.random.default_rng(seed)
    V, n_a = int(rng.integers(3, 9)), int(rng.integers(1, 6))
    T, N = int(rng.integers(1, 7)), int(rng.integers(1, 5))
    p = random_params(rng, V, n_a, n_e)
    x, y = rng.integers(0, V, (T, N)), rng.integers(0, V, (T, N))
    a0 = rng.normal(size=(N, n_a))
    mask = rng.random((T, N)) < 0.8 if seed % 2 else None
    reduction = "mean" if seed % 3 == 0 else "sum"
    loss, g, a_last = lm_loss_and_grads(p, x, y, a0, mask=mask, reduction=reduction)

    model = TorchLM(p)
    z, h = model(x, t64(a0))
    w = torch.ones(T, N, dtype=torch.float64) if mask is None else torch.as_tensor(mask).double()
    per = F.cross_entropy(z.reshape(T * N, V), torch.as_tensor(y).reshape(-1), reduction="none")
    tl = (per * w.reshape(-1)).sum()
    if reduction == "mean":
        tl = tl / max(float(w.sum()), 1.0)
    tl.backward()
    assert loss == pytest.approx(float(tl.detach()), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(a_last, h.detach().numpy(), rtol=1e-12, atol=1e-12)
    tg = model.grads()
    assert set(g) == set(tg) == {"d" + k for k in p}
    for k in tg:
        np.testing.assert_allclose(g[k], tg[k], rtol=1e-10, atol=1e-12, err_msg=k)
    z2, a2 = lm_forward(p, x, a0)
    np.testing.assert_allclose(z2, z.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_e", [None, 2])
def test_lm_grads_finite_differences(n_e):
    rng = np.random.default_rng(7)
    V, n_a, T, N = 4, 3, 3, 2
    p = random_params(rng, V, n_a, n_e, scale=0.8)
    x, y, a0 = rng.integers(0, V, (T, N)), rng.integers(0, V, (T, N)), rng.normal(size=(N, n_a))
    _, g, _ = lm_loss_and_grads(p, x, y, a0)
    for k in p:
        num = numerical_gradient(lambda: lm_loss_and_grads(p, x, y, a0)[0], p[k])
        assert relative_error(g["d" + k], num) < 1e-7, k


def test_init_lm_params_shapes():
    p = init_lm_params(10, 4, np.random.default_rng(0))
    assert {k: v.shape for k, v in p.items()} == {"Wax": (4, 10), "Waa": (4, 4), "ba": (4,),
                                                  "Wya": (10, 4), "by": (10,)}
    q = init_lm_params(10, 4, np.random.default_rng(0), n_e=3, dtype=np.float32)
    assert q["E"].shape == (10, 3) and q["Wax"].shape == (4, 3) and q["Wax"].dtype == np.float32
    np.testing.assert_array_equal(init_lm_params(10, 4, np.random.default_rng(5))["Waa"],
                                  init_lm_params(10, 4, np.random.default_rng(5))["Waa"])
