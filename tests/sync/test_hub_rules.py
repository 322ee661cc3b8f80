"""The hub's guarantees (DESIGN §4), each shown in a way that can fail:

- no skipped change when pushes commit out of order (PostgreSQL, the real HubStore), with the
  planted bug ``store.serialize_writes = False`` caught by the same checker;
- idempotent pushes (a batch delivered k times, replies lost after commit), with the planted bug
  ``hub.dedupe_ops = False`` caught;
- upgrade safety: ops of an older schema get the column defaults, ops of a newer one are
  quarantined with the whole op kept;
- the conflict rules by kind of record, through two workstations and the hub.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text

from emr_desktop.db.migrate import head_revision
from emr_desktop.domain.enums import AllergyStatus, ConflictKind, NoteStatus, RecordStatus
from emr_desktop.models import SyncConflict
from emr_desktop.models.sync import OutboxOp, SyncRejection
from emr_desktop.server import schema as s
from emr_desktop.server.service import HubService
from emr_desktop.server.store import HubStore
from emr_desktop.sync.client import SyncClient, _op_json
from emr_desktop.sync.hlc import wall_ms
from emr_desktop.sync.protocol import HubUnreachable
from emr_desktop.sync.transport import LocalTransport
from tests.sync.harness import (
    PASSWORD,
    Workstation,
    first_workstation,
    hub_export,
    make_hub,
    new_workstation,
)

STAFF = (("doc", "provider"), ("doc2", "provider"), ("nurse", "nurse"), ("desk", "front_desk"))
WAIT = 30.0  # seconds: an upper bound for waits on events and joins, never a timing assumption


# --- helpers -------------------------------------------------------------------------------------

def sqlite_hub(folder: Path) -> HubService:
    return make_hub(f"sqlite:///{folder / 'hub.db'}")


def pair(hub: HubService, folder: Path) -> tuple[Workstation, Workstation]:
    a = first_workstation(hub, folder / "a", staff=STAFF)
    b = new_workstation(hub, folder / "b")
    return a, b


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Callable[[str | None], tuple[HubService, Workstation, Workstation]]]:
    """Makes a hub (SQLite unless a URL is given) with workstations A and B; closes them after."""
    made: list[tuple[HubService, Workstation, Workstation]] = []

    def make(url: str | None = None) -> tuple[HubService, Workstation, Workstation]:
        hub = make_hub(url) if url else sqlite_hub(tmp_path)
        a, b = pair(hub, tmp_path)
        made.append((hub, a, b))
        return hub, a, b

    yield make
    for hub, a, b in made:
        a.close()
        b.close()
        hub.store.close()


def register(ws: Workstation, family: str, *, user: str = "doc") -> uuid.UUID:
    actor = ws.login(user)
    return ws.services.patients.register(actor, family_name=family, given_name="Synthetic",
                                         birth_date=date(1970, 3, 4), sex="female").id


def settle(*stations: Workstation) -> None:
    """Sync in turn until every workstation has seen every other's changes."""
    for ws in stations:
        ws.sync()
    for ws in stations:
        ws.sync()


def assert_converged(hub: HubService, *stations: Workstation) -> None:
    expected = hub_export(hub)
    for ws in stations:
        assert ws.export() == expected, f"{ws.name} differs from the hub"


def local_conflicts(ws: Workstation) -> list[dict[str, Any]]:
    with ws.db.read() as session:
        rows = session.scalars(select(SyncConflict).order_by(SyncConflict.id)).all()
        return [{"kind": c.kind, "entity": c.entity, "record_id": c.record_id, "fields": c.fields,
                 "kept": json.loads(c.kept_values), "other": json.loads(c.other_values),
                 "related_id": c.related_id, "op_site": c.op_site, "other_site": c.other_site}
                for c in rows]


def hub_rows(hub: HubService, entity: str) -> dict[str, dict[str, Any]]:
    with hub.store.read() as conn:
        return {r: json.loads(p) for r, p in conn.execute(
            select(s.hub_row.c.row_id, s.hub_row.c.payload).where(s.hub_row.c.entity == entity))}


def hub_count(hub: HubService, table: Any) -> int:
    with hub.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def outbox(ws: Workstation) -> list[dict[str, Any]]:
    with ws.db.engine.connect() as conn:
        recs = conn.execute(select(OutboxOp).order_by(OutboxOp.position)).mappings().all()
    return [_op_json(r) for r in recs]


def credential(ws: Workstation) -> str:
    value = ws.client.transport.credential  # type: ignore[attr-defined]
    assert value
    return str(value)


def site_of(ws: Workstation) -> str:
    return ws.client.state()["site_code"]


def wire(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


# --- 1. the change feed never skips a change committed out of order (PostgreSQL) -----------------

@dataclass
class Feed:
    """A puller reading the hub's change feed the way a workstation does (cursor = last seq)."""

    hub: HubService
    credential: str
    cursor: int = 0
    seqs: list[int] = field(default_factory=list)
    versions: set[tuple[str, str, int]] = field(default_factory=set)

    def poll(self) -> int:
        got = 0
        while True:
            reply = wire(self.hub.pull(self.credential, {"cursor": self.cursor, "limit": 7}))
            for change in reply["changes"]:
                self.seqs.append(change["seq"])
                self.versions.add((change["entity"], change["row_id"], change["row_version"]))
            got += len(reply["changes"])
            self.cursor = reply["cursor"]
            if not reply["more"]:
                return got


def missed(feed: Feed, pushed: list[dict[str, Any]]) -> dict[str, Any]:
    """What the puller did not receive: hub change seqs, and row versions of acknowledged ops."""
    with feed.hub.store.read() as conn:
        logged = set(conn.execute(select(s.hub_change.c.seq)).scalars())
    assert len(feed.seqs) == len(set(feed.seqs)), "a change was delivered twice"
    ops = [(r["entity"], r["row_id"], r["row_version"]) for r in pushed if r["row_version"]]
    return {"seqs": sorted(logged - set(feed.seqs)),
            "op_versions": sorted(v for v in ops if v not in feed.versions)}


def enroll_puller(hub: HubService) -> str:
    return str(hub.enroll({"code": hub.create_enroll_code("puller"), "name": "puller"})["credential"])


def waiting_on_advisory_lock(hub: HubService) -> bool:
    with hub.store.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar())


def out_of_order_scenario(hub: HubService, a: Workstation, b: Workstation,
                          monkeypatch: pytest.MonkeyPatch, pause_at: str) -> tuple[Feed, dict[str, Any], list[int]]:
    """Pusher 1 (workstation A) stops inside its push transaction; pusher 2 (B) pushes meanwhile;
    the puller polls all along; then pusher 1 goes on and commits. Returns the feed, what it
    missed, and the sequence numbers pusher 1 drew.

    ``pause_at``: "before-commit" (HubService.before_commit) or "after-seq-draw" (right after
    pusher 1 drew its sequence numbers). Only the second can expose an unserialised feed: every
    push also updates the one hub_meta 'hlc' row after drawing its numbers, and that row lock
    alone makes a pusher paused at before_commit block the other one."""
    feed = Feed(hub, enroll_puller(hub))
    feed.poll()
    for n in range(3):
        register(a, f"Pusherone{n}")
        register(b, f"Pushertwo{n}")
    paused, release = threading.Event(), threading.Event()
    drawn: list[int] = []
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def stop_here() -> None:
        if threading.current_thread().name == "pusher-1" and not paused.is_set():
            paused.set()
            assert release.wait(WAIT), "pusher 1 was never released"

    original = hub.store.next_seqs

    def next_seqs(conn: Any, count: int) -> list[int]:
        seqs = original(conn, count)
        if threading.current_thread().name == "pusher-1":
            drawn.extend(seqs)
            if pause_at == "after-seq-draw":
                stop_here()
        return seqs

    monkeypatch.setattr(hub.store, "next_seqs", next_seqs)
    if pause_at == "before-commit":
        hub.before_commit = stop_here

    def recording(ws: Workstation) -> Callable[[], None]:
        transport = ws.client.transport
        real_push = transport.push

        def push(body: dict[str, Any]) -> dict[str, Any]:
            reply = real_push(body)
            results.extend(reply["results"])
            return reply

        transport.push = push  # type: ignore[method-assign]

        def run() -> None:
            try:
                ws.client.push()
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)
        return run

    p1 = threading.Thread(target=recording(a), name="pusher-1", daemon=True)
    p2 = threading.Thread(target=recording(b), name="pusher-2", daemon=True)
    try:
        p1.start()
        assert paused.wait(WAIT), "pusher 1 never reached its pause point"
        assert drawn, "pusher 1 drew no sequence numbers"
        feed.poll()
        p2.start()
        # Pusher 2 either commits (no write serialisation) or queues behind pusher 1's lock.
        while p2.is_alive() and not (hub.store.serialize_writes and waiting_on_advisory_lock(hub)):
            p2.join(0.02)
        for _ in range(3):
            feed.poll()
    finally:
        release.set()
        p1.join(WAIT)
        p2.join(WAIT)
        hub.before_commit = None
    assert not p1.is_alive() and not p2.is_alive()
    assert not errors, errors
    feed.poll()
    assert a.client.pending_count() == b.client.pending_count() == 0
    return feed, missed(feed, results), drawn


@pytest.mark.parametrize("pause_at", ["before-commit", "after-seq-draw"])
def test_pull_never_skips_pushes_committed_out_of_order(
        clinic: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch, pause_at: str) -> None:
    hub, a, b = clinic(pg_url)
    assert hub.store.is_postgres and hub.store.serialize_writes
    feed, gaps, drawn = out_of_order_scenario(hub, a, b, monkeypatch, pause_at)
    assert gaps == {"seqs": [], "op_versions": []}
    assert set(drawn) <= set(feed.seqs)
    assert feed.seqs == sorted(feed.seqs)
    # every change reached the puller: 3 patients per workstation, each with its audit rows
    patients = {v[1] for v in feed.versions if v[0] == "patient"}
    assert len(patients) == 6
    assert len(feed.seqs) == hub_count(hub, s.hub_change)


def test_planted_bug_unserialised_writes_make_the_puller_miss_a_change(
        clinic: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same scenario on a naive ``seq > cursor`` feed: the checker must see the gap."""
    hub, a, b = clinic(pg_url)
    monkeypatch.setattr(hub.store, "serialize_writes", False)
    feed, gaps, drawn = out_of_order_scenario(hub, a, b, monkeypatch, "after-seq-draw")
    print(f"planted bug (serialize_writes=False): puller missed {gaps}")
    assert gaps["seqs"], "the checker did not notice the skipped changes"
    assert gaps["seqs"] == sorted(drawn)      # exactly pusher 1's changes, committed late
    assert gaps["op_versions"]


# --- 2. idempotent pushes --------------------------------------------------------------------------

@dataclass
class PushTemplate:
    hub_file: Path
    credential: str
    body: dict[str, Any]


def build_push_template(folder: Path) -> PushTemplate:
    """A hub with history and one workstation's outbox as a push batch: inserts, a field
    conflict, two edits of one row, vitals, an op repeated in the batch and one the hub
    quarantines."""
    hub = sqlite_hub(folder)
    a, b = pair(hub, folder)
    pid = register(a, "Idempotent")
    settle(a, b)
    b.services.patients.update(b.login("doc"), pid, phone_mobile="555-0102")
    b.sync()
    doc = a.login("doc")
    a.services.patients.update(doc, pid, phone_mobile="555-0101")     # field conflict with B
    a.services.patients.update(doc, pid, city="Testville")
    a.services.patients.update(doc, pid, city="Otherville")           # second edit of the row
    new = register(a, "Idempotentnew")
    a.services.vitals.record(doc, new, systolic=120, diastolic=80, pulse=70)
    ops = outbox(a)
    odd = copy.deepcopy(next(op for op in ops if op["entity"] == "patient"))
    odd.update(op_id=str(uuid.uuid4()), row_id=str(uuid.uuid4()), base_row_version=0)
    odd["row"] = {**odd["row"], "id": odd["row_id"], "mrn": "", "preferred_pharmacy": "Synthetic Rx"}
    ops = [*ops, ops[0], odd]
    body = wire({"site": site_of(a), "schema_version": head_revision(), "ops": ops})
    template = PushTemplate(folder / "template.db", credential(a), body)
    src = sqlite3.connect(folder / "hub.db")
    dst = sqlite3.connect(template.hub_file)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    for ws in (a, b):
        ws.close()
    hub.store.close()
    return template


def hub_state(hub: HubService) -> dict[str, Any]:
    with hub.store.read() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (s.hub_change, s.hub_row, s.hub_op, s.hub_quarantine, s.hub_unique)}
    return {"export": hub_export(hub), "op_counts": hub.op_counts(), "tables": counts}


def redelivery_problems(template: PushTemplate, k: int, lost: list[bool], dedupe: bool) -> list[str]:
    """Deliver the batch k times to a copy of the template hub (the replies flagged in ``lost``
    are dropped, as if the connection died after the hub committed); compare with one delivery."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hub.db"
        src, dst = sqlite3.connect(template.hub_file), sqlite3.connect(path)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        hub = HubService(HubStore.open(f"sqlite:///{path}"))
        hub.dedupe_ops = dedupe
        try:
            first = wire(hub.push(template.credential, copy.deepcopy(template.body)))
            once = hub_state(hub)
            problems = []
            for n in range(1, k):
                reply = wire(hub.push(template.credential, copy.deepcopy(template.body)))
                if lost[n % len(lost)]:
                    continue   # the workstation never saw this reply and will send again
                if reply != first:
                    diff = [r["op_id"] for r, f in zip(reply["results"], first["results"], strict=True)
                            if r != f]
                    problems.append(f"delivery {n + 1}: results differ for ops {diff}")
            again = hub_state(hub)
            for key in ("op_counts", "tables"):
                if again[key] != once[key]:
                    problems.append(f"{key} differ: once {once[key]}, {k} times {again[key]}")
            if again["export"] != once["export"]:
                problems.append("hub export differs")
            statuses = [r["status"] for r in first["results"]]
            assert {"applied", "conflict", "quarantined"} <= set(statuses), statuses
        finally:
            hub.store.close()
    return problems


def test_push_is_idempotent_even_when_replies_are_lost(tmp_path: Path) -> None:
    template = build_push_template(tmp_path)

    @settings(max_examples=10, deadline=None, database=None)
    @given(k=st.integers(min_value=2, max_value=4), lost=st.lists(st.booleans(), min_size=1, max_size=4))
    def delivered_k_times(k: int, lost: list[bool]) -> None:
        assert redelivery_problems(template, k, lost, dedupe=True) == []

    delivered_k_times()


class LosingTransport(LocalTransport):
    """Delivers the first push to the hub, then loses its reply (the hub has committed)."""

    lost = 0

    def push(self, body: Any) -> Any:
        reply = super().push(body)
        if not self.lost:
            self.lost += 1
            raise HubUnreachable("The practice hub cannot be reached (reply lost, synthetic).")
        return reply


def test_lost_push_reply_is_answered_from_the_stored_results(clinic: Any) -> None:
    hub, a, b = clinic(None)
    pid = register(a, "Lostreply")
    a.services.patients.update(a.login("doc"), pid, city="Twice Town")
    queued = a.client.pending_count()
    before = hub_state(hub)
    client = SyncClient(a.db, LosingTransport(hub, credential(a)))
    with pytest.raises(HubUnreachable):
        client.sync_once()
    assert client.pending_count() == queued            # nothing acknowledged without a reply
    committed = hub_state(hub)
    assert committed["tables"]["hub_op"] == before["tables"]["hub_op"] + queued
    report = client.sync_once()                        # the same ops again: stored answers
    assert report.pushed == queued and client.pending_count() == 0
    again = hub_state(hub)
    assert again["tables"] == committed["tables"] and again["op_counts"] == committed["op_counts"]
    assert again["export"] == committed["export"]
    settle(a, b)
    assert_converged(hub, a, b)


def test_planted_bug_forgetting_seen_ops_breaks_idempotence(tmp_path: Path) -> None:
    template = build_push_template(tmp_path)
    problems = redelivery_problems(template, 2, [False], dedupe=False)
    print("planted bug (dedupe_ops=False):", *problems, sep="\n  ")
    assert problems
    assert "hub export differs" in problems


# --- 5. upgrade safety ------------------------------------------------------------------------------

def queue_raw_op(ws: Workstation, op: dict[str, Any]) -> None:
    """Put an op in the outbox as an older (or newer) version of the app would have written it."""
    with ws.client._write() as conn:
        top = conn.execute(select(func.coalesce(func.max(OutboxOp.position), 0))).scalar_one()
        conn.execute(insert(OutboxOp).values(
            op_id=uuid.UUID(op["op_id"]), position=top + 1, entity=op["entity"],
            row_id=uuid.UUID(op["row_id"]), base_row_version=op["base_row_version"],
            changed_fields=op["changed_fields"], payload=op["row"], hlc=op["hlc"],
            user_id=uuid.UUID(op["user_id"]) if op["user_id"] else None,
            schema_version=op["schema_version"], created_at=datetime.now(UTC), attempts=0))


def test_old_schema_ops_get_defaults_and_newer_ones_are_quarantined(clinic: Any) -> None:
    hub, a, b = clinic(None)
    admin = a.login("admin")
    stamp = a.db.clock.now().encode()
    practice = next(iter(hub_rows(hub, "practice").values()))
    # A practice row queued by revision 0001, before 0002 added the security settings.
    added_later = ("lockout_threshold", "lockout_minutes", "idle_lock_minutes")
    old_row = {k: v for k, v in practice.items() if k not in added_later}
    old_id = str(uuid.uuid4())
    old_row.update(id=old_id, name="Second Site (synthetic)", row_version=0, updated_hlc=stamp)
    old = {"op_id": str(uuid.uuid4()), "entity": "practice", "row_id": old_id, "base_row_version": 0,
           "changed_fields": sorted(set(old_row) - {"id", "row_version", "updated_hlc", "updated_by",
                                                   "origin_site"}),
           "row": old_row, "hlc": stamp, "user_id": str(admin.user_id), "schema_version": "0001"}
    # A newer workstation: a record type and a patient column this hub does not know.
    pid = register(a, "Upgrade")
    a.sync()
    patient = hub_rows(hub, "patient")[str(pid)]
    new_entity = {"op_id": str(uuid.uuid4()), "entity": "telehealth_session", "row_id": str(uuid.uuid4()),
                  "base_row_version": 0, "changed_fields": ["patient_id", "platform"],
                  "row": {"patient_id": str(pid), "platform": "synthetic-video"}, "hlc": stamp,
                  "user_id": str(a.login("doc").user_id), "schema_version": "9999"}
    new_entity["row"]["id"] = new_entity["row_id"]
    new_field = {"op_id": str(uuid.uuid4()), "entity": "patient", "row_id": str(pid),
                 "base_row_version": patient["row_version"], "changed_fields": ["preferred_pharmacy"],
                 "row": {**patient, "preferred_pharmacy": "Synthetic Rx"}, "hlc": stamp,
                 "user_id": str(a.login("doc").user_id), "schema_version": "9999"}
    for op in (old, new_entity, new_field):
        queue_raw_op(a, op)
    counts_before = hub.op_counts()
    report = a.sync()
    assert report.quarantined == 2 and a.client.pending_count() == 0

    # the old op: applied, missing columns took their defaults, everywhere
    assert hub.op_statuses()[old["op_id"]] == "applied"
    stored = hub_rows(hub, "practice")[old_id]
    assert (stored["lockout_threshold"], stored["lockout_minutes"], stored["idle_lock_minutes"]) == (5, 15, 10)
    settle(a, b)
    assert_converged(hub, a, b)

    # the newer ops: quarantined with the whole op kept, counted, audited, reported locally
    with hub.store.read() as conn:
        kept = {r["op_id"]: r for r in conn.execute(select(s.hub_quarantine)).mappings()}
        audited = conn.execute(select(func.count()).select_from(s.hub_audit).where(
            s.hub_audit.c.event == "op-quarantined")).scalar_one()
    for op in (new_entity, new_field):
        assert hub.op_statuses()[op["op_id"]] == "quarantined"
        assert op["op_id"] in kept
        assert json.loads(kept[op["op_id"]]["op"])["row"] == op["row"]
        assert json.loads(kept[op["op_id"]]["op"])["entity"] == op["entity"]
    assert "telehealth_session" in kept[new_entity["op_id"]]["reason"]
    assert "preferred_pharmacy" in kept[new_field["op_id"]]["reason"]
    assert audited >= 2
    assert hub.op_counts()["quarantined"] == counts_before.get("quarantined", 0) + 2
    with a.db.read() as session:
        rejected = set(session.scalars(select(SyncRejection.op_id)))
    assert {uuid.UUID(new_entity["op_id"]), uuid.UUID(new_field["op_id"])} <= rejected
    assert "preferred_pharmacy" not in hub_rows(hub, "patient")[str(pid)]


# --- 6. conflict rules by kind of record ------------------------------------------------------------

@pytest.fixture
def two(clinic: Any) -> tuple[HubService, Workstation, Workstation]:
    return clinic(None)


def shared_patient(a: Workstation, b: Workstation, family: str = "Ruletest") -> uuid.UUID:
    pid = register(a, family)
    settle(a, b)
    return pid


def test_edit_of_a_note_signed_elsewhere_becomes_an_addendum_draft(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    note = a.services.notes.create(a.login("doc"), patient_id=pid, subjective="Original text.")
    settle(a, b)
    a.services.notes.sign(a.login("doc"), note.id)
    a.sync()
    b.services.notes.update(b.login("doc2"), note.id, subjective="Edited after signing elsewhere.")
    report = b.sync()
    assert report.conflicts == 1
    settle(a, b)
    assert_converged(hub, a, b)
    signed = a.services.notes.get(a.login("doc"), note.id)
    assert signed.status == NoteStatus.SIGNED.value and signed.subjective == "Original text."
    assert a.services.notes.verify_signature(signed)
    drafts = [n for n in a.services.notes.list_for_patient(a.login("doc"), pid) if n.addendum_to_id == note.id]
    assert len(drafts) == 1
    assert drafts[0].status == NoteStatus.DRAFT.value
    assert drafts[0].subjective == "Edited after signing elsewhere."
    found = local_conflicts(b)
    assert [c["kind"] for c in found] == [ConflictKind.SIGNED_EDIT.value]
    assert found[0]["record_id"] == note.id and found[0]["related_id"] == drafts[0].id


def test_concurrent_signatures_keep_one_signed_and_the_other_as_addendum(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    note = a.services.notes.create(a.login("doc"), patient_id=pid, assessment="Stable.")
    settle(a, b)
    a.services.notes.sign(a.login("doc"), note.id)
    b.services.notes.sign(b.login("doc2"), note.id)
    a.sync()
    b.sync()
    settle(a, b)
    assert_converged(hub, a, b)
    doc = a.login("doc")
    signed = a.services.notes.get(doc, note.id)
    assert signed.status == NoteStatus.SIGNED.value
    assert signed.signed_by_id == doc.user_id          # first to reach the hub
    assert a.services.notes.verify_signature(signed)
    notes = a.services.notes.list_for_patient(doc, pid)
    addenda = [n for n in notes if n.addendum_to_id == note.id]
    assert len(addenda) == 1 and addenda[0].status == NoteStatus.DRAFT.value
    assert addenda[0].author_id == b.login("doc2").user_id
    assert addenda[0].assessment == "Stable."
    assert [n.id for n in notes if n.status == NoteStatus.SIGNED.value] == [note.id]
    assert [c["kind"] for c in local_conflicts(a)] == [ConflictKind.SIGNED_EDIT.value]


def test_concurrent_draft_edits_keep_both_texts(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    note = a.services.notes.create(a.login("doc"), patient_id=pid, subjective="Start.")
    settle(a, b)
    a.services.notes.update(a.login("doc"), note.id, subjective="Text written on A.")
    b.services.notes.update(b.login("doc"), note.id, subjective="Text written on B.")
    a.sync()
    assert b.sync().conflicts == 1
    settle(a, b)
    assert_converged(hub, a, b)
    found = local_conflicts(a)
    assert len(found) == 1 and found[0]["kind"] == ConflictKind.DRAFT.value
    texts = {found[0]["kept"]["subjective"], found[0]["other"]["subjective"]}
    assert texts == {"Text written on A.", "Text written on B."}
    assert a.services.notes.get(a.login("doc"), note.id).status == NoteStatus.DRAFT.value


def test_concurrent_vitals_and_immunizations_are_a_union(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    a.services.vitals.record(a.login("nurse"), pid, systolic=118, diastolic=76)
    b.services.vitals.record(b.login("nurse"), pid, pulse=64, temperature=36.8)
    for ws, lot in ((a, "LOT-A"), (b, "LOT-B")):
        ws.services.immunizations.create(ws.login("nurse"), patient_id=pid, cvx_code="141",
                                         vaccine="Influenza, seasonal", kind="given",
                                         occurrence_date=date.today(), lot_number=lot)
    a.sync()
    report = b.sync()
    assert report.conflicts == 0
    settle(a, b)
    assert_converged(hub, a, b)
    for ws in (a, b):
        nurse = ws.login("nurse")
        assert len(ws.services.vitals.list_for_patient(nurse, pid)) == 4
        lots = {i.lot_number for i in ws.services.immunizations.list_for_patient(nurse, pid)}
        assert lots == {"LOT-A", "LOT-B"}
        assert local_conflicts(ws) == []


@pytest.mark.parametrize("first", ["removal", "edit"])
def test_allergy_removal_racing_an_edit_stays_active_and_flagged(two: Any, first: str) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    allergy = a.services.allergies.create(a.login("doc"), patient_id=pid, substance="Penicillin",
                                          reaction="rash")
    settle(a, b)
    a.services.allergies.set_status(a.login("doc"), allergy.id, AllergyStatus.INACTIVE, "entered twice")
    b.services.allergies.update(b.login("doc"), allergy.id, reaction="hives and wheeze")
    order = (a, b) if first == "removal" else (b, a)
    order[0].sync()
    assert order[1].sync().conflicts == 1
    settle(a, b)
    assert_converged(hub, a, b)
    for ws in (a, b):
        kept = ws.services.allergies.get(ws.login("doc"), allergy.id)
        assert kept.status == AllergyStatus.ACTIVE.value
        assert kept.record_status == RecordStatus.ACTIVE.value
        assert kept.reaction == "hives and wheeze"
        assert [c["kind"] for c in local_conflicts(ws)] == [ConflictKind.REMOVAL_EDIT.value]


@pytest.mark.parametrize("first", ["a", "b"])
def test_same_demographic_field_later_stamp_wins_loser_kept(two: Any, first: str) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    a.services.patients.update(a.login("desk"), pid, phone_mobile="555-0111")
    b.services.patients.update(b.login("desk"), pid, phone_mobile="555-0222")
    stamps = {ws.name: [op["hlc"] for op in outbox(ws) if op["entity"] == "patient"][-1] for ws in (a, b)}
    later = max(stamps, key=lambda name: stamps[name])
    winner = {"a": "555-0111", "b": "555-0222"}[later]
    loser = ({"555-0111", "555-0222"} - {winner}).pop()
    order = (a, b) if first == "a" else (b, a)
    order[0].sync()
    assert order[1].sync().conflicts == 1
    settle(a, b)
    assert_converged(hub, a, b)
    for ws in (a, b):
        assert ws.services.patients.get(ws.login("desk"), pid).phone_mobile == winner
        found = local_conflicts(ws)
        assert [c["kind"] for c in found] == [ConflictKind.FIELD.value]
        assert found[0]["kept"]["phone_mobile"] == winner     # (with the derived search key)
        assert found[0]["other"]["phone_mobile"] == loser


def test_different_demographic_fields_both_apply(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    a.services.patients.update(a.login("desk"), pid, phone_mobile="555-0333")
    b.services.patients.update(b.login("desk"), pid, city="Synthetic City")
    a.sync()
    assert b.sync().conflicts == 0
    settle(a, b)
    assert_converged(hub, a, b)
    got = b.services.patients.get(b.login("desk"), pid)
    assert (got.phone_mobile, got.city) == ("555-0333", "Synthetic City")
    assert local_conflicts(a) == local_conflicts(b) == []


def test_same_slot_booked_on_two_workstations_first_push_wins(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    other = shared_patient(a, b, "Slotrival")
    doc_id = a.login("doc").user_id
    start = datetime(2031, 5, 6, 14, 0, tzinfo=UTC)
    booked = {}
    for ws, patient in ((a, pid), (b, other)):
        booked[ws.name] = ws.services.appointments.create(
            ws.login("desk"), patient_id=patient, provider_id=doc_id, start_time=start,
            end_time=start + timedelta(minutes=20), appointment_type="office-visit").id
    b.sync()            # B reaches the hub first
    assert a.sync().conflicts == 1
    settle(a, b)
    assert_converged(hub, a, b)
    for ws in (a, b):
        desk = ws.login("desk")
        winner = ws.services.appointments.get(desk, booked["b"])
        loser = ws.services.appointments.get(desk, booked["a"])
        assert winner.record_status == RecordStatus.ACTIVE.value
        assert loser.record_status == RecordStatus.INACTIVE.value
        assert "already booked" in loser.record_status_reason
        found = local_conflicts(ws)
        assert [c["kind"] for c in found] == [ConflictKind.SLOT_TAKEN.value]
        assert found[0]["record_id"] == booked["a"] and found[0]["related_id"] == booked["b"]
        day = ws.services.appointments.between(desk, start - timedelta(hours=1), start + timedelta(hours=1),
                                               provider_id=doc_id)
        assert [x.id for x in day] == [booked["b"]]


def duplicate_users(hub: HubService, a: Workstation, b: Workstation) -> Any:
    for ws in (a, b):
        ws.services.users.create_user(ws.login("admin"), username="samsynth", display_name=f"Sam {ws.name}",
                                      password=PASSWORD, roles=("nurse",))
    assert a.sync().quarantined == 0
    return b.client.push()


def test_duplicate_username_created_offline_second_is_quarantined(two: Any) -> None:
    hub, a, b = two
    report = duplicate_users(hub, a, b)
    assert report.quarantined >= 1
    users = [u for u in hub_rows(hub, "user_account").values() if u["username"] == "samsynth"]
    assert len(users) == 1 and users[0]["display_name"] == "Sam a"
    with hub.store.read() as conn:
        reasons = [json.loads(op)["entity"] + ": " + reason for op, reason in conn.execute(
            select(s.hub_quarantine.c.op, s.hub_quarantine.c.reason).where(
                s.hub_quarantine.c.site == site_of(b)))]
    assert any(r.startswith("user_account: user_account.username already used") for r in reasons), reasons
    assert len(reasons) == report.quarantined
    with b.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncRejection)) == report.quarantined
    assert a.client.pending_count() == b.client.pending_count() == 0


def test_workstation_keeps_syncing_after_its_duplicate_username_was_quarantined(two: Any) -> None:
    hub, a, b = two
    duplicate_users(hub, a, b)
    b.sync()
    assert any(u.username == "samsynth" and u.display_name == "Sam a"
               for u in b.services.users.list_users(b.login("admin")))


def test_op_stamped_beyond_the_drift_limit_is_quarantined(two: Any) -> None:
    hub, a, b = two
    pid = shared_patient(a, b)
    behind = HubService(hub.store, wall=lambda: wall_ms() - 10 * 60 * 1000)   # hub clock 10 min slow
    a.services.patients.update(a.login("desk"), pid, city="Drift City")
    queued = a.client.pending_count()     # the patient edit and its audit entries
    report = SyncClient(a.db, LocalTransport(behind, credential(a))).push()
    assert report.quarantined == queued and report.applied == report.conflicts == 0
    with hub.store.read() as conn:
        reasons = conn.execute(select(s.hub_quarantine.c.reason)).scalars().all()
    assert len(reasons) == queued
    assert all("workstation clock ahead of the hub" in r for r in reasons), reasons
    assert hub_rows(hub, "patient")[str(pid)]["city"] != "Drift City"
    with a.db.read() as session:
        messages = session.scalars(select(SyncRejection.message)).all()
    assert len(messages) == queued and all("clock" in m for m in messages)
