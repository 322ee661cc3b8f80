"""The hub's database: PostgreSQL (psycopg 3) in production, a SQLite file for the embedded hub.

Writes are serialised: on PostgreSQL every push transaction first takes a transaction-level
advisory lock and only then draws change sequence numbers, so numbers become visible in commit
order and a puller reading ``seq > cursor`` can never skip a row committed later with a lower
number. On SQLite, ``BEGIN IMMEDIATE`` gives the same single-writer order.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from emr_desktop.domain.errors import EmrError
from emr_desktop.server import schema as s

PUSH_LOCK_KEY = 0x454D5248  # "EMRH": one advisory lock key for all hub writers
HUB_FORMAT = "1"


class HubStoreError(EmrError):
    """The hub database is missing, unreachable or not a hub."""


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_embedded(url: str) -> bool:
    return url.startswith("sqlite:")


class HubStore:
    #: Planted-bug switch for the no-skip test: False draws sequence numbers without the lock.
    serialize_writes = True

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"

    # -- opening -----------------------------------------------------------------------------

    @staticmethod
    def _engine(url: str) -> Engine:
        url = normalise_url(url)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                                   hide_parameters=True)

            @event.listens_for(engine, "connect")
            def _connect(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.close()

            @event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(
                    "hub_write") else "BEGIN")

            return engine
        if parsed.get_backend_name() != "postgresql":
            raise HubStoreError(f"Unsupported hub database address ({parsed.get_backend_name()}).",
                                "Use postgresql+psycopg://user@host/db or sqlite:///path/to/hub.db.")
        return create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=8,
                             max_overflow=8)

    @classmethod
    def init(cls, url: str) -> HubStore:
        """Create the hub schema (idempotent) and its identity."""
        store = cls(cls._engine(url))
        try:
            s.metadata.create_all(store.engine)
        except OperationalError as err:
            raise HubStoreError("Could not reach the hub database.",
                                f"Check the address and that the server is running ({type(err).__name__}).") from err
        with store.write() as conn:
            if conn.execute(select(s.hub_meta.c.value).where(s.hub_meta.c.key == "hub_id")).first() is None:
                now = datetime.now(UTC).isoformat()
                conn.execute(s.hub_meta.insert(), [
                    {"key": "hub_id", "value": str(uuid.uuid4())}, {"key": "epoch", "value": "1"},
                    {"key": "format", "value": HUB_FORMAT}, {"key": "created_at", "value": now},
                ])
        if not store.is_postgres:
            path = make_url(normalise_url(url)).database
            if path and os.path.exists(path):
                os.chmod(path, 0o600)
        return store

    @classmethod
    def open(cls, url: str) -> HubStore:
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
                and not Path(parsed.database).exists():
            raise HubStoreError(f"There is no hub database at {parsed.database}.",
                                "Create it with `emr-desktop hub init DB_URL`, or check the path.")
        store = cls(cls._engine(url))
        try:
            with store.engine.connect() as conn:
                hub_id = conn.execute(
                    select(s.hub_meta.c.value).where(s.hub_meta.c.key == "hub_id")).scalar()
        except OperationalError as err:
            raise HubStoreError("This is not a hub database, or it cannot be reached.",
                                "Create it with `emr-desktop hub init DB_URL`.") from err
        if hub_id is None:
            raise HubStoreError("This database has no hub in it.",
                                "Create it with `emr-desktop hub init DB_URL`.")
        return store

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def write(self, *, ordered: bool = True) -> Iterator[Connection]:
        """A write transaction; ``ordered`` ones (everything that appends to the change feed or
        checks rows) hold the hub-wide lock until commit."""
        with self.engine.connect().execution_options(hub_write=True) as conn, conn.begin():
            if self.is_postgres and self.serialize_writes and ordered:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK_KEY})
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def next_seqs(self, conn: Connection, count: int) -> list[int]:
        if count == 0:
            return []
        if self.is_postgres:
            rows = conn.execute(text("SELECT nextval('hub_change_seq') FROM generate_series(1, :n)"),
                                {"n": count}).scalars().all()
            return sorted(rows)
        top = conn.execute(select(func.coalesce(func.max(s.hub_change.c.seq), 0))).scalar_one()
        return list(range(top + 1, top + 1 + count))

    def meta(self, conn: Connection) -> dict[str, str]:
        return dict(conn.execute(select(s.hub_meta.c.key, s.hub_meta.c.value)).tuples().all())

    def set_meta(self, conn: Connection, key: str, value: str) -> None:
        updated = conn.execute(s.hub_meta.update().where(s.hub_meta.c.key == key).values(value=value))
        if updated.rowcount == 0:
            conn.execute(s.hub_meta.insert().values(key=key, value=value))

    def _upsert_copy(self, conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
        """Large upserts on PostgreSQL: COPY into a session temp table, then one INSERT ... SELECT
        ... ON CONFLICT (a row-by-row executemany costs a round trip per row)."""
        cols = [c.name for c in table.columns]
        temp = f"tmp_{table.name}"
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {temp} "
                             f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
                f'COPY {temp} ({", ".join(cols)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row.get(c) for c in cols])
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c not in keys)
        conn.exec_driver_sql(f'INSERT INTO {table.name} ({", ".join(cols)}) SELECT {", ".join(cols)} '
                             f'FROM {temp} ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {updates}')
        conn.exec_driver_sql(f"TRUNCATE {temp}")

    def insert_many(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        """Plain appends (change feed, op results): COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        if not self.is_postgres:
            conn.execute(table.insert(), rows)
            return
        cols = [c.name for c in table.columns if c.name in rows[0]]
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
                f'COPY {table.name} ({", ".join(cols)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in cols])

    def among(self, column: Any, values: list[Any]) -> Any:
        """``column IN values``: one array parameter on PostgreSQL (a long IN list costs more to
        send and parse than the lookup itself)."""
        if self.is_postgres:
            from sqlalchemy import any_, bindparam
            from sqlalchemy.dialects.postgresql import ARRAY

            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    def upsert(self, conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
        if not rows:
            return
        if self.is_postgres and len(rows) > 50:
            self._upsert_copy(conn, table, rows, keys)
            return
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update), rows)
