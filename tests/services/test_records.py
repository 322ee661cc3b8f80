"""Create, read, list by patient, update and status change for every chart area (one unit of work
per action, DTOs out), driven from one table."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.errors import NotFound, ValidationError
from emr_desktop.domain.records import PatientDTO, RecordDTO
from emr_desktop.models import Patient
from emr_desktop.services.registry import Services
from emr_desktop.sync.hlc import Stamp

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _patient(services: Services, actor: Any, family: str = "Rivera", **extra: Any) -> PatientDTO:
    values = dict(family_name=family, given_name="Ana", birth_date=date(1975, 4, 3), sex="female")
    values.update(extra)
    return services.patients.register(actor, **values)


# area name -> (service attribute, factory of create kwargs, an update)
def _cases(enc_id: uuid.UUID | None = None) -> dict[str, tuple[str, Callable[[uuid.UUID], dict[str, Any]],
                                                             dict[str, Any]]]:
    return {
        "coverage": ("coverages", lambda p: dict(patient_id=p, payer_name="Acme Health", member_id="X1"),
                     {"group_number": "G-77"}),
        "encounter": ("encounters", lambda p: dict(patient_id=p, encounter_type="office-visit",
                                                   start_time=NOW, status="in-progress", location="Room 1"),
                      {"reason": "cough"}),
        "note": ("notes", lambda p: dict(patient_id=p, title="Sick visit", subjective="Cough for 3 days"),
                 {"assessment": "Viral URI"}),
        "medication": ("medications", lambda p: dict(patient_id=p, display="amlodipine 5 MG Oral Tablet",
                                                     sig="1 tab daily"), {"sig": "1 tab twice daily"}),
        "allergy": ("allergies", lambda p: dict(patient_id=p, substance="Penicillin", category="medication",
                                                reaction="hives", severity="moderate"),
                    {"severity": "severe"}),
        "immunization": ("immunizations", lambda p: dict(patient_id=p, cvx_code="141", vaccine="Influenza",
                                                         kind="historical", occurrence_date=date(2025, 10, 1),
                                                         source="pharmacy"), {"site": "left deltoid"}),
        "lab_order": ("lab_orders", lambda p: dict(patient_id=p, loinc="4548-4", display="HbA1c"),
                      {"clinical_info": "fasting"}),
        "lab_result": ("lab_results", lambda p: dict(patient_id=p, loinc="4548-4", display="HbA1c",
                                                     value_numeric=7.2, unit="%", reference_high=5.6,
                                                     collected_at=NOW), {"comment": "repeat in 3 months"}),
        "imaging": ("imaging", lambda p: dict(patient_id=p, modality="DX", study="Chest X-ray 2 views",
                                              performed_at=NOW, status="preliminary",
                                              impression="No acute process."), {"status": "final"}),
        "problem": ("problems", lambda p: dict(patient_id=p, icd10_code="e11.9",
                                               display="Type 2 diabetes mellitus without complications"),
                    {"comment": "diet controlled"}),
        "family_history": ("family_history", lambda p: dict(patient_id=p, relationship="mother",
                                                            condition="Breast cancer", onset_age=52),
                           {"deceased": True}),
        "social_history": ("social_history", lambda p: dict(patient_id=p, smoking_status="former",
                                                            quit_year=2015, occupation="teacher"), {"alcohol_use": "rare"}),
        "appointment": ("appointments", lambda p: dict(patient_id=p, start_time=NOW + timedelta(days=3),
                                                       end_time=NOW + timedelta(days=3, minutes=20),
                                                       appointment_type="follow-up", reason="BP"),
                        {"room": "2"}),
    }


AREAS = sorted(_cases())


@pytest.mark.parametrize("area", AREAS)
def test_create_read_list_update_status(area: str, services: Services, everyone: Any) -> None:
    attr, make, change = _cases()[area]
    svc = getattr(services, attr)
    patient = _patient(services, everyone)
    other = _patient(services, everyone, family="Okafor")

    created = svc.create(everyone, **make(patient.id))
    assert isinstance(created, RecordDTO) and created.row_version == 0
    assert created.updated_hlc and Stamp.decode(created.updated_hlc).site == services.db.clock.site
    assert svc.get(everyone, created.id) == created
    assert [r.id for r in svc.list_for_patient(everyone, patient.id)] == [created.id]
    assert svc.list_for_patient(everyone, other.id) == []

    updated = svc.update(everyone, created.id, **change)
    for name, value in change.items():
        assert getattr(updated, name) == value
    assert updated.updated_hlc > created.updated_hlc
    assert svc.get(everyone, created.id) == updated

    hidden = svc.set_record_status(everyone, created.id, RecordStatus.ENTERED_IN_ERROR, "wrong patient")
    assert hidden.record_status == "entered-in-error" and hidden.record_status_reason == "wrong patient"
    assert svc.list_for_patient(everyone, patient.id) == []
    assert [r.id for r in svc.list_for_patient(everyone, patient.id, include_inactive=True)] == [created.id]
    with pytest.raises(ValidationError, match="entered-in-error"):
        svc.update(everyone, created.id, **change)


@pytest.mark.parametrize("area", AREAS)
def test_input_is_checked(area: str, services: Services, everyone: Any) -> None:
    attr, make, _change = _cases()[area]
    svc = getattr(services, attr)
    patient = _patient(services, everyone)
    good = make(patient.id)
    with pytest.raises(ValidationError, match="cannot be set"):
        svc.create(everyone, **good, record_status="active")
    with pytest.raises(ValidationError, match="cannot be set"):
        svc.create(everyone, **good, no_such_field=1)
    columns = svc.model.__table__.columns
    text_field = next(k for k, v in good.items()
                      if isinstance(v, str) and k not in svc.enums and getattr(columns[k].type, "length", None))
    with pytest.raises(ValidationError, match="too long"):
        svc.create(everyone, **{**good, text_field: "x" * 5000})
    with pytest.raises(ValidationError, match="reason"):
        created = svc.create(everyone, **good)
        svc.set_record_status(everyone, created.id, RecordStatus.INACTIVE, "  ")
    with pytest.raises(NotFound):
        svc.get(everyone, uuid.uuid4())


def test_required_fields_and_enums(services: Services, everyone: Any) -> None:
    with pytest.raises(ValidationError, match="required: .*Given name"):
        services.patients.register(everyone, family_name="Lee", birth_date=date(2000, 1, 1), sex="male")
    with pytest.raises(ValidationError, match="must be one of"):
        _patient(services, everyone, sex="robot")
    with pytest.raises(ValidationError, match="future"):
        _patient(services, everyone, birth_date=date.today() + timedelta(days=1))


def test_failed_action_leaves_nothing_behind(services: Services, everyone: Any) -> None:
    """One unit of work per action: a failure half-way rolls the whole action back."""
    with services.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Patient))
    with pytest.raises(ValidationError):
        services.vitals.record(everyone, _patient(services, everyone).id, systolic=120, diastolic=80,
                               pulse=900)  # second value impossible: nothing of the panel is saved
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == before + 1
    assert services.chart.load(everyone, services.patients.search(everyone, "Rivera")[0].id).vitals == ()


def test_changes_are_stamped_with_actor_and_a_monotonic_clock(services: Services, everyone: Any) -> None:
    p = _patient(services, everyone)
    stamps = [p.updated_hlc]
    for i in range(20):
        stamps.append(services.patients.update(everyone, p.id, alert_note=f"alert {i}").updated_hlc)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    with services.db.read() as s:
        row = s.get(Patient, p.id)
        assert row.updated_by == everyone.user_id and row.origin_site == services.db.clock.site
