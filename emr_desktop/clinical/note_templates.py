"""SOAP note templates for common primary-care visits, and the vitals line a note quotes.

Pure data and pure functions (no database, no Qt). Each template fills the four SOAP sections with
prompts; ``PLACEHOLDER`` ("***") marks every spot the clinician must replace before signing, so a
template never puts an unexamined finding into a signed note by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from emr_desktop.domain.codes import VITALS_BY_LOINC
from emr_desktop.domain.enums import EncounterType, RecordStatus
from emr_desktop.domain.records import VitalSignDTO

#: What the clinician replaces; searching for it finds what is still to be filled in.
PLACEHOLDER = "***"

#: The four sections of a SOAP note, as NoteDTO field names, in order.
SECTIONS = ("subjective", "objective", "assessment", "plan")


@dataclass(frozen=True)
class NoteTemplate:
    key: str
    name: str
    title: str
    subjective: str
    objective: str
    assessment: str
    plan: str
    #: Visit types this template is offered first for.
    encounter_types: tuple[str, ...] = ()

    def sections(self) -> dict[str, str]:
        """The four SOAP sections by NoteDTO field name."""
        return {name: getattr(self, name) for name in SECTIONS}


P = PLACEHOLDER

TEMPLATES: tuple[NoteTemplate, ...] = (
    NoteTemplate(
        key="annual-physical",
        name="Annual physical / wellness visit",
        title="Annual physical",
        encounter_types=(EncounterType.ANNUAL_PHYSICAL.value,),
        subjective=(
            f"Presents for annual physical. Concerns today: {P}\n"
            f"Interval history: {P}\n"
            f"Diet / exercise: {P}\n"
            f"Tobacco / alcohol / drugs: {P}\n"
            f"Sleep / mood (PHQ-2): {P}\n"
            "ROS: negative except as above."
        ),
        objective=(
            f"Vitals: {P}\n"
            f"General: {P}\n"
            f"HEENT: {P}\n"
            f"Neck / thyroid: {P}\n"
            f"Heart: {P}\n"
            f"Lungs: {P}\n"
            f"Abdomen: {P}\n"
            f"Skin: {P}\n"
            f"Extremities: {P}"
        ),
        assessment=(
            "Adult wellness examination (Z00.00 / Z00.01).\n"
            f"Additional findings: {P}"
        ),
        plan=(
            f"Screenings due (labs, cancer screening): {P}\n"
            f"Immunizations: {P}\n"
            f"Counseling (diet, exercise, safety): {P}\n"
            "Return in 1 year or sooner as needed."
        ),
    ),
    NoteTemplate(
        key="acute-uri",
        name="Acute visit - URI / sore throat",
        title="Acute visit: upper respiratory symptoms",
        encounter_types=(EncounterType.ACUTE.value, EncounterType.OFFICE_VISIT.value,
                         EncounterType.TELEHEALTH.value),
        subjective=(
            f"Chief complaint: {P} for {P} days.\n"
            f"Fever: {P}. Cough: {P}. Sore throat: {P}. Nasal congestion: {P}.\n"
            f"Sick contacts: {P}. Treatments tried: {P}."
        ),
        objective=(
            f"Vitals: {P}\n"
            f"General: {P}\n"
            f"Ears: {P}\n"
            f"Pharynx / tonsils (exudate?): {P}\n"
            f"Neck (anterior cervical nodes?): {P}\n"
            f"Lungs: {P}\n"
            f"Rapid strep / COVID / flu test: {P}"
        ),
        assessment=(
            f"{P} (e.g. viral URI J06.9, streptococcal pharyngitis J02.0).\n"
            f"Centor score: {P}"
        ),
        plan=(
            f"Supportive care: fluids, rest, antipyretics. Medications: {P}\n"
            "Return precautions: trouble breathing, fever over 3 days, unable to swallow fluids.\n"
            f"Follow-up: {P}"
        ),
    ),
    NoteTemplate(
        key="chronic-follow-up",
        name="Follow-up - hypertension / diabetes",
        title="Chronic disease follow-up",
        encounter_types=(EncounterType.FOLLOW_UP.value,),
        subjective=(
            f"Follow-up of {P}.\n"
            f"Home BP readings: {P}. Home glucose readings: {P}\n"
            f"Medication adherence / side effects: {P}\n"
            f"Hypoglycemia episodes: {P}. Chest pain / dyspnea / edema: {P}"
        ),
        objective=(
            f"Vitals: {P}\n"
            f"Heart: {P}\n"
            f"Lungs: {P}\n"
            f"Extremities / edema: {P}\n"
            f"Diabetic foot exam: {P}\n"
            f"Recent labs (A1c, BMP, lipids, urine albumin): {P}"
        ),
        assessment=(
            f"Hypertension (I10): {P} (at goal / not at goal).\n"
            f"Type 2 diabetes (E11.9): {P} (A1c {P})."
        ),
        plan=(
            f"Medications: {P}\n"
            f"Labs ordered: {P}\n"
            f"Lifestyle counseling: {P}\n"
            f"Return in {P} months."
        ),
    ),
    NoteTemplate(
        key="well-child",
        name="Well-child visit",
        title="Well-child visit",
        encounter_types=(EncounterType.WELL_CHILD.value,),
        subjective=(
            f"Age: {P}. Accompanied by: {P}\n"
            f"Parent concerns: {P}\n"
            f"Feeding / diet: {P}. Elimination: {P}. Sleep: {P}\n"
            f"Development (milestones): {P}\n"
            f"School / behavior: {P}"
        ),
        objective=(
            f"Vitals and growth (weight, length/height, head circumference, percentiles): {P}\n"
            f"General: {P}\n"
            f"HEENT / red reflex: {P}\n"
            f"Heart: {P}\n"
            f"Lungs: {P}\n"
            f"Abdomen: {P}\n"
            f"Genitourinary: {P}\n"
            f"Hips / spine / extremities: {P}\n"
            f"Skin: {P}"
        ),
        assessment=(
            "Well child examination (Z00.129 / Z00.121).\n"
            f"Growth and development: {P}"
        ),
        plan=(
            f"Immunizations today: {P}\n"
            f"Screening (vision, hearing, lead, developmental): {P}\n"
            f"Anticipatory guidance: {P}\n"
            f"Next well visit: {P}"
        ),
    ),
    NoteTemplate(
        key="medication-review",
        name="Medication review",
        title="Medication review",
        encounter_types=(EncounterType.NURSE_VISIT.value, EncounterType.PHONE.value),
        subjective=(
            "Reviewed all medications, including over-the-counter and supplements.\n"
            f"Adherence: {P}\n"
            f"Side effects: {P}\n"
            f"Barriers (cost, pill burden, understanding): {P}"
        ),
        objective=(
            f"Medication list reconciled against: {P}\n"
            f"Relevant vitals / labs: {P}"
        ),
        assessment=(
            f"Interactions or duplications found: {P}\n"
            f"Medications no longer indicated: {P}"
        ),
        plan=(
            f"Changes: {P}\n"
            f"Patient education: {P}\n"
            f"Next review: {P}"
        ),
    ),
)

TEMPLATES_BY_KEY: dict[str, NoteTemplate] = {t.key: t for t in TEMPLATES}


def template_for(encounter_type: str) -> NoteTemplate | None:
    """The template offered first for a visit type (None when no template suits it best)."""
    return next((t for t in TEMPLATES if encounter_type in t.encounter_types), None)


def has_placeholders(text: str) -> bool:
    return PLACEHOLDER in text


# --- the vitals line ---------------------------------------------------------------------------

#: Short labels in the order a note lists them (keys of domain.codes.VITALS).
_SHORT = (("pulse", "HR"), ("respiration", "RR"), ("temperature", "Temp"), ("spo2", "SpO2"),
          ("weight", "Wt"), ("bmi", "BMI"))


def latest_panel(vitals: Iterable[VitalSignDTO]) -> list[VitalSignDTO]:
    """The rows of the most recently taken vitals panel (entered-in-error rows ignored)."""
    active = [v for v in vitals if v.record_status == RecordStatus.ACTIVE.value]
    if not active:
        return []
    newest = max(active, key=lambda v: v.taken_at)
    return [v for v in active if v.panel_id == newest.panel_id]


def _whole(value: float) -> str:
    return f"{value:.0f}"


def vitals_text(vitals: Iterable[VitalSignDTO], today: date | None = None) -> str:
    """One line for the Objective section from the latest panel, e.g.
    ``BP 128/82 mmHg, HR 72/min, Temp 36.8 °C (98.2 °F), SpO2 98%``. Empty when there are none.
    With ``today``: a panel taken on another day says so ("(taken 10/26/2026)"), so an old
    reading is never quoted as today's."""
    by_key: dict[str, float] = {}
    panel = latest_panel(vitals)
    for row in panel:
        kind = VITALS_BY_LOINC.get(row.loinc)
        if kind is not None:
            by_key[kind.key] = row.value
    parts: list[str] = []
    if "systolic" in by_key and "diastolic" in by_key:
        parts.append(f"BP {_whole(by_key['systolic'])}/{_whole(by_key['diastolic'])} mmHg")
    for key, label in _SHORT:
        if key not in by_key:
            continue
        value = by_key[key]
        if key in ("pulse", "respiration"):
            parts.append(f"{label} {_whole(value)}/min")
        elif key == "temperature":
            parts.append(f"{label} {value:.1f} °C ({value * 9 / 5 + 32:.1f} °F)")
        elif key == "spo2":
            parts.append(f"{label} {_whole(value)}%")
        elif key == "weight":
            parts.append(f"{label} {value:.1f} kg ({value * 2.20462:.1f} lb)")
        else:
            parts.append(f"{label} {value:.1f} kg/m2")
    line = ", ".join(parts)
    if line and today is not None:
        taken = panel[0].taken_at.astimezone().date()
        if taken != today:
            line += f" (taken {taken:%m/%d/%Y})"
    return line


#: The line a template leaves for the vitals ("Vitals: ***").
VITALS_SLOT = f"Vitals: {PLACEHOLDER}"


def fill_vitals_slot(objective: str, line: str) -> str | None:
    """``objective`` with its first "Vitals: ***" filled in with ``line``; None when it has no
    such slot (the editor then inserts the line at the cursor)."""
    if VITALS_SLOT not in objective:
        return None
    return objective.replace(VITALS_SLOT, f"Vitals: {line}", 1)
