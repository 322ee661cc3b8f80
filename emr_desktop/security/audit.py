"""The audit trail: append-only, hash-chained per workstation, verifiable, reportable.

HIPAA 164.312(b) (audit controls); ONC 170.315(d)(2) auditable events and tamper resistance,
(d)(3) audit report(s), (d)(10) auditing actions on health information; fields after ASTM E2147
(who, when, which patient, which data category, what action, outcome, which workstation).

Chain
    Every workstation writes its own chain: ``seq`` counts 1, 2, 3, ... per ``workstation_site``
    and ``prev_hash`` is the ``entry_hash`` of the entry before (``GENESIS_HASH`` for seq 1).
    ``entry_hash`` is SHA-256 (hex) over the canonical JSON (``domain.canonical``) of the object
    ``{name: json_value(value) for name in HASHED_FIELDS}`` - sorted keys, no whitespace, UTF-8.
    Anything that re-verifies entries (the hub) must recompute exactly this. Sync metadata (``row_version``,
    ``updated_hlc``, ``updated_by``, ``origin_site``, ``record_status*``), ``hub_received_at`` and
    the row ``id`` are not hashed: the hub sets them later.

    Writers are serialised by the unit of work's ``BEGIN IMMEDIATE``, so "read the last entry of
    this site, then insert the next" cannot interleave with another writer.

What verification can and cannot find
    Locally it finds any changed, deleted or re-ordered entry *inside* a chain (the first bad seq
    and why). There is no secret in the chain, so someone with the database key who deletes the
    newest entries, or rewrites an entry and recomputes every later hash, leaves a shorter or
    different but self-consistent chain: the hub's copy of the pushed entries is what catches that.

PHI
    ``detail`` (and ``object_id``) must never carry PHI: no names, dates of birth, free text or
    values - only record ids, counts, chart section names, reason codes. Keep it short (one line,
    at most ``MAX_DETAIL`` characters). Patients are identified by ``patient_id`` only.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.canonical import dumps, json_value
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import AuditEventDTO
from emr_desktop.models.audit import AuditEvent

GENESIS_HASH = "0" * 64
#: Category of emergency ("break-glass") access entries, listed by ``emergency_review``.
EMERGENCY_CATEGORY = "emergency"
SYSTEM_USERNAME = "system"

#: The fields covered by ``entry_hash``, in the order they are documented (the JSON sorts keys).
HASHED_FIELDS = ("workstation_site", "seq", "occurred_at", "user_id", "username", "patient_id",
                 "category", "action", "outcome", "object_id", "detail", "prev_hash")

#: Fields a report can be sorted by: every field of AuditEventDTO, nothing else.
SORT_FIELDS: tuple[str, ...] = AuditEventDTO.field_names()
_SORT_COLUMNS = {name: AuditEvent.__table__.c[name] for name in SORT_FIELDS}

#: Column order of the CSV export.
CSV_FIELDS = ("occurred_at", "workstation_site", "seq", "username", "user_id", "patient_id",
              "category", "action", "outcome", "object_id", "detail", "hub_received_at",
              "prev_hash", "entry_hash", "id")
#: Cell prefixes a spreadsheet would run as a formula (OWASP CSV injection list).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

REASON_CHANGED = "entry changed"
REASON_MISSING = "entry missing"
REASON_LINK = "link broken"

MAX_DETAIL = 500
_LIMITS = {"category": 40, "action": 40, "outcome": 20, "object_id": 40, "detail": MAX_DETAIL}
_USERNAME_MAX = 64


def check_sort(sort: object) -> str:
    """``sort`` if it names a field of AuditEventDTO; otherwise ValidationError (the value itself
    never reaches SQL or the message)."""
    if not isinstance(sort, str) or sort not in _SORT_COLUMNS:
        raise ValidationError("The audit report cannot be sorted that way. Sort by one of: "
                              + ", ".join(SORT_FIELDS) + ".", "sort")
    return sort


def utc_now() -> datetime:
    return datetime.now(UTC)


def compute_entry_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of the hashed fields of one entry."""
    return _digest({name: json_value(values[name]) for name in HASHED_FIELDS})


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(dumps(payload).encode("utf-8")).hexdigest()


# --- verification results ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteVerification:
    """One workstation's chain. ``first_bad_seq`` is None when the chain is intact;
    ``last_good_seq`` is the end of the verified part (0 if none)."""

    site: str
    checked: int
    last_good_seq: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


@dataclass(frozen=True, slots=True)
class AuditVerification:
    ok: bool
    checked: int
    sites: tuple[SiteVerification, ...] = ()

    def site(self, code: str) -> SiteVerification | None:
        return next((s for s in self.sites if s.site == code), None)

    @property
    def failures(self) -> tuple[SiteVerification, ...]:
        return tuple(s for s in self.sites if not s.ok)


_RAW_COLUMNS = (*HASHED_FIELDS, "entry_hash")
_SITE, _SEQ, _PREV, _HASH = (_RAW_COLUMNS.index(n) for n in ("workstation_site", "seq", "prev_hash",
                                                             "entry_hash"))
# Untyped columns: verification sees the values exactly as stored, so a value the ORM would fail
# to read (or would read "the same" from a different spelling) is reported, not raised.
_RAW_SELECT = (
    select(*(column(name) for name in _RAW_COLUMNS))
    .select_from(table(AuditEvent.__tablename__))
    .order_by(column("workstation_site"), column("seq"))  # the (workstation_site, seq) index
)


def _stored_time(raw: Any) -> str | None:
    """The canonical JSON form of a stored occurred_at, or None unless stored canonically."""
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is not None or value.isoformat(" ", "microseconds") != raw:
        return None
    return value.replace(tzinfo=UTC).isoformat(timespec="microseconds")


_BAD = object()


def _stored_uuid(raw: Any) -> Any:
    """The canonical JSON form of a stored UUID (or None), or _BAD unless stored canonically."""
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) != 32:
        return _BAD
    try:
        value = uuid.UUID(hex=raw)
    except ValueError:
        return _BAD
    return str(value) if value.hex == raw else _BAD


def _intact(raw: tuple[Any, ...]) -> bool:
    """The stored row (``_RAW_COLUMNS``) is in canonical form and its entry_hash matches it.
    Builds the same JSON object as compute_entry_hash straight from the stored values."""
    (site, seq, occurred_at, user_id, username, patient_id, category, action, outcome, object_id,
     detail, prev_hash, stored_hash) = raw
    for text in (site, username, category, action, outcome, object_id, detail, prev_hash, stored_hash):
        if type(text) is not str:
            return False
    occurred = _stored_time(occurred_at)
    user = _stored_uuid(user_id)
    patient = _stored_uuid(patient_id)
    if occurred is None or user is _BAD or patient is _BAD:
        return False
    payload = {"workstation_site": site, "seq": seq, "occurred_at": occurred, "user_id": user,
               "username": username, "patient_id": patient, "category": category, "action": action,
               "outcome": outcome, "object_id": object_id, "detail": detail, "prev_hash": prev_hash}
    return _digest(payload) == stored_hash


class _Chain:
    """Walks one site's entries in seq order, remembering only the previous hash."""

    __slots__ = ("site", "checked", "expected", "prev", "bad_seq", "reason", "stray")

    def __init__(self, site: str) -> None:
        self.site = site
        self.checked = 0
        self.expected = 1
        self.prev = GENESIS_HASH
        self.bad_seq: int | None = None
        self.reason = ""
        self.stray = False  # an entry whose seq is no chain position (<1, text, ...)

    def _fail(self, seq: int, reason: str) -> None:
        self.bad_seq, self.reason = seq, reason

    def feed(self, raw: tuple[Any, ...]) -> None:
        self.checked += 1
        if self.bad_seq is not None:
            return
        seq = raw[_SEQ]
        if type(seq) is not int or seq < 1:
            # Where it used to be shows up as a gap; if it was the newest entry, at the end.
            self.stray = True
            return
        if seq > self.expected:
            self._fail(self.expected, REASON_MISSING)
        elif not _intact(raw):
            self._fail(seq, REASON_CHANGED)
        elif raw[_PREV] != self.prev:
            self._fail(seq, REASON_LINK)
        else:
            self.prev = raw[_HASH]
            self.expected += 1

    def result(self) -> SiteVerification:
        if self.bad_seq is None and self.stray:
            self._fail(self.expected, REASON_CHANGED)
        return SiteVerification(site=self.site, checked=self.checked, last_good_seq=self.expected - 1,
                                first_bad_seq=self.bad_seq, reason=self.reason)


# --- the trail ----------------------------------------------------------------------------------


class AuditTrail:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self._now = now

    @property
    def site(self) -> str:
        """This workstation's site code: the chain new entries go to."""
        return self.db.clock.site

    # --- writing ------------------------------------------------------------------------------

    def append(self, session: Session, *, actor: Actor | None, category: str, action: str,
               outcome: str = "success", patient_id: uuid.UUID | None = None, object_id: str = "",
               detail: str = "") -> None:
        """Add one entry inside the caller's unit of work: it commits or rolls back with the change
        it records. ``detail`` must not contain PHI (see the module docstring)."""
        if session.info.get("clock") is None:
            raise RuntimeError("audit entries are written inside Database.unit_of_work()")
        fields = {"category": category, "action": action, "outcome": outcome,
                  "object_id": object_id, "detail": detail}
        for name, value in fields.items():
            if not isinstance(value, str) or len(value) > _LIMITS[name]:
                raise ValueError(f"audit {name} must be text of at most {_LIMITS[name]} characters")
        if not category or not action:
            raise ValueError("audit category and action are required")
        site = self.site
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.entry_hash)
            .where(AuditEvent.workstation_site == site, func.typeof(AuditEvent.seq) == "integer")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        seq, prev_hash = (int(last.seq) + 1, str(last.entry_hash)) if last else (1, GENESIS_HASH)
        occurred_at = self._now()
        if occurred_at.tzinfo is None:
            raise ValueError("the audit clock must return aware datetimes")
        values: dict[str, Any] = {
            "workstation_site": site,
            "seq": seq,
            "occurred_at": occurred_at.astimezone(UTC),
            "user_id": actor.user_id if actor is not None else None,
            "username": (actor.username if actor is not None else SYSTEM_USERNAME)[:_USERNAME_MAX],
            "patient_id": patient_id,
            **fields,
            "prev_hash": prev_hash,
        }
        values["entry_hash"] = compute_entry_hash(values)
        session.add(AuditEvent(**values))

    def record(self, actor: Actor | None, *, category: str, action: str, outcome: str = "success",
               patient_id: uuid.UUID | None = None, object_id: str = "", detail: str = "") -> None:
        """Add one entry in its own unit of work (denials, failed log-ins, reads)."""
        with self.db.unit_of_work(actor.user_id if actor is not None else None) as session:
            self.append(session, actor=actor, category=category, action=action, outcome=outcome,
                        patient_id=patient_id, object_id=object_id, detail=detail)

    # --- verification -------------------------------------------------------------------------

    def verify(self, *, batch: int = 2000) -> AuditVerification:
        """Walk every site's chain in seq order (streamed, constant memory) and report, per site,
        the first bad entry: a gap ("entry missing", at the first missing seq), an entry whose
        content no longer matches its hash ("entry changed") or one that does not link to the
        entry before it ("link broken")."""
        results: list[SiteVerification] = []
        chain: _Chain | None = None
        checked = 0
        with self.db.read() as session:
            rows = session.execute(_RAW_SELECT.execution_options(yield_per=batch))
            for raw in rows.tuples():
                site = raw[_SITE]
                if chain is None or site != chain.site:
                    if chain is not None:
                        results.append(chain.result())
                    chain = _Chain(site)
                chain.feed(raw)
                checked += 1
        if chain is not None:
            results.append(chain.result())
        return AuditVerification(ok=all(r.ok for r in results), checked=checked,
                                 sites=tuple(results))

    # --- reports ------------------------------------------------------------------------------

    def report(self, *, start: datetime, end: datetime, username: str | None = None,
               patient_id: uuid.UUID | None = None, category: str | None = None,
               action: str | None = None, sort: str = "occurred_at", descending: bool = False,
               limit: int | None = None) -> list[AuditEventDTO]:
        """Entries with ``start <= occurred_at < end`` matching every filter given, sorted by one
        field of AuditEventDTO (ties in chain order)."""
        sort_column = _SORT_COLUMNS[check_sort(sort)]
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValidationError(f"The report {name} needs a date and time with a time zone.",
                                      name)
        if end <= start:
            raise ValidationError("The report period ends before it starts.", "end")
        if limit is not None and limit < 1:
            raise ValidationError("The report limit must be at least 1.", "limit")
        stmt = select(AuditEvent).where(AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end)
        if username is not None:
            stmt = stmt.where(AuditEvent.username == username)
        if patient_id is not None:
            stmt = stmt.where(AuditEvent.patient_id == patient_id)
        if category is not None:
            stmt = stmt.where(AuditEvent.category == category)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        stmt = stmt.order_by(sort_column.desc() if descending else sort_column.asc(),
                             AuditEvent.workstation_site, AuditEvent.seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.db.read() as session:
            return [AuditEventDTO.from_row(row) for row in session.scalars(stmt)]

    def emergency_review(self, start: datetime, end: datetime) -> list[AuditEventDTO]:
        """Emergency-access entries of the period, oldest first, for the privacy officer."""
        return self.report(start=start, end=end, category=EMERGENCY_CATEGORY)


# --- CSV --------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(timespec="microseconds")
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def write_csv(entries: Iterable[AuditEventDTO], out: TextIO) -> int:
    """Write a header row and one row per entry (UTC ISO times); returns the number of entries.

    Cells a spreadsheet would evaluate (starting with = + - @, tab or CR) get a leading single
    quote. Open ``out`` with ``newline=""``."""
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    count = 0
    for entry in entries:
        writer.writerow([_csv_cell(getattr(entry, name)) for name in CSV_FIELDS])
        count += 1
    return count
