"""rnncourse.speechlike: the synthetic speech-like task of chapter 9 is reproducible, shaped as stated,
and its labellings are emittable by CTC (every example has enough frames)."""
import numpy as np
import pytest

from rnncourse import ctc, speechlike


def test_same_seed_same_data_and_different_seed_different_data():
    a = speechlike.make_batch(np.random.default_rng(1), speechlike.make_task(np.random.default_rng(0)), 8)
    b = speechlike.make_batch(np.random.default_rng(1), speechlike.make_task(np.random.default_rng(0)), 8)
    c = speechlike.make_batch(np.random.default_rng(2), speechlike.make_task(np.random.default_rng(0)), 8)
    np.testing.assert_array_equal(a["x"], b["x"])
    assert a["labels"] == b["labels"]
    assert a["labels"] != c["labels"] or not np.array_equal(a["x"], c["x"])


def test_batch_shapes_padding_and_lengths():
    rng = np.random.default_rng(3)
    task = speechlike.make_task(rng, n_labels=4, n_features=6)
    b = speechlike.make_batch(rng, task, 16, min_length=1, max_length=7)
    T, N, D = b["x"].shape
    assert (N, D) == (16, 6) and T == b["input_lengths"].max()
    for i in range(N):
        n, U = b["input_lengths"][i], b["target_lengths"][i]
        assert np.all(b["x"][n:, i] == 0)                                  # zero padding after the end
        assert list(b["targets"][i, :U]) == b["labels"][i] and np.all(b["targets"][i, U:] == 0)
        assert len(b["frame_labels"][i]) == n
        assert n >= ctc.min_input_length(b["labels"][i])                  # CTC can emit every labelling
        # the frame labels, trimmed, with silences as separators, give back the labelling where no two
        # equal labels touch
        assert all(1 <= k <= 4 for k in b["labels"][i])


def test_each_label_lasts_its_duration_and_starts_with_an_onset_dip():
    rng = np.random.default_rng(4)
    task = speechlike.make_task(rng, n_labels=3, n_features=5, noise=0.0, silence_prob=0.0, min_duration=3,
                                max_duration=3)
    x, fl = speechlike.render(rng, task, [2, 2, 1])
    assert list(fl) == [2, 2, 2, 2, 2, 2, 1, 1, 1]
    np.testing.assert_allclose(x[0], task.onset * task.prototypes[1])
    np.testing.assert_allclose(x[1], task.prototypes[1])
    np.testing.assert_allclose(x[3], task.onset * task.prototypes[1])   # the second 2 starts again
    np.testing.assert_allclose(np.linalg.norm(task.prototypes, axis=1), 1.0)


def test_repeats_occur_at_about_the_stated_rate():
    rng = np.random.default_rng(5)
    labs = [speechlike.random_labelling(rng, 50, 10, 10, repeat_prob=0.3) for _ in range(400)]
    pairs = [(a, b) for lab in labs for a, b in zip(lab, lab[1:])]
    rate = np.mean([a == b for a, b in pairs])
    assert abs(rate - (0.3 + 0.7 / 50)) < 0.03


@pytest.mark.parametrize("call,fragment", [
    (lambda: speechlike.make_task(0), "rng"),
    (lambda: speechlike.make_task(np.random.default_rng(0), n_labels=0), "n_labels"),
    (lambda: speechlike.make_task(np.random.default_rng(0), min_duration=4, max_duration=2), "min_duration"),
    (lambda: speechlike.render(np.random.default_rng(0), speechlike.make_task(np.random.default_rng(0), 3), [4]),
     "labels"),
    (lambda: speechlike.make_batch(np.random.default_rng(0), speechlike.make_task(np.random.default_rng(0)), 0),
     "N"),
    (lambda: speechlike.make_model(4, 8, 5, cell="rnn"), "cell"),
])
def test_bad_input_gets_a_clear_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def test_a_few_training_steps_lower_the_ctc_loss():
    rng = np.random.default_rng(6)
    task = speechlike.make_task(rng, noise=0.3)
    model = speechlike.make_model(8, 8, 6, seed=1)
    losses = speechlike.train_ctc(model, task, rng, steps=30, batch_size=8)
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:5])
