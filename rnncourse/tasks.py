"""Tasks and data shared by chapter 7, the scripts and the checks: one copy of each.

- the **adding problem** (Hochreiter & Schmidhuber 1997): :func:`adding_data` (numpy, float64),
  :func:`adding_batch` (the same draws as float32 torch tensors), :func:`make_regressor` (a
  one-layer ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` read out at the last step) and
  :func:`train_adding` (Adam with clipping); chapter 7 and ``scripts/adding_problem.py`` use
  them, ``rnncourse.longmemory`` uses :func:`adding_data`;
- the **memory task** of Hung-yi Lee's lecture for a one-unit LSTM (write, keep, erase, show):
  :func:`memory_task_inputs` and :func:`memory_task_targets` (assignment 7's ``hand_set_lstm``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["adding_data", "adding_batch", "make_regressor", "train_adding", "memory_task_inputs",
           "memory_task_targets", "REGRESSOR_KINDS"]

REGRESSOR_KINDS = ("RNN", "GRU", "LSTM")


def _check_size(name, v, low=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {v!r}")


# ------------------------------------------------------------------ the adding problem
def adding_data(rng: np.random.Generator, T: int, N: int):
    """The adding problem.

    Inputs: rng: a numpy Generator; T >= 2 steps; N >= 1 sequences.

    Returns ``(x, y)``: inputs ``(T, N, 2)`` (a value in [0, 1], a marker that is 1 at one step
    of each half of the sequence) and targets ``(N,)``, the sums of the two marked values
    (float64). Always predicting 1 gives an MSE of 1/6.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
    _check_size("N", N)
    _check_size("T", T, 2)
    values, markers = rng.uniform(0.0, 1.0, (T, N)), np.zeros((T, N))
    markers[rng.integers(0, T // 2, N), np.arange(N)] = 1.0  # one marker in the first half
    markers[rng.integers(T // 2, T, N), np.arange(N)] = 1.0  # one in the second half
    return np.stack([values, markers], axis=-1), (values * markers).sum(axis=0)


def adding_batch(rng: np.random.Generator, T: int, N: int):
    """:func:`adding_data` as float32 torch tensors: inputs ``(T, N, 2)``, targets ``(N, 1)``."""
    import torch
    x, y = adding_data(rng, T, N)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y[:, None], dtype=torch.float32)


def make_regressor(kind: str, hidden: int, n_x: int = 2):
    """A one-layer ``torch.nn.RNN`` / ``GRU`` / ``LSTM`` (``kind``) read out by a linear layer
    at the last step: ``x (T, N, n_x) -> (N, 1)`` (float32, PyTorch's default initialisation)."""
    import torch
    if kind not in REGRESSOR_KINDS:
        raise ValueError(f"kind: expected one of {REGRESSOR_KINDS}, got {kind!r}")
    _check_size("hidden", hidden)

    class Regressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(n_x, hidden)
            self.out = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            states, _ = self.rnn(x)
            return self.out(states[-1])  # read the answer from the last state

    return Regressor()


def train_adding(kind: str, T: int, hidden: int, steps: int, seed: int, batch: int = 64, lr: float = 1e-2,
                 test=None, desc=None):
    """Train :func:`make_regressor` on the adding problem with Adam and clipping by norm 1.

    ``seed`` seeds torch (the initial weights) and the numpy Generator of the training batches.
    ``test``: a pair from :func:`adding_batch` (None: no test). Returns ``(losses, test_mse)``:
    the ``(steps,)`` training losses and the test MSE (None without ``test``).
    """
    import torch
    from .progress import progress
    _check_size("steps", steps)
    torch.manual_seed(seed)
    data_rng = np.random.default_rng(seed)
    model = make_regressor(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), desc=desc or kind):
        xb, yb = adding_batch(data_rng, T, batch)
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    test_mse = None
    if test is not None:
        with torch.no_grad():
            test_mse = torch.nn.functional.mse_loss(model(test[0]), test[1]).item()
    return np.array(losses), test_mse


# ------------------------------------------------------------ the memory task (lecture)
def memory_task_inputs(rng: np.random.Generator, T: int, N: int) -> np.ndarray:
    """Random inputs ``(T, N, 3)`` = (x1, x2, x3) of the memory task: x1 in {-2, ..., 3},
    x2 in {-1, 0, 1} (erase, keep, write), x3 in {0, 1} (hide, show)."""
    x1 = rng.integers(-2, 4, size=(T, N)).astype(float)
    x2 = rng.choice([-1.0, 0.0, 1.0], p=[0.15, 0.35, 0.5], size=(T, N))
    x3 = rng.choice([0.0, 1.0], size=(T, N))
    return np.stack([x1, x2, x3], axis=-1)


def memory_task_targets(x):
    """What a one-unit LSTM must output on the memory task, inputs x ``(T, N, 3)``.

    x2 = 1 writes: c += tanh(x1); x2 = -1 erases: c = 0; x2 = 0 keeps c.
    x3 = 1 shows the memory: a = tanh(c); x3 = 0 hides it: a = 0. From c = 0.
    Returns the target ``(a, c)``, each ``(T, N, 1)``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"x: expected shape (T, N, 3), got {x.shape}")
    T, N, _ = x.shape
    c = np.zeros((N,))
    cs, as_ = [], []
    for t in range(T):
        x1, x2, x3 = x[t, :, 0], x[t, :, 1], x[t, :, 2]
        c = np.where(x2 == -1, 0.0, c + np.where(x2 == 1, np.tanh(x1), 0.0))
        cs.append(c.copy())
        as_.append(np.where(x3 == 1, np.tanh(c), 0.0))
    return np.array(as_).reshape(T, N, 1), np.array(cs).reshape(T, N, 1)
