"""Chapter 6 reference: RNN language models against PyTorch (float64), statistics and brute force."""
import math
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse import lm
from rnncourse.corpus import python_docs_text
from rnncourse.gradcheck import numerical_gradient, relative_error
from rnncourse.lm import (LMDataset, adagrad_step, adam_step, bits_per_char, char_dataset, decode_chars,
                          evaluate_bpc, evaluate_nll, fit_ngram, init_lm_params, lm_forward, lm_loss_and_grads,
                          ngram_bpc, ngram_model, ngram_nll, ngram_probs, perplexity, sample, sample_from_probs,
                          sequence_log_prob, split_paragraphs, tbptt_batches, train_char_lm, uniform_bpc,
                          word_dataset)
from rnncourse.bridges import to_torch_rnn
from rnncourse.losses import softmax

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


def test_chi_square_table():
    for df, x in CHI2_999.items():
        q = torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64), torch.tensor(x / 2, dtype=torch.float64))
        assert abs(float(q) - 1e-3) < 2e-6, df


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


# ------------------------------------------------------------------- data
def test_split_and_char_dataset_unk_for_unseen():
    paras = [f"paragraph {k} " + "abc " * (k % 5 + 1) for k in range(40)]
    paras[-1] += "Z"  # a character only in the test part
    text = "\n\n".join(paras)
    tr, va, te = split_paragraphs(text, (0.8, 0.1, 0.1))
    assert tr + va + te == paras and min(len(tr), len(va), len(te)) >= 1
    d = char_dataset(text, (0.8, 0.1, 0.1))
    assert isinstance(d, LMDataset) and d.level == "char"
    assert "Z" not in d.vocab and d.test[-2] == UNK and d.test[-1] == EOS
    assert decode_chars(d.vocab, d.train) == "\n\n".join(tr) + "\n\n"
    assert d.train.size == d.n_chars["train"] and d.test.size == d.n_chars["test"]
    # same text again: the same ids (deterministic, no randomness)
    np.testing.assert_array_equal(char_dataset(text, (0.8, 0.1, 0.1)).valid, d.valid)


def test_word_dataset_counts_the_same_characters():
    text = python_docs_text(["if", "while", "for", "try", "with", "function"])
    c, w = char_dataset(text), word_dataset(text, min_freq=2)
    assert w.level == "word" and w.n_chars == c.n_chars
    assert w.train.size < c.train.size  # fewer words than characters
    train_counts = Counter(lm.tokenize_words(" ".join(split_paragraphs(text)[0])))
    rare = [t for t, n in train_counts.items() if n < 2]
    assert rare and all(t not in w.vocab for t in rare)
    assert (w.test == UNK).any()


# -------------------------------------------------------------- batching
@pytest.mark.parametrize("seed", range(6))
def test_tbptt_batches_streams_are_contiguous(seed):
    rng = np.random.default_rng(seed)
    L, N, T = int(rng.integers(10, 200)), int(rng.integers(1, 6)), int(rng.integers(1, 12))
    ids = rng.permutation(L)  # distinct tokens: positions are recoverable
    batches = list(tbptt_batches(ids, N, T))
    M = (L - 1) // N
    assert all(x.shape == y.shape and x.shape[1] == N and 1 <= x.shape[0] <= T for x, y in batches)
    assert all(x.shape[0] == T for x, _ in batches[:-1])
    X = np.concatenate([x for x, _ in batches])  # (M, N): batch k+1 continues batch k
    Y = np.concatenate([y for _, y in batches])
    for n in range(N):
        np.testing.assert_array_equal(X[:, n], ids[n * M:(n + 1) * M])
        np.testing.assert_array_equal(Y[:, n], ids[n * M + 1:(n + 1) * M + 1])  # shifted by one
    # every target position once, in order
    np.testing.assert_array_equal(np.sort(Y.T.reshape(-1)), np.sort(ids[1:N * M + 1]))
    assert len(list(tbptt_batches(ids, N, T, drop_last=True))) == M // T


# --------------------------------------------------- probabilities, bits
@pytest.mark.parametrize("seed", range(4))
def test_sequence_log_prob_matches_torch(seed):
    rng = np.random.default_rng(seed)
    T, N, V = int(rng.integers(1, 7)), int(rng.integers(1, 5)), int(rng.integers(2, 9))
    z, y = rng.normal(scale=3, size=(T, N, V)), rng.integers(0, V, size=(T, N))
    mask = rng.random((T, N)) < 0.7
    ref = torch.log_softmax(t64(z), -1).gather(-1, torch.as_tensor(y)[..., None])[..., 0]
    np.testing.assert_allclose(sequence_log_prob(z, y), ref.sum(0).numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sequence_log_prob(z, y, mask), (ref * torch.as_tensor(mask)).sum(0).numpy(),
                               rtol=1e-12, atol=1e-12)
    assert sequence_log_prob(z, y).shape == (N,)


def test_perplexity_and_bits():
    assert perplexity(10 * math.log(7), 10) == pytest.approx(7)
    assert bits_per_char(5 * math.log(2) * 3, 5) == pytest.approx(3)
    assert uniform_bpc(106) == pytest.approx(math.log2(106))


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
              initial_accumulator_value=[0.0, 0.0, 0.3, 0.0][seed])
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


# --------------------------------------------------------------- sampling
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_sample_from_probs_distribution(seed, temperature):
    rng = np.random.default_rng(seed)
    V = int(rng.integers(3, 8))
    z = rng.normal(scale=0.6, size=V)
    target = softmax(z / temperature)  # the temperature divides the scores
    draws = sample_from_probs(np.tile(softmax(z), (20000, 1)), np.random.default_rng(100 + seed), temperature)
    assert draws.shape == (20000,) and draws.dtype == np.int64
    stat, df = chi_square(np.bincount(draws, minlength=V), target)
    assert stat < CHI2_999[df]
    # a single distribution gives a scalar; the same seed gives the same draws
    one = sample_from_probs(softmax(z), np.random.default_rng(3))
    assert one.shape == () and one == sample_from_probs(softmax(z), np.random.default_rng(3))


def test_sample_from_probs_exclude_renormalises():
    rng = np.random.default_rng(11)
    p = softmax(rng.normal(size=6))
    p = np.r_[p[:1] * 0.5, [0.5], p[1:] * 0.5]  # id 1 (<UNK>) has half the mass
    draws = sample_from_probs(np.tile(p, (20000, 1)), rng, exclude=(UNK,))
    assert not (draws == UNK).any()
    q = p.copy()
    q[UNK] = 0
    stat, df = chi_square(np.bincount(draws, minlength=p.size), q / q.sum())
    assert stat < CHI2_999[df]
    assert (sample_from_probs(np.eye(4)[[2, 0, 3]], rng) == [2, 0, 3]).all()  # zero probabilities never drawn


def _tiny_lm(seed, V=6, n_a=4, unk_bias=0.0, eos_bias=-50.0):
    rng = np.random.default_rng(seed)
    p = random_params(rng, V, n_a)
    p["by"][UNK] += unk_bias
    p["by"][EOS] += eos_bias
    return p


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_sample_first_token_distribution(temperature):
    p = _tiny_lm(1)
    prefix = [4, 3]
    z, _ = TorchLM(p)(np.array(prefix)[:, None], torch.zeros(1, 4, dtype=torch.float64))
    target = torch.softmax(z[-1, 0] / temperature, -1).detach().numpy()
    rng = np.random.default_rng(0)
    draws = [sample(p, rng, 1, temperature, start=prefix, stop_at_eos=False, resample_unk=False)[0]
             for _ in range(3000)]
    stat, df = chi_square(np.bincount(draws, minlength=6), target)
    assert stat < CHI2_999[df]


def test_sample_resamples_unk():
    p = _tiny_lm(2, unk_bias=3.0)
    z, _ = TorchLM(p)(np.array([[EOS]]), torch.zeros(1, 4, dtype=torch.float64))
    probs = torch.softmax(z[0, 0], -1).detach().numpy()
    assert probs[UNK] > 0.5  # <UNK> would be drawn often
    rng = np.random.default_rng(5)
    draws = [sample(p, rng, 1, stop_at_eos=False)[0] for _ in range(3000)]
    assert UNK not in draws
    q = probs.copy()
    q[UNK] = 0
    q /= q.sum()
    stat, df = chi_square(np.bincount(draws, minlength=6), q)
    assert stat < CHI2_999[df]
    long = sample(p, np.random.default_rng(1), 200, stop_at_eos=False)
    assert len(long) == 200 and UNK not in long


def test_sample_reproducible_eos_and_greedy():
    p = _tiny_lm(3, eos_bias=0.0)
    a = sample(p, np.random.default_rng(42), 50, stop_at_eos=False)
    assert a == sample(p, np.random.default_rng(42), 50, stop_at_eos=False)
    assert a != sample(p, np.random.default_rng(43), 50, stop_at_eos=False)
    assert all(isinstance(k, int) for k in a)
    # <EOS> stops and is not returned
    for seed in range(20):
        s = sample(p, np.random.default_rng(seed), 30)
        full = sample(p, np.random.default_rng(seed), 30, stop_at_eos=False)
        assert EOS not in s and full[:len(s)] == s
        assert len(s) == 30 or full[len(s)] == EOS
    q = _tiny_lm(3, eos_bias=80.0)
    assert sample(q, np.random.default_rng(0), 10) == []
    # greedy: every generated id is the argmax of torch's scores given the previous ones
    g = sample(p, None, 12, greedy=True, stop_at_eos=False, resample_unk=False)
    z, _ = TorchLM(p)(np.array([EOS] + g[:-1])[:, None], torch.zeros(1, 4, dtype=torch.float64))
    assert g == z[:, 0].argmax(-1).tolist()
    assert g == sample(p, np.random.default_rng(0), 12, greedy=True, stop_at_eos=False, resample_unk=False)


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


# ----------------------------------------------------------------- training
def test_training_reduces_loss_on_a_tiny_corpus():
    text = "\n\n".join(["the cat sat on the mat"] * 60)
    rows = []
    r = train_char_lm(text, n_a=32, seq_len=16, batch_size=4, steps=150, lr=1e-2, clip=5.0,
                      rng=np.random.default_rng(0), eval_every=25, callback=rows.append)
    assert rows == r.history and r.steps == 150 and [h.step for h in r.history] == list(range(25, 151, 25))
    V = len(r.data.vocab)
    first, last = r.history[0].train_loss, r.history[-1].train_loss
    assert last < 0.25 * first and last < 0.2 * math.log(V)
    bpc = evaluate_bpc(r.params, r.data.test)
    assert bpc < 0.5 < uniform_bpc(V)
    total, n = evaluate_nll(r.params, r.data.test)
    assert n == r.data.test.size and bpc == pytest.approx(total / n / math.log(2))
    # the memorised phrase comes back greedily
    out = sample(r.params, None, 40, greedy=True)
    assert decode_chars(r.data.vocab, out) == "the cat sat on the mat"


def test_evaluate_matches_sequence_log_prob_of_whole_stream():
    p = _tiny_lm(4, eos_bias=0.0)
    ids = np.random.default_rng(0).integers(0, 6, 37)
    z, _ = TorchLM(p)(np.r_[EOS, ids[:-1]][:, None], torch.zeros(1, 4, dtype=torch.float64))
    ref = -float(torch.log_softmax(z[:, 0].detach(), -1).gather(-1, torch.as_tensor(ids)[:, None]).sum())
    for seq_len in (1, 5, 100):
        total, n = evaluate_nll(p, ids, seq_len=seq_len)  # the state is carried across chunks
        assert n == 37 and total == pytest.approx(ref, rel=1e-12)


# ----------------------------------------------------------------- errors
def test_errors_name_the_argument():
    p = _tiny_lm(0)
    rng = np.random.default_rng(0)
    cases = [
        (lambda: sample(p, rng, 5, temperature=0.0), "temperature"),
        (lambda: sample(p, rng, 5, temperature=-1), "temperature"),
        (lambda: sample(p, rng, 0), "max_len"),
        (lambda: sample(p, "seed", 5), "rng"),
        (lambda: sample(p, rng, 5, start=[]), "start"),
        (lambda: sample(p, rng, 5, start=[9]), "start"),
        (lambda: sample_from_probs(np.array([0.5, 0.6]), rng), "p"),
        (lambda: sample_from_probs(np.array([0.5, 0.5]), rng, temperature=0), "temperature"),
        (lambda: sample_from_probs(np.array([0.0, 1.0]), rng, exclude=(1,)), "exclude"),
        (lambda: sequence_log_prob(np.zeros((3, 2, 4)), np.zeros((3, 3), dtype=int)), r"y: expected shape \(T, N\)"),
        (lambda: sequence_log_prob(np.zeros((3, 2)), np.zeros((3, 2), dtype=int)), "z"),
        (lambda: sequence_log_prob(np.zeros((3, 2, 4)), np.zeros((3, 2), dtype=int), np.ones((3, 2))), "mask"),
        (lambda: lm_loss_and_grads(p, np.zeros((3, 2), int), np.zeros((3, 1), int)), r"targets: expected shape"),
        (lambda: lm_loss_and_grads(p, np.zeros((3, 2), int), np.zeros((3, 2), int), np.zeros((2, 5))), "a0"),
        (lambda: lm_loss_and_grads(p, np.full((3, 2), 6), np.zeros((3, 2), int)), "inputs: expected values < 6"),
        (lambda: lm_loss_and_grads({**p, "Wax": np.zeros((4, 5))}, np.zeros((1, 1), int), np.zeros((1, 1), int)),
         r"Wax: expected shape \(n_a, V\)"),
        (lambda: tbptt_batches(np.arange(3), 3, 2), "ids"),
        (lambda: tbptt_batches(np.arange(30), 0, 2), "batch_size"),
        (lambda: tbptt_batches(np.arange(30), 2, 0), "seq_len"),
        (lambda: perplexity(1.0, 0), "n_tokens"),
        (lambda: bits_per_char(1.0, 0), "n_chars"),
        (lambda: adam_step({"W": np.zeros(2)}, {"W": np.zeros(2)}, {}), "grads: expected key 'dW'"),
        (lambda: adam_step({"W": np.zeros(2)}, {"dW": np.zeros(3)}, {}), r"expected shape \(2,\)"),
        (lambda: adagrad_step({"W": np.zeros(2)}, {"dW": np.zeros(2)}, {}, lr=-1), "lr"),  # lr = 0 is valid, as in torch
        (lambda: ngram_model([0, 1], 2, alpha=0), "alpha"),
        (lambda: ngram_model([0, 5], 2), "train_ids"),
        (lambda: ngram_probs(ngram_model([0, 1], 3), (1, 2)), "context"),
        (lambda: split_paragraphs("a\n\nb\n\nc", (0.5, 0.5)), "split"),
        (lambda: char_dataset("only one paragraph"), "text"),
        (lambda: train_char_lm(3, 4, 5, 2, 10, 1e-2, 1.0, rng), "text_or_dataset"),
        (lambda: init_lm_params(5, 0, rng), "n_a"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()


def test_public_functions_are_references():
    for name in lm.__all__:
        obj = getattr(lm, name)
        if callable(obj) and not isinstance(obj, type):
            assert getattr(obj, "reference_name", "").startswith("rnncourse.lm."), name
