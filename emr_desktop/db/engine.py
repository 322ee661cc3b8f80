"""SQLCipher connections and the SQLAlchemy engine over them (DESIGN §5).

The key never appears in a URL: a ``creator`` opens each DB-API connection, sends
``PRAGMA key = "x'…'"`` first, then the performance and safety PRAGMAs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool, QueuePool

dbapi = sqlcipher3.dbapi2
PAGE_SIZE = 4096  # SQLCipher 4 default cipher_page_size


#: Pages (4 KB) in the WAL before SQLite checkpoints inside a committing transaction.
WAL_AUTOCHECKPOINT_PAGES = 10000


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def connect(path: Path, key: bytes | None, *, create: bool = False, cache_mb: int = 64):
    """Open one DB-API connection. ``key=None`` opens a plaintext SQLite file (benchmarks only).

    ``mode=rw`` unless ``create``: opening never makes a new, empty database by accident.
    """
    conn = dbapi.connect(
        _uri(path, "rwc" if create else "rw"),
        uri=True,
        check_same_thread=False,
        isolation_level=None,  # transactions are begun explicitly (see make_engine)
        timeout=30.0,
    )
    try:
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # Checkpoints are run when the app is idle (Database.checkpoint); this is only the safety
        # net, so a user's save rarely pays for copying the WAL back (measured: 0.7 s at 1000 pages).
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    except BaseException:
        conn.close()
        raise
    return conn


def make_engine(
    path: Path, key: bytes | None, *, create: bool = False, cache_mb: int = 64, pool: bool = True
) -> Engine:
    def creator():
        return connect(path, key, create=create, cache_mb=cache_mb)

    engine = create_engine(
        "sqlite://",
        module=dbapi,
        creator=creator,
        hide_parameters=True,  # bound values (PHI) never reach logs or exception text
        poolclass=QueuePool if pool else NullPool,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # type: ignore[no-untyped-def]
        # Writers take the write lock up front so two writers never deadlock on lock upgrade.
        mode = conn.get_execution_options().get("emr_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
