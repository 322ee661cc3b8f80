"""Change capture: stamps every inserted or changed synced row and writes one outbox op per row,
inside the same flush and transaction as the change (DESIGN §4).

``before_flush`` stamps HLC, user and site and notes which columns changed; ``after_flush`` reads
the rows back as stored (so the op's payload is exactly what the chart and the export hold) and
inserts the ops with Core. Rows written by the sync apply path use plain SQL and are not captured.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from emr_desktop.models.base import SyncedMixin, new_id
from emr_desktop.models.sync import OutboxOp, SyncState
from emr_desktop.sync.hlc import HybridLogicalClock

HLC_STATE_KEY = "hlc"
SITE_STATE_KEY = "site_code"
#: Columns the hub sets or that only describe the change; never "changed fields" of an op.
BOOKKEEPING = frozenset({"id", "row_version", "updated_hlc", "updated_by", "origin_site"})

_PENDING = "capture_pending"      # {(table, id): [is_new, changed_fields, base_row_version]}
_POSITION = "outbox_position"


class DeletionRefused(RuntimeError):
    """Synced rows are never deleted: change their record_status instead."""


def _changed_columns(obj: SyncedMixin) -> set[str]:
    state = inspect(obj)
    out = set()
    for attr in state.mapper.column_attrs:
        if attr.key in BOOKKEEPING:
            continue
        if state.attrs[attr.key].history.has_changes():
            out.add(attr.columns[0].name)
    return out


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    clock: HybridLogicalClock | None = session.info.get("clock")
    if clock is None:
        return
    for obj in session.deleted:
        if isinstance(obj, SyncedMixin):
            raise DeletionRefused(f"{type(obj).__name__} rows are never deleted; change their status")
    actor = session.info.get("actor_id")
    pending: dict[tuple[str, Any], list[Any]] = session.info.setdefault(_PENDING, {})
    stamped = False
    for obj in list(session.new):
        if isinstance(obj, SyncedMixin):
            if obj.id is None:
                obj.id = new_id()
            obj.updated_hlc = clock.now().encode()
            obj.updated_by = actor
            if not obj.origin_site:
                obj.origin_site = clock.site
            pending[(obj.__tablename__, obj.id)] = [True, set(), 0]
            stamped = True
    for obj in list(session.dirty):
        if isinstance(obj, SyncedMixin) and session.is_modified(obj, include_collections=False):
            changed = _changed_columns(obj)
            if not changed:
                continue
            obj.updated_hlc = clock.now().encode()
            obj.updated_by = actor
            key = (obj.__tablename__, obj.id)
            entry = pending.setdefault(key, [False, set(), obj.row_version or 0])
            entry[1] |= changed
            stamped = True
    if stamped:
        session.info["hlc_to_persist"] = True


def _after_flush(session: Session, flush_context: Any) -> None:
    pending: dict[tuple[str, Any], list[Any]] | None = session.info.pop(_PENDING, None)
    clock: HybridLogicalClock | None = session.info.get("clock")
    if not pending or clock is None:
        return
    from emr_desktop.db.migrate import head_revision
    from emr_desktop.sync.rows import ENTITIES, canonical_rows

    conn = session.connection()
    position = session.info.get(_POSITION)
    if position is None:
        position = conn.execute(select(func.coalesce(func.max(OutboxOp.position), 0))).scalar_one()
    by_table: dict[str, list[Any]] = {}
    for (table, row_id) in pending:
        by_table.setdefault(table, []).append(row_id)
    schema = head_revision()
    now = datetime.now(UTC)
    actor = session.info.get("actor_id")
    ops = []
    for table in sorted(by_table, key=lambda t: ENTITIES[t].order):
        ent = ENTITIES[table]
        rows = canonical_rows(conn, ent, by_table[table])
        for row_id in by_table[table]:
            is_new, changed, base = pending[(table, row_id)]
            row = rows[str(row_id)]
            fields = sorted(c for c in ent.columns if c not in BOOKKEEPING) if is_new else sorted(changed)
            position += 1
            ops.append({
                "op_id": new_id(), "position": position, "entity": table, "row_id": row_id,
                "base_row_version": 0 if is_new else base, "changed_fields": fields, "payload": row,
                "hlc": row["updated_hlc"], "user_id": actor if isinstance(actor, uuid.UUID) else None,
                "schema_version": schema, "created_at": now, "attempts": 0,
            })
    if ops:
        conn.execute(insert(OutboxOp), ops)
        session.info[_POSITION] = position
        session.info["outbox_written"] = session.info.get("outbox_written", 0) + len(ops)


def _before_commit(session: Session) -> None:
    """Persist the clock once per transaction (not per flush: chart opens flush many times)."""
    clock: HybridLogicalClock | None = session.info.get("clock")
    if clock is None:
        return
    # before_commit runs before the commit's own flush: stamp what is still pending first, so the
    # persisted stamp covers every stamp this transaction writes (a restart never goes back).
    session.flush()
    if session.info.pop("hlc_to_persist", False):
        session.merge(SyncState(key=HLC_STATE_KEY, value=clock.last.encode()))


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_POSITION, None)
        session.info.pop(_PENDING, None)


def install(session_class: type[Session]) -> None:
    """Attach the hooks to a Session subclass; call once, at import of that class's module.

    (Not to sessionmaker instances: SQLAlchemy keys listeners by id(), and a collected
    sessionmaker's id can be reused by a new one, making "already installed" checks lie.)"""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_transaction_end", _after_transaction_end)
