"""Behaviour of individual chart areas beyond plain CRUD."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    ImmutableRecord,
    ValidationError,
)
from emr_desktop.domain.signing import note_hash
from emr_desktop.models import ClinicalNote, DocumentContent
from emr_desktop.services import mrn
from emr_desktop.services.export import export_json
from emr_desktop.services.registry import Services
from tests.conftest import TEST_PASSWORD


def _patient(services: Services, actor: Any, family: str = "Nguyễn", given: str = "Thị Lan",
             dob: date = date(1962, 8, 30), **extra: Any):
    return services.patients.register(actor, family_name=family, given_name=given, birth_date=dob,
                                      sex="female", **extra)


def test_signed_note_is_sealed_and_takes_addenda(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    enc = services.encounters.start(provider, p.id, "follow-up", reason="diabetes")
    draft = services.notes.create(provider, patient_id=p.id, encounter_id=enc.id, subjective="s",
                                  assessment="T2DM, A1c 7.4", plan="Continue metformin")
    with pytest.raises(ValidationError, match="addendum"):
        services.notes.add_addendum(provider, draft.id, "too early")
    signed = services.notes.sign(provider, draft.id)
    assert signed.status == "signed" and signed.signed_by_id == provider.user_id
    assert signed.signature_hash == note_hash(signed)
    with pytest.raises(ImmutableRecord):
        services.notes.update(provider, signed.id, plan="Stop metformin")
    with pytest.raises(ImmutableRecord):
        services.notes.sign(provider, signed.id)
    addendum = services.notes.add_addendum(provider, signed.id, "A1c repeated: 7.1")
    assert addendum.addendum_to_id == signed.id and addendum.status == "draft"
    assert addendum.encounter_id == enc.id
    services.notes.sign(provider, addendum.id)
    assert services.notes.get(provider, signed.id) == signed
    # Tampering below the service layer is detectable.
    with services.db.unit_of_work() as s:
        s.execute(update(ClinicalNote).where(ClinicalNote.id == signed.id).values(plan="Stop metformin"))
    assert not services.notes.verify_signature(services.notes.get(provider, signed.id))


def test_empty_note_cannot_be_signed(services: Services, provider: Any) -> None:
    note = services.notes.create(provider, patient_id=_patient(services, provider).id)
    with pytest.raises(ValidationError, match="empty"):
        services.notes.sign(provider, note.id)


def test_medication_prescription_flow(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = services.medications.create(provider, patient_id=p.id, code="314076",
                                      display="lisinopril 10 MG Oral Tablet", form="tablet",
                                      sig="Take 1 tablet by mouth daily")
    assert med.status == "active" and med.start_date == date.today()
    rx = services.prescriptions.prescribe(provider, med.id, quantity=90, refills=3)
    assert (rx.drug_display, rx.sig, rx.quantity_unit, rx.status) == (
        med.display, med.sig, "tablet", "draft")
    signed = services.prescriptions.sign(provider, rx.id)
    assert signed.signature_hash and signed.status == "signed"
    with pytest.raises(ImmutableRecord):
        services.prescriptions.update(provider, rx.id, quantity=30)
    assert services.prescriptions.mark(provider, rx.id, "printed").status == "printed"
    with pytest.raises(ValidationError, match="reason"):
        services.medications.stop(provider, med.id, "")
    stopped = services.medications.stop(provider, med.id, "cough (ACE inhibitor)")
    assert (stopped.status, stopped.stop_date, stopped.status_reason) == (
        "stopped", date.today(), "cough (ACE inhibitor)")
    with pytest.raises(ValidationError, match="active medication"):
        services.prescriptions.prescribe(provider, med.id, quantity=30)


def test_controlled_substance_refill_limits(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    oxy = services.medications.create(provider, patient_id=p.id, display="oxycodone 5 MG Oral Tablet",
                                      sig="1 tab q6h prn pain", dea_schedule="II")
    with pytest.raises(ValidationError, match="Refills must be between 0 and 0"):
        services.prescriptions.prescribe(provider, oxy.id, quantity=12, refills=1)
    assert services.prescriptions.prescribe(provider, oxy.id, quantity=12).dea_schedule == "II"
    with pytest.raises(ValidationError, match="DEA schedule"):
        services.medications.create(provider, patient_id=p.id, display="x", dea_schedule="VI")


def test_allergies_and_no_known_allergies(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    nka = services.allergies.record_no_known_allergies(provider, p.id)
    assert nka.no_known_allergies and nka.code == "716186003"
    assert services.allergies.record_no_known_allergies(provider, p.id).id == nka.id  # idempotent
    pcn = services.allergies.create(provider, patient_id=p.id, substance="Penicillin", reaction="rash")
    active = services.allergies.list_for_patient(provider, p.id)
    statuses = {a.substance: a.status for a in active}
    assert statuses == {"Penicillin": "active", "No known allergy": "inactive"}
    with pytest.raises(ValidationError, match="active allergies"):
        services.allergies.record_no_known_allergies(provider, p.id)
    with pytest.raises(ValidationError, match="reason"):
        services.allergies.set_status(provider, pcn.id, "resolved", "")
    assert services.allergies.set_status(provider, pcn.id, "resolved", "tolerated amoxicillin").status == "resolved"


def test_vitals_bmi_ranges_and_trend(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    t0 = datetime(2025, 1, 1, 9, tzinfo=UTC)
    rows = services.vitals.record(provider, p.id, taken_at=t0, systolic=150, diastolic=95,
                                  height=160, weight=80, temperature=36.8, spo2=97, pain=2)
    by_code = {r.loinc: r for r in rows}
    assert by_code["39156-5"].value == 31.2 and by_code["39156-5"].unit == "kg/m2"
    assert by_code["8480-6"].unit == "mm[Hg]" and by_code["8310-5"].unit == "Cel"
    assert len({r.panel_id for r in rows}) == 1
    services.vitals.record(provider, p.id, taken_at=t0 + timedelta(days=90), systolic=132, diastolic=84)
    assert [v.value for v in services.vitals.trend(provider, p.id, "8480-6")] == [150, 132]
    with pytest.raises(ValidationError, match="both systolic and diastolic"):
        services.vitals.record(provider, p.id, systolic=120)
    with pytest.raises(ValidationError, match="higher than diastolic"):
        services.vitals.record(provider, p.id, systolic=80, diastolic=120)
    with pytest.raises(ValidationError, match=r"98.6 °C is outside the possible range \(25-45\); check the value"):
        services.vitals.record(provider, p.id, temperature=98.6)  # Fahrenheit typed into Celsius
    with pytest.raises(ValidationError, match="Unknown vital"):
        services.vitals.record(provider, p.id, mood=3)


def test_lab_results_flags_orders_and_trends(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    order = services.lab_orders.create(provider, patient_id=p.id, loinc="2345-7", display="Glucose")
    assert order.status == "ordered"
    when = datetime(2025, 6, 1, 8, tzinfo=UTC)
    cases = [(55.0, "L"), (90.0, "N"), (180.0, "H")]
    for i, (value, _flag) in enumerate(cases):
        services.lab_results.create(provider, patient_id=p.id, order_id=order.id, loinc="2345-7",
                                    display="Glucose", value_numeric=value, unit="mg/dL",
                                    reference_low=70, reference_high=99,
                                    collected_at=when + timedelta(days=i))
    trend = services.lab_results.trend(provider, p.id, "2345-7")
    assert [(r.value_numeric, r.abnormal_flag) for r in trend] == cases
    assert trend[0].value_text == "55"
    assert services.lab_orders.get(provider, order.id).status == "resulted"
    with pytest.raises(ImmutableRecord):
        services.lab_results.update(provider, trend[0].id, status="preliminary")
    reviewed = services.lab_results.mark_reviewed(provider, trend[0].id)
    assert reviewed.reviewed_by_id == provider.user_id
    other = _patient(services, provider, family="Other")
    with pytest.raises(ValidationError, match="order"):
        services.lab_results.create(provider, patient_id=other.id, order_id=order.id, loinc="2345-7",
                                    display="Glucose", value_numeric=1, collected_at=when)


def test_immunization_kinds(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    with pytest.raises(ValidationError, match="lot number"):
        services.immunizations.create(provider, patient_id=p.id, cvx_code="115", vaccine="Tdap",
                                      kind="given", occurrence_date=date.today())
    given = services.immunizations.create(provider, patient_id=p.id, cvx_code="115", vaccine="Tdap",
                                          kind="given", occurrence_date=date.today(), lot_number="AB12",
                                          site="left deltoid", route="IM")
    assert given.administered_by_id == provider.user_id
    with pytest.raises(ValidationError, match="refused"):
        services.immunizations.create(provider, patient_id=p.id, cvx_code="141", vaccine="Influenza",
                                      kind="refused", occurrence_date=date.today())
    with pytest.raises(ValidationError, match="one of"):
        services.immunizations.create(provider, patient_id=p.id, cvx_code="141", vaccine="Influenza",
                                      kind="maybe", occurrence_date=date.today())


def test_problem_codes_and_resolution(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    with pytest.raises(ValidationError, match="ICD-10-CM"):
        services.problems.create(provider, patient_id=p.id, icd10_code="401.9", display="HTN (ICD-9)")
    prob = services.problems.create(provider, patient_id=p.id, icd10_code="j45.909", display="Asthma")
    assert prob.icd10_code == "J45.909" and prob.status == "active"
    resolved = services.problems.resolve(provider, prob.id, reason="no symptoms for 2 years")
    assert resolved.status == "resolved" and resolved.resolved_date == date.today()


def test_social_history_smoking_code(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    services.social_history.create(provider, patient_id=p.id, smoking_status="never",
                                   recorded_at=datetime(2020, 1, 1, tzinfo=UTC))
    services.social_history.create(provider, patient_id=p.id, smoking_status="current-every-day")
    current = services.social_history.current(provider, p.id)
    assert current is not None and (current.smoking_status, current.smoking_snomed) == (
        "current-every-day", "449868002")


def test_documents_live_in_the_database(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    data = b"%PDF-1.4 synthetic referral letter\n" * 100
    doc = services.documents.attach(provider, p.id, title="Referral letter", data=data,
                                    filename="referral.pdf", mime_type="application/pdf")
    assert doc.size_bytes == len(data)
    assert services.documents.content(provider, doc.id) == data
    assert services.chart.load(provider, p.id).documents == (doc,)
    with pytest.raises(ValidationError, match="empty"):
        services.documents.attach(provider, p.id, title="x", data=b"")
    with services.db.unit_of_work() as s:
        s.execute(update(DocumentContent).values(data=b"tampered"))
    with pytest.raises(ValidationError, match="checksum"):
        services.documents.content(provider, doc.id)


def test_appointments_between(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    day = datetime(2026, 5, 4, 13, tzinfo=UTC)
    for minutes in (0, 30, 24 * 60):
        services.appointments.create(provider, patient_id=p.id, provider_id=provider.user_id,
                                     start_time=day + timedelta(minutes=minutes),
                                     end_time=day + timedelta(minutes=minutes + 20),
                                     appointment_type="follow-up")
    today = services.appointments.between(provider, day, day + timedelta(hours=12))
    assert [a.start_time for a in today] == [day, day + timedelta(minutes=30)]
    with pytest.raises(ValidationError, match="end after"):
        services.appointments.create(provider, patient_id=p.id, start_time=day, end_time=day,
                                     appointment_type="follow-up")


def test_patient_search_forms(services: Services, admin: Any) -> None:
    a = _patient(services, admin, phone_mobile="(555) 201-3344")
    b = _patient(services, admin, family="Ordóñez", given="María José", dob=date(1990, 2, 14))
    c = _patient(services, admin, family="Ordway", given="Lan", dob=date(1990, 2, 14))
    ids = lambda q: [p.id for p in services.patients.search(admin, q)]  # noqa: E731
    assert ids("nguyen") == [a.id]
    assert ids("ORDO") == [b.id]
    assert ids("ord") == [b.id, c.id]
    assert ids("ordonez, maria") == [b.id]
    assert ids("maria ordonez") == [b.id]
    assert ids("lan") == [c.id]  # given-name prefix; "Thị Lan" starts with "thi"
    assert set(ids("1990-02-14")) == {b.id, c.id} == set(ids("02/14/1990"))
    assert ids(a.mrn) == [a.id]
    assert ids("555-201") == [a.id]
    assert ids("") == [] and ids("zzz") == []
    services.patients.set_record_status(admin, c.id, RecordStatus.ENTERED_IN_ERROR, "duplicate")
    assert ids("ord") == [b.id]
    dupes = services.patients.possible_duplicates(admin, "ORDONEZ", "Maria Jose", date(1990, 2, 14))
    assert [d.id for d in dupes] == [b.id]


def test_update_keeps_search_keys_current(services: Services, admin: Any) -> None:
    p = _patient(services, admin)
    services.patients.update(admin, p.id, family_name="Brown-Whitfield")
    assert [r.id for r in services.patients.search(admin, "brown-w")] == [p.id]
    assert services.patients.search(admin, "nguyen") == []


def test_mrns_are_unique_and_check_digited(services: Services, admin: Any) -> None:
    mrns = [_patient(services, admin, family=f"P{i}").mrn for i in range(30)]
    assert len(set(mrns)) == 30 and all(mrn.is_valid_mrn(m) for m in mrns)
    bad = mrns[0][:-1] + str((int(mrns[0][-1]) + 1) % 10)
    assert not mrn.is_valid_mrn(bad)
    with services.db.unit_of_work() as s:
        mrn.reserve_block(s, 5, 6, "local")
    with services.db.unit_of_work() as s:
        from emr_desktop.models import MrnBlock

        for block in s.query(MrnBlock):
            if block.first != 5:
                block.next_value = block.last + 1
    assert [_patient(services, admin, family=f"Q{i}").mrn for i in range(2)] == [
        mrn.format_mrn(5), mrn.format_mrn(6)]
    with pytest.raises(mrn.MrnExhausted):
        _patient(services, admin, family="Late")
    assert services.patients.search(admin, "late") == []


def test_login_and_lockout(services: Services, admin: Any) -> None:
    with pytest.raises(AuthenticationFailed):
        services.users.authenticate("nobody", "whatever1")
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            services.users.authenticate("admin", "wrong-password")
    assert services.users.authenticate("admin", TEST_PASSWORD).username == "admin"  # resets count
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.users.authenticate("admin", "wrong-password")
    with pytest.raises(AccountLocked):
        services.users.authenticate("admin", TEST_PASSWORD)


def test_users_validate_identifiers(services: Services, admin: Any) -> None:
    with pytest.raises(ValidationError, match="NPI"):
        services.users.create_user(admin, username="dr2", display_name="D", password=TEST_PASSWORD,
                                   roles=("provider",), npi="1234567890")
    with pytest.raises(ValidationError, match="DEA"):
        services.users.create_user(admin, username="dr2", display_name="D", password=TEST_PASSWORD,
                                   roles=("provider",), dea_number="AB1234567")
    with pytest.raises(ValidationError, match="role"):
        services.users.create_user(admin, username="dr2", display_name="D", password=TEST_PASSWORD,
                                   roles=("wizard",))
    user = services.users.create_user(admin, username="Dr.Two", display_name="D", password=TEST_PASSWORD,
                                      roles=("provider", "admin"), dea_number="AB1234563")
    assert user.username == "dr.two" and user.roles == ("admin", "provider")
    with pytest.raises(ValidationError, match="taken"):
        services.users.create_user(admin, username="dr.two", display_name="D", password=TEST_PASSWORD,
                                   roles=("nurse",))


def test_export_is_canonical(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    services.notes.create(provider, patient_id=p.id, subjective="Ünïcödé ✓")
    first, second = io.StringIO(), io.StringIO()
    export_json(services.db, first)
    export_json(services.db, second)
    assert first.getvalue() == second.getvalue()
    doc = json.loads(first.getvalue())
    assert doc["format"] == "emr-desktop-export" and "outbox_op" not in doc["tables"]
    assert "sync_state" not in doc["tables"] and "mrn_block" not in doc["tables"]
    assert [r["family_name"] for r in doc["tables"]["patient"]] == ["Nguyễn"]
    ids = [r["id"] for r in doc["tables"]["user_account"]]
    assert ids == sorted(ids)
    assert all(r["password_hash"].startswith("sha256:") for r in doc["tables"]["user_account"])
    assert list(doc["tables"]) == sorted(doc["tables"])


def test_dtos_are_frozen(services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.family_name = "x"  # type: ignore[misc]
