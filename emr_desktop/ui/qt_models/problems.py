"""The problem list as a table: ICD-10-CM code, description, onset, status. Resolved and inactive
problems are muted and say so in the status column."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import ProblemStatus
from emr_desktop.domain.records import ProblemDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis


class Column(IntEnum):
    CODE = 0
    DESCRIPTION = 1
    ONSET = 2
    STATUS = 3


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value is not None else ""


def status_text(problem: ProblemDTO) -> str:
    if problem.status == ProblemStatus.RESOLVED.value:
        return f"Resolved {_date(problem.resolved_date)}".strip()
    return problem.status.capitalize()


def _emphasis(problem: ProblemDTO) -> Emphasis:
    return Emphasis.NONE if problem.status == ProblemStatus.ACTIVE.value else Emphasis.MUTED


def _tooltip(problem: ProblemDTO) -> str:
    parts = [f"{problem.icd10_code} {problem.display}"]
    if problem.comment:
        parts.append(f"Comment: {problem.comment}")
    if problem.status_reason:
        parts.append(f"{status_text(problem)}: {problem.status_reason}")
    return "\n".join(parts)


COLUMNS: list[ColumnSpec[ProblemDTO]] = [
    ColumnSpec("ICD-10", lambda p: p.icd10_code, _tooltip, _emphasis),
    ColumnSpec("Problem", lambda p: p.display, _tooltip, _emphasis),
    ColumnSpec("Onset", lambda p: _date(p.onset_date), emphasis=_emphasis),
    ColumnSpec("Status", status_text, _tooltip, _emphasis),
]


class ProblemTableModel(DtoTableModel[ProblemDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
