"""The workstation side of sync: push the outbox, pull the change feed, bootstrap, join.

Push sends ops in outbox order and removes them only when the hub has answered for them (its
answer carries the hub's row, applied in the same transaction). Pull applies pages of the change
feed and moves the cursor with them. A failed call leaves everything as it was: the next attempt
repeats it, and the hub answers repeated ops from what it stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Connection

from emr_desktop.db.migrate import head_revision
from emr_desktop.db.session import Database
from emr_desktop.domain.errors import EmrError
from emr_desktop.models import SYNCED_MODELS
from emr_desktop.models.base import new_id
from emr_desktop.models.sync import MrnBlock, OutboxOp, SyncRejection
from emr_desktop.sync import apply as applier
from emr_desktop.sync.capture import BOOKKEEPING, SITE_STATE_KEY
from emr_desktop.sync.protocol import HubApi, Json
from emr_desktop.sync.rows import ENTITIES, canonical_rows

CURSOR = "cursor"
HUB_ID = "hub_id"
HUB_ADDRESS = "hub_address"
HUB_CA = "hub_ca"
LAST_SYNC = "last_sync"
SNAPSHOT_SEQ = "snapshot_seq"
SNAPSHOT_AFTER = "snapshot_after"
BOOTSTRAPPED = "bootstrapped"
MRN_LOW_WATER = 200

Progress = Callable[[int, int | None], None]
PUSH_BATCH = 2000
PULL_LIMIT = 5000
SNAPSHOT_LIMIT = 10000


def sync_state(db: Database) -> dict[str, str]:
    """This workstation's sync bookkeeping (hub address and id, site code, cursor, ...)."""
    with db.engine.connect() as conn:
        return applier.get_state(conn)


def is_enrolled(db: Database) -> bool:
    return bool(sync_state(db).get(HUB_ADDRESS))


class HubMismatch(EmrError):
    def __init__(self) -> None:
        super().__init__("This workstation is enrolled with a different practice hub than the one "
                         "that answered.",
                         "Check the hub address in the settings, or ask the administrator.")


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    quarantined: int = 0
    pulled: int = 0
    pending: int = 0
    conflict_ids: list[str] = field(default_factory=list)


class SyncClient:
    def __init__(self, db: Database, transport: HubApi, *, push_batch: int = PUSH_BATCH,
                 pull_limit: int = PULL_LIMIT, snapshot_limit: int = SNAPSHOT_LIMIT) -> None:
        self.db = db
        self.transport = transport
        self.push_batch = push_batch
        self.pull_limit = pull_limit
        self.snapshot_limit = snapshot_limit

    # -- local state -----------------------------------------------------------------------------

    def _write(self) -> Any:
        return self.db.engine.execution_options(emr_begin="IMMEDIATE").begin()

    def state(self) -> dict[str, str]:
        return sync_state(self.db)

    def pending_count(self) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(OutboxOp)).scalar_one()

    # -- one round -------------------------------------------------------------------------------

    def sync_once(self, progress: Progress | None = None) -> SyncReport:
        """Push everything waiting, then pull everything new. Raises HubError when offline."""
        report = SyncReport()
        hello = self.transport.handshake()
        known = self.state().get(HUB_ID)
        if known and hello.get("hub_id") != known:
            raise HubMismatch()
        if self.state().get(BOOTSTRAPPED) == "0":   # an interrupted enrollment download
            report.pulled += self.bootstrap()
        self.push(report, progress)
        self.pull(report)
        self.top_up_mrns()
        with self._write() as conn:
            applier.set_state(conn, LAST_SYNC, datetime.now(UTC).isoformat(timespec="seconds"))
        report.pending = self.pending_count()
        return report

    def push(self, report: SyncReport | None = None, progress: Progress | None = None) -> SyncReport:
        """Send every waiting op; ``progress(done, total)`` after each answered batch."""
        report = report or SyncReport()
        total = self.pending_count() if progress else None
        site = self.state().get(SITE_STATE_KEY, "")
        # Batches go out strictly one after another (the hub applies them in outbox order); the
        # next batch is read and the last answer written down while the hub works.
        def prepare(after: int) -> tuple[Json, int] | None:
            with self.db.engine.connect() as conn:
                recs = conn.execute(select(OutboxOp).where(OutboxOp.position > after)
                                    .order_by(OutboxOp.position).limit(self.push_batch)).mappings().all()
            if not recs:
                return None
            return ({"site": site, "schema_version": head_revision(),
                     "ops": [_op_json(r) for r in recs]}, recs[-1]["position"])

        upcoming = prepare(0)
        if not getattr(self.transport, "overlap", False):   # in-process hub: nothing to overlap
            while upcoming is not None:
                body, last = upcoming
                self._acknowledge(self.transport.push(body)["results"], report)
                if progress:
                    progress(report.pushed, total)
                upcoming = prepare(last)
            return report
        answered: list[Json] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="emr-push") as pool:
            while upcoming is not None:
                body, last = upcoming
                future = pool.submit(self.transport.push, body)
                if answered is not None:
                    self._acknowledge(answered, report)
                    answered = None
                    if progress:
                        progress(report.pushed, total)
                upcoming = prepare(last)
                answered = future.result()["results"]
        if answered is not None:
            self._acknowledge(answered, report)
        return report

    def _acknowledge(self, results: list[Json], report: SyncReport) -> None:
        now = datetime.now(UTC)
        with self._write() as conn:
            ids = [uuid.UUID(r["op_id"]) for r in results]
            for start in range(0, len(ids), 500):
                conn.execute(delete(OutboxOp).where(OutboxOp.op_id.in_(ids[start:start + 500])))
            rejections = []
            rows = []
            for r in results:
                status = r["status"]
                report.pushed += 1
                if status == "quarantined":
                    report.quarantined += 1
                    rejections.append({"op_id": uuid.UUID(r["op_id"]), "entity": r["entity"],
                                       "row_id": uuid.UUID(r["row_id"]),
                                       "message": str(r.get("message", ""))[:500], "rejected_at": now})
                elif status == "conflict":
                    report.conflicts += 1
                    report.conflict_ids += r.get("conflict_ids", [])
                else:
                    report.applied += 1
                if r.get("row") is not None:
                    rows.append((r["entity"], r["row"]))
            if rejections:
                existing = set(conn.execute(select(SyncRejection.op_id).where(
                    SyncRejection.op_id.in_([x["op_id"] for x in rejections]))).scalars())
                fresh = [x for x in rejections if x["op_id"] not in existing]
                if fresh:
                    conn.execute(insert(SyncRejection), fresh)
            for r in results:
                if r["status"] == "quarantined" and r.get("row") is None:
                    _set_aside(conn, r)
            if rows:
                applier.apply_rows(conn, rows, clock=self.db.clock)

    def pull(self, report: SyncReport | None = None, progress: Progress | None = None) -> SyncReport:
        report = report or SyncReport()
        cursor = int(self.state().get(CURSOR, "0"))
        while True:
            reply = self.transport.pull({"cursor": cursor, "limit": self.pull_limit})
            changes = reply["changes"]
            with self._write() as conn:
                current = int(applier.get_state(conn).get(CURSOR, "0"))
                if current != cursor:   # another sync moved on meanwhile: go on from there
                    cursor = current
                    continue
                applier.apply_rows(conn, ((c["entity"], c["row"]) for c in changes),
                                   clock=self.db.clock)
                applier.set_state(conn, CURSOR, str(reply["cursor"]))
            cursor = int(reply["cursor"])
            report.pulled += len(changes)
            if progress:
                progress(report.pulled, None)
            if not reply.get("more"):
                return report

    # -- enrollment ---------------------------------------------------------------------------------

    def record_enrollment(self, reply: Json, address: str, ca: str | None, *,
                          needs_bootstrap: bool = False) -> None:
        with self._write() as conn:
            applier.set_state(conn, BOOTSTRAPPED, "0" if needs_bootstrap else "1")
            applier.set_state(conn, HUB_ID, reply["hub_id"])
            applier.set_state(conn, HUB_ADDRESS, address)
            if ca:
                applier.set_state(conn, HUB_CA, ca)
            applier.set_state(conn, SITE_STATE_KEY, reply["site_code"])
        self.db.reset_clock()

    def bootstrap(self, progress: Progress | None = None) -> int:
        """Fill an empty chart from the hub's snapshot, then the log tail. Resumable: the position
        is saved with every page, so an interrupted bootstrap continues where it stopped."""
        state = self.state()
        if state.get(BOOTSTRAPPED) == "1":
            return 0
        snap = int(state[SNAPSHOT_SEQ]) if SNAPSHOT_SEQ in state else None
        after = json.loads(state[SNAPSHOT_AFTER]) if SNAPSHOT_AFTER in state else None
        done = int(state.get("snapshot_rows", "0"))
        total = int(state["snapshot_total"]) if "snapshot_total" in state else None
        while True:
            page = self.transport.snapshot({"snapshot_seq": snap, "after": after,
                                            "limit": self.snapshot_limit})
            if total is None and page.get("total") is not None:
                total = int(page["total"])
            snap = int(page["snapshot_seq"])
            with self.db.engine.execution_options(emr_begin="IMMEDIATE").connect() as conn:
                # Snapshot pages reference rows on later pages: foreign keys are checked at the end.
                raw = conn.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
                        applier.apply_rows(conn, ((r["entity"], r["row"]) for r in page["rows"]),
                                           pending=set(), clock=self.db.clock)
                        done += len(page["rows"])
                        applier.set_state(conn, SNAPSHOT_SEQ, str(snap))
                        applier.set_state(conn, "snapshot_rows", str(done))
                        if total is not None:
                            applier.set_state(conn, "snapshot_total", str(total))
                        if page["after"] is None:
                            applier.set_state(conn, CURSOR, str(snap))
                            conn.exec_driver_sql("DELETE FROM sync_state WHERE key = 'snapshot_after'")
                        else:
                            applier.set_state(conn, SNAPSHOT_AFTER, json.dumps(page["after"]))
                finally:
                    raw.execute("PRAGMA foreign_keys = ON")
            after = page["after"]
            if progress:
                progress(done, total)
            if after is None:
                break
        self.pull(progress=None)
        if progress and total is not None and done != total:
            progress(done, done)   # rows changed meanwhile came with the log tail instead
        with self._write() as conn:
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if problems:
                raise EmrError("The chart downloaded from the hub is incomplete.",
                               "Run `emr-desktop sync` again; if it persists, tell the administrator.")
            applier.set_state(conn, BOOTSTRAPPED, "1")
        return done

    def queue_whole_chart(self) -> int:
        """Joining a hub with an existing chart: one insert op per synced row, in foreign-key order
        (replacing whatever the outbox held: nothing has been pushed anywhere yet)."""
        schema = head_revision()
        now = datetime.now(UTC)
        position = 0
        with self._write() as conn:
            conn.execute(delete(OutboxOp))
            for model in SYNCED_MODELS:
                ent = ENTITIES[model.__tablename__]
                fields = sorted(c for c in ent.columns if c not in BOOKKEEPING)
                ids = conn.execute(select(ent.table.c.id).order_by(ent.table.c.id)).scalars().all()
                for start in range(0, len(ids), 2000):
                    chunk = ids[start:start + 2000]
                    rows = canonical_rows(conn, ent, chunk)
                    ops = []
                    for row_id in chunk:
                        row = rows[str(row_id)]
                        position += 1
                        ops.append({"op_id": new_id(), "position": position, "entity": ent.name,
                                    "row_id": row_id, "base_row_version": 0, "changed_fields": fields,
                                    "payload": row, "hlc": row["updated_hlc"] or self.db.clock.now().encode(),
                                    "user_id": None, "schema_version": schema, "created_at": now,
                                    "attempts": 0})
                    conn.execute(insert(OutboxOp), ops)
        return position

    def local_mrn_blocks(self) -> list[list[int]]:
        with self.db.engine.connect() as conn:
            return [[a, b] for a, b in conn.execute(select(MrnBlock.first, MrnBlock.last))]

    def top_up_mrns(self) -> None:
        with self.db.engine.connect() as conn:
            left = conn.execute(select(func.coalesce(func.sum(MrnBlock.last - MrnBlock.next_value + 1), 0))
                                .where(MrnBlock.next_value <= MrnBlock.last)).scalar_one()
        if left >= MRN_LOW_WATER:
            return
        block = self.transport.reserve_mrn_block({"size": 1000})
        with self._write() as conn:
            conn.execute(insert(MrnBlock).values(first=block["first"], last=block["last"],
                                                 next_value=block["first"], source="hub",
                                                 reserved_at=datetime.now(UTC)))


def _set_aside(conn: Connection, result: Json) -> None:
    """A new record the hub refused stays on this workstation (and in the hub's quarantine), but
    steps aside: unique values that the practice uses for another record (a user name, an MRN)
    get a suffix, so the hub's records can still be written here, and the record is inactive."""
    ent = ENTITIES.get(result["entity"])
    if ent is None:
        return
    row_hex = uuid.UUID(result["row_id"]).hex
    sets = ['"record_status" = :status', '"record_status_reason" = :reason']
    params: dict[str, Any] = {"id": row_hex, "status": "inactive",
                              "reason": ("Not accepted by the practice hub: " + str(result.get("message", "")))[:300]}
    for col in ent.unique:
        length = getattr(ent.table.c[col].type, "length", None) or 64
        tag = "~" + result["op_id"].replace("-", "")[:8]
        sets.append(f'"{col}" = substr("{col}", 1, {max(length - len(tag), 1)}) || :tag')
        params["tag"] = tag
    conn.execute(text(f'UPDATE "{ent.name}" SET {", ".join(sets)} WHERE id = :id AND row_version = 0'),
                 params)


def _op_json(rec: Any) -> Json:
    return {
        "op_id": str(rec["op_id"]), "position": rec["position"], "entity": rec["entity"],
        "row_id": str(rec["row_id"]), "base_row_version": rec["base_row_version"],
        "changed_fields": list(rec["changed_fields"]), "row": rec["payload"], "hlc": rec["hlc"],
        "user_id": str(rec["user_id"]) if rec["user_id"] else None,
        "schema_version": rec["schema_version"],
    }
