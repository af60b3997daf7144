"""Time the gated units of the numpy reference (forward + backward) against PyTorch CPU, same shapes and threads.

    .venv/bin/python benchmarks/bench_gated.py [--threads 1] [--repeats 30] [--warmup 5] [--profile] [--onednn off]

Not a test (it lives outside tests/ and has no test_ functions). Same method as
bench_rnn.py: thread variables set before numpy is imported, torch.set_num_threads,
warm-up runs, then the median of interleaved timed runs. Rows: the "torch"-form GRU
(gru_forward + gru_backward vs nn.GRU + autograd) and the LSTM (lstm_forward +
lstm_backward vs nn.LSTM + autograd), both computing the gradients of x, the initial
state(s) and every parameter.

PyTorch runs a float32 ``nn.LSTM`` on the CPU as one fused oneDNN kernel when oneDNN is
available (it is in the pinned wheel), and everything else with its own ATen operations;
``--onednn off`` times the ATen path for comparison.
"""
from __future__ import annotations

import sys

from _common import bench_args, run_table



def _own_arguments(ap):
    ap.add_argument("--onednn", choices=("on", "off"), default="on",
                    help="PyTorch's oneDNN kernels: on (its default; float32 nn.LSTM then runs one fused "
                         "oneDNN kernel) or off (its own ATen operations)")


ARGS = bench_args(__doc__, _own_arguments)

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnncourse.bridges import gru_to_torch, lstm_to_torch  # noqa: E402
from rnncourse.gru import gru_backward, gru_forward, init_gru_params  # noqa: E402
from rnncourse.lstm import init_lstm_params, lstm_backward, lstm_forward  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.backends.mkldnn.enabled = ARGS.onednn == "on"


@dataclass(frozen=True)
class Case:
    cell: str            # key of SETUPS
    T: int
    N: int
    D: int               # n_x
    H: int               # n_a
    dtype: str           # "float64" or "float32"

    @property
    def shape(self) -> str:
        return f"{self.cell} T={self.T} N={self.N} D={self.D} H={self.H} {self.dtype}"


def _data(rng, c: Case, n_states: int):
    np_dt = np.dtype(c.dtype)
    x = rng.normal(size=(c.T, c.N, c.D)).astype(np_dt)
    states = [rng.normal(size=(c.N, c.H)).astype(np_dt) for _ in range(n_states)]
    da = rng.normal(size=(c.T, c.N, c.H)).astype(np_dt)
    return x, states, da


def _cast(params, dtype):
    return {k: v.astype(dtype) for k, v in params.items()}


def setup_gru(rng, c: Case):
    """GRU, "torch" form: gru_forward + gru_backward vs nn.GRU + autograd (same weights and biases)."""
    p64 = init_gru_params(c.D, c.H, rng, form="torch")
    p = _cast(p64, c.dtype)
    x, (a0,), da = _data(rng, c, 1)

    def numpy_step():
        a, cache = gru_forward(x, a0, p, form="torch")
        return gru_backward(da, cache)  # dx, da0 and the 10 parameter gradients

    gru = gru_to_torch(p64).to(getattr(torch, c.dtype))
    tx = torch.from_numpy(x).requires_grad_(True)
    th = torch.from_numpy(a0[None]).requires_grad_(True)
    tda = torch.from_numpy(da)

    def torch_step():
        for q in (tx, th, *gru.parameters()):
            q.grad = None
        out, _ = gru(tx, th)
        out.backward(tda)

    return numpy_step, torch_step


def setup_lstm(rng, c: Case):
    """LSTM (no peepholes): lstm_forward + lstm_backward vs nn.LSTM + autograd."""
    p64 = init_lstm_params(c.D, c.H, rng, forget_bias=1.0)
    p = _cast(p64, c.dtype)
    x, (a0, c0), da = _data(rng, c, 2)

    def numpy_step():
        a, cells, cache = lstm_forward(x, a0, c0, p)
        return lstm_backward(da, cache)  # dx, da0, dc0 and the 12 parameter gradients

    lstm = lstm_to_torch(p64).to(getattr(torch, c.dtype))
    tx = torch.from_numpy(x).requires_grad_(True)
    th = torch.from_numpy(a0[None]).requires_grad_(True)
    tc = torch.from_numpy(c0[None]).requires_grad_(True)
    tda = torch.from_numpy(da)

    def torch_step():
        for q in (tx, th, tc, *lstm.parameters()):
            q.grad = None
        out, _ = lstm(tx, (th, tc))
        out.backward(tda)

    return numpy_step, torch_step


SETUPS = {"gru": setup_gru, "lstm": setup_lstm}

CASES = [
    Case("gru", T=50, N=32, D=64, H=128, dtype="float64"),
    Case("gru", T=50, N=32, D=64, H=128, dtype="float32"),
    Case("lstm", T=50, N=32, D=64, H=128, dtype="float64"),
    Case("lstm", T=50, N=32, D=64, H=128, dtype="float32"),
]


def main() -> int:
    run_table(CASES, SETUPS, ARGS, np, torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
