"""Lab results as a table: collected, test, value, reference range, flag (HL7 table 0078), status,
reviewed. Abnormal and critical values are highlighted and carry their flag in the text."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import AbnormalFlag, RecordStatus, ResultStatus
from emr_desktop.domain.records import LabResultDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

#: Flags (HL7 v2 table 0078) and how they read.
FLAG_TEXT = {"H": "H ↑", "L": "L ↓", "HH": "HH ↑↑", "LL": "LL ↓↓", "A": "A", "AA": "AA", "N": ""}
FLAG_MEANING = {"H": "High", "L": "Low", "HH": "Critically high", "LL": "Critically low",
                "A": "Abnormal", "AA": "Critically abnormal", "N": "Normal"}
_CRITICAL = frozenset({AbnormalFlag.CRITICAL_HIGH.value, AbnormalFlag.CRITICAL_LOW.value, "AA"})
_ABNORMAL = frozenset({AbnormalFlag.HIGH.value, AbnormalFlag.LOW.value, AbnormalFlag.ABNORMAL.value})


def result_flag(result: LabResultDTO) -> str:
    """The lab's flag; when it sent none, H/L/N derived from a numeric value and the range."""
    flag = (result.abnormal_flag or "").strip().upper()
    if flag:
        return flag
    value = result.value_numeric
    if value is None or (result.reference_low is None and result.reference_high is None):
        return ""
    if result.reference_low is not None and value < result.reference_low:
        return AbnormalFlag.LOW.value
    if result.reference_high is not None and value > result.reference_high:
        return AbnormalFlag.HIGH.value
    return AbnormalFlag.NORMAL.value


def is_abnormal(result: LabResultDTO) -> bool:
    return result_flag(result) in _CRITICAL | _ABNORMAL


def flag_emphasis(result: LabResultDTO) -> Emphasis:
    if result.status == ResultStatus.CANCELLED.value or result.record_status != RecordStatus.ACTIVE.value:
        return Emphasis.MUTED
    flag = result_flag(result)
    if flag in _CRITICAL:
        return Emphasis.CRITICAL
    if flag in _ABNORMAL:
        return Emphasis.ABNORMAL
    return Emphasis.NONE


def flag_text(result: LabResultDTO) -> str:
    flag = result_flag(result)
    return FLAG_TEXT.get(flag, flag)


def value_text(result: LabResultDTO) -> str:
    value = result.value_text or (f"{result.value_numeric:g}" if result.value_numeric is not None else "")
    return f"{value} {result.unit}".strip()


def reference_text(result: LabResultDTO) -> str:
    if result.reference_text:
        return result.reference_text
    low, high = result.reference_low, result.reference_high
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return ""


def reviewed_text(result: LabResultDTO) -> str:
    if result.reviewed_at is None:
        return "Not yet"
    return f"✓ {result.reviewed_at.astimezone():%m/%d/%Y}"


def filter_results(results: Sequence[LabResultDTO], text: str = "", *,
                   only_abnormal: bool = False) -> list[LabResultDTO]:
    """Results whose test name (or LOINC) contains ``text``; only flagged ones if asked."""
    needle = text.strip().casefold()
    return [r for r in results
            if (not needle or needle in r.display.casefold() or needle in r.loinc.casefold())
            and (not only_abnormal or is_abnormal(r))]


class Column(IntEnum):
    COLLECTED = 0
    TEST = 1
    VALUE = 2
    REFERENCE = 3
    FLAG = 4
    STATUS = 5
    REVIEWED = 6


def _columns() -> list[ColumnSpec[LabResultDTO]]:
    return [
        ColumnSpec("Collected", lambda r: f"{r.collected_at.astimezone():%m/%d/%Y %H:%M}"),
        ColumnSpec("Test", lambda r: r.display, tooltip=lambda r: f"{r.display}\nLOINC {r.loinc}"),
        ColumnSpec("Value", lambda r: value_text(r), emphasis=flag_emphasis, align_right=True,
                   tooltip=lambda r: r.comment),
        ColumnSpec("Reference", reference_text),
        ColumnSpec("Flag", flag_text, tooltip=lambda r: FLAG_MEANING.get(result_flag(r), ""),
                   emphasis=flag_emphasis),
        ColumnSpec("Status", lambda r: r.status.capitalize()),
        ColumnSpec("Reviewed", reviewed_text),
    ]


class LabResultTableModel(DtoTableModel[LabResultDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(_columns(), parent)
