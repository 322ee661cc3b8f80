"""Table models for the medication list and the prescriptions written from it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import IntEnum
from typing import Any

from emr_desktop.domain.drug_names import drug_label
from emr_desktop.domain.enums import MedicationStatus, PrescriptionStatus
from emr_desktop.domain.records import MedicationDTO, PrescriptionDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

#: Medications that are no longer taken (shown muted, hidden unless "Show stopped").
ENDED_STATUSES = frozenset({MedicationStatus.STOPPED.value, MedicationStatus.COMPLETED.value})


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def drug_text(display: str, strength: str = "", form: str = "", dea_schedule: str = "") -> str:
    """"lisinopril 10 mg tablet": the name plus strength and form unless the name already says
    them (RxNorm names such as "lisinopril 10 MG Oral Tablet" do); controlled drugs get "C-IV"."""
    label = drug_label(display, strength, form)
    return f"{label} (C-{dea_schedule})" if dea_schedule else label


def medication_drug(med: MedicationDTO) -> str:
    return drug_text(med.display, med.strength, med.form, med.dea_schedule)


def quantity_text(quantity: float, unit: str) -> str:
    return f"{quantity:g} {unit}".strip()


class MedicationTableModel(DtoTableModel[MedicationDTO]):
    """The medication list; stopped and completed entries are muted and say so in words."""

    class Column(IntEnum):
        DRUG = 0
        SIG = 1
        INDICATION = 2
        START = 3
        SOURCE = 4
        STATUS = 5

    def __init__(self, clinician_name: Callable[[uuid.UUID | None], str] | None = None,
                 parent: Any = None) -> None:
        self._clinician_name = clinician_name or (lambda _id: "")

        def muted(med: MedicationDTO) -> Emphasis:
            return Emphasis.MUTED if med.status in ENDED_STATUSES else Emphasis.NONE

        super().__init__([
            ColumnSpec("Drug", medication_drug, tooltip=self._drug_tooltip, emphasis=muted),
            ColumnSpec("Directions", lambda m: m.sig, tooltip=lambda m: m.sig, emphasis=muted),
            ColumnSpec("Indication", lambda m: m.indication, emphasis=muted),
            ColumnSpec("Started", lambda m: _date(m.start_date), emphasis=muted),
            ColumnSpec("Prescriber", self._source, emphasis=muted),
            ColumnSpec("Status", self._status, tooltip=lambda m: m.status_reason, emphasis=muted),
        ], parent)

    def _source(self, med: MedicationDTO) -> str:
        if med.reported_by_patient:
            return "Reported by patient"
        return self._clinician_name(med.prescriber_id) if med.prescriber_id else ""

    @staticmethod
    def _status(med: MedicationDTO) -> str:
        if med.status in ENDED_STATUSES and med.stop_date:
            return f"{med.status} {med.stop_date.isoformat()}"
        return med.status

    @staticmethod
    def _drug_tooltip(med: MedicationDTO) -> str:
        lines = [med.display]
        if med.code:
            lines.append(f"{med.code_system or 'RxNorm'} {med.code}")
        if med.dea_schedule:
            lines.append(f"Controlled substance, DEA schedule {med.dea_schedule}")
        return "\n".join(lines)


class PrescriptionTableModel(DtoTableModel[PrescriptionDTO]):
    """Prescriptions, newest first; drafts stand out until signed, cancelled ones are muted."""

    class Column(IntEnum):
        WRITTEN = 0
        DRUG = 1
        SIG = 2
        QUANTITY = 3
        REFILLS = 4
        STATUS = 5
        SIGNED = 6

    def __init__(self, parent: Any = None) -> None:
        def emphasis(rx: PrescriptionDTO) -> Emphasis:
            if rx.status == PrescriptionStatus.DRAFT.value:
                return Emphasis.ABNORMAL
            if rx.status == PrescriptionStatus.CANCELLED.value:
                return Emphasis.MUTED
            return Emphasis.NONE

        def muted(rx: PrescriptionDTO) -> Emphasis:
            return Emphasis.MUTED if rx.status == PrescriptionStatus.CANCELLED.value else Emphasis.NONE

        super().__init__([
            ColumnSpec("Written", lambda r: _date(r.written_date), emphasis=muted),
            ColumnSpec("Drug", lambda r: drug_text(r.drug_display, r.strength, r.form, r.dea_schedule),
                       tooltip=lambda r: r.drug_display, emphasis=muted),
            ColumnSpec("Directions", lambda r: r.sig, tooltip=lambda r: r.sig, emphasis=muted),
            ColumnSpec("Quantity", self._quantity, tooltip=self._quantity_tooltip, emphasis=muted),
            ColumnSpec("Refills", lambda r: str(r.refills), emphasis=muted, align_right=True),
            ColumnSpec("Status", self._status, emphasis=emphasis),
            ColumnSpec("Signed", lambda r: _datetime(r.signed_at), emphasis=muted),
        ], parent)

    @staticmethod
    def _quantity(rx: PrescriptionDTO) -> str:
        text = quantity_text(rx.quantity, rx.quantity_unit)
        return f"{text} ({rx.days_supply} days)" if rx.days_supply else text

    @staticmethod
    def _quantity_tooltip(rx: PrescriptionDTO) -> str:
        lines = []
        if not rx.substitution_allowed:
            lines.append("Dispense as written (no substitution)")
        if rx.pharmacy:
            lines.append(f"Pharmacy: {rx.pharmacy}")
        if rx.note_to_pharmacist:
            lines.append(f"Note: {rx.note_to_pharmacist}")
        return "\n".join(lines)

    @staticmethod
    def _status(rx: PrescriptionDTO) -> str:
        if rx.status == PrescriptionStatus.DRAFT.value:
            return "draft - not signed"
        return rx.status
