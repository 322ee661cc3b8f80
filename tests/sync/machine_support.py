"""Support for the sync property suite (tests/sync/test_state_machine.py): a template practice
(hub + three synced workstations) built once per test and copied per example, the ledger of what
the test did, and the checkers for the issue's properties as plain functions (so a meta-test can
show they fail on a planted bug).

Everything here is synthetic: made-up names, phone numbers and clinical text.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import AllergyStatus, ConflictKind, NoteStatus, RecordStatus
from emr_desktop.domain.signing import NOTE_SIGNED_FIELDS
from emr_desktop.models.sync import OutboxOp, SyncRejection
from emr_desktop.server import schema as s
from emr_desktop.server.rules import signed_note_intact
from emr_desktop.server.service import HubService
from emr_desktop.server.store import HubStore, normalise_url
from emr_desktop.sync.capture import BOOKKEEPING, SITE_STATE_KEY
from emr_desktop.sync.hlc import Stamp
from emr_desktop.sync.protocol import HubUnreachable
from emr_desktop.sync.rows import ENTITIES, Row, canonical_rows
from emr_desktop.sync.transport import LocalTransport
from tests.sync.harness import (
    Workstation,
    first_workstation,
    hub_export,
    new_workstation,
    open_workstation,
)
from tests.sync.network import InFlight, SimulatedNetwork

NAMES = ("ws0", "ws1", "ws2")
STAFF = ("doc", "nurse", "desk")
HUB_FILE = "hub.db"
NOTE = "clinical_note"


# --- the template practice ------------------------------------------------------------------------

@dataclass
class Seed:
    """Records present in every copy from the start (so rules have something to work on)."""

    patients: list[uuid.UUID] = field(default_factory=list)
    notes: list[uuid.UUID] = field(default_factory=list)
    allergies: list[uuid.UUID] = field(default_factory=list)
    vitals: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Template:
    root: Path                   # holds ws0, ws1, ws2 (and hub.db for the embedded hub)
    hub_url: str                 # SQLite: the template file's URL; PostgreSQL: the template database
    actors: dict[str, Actor]
    seed: Seed
    baseline_ops: frozenset[str]  # every op the hub had recorded when the template was closed

    @property
    def postgres(self) -> bool:
        return not self.hub_url.startswith("sqlite:")


def build_template(root: Path, hub_url: str | None = None, *, patients: int = 2) -> Template:
    """A hub and three workstations (ws0 joined the empty hub with the practice, ws1 and ws2
    bootstrapped from it), staff doc/nurse/desk, a few synced records; everything closed."""
    root.mkdir(parents=True, exist_ok=True)
    hub_url = hub_url or f"sqlite:///{root / HUB_FILE}"
    HubStore.init(hub_url).close()   # (not harness.make_hub: its init engine would stay open, and
    hub = HubService(HubStore.open(hub_url))   # PostgreSQL copies a template only when idle)
    workstations: list[Workstation] = []
    try:
        workstations.append(first_workstation(hub, root / NAMES[0]))
        for name in NAMES[1:]:
            workstations.append(new_workstation(hub, root / name))
        first = workstations[0]
        actors = {name: first.login(name) for name in STAFF}
        seed = Seed()
        doc, nurse = actors["doc"], actors["nurse"]
        svc = first.services
        for n in range(patients):
            p = svc.patients.register(actors["desk"], family_name=f"Synthtest{n}", given_name="Ana",
                                      birth_date=date(1970 + n, 1, 2), sex="female",
                                      phone_mobile="555-0100")
            seed.patients.append(p.id)
            enc = svc.encounters.start(doc, p.id, "office-visit", reason="synthetic visit")
            note = svc.notes.create(doc, patient_id=p.id, encounter_id=enc.id, title="Visit",
                                    subjective="S0", plan="P0")
            seed.notes.append(note.id)
            allergy = svc.allergies.create(nurse, patient_id=p.id, substance=f"Synthcillin{n}",
                                           category="medication", reaction="hives", severity="mild")
            seed.allergies.append(allergy.id)
            seed.vitals += [v.id for v in svc.vitals.record(nurse, p.id, systolic=120, diastolic=80)]
        for _ in range(2):
            for ws in workstations:
                ws.sync()
        assert all(ws.client.pending_count() == 0 for ws in workstations)
        exports = {ws.export() for ws in workstations} | {hub_export(hub)}
        assert len(exports) == 1, "the template practice did not converge"
        baseline = frozenset(hub.op_statuses())
    finally:
        for ws in workstations:
            ws.close()
        hub.store.close()
    return Template(root, hub_url, actors, seed, baseline)


# --- one example's world: a copy of the template ----------------------------------------------------

def _admin_conninfo(url: str) -> tuple[str, str]:
    parsed = make_url(normalise_url(url))
    conninfo = (f"host={parsed.host} port={parsed.port or 5432} user={parsed.username} "
                f"dbname=postgres")
    return conninfo, str(parsed.database)


def copy_postgres_database(template_url: str) -> str:
    """CREATE DATABASE ... TEMPLATE on the same cluster (the template must have no connections)."""
    conninfo, template = _admin_conninfo(template_url)
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    return template_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    conninfo, name = _admin_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


#: Small push and pull pages, so that a sync takes several calls and can fail between them.
PUSH_BATCH = 5
PULL_LIMIT = 10


@dataclass
class Cluster:
    """One example's practice. ``hubs`` are two hub service instances over the one hub database
    (as two server processes would be); workstation i talks to ``hubs[i % 2]``."""

    hubs: list[HubService]
    hub_url: str
    workstations: list[Workstation]
    links: list[SimulatedNetwork]
    in_flight: InFlight
    root: Path
    postgres: bool

    @property
    def hub(self) -> HubService:
        return self.hubs[0]

    def set_dedupe(self, dedupe: bool) -> None:
        for hub in self.hubs:
            hub.dedupe_ops = dedupe

    def restart(self, i: int) -> Workstation:
        """Close workstation i and open its data folder again (same network link)."""
        old = self.workstations[i]
        old.close()
        ws = open_workstation(self.root / old.name, lambda _credential: self.links[i])
        _tune(ws)
        self.workstations[i] = ws
        return ws

    def restart_hub(self, k: int) -> HubService:
        """Replace hub instance k by a freshly started one (its clock comes from the database)."""
        old = self.hubs[k]
        new = HubService(HubStore.open(self.hub_url))
        new.dedupe_ops = old.dedupe_ops
        for link in self.links:
            if link.inner.service is old:
                link.inner.service = new   # held messages travel on these same transports
        self.hubs[k] = new
        old.store.close()
        return new

    def close(self) -> None:
        for ws in self.workstations:
            ws.close()
        for hub in self.hubs:
            hub.store.close()
        if self.postgres:
            drop_postgres_database(self.hub_url)
        shutil.rmtree(self.root, ignore_errors=True)


def _tune(ws: Workstation) -> None:
    ws.client.push_batch = PUSH_BATCH
    ws.client.pull_limit = PULL_LIMIT


def open_cluster(template: Template, dest: Path) -> Cluster:
    """A private copy of the template: its own hub database and workstation folders."""
    shutil.copytree(template.root, dest)
    if template.postgres:
        hub_url = copy_postgres_database(template.hub_url)
    else:
        hub_url = f"sqlite:///{dest / HUB_FILE}"
    hubs: list[HubService] = []
    in_flight = InFlight()
    links: list[SimulatedNetwork] = []
    workstations: list[Workstation] = []

    def link_for(index: int):
        def make(credential: str) -> SimulatedNetwork:
            hub = hubs[index % len(hubs)]
            link = SimulatedNetwork(LocalTransport(hub, credential), name=NAMES[index],
                                    in_flight=in_flight)
            links.append(link)
            return link
        return make

    try:
        for _ in range(2):
            hubs.append(HubService(HubStore.open(hub_url)))
        for index, name in enumerate(NAMES):
            workstations.append(open_workstation(dest / name, link_for(index)))
            _tune(workstations[-1])
    except BaseException:
        for ws in workstations:
            ws.close()
        for hub in hubs:
            hub.store.close()
        if template.postgres:
            drop_postgres_database(hub_url)
        raise
    return Cluster(hubs, hub_url, workstations, links, in_flight, dest, template.postgres)


# --- the ledger: what the test did, for the checkers ------------------------------------------------

@dataclass
class Ledger:
    baseline_ops: frozenset[str]
    created_ops: set[str] = field(default_factory=set)
    #: note id -> (signature hash, signed content) when first seen signed at the hub
    signed: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    #: (workstation, note id) -> (signature hash, signed content) last seen signed there
    local_signed: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    #: (note id, signature hash) of local signatures that lost to a concurrent one at the hub
    superseded: set[tuple[str, str]] = field(default_factory=set)
    #: allergies some workstation marked inactive (a removal)
    removed_allergies: set[str] = field(default_factory=set)
    #: how many concurrent edits the conflict oracle has matched with their conflict record
    oracle_conflicts: int = 0
    #: ops on ORACLE_ENTITIES as written, by op id
    written: dict[str, WrittenOp] = field(default_factory=dict)
    #: highest HLC seen per workstation name (and per hub instance: "hub0", "hub1")
    hlc: dict[str, Stamp] = field(default_factory=dict)


def outbox(ws: Workstation) -> dict[str, str]:
    """op id -> HLC of every op waiting in a workstation's outbox."""
    with ws.db.engine.connect() as conn:
        return {str(op_id): hlc for op_id, hlc in conn.execute(select(OutboxOp.op_id, OutboxOp.hlc))}


@dataclass(frozen=True)
class WrittenOp:
    """An op as its workstation wrote it (kept for the conflict oracle)."""

    site: str
    entity: str
    row_id: str
    base_row_version: int
    changed_fields: tuple[str, ...]
    row: Row


#: Entities whose ops the conflict oracle (check_conflicts_complete) records.
ORACLE_ENTITIES = ("patient", NOTE)


def collect_ops(ws: Workstation, ledger: Ledger) -> set[str]:
    """Record the ops a workstation wrote since the last look; each must carry a stamp later than
    anything its clock had issued before (the HLC never runs backwards)."""
    fresh = {op: hlc for op, hlc in outbox(ws).items()
             if op not in ledger.created_ops and op not in ledger.baseline_ops}
    before = ledger.hlc.get(ws.name)
    for op, hlc in fresh.items():
        stamp = Stamp.decode(hlc)
        assert before is None or (stamp.ms, stamp.counter) > (before.ms, before.counter), (
            f"{ws.name}: op {op} stamped {hlc}, not after its clock's earlier {before.encode()}")
    if fresh:
        site = ws.db.clock.site
        with ws.db.engine.connect() as conn:
            for rec in conn.execute(select(OutboxOp).where(
                    OutboxOp.entity.in_(ORACLE_ENTITIES))).mappings():
                op = str(rec["op_id"])
                if op in fresh:
                    ledger.written[op] = WrittenOp(site, rec["entity"], str(rec["row_id"]),
                                                   rec["base_row_version"],
                                                   tuple(rec["changed_fields"]), dict(rec["payload"]))
    ledger.created_ops |= fresh.keys()
    return set(fresh)


def check_hlc(cluster: Cluster, ledger: Ledger) -> None:
    """Every workstation's clock (and the hub's) only moves forward."""
    clocks = {ws.name: ws.db.clock for ws in cluster.workstations}
    for n, hub in enumerate(cluster.hubs):
        clocks[f"hub{n}"] = hub.clock
    for name, clock in clocks.items():
        now = clock.last
        before = ledger.hlc.get(name)
        assert before is None or (now.ms, now.counter) >= (before.ms, before.counter), (
            f"{name}: HLC went backwards from {before.encode()} to {now.encode()}")
        ledger.hlc[name] = now


def sync_quietly(ws: Workstation) -> bool:
    """One sync round; False when the (simulated) network failed it."""
    try:
        ws.sync()
    except HubUnreachable:
        return False
    return True


def check_failed_sync_kept_ops(ws: Workstation, before: set[str], hub: HubService) -> None:
    """A sync that failed half-way removed only ops the hub has answered for."""
    gone = before - set(outbox(ws))
    known = set(hub.op_statuses())
    lost = gone - known
    assert not lost, f"{ws.name}: ops left the outbox without reaching the hub: {sorted(lost)[:3]}"


def drain(cluster: Cluster, *, rounds: int = 6) -> None:
    """Heal the network, let everything in flight arrive, sync until every outbox is empty, then
    one more round so every workstation pulls what the others pushed last."""
    for link in cluster.links:
        link.heal()
    cluster.in_flight.deliver_all()
    for _ in range(rounds):
        for ws in cluster.workstations:
            ws.sync()
        if all(ws.client.pending_count() == 0 for ws in cluster.workstations):
            break
    pending = {ws.name: ws.client.pending_count() for ws in cluster.workstations}
    assert not any(pending.values()), f"outboxes do not drain: {pending}"
    for ws in cluster.workstations:
        ws.sync()


# --- reading rows ------------------------------------------------------------------------------------

def hub_rows(hub: HubService, entity: str) -> dict[str, Row]:
    with hub.store.read() as conn:
        return {row_id: json.loads(payload) for row_id, payload in conn.execute(
            select(s.hub_row.c.row_id, s.hub_row.c.payload).where(s.hub_row.c.entity == entity))}


def ws_rows(ws: Workstation, entity: str) -> dict[str, Row]:
    ent = ENTITIES[entity]
    with ws.db.engine.connect() as conn:
        ids = conn.execute(select(ent.table.c.id)).scalars().all()
        return canonical_rows(conn, ent, ids)


def replica_rows(cluster: Cluster, entity: str) -> dict[str, dict[str, Row]]:
    out = {ws.name: ws_rows(ws, entity) for ws in cluster.workstations}
    out["hub"] = hub_rows(cluster.hub, entity)
    return out


# --- the checkers ----------------------------------------------------------------------------------------

def _first_difference(a: str, b: str) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            at = next((k for k, (p, q) in enumerate(zip(x, y, strict=False)) if p != q),
                      min(len(x), len(y)))
            lo = max(0, at - 120)
            return f"line {i}, column {at}:\n  ...{x[lo:at + 120]}\n  ...{y[lo:at + 120]}"
    return f"lengths {len(la)} vs {len(lb)} lines"


def check_convergence(cluster: Cluster) -> None:
    """(1) Every replica's canonical export equals the hub's."""
    reference = hub_export(cluster.hub)
    for ws in cluster.workstations:
        exported = ws.export()
        assert exported == reference, (
            f"{ws.name} does not converge with the hub: {_first_difference(exported, reference)}")


def check_conservation(cluster: Cluster, ledger: Ledger) -> None:
    """(2) ops created = applied + conflicts + quarantined, by op id: each op the workstations wrote
    has exactly one outcome at the hub, took effect at most once, and nothing else is there."""
    hub = cluster.hub
    for ws in cluster.workstations:
        assert ws.client.pending_count() == 0, f"{ws.name} still has ops waiting"
    statuses = hub.op_statuses()
    expected = ledger.created_ops | ledger.baseline_ops
    missing, unknown = expected - statuses.keys(), statuses.keys() - expected
    assert not missing, f"{len(missing)} op(s) never reached the hub, e.g. {sorted(missing)[:3]}"
    assert not unknown, f"the hub holds {len(unknown)} op(s) nobody wrote, e.g. {sorted(unknown)[:3]}"
    counts = Counter(statuses[op] for op in ledger.created_ops)
    assert counts["applied"] + counts["conflict"] + counts["quarantined"] == len(ledger.created_ops), (
        f"op outcomes {dict(counts)} do not add up to {len(ledger.created_ops)} ops")
    with hub.store.read() as conn:
        repeated = conn.execute(
            select(s.hub_change.c.op_id, func.count()).where(s.hub_change.c.op_id.is_not(None))
            .group_by(s.hub_change.c.op_id).having(func.count() > 1)).all()
        quarantine = set(conn.execute(select(s.hub_quarantine.c.op_id)).scalars())
        changed_by = set(conn.execute(select(s.hub_change.c.op_id).where(
            s.hub_change.c.op_id.is_not(None))).scalars())
        op_sites = dict(conn.execute(select(s.hub_op.c.op_id, s.hub_op.c.site)).tuples().all())
        op_conflicts = {op: json.loads(ids) for op, ids in conn.execute(
            select(s.hub_op.c.op_id, s.hub_op.c.conflict_ids).where(s.hub_op.c.status == "conflict"))}
    assert not repeated, f"op(s) applied more than once at the hub: {[tuple(r) for r in repeated[:3]]}"
    quarantined = {op for op, st in statuses.items() if st == "quarantined"}
    assert quarantine == quarantined, "quarantined ops and kept payloads differ"
    assert not quarantined & changed_by, "a quarantined op changed a row"
    conflicts = hub_rows(hub, "sync_conflict")
    by_op: dict[str, set[str]] = {}
    for cid, row in conflicts.items():
        if row.get("op_id"):
            by_op.setdefault(str(row["op_id"]), set()).add(cid)
    assert set(by_op) == set(op_conflicts), (
        "ops with status 'conflict' and ops named by conflict records differ: "
        f"{sorted(set(by_op) ^ set(op_conflicts))[:3]}")
    for op, ids in op_conflicts.items():
        assert set(ids) == by_op[op], f"op {op}: its conflict ids do not match the conflict records"
    rejected: dict[str, set[str]] = {}
    for ws in cluster.workstations:
        with ws.db.engine.connect() as conn:
            site = conn.exec_driver_sql("SELECT value FROM sync_state WHERE key = ?",
                                        (SITE_STATE_KEY,)).scalar()
            rejected[str(site)] = {str(op) for op in conn.execute(select(SyncRejection.op_id)).scalars()}
    for op in quarantined & ledger.created_ops:
        site = op_sites[op]
        assert op in rejected.get(site, set()), f"quarantined op {op} was never reported to {site}"


def _pending_rows(ws: Workstation) -> set[str]:
    with ws.db.engine.connect() as conn:
        return {str(r) for r in conn.execute(select(OutboxOp.row_id)).scalars()}


def check_signed_notes(cluster: Cluster, ledger: Ledger,
                       rows: dict[str, dict[str, Row]] | None = None) -> None:
    """(6) Signed notes are immutable.

    - Every signed note, on every replica, matches its signature hash.
    - At the hub, a signed note's content and hash never change once signed there.
    - On a workstation, a signed note never becomes unsigned, and it differs from the hub's
      signed version only while this workstation's own signature of it waits in the outbox. Two
      workstations that sign the same draft offline cannot both win: the hub keeps the first
      signature and the other is superseded by it (never by anything else), and the final check
      requires the superseded signature to be kept in a signed-edit conflict record.
    """
    rows = rows if rows is not None else replica_rows(cluster, NOTE)
    hub_notes = rows.get("hub", {})
    for note_id, row in hub_notes.items():
        if row.get("status") == NoteStatus.SIGNED.value:
            assert signed_note_intact(row), f"hub: signed note {note_id} fails its hash"
            current = (row["signature_hash"], {f: row.get(f) for f in NOTE_SIGNED_FIELDS})
            first = ledger.signed.setdefault(note_id, current)
            assert current == first, f"hub: signed note {note_id} changed after signing"
        elif note_id in ledger.signed:
            raise AssertionError(f"hub: note {note_id} was signed and is no longer")
    by_name = {ws.name: ws for ws in cluster.workstations}
    for replica, notes in rows.items():
        if replica == "hub":
            continue
        pending: set[str] | None = None
        for note_id, row in notes.items():
            key = (replica, note_id)
            if row.get("status") != NoteStatus.SIGNED.value:
                assert key not in ledger.local_signed, (
                    f"{replica}: note {note_id} was signed and is no longer")
                continue
            assert signed_note_intact(row), f"{replica}: signed note {note_id} fails its hash"
            current = (row["signature_hash"], {f: row.get(f) for f in NOTE_SIGNED_FIELDS})
            at_hub = ledger.signed.get(note_id)
            previous = ledger.local_signed.setdefault(key, current)
            if current != previous:
                assert current == at_hub and previous != at_hub, (
                    f"{replica}: signed note {note_id} changed after signing")
                ledger.superseded.add((note_id, previous[0]))
                ledger.local_signed[key] = current
            if at_hub is not None and current != at_hub:
                if pending is None:
                    pending = _pending_rows(by_name[replica])
                assert note_id in pending, (
                    f"{replica}: signed note {note_id} differs from the hub's and is not waiting "
                    "to be pushed")


def check_superseded_signatures_kept(cluster: Cluster, ledger: Ledger) -> None:
    """A signature that lost to a concurrent one is kept in a signed-edit conflict record."""
    kept = set()
    for row in hub_rows(cluster.hub, "sync_conflict").values():
        if row["kind"] == ConflictKind.SIGNED_EDIT.value and row["entity"] == NOTE:
            other = json.loads(row["other_values"])
            kept.add((str(row["record_id"]), other.get("signature_hash")))
    lost = ledger.superseded - kept
    assert not lost, f"superseded signature(s) not kept in a conflict record: {sorted(lost)[:3]}"


def check_no_resurrection(cluster: Cluster, ledger: Ledger) -> None:
    """(7) An allergy that was removed and is active at the end carries a removal-edit conflict."""
    allergies = hub_rows(cluster.hub, "allergy")
    flagged = {str(r["record_id"]) for r in hub_rows(cluster.hub, "sync_conflict").values()
               if r["kind"] == ConflictKind.REMOVAL_EDIT.value and r["entity"] == "allergy"}
    for allergy_id in ledger.removed_allergies:
        row = allergies.get(allergy_id)
        assert row is not None, f"removed allergy {allergy_id} is missing at the hub"
        active = (row["status"] == AllergyStatus.ACTIVE.value
                  and row["record_status"] == RecordStatus.ACTIVE.value)
        assert not active or allergy_id in flagged, (
            f"allergy {allergy_id} was removed, is active again and no conflict says why")
        if not active:
            assert row["status_reason"].strip() or row["record_status_reason"].strip(), (
                f"allergy {allergy_id} was removed without a reason")


def check_conflicts(cluster: Cluster, ledger: Ledger | None = None) -> None:
    """(8) Each conflict is recorded once and keeps both values: a field or draft conflict holds
    every contested field on both sides, and the two sides differ."""
    conflicts = hub_rows(cluster.hub, "sync_conflict")
    per_op: Counter[tuple[str, str]] = Counter()
    pairs: Counter[tuple[str, str, str, frozenset[str]]] = Counter()
    for cid, row in conflicts.items():
        kind = row["kind"]
        per_op[(str(row["op_id"]), kind)] += 1
        if row["other_hlc"]:
            pairs[(row["entity"], str(row["record_id"]), kind,
                   frozenset({row["op_hlc"], row["other_hlc"]}))] += 1
        if kind in (ConflictKind.FIELD.value, ConflictKind.DRAFT.value):
            fields = [f for f in row["fields"].split(",") if f]
            kept, other = json.loads(row["kept_values"]), json.loads(row["other_values"])
            assert fields, f"conflict {cid} names no field"
            for f in fields:
                assert f in kept and f in other, f"conflict {cid} lost a value of {f}"
            assert any(kept[f] != other[f] for f in fields), (
                f"conflict {cid} ({kind}) holds the same value twice: {row['fields']}")
        if ledger is not None and row.get("op_id"):
            assert str(row["op_id"]) in ledger.created_ops | ledger.baseline_ops, (
                f"conflict {cid} names an op nobody wrote")
    twice = [k for k, n in per_op.items() if n > 1]
    assert not twice, f"one op met the same conflict more than once: {twice[:3]}"
    again = [k for k, n in pairs.items() if n > 1]
    assert not again, f"the same two edits were recorded as a conflict more than once: {again[:3]}"


def check_conflicts_complete(cluster: Cluster, ledger: Ledger) -> None:
    """(8), the other way round: every op that changed a demographic field or a draft note's text
    while another workstation had changed the same field concurrently met exactly one conflict
    record, naming those fields and holding both values.

    An independent oracle over the hub's change log: for each op, the row as it was when the hub
    took the op (the op's result version, less its own change), the changes other workstations
    made after the op's base version (and after this workstation's own earlier changes), and so
    which fields were contested. Patients follow the field rule; notes the draft rule (only ops
    that edit a draft that was still a draft at the hub: signing has rules of its own)."""
    hub = cluster.hub
    with hub.store.read() as conn:
        ops = {op: (status, version) for op, status, version in conn.execute(
            select(s.hub_op.c.op_id, s.hub_op.c.status, s.hub_op.c.row_version))}
        history: dict[tuple[str, str], list[tuple[int, str, str | None, frozenset[str], Row]]] = {}
        for entity, row_id, version, site, op_id, fields, payload in conn.execute(
                select(s.hub_change.c.entity, s.hub_change.c.row_id, s.hub_change.c.row_version,
                       s.hub_change.c.site, s.hub_change.c.op_id, s.hub_change.c.changed_fields,
                       s.hub_change.c.payload)
                .where(s.hub_change.c.entity.in_(ORACLE_ENTITIES))
                .order_by(s.hub_change.c.row_version)):
            history.setdefault((entity, row_id), []).append(
                (version, site, op_id, frozenset(json.loads(fields)), json.loads(payload)))
    conflicts: dict[str, list[Row]] = {}
    for row in hub_rows(hub, "sync_conflict").values():
        if row["kind"] in (ConflictKind.FIELD.value, ConflictKind.DRAFT.value):
            conflicts.setdefault(str(row["op_id"]), []).append(row)
    checked = 0
    for op_id, op in ledger.written.items():
        status, version = ops[op_id]
        changes = history.get((op.entity, op.row_id), [])
        if status == "quarantined" or version is None:
            continue
        own_change = [v for v, _s, o, _f, _p in changes if o == op_id]
        before = own_change[0] - 1 if own_change else version
        if before == 0:
            continue   # the op created the row
        state = next(p for v, _s, _o, _f, p in changes if v == before)
        if op.entity == NOTE and (state.get("status") != NoteStatus.DRAFT.value
                                  or op.row.get("status") != NoteStatus.DRAFT.value):
            continue
        base = max([op.base_row_version] + [v for v, site, *_ in changes if site == op.site
                                            and v <= before])
        others = set().union(*(f for v, site, _o, f, _p in changes
                               if base < v <= before and site != op.site))
        fields = [f for f in op.changed_fields if f in ENTITIES[op.entity].columns
                  and f not in BOOKKEEPING and op.row.get(f) != state.get(f)]
        contested = sorted(f for f in fields if f in others)
        kind = ConflictKind.FIELD.value if op.entity == "patient" else ConflictKind.DRAFT.value
        met = [c for c in conflicts.get(op_id, []) if c["kind"] == kind]
        if not contested:
            assert not met, f"op {op_id} met a {kind} conflict though nobody else changed its fields"
            continue
        checked += 1
        assert len(met) == 1, (
            f"op {op_id} changed {contested} of {op.entity} {op.row_id} concurrently with another "
            f"workstation and met {len(met)} {kind} conflict record(s)")
        conflict = met[0]
        assert sorted(conflict["fields"].split(",")) == contested, (
            f"conflict for op {op_id} names {conflict['fields']}, expected {contested}")
        kept, other = json.loads(conflict["kept_values"]), json.loads(conflict["other_values"])
        for f in contested:
            assert {kept[f], other[f]} == {op.row.get(f), state.get(f)}, (
                f"conflict for op {op_id} does not hold both values of {f}")
    ledger.oracle_conflicts += checked


def check_everything(cluster: Cluster, ledger: Ledger) -> None:
    """The final check after a random history: drain, then properties 1, 2, 6, 7, 8 (and 9's
    monotonic clocks)."""
    drain(cluster)
    check_hlc(cluster, ledger)
    check_convergence(cluster)
    check_conservation(cluster, ledger)
    check_signed_notes(cluster, ledger)
    check_superseded_signatures_kept(cluster, ledger)
    check_no_resurrection(cluster, ledger)
    check_conflicts(cluster, ledger)
    check_conflicts_complete(cluster, ledger)


# --- clocks ------------------------------------------------------------------------------------------------

YEAR_MS = 365 * 24 * 3600 * 1000
MINUTE_MS = 60 * 1000


class SkewedWall:
    """A workstation's wall clock: real time plus an offset the test moves around."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return int(datetime.now(UTC).timestamp() * 1000) + self.offset_ms


def install_wall(ws: Workstation, wall: SkewedWall) -> None:
    """Give a workstation's database a clock reading ``wall``, continuing from its last stamp."""
    from emr_desktop.sync.hlc import HybridLogicalClock

    clock = ws.db.clock
    ws.db._clock = HybridLogicalClock(clock.site, last=clock.last, wall=wall)


def ids_text(ids: Iterable[uuid.UUID]) -> list[str]:
    return [str(i) for i in ids]
