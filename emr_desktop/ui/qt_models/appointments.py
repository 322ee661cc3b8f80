"""A day sheet as a table: time (practice local), patient, type, reason, status, room."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import AppointmentStatus
from emr_desktop.domain.records import DayRow
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

STATUS_LABELS = {
    AppointmentStatus.BOOKED.value: "Booked",
    AppointmentStatus.ARRIVED.value: "Arrived",
    AppointmentStatus.FULFILLED.value: "Seen",
    AppointmentStatus.CANCELLED.value: "Cancelled",
    AppointmentStatus.NO_SHOW.value: "No-show",
}
_OFF = frozenset({AppointmentStatus.CANCELLED.value, AppointmentStatus.NO_SHOW.value})


class Column(IntEnum):
    TIME = 0
    PATIENT = 1
    TYPE = 2
    REASON = 3
    STATUS = 4
    ROOM = 5


def type_label(value: str) -> str:
    """"office-visit" -> "Office visit"."""
    return value.replace("-", " ").capitalize()


def _muted(row: DayRow) -> Emphasis:
    return Emphasis.MUTED if row.appointment.status in _OFF else Emphasis.NONE


def _reason_tooltip(row: DayRow) -> str:
    a = row.appointment
    return " — ".join(x for x in (type_label(a.appointment_type), a.reason, a.comment) if x)


def _time(row: DayRow) -> str:
    return f"{row.local_start:%H:%M}"


COLUMNS: list[ColumnSpec[DayRow]] = [
    ColumnSpec("Time", _time, lambda r: f"{r.local_start:%H:%M}-{r.local_end:%H:%M}", _muted),
    ColumnSpec("Patient", lambda r: r.patient.display_name,
               lambda r: f"DOB {r.patient.birth_date:%m/%d/%Y} · MRN {r.patient.mrn}", _muted),
    ColumnSpec("Type", lambda r: type_label(r.appointment.appointment_type), _reason_tooltip, _muted),
    ColumnSpec("Reason", lambda r: r.appointment.reason, _reason_tooltip, _muted),
    ColumnSpec("Status", lambda r: STATUS_LABELS.get(r.appointment.status, r.appointment.status),
               emphasis=_muted),
    ColumnSpec("Room", lambda r: r.appointment.room, emphasis=_muted),
]
assert len(COLUMNS) == len(Column)


class DaySheetModel(DtoTableModel[DayRow]):
    """Rows are DayRow (appointment + patient + local times); DTO_ROLE returns the DayRow."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
