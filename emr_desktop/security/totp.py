"""Time-based one-time passwords (RFC 6238) for the optional second log-in factor.

Built on pyotp (HMAC-SHA1, 6 digits, 30-second steps: what every authenticator app speaks). Works
offline: a code is checked against the shared secret and the workstation clock only. Every function
takes the time as an argument, so callers (and tests) decide which clock counts.

``verify`` returns the accepted time step instead of a yes/no, so the caller can store it and refuse
any code whose step is not later (a code seen over a shoulder or replayed from a log cannot be used
again, RFC 6238 §5.2).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

import pyotp

DIGITS = 6
INTERVAL = 30  # seconds per time step
#: Steps either side of the current one that are still accepted (clock skew, slow typing).
WINDOW = 1


@dataclass(frozen=True, slots=True)
class TotpEnrollment:
    """A new secret to show once to the user: as a QR code of ``provisioning_uri`` or typed in."""

    secret: str = field(repr=False)
    provisioning_uri: str = field(repr=False)


def new_secret() -> str:
    """A random base32 secret (160 bits, the RFC 4226 recommended length)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=username, issuer_name=issuer or None)


def time_step(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime given where an instant (with time zone) is required")
    return int(at.timestamp()) // INTERVAL


def normalize_code(code: str) -> str | None:
    """The code as typed, without spaces or dashes ("123 456"); None if it cannot be a code."""
    cleaned = "".join(code.split()).replace("-", "")
    if len(cleaned) != DIGITS or not (cleaned.isascii() and cleaned.isdigit()):
        return None
    return cleaned


def verify(secret: str, code: str, *, at: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (within ±WINDOW steps of ``at``), or None.

    A code whose step is not later than ``last_step`` (the last step accepted for this user) is
    refused, so each code works at most once."""
    cleaned = normalize_code(code)
    if cleaned is None:
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = time_step(at)
    accepted: int | None = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if step < 0 or (last_step is not None and step <= last_step):
            continue
        # Compare every candidate (no early exit) so timing does not tell which step matched.
        if hmac.compare_digest(totp.generate_otp(step), cleaned) and accepted is None:
            accepted = step
    return accepted
