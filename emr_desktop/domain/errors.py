"""Errors a user can cause or meet, each with a message a receptionist can act on.

Messages never contain patient data: they name files, commands and settings only.
"""

from __future__ import annotations

from pathlib import Path


class EmrError(Exception):
    """Base class. ``str(err)`` is the message to show; ``hint`` says what to do next."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__

    def full_message(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


# --- the encrypted store ---------------------------------------------------------------------


class StoreError(EmrError):
    """Something is wrong with the workstation's chart file or its key."""


class StoreNotFound(StoreError):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"There is no chart in {data_dir}.",
            "Set this workstation up with `emr-desktop init` (or `emr-desktop demo` for a demo "
            "practice), or point --data-dir / EMR_DATA_DIR at the right folder.",
        )


class StoreAlreadyExists(StoreError):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"A chart already exists in {data_dir}; it was left untouched.",
            "Use another --data-dir for a new practice, or `emr-desktop restore` to replace it "
            "from a backup.",
        )


class WrongKey(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The encryption key does not open the chart file {path}. The file was not changed.",
            "If this workstation's key was replaced, run `emr-desktop recover` with the recovery "
            "key printed when the workstation was set up.",
        )


class KeyMissing(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The encryption key for the chart file {path} is not in this computer's keyring. "
            "The chart is intact.",
            "Run `emr-desktop recover` and type the recovery key printed when the workstation "
            "was set up (or ask your practice administrator for it).",
        )


class NoKeyringBackend(StoreError):
    def __init__(self, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            "No secure keyring is available to hold the chart's encryption key" + extra + ".",
            "Install and unlock the system keyring: on Debian/Ubuntu `apt install gnome-keyring` "
            "(or KWallet on KDE); Windows Credential Manager and macOS Keychain work out of the "
            "box. The chart is never protected by a plaintext key file instead.",
        )


class KeyringUnavailable(StoreError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The system keyring could not be used: {detail}.",
            "Unlock the keyring (log in to the desktop session) and try again.",
        )


class InvalidRecoveryKey(StoreError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"That recovery key is not valid: {reason}.",
            "Check it against the printed sheet. Recovery keys use the letters A-Z and the digits "
            "2-7; dashes and spaces do not matter (a typed 0 is read as O, 1 as I, 8 as B).",
        )


class CorruptDatabase(StoreError):
    def __init__(self, path: Path, detail: str, latest_backup: Path | None) -> None:
        hint = "Nothing was overwritten. "
        if latest_backup is not None:
            hint += (
                f"Restore the most recent backup with `emr-desktop restore {latest_backup}` "
                "(the damaged file is kept beside it), then sync to fetch newer changes."
            )
        else:
            hint += (
                "No backup was found in this profile; restore one with `emr-desktop restore FILE`, "
                "or set the workstation up again from the practice hub."
            )
        super().__init__(f"The chart file {path} is damaged ({detail}).", hint)
        self.detail = detail
        self.latest_backup = latest_backup


class DatabaseTooNew(StoreError):
    def __init__(self, path: Path, revision: str) -> None:
        super().__init__(
            f"The chart file {path} was written by a newer version of emr-desktop "
            f"(schema {revision}). It was not opened or changed.",
            "Update emr-desktop on this workstation to the practice's current version.",
        )


class BackupError(StoreError):
    pass


# --- records and users -----------------------------------------------------------------------


class ValidationError(EmrError):
    """Input that cannot be saved as it is; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(EmrError):
    def __init__(self, kind: str, record_id: object) -> None:
        super().__init__(f"No {kind} with id {record_id}.")
        self.kind = kind


class ImmutableRecord(EmrError):
    def __init__(self, kind: str) -> None:
        super().__init__(
            f"This {kind} is signed and can no longer be changed.",
            "Add an addendum instead.",
        )


class AuthenticationFailed(EmrError):
    def __init__(self) -> None:
        super().__init__(
            "User name or password is wrong.",
            "Check Caps Lock. After repeated failures the account is locked for a while.",
        )


class AccountLocked(EmrError):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            "This account is locked after repeated failed log-ins.",
            f"Try again in about {minutes} minute(s), or ask an administrator to unlock it.",
        )


class PermissionDenied(EmrError):
    def __init__(self, action: str) -> None:
        super().__init__(
            f"Your role does not allow: {action}.",
            "Ask a colleague with the right role, or use emergency access if this is urgent.",
        )


class SecondFactorRequired(EmrError):
    """The password was right, and this account also needs its authenticator code."""

    def __init__(self) -> None:
        super().__init__(
            "Enter the 6-digit code from your authenticator app.",
            "Open the authenticator app on your phone and type the code shown for this practice. "
            "If you no longer have the app, ask an administrator to turn two-step log-in off.",
        )
