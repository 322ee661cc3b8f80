"""Update social history: smoking (status, pack-years, quit year), alcohol, drugs, occupation,
living situation, exercise, comment. Prefilled from the current record; saving records a new one."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.enums import SmokingStatus
from emr_desktop.domain.records import SocialHistoryDTO
from emr_desktop.ui.qt_models.history import smoking_label

_NOT_RECORDED = "Not recorded"
_TEXT_FIELDS = {"alcohol_use": 100, "drug_use": 100, "occupation": 100, "living_situation": 200,
                "exercise": 100, "comment": 500}


class SocialHistoryDialog(QDialog):
    sig_values_submitted = Signal(dict)
    """Save was pressed with complete input; carries the keyword arguments for the service."""

    def __init__(self, current: SocialHistoryDTO | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("socialHistoryDialog")
        self.setWindowTitle("Update social history")
        self.setMinimumWidth(500)

        self.smoking_status = QComboBox()
        for status in SmokingStatus:
            self.smoking_status.addItem(smoking_label(status.value), status.value)
        self.pack_years = QDoubleSpinBox()
        self.pack_years.setRange(-1, 300)
        self.pack_years.setDecimals(1)
        self.pack_years.setSingleStep(0.5)
        self.pack_years.setSpecialValueText(_NOT_RECORDED)  # shown at -1
        self.quit_year = QSpinBox()
        self.quit_year.setRange(1899, date.today().year)
        self.quit_year.setSpecialValueText(_NOT_RECORDED)  # shown at 1899
        self.edits: dict[str, QLineEdit] = {}
        for name, length in _TEXT_FIELDS.items():
            edit = QLineEdit()
            edit.setMaxLength(length)
            self.edits[name] = edit
        self.edits["alcohol_use"].setPlaceholderText("e.g. 2 drinks a week")
        self.edits["living_situation"].setPlaceholderText("e.g. Lives with spouse, stairs at home")

        form = QFormLayout()
        form.addRow("&Smoking status:", self.smoking_status)
        form.addRow("&Pack-years:", self.pack_years)
        form.addRow("&Quit year:", self.quit_year)
        form.addRow("&Alcohol:", self.edits["alcohol_use"])
        form.addRow("&Drugs:", self.edits["drug_use"])
        form.addRow("&Occupation:", self.edits["occupation"])
        form.addRow("&Living situation:", self.edits["living_situation"])
        form.addRow("&Exercise:", self.edits["exercise"])
        form.addRow("&Comment:", self.edits["comment"])

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

        self.smoking_status.currentIndexChanged.connect(self._smoking_changed)
        self._prefill(current)
        self._smoking_changed()
        self.smoking_status.setFocus()

    def _prefill(self, current: SocialHistoryDTO | None) -> None:
        status = current.smoking_status if current is not None else SmokingStatus.UNKNOWN.value
        index = self.smoking_status.findData(status)
        self.smoking_status.setCurrentIndex(index if index >= 0 else 0)
        self.pack_years.setValue(-1 if current is None or current.pack_years is None else current.pack_years)
        self.quit_year.setValue(self.quit_year.minimum() if current is None or current.quit_year is None
                                else current.quit_year)
        for name, edit in self.edits.items():
            edit.setText(getattr(current, name) if current is not None else "")

    def _smoking_changed(self) -> None:
        status = self.smoking_status.currentData()
        self.pack_years.setEnabled(status not in (SmokingStatus.NEVER.value, SmokingStatus.UNKNOWN.value))
        self.quit_year.setEnabled(status == SmokingStatus.FORMER.value)

    def accept(self) -> None:
        self.message.hide()
        self.buttons.setEnabled(False)  # until the save finished
        self.sig_values_submitted.emit(self.values())

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(text)
        self.message.show()
        (field or self.smoking_status).setFocus()

    def close_saved(self) -> None:
        super().accept()

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``SocialHistoryService.create`` (less the patient); pack-years and
        quit year only where the smoking status gives them a meaning."""
        pack_years = self.pack_years.value()
        quit_year = self.quit_year.value()
        values: dict[str, Any] = {
            "smoking_status": self.smoking_status.currentData(),
            "pack_years": pack_years if self.pack_years.isEnabled() and pack_years >= 0 else None,
            "quit_year": quit_year if self.quit_year.isEnabled() and quit_year > self.quit_year.minimum()
            else None,
        }
        values.update({name: edit.text().strip() for name, edit in self.edits.items()})
        return values
