"""Entry dialogs for the allergy list: record an allergy, and take one off the active list
(inactive, resolved or entered in error, with a reason). They return values; the tab saves."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from emr_desktop.domain.enums import AllergyCategory, AllergySeverity, AllergyStatus, RecordStatus
from emr_desktop.domain.records import AllergyDTO
from emr_desktop.ui.widgets.forms import ISO_DATE, FormDialog, date_field, date_value, line_field

#: What "Mark …" may set: (value, label). Entered-in-error is a record status, the others the
#: allergy's clinical status.
STATUS_CHOICES = (
    (AllergyStatus.INACTIVE.value, "Inactive (no longer relevant)"),
    (AllergyStatus.RESOLVED.value, "Resolved (outgrown or desensitised)"),
    (RecordStatus.ENTERED_IN_ERROR.value, "Entered in error (recorded by mistake)"),
)


def _enum_combo(values: type[Any], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem("Not specified", "")
    for item in values:
        combo.addItem(item.value.capitalize(), item.value)
    return combo


class AllergyDialog(FormDialog):
    """Record an allergy or intolerance; ``values()`` are AllergyService.create fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add allergy", parent)
        self.setObjectName("allergyDialog")
        self.substance = line_field("", 200, self, "e.g. penicillin, peanuts, latex")
        self.category = _enum_combo(AllergyCategory, self)
        self.reaction = line_field("", 300, self, "e.g. hives, anaphylaxis")
        self.severity = _enum_combo(AllergySeverity, self)
        self.onset = date_field(None, allow_unknown=True, display_format=ISO_DATE, parent=self)
        for label, widget in (("&Substance:", self.substance), ("&Category:", self.category),
                              ("&Reaction:", self.reaction), ("Se&verity:", self.severity),
                              ("&Onset:", self.onset)):
            self.form.addRow(label, widget)
        self.finish_layout()
        self.resize(460, self.sizeHint().height())

    def check(self) -> tuple[str, QWidget] | None:
        if not self.substance.text().strip():
            return "Enter the substance the patient reacts to.", self.substance
        return None

    def values(self) -> dict[str, Any]:
        return {
            "substance": self.substance.text().strip(), "category": self.category.currentData(),
            "reaction": self.reaction.text().strip(), "severity": self.severity.currentData(),
            "onset_date": date_value(self.onset),
        }


class AllergyStatusDialog(FormDialog):
    """Take an allergy off the active list; a reason is always required."""

    def __init__(self, allergy: AllergyDTO, parent: QWidget | None = None) -> None:
        super().__init__("Change allergy status", parent)
        self.setObjectName("allergyStatusDialog")
        self.allergy = allergy
        substance = QLabel(allergy.substance, self)
        substance.setWordWrap(True)
        self.status = QComboBox(self)
        for value, label in STATUS_CHOICES:
            if value != allergy.status:
                self.status.addItem(label, value)
        self.reason = line_field("", 300, self, "Why is this allergy no longer on the active list?")
        self.form.addRow("Allergy:", substance)
        self.form.addRow("&Mark as:", self.status)
        self.form.addRow("&Reason:", self.reason)
        self.finish_layout()
        self.resize(460, self.sizeHint().height())

    def select_status(self, value: str) -> None:
        self.status.setCurrentIndex(max(0, self.status.findData(value)))

    def check(self) -> tuple[str, QWidget] | None:
        if not self.reason.text().strip():
            return "Please give a reason.", self.reason
        return None

    def values(self) -> dict[str, Any]:
        return {"status": self.status.currentData(), "reason": self.reason.text().strip()}
