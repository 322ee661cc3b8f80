"""Enter an imaging report that arrived on paper (fax, letter): the tab saves what this returns."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.enums import ImagingModality, ResultStatus
from emr_desktop.ui.qt_models.imaging import modality_label, status_label


def _line(max_length: int, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setMaxLength(max_length)
    edit.setPlaceholderText(placeholder)
    return edit


def _text_box(placeholder: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)  # Tab moves on; the field takes plain typing only
    box.setPlaceholderText(placeholder)
    box.setMinimumHeight(height)
    return box


class ImagingReportDialog(QDialog):
    """Modality, study, body site, performed at, radiologist, facility, status, impression, report.
    Save emits the values; the tab saves them and closes the dialog (or shows the service's error)."""

    sig_values_submitted = Signal(dict)
    """Save was pressed with complete input; carries the keyword arguments for the service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imagingReportDialog")
        self.setWindowTitle("Add imaging report")
        self.setMinimumWidth(560)

        self.modality = QComboBox()
        for modality in ImagingModality:
            self.modality.addItem(f"{modality_label(modality.value)} ({modality.value})", modality.value)
        self.study = _line(200, "e.g. Chest X-ray, 2 views")
        self.body_site = _line(100, "e.g. Chest")
        self.performed_at = QDateTimeEdit()
        self.performed_at.setCalendarPopup(True)
        self.performed_at.setDisplayFormat("MM/dd/yyyy HH:mm")
        current = QDateTime.currentDateTime()
        self.performed_at.setMaximumDateTime(current.addDays(1))
        self.performed_at.setDateTime(current)
        self.radiologist = _line(200, "Reading radiologist")
        self.facility = _line(200, "Where the study was done")
        self.status = QComboBox()
        for status in ResultStatus:
            self.status.addItem(status_label(status.value), status.value)
        self.status.setCurrentIndex(self.status.findData(ResultStatus.FINAL.value))
        self.impression = _text_box("Impression (the conclusion, shown in bold)", 60)
        self.impression.setMaximumHeight(100)
        self.report_text = _text_box("Full report text", 140)

        form = QFormLayout()
        form.addRow("&Modality:", self.modality)
        form.addRow("&Study:", self.study)
        form.addRow("&Body site:", self.body_site)
        form.addRow("&Performed at:", self.performed_at)
        form.addRow("&Radiologist:", self.radiologist)
        form.addRow("&Facility:", self.facility)
        form.addRow("S&tatus:", self.status)
        form.addRow("&Impression:", self.impression)
        form.addRow("Report te&xt:", self.report_text)

        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Sa&ve")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.modality.setFocus()

    def accept(self) -> None:
        if not self.study.text().strip():
            self.show_error("Enter the study (what was imaged, e.g. Chest X-ray).", self.study)
        elif not (self.impression.toPlainText().strip() or self.report_text.toPlainText().strip()):
            self.show_error("Enter the impression or the report text.", self.impression)
        else:
            self.message.hide()
            self.buttons.setEnabled(False)  # until the save finished
            self.sig_values_submitted.emit(self.values())

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(text)
        self.message.show()
        (field or self.study).setFocus()

    def close_saved(self) -> None:
        super().accept()

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
