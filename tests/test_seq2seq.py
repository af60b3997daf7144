"""Sequence-to-sequence autoencoders (rnncourse.seq2seq) vs PyTorch (nn.GRU, packed sequences, autograd),
brute-force search and finite differences, float64, random sizes, padded batches, non-zero biases and states."""
import itertools

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnncourse import seq2seq as s2
from rnncourse import seq2seq_decode as gen
from rnncourse import seq2seq_data as sd
from rnncourse import seq2seq_torch as st
from rnncourse.bridges import gru_to_torch
from rnncourse.gru import init_gru_params
from rnncourse.gradcheck import numerical_gradient
from rnncourse.losses import log_softmax

BIASES_TOO = 0.5


def close(a, b, what="", tol=1e-10):
    np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                               rtol=tol, atol=tol, err_msg=what)


def sizes(seed):
    """(rng, T, N, n_e, n_a, n_d, V); seed 0: T = 1, seed 1: N = 1, seed 2: n_e = n_a."""
    rng = np.random.default_rng(seed)
    T, N = int(rng.integers(1, 7)), int(rng.integers(1, 6))
    n_e, n_a, n_d, V = (int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 6)),
                        int(rng.integers(4, 9)))
    T = 1 if seed == 0 else T
    N = 1 if seed == 1 else N
    n_e = n_a if seed == 2 else n_e
    return rng, T, N, n_e, n_a, n_d, V


def random_lengths(rng, T, N):
    lengths = rng.integers(1, T + 1, N)
    lengths[rng.integers(N)] = T  # the longest example fills the batch
    return lengths


def noisy(params, rng):
    """Every parameter perturbed, so no bias or weight is zero."""
    return {k: v + rng.normal(scale=BIASES_TOO, size=np.shape(v)) for k, v in params.items()}


def torch_gru_grads(gru, suffix=""):
    """Gradients of an nn.GRU direction under the numpy "torch"-form names (z = 1 - Γ_u flips signs)."""
    H = gru.hidden_size
    r, z, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    gi, gh = (getattr(gru, f"weight_{w}_l0{suffix}").grad.numpy() for w in ("ih", "hh"))
    bi, bh = (getattr(gru, f"bias_{w}_l0{suffix}").grad.numpy() for w in ("ih", "hh"))
    return {"dWrx": gi[r], "dWux": -gi[z], "dWcx": gi[n], "dWra": gh[r], "dWua": -gh[z], "dWca": gh[n],
            "dbr": bi[r], "dbu": -bi[z], "dbc": bi[n], "dbca": bh[n]}


# ------------------------------------------------------------------ helpers of the encoder
def test_last_real_state_picks_step_length_of_each_example():
    a = np.arange(3 * 2 * 1, dtype=float).reshape(3, 2, 1)  # a[t, i] = 2 t + i
    close(s2.last_real_state(a, [1, 3]), [[0.0], [5.0]])


# ------------------------------------------------------------------ encoder vs nn.GRU on packed batches
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_encoder_forward_and_backward_equal_a_packed_nn_gru(seed, bidirectional):
    rng, T, N, n_x, n_a, _, _ = sizes(seed)
    lengths = random_lengths(rng, T, N)
    params = noisy(s2.init_encoder_params(n_x, n_a, rng, bidirectional), rng)
    x = rng.normal(size=(T, N, n_x))
    D = 2 if bidirectional else 1
    a0 = rng.normal(size=(D, N, n_a))
    code, cache = s2.encoder_forward(x, lengths, params, a0 if bidirectional else a0[0], bidirectional)

    gru = torch.nn.GRU(n_x, n_a, bidirectional=bidirectional, dtype=torch.float64)
    fwd = {k: v for k, v in params.items() if not k.endswith("_reverse")}
    with torch.no_grad():
        for suffix, P in [("", fwd)] + ([("_reverse", {k[:-8]: v for k, v in params.items()
                                                        if k.endswith("_reverse")})] if bidirectional else []):
            one = gru_to_torch(P)
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                getattr(gru, name + suffix).copy_(getattr(one, name))
    xt = torch.tensor(x, requires_grad=True)
    h0 = torch.tensor(a0, requires_grad=True)
    _, h_n = gru(pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False), h0)
    code_t = torch.cat(list(h_n), dim=1)
    close(code, code_t.detach(), "code")

    dcode = rng.normal(size=code.shape)
    (code_t * torch.tensor(dcode)).sum().backward()
    g = s2.encoder_backward(dcode, cache)
    close(g["dx"], xt.grad, "dx")
    close(g["da0"], h0.grad if bidirectional else h0.grad[0], "da0")
    expected = torch_gru_grads(gru)
    if bidirectional:
        expected.update({k + "_reverse": v for k, v in torch_gru_grads(gru, "_reverse").items()})
    assert set(g) - {"dx", "da0"} == set(expected)
    for k, v in expected.items():
        close(g[k], v, k)


def test_the_code_ignores_the_padding():
    rng = np.random.default_rng(3)
    params = s2.init_encoder_params(2, 3, rng, bidirectional=True)
    x = rng.normal(size=(5, 3, 2))
    lengths = np.array([2, 5, 4])
    x2 = x.copy()
    x2[2:, 0] = 99.0  # change only the padding of example 1 (and nothing real)
    x2[4:, 2] = -7.0
    close(s2.encoder_forward(x, lengths, params, bidirectional=True)[0],
          s2.encoder_forward(x2, lengths, params, bidirectional=True)[0])


# ------------------------------------------------------------------ decoder, loss, step vs PyTorch
def random_model(seed, condition, bidirectional):
    rng, T, N, n_e, n_a, n_d, V = sizes(seed)
    enc = noisy(s2.init_encoder_params(n_e, n_a, rng, bidirectional), rng)
    enc["E_src"] = rng.normal(size=(V, n_e))
    n_c = 2 * n_a if bidirectional else n_a
    dec = noisy(s2.init_decoder_params(V, n_e, n_d, n_c, rng, condition), rng)
    lengths = random_lengths(rng, T, N)
    src = rng.integers(3, V, (T, N))
    src[np.arange(T)[:, None] >= lengths] = 0
    return rng, enc, dec, src, lengths


@pytest.mark.parametrize("condition", s2.CONDITIONS)
@pytest.mark.parametrize("seed", range(5))
def test_decoder_forward_and_backward_equal_pytorch(seed, condition):
    rng, enc, dec, src, lengths = random_model(seed, condition, False)
    model = st.from_numpy(enc, dec, condition)
    N = src.shape[1]
    code = rng.normal(size=(N, model.n_c))
    y_in = rng.integers(0, dec["E"].shape[0], (src.shape[0] + 1, N))
    logits, cache = s2.decoder_forward(y_in, code, dec, condition)
    code_t = torch.tensor(code, requires_grad=True)
    logits_t = model.decode_logits(torch.tensor(y_in), code_t)
    close(logits, logits_t.detach(), "logits")
    dlogits = rng.normal(size=logits.shape)
    (logits_t * torch.tensor(dlogits)).sum().backward()
    g = s2.decoder_backward(dlogits, cache)
    close(g["dcode"], code_t.grad, "dcode")
    expected = torch_gru_grads(model.dec)
    expected.update(dE=model.emb.weight.grad, dWya=model.out.weight.grad, dby=model.out.bias.grad)
    if condition != "input":
        expected.update(dWac=model.init.weight.grad, dbac=model.init.bias.grad)
    assert set(g) - {"dcode"} == set(expected)
    for k, v in expected.items():
        close(g[k], v, k)


@pytest.mark.parametrize("seed", range(6))
def test_sequence_cross_entropy_equals_torch_with_ignored_padding(seed):
    rng, T, N, _, _, _, V = sizes(seed)
    lengths = random_lengths(rng, T, N)
    logits = rng.normal(scale=3, size=(T, N, V))
    targets = rng.integers(1, V, (T, N))
    targets[np.arange(T)[:, None] >= lengths] = 0
    loss, d = s2.sequence_cross_entropy(logits, targets, lengths)
    lt = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(lt.reshape(-1, V), torch.tensor(targets).reshape(-1), ignore_index=0)
    ref.backward()
    close(loss, ref.item())
    close(d, lt.grad)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("condition", s2.CONDITIONS)
@pytest.mark.parametrize("seed", range(4))
def test_teacher_forced_step_equals_the_pytorch_model(seed, condition, bidirectional):
    rng, enc, dec, src, lengths = random_model(seed, condition, bidirectional)
    reverse = bool(seed % 2)
    loss, g = s2.teacher_forced_step(enc, dec, src, lengths, condition, reverse_source=reverse,
                                     bidirectional=bidirectional)
    model = st.from_numpy(enc, dec, condition, bidirectional)
    lt = model.loss(torch.tensor(src), torch.tensor(lengths), reverse_source=reverse)
    lt.backward()
    close(loss, lt.item(), "loss")
    ge = torch_gru_grads(model.enc)
    if bidirectional:
        ge.update({k + "_reverse": v for k, v in torch_gru_grads(model.enc, "_reverse").items()})
    ge["dE_src"] = model.emb_src.weight.grad
    gd = torch_gru_grads(model.dec)
    gd.update(dE=model.emb.weight.grad, dWya=model.out.weight.grad, dby=model.out.bias.grad)
    if condition != "input":
        gd.update(dWac=model.init.weight.grad, dbac=model.init.bias.grad)
    for side, expected in (("encoder", ge), ("decoder", gd)):
        assert set(g[side]) == set(expected), side
        for k, v in expected.items():
            close(g[side][k], v, f"{side} {k}")


def test_to_numpy_inverts_from_numpy():
    rng, enc, dec, _, _ = random_model(4, "both", True)
    e2, d2 = st.to_numpy(st.from_numpy(enc, dec, "both", True))
    for a, b in ((enc, e2), (dec, d2)):
        assert set(a) == set(b)
        for k in a:
            close(a[k], b[k], k)


@pytest.mark.parametrize("condition", s2.CONDITIONS)
def test_decoder_backward_matches_finite_differences(condition):
    rng, enc, dec, src, lengths = random_model(7, condition, False)
    code = rng.normal(size=(src.shape[1], np.shape(enc["Wra"])[0]))
    targets = st.autoencoder_targets(src, lengths).numpy()
    y_in = s2.decoder_inputs(targets, 2)

    def loss_of(code_, dec_):
        return s2.sequence_cross_entropy(s2.decoder_forward(y_in, code_, dec_, condition)[0], targets,
                                         lengths + 1)[0]
    logits, cache = s2.decoder_forward(y_in, code, dec, condition)
    _, dlog = s2.sequence_cross_entropy(logits, targets, lengths + 1)
    g = s2.decoder_backward(dlog, cache)
    c = code.copy()
    close(g["dcode"], numerical_gradient(lambda: loss_of(c, dec), c), "dcode", tol=1e-6)
    for k in ("Wcx", "E") + (("Wac",) if condition != "input" else ()):
        w = dec[k].copy()
        p = {**dec, k: w}
        close(g["d" + k], numerical_gradient(lambda: loss_of(code, p), w), k, tol=1e-6)


def test_decoder_inputs_shift_the_targets_right():
    y = np.array([[5, 6], [7, 2], [2, 0]])
    np.testing.assert_array_equal(s2.decoder_inputs(y, 2), [[2, 2], [5, 6], [7, 2]])


# ------------------------------------------------------------------ decoding
@pytest.mark.parametrize("condition", s2.CONDITIONS)
@pytest.mark.parametrize("seed", range(5))
def test_greedy_generate_equals_the_pytorch_loop(seed, condition):
    rng, enc, dec, src, _ = random_model(seed, condition, False)
    V = dec["E"].shape[0]
    dec["by"] = dec["by"].copy()
    dec["by"][2] += 1.0  # <EOS> likely enough to end some examples early
    model = st.from_numpy(enc, dec, condition)
    code = rng.normal(size=(6, model.n_c))
    tokens, lengths = gen.greedy_generate(code, dec, condition, max_len=8)
    tt, tl = model.greedy(torch.tensor(code), 8)
    np.testing.assert_array_equal(tokens, tt.numpy())
    np.testing.assert_array_equal(lengths, tl.numpy())
    for i, L in enumerate(lengths):
        assert L == 8 or tokens[L - 1, i] == 2  # stopped at its <EOS>
        assert (tokens[L:, i] == 0).all() and 2 not in tokens[:L - 1, i]
    assert tokens.dtype == np.int64 and V > 2


def _brute_force_best(code_row, dec, condition, max_len, eos):
    """The most probable sequence among every sequence of <= max_len tokens (ending in <EOS>, or max_len long)."""
    V = dec["E"].shape[0]
    best = (-np.inf, None)
    for L in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=L):
            if eos in seq[:-1] or (L < max_len and seq[-1] != eos):
                continue
            y = np.array(seq)[:, None]
            logits, _ = s2.decoder_forward(s2.decoder_inputs(y, 2), code_row, dec, condition)
            lp = log_softmax(logits)[np.arange(L), 0, y[:, 0]].sum()
            if lp > best[0]:
                best = (lp, seq)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_a_wide_beam_finds_the_brute_force_optimum_and_beam_one_is_greedy(seed):
    rng = np.random.default_rng(seed)
    V, n_e, n_d, n_c, max_len = 4, 2, 3, 2, 4
    dec = noisy(s2.init_decoder_params(V, n_e, n_d, n_c, rng, "both"), rng)
    code = rng.normal(size=(2, n_c))
    wide = gen.beam_search(code, dec, "both", max_len=max_len, beam_size=V ** max_len)
    one = gen.beam_search(code, dec, "both", max_len=max_len, beam_size=1)
    tokens, lengths = gen.greedy_generate(code, dec, "both", max_len=max_len)
    for i in range(2):
        lp, seq = _brute_force_best(code[i:i + 1], dec, "both", max_len, 2)
        np.testing.assert_array_equal(wide[i][0], seq)
        close(wide[i][1], lp, tol=1e-9)
        np.testing.assert_array_equal(one[i][0], tokens[:lengths[i], i])
        assert wide[i][1] >= one[i][1] - 1e-12


# ------------------------------------------------------------------ data helpers
def test_sentence_pieces_are_short_deterministic_and_from_the_corpus():
    a, b = sd.sentence_pieces(max_words=8), sd.sentence_pieces(max_words=8)
    assert a == b and len(a) > 500
    assert all(2 <= len(p) <= 8 for p in a)
    vocab = sd.piece_vocabulary(a, max_size=300)
    src, lengths = sd.encode_batch(a[:10], vocab)
    assert src.shape == (max(lengths), 10) and (src[np.arange(src.shape[0])[:, None] >= lengths] == 0).all()
    assert vocab.decode(src[:lengths[0], 0]) == [w if w in vocab else "<UNK>" for w in a[0]]


def test_paragraphs_group_consecutive_pieces():
    pieces = sd.sentence_pieces(max_words=6)
    paras = sd.paragraphs(pieces, 3)
    assert all(len(p) == 3 for p in paras) and paras[0] == pieces[:3]


# ------------------------------------------------------------------ clear errors
@pytest.mark.parametrize("call, fragment", [
    (lambda: s2.encoder_forward(np.zeros((3, 2, 1)), [1, 4], init_gru_params(1, 2, np.random.default_rng(0),
                                                                              form="torch")), "lengths"),
    (lambda: s2.encoder_forward(np.zeros((3, 2)), [1, 2], {}), "x"),
    (lambda: s2.encoder_forward(np.zeros((3, 2, 1)), [1, 2], {"Wrx": 1}), "Wux"),
    (lambda: s2.decoder_forward([[0, 1]], np.zeros((2, 2)), {}, "both"), "decoder key"),
    (lambda: s2.decoder_forward([[0, 1]], np.zeros((2, 2)), {}, "sideways"), "condition"),
    (lambda: s2.sequence_cross_entropy(np.zeros((2, 1, 3)), [[0], [5]], [2]), "targets"),
    (lambda: s2.sequence_cross_entropy(np.zeros((2, 1, 3)), [[0], [1]], [0]), "lengths"),
    (lambda: s2.decoder_inputs([[0, 1]], -1), "start_id"),
    (lambda: s2.teacher_forced_step({}, {}, [[3]], [1]), "E_src"),
    (lambda: s2.teacher_forced_step({"E_src": np.zeros((4, 2))}, {}, [[7]], [1]), "source"),
    (lambda: s2.encoder_backward(np.zeros((1, 2)), None), "EncoderCache"),
    (lambda: s2.decoder_backward(np.zeros((1, 1, 2)), None), "DecoderCache"),
])
def test_bad_input_gets_a_clear_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_decoding_rejects_bad_ids_and_sizes():
    rng = np.random.default_rng(0)
    dec = s2.init_decoder_params(5, 2, 3, 2, rng, "init")
    with pytest.raises(ValueError, match="eos_id"):
        gen.greedy_generate(np.zeros((1, 2)), dec, "init", eos_id=9)
    with pytest.raises(ValueError, match="max_len"):
        gen.greedy_generate(np.zeros((1, 2)), dec, "init", max_len=0)
    with pytest.raises(ValueError, match="beam_size"):
        gen.beam_search(np.zeros((1, 2)), dec, "init", beam_size=0)
    with pytest.raises(ValueError, match="Wac"):
        s2.decoder_forward([[0]], np.zeros((1, 3)), dec, "init")


def test_the_checks_decoding_variant_with_every_mistake_switched_off_is_the_reference():
    from rnncourse.checks.ch10 import _gd_random, _gd_variant, _gd_visible
    for case in _gd_visible() + _gd_random(np.random.default_rng(5)):
        tokens, lengths = gen.greedy_generate(**case.args)
        t2, l2 = _gd_variant(case.args)
        np.testing.assert_array_equal(t2, tokens)
        np.testing.assert_array_equal(l2, lengths)
