"""Password hashing: PBKDF2-HMAC-SHA256 from the standard library (OpenSSL underneath).

Chosen because it is FIPS 140-approved (many practices' auditors ask for it), needs no compiled
dependency, and at 600,000 iterations meets OWASP's current guidance. The iteration count is stored
with each hash, so it can be raised later and old hashes still verify (and are upgraded at login).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000
MIN_LENGTH = 8


def hash_password(password: str, *, iterations: int | None = None) -> str:
    rounds = ITERATIONS if iterations is None else iterations
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, rounds)
    return "$".join(
        (ALGORITHM, str(rounds), base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    )


def verify_password(password: str, encoded: str) -> bool:
    try:
        algorithm, rounds, salt_b64, digest_b64 = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, int(rounds))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(encoded: str) -> bool:
    parts = encoded.split("$")
    return len(parts) != 4 or parts[0] != ALGORITHM or int(parts[1]) < ITERATIONS


def generate_password() -> str:
    """A readable random password for a new admin (shown once)."""
    return secrets.token_urlsafe(12)
