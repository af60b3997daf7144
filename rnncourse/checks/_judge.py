"""Entry point of the judge process: ``python -I -m rnncourse.checks._judge``.

Reads the kernel's outputs from stdin in the :mod:`rnncourse.grading.wire` format
(plain data: reading it runs no code), writes the verdict to stdout in the same
format. See :mod:`rnncourse.checks._core` for why this runs in a separate process.
"""
import sys

import rnncourse.checks  # noqa: F401  (registers every check)
from rnncourse.checks import _core
from rnncourse.grading import wire


def main() -> None:
    payload = wire.loads(sys.stdin.buffer.read(64 << 20))
    if not (isinstance(payload, dict) and isinstance(payload.get("name"), str)
            and payload["name"] in _core.REGISTRY and isinstance(payload.get("outputs"), list)):
        verdict = {"ok": False, "message": "malformed outputs"}
    else:
        verdict = _core.judge(payload)
    sys.stdout.buffer.write(wire.dumps(verdict))


if __name__ == "__main__":
    main()
