"""Chapter 6 optimisers against torch.optim (float64)."""
import numpy as np
import pytest
import torch

from lm_helpers import t64
from rnncourse.lm.optim import adagrad_step, adam_step


# ------------------------------------------------------------- optimisers
def _random_problem(seed):
    rng = np.random.default_rng(seed)
    shapes = {"W": (int(rng.integers(1, 5)), int(rng.integers(1, 5))), "b": (int(rng.integers(1, 5)),)}
    params = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = [{"d" + k: rng.normal(scale=rng.choice([1e-3, 1.0, 10.0]), size=s) for k, s in shapes.items()}
             for _ in range(5)]
    return params, grads


@pytest.mark.parametrize("seed", range(4))
def test_adam_matches_torch(seed):
    params, grads = _random_problem(seed)
    kw = dict(lr=[1e-3, 3e-2, 0.1, 1e-2][seed], betas=[(0.9, 0.999), (0.8, 0.99), (0.5, 0.9), (0.0, 0.999)][seed],
              eps=[1e-8, 1e-6, 1e-3, 1e-8][seed], weight_decay=[0.0, 0.0, 0.1, 0.01][seed])
    tp = {k: t64(v, True) for k, v in params.items()}
    opt = torch.optim.Adam(list(tp.values()), **kw)
    state = {}
    for g in grads:
        adam_step(params, g, state, **kw)
        for k, v in tp.items():
            v.grad = t64(g["d" + k])
        opt.step()
        for k in params:
            np.testing.assert_allclose(params[k], tp[k].detach().numpy(), rtol=1e-12, atol=1e-14)
    assert state["t"] == 5


@pytest.mark.parametrize("seed", range(4))
def test_adagrad_matches_torch(seed):
    params, grads = _random_problem(seed + 10)
    kw = dict(lr=[1e-2, 0.1, 0.5, 1e-3][seed], lr_decay=[0.0, 0.1, 0.0, 0.01][seed],
              initial_accumulator_value=[0.0, 0.0, 0.3, 0.0][seed], weight_decay=[0.0, 0.05, 0.0, 0.2][seed])
    tp = {k: t64(v, True) for k, v in params.items()}
    opt = torch.optim.Adagrad(list(tp.values()), eps=1e-10, **kw)
    state = {}
    for g in grads:
        adagrad_step(params, g, state, **kw)
        for k, v in tp.items():
            v.grad = t64(g["d" + k])
        opt.step()
        for k in params:
            np.testing.assert_allclose(params[k], tp[k].detach().numpy(), rtol=1e-12, atol=1e-14)


BAD_HYPER = [("adam", dict(lr=-1e-3)), ("adam", dict(eps=-1.0)), ("adam", dict(betas=(1.0, 0.9))),
             ("adam", dict(betas=(0.9, -0.1))), ("adam", dict(weight_decay=-0.1)), ("adam", dict(lr=float("nan"))),
             ("adagrad", dict(lr=-1.0)), ("adagrad", dict(lr_decay=-0.1)), ("adagrad", dict(eps=-1e-3)),
             ("adagrad", dict(weight_decay=-1.0)), ("adagrad", dict(initial_accumulator_value=-1.0))]


@pytest.mark.parametrize("opt, kw", BAD_HYPER, ids=[f"{o}-{next(iter(k))}" for o, k in BAD_HYPER])
def test_hyper_parameters_are_validated_as_torch_optim(opt, kw):
    """What torch.optim refuses, ours refuses, with a ValueError naming the hyper-parameter."""
    cls, fn = {"adam": (torch.optim.Adam, adam_step), "adagrad": (torch.optim.Adagrad, adagrad_step)}[opt]
    with pytest.raises(ValueError):
        cls([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=next(iter(kw))):
        fn({"W": np.ones(2)}, {"dW": np.ones(2)}, {}, **kw)


@pytest.mark.parametrize("opt, kw", [("adam", dict(lr=0.0)), ("adam", dict(betas=(0.0, 0.0), eps=0.0)),
                                     ("adagrad", dict(lr=0.0, eps=0.0, lr_decay=0.0))])
def test_boundary_hyper_parameters_are_accepted_as_by_torch_optim(opt, kw):
    cls, fn = {"adam": (torch.optim.Adam, adam_step), "adagrad": (torch.optim.Adagrad, adagrad_step)}[opt]
    cls([torch.zeros(2, requires_grad=True)], **kw)
    fn({"W": np.ones(2)}, {"dW": np.ones(2)}, {}, **kw)
