"""What the printed documents are made from: frozen, plain-Python records (no Qt, no database).

The printing service (``services/printing.py``) fills these from the chart in one unit of work;
the builders (``visit_summary.py``, ``prescription.py``) turn them into PDF bytes. Every text field
is plain text - the builders escape it before it reaches reportlab markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Paper = Literal["letter", "a4"]
MedicationChange = Literal["current", "started", "changed", "stopped"]

PAPERS: tuple[str, ...] = ("letter", "a4")
MEDICATION_CHANGES: tuple[str, ...] = ("current", "started", "changed", "stopped")


@dataclass(frozen=True)
class PrintSettings:
    """Per-practice page set-up. Margins in millimetres (security paper may need wide ones)."""

    paper: str = "letter"
    margin_top_mm: float = 15
    margin_bottom_mm: float = 15
    margin_left_mm: float = 15
    margin_right_mm: float = 15
    #: Non-controlled prescriptions per page (1..4); controlled ones are always alone on a page.
    prescriptions_per_page: int = 1

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {PAPERS}, not {self.paper!r}")
        if not 1 <= self.prescriptions_per_page <= 4:
            raise ValueError("prescriptions_per_page must be between 1 and 4")
        for name in ("margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm"):
            value = getattr(self, name)
            if not 0 <= value <= 60:
                raise ValueError(f"{name} must be between 0 and 60 mm")


@dataclass(frozen=True)
class PracticeHeader:
    name: str
    address_lines: tuple[str, ...]
    phone: str
    fax: str = ""
    npi: str = ""


@dataclass(frozen=True)
class Prescriber:
    name: str
    credentials: str  # e.g. "MD", "DO, MPH", "NP"
    npi: str
    #: Printed only on controlled-substance prescriptions.
    dea_number: str = ""


@dataclass(frozen=True)
class PatientLine:
    name: str
    birth_date: date
    mrn: str
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PrescriptionData:
    """One signed prescription. Keyword-only (many fields)."""

    practice: PracticeHeader
    prescriber: Prescriber
    patient: PatientLine
    written_date: date
    drug: str
    strength: str
    form: str
    sig: str
    quantity: float
    quantity_unit: str
    days_supply: int | None
    refills: int
    substitution_allowed: bool
    #: "" when not controlled; else "II", "III", "IV", "V" (or "2".."5").
    dea_schedule: str
    note_to_pharmacist: str = ""
    pharmacy: str = ""
    prescription_id: str

    @property
    def controlled(self) -> bool:
        return bool(self.dea_schedule.strip())


@dataclass(frozen=True)
class MedicationLine:
    display: str
    sig: str
    change: str  # one of MEDICATION_CHANGES
    note: str = ""


@dataclass(frozen=True)
class VisitSummaryData:
    practice: PracticeHeader
    patient: PatientLine
    #: In the practice's local time; printed as given (date and time of day).
    visit_date: datetime
    provider: str
    reason: str
    vitals: tuple[tuple[str, str], ...]  # (label, value text)
    problems_addressed: tuple[tuple[str, str], ...]  # (display, code)
    medications: tuple[MedicationLine, ...]
    allergies: tuple[str, ...]
    immunizations_given: tuple[str, ...]
    results_reviewed: tuple[tuple[str, str, str], ...]  # (test, value text, flag)
    plan: str
    instructions: str
    follow_up: str
    due: tuple[str, ...]
