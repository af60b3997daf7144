"""Time the numpy CTC loss + logit gradient against PyTorch's F.ctc_loss forward + backward on the CPU.

    .venv/bin/python benchmarks/bench_ctc.py [--threads 1] [--repeats 30] [--warmup 5] [--profile]

Not a test (it lives outside tests/ and has no test_ functions). Same method as bench_rnn.py:
thread variables set before numpy is imported, torch.set_num_threads, warm-up runs, then the
median of interleaved timed runs. Both sides start from the same logits (T, N, C) and end with
the loss and its gradient with respect to the logits: numpy ``rnncourse.ctc_batch.ctc_loss`` (which
includes the log softmax), PyTorch ``F.ctc_loss(z.log_softmax(2), ...)`` plus ``backward()``.
Input lengths vary in [T/2, T], target lengths in [U/2, U], labels drawn with repeats.
"""
from __future__ import annotations

from _common import bench_args, run_table


def _own_arguments(ap):
    ap.add_argument("--loss", default="ctc_loss", help="name of the numpy function in rnncourse.ctc_batch to time")


ARGS = bench_args(__doc__, _own_arguments)

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from rnncourse import ctc_batch  # noqa: E402

torch.set_num_threads(ARGS.threads)
if not callable(getattr(ctc_batch, ARGS.loss, None)):
    raise SystemExit(f"--loss: rnncourse.ctc_batch has no function {ARGS.loss!r}")


@dataclass(frozen=True)
class Case:
    cell: str
    T: int
    N: int
    C: int
    U: int
    dtype: str

    @property
    def shape(self) -> str:
        return f"CTC T={self.T} N={self.N} C={self.C} U={self.U} {self.dtype}"


def _batch(rng, case):
    z = rng.normal(size=(case.T, case.N, case.C)).astype(case.dtype)
    in_len = rng.integers(case.T // 2, case.T + 1, size=case.N)
    in_len[0] = case.T
    tgt_len = rng.integers(case.U // 2, case.U + 1, size=case.N)
    tgt_len[0] = case.U
    targets = rng.integers(1, case.C, size=(case.N, case.U))
    return z, targets, in_len, tgt_len


def setup_ctc(rng, case):
    z, targets, in_len, tgt_len = _batch(rng, case)
    loss_fn = getattr(ctc_batch, ARGS.loss)
    zt = torch.tensor(z, requires_grad=True)
    tt, it, lt = (torch.tensor(a) for a in (targets, in_len, tgt_len))

    def numpy_step():
        return loss_fn(z, targets, in_len, tgt_len)

    def torch_step():
        zt.grad = None
        loss = F.ctc_loss(zt.log_softmax(2), tt, it, lt)
        loss.backward()
        return zt.grad

    a, da = numpy_step()
    b, db = float(F.ctc_loss(zt.log_softmax(2), tt, it, lt).detach()), torch_step().numpy()
    tol = 1e-4 if case.dtype == "float32" else 1e-9
    assert abs(a - b) <= tol * max(1.0, abs(b)), (a, b)   # timing equal work: same answers first
    np.testing.assert_allclose(da, db, rtol=tol * 10, atol=tol)
    return numpy_step, torch_step


SETUPS = {"ctc": setup_ctc}
CASES = [Case("ctc", 100, 16, 28, 20, "float64"), Case("ctc", 100, 16, 28, 20, "float32")]

if __name__ == "__main__":
    run_table(CASES, SETUPS, ARGS, np, torch)
