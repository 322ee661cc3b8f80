"""One workstation's encrypted chart: create, open (verify, back up, migrate), back up, restore,
recover, check.

Nothing here ever makes a new database where one was expected, and nothing overwrites a chart
file in place: restores keep the replaced file beside the backups.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from emr_desktop.config import Settings
from emr_desktop.db import engine as engine_mod
from emr_desktop.db import migrate
from emr_desktop.db.session import Database
from emr_desktop.domain.errors import (
    BackupError,
    CorruptDatabase,
    DatabaseTooNew,
    StoreAlreadyExists,
    StoreError,
    StoreNotFound,
    WrongKey,
)
from emr_desktop.models.base import new_id
from emr_desktop.security.files import atomic_write, fsync_dir
from emr_desktop.security.keystore import (
    KeyStore,
    key_check_value,
    key_matches,
    new_key,
    recovery_code,
)

log = logging.getLogger(__name__)
STORE_FORMAT = 1
_SIDE_FILES = ("-wal", "-shm")
#: A chart file set aside by a restore: kept for good, never offered as "the latest backup".
_REPLACED = "-replaced-by-restore.db"


@dataclass(frozen=True)
class StoreMeta:
    """Contents of store.json: no PHI, no key; safe to be plaintext."""

    store_id: str
    key_check: str
    created_at: str
    format: int = STORE_FORMAT

    @classmethod
    def load(cls, path: Path) -> StoreMeta:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                store_id=str(data["store_id"]),
                key_check=str(data["key_check"]),
                created_at=str(data.get("created_at", "")),
                format=int(data.get("format", STORE_FORMAT)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"The store description {path} is unreadable ({type(exc).__name__}).",
                "Run `emr-desktop recover` with the recovery key to rebuild it; the chart file "
                "itself is not touched.",
            ) from exc

    def save(self, path: Path) -> None:
        data = {
            "format": self.format,
            "store_id": self.store_id,
            "key_check": self.key_check,
            "created_at": self.created_at,
            "note": "emr-desktop workstation store. Holds no patient data and no key.",
        }
        atomic_write(path, json.dumps(data, indent=2).encode("utf-8"), owner_only=False)


def _owner_only(path: Path) -> None:
    """Chart files are encrypted, but still readable by their owner only (the -wal and -shm
    files SQLite makes later take the main file's permissions)."""
    try:
        os.chmod(path, 0o600)
    except OSError:  # e.g. a file system without POSIX permissions
        pass


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def list_backups(settings: Settings) -> list[Path]:
    """Backups of this profile, newest first."""
    if not settings.backup_dir.is_dir():
        return []
    return sorted(settings.backup_dir.glob("chart-*.db"), key=lambda p: p.name, reverse=True)


def _damaged_pages(execute: Callable[[str], Iterable[Sequence[object]]]) -> list[str]:
    """``PRAGMA cipher_integrity_check``, keeping only findings that are there on a second look.

    The pragma reads the file directly, outside SQLite's WAL locks, so a checkpoint run by another
    connection (the app, while `emr-desktop backup` or `check` opens the chart) can rewrite a page
    between its reads of the page and of the page's HMAC: a false "HMAC verification failed".
    Real damage is still there when the check runs again."""
    first = [str(row[0]) for row in execute("PRAGMA cipher_integrity_check")]
    if not first:
        return []
    again = {str(row[0]) for row in execute("PRAGMA cipher_integrity_check")}
    return [problem for problem in first if problem in again]


def verify_file(path: Path, key: bytes, *, full: bool = True) -> None:
    """Raise CorruptDatabase unless ``path`` opens with ``key`` and (``full``) every page's HMAC
    verifies and the b-tree structure is sound. Reads only; the caller has already established
    that the key is the right one.

    Without ``full`` only the size, page 1 and the schema are read: SQLCipher still verifies each
    page's HMAC whenever it is read later, and a file shorter than its header says is refused by
    SQLite on the first read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptDatabase(path, f"cannot be read: {exc.strerror}", None) from exc
    if size == 0 or size % engine_mod.PAGE_SIZE:
        raise CorruptDatabase(path, f"truncated: {size} bytes is not a whole number of pages", None)
    conn = engine_mod.dbapi.connect(engine_mod._uri(path, "rw"), uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if full:
            problems = _damaged_pages(conn.execute)
            if problems:
                raise CorruptDatabase(path, f"{len(problems)} damaged page(s); first: {problems[0]}", None)
            ok = conn.execute("PRAGMA quick_check(1)").fetchone()
            if not ok or ok[0] != "ok":
                raise CorruptDatabase(path, "structure check failed", None)
    except engine_mod.dbapi.DatabaseError as exc:
        raise CorruptDatabase(path, str(exc), None) from exc
    finally:
        conn.close()


class ChartStore:
    """An open, verified, migrated chart."""

    def __init__(self, settings: Settings, meta: StoreMeta, key: bytes, engine: Engine) -> None:
        self.settings = settings
        self.meta = meta
        self._key = key
        self.engine = engine
        self.db = Database(engine)

    # --- lifecycle --------------------------------------------------------------------------

    @classmethod
    def create(cls, settings: Settings, keystore: KeyStore) -> tuple[ChartStore, str]:
        """Make a new, empty, migrated chart. Returns the store and its recovery key."""
        if settings.db_path.exists() or settings.store_meta_path.exists():
            raise StoreAlreadyExists(settings.data_dir)
        keystore.check()
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = new_key()
        meta = StoreMeta(store_id=str(new_id()), key_check=key_check_value(key),
                         created_at=datetime.now(UTC).isoformat())
        keystore.save_key(meta.store_id, key)
        try:
            engine = engine_mod.make_engine(settings.db_path, key, create=True,
                                            cache_mb=settings.cache_mb)
            migrate.upgrade(engine)
            _owner_only(settings.db_path)
            meta.save(settings.store_meta_path)
            # The file exists now: from here on connections open it `mode=rw`, so a chart file
            # that disappears under a running app is an error, never a fresh empty chart.
            engine.dispose()
            engine = engine_mod.make_engine(settings.db_path, key, cache_mb=settings.cache_mb)
        except BaseException:
            keystore.delete_key(meta.store_id)
            for suffix in ("", *_SIDE_FILES):
                Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
            settings.store_meta_path.unlink(missing_ok=True)
            raise
        return cls(settings, meta, key, engine), recovery_code(key)

    @classmethod
    def open(cls, settings: Settings, keystore: KeyStore, *, upgrade: bool = True) -> ChartStore:
        path = settings.db_path
        if not settings.store_meta_path.exists() and not path.exists():
            raise StoreNotFound(settings.data_dir)
        if not path.exists():
            raise StoreNotFound(settings.data_dir)
        meta = StoreMeta.load(settings.store_meta_path)
        key = keystore.load_key(meta.store_id, path)
        if not key_matches(key, meta.key_check):
            raise WrongKey(path)
        try:
            verify_file(path, key, full=settings.wants_full_verify(path.stat().st_size))
        except CorruptDatabase as exc:
            backups = [p for p in list_backups(settings) if not p.name.endswith(_REPLACED)]
            raise CorruptDatabase(path, exc.detail, backups[0] if backups else None) from exc
        engine = engine_mod.make_engine(path, key, cache_mb=settings.cache_mb)
        store = cls(settings, meta, key, engine)
        try:
            store._migrate_if_needed(upgrade)
        except BaseException:
            engine.dispose()
            raise
        return store

    def _migrate_if_needed(self, upgrade: bool) -> None:
        current = migrate.current_revision(self.engine)
        head = migrate.head_revision()
        if current == head:
            return
        if current is not None and current not in migrate.known_revisions():
            raise DatabaseTooNew(self.settings.db_path, current)
        if current is None and self._has_tables():
            raise StoreError(
                f"The file {self.settings.db_path} opens with this key but is not an emr-desktop "
                "chart (it has tables but no schema version). It was not changed.",
                "Restore a backup with `emr-desktop restore FILE`.",
            )
        if not upgrade:
            raise StoreError(f"The chart file needs an upgrade from schema {current} to {head}.")
        if current is not None:
            self.backup(reason=f"before-upgrade-{current}")
        log.info("upgrading chart schema from %s to %s", current, head)
        migrate.upgrade(self.engine)

    def verify_pages(self) -> None:
        """Full page and structure verification, for charts too large to verify at open: the app
        runs it in the background after log-in (raises CorruptDatabase naming the latest backup)."""
        try:
            verify_file(self.settings.db_path, self._key, full=True)
        except CorruptDatabase as exc:
            backups = [p for p in list_backups(self.settings) if not p.name.endswith(_REPLACED)]
            raise CorruptDatabase(self.settings.db_path, exc.detail, backups[0] if backups else None) from exc

    def _has_tables(self) -> bool:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'"
                                        ).scalar_one() > 0

    def close(self) -> None:
        self.engine.dispose()

    # --- backups ----------------------------------------------------------------------------

    def backup(self, dest: Path | None = None, *, reason: str = "manual") -> Path:
        """Write a consistent, encrypted (same key) copy of the chart and verify it."""
        if dest is None:
            self.settings.backup_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            dest = self.settings.backup_dir / f"chart-{_stamp()}-{reason}.db"
        dest = dest.resolve()
        if dest.exists():
            raise BackupError(f"{dest} already exists; choose a new file name.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.execute("VACUUM INTO ?", (str(partial),))  # type: ignore[union-attr]
        try:
            _owner_only(partial)
            with open(partial, "rb+") as fh:
                os.fsync(fh.fileno())
            verify_file(partial, self._key)
        except CorruptDatabase as exc:
            partial.unlink(missing_ok=True)
            raise BackupError(f"The backup could not be verified ({exc.detail}); nothing was kept.") from exc
        os.replace(partial, dest)
        fsync_dir(dest.parent)
        if reason != "manual" and dest.parent == self.settings.backup_dir.resolve():
            self._prune_backups()
        return dest

    def _prune_backups(self) -> None:
        automatic = [p for p in list_backups(self.settings)
                     if not p.name.endswith(("-manual.db", _REPLACED))]
        for old in automatic[self.settings.keep_backups :]:
            old.unlink(missing_ok=True)

    def export_plaintext(self, dest: Path) -> None:
        """Decrypted copy for benchmarks comparing against plain SQLite. Never used on real data
        by the application itself."""
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if dest.exists():
                raise BackupError(f"{dest} already exists; choose a new file name.")
            dest.touch(mode=0o600)
            raw.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(dest),))  # type: ignore[union-attr]
            try:
                raw.execute("SELECT sqlcipher_export('plaintext')")  # type: ignore[union-attr]
            finally:
                raw.execute("DETACH DATABASE plaintext")  # type: ignore[union-attr]

    @classmethod
    def restore(cls, settings: Settings, keystore: KeyStore, source: Path) -> Path | None:
        """Replace the chart with a verified backup. The replaced file (if any) is kept in the
        backups folder; returns where. The restored chart is then opened (and migrated)."""
        source = source.resolve()
        if not source.is_file():
            raise BackupError(f"There is no backup file at {source}.")
        meta = StoreMeta.load(settings.store_meta_path)
        key = keystore.load_key(meta.store_id, settings.db_path)
        if not key_matches(key, meta.key_check):
            raise WrongKey(settings.db_path)
        try:
            verify_file(source, key)
        except CorruptDatabase as exc:
            raise BackupError(
                f"The backup {source} does not open with this workstation's key or is damaged "
                f"({exc.detail}). Nothing was changed.",
                "Choose another backup (they are listed by `emr-desktop backup --list`).",
            ) from exc
        settings.backup_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        kept: Path | None = None
        if settings.db_path.exists():
            kept = settings.backup_dir / f"chart-{_stamp()}{_REPLACED}"
            shutil.copy2(settings.db_path, kept)
            for suffix in _SIDE_FILES:
                side = Path(str(settings.db_path) + suffix)
                if side.exists():
                    shutil.copy2(side, str(kept) + suffix)
        incoming = settings.db_path.with_name(settings.db_path.name + ".restoring")
        shutil.copyfile(source, incoming)
        with open(incoming, "rb+") as fh:
            os.fsync(fh.fileno())
        for suffix in _SIDE_FILES:
            Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
        os.replace(incoming, settings.db_path)
        fsync_dir(settings.data_dir)
        cls.open(settings, keystore).close()
        return kept

    @classmethod
    def recover(cls, settings: Settings, keystore: KeyStore, key: bytes) -> None:
        """Put a key typed from the recovery sheet back into the keyring, after proving it opens
        the chart. Rebuilds store.json if it was lost."""
        path = settings.db_path
        if not path.exists():
            raise StoreNotFound(settings.data_dir)
        meta: StoreMeta | None
        try:
            meta = StoreMeta.load(settings.store_meta_path)
        except StoreError:
            meta = None
        if meta is not None and not key_matches(key, meta.key_check):
            raise WrongKey(path)
        try:
            verify_file(path, key, full=False)
        except CorruptDatabase as exc:
            if meta is None:
                raise WrongKey(path) from exc
            raise
        if meta is None:
            meta = StoreMeta(store_id=str(new_id()), key_check=key_check_value(key),
                             created_at=datetime.now(UTC).isoformat())
            meta.save(settings.store_meta_path)
        keystore.save_key(meta.store_id, key)

    # --- checks -----------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Full integrity check: page HMACs, b-tree structure, foreign keys. Empty when healthy."""
        problems: list[str] = []
        with self.engine.connect() as conn:
            problems += [f"page: {p}" for p in _damaged_pages(conn.exec_driver_sql)]
            problems += [f"structure: {r[0]}" for r in conn.exec_driver_sql("PRAGMA integrity_check")
                         if r[0] != "ok"]
            problems += [f"foreign key: {r[0]} row {r[1]} -> {r[2]}"
                         for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        diff = migrate.schema_diff(self.engine)
        if diff:
            problems.append(f"schema: {len(diff)} difference(s) from this version's models")
        return problems

    def table_counts(self) -> dict[str, int]:
        from emr_desktop.models import Base

        with self.engine.connect() as conn:
            return {t.name: conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
                    for t in Base.metadata.sorted_tables}

