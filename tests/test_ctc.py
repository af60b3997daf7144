"""rnncourse.ctc against PyTorch's F.ctc_loss, brute-force enumeration and finite differences."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse import ctc, ctc_batch, ctc_decode


def random_batch(rng, blank=0, impossible=False):
    T, N, C = rng.integers(1, 9), rng.integers(1, 5), rng.integers(2, 6)
    z = rng.normal(size=(T, N, C)) * 2.0
    in_len = rng.integers(0, T + 1, size=N)
    in_len[0] = T  # at least one full-length example
    labels = [k for k in range(C) if k != blank]
    tgt_len = rng.integers(0, 4, size=N)
    targets = rng.choice(labels, size=(N, 4))
    if impossible:  # one labelling with repeats that needs more frames than its example has
        targets[0, :3], tgt_len[0] = labels[0], 3
        in_len[0] = min(in_len[0], 4)
    return z, targets, in_len, tgt_len


def torch_ctc(z, targets, in_len, tgt_len, **kw):
    zt = torch.tensor(z, requires_grad=True)
    loss = F.ctc_loss(zt.log_softmax(2), torch.tensor(targets), torch.tensor(in_len), torch.tensor(tgt_len), **kw)
    loss.sum().backward()
    return loss.detach().numpy(), zt.grad.numpy()


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_loss_and_gradient_equal_pytorch(seed, reduction, zero_infinity):
    rng = np.random.default_rng(seed)
    blank = int(rng.integers(0, 2)) if seed % 3 else 0
    z, targets, in_len, tgt_len = random_batch(rng, blank, impossible=seed % 4 == 0)
    blank = min(blank, z.shape[2] - 1)
    targets = np.where(targets == blank, (blank + 1) % z.shape[2], targets)
    ours, dz = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, blank=blank, reduction=reduction,
                            zero_infinity=zero_infinity)
    theirs, dz_t = torch_ctc(z, targets, in_len, tgt_len, blank=blank, reduction=reduction,
                             zero_infinity=zero_infinity)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dz, dz_t, rtol=1e-8, atol=1e-10)


def test_concatenated_targets_equal_padded_ones():
    rng = np.random.default_rng(5)
    z, targets, in_len, tgt_len = random_batch(rng)
    flat = np.concatenate([targets[i, :tgt_len[i]] for i in range(len(tgt_len))])
    a, da = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, reduction="none")
    b, db = ctc_batch.ctc_loss(z, flat, in_len, tgt_len, reduction="none")
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(da, db)


@pytest.mark.parametrize("seed", range(8))
def test_likelihood_equals_brute_force_enumeration(seed):
    rng = np.random.default_rng(100 + seed)
    T, C = int(rng.integers(1, 6)), int(rng.integers(2, 4))
    z = rng.normal(size=(T, C))
    log_y = z - np.log(np.exp(z).sum(1, keepdims=True))
    U = int(rng.integers(0, 4))
    labels = rng.integers(1, C, size=U)
    want = ctc.ctc_brute_force(log_y, labels)
    got = ctc.ctc_log_likelihood(log_y, labels)
    if np.isinf(want):
        assert got == -np.inf and T < ctc.min_input_length(labels)
    else:
        assert got == pytest.approx(want, rel=1e-12)


def test_probabilities_of_all_labellings_sum_to_one():
    rng = np.random.default_rng(3)
    T, C = 4, 3
    z = rng.normal(size=(T, C))
    log_y = z - np.log(np.exp(z).sum(1, keepdims=True))
    total = sum(np.exp(ctc.ctc_log_likelihood(log_y, list(l)))
                for U in range(T + 1) for l in itertools.product(range(1, C), repeat=U))
    assert total == pytest.approx(1.0, rel=1e-12)


def test_gradient_equals_finite_differences():
    rng = np.random.default_rng(11)
    z = rng.normal(size=(5, 2, 4))
    targets, in_len, tgt_len = np.array([[1, 1], [2, 3]]), np.array([5, 4]), np.array([2, 2])
    loss, dz = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, reduction="mean")
    num = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += 1e-6
        zm[idx] -= 1e-6
        num[idx] = (ctc_batch.ctc_loss(zp, targets, in_len, tgt_len)[0] - ctc_batch.ctc_loss(zm, targets, in_len, tgt_len)[0]) / 2e-6
    np.testing.assert_allclose(dz, num, atol=1e-8)
    assert np.all(dz[4:, 1] == 0)  # the padding frame of the shorter example


def test_collapse_and_extended_labels():
    assert ctc.collapse([1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert ctc.collapse([2, 2, 2]) == [2]                  # trimming repeats: one label
    assert ctc.collapse([0, 0]) == []
    assert ctc.collapse([3, 1, 3], blank=3) == [1]
    np.testing.assert_array_equal(ctc.extend_labels([3, 3]), [0, 3, 0, 3, 0])
    np.testing.assert_array_equal(ctc.extend_labels([]), [0])
    assert ctc.min_input_length([1, 1, 2]) == 4


@pytest.mark.parametrize("labels,T", [([1], 3), ([1, 2], 4), ([1, 1], 4), ([1, 2, 1], 5), ([], 3), ([2, 2, 2], 5)])
def test_alignment_count_equals_enumeration(labels, T):
    C = 3
    by_enumeration = sum(ctc.collapse(list(p)) == labels for p in itertools.product(range(C), repeat=T))
    assert ctc.count_alignments(labels, T) == by_enumeration


def test_best_path_is_not_the_most_probable_labelling():
    # two frames, blank 0.6 and "a" 0.4 each: the best path "- -" gives "" (0.36), yet "a" has 0.64
    log_y = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    assert ctc_decode.greedy_decode(log_y[:, None, :]) == [[]]
    (best, log_p), *_ = ctc_decode.prefix_beam_search(log_y, beam_width=4)
    assert best == (1,) and np.exp(log_p) == pytest.approx(0.64)


@pytest.mark.parametrize("seed", range(6))
def test_wide_beam_finds_the_most_probable_labelling(seed):
    rng = np.random.default_rng(200 + seed)
    T, C = 4, 3
    z = rng.normal(size=(T, C)) * 1.5
    log_y = z - np.log(np.exp(z).sum(1, keepdims=True))
    every = {tuple(l): ctc.ctc_log_likelihood(log_y, list(l))
             for U in range(T + 1) for l in itertools.product(range(1, C), repeat=U)}
    best = max(every, key=every.get)
    found = ctc_decode.prefix_beam_search(log_y, beam_width=64)
    assert found[0][0] == best
    for prefix, log_p in found:  # the beam's scores are the exact labelling probabilities
        assert log_p == pytest.approx(every[prefix], rel=1e-10)


def test_edit_distance_and_label_error_rate():
    assert ctc_decode.edit_distance("kitten", "sitting") == 3
    assert ctc_decode.edit_distance([], [1, 2]) == 2
    assert ctc_decode.edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert ctc_decode.label_error_rate([[1], [2, 2]], [[1, 2], [2, 2]]) == pytest.approx(1 / 4)


@pytest.mark.parametrize("call,fragment", [
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[0, 1]], [3], [2]), "blank"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[1, 2]], [4], [2]), "input_lengths"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[1, 2]], [3], [3]), "target_lengths"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[1, 5]], [3], [2]), "targets"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[1, 2]], [3], [2], reduction="avg"), "reduction"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 1, 3)), [[1, 2]], [3], [2], blank=3), "blank"),
    (lambda: ctc_batch.ctc_loss(np.full((3, 1, 3), np.nan), [[1, 2]], [3], [2]), "finite"),
    (lambda: ctc_batch.ctc_loss(np.zeros((3, 3)), [[1, 2]], [3], [2]), "logits"),
    (lambda: ctc_decode.prefix_beam_search(np.zeros((3, 3)), beam_width=0), "beam_width"),
    (lambda: ctc_decode.label_error_rate([[1]], [[1], [2]]), "hypotheses"),
])
def test_bad_input_gets_a_clear_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_impossible_targets_give_infinity_or_zero():
    z = np.zeros((2, 1, 3))
    loss, dz = ctc_batch.ctc_loss(z, [[1, 1]], [2], [2], reduction="none")  # "a a" needs 3 frames
    assert loss[0] == np.inf and np.isnan(dz).all()
    loss, dz = ctc_batch.ctc_loss(z, [[1, 1]], [2], [2], reduction="none", zero_infinity=True)
    assert loss[0] == 0 and not dz.any()


def textbook_loss(z, targets, in_len, tgt_len, blank=0):
    """Per-example losses and the summed-loss gradient from the per-sequence log-space ctc_alpha/ctc_beta."""
    T, N, C = z.shape
    losses, grad = np.zeros(N), np.zeros_like(z)
    for i in range(N):
        Ti, lab = in_len[i], targets[i, :tgt_len[i]]
        zi = z[:Ti, i] - z[:Ti, i].max(1, keepdims=True)
        log_y = zi - np.log(np.exp(zi).sum(1, keepdims=True))
        log_p = ctc.ctc_log_likelihood(log_y, lab, blank)
        losses[i] = -log_p
        if not np.isfinite(log_p) or Ti == 0:
            continue
        ext = ctc.extend_labels(lab, blank)
        occ = np.exp(ctc.ctc_alpha(log_y, lab, blank) + ctc.ctc_beta(log_y, lab, blank) - log_y[:, ext] - log_p)
        gamma = np.zeros((Ti, C))
        for s, k in enumerate(ext):
            gamma[:, k] += occ[:, s]
        grad[:Ti, i] = np.exp(log_y) - gamma
    return losses, grad


@pytest.mark.parametrize("seed", range(10))
def test_batched_loss_equals_the_per_sequence_recursions(seed):
    rng = np.random.default_rng(300 + seed)
    blank = int(rng.integers(0, 3))
    z, targets, in_len, tgt_len = random_batch(rng, blank, impossible=seed % 3 == 0)
    blank = min(blank, z.shape[2] - 1)
    targets = np.where(targets == blank, (blank + 1) % z.shape[2], targets)
    want, dwant = textbook_loss(z, targets, in_len, tgt_len, blank)
    got, dgot = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, blank=blank, reduction="none", zero_infinity=True)
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12)
    assert np.all(got[~finite] == 0)
    np.testing.assert_allclose(dgot, dwant, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_a_wide_batch_of_mixed_lengths_equals_pytorch(seed):
    # The batched scan lays all lattices side by side in one row: neighbours of every length
    # (no frames, no labels, full, repeats) must not leak into each other across the row.
    rng = np.random.default_rng(900 + seed)
    T, N, C, U = 20, 14, 5, 7
    z = rng.normal(size=(T, N, C)) * 3.0
    in_len = rng.integers(0, T + 1, size=N)
    in_len[:3] = [0, T, 1]
    tgt_len = rng.integers(0, U + 1, size=N)
    tgt_len[3:6] = [0, U, 1]
    targets = rng.integers(1, 3, size=(N, U))  # two labels only: many repeats
    for reduction in ("none", "sum"):
        ours, dz = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, reduction=reduction, zero_infinity=True)
        theirs, dz_t = torch_ctc(z, targets, in_len, tgt_len, reduction=reduction, zero_infinity=True)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dz, dz_t, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("scale,T", [(1.0, 3000), (40.0, 60), (400.0, 30), (5000.0, 12)])
def test_long_inputs_and_huge_logits_equal_pytorch(scale, T):
    # long T: a product of probabilities underflows float64 after a few hundred frames; huge logit
    # gaps: single emissions below float64's range (the batched loss then redoes that example in logs)
    rng = np.random.default_rng(int(scale) + T)
    N, C, U = 3, 5, 4
    z = rng.normal(size=(T, N, C)) * scale
    targets = rng.integers(1, C, size=(N, U))
    in_len, tgt_len = np.array([T, T - 1, T // 2]), np.array([U, U - 1, 2])
    for reduction in ("none", "mean"):
        ours, dz = ctc_batch.ctc_loss(z, targets, in_len, tgt_len, reduction=reduction)
        theirs, dz_t = torch_ctc(z, targets, in_len, tgt_len, reduction=reduction)
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)
        np.testing.assert_allclose(dz, dz_t, rtol=1e-7, atol=1e-9)


def test_float32_logits_give_a_float32_gradient_close_to_pytorch():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(40, 4, 6)).astype(np.float32)
    targets, in_len, tgt_len = rng.integers(1, 6, size=(4, 7)), np.array([40, 35, 20, 9]), np.array([7, 5, 3, 0])
    ours, dz = ctc_batch.ctc_loss(z, targets, in_len, tgt_len)
    zt = torch.tensor(z, requires_grad=True)
    theirs = F.ctc_loss(zt.log_softmax(2), torch.tensor(targets), torch.tensor(in_len), torch.tensor(tgt_len))
    theirs.backward()
    assert dz.dtype == np.float32
    assert ours == pytest.approx(float(theirs.detach()), rel=1e-5)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_the_logits_are_not_changed():
    rng = np.random.default_rng(9)
    z, targets, in_len, tgt_len = random_batch(rng)
    before = z.copy()
    ctc_batch.ctc_loss(z, targets, in_len, tgt_len)
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("scale,redone", [(3.0, False), (400.0, True)])
def test_the_log_space_route_is_taken_only_when_probabilities_underflow(monkeypatch, scale, redone):
    calls = []
    real_alpha = ctc.ctc_alpha
    monkeypatch.setattr(ctc_batch, "ctc_alpha", lambda *a, **k: calls.append(1) or real_alpha(*a, **k))
    rng = np.random.default_rng(12)
    z = rng.normal(size=(100, 4, 6)) * scale
    targets = rng.integers(1, 6, size=(4, 10))
    ctc_batch.ctc_loss(z, targets, [100, 90, 80, 70], [10, 9, 8, 7])
    assert bool(calls) == redone


@pytest.mark.parametrize("seed", range(6))
def test_the_checks_mistake_variants_with_every_switch_off_are_the_reference(seed):
    from rnncourse.checks import ch09, ch09_decoding
    rng = np.random.default_rng(400 + seed)
    for case in ch09._random_sequence_cases(rng):
        a = case.args
        want = ctc.ctc_alpha(**a)
        got = ch09.alpha_variant(a["log_y"], a["labels"], a["blank"])
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
        np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=1e-12)
    for case in ch09_decoding._collapse_random(rng):
        assert ch09_decoding.wrong_collapse(**case.args) == ctc.collapse(**case.args)
