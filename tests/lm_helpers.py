"""Shared helpers of the chapter 6 tests (tests/test_lm_*.py): PyTorch twins and a chi-square test."""
import numpy as np
import torch
import torch.nn.functional as F

from rnncourse.lm.model import init_lm_params
from rnncourse.bridges import to_torch_rnn

UNK, EOS = 1, 2

# Upper 0.001 quantiles of the chi-square distribution, df -> x with P(X > x) = 0.001
# (standard tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4); verified below with
# torch.special.gammaincc: P(X > x) = Q(df / 2, x / 2).
CHI2_999 = {2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458, 7: 24.322, 8: 26.124, 9: 27.877}


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def chi_square(counts, probs):
    """Pearson's statistic sum (O - E)^2 / E and its degrees of freedom.

    Categories whose expected count is below 1 (e.g. a suppressed <EOS>) must
    not have been drawn and are left out; the rest is renormalised. Every
    remaining expected count must be >= 5 for the chi-square approximation.
    """
    counts, probs = np.asarray(counts, float), np.asarray(probs, float)
    n = counts.sum()
    keep = probs * n >= 1
    assert counts[~keep].sum() == 0 and probs[~keep].sum() * n < 1e-3
    expected = n * probs[keep] / probs[keep].sum()
    assert expected.min() >= 5, "chi-square needs expected counts >= 5"
    return float(((counts[keep] - expected) ** 2 / expected).sum()), int(keep.sum()) - 1


def random_params(rng, V, n_a, n_e=None, scale=0.5):
    """LM params with every entry random (biases included)."""
    p = init_lm_params(V, n_a, rng, n_e=n_e)
    return {k: rng.normal(scale=scale, size=v.shape) for k, v in p.items()}


class TorchLM(torch.nn.Module):
    """nn.Embedding (or one-hot) + nn.RNN + nn.Linear with the weights of a numpy parameter dict."""

    def __init__(self, p):
        super().__init__()
        self.V = p["Wya"].shape[0]
        self.emb = None
        if "E" in p:
            self.emb = torch.nn.Embedding(*p["E"].shape, dtype=torch.float64)
            with torch.no_grad():
                self.emb.weight.copy_(t64(p["E"]))
        self.rnn = to_torch_rnn(p["Wax"], p["Waa"], p["ba"])
        self.out = torch.nn.Linear(p["Wya"].shape[1], self.V, dtype=torch.float64)
        with torch.no_grad():
            self.out.weight.copy_(t64(p["Wya"]))
            self.out.bias.copy_(t64(p["by"]))

    def forward(self, ids, h0):
        ids = torch.as_tensor(np.asarray(ids))
        x = self.emb(ids) if self.emb is not None else F.one_hot(ids, self.V).double()
        a, h = self.rnn(x, h0[None])
        return self.out(a), h[0]

    def grads(self):
        g = {"dWax": self.rnn.weight_ih_l0.grad, "dWaa": self.rnn.weight_hh_l0.grad,
             "dba": self.rnn.bias_ih_l0.grad, "dWya": self.out.weight.grad, "dby": self.out.bias.grad}
        if self.emb is not None:
            g["dE"] = self.emb.weight.grad
        return {k: v.numpy() for k, v in g.items()}



def tiny_lm(seed, V=6, n_a=4, unk_bias=0.0, eos_bias=-50.0):
    rng = np.random.default_rng(seed)
    p = random_params(rng, V, n_a)
    p["by"][UNK] += unk_bias
    p["by"][EOS] += eos_bias
    return p
