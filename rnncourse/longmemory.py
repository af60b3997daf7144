r"""Two structured recurrent networks for long memories: the Clockwork RNN and the SCRN.

Hung-yi Lee's lecture lists them (as "Clockwise" and "SCRN") among the helpful techniques
beside the LSTM, the GRU and the identity-initialised ReLU RNN. Both are plain recurrent
networks whose *structure* slows part of the state down, instead of gates that learn when
to keep it.

**Clockwork RNN** (Koutník, Greff, Gomez and Schmidhuber 2014, "A Clockwork RNN"). The
:math:`n_a` hidden units are split into :math:`g` modules of equal size, module :math:`i`
with a period :math:`P_i` (e.g. 1, 2, 4, 8). At step :math:`t` (counted from 0 here) only
the modules with :math:`t \bmod P_i = 0` are updated; the others copy their state:

.. math::

    \tilde a^{\langle t\rangle} &= \tanh\big((M \odot W_{aa})\,a^{\langle t-1\rangle} + W_{ax}x^{\langle t\rangle} + b_a\big) \\
    a^{\langle t\rangle}_i &= \tilde a^{\langle t\rangle}_i \ \text{if } t \bmod P_i = 0, \quad
    a^{\langle t\rangle}_i = a^{\langle t-1\rangle}_i \ \text{otherwise.}

The mask :math:`M` (:func:`clockwork_mask`) lets a module read only modules that are as slow
or slower than itself (:math:`P_j \ge P_i`): with the modules sorted by increasing period it
is block upper-triangular. A slow module is a memory that is only rewritten every
:math:`P_i` steps, so its gradient crosses :math:`T/P_i` Jacobians instead of :math:`T`.

**SCRN**, structurally constrained recurrent network (Mikolov, Joulin, Chopra, Mathieu and
Ranzato 2015, "Learning Longer Memory in Recurrent Neural Networks"). Besides the fast
hidden state :math:`a^{\langle t\rangle}` it keeps a slow *context* state
:math:`s^{\langle t\rangle}`, an exponential moving average of projected inputs with a fixed
:math:`\alpha` close to 1 (the paper uses 0.95):

.. math::

    s^{\langle t\rangle} &= (1 - \alpha)\,W_{sx}x^{\langle t\rangle} + \alpha\,s^{\langle t-1\rangle} \\
    a^{\langle t\rangle} &= \sigma\big(W_{as}s^{\langle t\rangle} + W_{ax}x^{\langle t\rangle} + W_{aa}a^{\langle t-1\rangle} + b_a\big)

(the paper's :math:`B, P, A, R` are :math:`W_{sx}, W_{as}, W_{ax}, W_{aa}`; its output layer
reads both states, :math:`y = f(U a + V s)`). Along the context path
:math:`\partial s^{\langle t\rangle}/\partial s^{\langle t-1\rangle} = \alpha I`: no weight
matrix, no derivative of a non-linearity, the same "constant error" idea as the LSTM's cell
with a forget gate frozen at :math:`\alpha`.

Arrays follow the course's conventions: time-major ``x (T, N, n_x)``, states ``(N, n_a)``,
weights ``(out, in)``. Forward functions are numpy references; :func:`clockwork_to_torch` and
:func:`scrn_to_torch` build PyTorch modules computing the same functions (float64), used for training
and, through autograd, for the gradients (the tests compare them with the numpy forward and
with finite differences).
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_shape
from .losses import sigmoid
from .tasks import adding_data

__all__ = ["clockwork_mask", "clockwork_active", "clockwork_forward", "scrn_forward",
           "init_clockwork_params", "init_scrn_params", "clockwork_to_torch", "scrn_to_torch",
           "LONG_MEMORY_KINDS", "long_memory_model", "train_long_memory"]


def _check_periods(periods, n_a):
    if isinstance(periods, (str, bytes)) or not hasattr(periods, "__len__") or len(periods) == 0:
        raise ValueError(f"periods: expected a non-empty sequence of positive integers, got {periods!r}")
    per = np.asarray(periods)
    if per.ndim != 1 or per.dtype.kind not in "iu" or np.any(per < 1):
        raise ValueError(f"periods: expected a non-empty sequence of positive integers, got {periods!r}")
    if np.any(np.diff(per) < 0):
        raise ValueError(f"periods: expected increasing periods (fast modules first), got {list(per)}")
    if n_a is not None and n_a % len(per):
        raise ValueError(f"periods: n_a = {n_a} units cannot be split into {len(per)} equal modules")
    return per.astype(int)


def clockwork_mask(periods, n_a: int) -> np.ndarray:
    """The ``(n_a, n_a)`` 0/1 mask of the recurrent weights of a Clockwork RNN.

    Inputs: periods: increasing module periods, e.g. ``(1, 2, 4, 8)``; n_a: number of hidden
    units, a multiple of ``len(periods)``.

    Returns: ``M`` with ``M[i, j] = 1`` iff the module of unit ``j`` is at least as slow as
    the module of unit ``i`` (block upper-triangular).
    """
    per = _check_periods(periods, n_a)
    module = np.repeat(np.arange(len(per)), n_a // len(per))
    return (per[module][None, :] >= per[module][:, None]).astype(np.float64)


def clockwork_active(periods, n_a: int, T: int) -> np.ndarray:
    """``(T, n_a)`` boolean array: is unit ``j`` updated at step ``t`` (0-based), ``t % P == 0``."""
    per = _check_periods(periods, n_a)
    if not isinstance(T, (int, np.integer)) or T < 0:
        raise ValueError(f"T: expected a non-negative integer, got {T!r}")
    unit_period = np.repeat(per, n_a // len(per))
    return (np.arange(T)[:, None] % unit_period[None, :]) == 0


def clockwork_forward(x, a0, Wax, Waa, ba, periods):
    """Run a Clockwork RNN over a time-major sequence.

    Inputs:
    - x ``(T, N, n_x)``; a0 ``(N, n_a)``.
    - Wax ``(n_a, n_x)``, Waa ``(n_a, n_a)`` (entries outside :func:`clockwork_mask` are
      ignored), ba ``(n_a,)``.
    - periods: increasing module periods; ``n_a`` must be a multiple of their number.

    Returns: a ``(T, N, n_a)``, the hidden states a^<1..T>.
    """
    x = as_float_array("x", x, ndim=3)
    T, N, n_x = x.shape
    Waa = as_float_array("Waa", Waa, ndim=2)
    n_a = Waa.shape[0]
    check_shape("Waa", Waa, (n_a, n_a), "(n_a, n_a)")
    Wax = as_float_array("Wax", Wax, ndim=2)
    check_shape("Wax", Wax, (n_a, n_x), "(n_a, n_x)")
    ba = as_float_array("ba", ba, ndim=1)
    check_shape("ba", ba, (n_a,), "(n_a,)")
    a_prev = as_float_array("a0", a0, ndim=2)
    check_shape("a0", a_prev, (N, n_a), "(N, n_a)")
    Wm = clockwork_mask(periods, n_a) * Waa
    active = clockwork_active(periods, n_a, T)
    zx = x @ Wax.T + ba
    out = np.empty((T, N, n_a), dtype=np.result_type(x, Waa, a_prev))
    for t in range(T):
        cand = np.tanh(zx[t] + a_prev @ Wm.T)
        a_prev = np.where(active[t], cand, a_prev)   # inactive modules copy their state
        out[t] = a_prev
    return out


def scrn_forward(x, a0, s0, params, alpha: float = 0.95, activation: str = "sigmoid"):
    """Run a structurally constrained recurrent network (SCRN) over a time-major sequence.

    Inputs:
    - x ``(T, N, n_x)``; a0 ``(N, n_a)`` fast state; s0 ``(N, n_s)`` context state.
    - params: dict with ``Wsx (n_s, n_x)``, ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``,
      ``Was (n_a, n_s)``, ``ba (n_a,)``.
    - alpha: the fixed context decay, ``0 <= alpha <= 1``.
    - activation: "sigmoid" (the paper's) or "tanh".

    Returns ``(a, s)``: the hidden states ``(T, N, n_a)`` and context states ``(T, N, n_s)``.
    """
    if not isinstance(alpha, (int, float, np.floating)) or not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha: expected a number in [0, 1], got {alpha!r}")
    if activation not in ("sigmoid", "tanh"):
        raise ValueError(f"activation: expected 'sigmoid' or 'tanh', got {activation!r}")
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    missing = [k for k in ("Wsx", "Wax", "Waa", "Was", "ba") if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)}")
    x = as_float_array("x", x, ndim=3)
    T, N, n_x = x.shape
    Waa = as_float_array("Waa", params["Waa"], ndim=2)
    n_a = Waa.shape[0]
    check_shape("Waa", Waa, (n_a, n_a), "(n_a, n_a)")
    Wsx = as_float_array("Wsx", params["Wsx"], ndim=2)
    n_s = Wsx.shape[0]
    check_shape("Wsx", Wsx, (n_s, n_x), "(n_s, n_x)")
    Wax = as_float_array("Wax", params["Wax"], ndim=2)
    check_shape("Wax", Wax, (n_a, n_x), "(n_a, n_x)")
    Was = as_float_array("Was", params["Was"], ndim=2)
    check_shape("Was", Was, (n_a, n_s), "(n_a, n_s)")
    ba = as_float_array("ba", params["ba"], ndim=1)
    check_shape("ba", ba, (n_a,), "(n_a,)")
    a_prev = as_float_array("a0", a0, ndim=2)
    check_shape("a0", a_prev, (N, n_a), "(N, n_a)")
    s_prev = as_float_array("s0", s0, ndim=2)
    check_shape("s0", s_prev, (N, n_s), "(N, n_s)")
    g = sigmoid if activation == "sigmoid" else np.tanh
    sx = (1.0 - alpha) * (x @ Wsx.T)
    zx = x @ Wax.T + ba
    a_out = np.empty((T, N, n_a), dtype=np.result_type(x, Waa, a_prev))
    s_out = np.empty((T, N, n_s), dtype=a_out.dtype)
    for t in range(T):
        s_prev = sx[t] + alpha * s_prev              # the slow context: a moving average
        a_prev = g(zx[t] + s_prev @ Was.T + a_prev @ Waa.T)
        a_out[t], s_out[t] = a_prev, s_prev
    return a_out, s_out


def _check_sizes(**sizes):
    for name, v in sizes.items():
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")


def init_clockwork_params(n_x: int, n_a: int, periods, rng: np.random.Generator, scale: float | None = None):
    """Random Clockwork-RNN weights (uniform in ``±scale``, default ``1/sqrt(n_a)``, masked ``Waa``).

    Returns a dict ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a,)``.
    """
    _check_sizes(n_x=n_x, n_a=n_a)
    mask = clockwork_mask(periods, n_a)
    s = 1.0 / np.sqrt(n_a) if scale is None else scale
    return {"Wax": rng.uniform(-s, s, (n_a, n_x)), "Waa": rng.uniform(-s, s, (n_a, n_a)) * mask,
            "ba": rng.uniform(-s, s, n_a)}


def init_scrn_params(n_x: int, n_a: int, n_s: int, rng: np.random.Generator, scale: float | None = None):
    """Random SCRN weights (uniform in ``±scale``, default ``1/sqrt(n_a)``).

    Returns a dict ``Wsx (n_s, n_x)``, ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``Was (n_a, n_s)``,
    ``ba (n_a,)``.
    """
    _check_sizes(n_x=n_x, n_a=n_a, n_s=n_s)
    s = 1.0 / np.sqrt(n_a) if scale is None else scale
    u = lambda *shape: rng.uniform(-s, s, shape)  # noqa: E731
    return {"Wsx": u(n_s, n_x), "Wax": u(n_a, n_x), "Waa": u(n_a, n_a), "Was": u(n_a, n_s), "ba": u(n_a)}


_CLASSES = {}


def _classes():
    """The two torch.nn.Module classes, built once on first use (importing this module needs no torch)."""
    if _CLASSES:
        return _CLASSES
    import torch

    class ClockworkRNN(torch.nn.Module):
        """float64 module computing :func:`clockwork_forward`; ``forward(x, a0=None)``."""

        def __init__(self, params, periods):
            super().__init__()
            n_a = params["Waa"].shape[0]
            self.n_a = n_a
            self.register_buffer("mask", torch.from_numpy(clockwork_mask(periods, n_a)))
            self.register_buffer("unit_period", torch.from_numpy(
                np.repeat(_check_periods(periods, n_a), n_a // len(periods))))
            for k in ("Wax", "Waa", "ba"):
                setattr(self, k, torch.nn.Parameter(torch.tensor(params[k], dtype=torch.float64)))

        def forward(self, x, a0=None):
            T, N, _ = x.shape
            a = x.new_zeros(N, self.n_a) if a0 is None else a0
            Wm = self.Waa * self.mask        # masked weights get zero gradient
            zx = x @ self.Wax.T + self.ba
            out = []
            for t in range(T):
                cand = torch.tanh(zx[t] + a @ Wm.T)
                a = torch.where(t % self.unit_period == 0, cand, a)
                out.append(a)
            return torch.stack(out)

    class SCRN(torch.nn.Module):
        """float64 module computing :func:`scrn_forward`; ``forward(x, a0=None, s0=None)``."""

        def __init__(self, params, alpha, activation):
            super().__init__()
            self.alpha = float(alpha)
            self.n_a, self.n_s = params["Waa"].shape[0], params["Wsx"].shape[0]
            self.act = torch.sigmoid if activation == "sigmoid" else torch.tanh
            for k in ("Wsx", "Wax", "Waa", "Was", "ba"):
                setattr(self, k, torch.nn.Parameter(torch.tensor(params[k], dtype=torch.float64)))

        def forward(self, x, a0=None, s0=None):
            T, N, _ = x.shape
            a = x.new_zeros(N, self.n_a) if a0 is None else a0
            s = x.new_zeros(N, self.n_s) if s0 is None else s0
            sx = (1.0 - self.alpha) * (x @ self.Wsx.T)
            zx = x @ self.Wax.T + self.ba
            a_out, s_out = [], []
            for t in range(T):
                s = sx[t] + self.alpha * s   # no weight matrix on the context path
                a = self.act(zx[t] + s @ self.Was.T + a @ self.Waa.T)
                a_out.append(a)
                s_out.append(s)
            return torch.stack(a_out), torch.stack(s_out)

    _CLASSES.update(ClockworkRNN=ClockworkRNN, SCRN=SCRN)
    return _CLASSES


def clockwork_to_torch(params, periods):
    """A float64 ``torch.nn.Module`` computing :func:`clockwork_forward` with ``params``.

    Inputs: params: dict ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a,)`` (e.g. from
    :func:`init_clockwork_params`); periods as in :func:`clockwork_forward`.

    Returns a module whose ``forward(x, a0=None)`` maps ``x (T, N, n_x)`` to the states
    ``(T, N, n_a)``; its parameters ``Wax, Waa, ba`` are trainable copies.
    """
    if not isinstance(params, dict) or any(k not in params for k in ("Wax", "Waa", "ba")):
        raise ValueError("params: expected a dict with Wax, Waa, ba")
    n_a = np.shape(params["Waa"])[0]
    _check_periods(periods, n_a)
    clockwork_forward(np.zeros((1, 1, np.shape(params["Wax"])[1])), np.zeros((1, n_a)),
                      params["Wax"], params["Waa"], params["ba"], periods)   # validates the shapes
    return _classes()["ClockworkRNN"](params, periods)


def scrn_to_torch(params, alpha: float = 0.95, activation: str = "sigmoid"):
    """A float64 ``torch.nn.Module`` computing :func:`scrn_forward` with ``params``.

    Returns a module whose ``forward(x, a0=None, s0=None)`` returns ``(a, s)`` of shapes
    ``(T, N, n_a)`` and ``(T, N, n_s)``.
    """
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict of arrays, got {type(params).__name__}")
    n_x = np.shape(params.get("Wax", np.zeros((1, 1))))[1]
    n_a, n_s = np.shape(params.get("Waa", np.zeros((1, 1))))[0], np.shape(params.get("Wsx", np.zeros((1, 1))))[0]
    scrn_forward(np.zeros((1, 1, n_x)), np.zeros((1, n_a)), np.zeros((1, n_s)), params, alpha, activation)
    return _classes()["SCRN"](params, alpha, activation)


# ------------------------------------------------------------- a long-memory benchmark
LONG_MEMORY_KINDS = ("irnn", "lstm", "clockwork", "scrn")


def long_memory_model(kind: str, hidden: int, rng: np.random.Generator, periods=(1, 2, 4, 8),
                      context: int = 8, alpha: float = 0.95):
    """A float64 regressor ``x (T, N, 2) -> (N,)`` reading its answer from the last state.

    kind: "irnn" (ReLU RNN, identity recurrent matrix, zero biases: Le et al. 2015), "lstm"
    (``torch.nn.LSTM``), "clockwork" (``hidden`` units in ``len(periods)`` modules) or "scrn"
    (``hidden`` fast units plus ``context`` slow ones with decay ``alpha``; the read-out sees both).
    Initial weights are drawn from ``rng`` (torch's own defaults for the LSTM, seeded from it).
    """
    import torch
    if kind not in LONG_MEMORY_KINDS:
        raise ValueError(f"kind: expected one of {LONG_MEMORY_KINDS}, got {kind!r}")
    _check_sizes(hidden=hidden, context=context)
    torch.manual_seed(int(rng.integers(0, 2**31 - 1)))

    class Regressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if kind == "irnn":
                self.core = torch.nn.RNN(2, hidden, nonlinearity="relu", dtype=torch.float64)
                with torch.no_grad():
                    self.core.weight_hh_l0.copy_(torch.eye(hidden, dtype=torch.float64))
                    self.core.bias_ih_l0.zero_()
                    self.core.bias_hh_l0.zero_()
            elif kind == "lstm":
                self.core = torch.nn.LSTM(2, hidden, dtype=torch.float64)
            elif kind == "clockwork":
                self.core = clockwork_to_torch(init_clockwork_params(2, hidden, periods, rng), periods)
            else:
                self.core = scrn_to_torch(init_scrn_params(2, hidden, context, rng), alpha)
            width = hidden + (context if kind == "scrn" else 0)
            self.out = torch.nn.Linear(width, 1, dtype=torch.float64)

        def forward(self, x):
            if kind == "scrn":
                a, s = self.core(x)
                last = torch.cat([a[-1], s[-1]], dim=1)
            elif kind == "clockwork":
                last = self.core(x)[-1]
            else:
                last = self.core(x)[0][-1]
            return self.out(last)[:, 0]

    return Regressor()


def train_long_memory(kind: str, T: int, steps: int, rng: np.random.Generator, hidden: int = 32,
                      batch: int = 64, lr: float = 1e-2, test=None, desc=None, **model_kw):
    """Train :func:`long_memory_model` on the adding problem with Adam and clipping (norm 1).

    Returns ``(losses, test_mse)``: the ``(steps,)`` training losses and the MSE on ``test``
    (a pair from :func:`rnncourse.tasks.adding_data`; None skips it). Batches are drawn from ``rng``.
    """
    import torch
    from .progress import progress
    _check_sizes(steps=steps, batch=batch)
    model = long_memory_model(kind, hidden, rng, **model_kw)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = np.empty(steps)
    for i in progress(range(steps), desc=desc or kind):
        x, y = adding_data(rng, T, batch)
        loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses[i] = loss.item()
    test_mse = None
    if test is not None:
        with torch.no_grad():
            pred = model(torch.from_numpy(test[0])).numpy()
        test_mse = float(np.mean((pred - test[1]) ** 2))
    return losses, test_mse
