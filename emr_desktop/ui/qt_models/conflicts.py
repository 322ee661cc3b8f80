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


#: Columns the app derives from others (search keys): not worth a reviewer's attention.
DERIVED = frozenset({"search_family", "search_given", "search_phone"})


def _shown(fields: str) -> list[str]:
    return [f for f in fields.split(",") if f and f not in DERIVED]


def _values(text: str, fields: str) -> str:
    try:
        values: dict[str, Any] = json.loads(text)
    except ValueError:
        return ""
    names = _shown(fields) or [n for n in values if n not in DERIVED]
    return "; ".join(f"{name.replace('_', ' ')}: {values.get(name)!s}" for name in names if name in values)


COLUMNS: list[ColumnSpec[ConflictDTO]] = [
    ColumnSpec("Record", lambda c: RECORD_LABELS.get(c.entity, c.entity.replace("_", " ").title())),
    ColumnSpec("What happened", lambda c: KIND_LABELS.get(c.kind, c.kind)),
    ColumnSpec("Field(s)", lambda c: ", ".join(f.replace("_", " ") for f in _shown(c.fields))),
    ColumnSpec("Value kept", lambda c: _values(c.kept_values, c.fields)),
    ColumnSpec("Other value", lambda c: _values(c.other_values, c.fields)),
    ColumnSpec("Detected", lambda c: c.detected_at.astimezone().strftime("%Y-%m-%d %H:%M")),
]
assert [c.header for c in COLUMNS] and len(COLUMNS) == len(Column)


class ConflictTableModel(DtoTableModel[ConflictDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
