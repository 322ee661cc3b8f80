"""Family history as a table (relationship, condition with its ICD-10 code, onset age, deceased),
and how smoking statuses read in the chart."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import SmokingStatus
from emr_desktop.domain.records import FamilyHistoryDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel

#: ONC / USCDI display names of the smoking status value set.
SMOKING_LABELS: dict[str, str] = {
    SmokingStatus.CURRENT_EVERY_DAY.value: "Current every day smoker",
    SmokingStatus.CURRENT_SOME_DAY.value: "Current some day smoker",
    SmokingStatus.FORMER.value: "Former smoker",
    SmokingStatus.NEVER.value: "Never smoker",
    SmokingStatus.CURRENT_UNKNOWN_FREQUENCY.value: "Smoker, current status unknown",
    SmokingStatus.UNKNOWN.value: "Unknown if ever smoked",
    SmokingStatus.HEAVY.value: "Heavy tobacco smoker",
    SmokingStatus.LIGHT.value: "Light tobacco smoker",
}


def smoking_label(status: str) -> str:
    return SMOKING_LABELS.get(status, status)


def condition_text(entry: FamilyHistoryDTO) -> str:
    return f"{entry.condition} ({entry.icd10_code})" if entry.icd10_code else entry.condition


class Column(IntEnum):
    RELATIONSHIP = 0
    CONDITION = 1
    ONSET_AGE = 2
    DECEASED = 3


_COLUMNS: list[ColumnSpec[FamilyHistoryDTO]] = [
    ColumnSpec("Relationship", lambda f: f.relationship.capitalize()),
    ColumnSpec("Condition", condition_text, lambda f: f.comment),
    ColumnSpec("Onset age", lambda f: "" if f.onset_age is None else str(f.onset_age), align_right=True),
    ColumnSpec("Deceased", lambda f: "Deceased" if f.deceased else ""),
]


class FamilyHistoryTableModel(DtoTableModel[FamilyHistoryDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(_COLUMNS, parent)
