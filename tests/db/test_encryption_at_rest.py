"""No patient data is readable on disk: not in the chart file, not in its WAL or shared-memory
index (while the store is open and again after it is closed), not in backups, not anywhere in the
data folder."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import date
from pathlib import Path

from sqlalchemy import text

from emr_desktop.config import Settings
from emr_desktop.db import engine as engine_mod
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.text import fold
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services

SQLITE_MAGIC = b"SQLite format 3"


def _random_word(n: int = 14) -> str:
    return "".join(secrets.choice(string.ascii_letters) for _ in range(n))


def _needles(values: list[str]) -> dict[bytes, str]:
    needles = {}
    for value in values:
        for encoding in ("utf-8", "utf-16-le"):
            needles[value.encode(encoding)] = f"{value!r} as {encoding}"
    return needles


def _found(data: bytes, needles: dict[bytes, str]) -> list[str]:
    return [label for needle, label in needles.items() if needle in data]


def _scan(paths: list[Path], needles: dict[bytes, str]) -> dict[str, list[str]]:
    hits = {}
    for path in paths:
        found = _found(path.read_bytes(), needles)
        if found:
            hits[str(path)] = found
    return hits


def _side(settings: Settings, suffix: str) -> Path:
    return Path(str(settings.db_path) + suffix)


def _every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_nothing_readable_on_disk(store: ChartStore, services: Services, admin: Actor, provider: Actor,
                                  settings: Settings, tmp_path: Path) -> None:
    family = "Zfam" + _random_word()
    given = "Zgiv" + _random_word()
    note_text = f"Sentinel note {_random_word(20)} shortness of breath"

    # Start from an empty WAL, so what is written next lives only in the WAL until checkpointed.
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    chart_before = hashlib.sha256(settings.db_path.read_bytes()).hexdigest()
    patient = services.patients.register(admin, family_name=family, given_name=given,
                                         birth_date=date(1961, 7, 4), sex="female",
                                         phone_mobile="555-201-7788", alert_note=note_text)
    note = services.notes.create(provider, patient_id=patient.id, title="Visit", subjective=note_text,
                                 assessment=f"{family} {given}")
    assert note.subjective == note_text
    mrn = patient.mrn
    assert len(mrn) == 8

    values = [family, given, fold(family), fold(given), mrn, note_text,
              f"{family}, {given}", "555-201-7788"]
    needles = _needles(values)

    # Positive control: a decrypted copy of the very same chart shows every sentinel, so the
    # scan below would see them if they were on disk in the clear.
    plain = tmp_path / "outside-the-data-folder" / "plain.db"
    plain.parent.mkdir()
    store.export_plaintext(plain)
    plain_bytes = plain.read_bytes()
    assert plain_bytes.startswith(SQLITE_MAGIC)
    for value in (family, given, fold(family), mrn, note_text):
        assert value.encode() in plain_bytes, value
    plain.unlink()

    # While open: the new rows are in the WAL (not yet checkpointed); the -shm index exists.
    wal, shm = _side(settings, "-wal"), _side(settings, "-shm")
    assert wal.is_file() and wal.stat().st_size > 0
    assert shm.is_file()
    assert hashlib.sha256(settings.db_path.read_bytes()).hexdigest() == chart_before  # only in the WAL
    with store.engine.connect() as conn:  # the chart itself still reads them back
        assert conn.execute(text("SELECT count(*) FROM patient WHERE mrn = :m"), {"m": mrn}).scalar_one() == 1
    assert _scan([settings.db_path, wal, shm], needles) == {}
    assert not settings.db_path.read_bytes().startswith(SQLITE_MAGIC)

    # Backups: the automatic folder and a file the user names.
    auto = store.backup()
    named = store.backup(tmp_path / "usb" / "chart-copy.db")
    for backup in (auto, named):
        data = backup.read_bytes()
        assert len(data) > 4096 and not data.startswith(SQLITE_MAGIC)
        assert _found(data, needles) == []

    # After close: the WAL is checkpointed into the chart file (and removed).
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0
    data = settings.db_path.read_bytes()
    assert not data.startswith(SQLITE_MAGIC)
    assert _found(data, needles) == []

    # The whole data folder: chart, store.json, backups, logs - every file.
    files = _every_file(settings.data_dir)
    assert settings.db_path in files and settings.store_meta_path in files and auto in files
    assert _scan(files, needles) == {}

    # The data is really in there: reopening finds the patient by MRN.
    reopened = ChartStore.open(settings, KeyStore())
    try:
        assert Services.build(reopened.db).patients.by_mrn(admin, mrn).family_name == family  # type: ignore[union-attr]
        assert _scan(_every_file(settings.data_dir), needles) == {}  # open again: still nothing
    finally:
        reopened.close()


def test_a_named_backup_is_encrypted_and_complete(store: ChartStore, services: Services,
                                                   admin: Actor, tmp_path: Path) -> None:
    """VACUUM INTO must not quietly write a plaintext copy (e.g. if the key were not carried)."""
    family = "Zfam" + _random_word()
    services.patients.register(admin, family_name=family, given_name="Ann",
                               birth_date=date(1990, 1, 1), sex="female")
    dest = store.backup(tmp_path / "b.db")
    data = dest.read_bytes()
    assert not data.startswith(SQLITE_MAGIC)
    assert _found(data, _needles([family, fold(family)])) == []
    # and it is a real copy: it opens with the chart's key and holds the patient
    conn = engine_mod.dbapi.connect(engine_mod._uri(dest, "ro"), uri=True)
    try:
        conn.execute(f"PRAGMA key = \"x'{store._key.hex()}'\"")
        assert conn.execute("SELECT count(*) FROM patient WHERE family_name = ?", (family,)).fetchone()[0] == 1
    finally:
        conn.close()


def test_chart_files_are_readable_by_their_owner_only(store: ChartStore, settings: Settings) -> None:
    backup = store.backup()
    with store.engine.begin() as conn:  # make sure the -wal and -shm files exist
        conn.execute(text("CREATE TEMP TABLE t(x)"))
    modes = {p.name: p.stat().st_mode & 0o777 for p in settings.data_dir.iterdir()}
    assert settings.data_dir.stat().st_mode & 0o777 == 0o700
    assert modes["chart.db"] == 0o600 and modes["backups"] == 0o700
    assert backup.stat().st_mode & 0o777 == 0o600
    assert all(mode == 0o600 for name, mode in modes.items() if name.startswith("chart.db"))
