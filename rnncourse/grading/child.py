"""What runs inside the sandbox: the submission's cells, then the calls the grader asks for.

The grader sends requests, one at a time:

- ``{"op": "exec", "source": ...}``: run a cell's code in the notebook's
  namespace; reply with its printed output (bounded) and its error, if any;
- ``{"op": "call", "fn": name, "args": [...], "kwargs": {...}}``: call the
  function the notebook defined under ``name``; reply with its return value
  as plain data (:mod:`rnncourse.grading.wire`) or the exception it raised;
- ``{"op": "bye"}``.

Everything here runs with the submission's privileges: its replies are data the
grader checks, never instructions it follows.
"""
from __future__ import annotations

import builtins
import io
import os
import struct
import sys
import traceback

_HEADER = struct.Struct(">Q")
OUTPUT_CAP = 20000  # characters of printed output kept per cell


class _Capped(io.TextIOBase):
    """A text stream that keeps the first OUTPUT_CAP characters and counts the rest."""

    def __init__(self):
        self.parts, self.kept, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = OUTPUT_CAP - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self):
        out = "".join(self.parts)
        return out + (f"\n[... {self.dropped} more characters not shown]" if self.dropped else "")


def _read_exact(fd, n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _transform(source: str) -> str:
    """IPython syntax (``%magic``, ``!shell``) becomes calls of a stub that ignores them."""
    if "%" not in source and "!" not in source:
        return source
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


class _Shell:
    """A stand-in for ``get_ipython()``: magics and shell escapes do nothing here."""

    def run_line_magic(self, *a, **k):
        return None

    run_cell_magic = system = getoutput = run_line_magic

    def __getattr__(self, name):
        return lambda *a, **k: None


def _digests(args, kwargs) -> dict:
    """A fingerprint of every argument, to tell the grader which ones the call changed in place."""
    from rnncourse.grading import wire
    out = {}
    for k, v in list(enumerate(args)) + list(kwargs.items()):
        try:
            out[str(k)] = hash(wire.dumps(v))
        except Exception:
            out[str(k)] = None
    return out


def main(rfd: int, wfd: int, isolation: str = "") -> None:
    from rnncourse.grading import fixtures, wire

    def send(obj):
        raw = wire.dumps(obj)
        os.write(wfd, _HEADER.pack(len(raw)))
        view = memoryview(raw)
        while view:
            n = os.write(wfd, view[:1 << 20])
            view = view[n:]

    def receive():
        (n,) = _HEADER.unpack(_read_exact(rfd, _HEADER.size))
        return wire.loads(_read_exact(rfd, n), build_fixture=fixtures.build)

    shell = _Shell()
    ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: shell}
    real_out, real_err = sys.stdout, sys.stderr
    import warnings
    warnings.simplefilter("default")
    send({"ready": True})
    while True:
        try:
            msg = receive()
        except EOFError:
            return
        op = msg.get("op") if isinstance(msg, dict) else None
        out, err = _Capped(), _Capped()
        sys.stdout, sys.stderr = out, err
        reply = {}
        try:
            if op == "exec":
                try:
                    code = compile(_transform(msg["source"]), msg.get("name", "<cell>"), "exec")
                    exec(code, ns)
                    reply = {"ok": True}
                except BaseException as exc:  # SystemExit and KeyboardInterrupt too: the cell failed
                    reply = {"ok": False, "ename": type(exc).__name__, "evalue": str(exc)[:2000],
                             "traceback": traceback.format_exc(limit=-8)[-4000:]}
            elif op == "call":
                fn = ns.get(msg["fn"])
                if not callable(fn):
                    reply = {"status": "missing", "type": type(fn).__name__}
                else:
                    args, kwargs = msg.get("args", ()), msg.get("kwargs", {})
                    before = _digests(args, kwargs)
                    try:
                        value = fn(*args, **kwargs)
                        reply = {"status": "ok", "value": value,
                                 "mutated": [k for k, d in _digests(args, kwargs).items() if before.get(k) != d]}
                    except NotImplementedError:
                        reply = {"status": "not_implemented"}
                    except BaseException as exc:
                        reply = {"status": "raised", "value": wire.Raised(type(exc).__name__, str(exc)[:500])}
            elif op == "bye":
                return
            else:
                reply = {"ok": False, "ename": "ProtocolError", "evalue": f"unknown request {op!r}"}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        reply["stdout"], reply["stderr"] = out.text(), err.text()
        try:
            send(reply)
        except Exception as exc:  # e.g. a value that cannot be encoded at all
            send({"status": "raised", "value": wire.Raised("GradingError", f"the output could not be sent: {exc}"),
                  "ok": False, "ename": "GradingError", "evalue": str(exc)[:500]})
