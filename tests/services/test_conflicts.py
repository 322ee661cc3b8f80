"""Reviewing and resolving sync conflicts: permission per chart area, audited, synced everywhere."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from emr_desktop.domain.errors import ImmutableRecord, PermissionDenied, ValidationError
from emr_desktop.models import AuditEvent
from emr_desktop.services.conflicts import Resolution
from tests.sync.harness import first_workstation, hub_export, make_hub, new_workstation, phone_conflict


def _field_conflict(tmp_path: Path):  # type: ignore[no-untyped-def]
    return phone_conflict(tmp_path)


def test_take_the_other_value_everywhere(tmp_path: Path) -> None:
    hub, a, b, p = _field_conflict(tmp_path)
    doc_b = b.login("doc")
    [conflict] = b.services.conflicts.list_open(doc_b)
    assert conflict.kind == "field" and "phone_mobile" in conflict.fields.split(",")
    kept = json.loads(conflict.kept_values)["phone_mobile"]
    other = json.loads(conflict.other_values)["phone_mobile"]
    assert {kept, other} == {"555-0111", "555-0222"}
    assert b.services.patients.get(doc_b, p.id).phone_mobile == kept

    done = b.services.conflicts.resolve(doc_b, conflict.id, Resolution.TAKE_OTHER, note="patient called")
    assert done.status == "resolved" and done.resolution.startswith("take-other")
    assert b.services.patients.get(doc_b, p.id).phone_mobile == other
    with b.db.read() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(conflict.id))).all()
    assert "conflict-resolve" in actions

    b.sync()
    a.sync()
    assert a.export() == b.export() == hub_export(hub)   # (before reads add audit entries)
    doc_a = a.login("doc")
    assert a.services.conflicts.list_open(doc_a) == []
    assert a.services.patients.get(doc_a, p.id).phone_mobile == other
    with pytest.raises(ValidationError):
        b.services.conflicts.resolve(doc_b, conflict.id, Resolution.KEEP)


def test_merge_only_the_fields_in_conflict_and_roles_are_checked(tmp_path: Path) -> None:
    _hub, _a, b, p = _field_conflict(tmp_path)
    doc = b.login("doc")
    [conflict] = b.services.conflicts.list_open(doc)
    with pytest.raises(ValidationError):
        b.services.conflicts.resolve(doc, conflict.id, Resolution.MERGE, values={"family_name": "X"})
    # front desk may resolve demographics; the billing-less nurse of a clinical conflict is tested below
    desk = b.login("desk")
    assert [c.id for c in b.services.conflicts.list_open(desk)] == [conflict.id]
    done = b.services.conflicts.resolve(desk, conflict.id, Resolution.MERGE,
                                        values={"phone_mobile": "555-0333"})
    assert done.status == "resolved"
    assert b.services.patients.get(doc, p.id).phone_mobile == "555-0333"


def test_clinical_conflicts_are_withheld_from_front_desk(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a = first_workstation(hub, tmp_path / "a")
    b = new_workstation(hub, tmp_path / "b")
    doc_a = a.login("doc")
    p = a.services.patients.register(doc_a, family_name="Problem", given_name="Pat",
                                     birth_date=date(1980, 4, 4), sex="male")
    problem = a.services.problems.create(doc_a, patient_id=p.id, icd10_code="I10",
                                         display="Essential hypertension", status="active")
    a.sync()
    b.sync()
    a.services.problems.resolve(doc_a, problem.id)
    b.services.problems.update(b.login("doc"), problem.id, comment="home readings high")
    a.sync()
    b.sync()
    [conflict] = b.services.conflicts.list_open(b.login("doc"))
    assert conflict.kind == "removal-edit"
    assert b.services.conflicts.list_open(b.login("desk")) == []
    with pytest.raises(PermissionDenied):
        b.services.conflicts.resolve(b.login("desk"), conflict.id, Resolution.KEEP)


def test_signed_note_conflict_cannot_write_the_other_side(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a = first_workstation(hub, tmp_path / "a")
    b = new_workstation(hub, tmp_path / "b")
    doc_a = a.login("doc")
    p = a.services.patients.register(doc_a, family_name="Signed", given_name="Note",
                                     birth_date=date(1990, 5, 5), sex="female")
    note = a.services.notes.create(doc_a, patient_id=p.id, author_id=doc_a.user_id, subjective="first")
    a.sync()
    b.sync()
    a.services.notes.sign(doc_a, note.id)
    b.services.notes.update(b.login("doc"), note.id, subjective="changed offline")
    a.sync()
    b.sync()
    doc_b = b.login("doc")
    [conflict] = b.services.conflicts.list_open(doc_b)
    assert conflict.kind == "signed-edit" and conflict.related_id is not None
    with pytest.raises(ImmutableRecord):
        b.services.conflicts.resolve(doc_b, conflict.id, Resolution.TAKE_OTHER)
    b.services.conflicts.resolve(doc_b, conflict.id, Resolution.DISCARD_ADDENDUM)
    assert b.services.notes.get(doc_b, conflict.related_id).record_status == "entered-in-error"
    assert b.services.notes.get(doc_b, note.id).subjective == "first"
