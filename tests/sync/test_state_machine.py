"""The sync property suite: a Hypothesis state machine over three workstations and a hub (two hub
service processes over one hub database, embedded SQLite or PostgreSQL), joined by a simulated
network that drops, duplicates, reorders and delays messages (tests/sync/network.py). Users work
on every workstation (also while it syncs), workstations and hub processes restart, and
workstation clocks are skewed years backwards and jump back.

After any random history, once the network heals, every outbox drains and every replica pulls:

1. Convergence: every workstation's canonical export equals the hub's.
2. Conservation: ops created = applied + conflicts + quarantined, by op id, each applied once.
6. Signed immutability: a signed note's content and hash never change (checked after every step;
   a signature that lost to a concurrent one is superseded only by the hub's, and kept).
7. No silent resurrection: a removed allergy that is active again carries a removal-edit conflict.
8. Conflict preservation: each field/draft conflict is recorded once and holds both values, and
   an oracle over the hub's change log finds every concurrent same-field edit of demographics and
   drafts matched with exactly one such record.
9. Clock independence: all of the above with skewed clocks, and every HLC only moves forward
   (after every step and across restarts; every new op's stamp is later than its workstation's
   earlier ones).

The checkers are plain functions (tests/sync/machine_support.py); the tests at the end show they
fail on a planted bug (the hub's op dedupe switched off) and on tampered data. Synthetic data only.

Knobs: EMR_SYNC_EXAMPLES (12), EMR_SYNC_PG_EXAMPLES (5), EMR_SYNC_STEPS (25); EMR_SYNC_SHRINK=0
reports a failure without shrinking it (quicker while debugging).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from emr_desktop.domain.enums import AllergyStatus, RecordStatus
from emr_desktop.domain.errors import ImmutableRecord, NotFound, ValidationError
from emr_desktop.models import Patient
from emr_desktop.server import schema as s
from tests.sync.machine_support import (
    MINUTE_MS,
    NAMES,
    YEAR_MS,
    Cluster,
    Ledger,
    SkewedWall,
    Template,
    build_template,
    check_conflicts,
    check_convergence,
    check_everything,
    check_failed_sync_kept_ops,
    check_hlc,
    check_no_resurrection,
    check_signed_notes,
    collect_ops,
    drain,
    hub_rows,
    install_wall,
    open_cluster,
    outbox,
    sync_quietly,
)
from tests.sync.network import Fault, per_method

EXAMPLES = int(os.environ.get("EMR_SYNC_EXAMPLES", "12"))
PG_EXAMPLES = int(os.environ.get("EMR_SYNC_PG_EXAMPLES", "5"))
STEPS = int(os.environ.get("EMR_SYNC_STEPS", "25"))

#: Domain errors a user meets when a record is signed, removed or not synced here yet.
EXPECTED = (ValidationError, ImmutableRecord, NotFound)

# Small value sets, so that two workstations often touch the same field.
PATIENT_FIELDS = {"phone_mobile": ("555-0101", "555-0102", "555-0103"),
                  "given_name": ("Ana", "Bea", "Cyd"),
                  "city": ("Springfield", "Shelbyville", "")}
NOTE_FIELDS = {"subjective": ("S1", "S2", "S3"), "plan": ("P1", "P2", "")}
ALLERGY_FIELDS = {"reaction": ("hives", "rash", "wheeze"), "severity": ("mild", "moderate", "severe")}
SLOT_BASE = datetime(2031, 5, 5, 9, 0, tzinfo=UTC)

WS = st.integers(0, len(NAMES) - 1)
#: Which record a rule touches: half the time one present from the start (on every workstation,
#: so concurrent edits of the same record are common), otherwise any.
PICK = st.one_of(st.integers(0, 1), st.integers(0, 63))
#: Per network call: mostly plain delivery (and failures shrink to it), otherwise any fault.
FAULTS = st.one_of(st.just(Fault.DELIVER), st.just(Fault.DELIVER), st.sampled_from(list(Fault)))
#: A user action on the syncing workstation between its push and its pull (or none).
MEANWHILE = st.sampled_from([None, None, "edit_patient", "edit_note", "edit_allergy", "remove_allergy"])
CLOCK_MOVES = st.sampled_from(["years-back", "jump-back", "ahead", "real"])


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark the run broken when a step fails, so teardown skips the final check (and reports the
    step's own error rather than a consequence of it)."""
    @functools.wraps(fn)
    def step(self: SyncMachine, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except BaseException:
            self.broken = True
            raise
    return step


class SyncMachine(RuleBasedStateMachine):
    template: Template
    workdir: Path
    dedupe = True
    counter = itertools.count()
    #: What the examples exercised (printed by the tests, shown with -s).
    stats: Counter[str]

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.cluster: Cluster = open_cluster(self.template, self.workdir / f"ex{next(self.counter)}")
        self.cluster.set_dedupe(self.dedupe)
        self.ledger = Ledger(self.template.baseline_ops)
        seed = self.template.seed
        self.patients = list(seed.patients)
        self.notes = list(seed.notes)
        self.allergies = list(seed.allergies)
        self.vitals = list(seed.vitals)
        self.walls = [SkewedWall() for _ in NAMES]
        for ws, wall in zip(self.cluster.workstations, self.walls, strict=True):
            install_wall(ws, wall)
        check_hlc(self.cluster, self.ledger)

    # -- helpers -------------------------------------------------------------------------------------

    def ws(self, i: int) -> Any:
        return self.cluster.workstations[i]

    def actor(self, name: str) -> Any:
        return self.template.actors[name]

    def has_patient(self, i: int, patient_id: Any) -> bool:
        with self.ws(i).db.read() as session:
            return session.get(Patient, patient_id) is not None

    def note(self, what: str) -> None:
        event(what)
        self.stats[what] += 1

    def act(self, i: int, what: str, fn: Callable[[], Any]) -> Any:
        """Run one user action on workstation i; expected domain errors are outcomes, not failures."""
        try:
            result = fn()
        except EXPECTED as err:
            self.note(f"{what}: {type(err).__name__}")
            result = None
        else:
            self.note(f"{what}: done")
        collect_ops(self.ws(i), self.ledger)
        return result

    @staticmethod
    def pick(items: list[Any], n: int) -> Any:
        return items[n % len(items)]

    # -- demographics ------------------------------------------------------------------------------

    @rule(i=WS, n=st.integers(0, 2))
    @guarded
    def register_patient(self, i: int, n: int) -> None:
        p = self.act(i, "register", lambda: self.ws(i).services.patients.register(
            self.actor("desk"), family_name=f"Synthnew{n}", given_name="Eve",
            birth_date=datetime(1990, 3, 4).date(), sex="female"))
        if p is not None:
            self.patients.append(p.id)

    @rule(i=WS, n=PICK, data=st.data())
    @guarded
    def edit_patient(self, i: int, n: int, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(PATIENT_FIELDS)), label="field")
        value = data.draw(st.sampled_from(PATIENT_FIELDS[name]), label="value")
        patient = self.pick(self.patients, n)
        self.act(i, "edit patient", lambda: self.ws(i).services.patients.update(
            self.actor("desk"), patient, **{name: value}))

    # -- notes ----------------------------------------------------------------------------------------

    @rule(i=WS, n=PICK, author=st.sampled_from(["doc", "nurse"]))
    @guarded
    def create_note(self, i: int, n: int, author: str) -> None:
        patient = self.pick(self.patients, n)
        if not self.has_patient(i, patient):
            self.note("create note: patient not here yet")
            return
        svc, actor = self.ws(i).services, self.actor(author)

        def create() -> Any:
            enc = svc.encounters.start(actor, patient, "office-visit", reason="synthetic")
            return svc.notes.create(actor, patient_id=patient, encounter_id=enc.id, title="Visit",
                                    subjective="S0")
        note = self.act(i, "create note", create)
        if note is not None:
            self.notes.append(note.id)

    @rule(i=WS, n=PICK, data=st.data())
    @guarded
    def edit_note(self, i: int, n: int, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(NOTE_FIELDS)), label="field")
        value = data.draw(st.sampled_from(NOTE_FIELDS[name]), label="value")
        note = self.pick(self.notes, n)
        self.act(i, "edit note", lambda: self.ws(i).services.notes.update(
            self.actor("nurse"), note, **{name: value}))

    @rule(i=WS, n=PICK)
    @guarded
    def sign_note(self, i: int, n: int) -> None:
        note = self.pick(self.notes, n)
        self.act(i, "sign", lambda: self.ws(i).services.notes.sign(self.actor("doc"), note))

    @precondition(lambda self: bool(self.ledger.signed or self.ledger.local_signed))
    @rule(i=WS, n=PICK, text=st.sampled_from(["A1", "A2"]))
    @guarded
    def add_addendum(self, i: int, n: int, text: str) -> None:
        signed = sorted(set(self.ledger.signed) | {note for _ws, note in self.ledger.local_signed})
        note = self.pick(signed, n)
        added = self.act(i, "addendum", lambda: self.ws(i).services.notes.add_addendum(
            self.actor("doc"), uuid.UUID(note), text))
        if added is not None:
            self.notes.append(added.id)

    # -- allergies ------------------------------------------------------------------------------------

    @rule(i=WS, n=PICK, substance=st.sampled_from(["Synthmycin", "Fakeprofen"]))
    @guarded
    def add_allergy(self, i: int, n: int, substance: str) -> None:
        patient = self.pick(self.patients, n)
        if not self.has_patient(i, patient):
            self.note("add allergy: patient not here yet")
            return
        allergy = self.act(i, "add allergy", lambda: self.ws(i).services.allergies.create(
            self.actor("nurse"), patient_id=patient, substance=substance, category="medication",
            reaction="hives", severity="mild"))
        if allergy is not None:
            self.allergies.append(allergy.id)

    @rule(i=WS, n=PICK, data=st.data())
    @guarded
    def edit_allergy(self, i: int, n: int, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(ALLERGY_FIELDS)), label="field")
        value = data.draw(st.sampled_from(ALLERGY_FIELDS[name]), label="value")
        allergy = self.pick(self.allergies, n)
        self.act(i, "edit allergy", lambda: self.ws(i).services.allergies.update(
            self.actor("nurse"), allergy, **{name: value}))

    @rule(i=WS, n=PICK, reason=st.sampled_from(["patient tolerated a dose", "entered for testing"]))
    @guarded
    def remove_allergy(self, i: int, n: int, reason: str) -> None:
        allergy = self.pick(self.allergies, n)
        done = self.act(i, "remove allergy", lambda: self.ws(i).services.allergies.set_status(
            self.actor("nurse"), allergy, AllergyStatus.INACTIVE, reason))
        if done is not None:
            self.ledger.removed_allergies.add(str(allergy))

    # -- vitals and appointments ------------------------------------------------------------------

    @rule(i=WS, n=PICK, systolic=st.sampled_from([118, 135, 150]))
    @guarded
    def record_vitals(self, i: int, n: int, systolic: int) -> None:
        patient = self.pick(self.patients, n)
        if not self.has_patient(i, patient):
            self.note("vitals: patient not here yet")
            return
        rows = self.act(i, "vitals", lambda: self.ws(i).services.vitals.record(
            self.actor("nurse"), patient, systolic=systolic, diastolic=80, pulse=70))
        self.vitals += [v.id for v in rows or []]

    @rule(i=WS, n=PICK)
    @guarded
    def vital_entered_in_error(self, i: int, n: int) -> None:
        vital = self.pick(self.vitals, n)
        self.act(i, "vital in error", lambda: self.ws(i).services.vitals.set_record_status(
            self.actor("nurse"), vital, RecordStatus.ENTERED_IN_ERROR, "wrong patient"))

    @rule(i=WS, n=PICK, slot=st.integers(0, 2))
    @guarded
    def book_appointment(self, i: int, n: int, slot: int) -> None:
        patient = self.pick(self.patients, n)
        if not self.has_patient(i, patient):
            self.note("book: patient not here yet")
            return
        start = SLOT_BASE + timedelta(hours=slot)
        self.act(i, "book", lambda: self.ws(i).services.appointments.create(
            self.actor("desk"), patient_id=patient, provider_id=self.actor("doc").user_id,
            start_time=start, end_time=start + timedelta(minutes=30),
            appointment_type="office-visit", reason="synthetic"))

    # -- the network ----------------------------------------------------------------------------------

    def _sync(self, i: int, data: st.DataObject) -> None:
        """Sync workstation i over the faulty network. Sometimes a user saves a change on it while
        the sync runs, between its push and its pull (as with the background sync agent)."""
        ws, link = self.ws(i), self.cluster.links[i]
        collect_ops(ws, self.ledger)
        before = set(outbox(ws))
        meanwhile = [data.draw(MEANWHILE, label="edit during sync")]

        def choose(name: str, method: str) -> Fault:
            if method == "pull" and meanwhile[0] is not None:
                edit, meanwhile[0] = meanwhile[0], None
                self.note(f"edit during sync: {edit}")
                n = data.draw(PICK, label="record")
                if edit == "remove_allergy":
                    self.remove_allergy(i, n, "removed while syncing")
                else:
                    getattr(self, edit)(i, n, data)
            return data.draw(FAULTS, label=f"{name} {method}")

        link.choose = choose
        try:
            ok = sync_quietly(ws)
        finally:
            link.heal()
        self.note("sync " + ("succeeded" if ok else "failed"))
        collect_ops(ws, self.ledger)
        check_failed_sync_kept_ops(ws, before, self.cluster.hub)

    @rule(i=WS, data=st.data())
    @guarded
    def sync(self, i: int, data: st.DataObject) -> None:
        self._sync(i, data)

    @rule(order=st.lists(WS, min_size=2, max_size=4), data=st.data())
    @guarded
    def sync_several(self, order: list[int], data: st.DataObject) -> None:
        for i in order:
            self._sync(i, data)

    @precondition(lambda self: bool(self.cluster.in_flight.held))
    @rule(n=PICK)
    @guarded
    def deliver_held(self, n: int) -> None:
        """A message stuck in the network arrives now, after whatever was sent since."""
        self.cluster.in_flight.deliver(n % len(self.cluster.in_flight.held))
        self.note("held push delivered late")

    # -- clocks ------------------------------------------------------------------------------------------

    @rule(i=WS, move=CLOCK_MOVES, amount=st.integers(1, 4))
    @guarded
    def skew_clock(self, i: int, move: str, amount: int) -> None:
        wall = self.walls[i]
        if move == "years-back":
            wall.offset_ms = -amount * YEAR_MS
        elif move == "jump-back":
            wall.offset_ms -= amount * 7 * MINUTE_MS
        elif move == "ahead":   # within the hub's 5-minute drift limit
            wall.offset_ms = amount * MINUTE_MS
        else:
            wall.offset_ms = 0
        install_wall(self.ws(i), wall)   # a fresh clock object, continuing from the last stamp

    @rule(i=WS)
    @guarded
    def restart_workstation(self, i: int) -> None:
        """Close the app and open it again: the clock continues from its persisted stamp."""
        ws = self.cluster.restart(i)
        install_wall(ws, self.walls[i])

    @rule(k=st.integers(0, 1))
    @guarded
    def restart_hub_process(self, k: int) -> None:
        """One of the two hub processes restarts (the other keeps running)."""
        self.cluster.restart_hub(k)

    # -- invariants and the final check ------------------------------------------------------------

    @invariant()
    @guarded
    def clocks_and_signatures(self) -> None:
        check_hlc(self.cluster, self.ledger)
        check_signed_notes(self.cluster, self.ledger)

    def teardown(self) -> None:
        try:
            if not self.broken:
                check_everything(self.cluster, self.ledger)
                self.note("example checked")
                for row in hub_rows(self.cluster.hub, "sync_conflict").values():
                    self.note(f"conflict: {row['entity']} {row['kind']}")
                for link in self.cluster.links:
                    for method, fault in link.log:
                        self.stats[f"network: {method} {fault.value}"] += 1
                self.stats["signed notes"] += len(self.ledger.signed)
                self.stats["signatures superseded"] += len(self.ledger.superseded)
                self.stats["allergies removed"] += len(self.ledger.removed_allergies)
                self.stats["concurrent edits matched to their conflict"] += self.ledger.oracle_conflicts
        finally:
            self.cluster.close()


def machine_for(template: Template, workdir: Path, *, dedupe: bool = True) -> type[SyncMachine]:
    return type("SyncMachine", (SyncMachine,), {"template": template, "workdir": workdir,
                                                "dedupe": dedupe, "stats": Counter()})


def _report(machine: type[SyncMachine]) -> None:
    print("\n" + "\n".join(f"  {n:6d}  {what}" for what, n in sorted(machine.stats.items())))


def _settings(examples: int, **extra: Any) -> settings:
    if os.environ.get("EMR_SYNC_SHRINK") == "0":   # while debugging: report the first failure as is
        extra.setdefault("phases", [Phase.explicit, Phase.reuse, Phase.generate])
    return settings(max_examples=examples, stateful_step_count=STEPS, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much],
                    **extra)


def test_sync_properties_embedded_hub(tmp_path: Path) -> None:
    template = build_template(tmp_path / "template")
    machine = machine_for(template, tmp_path)
    run_state_machine_as_test(machine, settings=_settings(EXAMPLES))
    _report(machine)


def test_sync_properties_postgres_hub(tmp_path: Path, pg_url: str) -> None:
    template = build_template(tmp_path / "template", pg_url)
    machine = machine_for(template, tmp_path)
    run_state_machine_as_test(machine, settings=_settings(PG_EXAMPLES))
    _report(machine)


# --- deterministic scenarios for the properties ---------------------------------------------------------

@pytest.fixture
def template(tmp_path: Path) -> Template:
    return build_template(tmp_path / "template", patients=1)


def _open(template: Template, tmp_path: Path, name: str = "c") -> tuple[Cluster, Ledger]:
    cluster = open_cluster(template, tmp_path / name)
    ledger = Ledger(template.baseline_ops)
    check_hlc(cluster, ledger)
    return cluster, ledger


def _conflicts_on(cluster: Cluster, record_id: Any) -> list[dict[str, Any]]:
    return [r for r in hub_rows(cluster.hub, "sync_conflict").values()
            if r["record_id"] == str(record_id)]


def test_same_field_edited_offline_on_two_workstations_gives_one_conflict(
        template: Template, tmp_path: Path) -> None:
    cluster, ledger = _open(template, tmp_path)
    try:
        a, b = cluster.workstations[:2]
        desk, patient = template.actors["desk"], template.seed.patients[0]
        a.services.patients.update(desk, patient, phone_mobile="555-0111")
        b.services.patients.update(desk, patient, phone_mobile="555-0222")
        for ws in (a, b):
            collect_ops(ws, ledger)
        check_everything(cluster, ledger)
        conflicts = _conflicts_on(cluster, patient)
        assert len(conflicts) == 1
        (conflict,) = conflicts
        assert conflict["kind"] == "field" and "phone_mobile" in conflict["fields"].split(",")
        kept, other = json.loads(conflict["kept_values"]), json.loads(conflict["other_values"])
        assert {kept["phone_mobile"], other["phone_mobile"]} == {"555-0111", "555-0222"}
        # The later HLC (b's edit) won, and every replica shows it.
        assert hub_rows(cluster.hub, "patient")[str(patient)]["phone_mobile"] == kept["phone_mobile"]
        assert kept["phone_mobile"] == "555-0222"
    finally:
        cluster.close()


def test_same_draft_edited_offline_on_two_workstations_gives_one_conflict(
        template: Template, tmp_path: Path) -> None:
    cluster, ledger = _open(template, tmp_path)
    try:
        a, b = cluster.workstations[:2]
        nurse, note = template.actors["nurse"], template.seed.notes[0]
        a.services.notes.update(nurse, note, subjective="Synthetic text from A")
        b.services.notes.update(nurse, note, subjective="Synthetic text from B")
        for ws in (a, b):
            collect_ops(ws, ledger)
        check_everything(cluster, ledger)
        conflicts = _conflicts_on(cluster, note)
        assert [c["kind"] for c in conflicts] == ["draft"]
        kept, other = (json.loads(conflicts[0][k]) for k in ("kept_values", "other_values"))
        assert {kept["subjective"], other["subjective"]} == {"Synthetic text from A",
                                                             "Synthetic text from B"}
    finally:
        cluster.close()


@pytest.mark.parametrize("removal_first", [True, False])
def test_removal_racing_an_edit_keeps_the_allergy_active_and_flagged(
        template: Template, tmp_path: Path, removal_first: bool) -> None:
    cluster, ledger = _open(template, tmp_path)
    try:
        a, b = cluster.workstations[:2]
        nurse, allergy = template.actors["nurse"], template.seed.allergies[0]
        a.services.allergies.set_status(nurse, allergy, AllergyStatus.INACTIVE, "tolerated a dose")
        ledger.removed_allergies.add(str(allergy))
        b.services.allergies.update(nurse, allergy, reaction="wheeze")
        for ws in (a, b):
            collect_ops(ws, ledger)
        for ws in ((a, b) if removal_first else (b, a)):
            ws.sync()
        check_everything(cluster, ledger)
        row = hub_rows(cluster.hub, "allergy")[str(allergy)]
        assert row["status"] == "active" and row["reaction"] == "wheeze"
        assert [c["kind"] for c in _conflicts_on(cluster, allergy)] == ["removal-edit"]
    finally:
        cluster.close()


def test_edit_of_a_note_signed_elsewhere_never_changes_it(template: Template, tmp_path: Path) -> None:
    cluster, ledger = _open(template, tmp_path)
    try:
        a, b = cluster.workstations[:2]
        note = template.seed.notes[0]
        signed = a.services.notes.sign(template.actors["doc"], note)
        b.services.notes.update(template.actors["nurse"], note, plan="Synthetic late edit")
        for ws in (a, b):
            collect_ops(ws, ledger)
        check_signed_notes(cluster, ledger)
        check_everything(cluster, ledger)
        assert hub_rows(cluster.hub, "clinical_note")[str(note)]["signature_hash"] == signed.signature_hash
        kinds = sorted(c["kind"] for c in _conflicts_on(cluster, note))
        assert kinds == ["signed-edit"]
        addenda = [r for r in hub_rows(cluster.hub, "clinical_note").values()
                   if r["addendum_to_id"] == str(note)]
        assert [r["plan"] for r in addenda] == ["Synthetic late edit"]
    finally:
        cluster.close()


def test_properties_hold_with_clocks_skewed_years_back_and_jumping(template: Template,
                                                                   tmp_path: Path) -> None:
    cluster, ledger = _open(template, tmp_path)
    try:
        a, b, c = cluster.workstations
        walls = [SkewedWall() for _ in range(3)]
        for ws, wall in zip(cluster.workstations, walls, strict=True):
            install_wall(ws, wall)
        desk, nurse = template.actors["desk"], template.actors["nurse"]
        patient, allergy = template.seed.patients[0], template.seed.allergies[0]
        walls[1].offset_ms = -3 * YEAR_MS          # b lives three years in the past
        b.services.patients.update(desk, patient, phone_mobile="555-0301")
        a.services.patients.update(desk, patient, phone_mobile="555-0302")
        walls[2].offset_ms = 4 * MINUTE_MS          # c runs ahead, within the drift limit ...
        c.services.allergies.update(nurse, allergy, severity="severe")
        walls[2].offset_ms = -30 * MINUTE_MS        # ... then jumps back half an hour
        c.services.allergies.set_status(nurse, allergy, AllergyStatus.INACTIVE, "tolerated a dose")
        ledger.removed_allergies.add(str(allergy))
        b.services.allergies.update(nurse, allergy, reaction="rash")
        for ws in cluster.workstations:
            collect_ops(ws, ledger)
        check_hlc(cluster, ledger)
        for ws in (c, b, a):
            ws.sync()
            check_hlc(cluster, ledger)
        walls[1].offset_ms = -5 * YEAR_MS           # b jumps further back, after syncing
        b.services.patients.update(desk, patient, city="Shelbyville")
        collect_ops(b, ledger)
        check_everything(cluster, ledger)
        # Conflicts were decided by row versions: both phone values are kept; the later HLC won.
        (phone,) = [r for r in _conflicts_on(cluster, patient) if r["kind"] == "field"]
        values = {json.loads(phone["kept_values"])["phone_mobile"],
                  json.loads(phone["other_values"])["phone_mobile"]}
        assert values == {"555-0301", "555-0302"}
        assert hub_rows(cluster.hub, "patient")[str(patient)]["city"] == "Shelbyville"
    finally:
        cluster.close()


# --- the checkers can fail: a planted bug, and tampered replicas -----------------------------------------

def _lost_reply_then_concurrent_edit(cluster: Cluster, template: Template, ledger: Ledger) -> None:
    """a's push reaches the hub but the reply is lost; b edits the same field; a retries."""
    a, b = cluster.workstations[:2]
    desk, patient = template.actors["desk"], template.seed.patients[0]
    a.services.patients.update(desk, patient, phone_mobile="555-0401")
    collect_ops(a, ledger)
    cluster.links[0].choose = per_method({"push": [Fault.LOSE_REPLY]})
    assert not sync_quietly(a)
    b.services.patients.update(desk, patient, phone_mobile="555-0402")
    collect_ops(b, ledger)
    b.sync()
    a.sync()


def _stray_copy_arrives_late(cluster: Cluster, template: Template, ledger: Ledger) -> None:
    """a's push is delivered and a stray copy is held in the network; a edits again and syncs;
    then the stray copy arrives."""
    a = cluster.workstations[0]
    desk, patient = template.actors["desk"], template.seed.patients[0]
    a.services.patients.update(desk, patient, phone_mobile="555-0501")
    collect_ops(a, ledger)
    cluster.links[0].choose = per_method({"push": [Fault.HOLD_COPY]})
    a.sync()
    a.services.patients.update(desk, patient, phone_mobile="555-0502")
    collect_ops(a, ledger)
    a.sync()
    cluster.in_flight.deliver(0)


def _duplicated_push(cluster: Cluster, template: Template, ledger: Ledger) -> None:
    """a edits a field twice offline; its push is duplicated by the network."""
    a = cluster.workstations[0]
    desk, patient = template.actors["desk"], template.seed.patients[0]
    a.services.patients.update(desk, patient, phone_mobile="555-0601")
    a.services.patients.update(desk, patient, phone_mobile="555-0602")
    collect_ops(a, ledger)
    cluster.links[0].choose = per_method({"push": [Fault.DUPLICATE]})
    a.sync()


SCENARIOS = {"lost-reply": _lost_reply_then_concurrent_edit, "stray-copy": _stray_copy_arrives_late,
             "duplicate": _duplicated_push}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_checkers_catch_a_hub_that_forgets_seen_ops(template: Template, tmp_path: Path,
                                                    scenario: str) -> None:
    """The planted bug (HubService.dedupe_ops = False) re-applies repeated ops: the checks that
    pass on the real hub fail on it."""
    outcomes = {}
    for dedupe in (True, False):
        cluster, ledger = _open(template, tmp_path, f"{scenario}-{dedupe}")
        try:
            cluster.set_dedupe(dedupe)
            SCENARIOS[scenario](cluster, template, ledger)
            try:
                check_everything(cluster, ledger)
                outcomes[dedupe] = None
            except AssertionError as err:
                outcomes[dedupe] = str(err)
        finally:
            cluster.close()
    print(f"\n[{scenario}] dedupe on: {outcomes[True] or 'all properties hold'}\n"
          f"[{scenario}] dedupe off: {outcomes[False]}")
    assert outcomes[True] is None
    assert outcomes[False] is not None


def test_state_machine_finds_the_planted_bug(tmp_path: Path) -> None:
    """The random search itself finds the planted bug (no shrinking, to keep this quick)."""
    template = build_template(tmp_path / "template")
    machine = machine_for(template, tmp_path, dedupe=False)
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(machine, settings=_settings(
            60, phases=[Phase.generate], derandomize=True, database=None,
            report_multiple_bugs=False))
    print(f"\nplanted bug found after {machine.stats['example checked']} passing example(s): "
          f"{str(caught.value).splitlines()[0]}")


def _tamper_hub(cluster: Cluster, entity: str, row_id: str, **changes: Any) -> None:
    with cluster.hub.store.write() as conn:
        payload = conn.execute(select(s.hub_row.c.payload).where(
            s.hub_row.c.entity == entity, s.hub_row.c.row_id == row_id)).scalar_one()
        row = {**json.loads(payload), **changes}
        conn.execute(s.hub_row.update().where(s.hub_row.c.entity == entity,
                                              s.hub_row.c.row_id == row_id)
                     .values(payload=json.dumps(row, sort_keys=True, separators=(",", ":"))))


def test_each_checker_fails_on_tampered_state(template: Template, tmp_path: Path) -> None:
    """Each property's checker passes on an honest run, then fails once the state is tampered
    with behind the sync code's back."""
    note, allergy = str(template.seed.notes[0]), str(template.seed.allergies[0])
    desk, nurse, doc = (template.actors[n] for n in ("desk", "nurse", "doc"))
    patient = template.seed.patients[0]

    def nothing(cluster: Cluster, ledger: Ledger) -> None:
        pass

    def sign(cluster: Cluster, ledger: Ledger) -> None:
        cluster.workstations[0].services.notes.sign(doc, template.seed.notes[0])

    def remove(cluster: Cluster, ledger: Ledger) -> None:
        cluster.workstations[0].services.allergies.set_status(
            nurse, template.seed.allergies[0], AllergyStatus.INACTIVE, "tolerated a dose")
        ledger.removed_allergies.add(allergy)

    def race(cluster: Cluster, ledger: Ledger) -> None:
        a, b = cluster.workstations[:2]
        a.services.patients.update(desk, patient, city="Springfield")
        b.services.patients.update(desk, patient, city="Shelbyville")

    def diverge(cluster: Cluster, ledger: Ledger) -> None:
        with cluster.workstations[2].db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE patient SET city = 'Tampered'")

    def invent_op(cluster: Cluster, ledger: Ledger) -> None:
        ledger.created_ops.add("00000000-0000-7000-8000-000000000001")

    def rewrite_signed(cluster: Cluster, ledger: Ledger) -> None:
        _tamper_hub(cluster, "clinical_note", note, plan="rewritten after signing")

    def reactivate(cluster: Cluster, ledger: Ledger) -> None:
        _tamper_hub(cluster, "allergy", allergy, status="active")

    def drop_other_value(cluster: Cluster, ledger: Ledger) -> None:
        (conflict,) = _conflicts_on(cluster, patient)
        _tamper_hub(cluster, "sync_conflict", conflict["id"], other_values=conflict["kept_values"])

    def lose_conflict(cluster: Cluster, ledger: Ledger) -> None:
        with cluster.hub.store.write() as conn:
            conn.execute(s.hub_row.delete().where(s.hub_row.c.entity == "sync_conflict"))

    def wind_back(cluster: Cluster, ledger: Ledger) -> None:
        from emr_desktop.sync.hlc import HybridLogicalClock, Stamp

        ws = cluster.workstations[1]
        last = ws.db.clock.last
        ws.db._clock = HybridLogicalClock(last.site, last=Stamp(last.ms - YEAR_MS, 0, last.site))

    from tests.sync.machine_support import check_conflicts_complete, check_conservation

    cases: dict[str, tuple[Callable[..., None], Callable[..., None], Callable[..., None]]] = {
        "convergence": (nothing, diverge, lambda c, led: check_convergence(c)),
        "conservation": (nothing, invent_op, check_conservation),
        "signed": (sign, rewrite_signed, check_signed_notes),
        "resurrection": (remove, reactivate, check_no_resurrection),
        "conflicts": (race, drop_other_value, lambda c, led: check_conflicts(c, led)),
        "conflict-missing": (race, lose_conflict, check_conflicts_complete),
        "hlc": (nothing, wind_back, check_hlc),
    }
    for name, (prepare, tamper, check) in cases.items():
        cluster, ledger = _open(template, tmp_path, name)
        try:
            prepare(cluster, ledger)
            for ws in cluster.workstations:
                collect_ops(ws, ledger)
            drain(cluster)
            check(cluster, ledger)   # honest: passes
            tamper(cluster, ledger)
            with pytest.raises(AssertionError) as caught:
                check(cluster, ledger)
            print(f"\n[{name}] tampered: {caught.value}")
        finally:
            cluster.close()


# --- found by the state machine --------------------------------------------------------------------

def test_clock_persisted_at_commit_covers_every_stamp_of_the_commit(store: Any, services: Any,
                                                                    provider: Any) -> None:
    """Changes still unflushed when commit() starts (here: the audit entry of a registration) are
    stamped by the commit's own flush. The stamp persisted for restarts must cover them, or a
    restarted workstation (with its wall clock behind) stamps new changes before old ones."""
    from emr_desktop.db.store import ChartStore
    from emr_desktop.models.sync import OutboxOp, SyncState
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.sync.capture import HLC_STATE_KEY
    from emr_desktop.sync.hlc import Stamp

    services.patients.register(provider, family_name="Synthclock", given_name="Ida",
                               birth_date=datetime(1980, 1, 2).date(), sex="female")
    with store.db.read() as session:
        persisted = Stamp.decode(session.get(SyncState, HLC_STATE_KEY).value)
        newest = max(Stamp.decode(h) for h in session.scalars(select(OutboxOp.hlc)))
    assert (persisted.ms, persisted.counter) >= (newest.ms, newest.counter)
    store.close()
    reopened = ChartStore.open(store.settings, KeyStore())
    try:
        last = reopened.db.clock.last
        assert (last.ms, last.counter) >= (newest.ms, newest.counter)
    finally:
        reopened.close()
