"""Update social history: smoking (status, pack-years, quit year), alcohol, drugs, occupation,
living situation, exercise, comment. Prefilled from the current record; saving records a new one."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from emr_desktop.domain.enums import SmokingStatus
from emr_desktop.domain.records import SocialHistoryDTO
from emr_desktop.ui.qt_models.history import smoking_label
from emr_desktop.ui.widgets.forms import FormDialog, line_field

_NOT_RECORDED = "Not recorded"
_TEXT_FIELDS = {"alcohol_use": 100, "drug_use": 100, "occupation": 100, "living_situation": 200,
                "exercise": 100, "comment": 500}


class SocialHistoryDialog(FormDialog):
    """Save emits the values; the tab saves them and closes the dialog (or shows the service's error)."""

    stays_open = True

    def __init__(self, current: SocialHistoryDTO | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Update social history", parent)
        self.setObjectName("socialHistoryDialog")
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
        self.edits: dict[str, QLineEdit] = {name: line_field("", length)
                                            for name, length in _TEXT_FIELDS.items()}
        self.edits["alcohol_use"].setPlaceholderText("e.g. 2 drinks a week")
        self.edits["living_situation"].setPlaceholderText("e.g. Lives with spouse, stairs at home")

        for label, widget in (("&Smoking status:", self.smoking_status), ("&Pack-years:", self.pack_years),
                              ("&Quit year:", self.quit_year), ("&Alcohol:", self.edits["alcohol_use"]),
                              ("&Drugs:", self.edits["drug_use"]), ("&Occupation:", self.edits["occupation"]),
                              ("&Living situation:", self.edits["living_situation"]),
                              ("&Exercise:", self.edits["exercise"]), ("&Comment:", self.edits["comment"])):
            self.form.addRow(label, widget)
        self.finish_layout("Sa&ve")
        self.first_field = self.smoking_status

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
