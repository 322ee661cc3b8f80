"""Code picker results (ICD-10-CM, CVX): code, description and a remark; codes not meant for a new
record (ICD-10 categories, inactive vaccines) are muted and say why."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.terminology import Code
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis


class Column(IntEnum):
    CODE = 0
    DESCRIPTION = 1
    NOTE = 2


def _emphasis(code: Code) -> Emphasis:
    return Emphasis.NONE if code.billable else Emphasis.MUTED


def _tooltip(code: Code) -> str:
    return f"{code.display}\n{code.detail}" if code.detail else code.display


COLUMNS: list[ColumnSpec[Code]] = [
    ColumnSpec("Code", lambda c: c.code, emphasis=_emphasis),
    ColumnSpec("Description", lambda c: c.display, _tooltip, emphasis=_emphasis),
    ColumnSpec("Note", lambda c: c.detail, _tooltip, emphasis=_emphasis),
]


class CodeTableModel(DtoTableModel[Code]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)
