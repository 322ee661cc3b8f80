"""Printed documents: the after-visit summary and prescriptions, as PDF bytes in memory.

Each call reads what a document needs in one unit of work, checks READ of every chart section it
shows and PRINT for the patient, audits those reads (like opening a chart does), then hands plain
records (``printing.data``) to the reportlab builders. Nothing is written to disk here: the bytes go
to the preview, to a printer, or to a file the user chose - and that output is audited separately
by ``record_output`` (printer name or "pdf-file", never a path or a patient's name).

What the visit summary shows (rules kept simple on purpose; the visit *day* is the local date of
the encounter's start in the practice's time zone, so a reprint shows the same document):

- **Plan**: the plan of every signed note of the encounter (addenda included, in signing order;
  drafts are not printed), without the lines that go to *instructions* or *follow-up*.
- **Instructions**: plan lines starting with "Instructions", "Patient instructions", "Patient
  education" or "Return precautions".
- **Follow-up**: the other plan lines starting with "Return", "Follow" (follow-up, follow up) or
  "Next " (next visit, next review). Empty when the plan names none.
- **Vitals**: the latest panel recorded for the encounter; when none was, the latest panel taken
  on the visit day.
- **Problems addressed**: active problems whose ICD-10-CM code the signed notes' assessment
  names, plus codes the assessment names that are not on the problem list (shown with their
  assessment line, less the code). When the assessment names no code: every active problem.
- **Medications** (entered-in-error ones never): *stopped* = stopped or completed with a stop date
  on the visit day; *started* = start date on the visit day; *changed* = still active, started
  earlier and last updated on the visit day (the record's change stamp); *current* = any other
  medication that was active on the visit day (started by then, not stopped before it).
  Medications started after the visit day or stopped before it are left out.
- **Allergies**: the active ones (or "No known allergies").
- **Immunizations given**: given (not historical or refused) on the visit day or for the encounter.
- **Results reviewed**: lab results marked reviewed on the visit day.
- **Due**: ``clinical.due.due_items`` as of the visit day (sections the user may not read are
  skipped by the rules).

Prescriptions print when signed (or already printed); drafts, cancelled, sent and
entered-in-error ones are refused with a message. The prescriber's DEA number is passed only for
a controlled drug; strength and form are left out when the drug name already says them
("lisinopril 10 MG Oral Tablet"). Printing or saving a signed prescription marks it "printed".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.clinical.due import due_items
from emr_desktop.clinical.note_templates import latest_panel
from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import VITALS_BY_LOINC
from emr_desktop.domain.drug_names import mentions
from emr_desktop.domain.enums import (
    AllergyStatus,
    ImmunizationKind,
    MedicationStatus,
    NoteStatus,
    PrescriptionStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.errors import NotFound, ValidationError
from emr_desktop.domain.records import (
    AllergyDTO,
    ChartDTO,
    EncounterDTO,
    ImagingReportDTO,
    ImmunizationDTO,
    LabResultDTO,
    MedicationDTO,
    NoteDTO,
    PatientDTO,
    PracticeDTO,
    ProblemDTO,
    VitalSignDTO,
)
from emr_desktop.domain.staff import with_credentials
from emr_desktop.models import (
    Allergy,
    ClinicalNote,
    Encounter,
    ImagingReport,
    Immunization,
    LabResult,
    Medication,
    Patient,
    Practice,
    Prescription,
    Problem,
    UserAccount,
    VitalSign,
)
from emr_desktop.printing.data import (
    MedicationLine,
    PatientLine,
    PracticeHeader,
    Prescriber,
    PrescriptionData,
    PrintSettings,
    VisitSummaryData,
)
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.services.access import Access, ActionContext
from emr_desktop.services.scheduling import practice_zone
from emr_desktop.sync.hlc import Stamp

VISIT_SUMMARY = "visit-summary"
PRESCRIPTION = "prescription"
DOCUMENTS = {VISIT_SUMMARY: Category.NOTE, PRESCRIPTION: Category.PRESCRIPTION}
OUTPUTS = {"printer": "print", "pdf-file": "save-pdf"}
#: Prescription statuses that may be printed (a reprint of a printed one included).
PRINTABLE = (PrescriptionStatus.SIGNED.value, PrescriptionStatus.PRINTED.value)
MAX_PRINTER_NAME = 120
MAX_PRESCRIPTIONS = 100

#: Chart sections the visit summary shows: each needs READ (else the print is refused).
VISIT_SECTIONS = (Category.DEMOGRAPHICS, Category.ENCOUNTER, Category.NOTE, Category.VITALS,
                  Category.PROBLEM, Category.MEDICATION, Category.ALLERGY, Category.IMMUNIZATION,
                  Category.LAB)

INSTRUCTION_PREFIXES = ("instructions", "patient instructions", "patient education", "return precautions")
FOLLOW_UP_PREFIXES = ("return", "follow", "next ")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s*")
#: An ICD-10-CM code as written in an assessment (e.g. I10, E11.9, Z00.00, J06.9).
_ICD10 = re.compile(r"\b([A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?)\b")

#: Vital sign label and value text for the patient, in the order the summary lists them.
_VITAL_ORDER = ("pulse", "respiration", "temperature", "spo2", "height", "weight", "bmi", "pain",
                "head_circumference")
_VITAL_LABELS = {"pulse": "Heart rate", "respiration": "Breathing rate", "temperature": "Temperature",
                 "spo2": "Oxygen saturation", "height": "Height", "weight": "Weight", "bmi": "BMI",
                 "pain": "Pain (0-10)", "head_circumference": "Head circumference"}
_FLAGS = {"H": "high", "L": "low", "HH": "critically high", "LL": "critically low", "A": "abnormal",
          "N": ""}


class PrintService:
    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.db = db
        self.access = access or Access(db)

    # --- page set-up --------------------------------------------------------------------------

    def settings(self, actor: Actor) -> PrintSettings:
        """The practice's page set-up (no PHI: any logged-in user may read it)."""
        with self.db.read() as session:
            row = session.scalar(select(Practice).order_by(Practice.id))
            return print_settings(PracticeDTO.from_row(row)) if row is not None else PrintSettings()

    # --- visit summary ------------------------------------------------------------------------

    def visit_summary_data(self, actor: Actor, encounter_id: uuid.UUID) -> VisitSummaryData:
        """Everything the after-visit summary of one encounter shows (see the module docstring)."""
        with self.access.action(actor) as ctx:
            return self._visit_summary(ctx, encounter_id)

    def visit_summary_pdf(self, actor: Actor, encounter_id: uuid.UUID) -> bytes:
        from emr_desktop.printing.visit_summary import build_visit_summary

        with self.access.action(actor) as ctx:
            data = self._visit_summary(ctx, encounter_id)
            settings = _practice_settings(ctx.session)
        return build_visit_summary(data, settings)

    def _visit_summary(self, ctx: ActionContext, encounter_id: uuid.UUID) -> VisitSummaryData:
        session = ctx.session
        row = session.get(Encounter, encounter_id)
        if row is None:
            raise NotFound("encounter", encounter_id)
        patient_id = row.patient_id
        ctx.authorize(Category.NOTE, Verb.PRINT, patient_id, encounter_id)
        for category in VISIT_SECTIONS:
            ctx.authorize(category, Verb.READ, patient_id, encounter_id)
        if row.record_status != RecordStatus.ACTIVE.value:
            raise ValidationError("This visit was marked entered-in-error; there is no summary to print.")
        encounter = EncounterDTO.from_row(row)
        patient = PatientDTO.from_row(_patient(session, patient_id))
        practice = _practice(session)
        zone = practice_zone(practice.time_zone)
        visit_time = encounter.start_time.astimezone(zone)
        day = visit_time.date()

        def local_day(when: datetime) -> date:
            return when.astimezone(zone).date()

        notes = [NoteDTO.from_row(n) for n in session.scalars(
            select(ClinicalNote).where(ClinicalNote.encounter_id == encounter_id,
                                       ClinicalNote.status == NoteStatus.SIGNED.value,
                                       ClinicalNote.record_status == RecordStatus.ACTIVE.value))]
        notes.sort(key=lambda n: (n.signed_at or datetime.min.replace(tzinfo=UTC), str(n.id)))
        vitals = _active(session, VitalSign, patient_id, VitalSignDTO)
        problems = _active(session, Problem, patient_id, ProblemDTO)
        medications = _active(session, Medication, patient_id, MedicationDTO)
        allergies = _active(session, Allergy, patient_id, AllergyDTO)
        immunizations = _active(session, Immunization, patient_id, ImmunizationDTO)
        results = _active(session, LabResult, patient_id, LabResultDTO)
        withheld = {"coverages", "encounters", "notes", "medications", "prescriptions", "allergies",
                    "lab_orders", "family_history", "social_history", "documents", "appointments"}
        imaging: list[ImagingReportDTO] = []
        if allows(ctx.actor, Category.IMAGING, Verb.READ, patient_id):
            imaging = _active(session, ImagingReport, patient_id, ImagingReportDTO)
        else:
            withheld.add("imaging")
        chart = ChartDTO(patient=patient, coverages=(), encounters=(), notes=(), vitals=tuple(vitals),
                         medications=(), prescriptions=(), allergies=(), immunizations=tuple(immunizations),
                         lab_orders=(), lab_results=tuple(results), imaging=tuple(imaging),
                         problems=tuple(problems), family_history=(), social_history=(), documents=(),
                         appointments=(), withheld=frozenset(withheld))

        ctx.audit(Category.DEMOGRAPHICS, "read", patient_id, patient_id, "visit summary")
        for category in VISIT_SECTIONS[1:] + ((Category.IMAGING,) if "imaging" not in withheld else ()):
            ctx.audit(category, "read", patient_id, encounter_id, "visit summary")

        plan, instructions, follow_up = split_plan(n.plan for n in notes)
        visit_vitals = [v for v in vitals if v.encounter_id == encounter_id] or \
            [v for v in vitals if local_day(v.taken_at) == day]
        return VisitSummaryData(
            practice=_header(practice), patient=_patient_line(patient), visit_date=visit_time,
            provider=_provider_name(session, encounter.provider_id), reason=encounter.reason,
            vitals=vitals_lines(visit_vitals),
            problems_addressed=problems_addressed(problems, [n.assessment for n in notes]),
            medications=medication_lines(medications, day, local_day),
            allergies=allergy_lines(allergies),
            immunizations_given=tuple(
                _immunization_text(i) for i in sorted(immunizations, key=lambda i: (i.vaccine, str(i.id)))
                if i.kind == ImmunizationKind.GIVEN.value
                and (i.encounter_id == encounter_id or i.occurrence_date == day)),
            results_reviewed=tuple(
                (r.display, _result_value(r), _FLAGS.get(r.abnormal_flag, r.abnormal_flag))
                for r in sorted(results, key=lambda r: (r.display, str(r.id)))
                if r.reviewed_at is not None and local_day(r.reviewed_at) == day),
            plan=plan, instructions=instructions, follow_up=follow_up,
            due=tuple(f"{item.title}: {item.status.value}" for item in due_items(chart, day)),
        )

    # --- prescriptions ------------------------------------------------------------------------

    def prescription_data(self, actor: Actor,
                          prescription_ids: Sequence[uuid.UUID]) -> list[PrescriptionData]:
        """The signed prescriptions, in the order given (they may be for different patients)."""
        with self.access.action(actor) as ctx:
            return self._prescriptions(ctx, prescription_ids)

    def prescriptions_pdf(self, actor: Actor, prescription_ids: Sequence[uuid.UUID]) -> bytes:
        from emr_desktop.printing.prescription import build_prescriptions

        with self.access.action(actor) as ctx:
            items = self._prescriptions(ctx, prescription_ids)
            settings = _practice_settings(ctx.session)
        return build_prescriptions(items, settings)

    def _prescriptions(self, ctx: ActionContext,
                       prescription_ids: Sequence[uuid.UUID]) -> list[PrescriptionData]:
        ids = _unique_ids(prescription_ids)
        session = ctx.session
        practice = _header(_practice(session))
        patients: dict[uuid.UUID, PatientLine] = {}
        items: list[PrescriptionData] = []
        for rx_id in ids:
            rx = session.get(Prescription, rx_id)
            if rx is None:
                raise NotFound("prescription", rx_id)
            ctx.authorize(Category.PRESCRIPTION, Verb.PRINT, rx.patient_id, rx_id)
            ctx.authorize(Category.PRESCRIPTION, Verb.READ, rx.patient_id, rx_id)
            ctx.authorize(Category.DEMOGRAPHICS, Verb.READ, rx.patient_id, rx_id)
            _check_printable(rx)
            if rx.patient_id not in patients:
                patients[rx.patient_id] = _patient_line(PatientDTO.from_row(_patient(session, rx.patient_id)))
                ctx.audit(Category.DEMOGRAPHICS, "read", rx.patient_id, rx.patient_id, "prescription print")
            ctx.audit(Category.PRESCRIPTION, "read", rx.patient_id, rx_id, "prescription print")
            controlled = bool(rx.dea_schedule.strip())
            prescriber = session.get(UserAccount, rx.prescriber_id)
            items.append(PrescriptionData(
                practice=practice,
                prescriber=Prescriber(
                    name=prescriber.display_name if prescriber else "",
                    credentials=prescriber.credentials if prescriber else "",
                    npi=prescriber.npi if prescriber else "",
                    dea_number=prescriber.dea_number if prescriber and controlled else ""),
                patient=patients[rx.patient_id], written_date=rx.written_date, drug=rx.drug_display,
                strength=_unless_in(rx.strength, rx.drug_display), form=_unless_in(rx.form, rx.drug_display),
                sig=rx.sig, quantity=rx.quantity,
                quantity_unit=rx.quantity_unit, days_supply=rx.days_supply, refills=rx.refills,
                substitution_allowed=rx.substitution_allowed, dea_schedule=rx.dea_schedule,
                note_to_pharmacist=rx.note_to_pharmacist, pharmacy=rx.pharmacy,
                prescription_id=str(rx.id)))
        return items

    # --- output -------------------------------------------------------------------------------

    def record_output(self, actor: Actor, document: str, record_ids: Sequence[uuid.UUID], how: str,
                      printer: str = "") -> None:
        """Audit that a document went to a printer or to a PDF file the user chose: one entry per
        record (the encounter of a visit summary, each prescription). The detail names the printer
        (printer names are not PHI) or just "pdf-file" - never a path or a patient's name.
        A signed prescription is marked "printed"."""
        category = DOCUMENTS.get(document)
        if category is None:
            raise ValidationError(f"Unknown document: {document}.", "document")
        action = OUTPUTS.get(how)
        if action is None:
            raise ValidationError(f"Unknown output: {how}.", "how")
        ids = _unique_ids(record_ids)
        detail = f"printer={_printer_name(printer)}" if how == "printer" else "pdf-file"
        model: Any = Encounter if document == VISIT_SUMMARY else Prescription
        with self.access.action(actor) as ctx:
            for record_id in ids:
                row = ctx.session.get(model, record_id)
                if row is None:
                    raise NotFound("encounter" if document == VISIT_SUMMARY else "prescription", record_id)
                ctx.authorize(category, Verb.PRINT, row.patient_id, record_id)
                if document == PRESCRIPTION:
                    _check_printable(row)
                    row.status = PrescriptionStatus.PRINTED.value
                ctx.audit(category, action, row.patient_id, record_id, f"{document} {detail}")


# --- helpers (pure, so tests can call them directly) ------------------------------------------


def print_settings(practice: PracticeDTO) -> PrintSettings:
    """The practice's page set-up; the defaults when a stored value is out of range."""
    try:
        return PrintSettings(
            paper=practice.print_paper, margin_top_mm=practice.print_margin_top_mm,
            margin_bottom_mm=practice.print_margin_bottom_mm, margin_left_mm=practice.print_margin_left_mm,
            margin_right_mm=practice.print_margin_right_mm,
            prescriptions_per_page=practice.print_prescriptions_per_page)
    except (TypeError, ValueError):
        return PrintSettings()


def _plain(line: str) -> str:
    return _BULLET.sub("", line).strip()


def split_plan(plans: Iterable[str]) -> tuple[str, str, str]:
    """(plan, instructions, follow-up) from the plans of the signed notes (module docstring)."""
    plan: list[str] = []
    instructions: list[str] = []
    follow_up: list[str] = []
    for text in plans:
        if plan and text.strip():
            plan.append("")  # a blank line between notes
        for line in text.splitlines():
            lowered = _plain(line).lower()
            if lowered.startswith(INSTRUCTION_PREFIXES):
                instructions.append(_plain(line))
            elif lowered.startswith(FOLLOW_UP_PREFIXES):
                follow_up.append(_plain(line))
            else:
                plan.append(line.rstrip())
    return "\n".join(plan).strip(), "\n".join(instructions), "\n".join(follow_up)


def vitals_lines(vitals: Iterable[VitalSignDTO]) -> tuple[tuple[str, str], ...]:
    """(label, value text) for the latest panel of ``vitals``: blood pressure first."""
    values: dict[str, float] = {}
    for row in latest_panel(vitals):
        kind = VITALS_BY_LOINC.get(row.loinc)
        if kind is not None:
            values[kind.key] = row.value
    lines: list[tuple[str, str]] = []
    if "systolic" in values and "diastolic" in values:
        lines.append(("Blood pressure", f"{values['systolic']:.0f}/{values['diastolic']:.0f} mmHg"))
    for key in _VITAL_ORDER:
        if key in values:
            lines.append((_VITAL_LABELS[key], _vital_text(key, values[key])))
    return tuple(lines)


def _vital_text(key: str, value: float) -> str:
    if key == "pulse":
        return f"{value:.0f} beats/min"
    if key == "respiration":
        return f"{value:.0f} breaths/min"
    if key == "temperature":
        return f"{value:.1f} °C ({value * 9 / 5 + 32:.1f} °F)"
    if key == "spo2":
        return f"{value:.0f}%"
    if key in ("height", "head_circumference"):
        return f"{value:.1f} cm ({value / 2.54:.1f} in)"
    if key == "weight":
        return f"{value:.1f} kg ({value * 2.20462:.1f} lb)"
    if key == "bmi":
        return f"{value:.1f} kg/m²"
    return f"{value:g}"


def problems_addressed(problems: Iterable[ProblemDTO],
                       assessments: Iterable[str]) -> tuple[tuple[str, str], ...]:
    active = sorted((p for p in problems if p.status == ProblemStatus.ACTIVE.value),
                    key=lambda p: (p.display.lower(), p.icd10_code))
    named: dict[str, str] = {}  # code -> the assessment line naming it
    for text in assessments:
        for line in text.splitlines():
            for code in _ICD10.findall(line):
                named.setdefault(code, _plain(line))
    if not named:
        return tuple((p.display, p.icd10_code) for p in active)
    on_list = [(p.display, p.icd10_code) for p in active if p.icd10_code in named]
    listed = {code for _display, code in on_list}
    others = [(_without_code(line, code), code) for code, line in named.items() if code not in listed]
    return tuple(on_list + others)


def _without_code(line: str, code: str) -> str:
    """"Acute bronchitis (J20.9): resolving." -> "Acute bronchitis: resolving." (the code has a column)."""
    text = re.sub(rf"\s*\(?\b{re.escape(code)}\b\)?", "", line)
    text = re.sub(r"\s+([:;,.])", r"\1", " ".join(text.split())).strip(" :;,")
    return text or code


def _unless_in(part: str, drug: str) -> str:
    """Strength or form, unless the drug name already says it ("... 10 MG Oral Tablet")."""
    return "" if mentions(drug, part) else part


def medication_lines(medications: Iterable[MedicationDTO], day: date,
                     local_day: Callable[[datetime], date]) -> tuple[MedicationLine, ...]:
    order = {"started": 0, "changed": 1, "stopped": 2, "current": 3}
    lines: list[MedicationLine] = []
    for med in medications:
        if med.start_date is not None and med.start_date > day:
            continue
        if med.stop_date is not None and med.stop_date < day:
            continue
        note = ""
        if med.status in (MedicationStatus.STOPPED.value, MedicationStatus.COMPLETED.value) \
                and med.stop_date == day:
            change, note = "stopped", med.status_reason
        elif med.status in (MedicationStatus.STOPPED.value, MedicationStatus.COMPLETED.value) \
                and med.stop_date is None:
            continue  # stopped, date unknown: not shown as taken
        elif med.start_date == day:
            change = "started"
        elif _changed_on(med, day, local_day):
            change = "changed"
        else:
            change = "current"
        if med.status == MedicationStatus.ON_HOLD.value and not note:
            note = "on hold"
        lines.append(MedicationLine(display=med.display, sig=med.sig, change=change, note=note))
    lines.sort(key=lambda m: (order[m.change], m.display.lower()))
    return tuple(lines)


def _changed_on(med: MedicationDTO, day: date, local_day: Callable[[datetime], date]) -> bool:
    if med.status not in (MedicationStatus.ACTIVE.value, MedicationStatus.ON_HOLD.value):
        return False
    try:
        ms = Stamp.decode(med.updated_hlc).ms
    except ValueError:
        return False
    return bool(local_day(datetime.fromtimestamp(ms / 1000, UTC)) == day)


def allergy_lines(allergies: Iterable[AllergyDTO]) -> tuple[str, ...]:
    active = [a for a in allergies if a.status == AllergyStatus.ACTIVE.value]
    real = sorted((a for a in active if not a.no_known_allergies), key=lambda a: a.substance.lower())
    if not real:
        return ("No known allergies",) if active else ()
    out = []
    for a in real:
        extra = ", ".join(x for x in (a.reaction, a.severity) if x)
        out.append(f"{a.substance} ({extra})" if extra else a.substance)
    return tuple(out)


def _immunization_text(imm: ImmunizationDTO) -> str:
    return imm.vaccine + (f" (dose {imm.dose_number})" if imm.dose_number else "")


def _result_value(result: LabResultDTO) -> str:
    return " ".join(x for x in (result.value_text, result.unit) if x)


def _printer_name(name: str) -> str:
    cleaned = "".join(ch if ch.isprintable() else " " for ch in name).strip()
    return cleaned[:MAX_PRINTER_NAME] or "default"


def _unique_ids(ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    out = list(dict.fromkeys(ids))
    if not out:
        raise ValidationError("Choose something to print.")
    if len(out) > MAX_PRESCRIPTIONS:
        raise ValidationError(f"Print at most {MAX_PRESCRIPTIONS} at a time.")
    return out


def _check_printable(rx: Prescription) -> None:
    if rx.record_status != RecordStatus.ACTIVE.value:
        raise ValidationError("This prescription was marked entered-in-error; it cannot be printed.")
    if rx.status == PrescriptionStatus.DRAFT.value:
        raise ValidationError("Sign the prescription before printing it.")
    if rx.status == PrescriptionStatus.CANCELLED.value:
        raise ValidationError("This prescription was cancelled; it cannot be printed.")
    if rx.status not in PRINTABLE:
        raise ValidationError("This prescription was already sent to the pharmacy; it cannot be printed.")


def _active(session: Session, model: Any, patient_id: uuid.UUID, dto: Any) -> list[Any]:
    rows = session.scalars(select(model).where(model.patient_id == patient_id,
                                               model.record_status == RecordStatus.ACTIVE.value))
    return [dto.from_row(r) for r in rows]


def _patient(session: Session, patient_id: uuid.UUID) -> Patient:
    row = session.get(Patient, patient_id)
    if row is None:
        raise NotFound("patient", patient_id)
    return row


def _practice(session: Session) -> PracticeDTO:
    row = session.scalar(select(Practice).order_by(Practice.id))
    if row is None:
        raise NotFound("practice", "-")
    return PracticeDTO.from_row(row)


def _practice_settings(session: Session) -> PrintSettings:
    return print_settings(_practice(session))


def _address(line1: str, line2: str, city: str, state: str, postal_code: str) -> tuple[str, ...]:
    region = " ".join(x for x in (state, postal_code) if x)
    last = ", ".join(x for x in (city, region) if x)
    return tuple(x for x in (line1, line2, last) if x)


def _header(practice: PracticeDTO) -> PracticeHeader:
    return PracticeHeader(name=practice.name, phone=practice.phone, fax=practice.fax, npi=practice.npi,
                          address_lines=_address(practice.address_line1, practice.address_line2,
                                                 practice.city, practice.state, practice.postal_code))


def _patient_line(p: PatientDTO) -> PatientLine:
    given = " ".join(x for x in (p.given_name, p.middle_name, p.name_suffix) if x)
    return PatientLine(name=f"{p.family_name}, {given}" if given else p.family_name,
                       birth_date=p.birth_date, mrn=p.mrn,
                       address_lines=_address(p.address_line1, p.address_line2, p.city, p.state,
                                              p.postal_code))


def _provider_name(session: Session, provider_id: uuid.UUID | None) -> str:
    user = session.get(UserAccount, provider_id) if provider_id is not None else None
    if user is None:
        return ""
    return with_credentials(user.display_name, user.credentials)
