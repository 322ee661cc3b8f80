"""Writing the hub's row states into the local chart (DESIGN §4).

A newer (or equal) row_version replaces the local row; a row with ops still waiting in the outbox
is left alone (the hub's answer to those ops brings its state). Rows are written with plain
executemany upserts, outside the ORM, so applying pulled rows never queues outbox ops. The pull
cursor and the applied rows commit in one transaction, so the cursor is never ahead of the data.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from emr_desktop.sync.hlc import ClockDriftError, HybridLogicalClock, Stamp
from emr_desktop.sync.rows import ENTITIES, Entity


@functools.cache
def _upsert_sql(entity: str) -> str:
    ent = ENTITIES[entity]
    cols = ", ".join(f'"{c}"' for c in ent.columns)
    marks = ", ".join(ent.sql_values)
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in ent.columns if c != "id")
    return (f'INSERT INTO "{ent.name}" ({cols}) VALUES ({marks}) ON CONFLICT ("id") DO UPDATE SET {sets} '
            f'WHERE excluded."row_version" >= "{ent.name}"."row_version"')


def pending_row_ids(conn: Connection, among: Iterable[str] | None = None) -> set[str]:
    """Rows with ops still waiting for the hub (uuid hex, as SQLite stores them), optionally only
    among the given row ids (uuid text or hex)."""
    if among is None:
        return {r for (r,) in conn.exec_driver_sql("SELECT DISTINCT row_id FROM outbox_op")}
    if conn.exec_driver_sql("SELECT 1 FROM outbox_op LIMIT 1").first() is None:
        return set()
    ids = list({i.replace("-", "") for i in among})
    out: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        out.update(r for (r,) in conn.exec_driver_sql(
            f"SELECT DISTINCT row_id FROM outbox_op WHERE row_id IN ({marks})", tuple(chunk)))
    return out


def set_state(conn: Connection, key: str, value: str) -> None:
    conn.execute(text("INSERT INTO sync_state (key, value) VALUES (:k, :v) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value"), {"k": key, "v": value})


def get_state(conn: Connection) -> dict[str, str]:
    return dict(conn.exec_driver_sql("SELECT key, value FROM sync_state").all())


def apply_rows(conn: Connection, rows: Iterable[tuple[str, Mapping[str, Any]]], *,
               pending: set[str] | None = None, clock: HybridLogicalClock | None = None) -> int:
    """Upsert hub row states; returns how many were offered for writing (not skipped)."""
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for entity, row in rows:
        key = (entity, row["id"])
        prev = latest.get(key)
        if prev is None or row["row_version"] >= prev["row_version"]:
            latest[key] = row
    if pending is None:
        pending = pending_row_ids(conn, (row_id for _e, row_id in latest))
    groups: dict[str, list[tuple[Any, ...]]] = {}
    top = ""
    for (entity, row_id), row in latest.items():
        ent: Entity | None = ENTITIES.get(entity)
        if ent is None or row_id.replace("-", "") in pending:
            continue
        groups.setdefault(entity, []).append(ent.db_params(row))
        stamp = row.get("updated_hlc") or ""
        if stamp > top:
            top = stamp
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    count = 0
    for entity in sorted(groups, key=lambda e: ENTITIES[e].order):
        params = groups[entity]
        conn.exec_driver_sql(_upsert_sql(entity), params)
        count += len(params)
    if clock is not None and top:
        try:
            clock.observe(Stamp.decode(top))
        except (ClockDriftError, ValueError):
            pass  # a far-future stamp from elsewhere never drags this clock along
        set_state(conn, "hlc", clock.last.encode())
    return count
