"""Printing through the service: who may print, what is refused, what the audit trail keeps (no
PHI), and that the PDFs carry the chart's content (text extracted with pypdf)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from emr_desktop.domain.records import AuditEventDTO, MedicationDTO
from emr_desktop.models import AuditEvent
from emr_desktop.printing.data import PrintSettings
from emr_desktop.services import printing as printing_mod
from emr_desktop.services.registry import Services
from emr_desktop.sync.hlc import Stamp
from tests.conftest import TEST_PASSWORD

VISIT_START = datetime(2025, 6, 2, 15, 0, tzinfo=UTC)  # the practice's zone is UTC
VISIT_DAY = VISIT_START.date()
DEA = "AB1234563"
NPI = "1234567893"


@dataclass
class Chart:
    patient_id: uuid.UUID
    mrn: str
    encounter_id: uuid.UUID
    rx_plain: uuid.UUID
    rx_controlled: uuid.UUID
    rx_draft: uuid.UUID
    doctor: Actor
    nurse: Actor
    front_desk: Actor


def _user(services: Services, admin: Actor, name: str, roles: tuple[str, ...], **extra: str) -> Actor:
    services.users.create_user(admin, username=name, display_name=extra.pop("display", name.title()),
                               password=TEST_PASSWORD, roles=roles, **extra)
    return services.users.authenticate(name, TEST_PASSWORD)


@pytest.fixture
def chart(services: Services, admin: Actor) -> Chart:
    doctor = _user(services, admin, "drjones", ("provider",), display="Morgan Jones", credentials="MD",
                   npi=NPI, dea_number=DEA)
    nurse = _user(services, admin, "nurse.kim", ("nurse",))
    desk = _user(services, admin, "desk.lee", ("front_desk",))
    p = services.patients.register(admin, family_name="Okafor", given_name="Adaeze",
                                   birth_date=date(1968, 4, 9), sex="female",
                                   address_line1="12 Elm Street", city="Springfield", state="IL",
                                   postal_code="62701")
    enc = services.encounters.start(doctor, p.id, "office-visit", reason="Blood pressure follow-up",
                                    start_time=VISIT_START)
    services.vitals.record(doctor, p.id, encounter_id=enc.id, taken_at=VISIT_START + timedelta(minutes=5),
                           systolic=138, diastolic=86, pulse=72, weight=80, height=175)
    # an older panel on another day is not this visit's
    services.vitals.record(doctor, p.id, taken_at=VISIT_START - timedelta(days=90), systolic=150,
                           diastolic=95)
    services.problems.create(doctor, patient_id=p.id, icd10_code="I10",
                             display="Essential (primary) hypertension")
    services.problems.create(doctor, patient_id=p.id, icd10_code="E11.9",
                             display="Type 2 diabetes mellitus without complications")
    services.problems.create(doctor, patient_id=p.id, icd10_code="J45.909", display="Asthma, unspecified")
    note = services.notes.create(
        doctor, patient_id=p.id, encounter_id=enc.id, subjective="Home readings in the 140s.",
        assessment="Hypertension (I10): not at goal.\nType 2 diabetes (E11.9): stable.\n"
                   "Acute bronchitis (J20.9): resolving.",
        plan="Increase lisinopril to 20 mg daily.\nPatient instructions: check BP at home twice a week.\n"
             "Return in 3 months.")
    services.notes.sign(doctor, note.id)
    services.notes.create(doctor, patient_id=p.id, encounter_id=enc.id, plan="Unsigned draft idea.")
    lisinopril = services.medications.create(
        doctor, patient_id=p.id, display="lisinopril 10 MG Oral Tablet", sig="1 tablet by mouth daily",
        start_date=date(2023, 1, 5), form="tablet")
    services.medications.create(doctor, patient_id=p.id, display="metformin 500 MG Oral Tablet",
                                sig="1 tablet twice daily with meals", start_date=VISIT_DAY)
    statin = services.medications.create(doctor, patient_id=p.id, display="simvastatin 20 MG Oral Tablet",
                                         sig="1 tablet at bedtime", start_date=date(2022, 3, 1))
    services.medications.stop(doctor, statin.id, "muscle aches", stop_date=VISIT_DAY)
    old = services.medications.create(doctor, patient_id=p.id, display="amoxicillin 500 MG Oral Capsule",
                                       sig="1 capsule three times daily", start_date=date(2024, 1, 1))
    services.medications.stop(doctor, old.id, "course finished", stop_date=date(2024, 1, 10))
    services.allergies.create(doctor, patient_id=p.id, substance="Penicillin", reaction="hives")
    services.immunizations.create(doctor, patient_id=p.id, cvx_code="141", vaccine="Influenza, seasonal",
                                  kind="given", occurrence_date=VISIT_DAY, lot_number="FLU123",
                                  encounter_id=enc.id)
    a1c = services.lab_results.create(doctor, patient_id=p.id, loinc="4548-4", display="Hemoglobin A1c",
                                      value_numeric=7.2, unit="%", reference_high=5.6,
                                      collected_at=VISIT_START - timedelta(days=3))
    services.lab_results.update(doctor, a1c.id, reviewed_by_id=doctor.user_id,
                                reviewed_at=VISIT_START + timedelta(minutes=20))
    rx_plain = services.prescriptions.prescribe(doctor, lisinopril.id, quantity=90, refills=1,
                                                sig="Take 2 tablets by mouth daily")
    services.prescriptions.sign(doctor, rx_plain.id)
    oxy = services.medications.create(doctor, patient_id=p.id, display="oxycodone 5 MG Oral Tablet",
                                      sig="1 tablet every 6 hours as needed for pain", dea_schedule="II",
                                      form="tablet")
    rx_controlled = services.prescriptions.prescribe(doctor, oxy.id, quantity=12)
    services.prescriptions.sign(doctor, rx_controlled.id)
    rx_draft = services.prescriptions.prescribe(doctor, lisinopril.id, quantity=30)
    return Chart(p.id, p.mrn, enc.id, rx_plain.id, rx_controlled.id, rx_draft.id, doctor, nurse, desk)


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _audit(services: Services, **where: object) -> list[AuditEventDTO]:
    with services.db.read() as session:
        stmt = select(AuditEvent)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return [AuditEventDTO.from_row(r) for r in session.scalars(stmt.order_by(AuditEvent.seq))]


# --- the visit summary --------------------------------------------------------------------------


def test_visit_summary_data_follows_the_documented_rules(services: Services, chart: Chart) -> None:
    data = services.printing.visit_summary_data(chart.nurse, chart.encounter_id)
    assert data.patient.name == "Okafor, Adaeze" and data.patient.mrn == chart.mrn
    assert data.patient.address_lines == ("12 Elm Street", "Springfield, IL 62701")
    assert data.provider == "Morgan Jones, MD" and data.reason == "Blood pressure follow-up"
    assert data.visit_date == VISIT_START
    vitals = dict(data.vitals)
    assert vitals["Blood pressure"] == "138/86 mmHg" and vitals["Heart rate"] == "72 beats/min"
    assert vitals["Weight"].startswith("80.0 kg") and "BMI" in vitals
    # the assessment names I10 and E11.9 (on the list) and J20.9 (not on it); asthma was not addressed
    assert data.problems_addressed == (
        ("Essential (primary) hypertension", "I10"),
        ("Type 2 diabetes mellitus without complications", "E11.9"),
        ("Acute bronchitis: resolving.", "J20.9"))
    changes = {m.display.split()[0]: m.change for m in data.medications}
    # amoxicillin was stopped before the visit, oxycodone started after it (today): both left out
    assert changes == {"metformin": "started", "simvastatin": "stopped", "lisinopril": "current"}
    assert next(m for m in data.medications if m.change == "stopped").note == "muscle aches"
    assert data.allergies == ("Penicillin (hives)",)
    assert data.immunizations_given == ("Influenza, seasonal",)
    assert data.results_reviewed == (("Hemoglobin A1c", "7.2 %", "high"),)
    assert data.plan == "Increase lisinopril to 20 mg daily."
    assert data.instructions == "Patient instructions: check BP at home twice a week."
    assert data.follow_up == "Return in 3 months."
    assert "Unsigned draft idea." not in (data.plan + data.instructions + data.follow_up)
    assert data.due and all(":" in item for item in data.due)


def test_visit_summary_pdf_has_the_visit(services: Services, chart: Chart) -> None:
    text = _text(services.printing.visit_summary_pdf(chart.doctor, chart.encounter_id))
    for expected in ("Okafor, Adaeze", chart.mrn, "Blood pressure follow-up", "138/86 mmHg",
                     "Essential (primary) hypertension", "I10", "E11.9", "metformin 500 MG Oral Tablet",
                     "Increase lisinopril to 20 mg daily.", "Return in 3 months.", "Penicillin",
                     "Influenza, seasonal", "Hemoglobin A1c", "Morgan Jones"):
        assert expected in text, expected


def test_visit_summary_reads_are_audited_without_phi_and_nothing_is_printed_yet(
        services: Services, chart: Chart) -> None:
    services.printing.visit_summary_pdf(chart.nurse, chart.encounter_id)
    reads = _audit(services, user_id=chart.nurse.user_id, patient_id=chart.patient_id)
    assert {e.category for e in reads} == {"demographics", "encounter", "note", "vitals", "problem",
                                           "medication", "allergy", "immunization", "lab", "imaging"}
    assert all(e.action == "read" and e.detail == "visit summary" for e in reads)


def test_visit_summary_refused_to_front_desk_and_audited(services: Services, chart: Chart) -> None:
    with pytest.raises(PermissionDenied):
        services.printing.visit_summary_pdf(chart.front_desk, chart.encounter_id)
    denied = _audit(services, user_id=chart.front_desk.user_id, outcome="denied")
    assert [(e.category, e.action) for e in denied] == [("note", "print")]
    with pytest.raises(NotFound):
        services.printing.visit_summary_pdf(chart.doctor, uuid.uuid4())


# --- prescriptions ------------------------------------------------------------------------------


def test_nurse_prints_a_signed_prescription_front_desk_does_not(services: Services, chart: Chart) -> None:
    text = _text(services.printing.prescriptions_pdf(chart.nurse, [chart.rx_plain]))
    for expected in ("Okafor, Adaeze", "lisinopril 10 MG Oral Tablet", "Take 2 tablets by mouth daily",
                     NPI, "Morgan Jones", "12 Elm Street", "Test Family Practice"):
        assert expected in text, expected
    assert DEA not in text  # not a controlled drug
    with pytest.raises(PermissionDenied):
        services.printing.prescriptions_pdf(chart.front_desk, [chart.rx_plain])
    denied = _audit(services, user_id=chart.front_desk.user_id, outcome="denied")
    assert [(e.category, e.action, e.object_id) for e in denied] == [
        ("prescription", "print", str(chart.rx_plain))]


def test_controlled_prescription_carries_the_dea_number(services: Services, chart: Chart) -> None:
    items = services.printing.prescription_data(chart.doctor, [chart.rx_plain, chart.rx_controlled])
    assert [i.prescriber.dea_number for i in items] == ["", DEA]
    assert (items[1].strength, items[1].form) == ("", "")  # the drug name says "5 MG Oral Tablet"
    text = _text(services.printing.prescriptions_pdf(chart.doctor, [chart.rx_controlled]))
    assert DEA in text and "oxycodone 5 MG Oral Tablet" in text and NPI in text


def test_unsigned_prescription_is_refused(services: Services, chart: Chart) -> None:
    with pytest.raises(ValidationError, match="Sign the prescription before printing it."):
        services.printing.prescriptions_pdf(chart.doctor, [chart.rx_plain, chart.rx_draft])
    with pytest.raises(ValidationError, match="Sign the prescription"):
        services.printing.record_output(chart.doctor, "prescription", [chart.rx_draft], how="printer")
    with pytest.raises(ValidationError, match="Choose something"):
        services.printing.prescriptions_pdf(chart.doctor, [])
    with pytest.raises(NotFound):
        services.printing.prescriptions_pdf(chart.doctor, [uuid.uuid4()])


# --- output audit -------------------------------------------------------------------------------


def test_record_output_audits_each_record_without_phi(services: Services, chart: Chart) -> None:
    pr = services.printing
    pr.record_output(chart.nurse, "prescription", [chart.rx_plain, chart.rx_controlled], how="printer",
                     printer="Front Office LaserJet\n")
    pr.record_output(chart.doctor, "visit-summary", [chart.encounter_id], how="pdf-file")
    printed = _audit(services, action="print")
    assert [(e.category, e.object_id, e.detail, e.patient_id) for e in printed] == [
        ("prescription", str(chart.rx_plain), "prescription printer=Front Office LaserJet", chart.patient_id),
        ("prescription", str(chart.rx_controlled), "prescription printer=Front Office LaserJet",
         chart.patient_id)]
    saved = _audit(services, action="save-pdf")
    assert [(e.category, e.object_id, e.detail) for e in saved] == [
        ("note", str(chart.encounter_id), "visit-summary pdf-file")]
    for entry in _audit(services):
        for phi in ("Okafor", "Adaeze", chart.mrn, "1968", "Elm Street", "/", "lisinopril"):
            assert phi not in entry.detail
    assert services.prescriptions.get(chart.doctor, chart.rx_plain).status == "printed"
    # a printed prescription can be printed again (a reprint is audited again)
    assert services.printing.prescriptions_pdf(chart.doctor, [chart.rx_plain]).startswith(b"%PDF")
    with pytest.raises(PermissionDenied):
        pr.record_output(chart.front_desk, "prescription", [chart.rx_plain], how="pdf-file")
    with pytest.raises(ValidationError):
        pr.record_output(chart.doctor, "prescription", [chart.rx_plain], how="fax")
    with pytest.raises(ValidationError):
        pr.record_output(chart.doctor, "letter", [chart.rx_plain], how="printer")


# --- settings -----------------------------------------------------------------------------------


def test_print_settings_are_a_validated_audited_practice_setting(
        services: Services, admin: Actor, chart: Chart) -> None:
    assert services.printing.settings(chart.nurse) == PrintSettings()
    updated = services.practice.update_print_settings(admin, paper="A4", margin_top_mm=25,
                                                      margin_left_mm=12.5, prescriptions_per_page=4)
    assert (updated.print_paper, updated.print_margin_top_mm, updated.print_margin_left_mm,
            updated.print_prescriptions_per_page) == ("a4", 25.0, 12.5, 4)
    assert services.printing.settings(chart.nurse) == PrintSettings(
        paper="a4", margin_top_mm=25, margin_left_mm=12.5, prescriptions_per_page=4)
    entry = _audit(services, category="practice", action="settings-change")[-1]
    assert entry.detail == "margin_left_mm,margin_top_mm,paper,prescriptions_per_page"
    page = PdfReader(io.BytesIO(services.printing.prescriptions_pdf(chart.doctor, [chart.rx_plain]))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4

    for bad, message in ((dict(margin_top_mm=51), "0-50 mm"), (dict(margin_right_mm=-1), "0-50 mm"),
                         (dict(margin_bottom_mm=float("nan")), "0-50 mm"),
                         (dict(prescriptions_per_page=5), "1-4"), (dict(prescriptions_per_page=0), "1-4"),
                         (dict(prescriptions_per_page=True), "1-4"), (dict(paper="legal"), "letter or a4"),
                         (dict(colour="red"), "Not a print setting")):
        with pytest.raises(ValidationError, match=message):
            services.practice.update_print_settings(admin, **bad)
    with pytest.raises(PermissionDenied):
        services.practice.update_print_settings(chart.doctor, paper="letter")
    assert services.printing.settings(chart.doctor).paper == "a4"


# --- the rules as pure functions ----------------------------------------------------------------


def test_a_medication_updated_on_the_visit_day_counts_as_changed() -> None:
    on_day = Stamp(int(VISIT_START.timestamp() * 1000), 0, "s").encode()
    before = Stamp(int((VISIT_START - timedelta(days=30)).timestamp() * 1000), 0, "s").encode()

    def med(name: str, hlc: str, **extra: object) -> MedicationDTO:
        values: dict[str, object] = {"start_date": date(2020, 1, 1), **extra}
        return MedicationDTO(id=uuid.uuid4(), patient_id=uuid.uuid4(), display=name, status="active",
                             updated_hlc=hlc, **values)  # type: ignore[arg-type]

    lines = printing_mod.medication_lines(
        [med("b-drug", on_day), med("a-drug", before), med("c-drug", before, status_reason="x"),
         med("later", before, start_date=VISIT_DAY + timedelta(days=1))],
        VISIT_DAY, lambda when: when.astimezone(UTC).date())
    assert [(m.display, m.change) for m in lines] == [("b-drug", "changed"), ("a-drug", "current"),
                                                     ("c-drug", "current")]


def test_plan_split_and_problems_without_codes() -> None:
    plan, instructions, follow_up = printing_mod.split_plan(
        ["- Start metformin.\n- Return precautions: chest pain.\n- Follow-up: 2 weeks", "", "Rest."])
    assert (plan, instructions, follow_up) == ("- Start metformin.\n\nRest.", "Return precautions: chest pain.",
                                               "Follow-up: 2 weeks")
    assert printing_mod.split_plan([]) == ("", "", "")
