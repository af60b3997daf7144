"""Chapter 9's synthetic speech-like task: label strings rendered as noisy frames of random durations.

Every label k = 1..K has a prototype feature vector (its "sound"). A labelling is rendered frame by
frame: each label lasts a random number of frames, each frame is the prototype plus Gaussian noise,
and the first frame of every label is quieter (an onset dip, as the energy of speech dips between two
sounds), so that two equal labels in a row ("l l" in "hello") are two segments a network can tell
apart. Silences (frames of noise only) may fall between labels. Symbol 0 is kept for the CTC blank,
so the labels are 1..K and a model has C = K + 1 outputs.

All randomness comes from an explicit ``np.random.Generator``; the same seed gives the same data on
every machine (the data are "shipped with the course" as this code).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_float_array, as_int_array

__all__ = ["SpeechLike", "make_task", "random_labelling", "render", "make_batch", "make_model", "train_ctc"]


@dataclass(frozen=True)
class SpeechLike:
    """The fixed part of the task: prototypes ``(K, n_features)`` and the rendering settings."""
    prototypes: np.ndarray
    min_duration: int = 2
    max_duration: int = 5
    noise: float = 0.6
    onset: float = 0.2
    silence_prob: float = 0.2

    @property
    def n_labels(self) -> int:
        return self.prototypes.shape[0]

    @property
    def n_features(self) -> int:
        return self.prototypes.shape[1]


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")


def _positive_int(name, v, low=1):
    if type(v) is not int and not isinstance(v, np.integer) or v < low:
        raise ValueError(f"{name}: expected a whole number >= {low}, got {v!r}")
    return int(v)


def make_task(rng, n_labels: int = 5, n_features: int = 8, **settings) -> SpeechLike:
    """A task with ``n_labels`` random unit-length prototypes in ``n_features`` dimensions.

    ``settings`` override the rendering fields of :class:`SpeechLike` (``noise=...``, ...).
    """
    _check_rng(rng)
    K, D = _positive_int("n_labels", n_labels), _positive_int("n_features", n_features)
    proto = rng.normal(size=(K, D))
    proto /= np.linalg.norm(proto, axis=1, keepdims=True)  # every sound equally loud
    task = SpeechLike(proto, **settings)
    if not 1 <= task.min_duration <= task.max_duration:
        raise ValueError(f"min_duration, max_duration: expected 1 <= min <= max, got "
                         f"{task.min_duration}, {task.max_duration}")
    return task


def random_labelling(rng, n_labels: int, min_length: int = 2, max_length: int = 6,
                     repeat_prob: float = 0.25) -> list:
    """A label string of ids 1..n_labels; each label repeats the one before with ``repeat_prob``."""
    _check_rng(rng)
    U = int(rng.integers(_positive_int("min_length", min_length, 0), _positive_int("max_length", max_length, 0) + 1))
    out = []
    for _ in range(U):
        if out and rng.random() < repeat_prob:
            out.append(out[-1])                            # a genuinely repeated label ("好棒棒")
        else:
            out.append(int(rng.integers(1, n_labels + 1)))
    return out


def render(rng, task: SpeechLike, labels) -> tuple:
    """Frames ``(T, n_features)`` for one labelling, and the label of each frame (0 for silence).

    Each label lasts ``min_duration..max_duration`` frames; its first frame is scaled by ``onset``.
    """
    _check_rng(rng)
    labels = as_int_array("labels", labels, ndim=1, low=1, high=task.n_labels + 1)
    frames, frame_labels = [], []
    for j, k in enumerate(labels):
        if j and rng.random() < task.silence_prob:
            n = int(rng.integers(1, 3))
            frames.append(np.zeros((n, task.n_features)))
            frame_labels += [0] * n
        n = int(rng.integers(task.min_duration, task.max_duration + 1))
        seg = np.repeat(task.prototypes[k - 1][None], n, axis=0)
        seg[0] *= task.onset                                 # the onset dip marks a new segment
        frames.append(seg)
        frame_labels += [int(k)] * n
    x = np.concatenate(frames) if frames else np.zeros((1, task.n_features))
    frame_labels = frame_labels or [0]
    x = x + task.noise * rng.normal(size=x.shape)
    return x, np.array(frame_labels, dtype=np.int64)


def make_batch(rng, task: SpeechLike, N: int, min_length: int = 2, max_length: int = 6,
               repeat_prob: float = 0.25) -> dict:
    """N examples, padded: ``x`` ``(T_max, N, n_features)`` (zeros after each example's end),
    ``input_lengths`` ``(N,)``, ``targets`` ``(N, U_max)`` (0 after each labelling),
    ``target_lengths`` ``(N,)``, ``labels`` (list of lists) and ``frame_labels`` (list of arrays)."""
    _check_rng(rng)
    N = _positive_int("N", N)
    labels = [random_labelling(rng, task.n_labels, min_length, max_length, repeat_prob) for _ in range(N)]
    rendered = [render(rng, task, lab) for lab in labels]
    T = max(len(f) for f, _ in rendered)
    U = max(1, max(len(lab) for lab in labels))
    x = np.zeros((T, N, task.n_features))
    targets = np.zeros((N, U), dtype=np.int64)
    for i, ((f, _), lab) in enumerate(zip(rendered, labels)):
        x[:len(f), i] = f
        targets[i, :len(lab)] = lab
    return {"x": as_float_array("x", x), "input_lengths": np.array([len(f) for f, _ in rendered]),
            "targets": targets, "target_lengths": np.array([len(lab) for lab in labels]),
            "labels": labels, "frame_labels": [fl for _, fl in rendered]}


# ------------------------------------------------------------- a model for the task (PyTorch)
def make_model(n_features: int, n_hidden: int, n_symbols: int, cell: str = "gru", seed: int = 0):
    """A bidirectional GRU (or LSTM) with a linear output per frame: ``model(x)`` maps ``(T, N, n_features)``
    to logits ``(T, N, n_symbols)``. float64, initialised from ``torch.manual_seed(seed)``."""
    import torch
    from torch import nn

    if cell not in ("gru", "lstm"):
        raise ValueError(f"cell: expected 'gru' or 'lstm', got {cell!r}")

    class BiRNNCTC(nn.Module):
        def __init__(self):
            super().__init__()
            rnn = nn.GRU if cell == "gru" else nn.LSTM
            self.rnn = rnn(n_features, n_hidden, bidirectional=True)
            self.out = nn.Linear(2 * n_hidden, n_symbols)

        def forward(self, x):
            return self.out(self.rnn(x)[0])  # both directions' states at every frame -> logits

    torch.manual_seed(seed)
    return BiRNNCTC().double()


def train_ctc(model, task: SpeechLike, rng, steps: int, batch_size: int = 32, lr: float = 1e-2,
              clip: float = 1.0, progress=None, lr_end: float | None = None) -> list:
    """Adam on F.ctc_loss (blank 0, mean reduction) over fresh batches from ``rng``; returns the losses.

    Gradients are clipped to norm ``clip``. ``lr_end``: if given, the learning rate falls linearly
    from ``lr`` to ``lr_end`` over the steps (else it stays ``lr``). ``progress``: an optional
    wrapper of the step range (e.g. :func:`rnncourse.progress.progress`).
    """
    import torch
    import torch.nn.functional as F

    _check_rng(rng)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    steps_iter = range(_positive_int("steps", steps))
    for step in (progress(steps_iter) if progress else steps_iter):
        if lr_end is not None:
            for group in opt.param_groups:
                group["lr"] = lr + (lr_end - lr) * step / max(steps - 1, 1)
        b = make_batch(rng, task, batch_size)
        z = model(torch.tensor(b["x"]))
        loss = F.ctc_loss(z.log_softmax(2), torch.tensor(b["targets"]), torch.tensor(b["input_lengths"]),
                          torch.tensor(b["target_lengths"]))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(float(loss.detach()))
    return losses
