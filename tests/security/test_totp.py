"""TOTP (RFC 6238) over pyotp: time steps, clock-skew window, replay refusal. Fixed instants only."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest

from emr_desktop.security import totp

#: 10 s into a 30-second step, so ±30 s lands one step away and ±60 s two steps away.
T = datetime(2025, 3, 14, 9, 26, 40, tzinfo=UTC)
STEP = int(T.timestamp()) // 30


def _code(secret: str, at: datetime) -> str:
    """The code an authenticator app shows at ``at`` (pyotp as the reference implementation)."""
    return pyotp.TOTP(secret).at(at)


@pytest.fixture
def secret() -> str:
    return totp.new_secret()


def test_new_secrets_are_random_base32(secret: str) -> None:
    assert len(base64.b32decode(secret)) >= 20  # at least 160 bits
    assert secret != totp.new_secret()


def test_rfc6238_vectors() -> None:
    # RFC 6238 appendix B (SHA-1 seed "12345678901234567890"), last 6 of the 8 digits shown there.
    secret = base64.b32encode(b"12345678901234567890").decode()
    for unix, code in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
                       (2000000000, "279037")):
        at = datetime.fromtimestamp(unix, UTC)
        assert totp.verify(secret, code, at=at, last_step=None) == unix // 30


def test_code_accepted_at_its_step(secret: str) -> None:
    assert totp.verify(secret, _code(secret, T), at=T, last_step=None) == STEP
    assert totp.verify(secret, _code(secret, T), at=T, last_step=STEP - 1) == STEP


def test_thirty_seconds_of_skew_accepted(secret: str) -> None:
    # Phone clock behind (its code is for the previous step) or ahead (next step).
    assert totp.verify(secret, _code(secret, T - timedelta(seconds=30)), at=T, last_step=None) == STEP - 1
    assert totp.verify(secret, _code(secret, T + timedelta(seconds=30)), at=T, last_step=None) == STEP + 1


@pytest.mark.parametrize("seconds", [-90, -60, 60, 90])
def test_larger_skew_refused(secret: str, seconds: int) -> None:
    code = _code(secret, T + timedelta(seconds=seconds))
    assert code != _code(secret, T)
    assert totp.verify(secret, code, at=T, last_step=None) is None


def test_replay_refused(secret: str) -> None:
    code = _code(secret, T)
    step = totp.verify(secret, code, at=T, last_step=None)
    assert step == STEP
    assert totp.verify(secret, code, at=T, last_step=step) is None
    assert totp.verify(secret, code, at=T + timedelta(seconds=15), last_step=step) is None
    # An earlier code still inside the window is refused too once a later step was used.
    earlier = _code(secret, T - timedelta(seconds=30))
    assert totp.verify(secret, earlier, at=T, last_step=step) is None
    # The next code is fine.
    later = T + timedelta(seconds=30)
    assert totp.verify(secret, _code(secret, later), at=later, last_step=step) == STEP + 1


def test_code_from_another_secret_refused(secret: str) -> None:
    other = totp.new_secret()
    code = _code(other, T)
    if code == _code(secret, T):  # 1 in a million: pick another instant
        code = _code(other, T + timedelta(seconds=30))
    assert totp.verify(secret, code, at=T, last_step=None) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5"])
def test_malformed_codes_refused(secret: str, typed: str) -> None:
    assert totp.verify(secret, typed, at=T, last_step=None) is None


def test_spaces_in_typed_code_ignored(secret: str) -> None:
    code = _code(secret, T)
    assert totp.verify(secret, f" {code[:3]} {code[3:]} ", at=T, last_step=None) == STEP


def test_naive_time_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="naive"):
        totp.verify(secret, _code(secret, T), at=T.replace(tzinfo=None), last_step=None)


def test_provisioning_uri(secret: str) -> None:
    uri = totp.provisioning_uri(secret, "drsmith", "Test Family Practice")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Test Family Practice:drsmith"
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Test Family Practice"]
    # An authenticator app reading the URI produces codes we accept.
    app = pyotp.parse_uri(uri)
    assert totp.verify(secret, app.at(T), at=T, last_step=None) == STEP


def test_enrollment_repr_hides_secret(secret: str) -> None:
    enrollment = totp.TotpEnrollment(secret, totp.provisioning_uri(secret, "a", "b"))
    assert secret not in repr(enrollment)
