"""Enter an imaging report that arrived on paper (fax, letter): the tab saves what this returns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QWidget

from emr_desktop.domain.enums import ImagingModality, ResultStatus
from emr_desktop.ui.qt_models.imaging import modality_label, status_label
from emr_desktop.ui.widgets.forms import FormDialog, line_field, text_field


class ImagingReportDialog(FormDialog):
    """Modality, study, body site, performed at, radiologist, facility, status, impression, report.
    Save emits the values; the tab saves them and closes the dialog (or shows the service's error)."""

    stays_open = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add imaging report", parent)
        self.setObjectName("imagingReportDialog")
        self.setMinimumWidth(560)

        self.modality = QComboBox()
        for modality in ImagingModality:
            self.modality.addItem(f"{modality_label(modality.value)} ({modality.value})", modality.value)
        self.study = line_field("", 200, placeholder="e.g. Chest X-ray, 2 views")
        self.body_site = line_field("", 100, placeholder="e.g. Chest")
        self.performed_at = QDateTimeEdit()
        self.performed_at.setCalendarPopup(True)
        self.performed_at.setDisplayFormat("MM/dd/yyyy HH:mm")
        current = QDateTime.currentDateTime()
        self.performed_at.setMaximumDateTime(current.addDays(1))
        self.performed_at.setDateTime(current)
        self.radiologist = line_field("", 200, placeholder="Reading radiologist")
        self.facility = line_field("", 200, placeholder="Where the study was done")
        self.status = QComboBox()
        for status in ResultStatus:
            self.status.addItem(status_label(status.value), status.value)
        self.status.setCurrentIndex(self.status.findData(ResultStatus.FINAL.value))
        self.impression = text_field("Impression (the conclusion, shown in bold)", 60)
        self.impression.setMaximumHeight(100)
        self.report_text = text_field("Full report text", 140)

        self.form.addRow("&Modality:", self.modality)
        self.form.addRow("&Study:", self.study)
        self.form.addRow("&Body site:", self.body_site)
        self.form.addRow("&Performed at:", self.performed_at)
        self.form.addRow("&Radiologist:", self.radiologist)
        self.form.addRow("&Facility:", self.facility)
        self.form.addRow("S&tatus:", self.status)
        self.form.addRow("&Impression:", self.impression)
        self.form.addRow("Report te&xt:", self.report_text)
        self.finish_layout("Sa&ve")
        self.first_field = self.study
        self.modality.setFocus()

    def check(self) -> tuple[str, QWidget] | None:
        if not self.study.text().strip():
            return "Enter the study (what was imaged, e.g. Chest X-ray).", self.study
        if not (self.impression.toPlainText().strip() or self.report_text.toPlainText().strip()):
            return "Enter the impression or the report text.", self.impression
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``ImagingService.create`` (less the patient)."""
        return {
            "modality": self.modality.currentData(),
            "study": self.study.text().strip(),
            "body_site": self.body_site.text().strip(),
            "performed_at": self.performed_at.dateTime().toPython().astimezone(),
            "radiologist": self.radiologist.text().strip(),
            "facility": self.facility.text().strip(),
            "status": self.status.currentData(),
            "impression": self.impression.toPlainText().strip(),
            "report_text": self.report_text.toPlainText().strip(),
        }
