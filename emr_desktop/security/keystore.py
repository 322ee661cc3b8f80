"""The chart's encryption key: made here, kept in the OS keyring, recoverable from a paper key.

This module is the only reader of the key (DESIGN §5). Each workstation store has its own random
32-byte raw key; SQLCipher uses it directly (no KDF at open). The recovery key shown once at set-up
is the same key in base32 with a 3-byte checksum, so a typo is caught before anything is touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import keyring
import keyring.errors

from emr_desktop.config import KEYRING_SERVICE
from emr_desktop.domain.errors import (
    InvalidRecoveryKey,
    KeyMissing,
    KeyringUnavailable,
    NoKeyringBackend,
)

KEY_BYTES = 32
_CHECK_LABEL = b"emr-desktop chart key check v1"
#: Set only by the test suite to allow keyrings.alt's plaintext file backend.
INSECURE_KEYRING_ENV = "EMR_TEST_ALLOW_INSECURE_KEYRING"
_INSECURE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.Gnome.Keyring",
    "keyrings.alt.Google.DocsKeyring",
    "keyrings.alt.pyfs.PlaintextKeyring",
    "keyrings.alt.multi.MultipartKeyringWrapper",
}


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_check_value(key: bytes) -> str:
    """A value that tells a right key from a wrong one without revealing anything about it."""
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


def key_matches(key: bytes, check_value: str) -> bool:
    return hmac.compare_digest(key_check_value(key), check_value)


def recovery_code(key: bytes) -> str:
    """56 base32 characters in groups of four, e.g. ``ABCD-EF23-...``."""
    if len(key) != KEY_BYTES:
        raise ValueError("key must be 32 bytes")
    checksum = hashlib.sha256(key).digest()[:3]
    text = base64.b32encode(key + checksum).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def key_from_recovery_code(code: str) -> bytes:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    # Characters people write for look-alikes that base32 (RFC 4648) does not use.
    cleaned = cleaned.translate(str.maketrans({"0": "O", "1": "I", "8": "B"}))
    if len(cleaned) != 56:
        raise InvalidRecoveryKey(f"it has {len(cleaned)} letters and digits, 56 are expected")
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        raise InvalidRecoveryKey("it contains characters that are not used in recovery keys") from None
    key, checksum = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if not hmac.compare_digest(hashlib.sha256(key).digest()[:3], checksum):
        raise InvalidRecoveryKey("a character is wrong (the checksum does not match)")
    return key


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_secure(backend: object) -> bool:
    if _backend_name(backend) in _INSECURE_BACKENDS:
        return False
    try:
        return float(getattr(type(backend), "priority", 0)) >= 1
    except Exception:  # noqa: BLE001 - a backend whose priority check raises is not viable
        return False


class KeyStore:
    """Reads and writes store keys in the OS keyring, refusing plaintext backends."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    def _backend(self) -> object:
        backend = keyring.get_keyring()
        subs = getattr(backend, "backends", None)
        if subs:
            # Use the chain's first backend directly: the chainer would fall through to a lower
            # (possibly plaintext) backend whenever the first one declines a write.
            backend = subs[0]
        name = _backend_name(backend)
        if name == "keyring.backends.fail.Keyring":
            raise NoKeyringBackend("none found")
        if name == "keyring.backends.null.Keyring":
            # It accepts and discards every key: a new chart would be unopenable at once. Not even
            # the test flag (which admits plaintext *storage*) makes it usable.
            raise NoKeyringBackend(f"{name} stores nothing")
        if not _is_secure(backend) and os.environ.get(INSECURE_KEYRING_ENV) != "1":
            raise NoKeyringBackend(f"only the insecure backend {name} is available")
        return backend

    def check(self) -> str:
        """Raise unless a usable, secure backend is there; return its name for diagnostics."""
        return _backend_name(self._backend())

    @staticmethod
    def _entry(store_id: str) -> str:
        return f"chart-key:{store_id}"

    def save_key(self, store_id: str, key: bytes) -> None:
        backend = self._backend()
        try:
            backend.set_password(self.service, self._entry(store_id), key.hex())  # type: ignore[attr-defined]
        except NotImplementedError as exc:
            raise KeyringUnavailable("the keyring declined to store the key") from exc
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc

    def load_key(self, store_id: str, db_path: Path) -> bytes:
        backend = self._backend()
        try:
            value = backend.get_password(self.service, self._entry(store_id))  # type: ignore[attr-defined]
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc
        if not value:
            raise KeyMissing(db_path)
        try:
            key = bytes.fromhex(value)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyMissing(db_path)
        return key

    def delete_key(self, store_id: str) -> None:
        backend = self._backend()
        try:
            backend.delete_password(self.service, self._entry(store_id))  # type: ignore[attr-defined]
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc

    # --- other secrets of a store (the hub credential) --------------------------------------

    def save_secret(self, store_id: str, name: str, value: str) -> None:
        backend = self._backend()
        try:
            backend.set_password(self.service, f"{name}:{store_id}", value)  # type: ignore[attr-defined]
        except (NotImplementedError, keyring.errors.KeyringError) as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc

    def load_secret(self, store_id: str, name: str) -> str | None:
        backend = self._backend()
        try:
            return backend.get_password(self.service, f"{name}:{store_id}") or None  # type: ignore[attr-defined]
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc

    def delete_secret(self, store_id: str, name: str) -> None:
        """Forget a store's secret (a failed enrollment leaves nothing behind); absent is fine."""
        backend = self._backend()
        try:
            backend.delete_password(self.service, f"{name}:{store_id}")  # type: ignore[attr-defined]
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(type(exc).__name__) from exc
