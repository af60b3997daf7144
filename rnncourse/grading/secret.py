"""The grading secret: hidden test cases are drawn from it at grading time.

The source notebooks name how many hidden batches a test cell draws
(``check("f", f, hidden=2)``), never their seeds. Each batch's seed is an HMAC
of the assignment, the test cell, the check and the batch number under a
secret that lives only on the grading machine, so neither the released notebook
nor the feedback (which shows the hidden test cells) lets a student run the
hidden cases beforehand. Keep the secret for the whole course: regrading with
the same secret draws the same cases.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["load_secret", "hidden_seed", "sign", "SECRET_FILE", "ENV_VAR"]

SECRET_FILE = ".rnncourse-grading-secret"
ENV_VAR = "RNNCOURSE_GRADING_SECRET"


def load_secret(course_root, create: bool = True) -> bytes:
    """The secret from ``$RNNCOURSE_GRADING_SECRET`` (hex) or ``<course root>/.rnncourse-grading-secret``.

    The file is created (mode 600, 32 random bytes) on first use when ``create``.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        try:
            key = bytes.fromhex(env.strip())
        except ValueError:
            raise ValueError(f"{ENV_VAR}: expected hexadecimal digits") from None
        if len(key) < 16:
            raise ValueError(f"{ENV_VAR}: expected at least 16 bytes (32 hex digits), got {len(key)}")
        return key
    path = Path(course_root) / SECRET_FILE
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no grading secret at {path}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 16:
        raise ValueError(f"{path}: the grading secret is too short")
    return key


def hidden_seed(key: bytes, assignment: str, grade_id: str, check: str, batch: int) -> int:
    """The seed of hidden batch ``batch`` of ``check`` in test cell ``grade_id``."""
    msg = f"{assignment}\0{grade_id}\0{check}\0{batch}".encode()
    return int.from_bytes(hmac.new(key, msg, hashlib.sha256).digest()[:8], "big")


def sign(key: bytes, data: bytes) -> str:
    """HMAC-SHA256 of ``data`` (verdict files carry one, so a planted verdict is refused)."""
    return hmac.new(key, b"verdict\0" + data, hashlib.sha256).hexdigest()
