"""The practice hub: enrollment, push (apply ops with the conflict rules), pull, snapshot, MRN blocks.

One instance serves every workstation; methods take the workstation credential and a JSON body
(sync.protocol) and return JSON. The same object runs in-process for the embedded SQLite hub and
behind server.api for HTTP.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.engine import Connection

from emr_desktop.db.migrate import head_revision, known_revisions
from emr_desktop.domain.canonical import dumps
from emr_desktop.domain.enums import AppointmentStatus, ConflictStatus, RecordStatus
from emr_desktop.models.base import new_id
from emr_desktop.security.audit import EMERGENCY_CATEGORY
from emr_desktop.server import authz, rules
from emr_desktop.server import schema as s
from emr_desktop.server.store import HubStore
from emr_desktop.sync.capture import BOOKKEEPING
from emr_desktop.sync.hlc import ClockDriftError, HybridLogicalClock, Stamp, wall_ms
from emr_desktop.sync.protocol import (
    API_VERSION,
    MAX_PULL_LIMIT,
    MAX_PUSH_OPS,
    BadRequest,
    EnrollmentRefused,
    Json,
    NotEnrolled,
    WorkstationRevoked,
)
from emr_desktop.sync.rows import ENTITIES, Row, iter_canonical_export

HUB_SITE = "hub"
ENROLL_CODE_TTL = timedelta(hours=24)
MRN_BLOCK_SIZE = 1000
MRN_MAX = 9_999_999
SLOT_FREE_STATUSES = frozenset({AppointmentStatus.CANCELLED.value, AppointmentStatus.NO_SHOW.value})


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


# --- request validation ----------------------------------------------------------------------

_OP_FIELDS: dict[str, type | tuple[type, ...]] = {
    "op_id": str, "entity": str, "row_id": str, "base_row_version": int, "changed_fields": list,
    "row": dict, "hlc": str, "schema_version": str,
}


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(value: Any, what: str) -> str:
    if isinstance(value, str) and _UUID_TEXT.fullmatch(value):
        return value                       # canonical form already (what workstations send)
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise BadRequest(f"{what} is not a valid identifier.") from None


def _validate_ops(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    ops = body.get("ops")
    if not isinstance(ops, list):
        raise BadRequest("A push needs a list of ops.")
    if len(ops) > MAX_PUSH_OPS:
        raise BadRequest(f"Too many ops in one push (at most {MAX_PUSH_OPS}).")
    out = []
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise BadRequest(f"Op {i} is not an object.")
        for name, kind in _OP_FIELDS.items():
            if not isinstance(op.get(name), kind) or isinstance(op.get(name), bool) and kind is int:
                raise BadRequest(f"Op {i} has a missing or malformed '{name}'.")
        if op.get("user_id") is not None:
            op["user_id"] = _uuid_text(op["user_id"], f"Op {i} user")
        op["op_id"] = _uuid_text(op["op_id"], f"Op {i} id")
        op["row_id"] = _uuid_text(op["row_id"], f"Op {i} row id")
        if not all(isinstance(f, str) for f in op["changed_fields"]):
            raise BadRequest(f"Op {i} has malformed changed fields.")
        if str(op["row"].get("id", op["row_id"])) != op["row_id"]:
            raise BadRequest(f"Op {i} row id does not match its row.")
        out.append(op)
    return out


def _int(body: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = body.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise BadRequest(f"'{key}' must be a whole number from {lo} to {hi}.")
    return value


# --- push working state ------------------------------------------------------------------------

@dataclass
class _RowState:
    row: Row | None
    version: int
    history: list[tuple[int, str, str, frozenset[str]]] | None = None  # (version, site, hlc, fields)
    dirty: bool = False
    seq_index: int = -1   # index into the batch's change list of this row's latest change


@dataclass
class _Batch:
    site: str
    rows: dict[tuple[str, str], _RowState] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    ops: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    unique: dict[tuple[str, str, str], str] = field(default_factory=dict)
    slots: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    emergency: set[tuple[str, str]] = field(default_factory=set)
    results: dict[str, Json] = field(default_factory=dict)


class HubService:
    #: Planted-bug switch for the idempotence tests: False forgets that an op was already applied.
    dedupe_ops = True

    def __init__(self, store: HubStore, *, wall: Any = None, max_drift_ms: int | None = None) -> None:
        self.store = store
        kwargs: dict[str, Any] = {}
        self._wall = wall or wall_ms
        kwargs["wall"] = self._wall
        if max_drift_ms is not None:
            kwargs["max_drift_ms"] = max_drift_ms
        with store.read() as conn:
            meta = store.meta(conn)
        last = Stamp.decode(meta["hlc"]) if "hlc" in meta else None
        self.clock = HybridLogicalClock(HUB_SITE, last=last, **kwargs)
        self.hub_id = meta["hub_id"]
        #: Test hook: called inside a push transaction just before it commits.
        self.before_commit: Any = None
        self._grown = 0          # rows added since the planner's statistics were refreshed
        self.epoch = int(meta.get("epoch", "1"))

    # -- identity and enrollment ----------------------------------------------------------------

    def handshake(self) -> Json:
        return {"api": API_VERSION, "hub_id": self.hub_id, "epoch": self.epoch,
                "schema_versions": sorted(known_revisions()), "server_time_ms": self._wall()}

    def create_enroll_code(self, site_name: str = "", ttl: timedelta = ENROLL_CODE_TTL) -> str:
        raw = secrets.token_bytes(10)
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        body = "".join(alphabet[b % len(alphabet)] for b in raw + secrets.token_bytes(6))
        code = "-".join(body[i:i + 4] for i in range(0, 16, 4))
        now = _now()
        with self.store.write() as conn:
            conn.execute(s.hub_enroll_code.insert().values(
                code_hash=_hash(_normalise_code(code)), site_name=site_name[:100],
                created_at=now, expires_at=now + ttl))
            self._audit(conn, "", "enroll-code-created", f"expires {_iso(now + ttl)}")
        return code

    def enroll(self, body: Json) -> Json:
        code = body.get("code")
        if not isinstance(code, str) or not code.strip():
            raise BadRequest("An enrollment code is required.")
        join = bool(body.get("join"))
        wanted = body.get("site_code")
        name = str(body.get("name") or "")[:100]
        now = _now()
        with self.store.write() as conn:
            rec = conn.execute(select(s.hub_enroll_code).where(
                s.hub_enroll_code.c.code_hash == _hash(_normalise_code(code)))).mappings().first()
            problem = None
            if rec is None:
                problem = EnrollmentRefused("That enrollment code is not valid for this hub.",
                                            "Check it was typed correctly, or ask for a new code.")
            elif rec["used_at"] is not None:
                problem = EnrollmentRefused("That enrollment code has already been used.",
                                            "Each code enrolls one workstation; ask for a new code.")
            elif _aware(rec["expires_at"]) < now:
                problem = EnrollmentRefused("That enrollment code has expired.",
                                            "Ask the administrator for a new code.")
            has_chart = conn.execute(select(s.hub_row.c.row_id).where(
                s.hub_row.c.entity == "practice").limit(1)).first() is not None
            if problem is None and join and has_chart:
                problem = EnrollmentRefused(
                    "This hub already holds a practice chart, so a workstation with its own chart "
                    "cannot join it.",
                    "Enroll from an empty data folder to download the practice chart instead.")
            if problem is None and not join and not has_chart:
                problem = EnrollmentRefused(
                    "This hub has no practice chart yet.",
                    "First enroll the workstation that holds the practice's chart "
                    "(its data folder already set up), then the others.")
            if problem is not None:
                self._audit(conn, "", "enroll-refused", problem.message)
        if problem is not None:
            raise problem
        with self.store.write() as conn:
            taken = set(conn.execute(select(s.hub_workstation.c.site_code)).scalars())
            site = wanted if isinstance(wanted, str) and wanted and wanted not in taken \
                and wanted != HUB_SITE and len(wanted) <= 40 else _new_site(taken)
            credential = secrets.token_urlsafe(32)
            used = conn.execute(s.hub_enroll_code.update().where(and_(
                s.hub_enroll_code.c.code_hash == _hash(_normalise_code(code)),
                s.hub_enroll_code.c.used_at.is_(None))).values(used_at=now, used_by=site))
            if used.rowcount != 1:
                raise EnrollmentRefused("That enrollment code has already been used.",
                                        "Each code enrolls one workstation; ask for a new code.")
            conn.execute(s.hub_workstation.insert().values(
                site_code=site, name=name or rec["site_name"] or "workstation", credential_hash=_hash(credential),
                enrolled_at=now, joining=join))
            for block in body.get("mrn_blocks") or []:
                if (isinstance(block, list) and len(block) == 2
                        and all(isinstance(b, int) for b in block)):
                    conn.execute(s.hub_mrn_block.insert().values(
                        first=block[0], last=block[1], site=site, reserved_at=now))
            self._audit(conn, site, "enrolled", "join" if join else "bootstrap")
        return {"hub_id": self.hub_id, "epoch": self.epoch, "site_code": site,
                "credential": credential, "hub_has_chart": has_chart}

    def revoke(self, site: str) -> bool:
        with self.store.write() as conn:
            done = conn.execute(s.hub_workstation.update().where(and_(
                s.hub_workstation.c.site_code == site, s.hub_workstation.c.revoked_at.is_(None))
            ).values(revoked_at=_now())).rowcount
            if done:
                self._audit(conn, site, "revoked", "")
        return bool(done)

    def _auth(self, credential: str | None) -> Mapping[str, Any]:
        if not credential:
            raise NotEnrolled()
        with self.store.read() as conn:
            ws = conn.execute(select(s.hub_workstation).where(
                s.hub_workstation.c.credential_hash == _hash(credential))).mappings().first()
        if ws is None:
            raise NotEnrolled("The practice hub does not recognise this workstation's credential.")
        if ws["revoked_at"] is not None:
            with self.store.write() as conn:
                self._audit(conn, ws["site_code"], "refused-revoked", "request refused")
            raise WorkstationRevoked()
        return ws

    def _audit(self, conn: Connection, site: str, event: str, detail: str) -> None:
        conn.execute(s.hub_audit.insert().values(at=_now(), site=site, event=event, detail=detail[:500]))

    # -- push -------------------------------------------------------------------------------------

    def push(self, credential: str | None, body: Json) -> Json:
        ops = _validate_ops(body)
        ws = self._auth(credential)
        site = ws["site_code"]
        if body.get("site") not in (None, site):
            raise BadRequest("The push names another workstation than its credential.")
        batch = _Batch(site=site)
        with self.store.write() as conn:
            seen = self._stored_results(conn, [op["op_id"] for op in ops]) if self.dedupe_ops else {}
            fresh = [op for op in ops if op["op_id"] not in seen]
            if fresh:
                self._catch_up_clock(conn)
                self._process(conn, ws, fresh, batch)
                self._flush(conn, batch)
            if self.before_commit is not None:
                self.before_commit()
            conn.execute(s.hub_workstation.update().where(
                s.hub_workstation.c.site_code == site).values(last_seen_at=_now()))
            results = []
            for op in ops:
                result = batch.results.get(op["op_id"]) or seen.get(op["op_id"])
                if result is None:  # an op repeated within one batch
                    result = self._stored_results(conn, [op["op_id"]])[op["op_id"]]
                results.append(result)
        self._refresh_statistics(len(batch.changes))
        return {"results": results}

    def _refresh_statistics(self, added: int) -> None:
        """A hub that grows fast (a practice's first workstation pushing its whole chart) outruns
        PostgreSQL's autovacuum, and row lookups planned for a tiny table turn into scans."""
        self._grown += added
        if not self.store.is_postgres or self._grown < 20_000:
            return
        self._grown = 0
        with self.store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE hub_row, hub_change, hub_op, hub_unique")

    def _catch_up_clock(self, conn: Connection) -> None:
        """Several hub processes may share one database (e.g. the embedded hub used by two apps):
        never stamp behind what another one already persisted."""
        stored = conn.execute(select(s.hub_meta.c.value).where(s.hub_meta.c.key == "hlc")).scalar()
        if stored:
            try:
                self.clock.observe(Stamp.decode(stored))
            except (ClockDriftError, ValueError):
                pass

    def _stored_results(self, conn: Connection, op_ids: list[str]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for start in range(0, len(op_ids), 1000):
            chunk = op_ids[start:start + 1000]
            recs = conn.execute(select(s.hub_op).where(self.store.among(s.hub_op.c.op_id, chunk))
                                ).mappings().all()
            keys = [(r["entity"], r["row_id"], r["row_version"]) for r in recs if r["row_version"]]
            payloads: dict[tuple[str, str, int], str] = {}
            for kstart in range(0, len(keys), 300):
                part = keys[kstart:kstart + 300]
                payloads.update({(e, r, v): p for e, r, v, p in conn.execute(
                    select(s.hub_change.c.entity, s.hub_change.c.row_id, s.hub_change.c.row_version,
                           s.hub_change.c.payload).where(tuple_(
                               s.hub_change.c.entity, s.hub_change.c.row_id,
                               s.hub_change.c.row_version).in_(part)))})
            for r in recs:
                payload = payloads.get((r["entity"], r["row_id"], r["row_version"]))
                out[r["op_id"]] = {
                    "op_id": r["op_id"], "entity": r["entity"], "row_id": r["row_id"],
                    "status": r["status"], "row_version": r["row_version"],
                    "row": json.loads(payload) if payload else None,
                    "conflict_ids": json.loads(r["conflict_ids"]), "message": r["message"],
                }
        return out

    def _load_rows(self, conn: Connection, batch: _Batch, keys: set[tuple[str, str]]) -> None:
        missing = [k for k in keys if k not in batch.rows]
        by_entity: dict[str, list[str]] = {}
        for entity, row_id in missing:
            by_entity.setdefault(entity, []).append(row_id)
        for entity, ids in by_entity.items():
            found: dict[str, tuple[int, str]] = {}
            for start in range(0, len(ids), 1000):
                for row_id, version, payload in conn.execute(
                        select(s.hub_row.c.row_id, s.hub_row.c.row_version, s.hub_row.c.payload).where(
                            s.hub_row.c.entity == entity,
                            self.store.among(s.hub_row.c.row_id, ids[start:start + 1000]))):
                    found[row_id] = (version, payload)
            for row_id in ids:
                if row_id in found:
                    version, payload = found[row_id]
                    batch.rows[(entity, row_id)] = _RowState(json.loads(payload), version)
                else:
                    batch.rows[(entity, row_id)] = _RowState(None, 0, history=[])

    def _history(self, conn: Connection, entity: str, row_id: str, state: _RowState) -> list[Any]:
        if state.history is None:
            state.history = [
                (v, site, hlc, frozenset(json.loads(fields)))
                for v, site, hlc, fields in conn.execute(
                    select(s.hub_change.c.row_version, s.hub_change.c.site, s.hub_change.c.hlc,
                           s.hub_change.c.changed_fields).where(
                        s.hub_change.c.entity == entity, s.hub_change.c.row_id == row_id
                    ).order_by(s.hub_change.c.row_version))
            ]
        return state.history

    def _roles(self, conn: Connection) -> dict[str, set[str]]:
        roles: dict[str, set[str]] = {}
        for (payload,) in conn.execute(select(s.hub_row.c.payload).where(
                s.hub_row.c.entity == "role_assignment")):
            row = json.loads(payload)
            if row.get("record_status") == RecordStatus.ACTIVE.value:
                roles.setdefault(str(row["user_id"]), set()).add(row["role"])
        return roles

    def _process(self, conn: Connection, ws: Mapping[str, Any], ops: list[dict[str, Any]],
                 batch: _Batch) -> None:
        keys = {(op["entity"], op["row_id"]) for op in ops if op["entity"] in ENTITIES}
        # parents referenced by the ops, so foreign keys can be checked in memory
        for op in ops:
            ent = ENTITIES.get(op["entity"])
            if ent is None:
                continue
            for col, target in ent.foreign_keys.items():
                value = op["row"].get(col)
                if value is not None:
                    keys.add((target, str(value)))
        self._load_rows(conn, batch, keys)
        roles = self._roles(conn)
        emergency = {(u, p) for u, p in conn.execute(select(s.hub_emergency.c.user_id,
                                                            s.hub_emergency.c.patient_id))}
        for op in ops:
            if op["op_id"] in batch.results:
                continue
            outcome = self._apply_op(conn, ws, op, batch, roles, emergency)
            batch.results[op["op_id"]] = outcome

    def _quarantine(self, batch: _Batch, op: dict[str, Any], reason: str,
                    state: _RowState | None) -> Json:
        batch.quarantine.append({"op_id": op["op_id"], "site": batch.site, "reason": reason[:500],
                                 "op": dumps(op), "received_at": _now()})
        version = state.version if state and state.row is not None else None
        result = {"op_id": op["op_id"], "entity": op["entity"], "row_id": op["row_id"],
                  "status": "quarantined", "row_version": version,
                  "row": dict(state.row) if state and state.row is not None else None,
                  "conflict_ids": [], "message": reason}
        batch.ops.append({"op_id": op["op_id"], "site": batch.site, "entity": op["entity"],
                          "row_id": op["row_id"], "status": "quarantined", "row_version": version,
                          "conflict_ids": "[]", "message": reason[:500], "received_at": _now()})
        return result

    def _apply_op(self, conn: Connection, ws: Mapping[str, Any], op: dict[str, Any], batch: _Batch,
                  roles: dict[str, set[str]], emergency: set[tuple[str, str]]) -> Json:
        ent = ENTITIES.get(op["entity"])
        if ent is None:
            return self._quarantine(batch, op, f"unknown record type '{op['entity'][:40]}' "
                                               "(newer workstation version; upgrade the hub)", None)
        state = batch.rows[(ent.name, op["row_id"])]
        unknown = ent.unknown_fields(op["row"])
        if unknown:
            return self._quarantine(batch, op, "fields unknown to this hub: " + ", ".join(unknown)[:300]
                                    + " (newer workstation version; upgrade the hub)", state)
        try:
            stamp = Stamp.decode(op["hlc"])
            self.clock.observe(stamp)
        except ClockDriftError as err:
            return self._quarantine(batch, op, f"workstation clock ahead of the hub: {err}", state)
        except ValueError:
            return self._quarantine(batch, op, "malformed change stamp", state)
        user = op.get("user_id")
        incoming = ent.complete(op["row"]) if state.row is None else op["row"]
        if user is None:
            permitted = bool(ws["joining"]) or ent.name == "audit_event"
        else:
            changed = {f for f in op["changed_fields"]
                       if state.row is None or incoming.get(f) != state.row.get(f)} - BOOKKEEPING
            permitted = authz.allowed(roles.get(user, set()), ent.name, state.row, incoming,
                                      {p for u, p in emergency | batch.emergency if u == user},
                                      user=user, changed=changed)
        if not permitted:
            self._audit(conn, batch.site, "op-denied", f"{ent.name} by user {user}")
            return self._quarantine(batch, op, "permission denied at the hub for this user", state)
        for col, target in ent.foreign_keys.items():
            value = incoming.get(col) if col in op["changed_fields"] or state.row is None else None
            if value is not None:
                parent = batch.rows.get((target, str(value)))
                if parent is None or parent.row is None:
                    return self._quarantine(batch, op, f"refers to a {target} the hub does not have",
                                            state)
        concurrent: list[rules.Concurrent] = []
        if state.row is not None and state.version > op["base_row_version"]:
            history = self._history(conn, ent.name, op["row_id"], state)
            own = [v for v, site, _h, _f in history if site == batch.site]
            base = max([op["base_row_version"], *own])
            concurrent = [rules.Concurrent(site, hlc, fields) for v, site, hlc, fields in history
                          if v > base and site != batch.site]
        decision = rules.decide(ent, state.row, op, concurrent)
        if decision.quarantine:
            return self._quarantine(batch, op, decision.quarantine, state)
        new_row = decision.row
        if new_row is not None and ent.name == rules.NOTE and not rules.signed_note_intact(new_row):
            return self._quarantine(batch, op, "signed note whose content does not match its signature",
                                    state)
        if new_row is not None:
            clash = self._unique_clash(conn, ent.name, op["row_id"], new_row, batch)
            if clash:
                return self._quarantine(batch, op, clash, state)
        if new_row is not None and ent.name == "appointment":
            taken = self._slot_taken(conn, op["row_id"], new_row, batch, ws)
            if taken is not None:
                new_row, decision = self._lose_slot(state.row, new_row, op, taken, decision)
        conflict_ids: list[str] = []
        if new_row is not None:
            new_row = dict(new_row)
            new_row["id"] = op["row_id"]
            new_row["updated_hlc"] = max(op["hlc"], (state.row or {}).get("updated_hlc") or "")
            # who made the change, as the workstation recorded it (kept as is when a chart joins)
            new_row["updated_by"] = op["row"].get("updated_by", user)
            if state.row is None:
                new_row["origin_site"] = op["row"].get("origin_site") or batch.site
            fields = (ent.content_fields if state.row is None
                      else sorted(decision.changed - BOOKKEEPING))
            self._record(batch, ent.name, op["row_id"], state, new_row, batch.site, op["op_id"],
                         op["hlc"], fields)
            self._index(ent.name, op["row_id"], new_row, batch)
            if ent.name == "audit_event" and new_row.get("category") == EMERGENCY_CATEGORY \
                    and user and new_row.get("patient_id"):
                batch.emergency.add((user, str(new_row["patient_id"])))
            if ent.name == "role_assignment":
                if new_row.get("record_status") == RecordStatus.ACTIVE.value:
                    roles.setdefault(str(new_row["user_id"]), set()).add(new_row["role"])
                else:
                    roles.get(str(new_row["user_id"]), set()).discard(new_row["role"])
        related = None
        if decision.addendum is not None:
            related = self._hub_row(batch, rules.NOTE, decision.addendum, user)
        for spec in decision.conflicts:
            conflict_ids.append(self._conflict(batch, ent.name, op, state, spec,
                                               spec.related_id or related))
        status = "conflict" if conflict_ids else "applied"
        batch.ops.append({"op_id": op["op_id"], "site": batch.site, "entity": ent.name,
                          "row_id": op["row_id"], "status": status,
                          "row_version": state.version if state.row is not None else None,
                          "conflict_ids": json.dumps(conflict_ids) if conflict_ids else "[]",
                          "message": "",
                          "received_at": _now()})
        return {"op_id": op["op_id"], "entity": ent.name, "row_id": op["row_id"], "status": status,
                "row_version": state.version if state.row is not None else None,
                "row": dict(state.row) if state.row is not None else None,
                "conflict_ids": conflict_ids, "message": ""}

    def _record(self, batch: _Batch, entity: str, row_id: str, state: _RowState, row: Row, site: str,
                op_id: str | None, hlc: str, fields: Sequence[str]) -> None:
        state.version += 1
        row["row_version"] = state.version
        state.row = row
        state.dirty = True
        if state.history is not None:
            state.history.append((state.version, site, hlc, frozenset(fields)))
        state.seq_index = len(batch.changes)
        batch.changes.append({"entity": entity, "row_id": row_id, "row_version": state.version,
                              "site": site, "op_id": op_id, "hlc": hlc,
                              "changed_fields": _fields_json(tuple(fields)), "payload": dumps(row)})

    def _hub_row(self, batch: _Batch, entity: str, values: Mapping[str, Any], user: str | None) -> str:
        """A row the hub itself creates (conflict record, addendum draft)."""
        ent = ENTITIES[entity]
        row_id = str(new_id())
        row = ent.complete({**values, "id": row_id, "origin_site": HUB_SITE})
        row["updated_hlc"] = self.clock.now().encode()
        row["updated_by"] = user
        row["record_status"] = row.get("record_status") or RecordStatus.ACTIVE.value
        state = _RowState(None, 0, history=[])
        batch.rows[(entity, row_id)] = state
        self._record(batch, entity, row_id, state, row, HUB_SITE, None, row["updated_hlc"],
                     sorted(set(ent.columns) - BOOKKEEPING))
        return row_id

    def _conflict(self, batch: _Batch, entity: str, op: Mapping[str, Any], state: _RowState,
                  spec: rules.ConflictSpec, related: str | None) -> str:
        row = state.row or op["row"]
        patient = row.get("id") if entity == "patient" else row.get("patient_id")
        return self._hub_row(batch, "sync_conflict", {
            "entity": entity, "record_id": op["row_id"], "patient_id": patient, "kind": spec.kind,
            "fields": ",".join(spec.fields)[:1000], "kept_values": dumps(spec.kept),
            "other_values": dumps(spec.other), "op_id": op["op_id"], "op_site": batch.site,
            "op_user_id": op.get("user_id"), "op_hlc": op["hlc"], "other_site": spec.other_site,
            "other_hlc": spec.other_hlc, "related_id": related, "detected_at": _iso(_now()),
            "status": ConflictStatus.OPEN.value,
        }, None)

    def _unique_clash(self, conn: Connection, entity: str, row_id: str, row: Row, batch: _Batch) -> str | None:
        for col in ENTITIES[entity].unique:
            value = row.get(col)
            if value in (None, ""):
                continue
            key = (entity, col, str(value))
            owner = batch.unique.get(key)
            if owner is None:
                owner = conn.execute(select(s.hub_unique.c.row_id).where(
                    s.hub_unique.c.entity == entity, s.hub_unique.c.field == col,
                    s.hub_unique.c.value == str(value))).scalar()
            if owner is not None and owner != row_id:
                return f"{entity}.{col} already used by another record at the hub"
        return None

    def _index(self, entity: str, row_id: str, row: Row, batch: _Batch) -> None:
        for col in ENTITIES[entity].unique:
            if row.get(col) not in (None, ""):
                batch.unique[(entity, col, str(row[col]))] = row_id
        if entity == "appointment":
            holds = (row.get("record_status") == RecordStatus.ACTIVE.value
                     and row.get("status") not in SLOT_FREE_STATUSES and row.get("provider_id"))
            batch.slots[row_id] = ({"row_id": row_id, "provider_id": str(row["provider_id"]),
                                    "start_time": row["start_time"], "end_time": row["end_time"],
                                    "site": batch.site}
                                   if holds else None)

    def _slot_taken(self, conn: Connection, row_id: str, row: Row, batch: _Batch,
                    ws: Mapping[str, Any]) -> str | None:
        """Another workstation's booking of an overlapping time for the same provider that this
        workstation had not yet seen (a double-booking made knowingly on one desk stands)."""
        if (row.get("record_status") != RecordStatus.ACTIVE.value or row.get("status") in SLOT_FREE_STATUSES
                or not row.get("provider_id")):
            return None
        provider, start, end = str(row["provider_id"]), row["start_time"], row["end_time"]
        for other_id, in conn.execute(select(s.hub_slot.c.row_id).where(
                s.hub_slot.c.provider_id == provider, s.hub_slot.c.start_time < end,
                s.hub_slot.c.end_time > start, s.hub_slot.c.row_id != row_id,
                s.hub_slot.c.site != batch.site, s.hub_slot.c.seq > (ws["pulled_seq"] or 0))):
            if other_id not in batch.slots:   # moved or freed earlier in this batch
                return other_id
        return None

    def _lose_slot(self, current: Row | None, new_row: Row, op: Mapping[str, Any], winner: str,
                   decision: rules.Decision) -> tuple[Row | None, rules.Decision]:
        """First commit at the hub wins the slot: the later booking is kept but not booked."""
        fields = ["provider_id", "start_time", "end_time"]
        other = {f: op["row"].get(f) for f in fields}
        if current is None or current.get("record_status") != RecordStatus.ACTIVE.value:
            row = dict(new_row)
            row["record_status"] = RecordStatus.INACTIVE.value
            row["record_status_reason"] = "Rejected by the practice hub: that time was already booked."
            kept = {"record_status": row["record_status"]}
        else:
            row = dict(new_row)
            for f in fields:
                row[f] = current.get(f)
            kept = {f: current.get(f) for f in fields}
        decision.conflicts.append(rules.ConflictSpec("slot-taken", fields, kept, other,
                                                     related_id=winner))
        decision.changed |= {"record_status", "record_status_reason"}
        return row, decision

    def _flush(self, conn: Connection, batch: _Batch) -> None:
        seqs = self.store.next_seqs(conn, len(batch.changes))
        for seq, change in zip(seqs, batch.changes, strict=True):
            change["seq"] = seq
        self.store.insert_many(conn, s.hub_change, batch.changes)
        dirty = []
        for (entity, row_id), state in batch.rows.items():
            if state.dirty and state.row is not None:
                change = batch.changes[state.seq_index]
                dirty.append({"entity": entity, "row_id": row_id, "entity_order": ENTITIES[entity].order,
                              "row_version": state.version, "seq": change["seq"],
                              "payload": change["payload"]})
        self.store.upsert(conn, s.hub_row, dirty, ["entity", "row_id"])
        if batch.ops and self.dedupe_ops:
            self.store.insert_many(conn, s.hub_op, batch.ops)
        elif batch.ops:
            self.store.upsert(conn, s.hub_op, batch.ops, ["op_id"])
        if batch.quarantine:
            self.store.upsert(conn, s.hub_quarantine, batch.quarantine, ["op_id"])
            for q in batch.quarantine:
                self._audit(conn, q["site"], "op-quarantined", q["reason"])
        self.store.upsert(conn, s.hub_unique, [
            {"entity": e, "field": f, "value": v, "row_id": r} for (e, f, v), r in batch.unique.items()
        ], ["entity", "field", "value"])
        for row_id, slot in batch.slots.items():
            if slot is not None:
                slot["seq"] = batch.changes[batch.rows[("appointment", row_id)].seq_index]["seq"]
        freed = [r for r, slot in batch.slots.items() if slot is None]
        if freed:
            conn.execute(s.hub_slot.delete().where(s.hub_slot.c.row_id.in_(freed)))
        self.store.upsert(conn, s.hub_slot, [slot for slot in batch.slots.values() if slot],
                          ["row_id"])
        if batch.emergency:
            known = {(u, p) for u, p in conn.execute(select(s.hub_emergency.c.user_id,
                                                            s.hub_emergency.c.patient_id))}
            fresh = [{"user_id": u, "patient_id": p} for u, p in batch.emergency - known]
            if fresh:
                conn.execute(s.hub_emergency.insert(), fresh)
        self.store.set_meta(conn, "hlc", self.clock.last.encode())

    # -- pull, snapshot, MRN blocks -----------------------------------------------------------------

    def _pull_page(self, credential: str | None, body: Json) -> tuple[list[Any], int, bool]:
        cursor = _int(body, "cursor", 0, 0, 2**62)
        limit = _int(body, "limit", 5000, 1, MAX_PULL_LIMIT)
        ws = self._auth(credential)
        with self.store.write(ordered=False) as conn:
            conn.execute(s.hub_workstation.update().where(
                s.hub_workstation.c.site_code == ws["site_code"]).values(joining=False, pulled_seq=cursor))
        with self.store.read() as conn:
            recs = conn.execute(
                select(s.hub_change.c.seq, s.hub_change.c.entity, s.hub_change.c.row_id,
                       s.hub_change.c.row_version, s.hub_change.c.payload)
                .where(s.hub_change.c.seq > cursor).order_by(s.hub_change.c.seq).limit(limit + 1)
            ).all()
        more = len(recs) > limit
        recs = recs[:limit]
        return recs, (recs[-1][0] if recs else cursor), more

    def pull(self, credential: str | None, body: Json) -> Json:
        recs, cursor, more = self._pull_page(credential, body)
        changes = [{"seq": seq, "entity": e, "row_id": r, "row_version": v, "row": json.loads(p)}
                   for seq, e, r, v, p in recs]
        return {"changes": changes, "cursor": cursor, "more": more}

    def pull_bytes(self, credential: str | None, body: Json) -> bytes:
        """``pull`` already encoded for HTTP: stored rows are spliced in as they are (canonical JSON
        text), not decoded and encoded again."""
        recs, cursor, more = self._pull_page(credential, body)
        parts = [f'{{"seq":{seq},"entity":"{e}","row_id":"{r}","row_version":{v},"row":{p}}}'
                 for seq, e, r, v, p in recs]
        return (f'{{"changes":[{",".join(parts)}],"cursor":{cursor},'
                f'"more":{"true" if more else "false"}}}').encode()

    def _snapshot_page(self, credential: str | None, body: Json) -> tuple[list[Any], int, Any, Any]:
        self._auth(credential)
        limit = _int(body, "limit", 5000, 1, MAX_PULL_LIMIT)
        after = body.get("after")
        if after is not None and not (isinstance(after, list) and len(after) == 2
                                      and after[0] in ENTITIES and isinstance(after[1], str)):
            raise BadRequest("'after' must be [record type, row id].")
        with self.store.read() as conn:
            snap = body.get("snapshot_seq")
            total = None
            if snap is None:
                snap = conn.execute(select(func.coalesce(func.max(s.hub_change.c.seq), 0))).scalar_one()
                total = conn.execute(select(func.count()).select_from(s.hub_row).where(
                    s.hub_row.c.seq <= snap)).scalar_one()
            elif not isinstance(snap, int) or isinstance(snap, bool) or snap < 0:
                raise BadRequest("'snapshot_seq' must be a whole number.")
            stmt = (select(s.hub_row.c.entity, s.hub_row.c.row_id, s.hub_row.c.row_version,
                           s.hub_row.c.payload, s.hub_row.c.entity_order)
                    .where(s.hub_row.c.seq <= snap)
                    .order_by(s.hub_row.c.entity_order, s.hub_row.c.row_id).limit(limit + 1))
            if after is not None:
                order = ENTITIES[after[0]].order
                stmt = stmt.where(tuple_(s.hub_row.c.entity_order, s.hub_row.c.row_id) > (order, after[1]))
            recs = conn.execute(stmt).all()
        more = len(recs) > limit
        recs = recs[:limit]
        nxt = [recs[-1][0], recs[-1][1]] if more and recs else None
        return recs, snap, nxt, total

    def snapshot(self, credential: str | None, body: Json) -> Json:
        recs, snap, nxt, total = self._snapshot_page(credential, body)
        rows = [{"entity": e, "row_id": r, "row_version": v, "row": json.loads(p)}
                for e, r, v, p, _o in recs]
        return {"snapshot_seq": snap, "rows": rows, "after": nxt, "total": total}

    def snapshot_bytes(self, credential: str | None, body: Json) -> bytes:
        recs, snap, nxt, total = self._snapshot_page(credential, body)
        parts = [f'{{"entity":"{e}","row_id":"{r}","row_version":{v},"row":{p}}}' for e, r, v, p, _o in recs]
        return (f'{{"snapshot_seq":{snap},"rows":[{",".join(parts)}],"after":{json.dumps(nxt)},'
                f'"total":{json.dumps(total)}}}').encode()

    def reserve_mrn_block(self, credential: str | None, body: Json) -> Json:
        size = _int(body, "size", MRN_BLOCK_SIZE, 1, 100_000)
        ws = self._auth(credential)
        with self.store.write() as conn:
            top = conn.execute(select(func.max(s.hub_mrn_block.c.last))).scalar()
            first = max((top or 0) + 1, 2_000_000)
            last = min(first + size - 1, MRN_MAX)
            if first > MRN_MAX:
                raise BadRequest("The practice has run out of medical record numbers.")
            conn.execute(s.hub_mrn_block.insert().values(first=first, last=last, site=ws["site_code"],
                                                         reserved_at=_now()))
        return {"first": first, "last": last}

    # -- administration and checks ------------------------------------------------------------------

    def export_lines(self) -> Iterator[str]:
        """The hub's canonical export: the same format and bytes as a workstation in the same state."""
        with self.store.read() as conn:
            def tables() -> Iterator[tuple[str, Iterator[Row]]]:
                for name in sorted(ENTITIES):
                    rows = conn.execute(select(s.hub_row.c.payload).where(s.hub_row.c.entity == name)
                                        .order_by(s.hub_row.c.row_id)).scalars()
                    yield name, (json.loads(p) for p in rows)
            yield from iter_canonical_export(head_revision(), tables())

    def op_counts(self) -> dict[str, int]:
        with self.store.read() as conn:
            return dict(conn.execute(select(s.hub_op.c.status, func.count()).group_by(
                s.hub_op.c.status)).tuples().all())

    def op_statuses(self) -> dict[str, str]:
        with self.store.read() as conn:
            return dict(conn.execute(select(s.hub_op.c.op_id, s.hub_op.c.status)).tuples().all())


@functools.lru_cache(maxsize=512)
def _fields_json(fields: tuple[str, ...]) -> str:
    return json.dumps(list(fields))


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _new_site(taken: set[str]) -> str:
    while True:
        site = "ws" + secrets.token_hex(4)
        if site not in taken:
            return site
