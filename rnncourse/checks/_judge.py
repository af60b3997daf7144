"""Entry point of the judge process: ``python -I -m rnncourse.checks._judge``.

Reads a pickled payload from stdin, writes the pickled verdict to stdout.
See :mod:`rnncourse.checks._core` for why this runs in a separate process.
"""
import pickle
import sys

from rnncourse.checks import _core  # noqa: F401  (registers every check)
import rnncourse.checks  # noqa: F401


def main() -> None:
    payload = pickle.loads(sys.stdin.buffer.read())
    verdict = _core.judge(payload)
    sys.stdout.buffer.write(pickle.dumps(verdict))


if __name__ == "__main__":
    main()
