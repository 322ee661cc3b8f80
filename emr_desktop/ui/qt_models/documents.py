"""Attached documents as a table: date, title, category, file name, size."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.domain.records import DocumentDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel

#: Categories offered when attaching (stored as the value; anything else shows as written).
DOCUMENT_CATEGORIES: dict[str, str] = {
    "referral": "Referral",
    "consult": "Consult letter",
    "discharge": "Discharge summary",
    "lab": "Outside lab report",
    "imaging": "Outside imaging",
    "consent": "Consent form",
    "insurance": "Insurance card / ID",
    "correspondence": "Correspondence",
    "other": "Other",
}


def category_label(value: str) -> str:
    return DOCUMENT_CATEGORIES.get(value, value)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class Column(IntEnum):
    DATE = 0
    TITLE = 1
    CATEGORY = 2
    FILE_NAME = 3
    SIZE = 4


_COLUMNS: list[ColumnSpec[DocumentDTO]] = [
    ColumnSpec("Date", lambda d: f"{d.document_date.astimezone():%m/%d/%Y}"),
    ColumnSpec("Title", lambda d: d.title),
    ColumnSpec("Category", lambda d: category_label(d.category)),
    ColumnSpec("File name", lambda d: d.filename, lambda d: d.mime_type),
    ColumnSpec("Size", lambda d: size_text(d.size_bytes), align_right=True),
]


class DocumentTableModel(DtoTableModel[DocumentDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(_COLUMNS, parent)
