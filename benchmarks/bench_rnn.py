"""Time the numpy reference (forward + backward) against PyTorch CPU on the same shapes and thread count.

    .venv/bin/python benchmarks/bench_rnn.py [--threads 1] [--repeats 30] [--warmup 5]

Not a test (it lives outside tests/ and has no test_ functions). To add a cell
(LSTM, GRU): write a ``setup_<cell>(rng, shape, dtype)`` returning two
zero-argument callables (numpy step, torch step) and append rows to CASES.
"""
from __future__ import annotations

import sys

from _common import bench_args, run_table

ARGS = bench_args(__doc__)

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from rnncourse.bridges import to_torch_rnn  # noqa: E402
from rnncourse.rnn import rnn_backward, rnn_forward  # noqa: E402

torch.set_num_threads(ARGS.threads)


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


def setup_rnn(rng, c: Case):
    """Elman RNN (tanh): rnncourse.rnn_forward + rnn_backward vs nn.RNN + autograd."""
    np_dt, t_dt = np.dtype(c.dtype), getattr(torch, c.dtype)
    k = 1.0 / np.sqrt(c.H)
    Wax = rng.uniform(-k, k, (c.H, c.D)).astype(np_dt)
    Waa = rng.uniform(-k, k, (c.H, c.H)).astype(np_dt)
    ba = rng.uniform(-k, k, c.H).astype(np_dt)
    x = rng.normal(size=(c.T, c.N, c.D)).astype(np_dt)
    a0 = rng.normal(size=(c.N, c.H)).astype(np_dt)
    da = rng.normal(size=(c.T, c.N, c.H)).astype(np_dt)

    def numpy_step():
        _, cache = rnn_forward(x, a0, Wax, Waa, ba)
        return rnn_backward(da, cache)  # dx, da0, dWax, dWaa, dba: the same gradients torch computes

    rnn = to_torch_rnn(Wax.astype(np.float64), Waa.astype(np.float64), ba.astype(np.float64)).to(t_dt)
    tx = torch.from_numpy(x).requires_grad_(True)
    th = torch.from_numpy(a0[None]).requires_grad_(True)
    tda = torch.from_numpy(da)

    def torch_step():
        for p in (tx, th, *rnn.parameters()):
            p.grad = None
        out, _ = rnn(tx, th)
        out.backward(tda)

    return numpy_step, torch_step


SETUPS = {"rnn": setup_rnn}  # the GRU and LSTM rows are in bench_gated.py

CASES = [
    Case("rnn", T=50, N=32, D=64, H=128, dtype="float64"),
    Case("rnn", T=50, N=32, D=64, H=128, dtype="float32"),
]


def main() -> int:
    run_table(CASES, SETUPS, ARGS, np, torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
