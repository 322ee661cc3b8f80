"""The audit trail: entries chain per workstation, commit with the change they record, and any raw
change, deletion or relinking is found by verify() at the right seq; reports filter, sort only by
allow-listed fields and export CSV that spreadsheets cannot execute."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import AuditEventDTO, PatientDTO
from emr_desktop.models import AuditEvent
from emr_desktop.models.sync import SyncState
from emr_desktop.security.audit import (
    CSV_FIELDS,
    EMERGENCY_CATEGORY,
    GENESIS_HASH,
    HASHED_FIELDS,
    REASON_CHANGED,
    REASON_LINK,
    REASON_MISSING,
    SORT_FIELDS,
    AuditTrail,
    AuditVerification,
    compute_entry_hash,
    write_csv,
)
from emr_desktop.services.registry import Services

T0 = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
STEP = timedelta(minutes=1)


class Clock:
    """Deterministic audit clock: T0, T0 + 1 min, T0 + 2 min, ..."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        value = T0 + self.calls * STEP
        self.calls += 1
        return value


class OtherSite(AuditTrail):
    """A second workstation's chain in the same file (as the hub's copy would hold it)."""

    site = "SITE-B"  # type: ignore[assignment]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trail(store: ChartStore, clock: Clock) -> AuditTrail:
    return AuditTrail(store.db, now=clock)


@pytest.fixture
def patients(services: Services, admin: Actor) -> tuple[PatientDTO, PatientDTO]:
    def register(family: str) -> PatientDTO:
        return services.patients.register(admin, family_name=family, given_name="Ana",
                                          birth_date=date(1975, 4, 3), sex="female")
    return register("Rivera"), register("Okafor")


# --- helpers ----------------------------------------------------------------------------------


def _sql(store: ChartStore, statement: str, **params: Any) -> None:
    """Raw SQL outside the application, as someone with the key and a SQLCipher shell would."""
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _sql_without_foreign_keys(store: ChartStore, statement: str, **params: Any) -> None:
    """The same, with foreign key checks off (a SQLCipher shell does not turn them on)."""
    raw = store.engine.raw_connection()
    try:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(statement, params)
        raw.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


def _raw_rows(store: ChartStore, site: str | None = None) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_event ORDER BY workstation_site, seq")).mappings()
        return [dict(r) for r in rows if site is None or r["workstation_site"] == site]


def _last_seq(store: ChartStore) -> int:
    """Entries already in this workstation's chain (set-up, log-ins, registrations audit too)."""
    with store.db.read() as session:
        return session.scalar(select(func.max(AuditEvent.seq))
                              .where(AuditEvent.workstation_site == store.db.clock.site)) or 0


def _count(store: ChartStore) -> int:
    with store.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _independent_hash(row: dict[str, Any]) -> str:
    """entry_hash as documented, computed here without the module's helpers."""
    def uid(raw: str | None) -> str | None:
        return None if raw is None else str(uuid.UUID(hex=raw))

    occurred = datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=UTC)
    obj = {"workstation_site": row["workstation_site"], "seq": row["seq"],
           "occurred_at": occurred.isoformat(timespec="microseconds"), "user_id": uid(row["user_id"]),
           "username": row["username"], "patient_id": uid(row["patient_id"]),
           "category": row["category"], "action": row["action"], "outcome": row["outcome"],
           "object_id": row["object_id"], "detail": row["detail"], "prev_hash": row["prev_hash"]}
    payload = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _chain(trail: AuditTrail, admin: Actor, provider: Actor,
           patients: tuple[PatientDTO, PatientDTO], n: int = 5) -> None:
    actors = (admin, provider, None)
    for i in range(n):
        trail.record(actors[i % 3], category=("note", "demographics", "lab")[i % 3],
                     action=("read", "write")[i % 2], patient_id=patients[i % 2].id if i % 4 else None,
                     object_id=f"obj-{i}", detail=f"section=meds count={i}")


def _bad(result: AuditVerification, site: str) -> tuple[int | None, str]:
    found = result.site(site)
    assert found is not None, f"no chain for {site}"
    return found.first_bad_seq, found.reason


# --- writing and chaining ---------------------------------------------------------------------


def test_entries_chain_from_genesis_with_documented_hashes(store: ChartStore, trail: AuditTrail,
                                                           admin: Actor, provider: Actor,
                                                           patients: tuple[PatientDTO, PatientDTO]) -> None:
    site = store.db.clock.site
    assert site
    trail.record(admin, category="demographics", action="read", patient_id=patients[0].id,
                 object_id=str(patients[0].id)[:8], detail="section=banner")
    with store.db.unit_of_work(provider.user_id) as session:  # two in one unit of work
        trail.append(session, actor=provider, category="note", action="write",
                     patient_id=patients[1].id, detail="note=1")
        trail.append(session, actor=provider, category="note", action="sign", outcome="success")
    trail.record(None, category="practice", action="setup", outcome="failure", detail="ünïcode ok")

    everything = _raw_rows(store)  # with what set-up and the services audited before
    assert [r["seq"] for r in everything] == list(range(1, len(everything) + 1))
    assert {r["workstation_site"] for r in everything} == {site}
    assert everything[0]["prev_hash"] == GENESIS_HASH
    for before, after in zip(everything, everything[1:], strict=False):
        assert after["prev_hash"] == before["entry_hash"]
    for row in everything:
        assert row["entry_hash"] == _independent_hash(row)
        assert len(row["entry_hash"]) == 64
    rows = everything[-4:]
    assert [r["username"] for r in rows] == ["admin", "drsmith", "drsmith", "system"]
    assert rows[0]["user_id"] == admin.user_id.hex and rows[3]["user_id"] is None
    assert rows[1]["patient_id"] == patients[1].id.hex and rows[2]["patient_id"] is None

    entries = trail.report(start=T0, end=T0 + 10 * STEP)
    assert [e.occurred_at for e in entries] == [T0 + i * STEP for i in range(4)]  # microseconds kept
    assert entries[3].outcome == "failure" and entries[3].detail == "ünïcode ok"
    assert compute_entry_hash({f: getattr(entries[1], f) for f in HASHED_FIELDS}) == entries[1].entry_hash

    result = trail.verify()
    assert result.ok and result.checked == len(everything)
    assert result.site(site) is not None and result.site(site).last_good_seq == len(everything)


def test_a_rolled_back_unit_of_work_leaves_no_entry_and_no_gap(store: ChartStore, trail: AuditTrail,
                                                               admin: Actor) -> None:
    trail.record(admin, category="note", action="read")
    before = _count(store)
    last = _last_seq(store)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.db.unit_of_work(admin.user_id) as session:
        session.add(SyncState(key="test-change", value="x"))  # the change being audited
        trail.append(session, actor=admin, category="note", action="write", detail="note=2")
        session.flush()
        raise Boom
    with store.db.read() as session:
        assert session.get(SyncState, "test-change") is None
    assert _count(store) == before and _last_seq(store) == last

    with store.db.unit_of_work(admin.user_id) as session:
        session.add(SyncState(key="test-change", value="y"))
        trail.append(session, actor=admin, category="note", action="write", detail="note=2")
    assert [r["seq"] for r in _raw_rows(store)][-2:] == [last, last + 1]
    with store.db.read() as session:
        assert session.get(SyncState, "test-change") is not None
    assert trail.verify().ok


def test_append_outside_a_unit_of_work_is_refused(store: ChartStore, trail: AuditTrail,
                                                  admin: Actor) -> None:
    before = _count(store)
    with store.db.read() as session, pytest.raises(RuntimeError, match="unit_of_work"):
        trail.append(session, actor=admin, category="note", action="read")
    with pytest.raises(ValueError, match="detail"):
        trail.record(admin, category="note", action="read", detail="x" * 501)
    assert _count(store) == before


def test_an_empty_log_verifies(store: ChartStore, trail: AuditTrail) -> None:
    """(Also one emptied with raw SQL: locally indistinguishable; the hub's copy tells.)"""
    _sql(store, "DELETE FROM audit_event")
    result = trail.verify()
    assert result.ok and result.checked == 0 and result.sites == ()


# --- tampering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Five:
    site: str
    base: int  # entries before these five; theirs are seq base+1 .. base+5
    total: int

    def seq(self, k: int) -> int:
        return self.base + k


@pytest.fixture
def five(store: ChartStore, trail: AuditTrail, admin: Actor, provider: Actor,
         patients: tuple[PatientDTO, PatientDTO]) -> Five:
    """Five more entries in this workstation's chain."""
    base = _last_seq(store)
    _chain(trail, admin, provider, patients, 5)
    assert trail.verify().ok
    return Five(store.db.clock.site, base, base + 5)


def _new_value(field: str, row: dict[str, Any], provider: Actor,
               patients: tuple[PatientDTO, PatientDTO]) -> Any:
    occurred = datetime.fromisoformat(row["occurred_at"]) + timedelta(microseconds=1)
    return {
        "workstation_site": "ELSEWHERE",
        "seq": 10_000,
        "occurred_at": occurred.isoformat(" ", "microseconds"),
        "user_id": provider.user_id.hex,
        "username": "drsmith",
        "patient_id": patients[1].id.hex if row["patient_id"] != patients[1].id.hex else None,
        "category": "billing",
        "action": "delete",
        "outcome": "denied",
        "object_id": "obj-x",
        "detail": "section=other",
        "prev_hash": "1" * 64,
        "entry_hash": "f" * 64,
    }[field]


def test_changing_any_hashed_field_is_found_at_its_seq(store: ChartStore, trail: AuditTrail, five: Five,
                                                       provider: Actor,
                                                       patients: tuple[PatientDTO, PatientDTO]) -> None:
    third = five.seq(3)
    for field in (*HASHED_FIELDS, "entry_hash"):
        row = _raw_rows(store)[third - 1]
        assert row["seq"] == third
        new = _new_value(field, row, provider, patients)
        assert new != row[field]
        _sql(store, f"UPDATE audit_event SET {field} = :v WHERE id = :id", v=new, id=row["id"])

        result = trail.verify()
        assert not result.ok and result.checked == five.total, field
        moved = field in ("workstation_site", "seq")
        assert _bad(result, five.site) == (third, REASON_MISSING if moved else REASON_CHANGED), field
        if field == "workstation_site":
            assert _bad(result, "ELSEWHERE")[0] is not None  # the moved entry: a broken chain too

        _sql(store, f"UPDATE audit_event SET {field} = :v WHERE id = :id", v=row[field], id=row["id"])
        assert trail.verify().ok, field


@pytest.mark.parametrize(("deleted", "expected"), [(1, 1), (3, 3), (4, 4)],
                         ids=["first", "middle", "last-but-one"])
def test_a_deleted_entry_is_reported_where_the_gap_starts(store: ChartStore, trail: AuditTrail,
                                                          five: Five, deleted: int, expected: int) -> None:
    if deleted == 1:  # the very first entry of the chain
        _sql(store, "DELETE FROM audit_event WHERE seq = 1")
    else:
        deleted, expected = five.seq(deleted), five.seq(expected)
        _sql(store, "DELETE FROM audit_event WHERE seq = :s", s=deleted)
    result = trail.verify()
    assert not result.ok and result.checked == five.total - 1
    assert _bad(result, five.site) == (expected, REASON_MISSING)


def test_deleting_two_consecutive_entries(store: ChartStore, trail: AuditTrail, five: Five) -> None:
    _sql(store, "DELETE FROM audit_event WHERE seq IN (:a, :b)", a=five.seq(2), b=five.seq(3))
    assert _bad(trail.verify(), five.site) == (five.seq(2), REASON_MISSING)


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link(store: ChartStore,
                                                                       trail: AuditTrail,
                                                                       five: Five) -> None:
    entry = trail.report(start=T0, end=T0 + 10 * STEP)[1]
    forged = {f: getattr(entry, f) for f in HASHED_FIELDS} | {"detail": "section=nothing-to-see"}
    assert entry.seq == five.seq(2)
    _sql(store, "UPDATE audit_event SET detail = :d, entry_hash = :h WHERE seq = :s",
         d=forged["detail"], h=compute_entry_hash(forged), s=entry.seq)
    assert _bad(trail.verify(), five.site) == (five.seq(3), REASON_LINK)


def test_sync_metadata_is_not_hashed(store: ChartStore, trail: AuditTrail, five: Five) -> None:
    """The hub stamps hub_received_at, row_version etc. later; that must not look like tampering."""
    _sql(store, "UPDATE audit_event SET hub_received_at = :t, row_version = seq + 10, "
                "updated_hlc = 'x', origin_site = 'HUB', record_status_reason = 'synced'",
         t="2025-03-02 10:00:00.000000")
    assert trail.verify().ok


def test_a_non_canonical_spelling_of_the_same_value_counts_as_a_change(store: ChartStore,
                                                                       trail: AuditTrail,
                                                                       five: Five) -> None:
    """Upper-case hex or a 'T' in the time reads back as the same value through the ORM, but the
    stored bytes changed: verify reports it."""
    second, fourth = (_raw_rows(store)[five.seq(k) - 1] for k in (2, 4))
    assert second["user_id"] is not None
    _sql_without_foreign_keys(store, "UPDATE audit_event SET user_id = :v WHERE seq = :s",
                              v=second["user_id"].upper(), s=second["seq"])
    _sql(store, "UPDATE audit_event SET occurred_at = :v WHERE seq = :s",
         v=fourth["occurred_at"].replace(" ", "T"), s=fourth["seq"])
    assert _bad(trail.verify(), five.site) == (second["seq"], REASON_CHANGED)
    _sql(store, "UPDATE audit_event SET user_id = :v WHERE seq = :s", v=second["user_id"],
         s=second["seq"])
    assert _bad(trail.verify(), five.site) == (fourth["seq"], REASON_CHANGED)


def test_unreadable_values_are_reported_not_raised(store: ChartStore, trail: AuditTrail, five: Five) -> None:
    _sql_without_foreign_keys(
        store, "UPDATE audit_event SET occurred_at = 'yesterday', patient_id = x'00' WHERE seq = :s",
        s=five.seq(2))
    assert _bad(trail.verify(), five.site) == (five.seq(2), REASON_CHANGED)
    # the trail keeps working on a damaged chain (the damage stays reported)
    trail.record(None, category="audit", action="verify", outcome="failure")
    assert _raw_rows(store)[-1]["seq"] == five.seq(6)
    assert _bad(trail.verify(), five.site) == (five.seq(2), REASON_CHANGED)


def test_two_sites_chains_are_verified_independently(store: ChartStore, clock: Clock,
                                                     admin: Actor) -> None:
    here = AuditTrail(store.db, now=clock)
    there = OtherSite(store.db, now=clock)
    base = _last_seq(store)
    for trail in (here, there, here, there, there):
        trail.record(admin, category="note", action="read")
    result = here.verify()
    assert result.ok and result.checked == base + 5
    assert sorted((s.site, s.checked) for s in result.sites) == sorted(
        [(here.site, base + 2), ("SITE-B", 3)])
    b_rows = _raw_rows(store, "SITE-B")
    assert [r["seq"] for r in b_rows] == [1, 2, 3] and b_rows[0]["prev_hash"] == GENESIS_HASH

    _sql(store, "UPDATE audit_event SET action = 'write' WHERE workstation_site = 'SITE-B' AND seq = 2")
    result = here.verify()
    assert _bad(result, "SITE-B") == (2, REASON_CHANGED) and result.site(here.site).ok

    _sql(store, "DELETE FROM audit_event WHERE workstation_site = :s AND seq = 1", s=here.site)
    result = here.verify()
    assert _bad(result, here.site) == (1, REASON_MISSING)
    assert _bad(result, "SITE-B") == (2, REASON_CHANGED)
    assert len(result.failures) == 2


# --- any single raw change (property) -----------------------------------------------------------

_TEXT = st.text(max_size=24)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_row_raw_change_is_found_at_that_seq(store: ChartStore, trail: AuditTrail, five: Five,
                                                        admin: Actor, provider: Actor,
                                                        patients: tuple[PatientDTO, PatientDTO],
                                                        data: st.DataObject) -> None:
    rows = _raw_rows(store)
    n = len(rows)
    assert n == five.total
    row = data.draw(st.sampled_from(rows), label="row")
    field = data.draw(st.sampled_from([*HASHED_FIELDS, "entry_hash"]), label="field")
    original = row[field]
    if field == "seq":
        strategy: st.SearchStrategy[Any] = st.integers(-(2**40), 0) | st.integers(n + 1, 2**40)
    elif field == "occurred_at":
        stored = datetime.fromisoformat(original)
        strategy = st.integers(-(10**12), 10**12).filter(bool).map(
            lambda us: (stored + timedelta(microseconds=us)).isoformat(" ", "microseconds")) | _TEXT
    elif field == "user_id":
        strategy = st.sampled_from([admin.user_id.hex, provider.user_id.hex, None])
    elif field == "patient_id":
        strategy = st.sampled_from([patients[0].id.hex, patients[1].id.hex, None])
    else:
        strategy = _TEXT
    new = data.draw(strategy.filter(lambda v: v != original), label="new value")

    _sql(store, f"UPDATE audit_event SET {field} = :v WHERE id = :id", v=new, id=row["id"])
    try:
        result = trail.verify()
        assert not result.ok
        if field == "workstation_site":
            if row["seq"] < n:
                assert _bad(result, five.site) == (row["seq"], REASON_MISSING)
            else:  # the newest entry moved away: its new chain is broken
                assert _bad(result, new)[0] is not None
        elif field == "seq":
            assert _bad(result, five.site)[0] == row["seq"]
        else:
            assert _bad(result, five.site) == (row["seq"], REASON_CHANGED)
    finally:
        _sql(store, f"UPDATE audit_event SET {field} = :v WHERE id = :id", v=original, id=row["id"])
    assert trail.verify().ok


# --- scale --------------------------------------------------------------------------------------


def _bulk(store: ChartStore, site: str, n: int, start: int = 1, prev: str = GENESIS_HASH) -> None:
    rows = []
    for seq in range(start, start + n):
        values = dict(workstation_site=site, seq=seq, occurred_at=T0 + timedelta(seconds=seq),
                      user_id=None, username="admin", patient_id=None, category="note", action="read",
                      outcome="success", object_id=f"o{seq}", detail=f"count={seq}", prev_hash=prev)
        values["entry_hash"] = prev = compute_entry_hash(values)
        rows.append(values)
    with store.engine.begin() as conn:
        conn.execute(AuditEvent.__table__.insert(), rows)


def _peak_bytes(trail: AuditTrail) -> tuple[int, AuditVerification]:
    tracemalloc.start()
    try:
        result = trail.verify(batch=500)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_verify_streams_in_constant_memory(store: ChartStore, trail: AuditTrail) -> None:
    site = store.db.clock.site
    _sql(store, "DELETE FROM audit_event")  # a chain of exactly the sizes below
    _bulk(store, site, 1000)
    small, result = _peak_bytes(trail)
    assert result.ok and result.checked == 1000
    last = _raw_rows(store)[-1]["entry_hash"]
    _bulk(store, site, 9000, start=1001, prev=last)
    large, result = _peak_bytes(trail)
    assert result.ok and result.checked == 10000
    assert large < small * 1.5 + 100_000, (small, large)  # 10x the entries, not 10x the memory
    _sql(store, "UPDATE audit_event SET detail = 'x' WHERE seq = 9999")
    assert _bad(trail.verify(), site) == (9999, REASON_CHANGED)


# --- reports ------------------------------------------------------------------------------------


@pytest.fixture
def logged(store: ChartStore, trail: AuditTrail, admin: Actor, provider: Actor,
           patients: tuple[PatientDTO, PatientDTO]) -> list[AuditEventDTO]:
    p1, p2 = patients
    trail.record(admin, category="demographics", action="read", patient_id=p1.id, object_id="e1")  # T0
    trail.record(provider, category="note", action="write", patient_id=p1.id, object_id="e2")
    trail.record(provider, category=EMERGENCY_CATEGORY, action="grant", patient_id=p2.id,
                 object_id="e3", detail="reason=code-blue")                                    # T0+2
    trail.record(None, category="practice", action="setup", object_id="e4")
    trail.record(admin, category="audit", action="report", outcome="success", object_id="e5")
    trail.record(provider, category="note", action="read", patient_id=p2.id, object_id="e6")  # T0+5
    # the hub stamps some entries (not hashed), so that column has values and NULLs to sort
    _sql(store, "UPDATE audit_event SET hub_received_at = :t, row_version = CASE object_id "
                "WHEN 'e2' THEN 5 ELSE 2 END WHERE object_id IN ('e2', 'e5')",
         t="2025-03-02 08:00:00.000000")
    entries = trail.report(start=T0, end=T0 + 6 * STEP)
    assert len(entries) == 6
    return entries


def _seqs(entries: list[AuditEventDTO]) -> list[int]:
    """Which of the fixture's entries e1..e6, in order."""
    return [int(e.object_id[1:]) for e in entries]


def test_report_filters(trail: AuditTrail, logged: list[AuditEventDTO],
                        patients: tuple[PatientDTO, PatientDTO]) -> None:
    window = dict(start=T0, end=T0 + 6 * STEP)
    assert _seqs(trail.report(**window, username="drsmith")) == [2, 3, 6]
    assert _seqs(trail.report(**window, username="system")) == [4]
    assert _seqs(trail.report(**window, patient_id=patients[0].id)) == [1, 2]
    assert _seqs(trail.report(**window, category="note")) == [2, 6]
    assert _seqs(trail.report(**window, category="note", action="read")) == [6]
    assert _seqs(trail.report(**window, username="drsmith", patient_id=patients[1].id,
                              category="note")) == [6]
    assert trail.report(**window, username="nobody") == []
    # half-open period: start included, end excluded, to the microsecond
    assert _seqs(trail.report(start=T0 + STEP, end=T0 + 3 * STEP)) == [2, 3]
    assert _seqs(trail.report(start=T0 + STEP + timedelta(microseconds=1), end=T0 + 3 * STEP)) == [3]
    # any time zone works for the period
    eastern = T0.astimezone(timezone(timedelta(hours=-5)))
    assert _seqs(trail.report(start=eastern, end=eastern + 2 * STEP)) == [1, 2]
    assert _seqs(trail.report(**window, sort="occurred_at", descending=True, limit=2)) == [6, 5]
    assert _seqs(trail.emergency_review(T0, T0 + 6 * STEP)) == [3]
    assert trail.emergency_review(T0 + 3 * STEP, T0 + 6 * STEP) == []


def _null_first(value: Any) -> tuple[bool, Any]:
    return (value is not None, value)


def test_report_sorts_by_every_field(trail: AuditTrail, logged: list[AuditEventDTO]) -> None:
    chain_order = sorted(logged, key=lambda e: (e.workstation_site, e.seq))
    for field in AuditEventDTO.field_names():
        for descending in (False, True):
            got = trail.report(start=T0, end=T0 + 6 * STEP, sort=field, descending=descending)
            # SQLite: NULLs first ascending, last descending; ties in chain order either way.
            expected = sorted(chain_order, key=lambda e, f=field: _null_first(getattr(e, f)),
                              reverse=descending)
            assert _seqs(got) == _seqs(expected), (field, descending)
    # the fixture's data really tells the orders apart
    assert _seqs(trail.report(start=T0, end=T0 + 6 * STEP, sort="username")) == [1, 5, 2, 3, 6, 4]
    assert _seqs(trail.report(start=T0, end=T0 + 6 * STEP, sort="hub_received_at",
                              descending=True)) == [2, 5, 1, 3, 4, 6]
    assert _seqs(trail.report(start=T0, end=T0 + 6 * STEP, sort="row_version")) == [1, 3, 4, 6, 5, 2]


def test_every_dto_field_is_sortable_and_nothing_else() -> None:
    assert SORT_FIELDS == AuditEventDTO.field_names()
    assert set(SORT_FIELDS) <= set(AuditEvent.__table__.columns.keys())
    assert "updated_by" not in SORT_FIELDS  # a column, but not part of the report


HOSTILE_SORTS = ("occurred_at; DROP TABLE audit_event", "1 OR 1=1", "occurred_at DESC", "OCCURRED_AT",
                 "", "updated_by", "__class__", "seq--", "(SELECT 1)", None, 3)


def test_a_hostile_or_unknown_sort_is_refused(store: ChartStore, trail: AuditTrail,
                                              logged: list[AuditEventDTO]) -> None:
    before = _count(store)
    for sort in HOSTILE_SORTS:
        with pytest.raises(ValidationError) as info:
            trail.report(start=T0, end=T0 + 6 * STEP, sort=sort)  # type: ignore[arg-type]
        assert info.value.field == "sort"
        assert "occurred_at" in info.value.message and "entry_hash" in info.value.message
        assert "DROP" not in info.value.message and "SELECT" not in info.value.message
    assert _count(store) == before and trail.verify().ok


def test_report_arguments_are_checked(trail: AuditTrail) -> None:
    with pytest.raises(ValidationError):
        trail.report(start=datetime(2025, 3, 1), end=datetime(2025, 3, 2))  # naive
    with pytest.raises(ValidationError):
        trail.report(start=T0, end=T0)
    with pytest.raises(ValidationError):
        trail.report(start=T0, end=T0 + STEP, limit=0)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_neutralises_formulas_and_keeps_non_ascii(store: ChartStore, trail: AuditTrail) -> None:
    hostile = Actor(user_id=None, username="@SUM(A1)", roles=frozenset())
    trail.record(hostile, category="=cmd|' /C calc'!A0", action="+read", object_id="-2+3",
                 detail='=HYPERLINK("http://evil.example","x")')
    trail.record(None, category="note", action="read", object_id="\tTAB",
                 detail='Zoë, "Ångström"\nsecond line – 診療 🩺')
    entries = trail.report(start=T0, end=T0 + 2 * STEP)
    out = io.StringIO(newline="")
    assert write_csv(entries, out) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(CSV_FIELDS) and len(rows) == 3
    first, second = (dict(zip(CSV_FIELDS, r, strict=True)) for r in rows[1:])
    assert first["username"] == "'@SUM(A1)"
    assert first["category"] == "'=cmd|' /C calc'!A0"
    assert first["action"] == "'+read" and first["object_id"] == "'-2+3"
    assert first["detail"] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert second["object_id"] == "'\tTAB"
    assert second["detail"] == 'Zoë, "Ångström"\nsecond line – 診療 🩺'  # quoted, intact
    assert second["username"] == "system" and second["user_id"] == "" and second["patient_id"] == ""
    assert first["occurred_at"] == T0.isoformat(timespec="microseconds")
    assert datetime.fromisoformat(second["occurred_at"]) == T0 + STEP
    assert second["seq"] == str(entries[1].seq) and second["entry_hash"] == entries[1].entry_hash
    assert first["hub_received_at"] == ""
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
