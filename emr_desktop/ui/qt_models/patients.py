"""Patient search results as a table: name, date of birth and age, sex, MRN, phone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import IntEnum
from typing import Any

from emr_desktop.domain.records import PatientDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel


class Column(IntEnum):
    NAME = 0
    BIRTH_DATE = 1
    SEX = 2
    MRN = 3
    PHONE = 4


def _columns(today: Callable[[], date]) -> list[ColumnSpec[PatientDTO]]:
    return [
        ColumnSpec("Name", lambda p: p.display_name,
                   lambda p: f"Previously: {p.previous_names}" if p.previous_names else ""),
        ColumnSpec("Date of birth", lambda p: f"{p.birth_date:%m/%d/%Y} ({p.age_on(today())} y)"),
        ColumnSpec("Sex", lambda p: p.sex.title()),
        ColumnSpec("MRN", lambda p: p.mrn),
        ColumnSpec("Phone", lambda p: p.phone_mobile or p.phone_home),
    ]


class PatientTableModel(DtoTableModel[PatientDTO]):
    def __init__(self, parent: Any = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(_columns(today), parent)
