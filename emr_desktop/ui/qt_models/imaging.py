"""Imaging reports as a table: date, modality, study, body site, status, facility."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import ImagingModality, ResultStatus
from emr_desktop.domain.records import ImagingReportDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

#: How each DICOM modality code reads in the chart.
MODALITY_LABELS: dict[str, str] = {
    ImagingModality.XRAY.value: "X-ray",
    ImagingModality.CT.value: "CT",
    ImagingModality.MRI.value: "MRI",
    ImagingModality.ULTRASOUND.value: "Ultrasound",
    ImagingModality.MAMMOGRAPHY.value: "Mammography",
    ImagingModality.DEXA.value: "DEXA (bone density)",
    ImagingModality.ECHO.value: "Echocardiogram",
}


def modality_label(code: str) -> str:
    return MODALITY_LABELS.get(code, code)


def status_label(status: str) -> str:
    return status.replace("-", " ").capitalize()


def performed_text(report: ImagingReportDTO) -> str:
    return f"{report.performed_at.astimezone():%m/%d/%Y %H:%M}"


class Column(IntEnum):
    DATE = 0
    MODALITY = 1
    STUDY = 2
    BODY_SITE = 3
    STATUS = 4
    FACILITY = 5


def _status_emphasis(report: ImagingReportDTO) -> Emphasis:
    if report.status == ResultStatus.CANCELLED.value:
        return Emphasis.MUTED
    if report.status == ResultStatus.PRELIMINARY.value:
        return Emphasis.ABNORMAL  # not final yet: worth a second look
    return Emphasis.NONE


_COLUMNS: list[ColumnSpec[ImagingReportDTO]] = [
    ColumnSpec("Date", performed_text),
    ColumnSpec("Modality", lambda r: modality_label(r.modality), lambda r: f"DICOM modality {r.modality}"),
    ColumnSpec("Study", lambda r: r.study, lambda r: r.impression),
    ColumnSpec("Body site", lambda r: r.body_site),
    ColumnSpec("Status", lambda r: status_label(r.status), emphasis=_status_emphasis),
    ColumnSpec("Facility", lambda r: r.facility),
]


class ImagingTableModel(DtoTableModel[ImagingReportDTO]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(_COLUMNS, parent)
