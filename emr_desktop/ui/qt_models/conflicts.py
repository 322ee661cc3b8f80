"""Open sync conflicts as a table: what, which field(s), the two values, where the other came from."""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

from emr_desktop.domain.records import ConflictDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel

KIND_LABELS = {
    "field": "Same field changed on two workstations",
    "draft": "Draft note edited on two workstations",
    "signed-edit": "Edit made after signing (kept as addendum draft)",
    "removal-edit": "Removed on one workstation, edited on another",
    "slot-taken": "Appointment time already booked",
}
RECORD_LABELS = {"patient": "Demographics", "clinical_note": "Note", "allergy": "Allergy",
                 "problem": "Problem", "medication": "Medication", "appointment": "Appointment"}


class Column(IntEnum):
    RECORD = 0
    KIND = 1
    FIELDS = 2
    KEPT = 3
    OTHER = 4
    DETECTED = 5


def _values(text: str, fields: str) -> str:
    try:
        values: dict[str, Any] = json.loads(text)
    except ValueError:
        return ""
    names = [f for f in fields.split(",") if f] or list(values)
    return "; ".join(f"{name.replace('_', ' ')}: {values.get(name)!s}" for name in names if name in values)


COLUMNS: list[ColumnSpec[ConflictDTO]] = [
    ColumnSpec("Record", lambda c: RECORD_LABELS.get(c.entity, c.entity.replace("_", " ").title())),
    ColumnSpec("What happened", lambda c: KIND_LABELS.get(c.kind, c.kind)),
    ColumnSpec("Field(s)", lambda c: c.fields.replace(",", ", ").replace("_", " ")),
    ColumnSpec("Value kept", lambda c: _values(c.kept_values, c.fields)),
    ColumnSpec("Other value", lambda c: _values(c.other_values, c.fields)),
    ColumnSpec("Detected", lambda c: c.detected_at.astimezone().strftime("%Y-%m-%d %H:%M")),
]
assert [c.header for c in COLUMNS] and len(COLUMNS) == len(Column)


class ConflictTableModel(DtoTableModel[ConflictDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
