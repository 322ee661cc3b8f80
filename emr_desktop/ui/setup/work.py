"""What the first-run wizard does in the background (no Qt here): make a new practice's chart, or
enroll with a practice hub; and, when either fails part-way, remove what it had made.

The recovery key is returned to the wizard to show once; it is never written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emr_desktop.config import Settings
from emr_desktop.domain.errors import EmrError

ADMIN_USERNAME = "admin"   # the account initialize_practice makes
ENCRYPTION_CATEGORY = "encryption"  # as `emr-desktop init` records the new key
_STORE_FILES = ("chart.db", "chart.db-wal", "chart.db-shm", "store.json", "hub-ca.pem")


@dataclass(frozen=True)
class NewPractice:
    practice_name: str
    workstation_name: str
    admin_display_name: str
    admin_password: str


@dataclass(frozen=True)
class Created:
    practice_name: str
    username: str
    recovery_code: str


@dataclass(frozen=True)
class Joined:
    practice_name: str
    rows: int
    recovery_code: str


def has_chart(settings: Settings) -> bool:
    """Whether the data folder already holds (part of) a chart; if not, the wizard runs."""
    return settings.db_path.exists() or settings.store_meta_path.exists()


def create_practice(settings: Settings, form: NewPractice) -> Created:
    """A new encrypted chart with the practice, this workstation and its administrator."""
    from emr_desktop.db.store import ChartStore
    from emr_desktop.domain.actor import Actor
    from emr_desktop.security.audit import AuditTrail
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.services.setup import initialize_practice

    keystore = KeyStore()
    store, code = ChartStore.create(settings, keystore)
    try:
        result = initialize_practice(store.db, practice_name=form.practice_name.strip(),
                                     workstation_name=form.workstation_name.strip(),
                                     admin_password=form.admin_password,
                                     admin_display_name=form.admin_display_name.strip())
        AuditTrail(store.db).record(Actor.system(), category=ENCRYPTION_CATEGORY, action="key-created")
    except BaseException:
        store.close()
        discard_chart(settings, keystore)
        raise
    store.close()
    return Created(result.practice.name, result.admin.username, code)


def join_practice(settings: Settings, address: str, code: str, *, ca_file: str | None,
                  workstation_name: str, progress: Callable[[int, int | None], None] | None = None,
                  ) -> Joined:
    """Enroll this workstation with the hub and download the practice's chart. On failure nothing
    is left in the data folder or the keyring (a refused code never makes anything; a download
    that breaks off removes the part-made chart)."""
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.services.registry import Services
    from emr_desktop.sync.enroll import enroll

    keystore = KeyStore()
    folder_existed = settings.data_dir.exists()
    try:
        result = enroll(settings, keystore, address.strip(), code.strip(), ca_file=ca_file or None,
                        name=workstation_name.strip(), progress=progress)
    except BaseException as exc:
        made = has_chart(settings)
        discard_chart(settings, keystore, remove_folder=not folder_existed)
        if made and isinstance(exc, EmrError):
            raise EmrError(exc.message, (exc.hint + " " if exc.hint else "")
                           + "The partly downloaded chart was removed. The enrollment code is "
                             "used up: ask the administrator for a new one.") from exc
        raise
    try:
        current = Services.build(result.store.db).practice.current()
    finally:
        result.store.close()
    return Joined(current.name if current is not None else "", result.rows, result.recovery_code or "")


def discard_chart(settings: Settings, keystore: object, *, remove_folder: bool = False) -> None:
    """Remove a chart this wizard made and that cannot be used (its key and hub credential too).
    Only for a data folder that held no chart before the wizard started."""
    from emr_desktop.db.store import StoreMeta
    from emr_desktop.sync.enroll import CREDENTIAL

    try:
        store_id: str | None = StoreMeta.load(settings.store_meta_path).store_id
    except EmrError:
        store_id = None
    if store_id is not None:
        for forget in (lambda: keystore.delete_key(store_id),  # type: ignore[attr-defined]
                       lambda: keystore.delete_secret(store_id, CREDENTIAL)):  # type: ignore[attr-defined]
            try:
                forget()
            except EmrError:
                pass
    for name in _STORE_FILES:
        (settings.data_dir / name).unlink(missing_ok=True)
    if remove_folder:
        _remove_if_empty(settings.data_dir)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
