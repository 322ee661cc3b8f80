"""Add a family history entry: relationship, condition (with an optional ICD-10-CM code), onset
age, deceased, comment. The tab saves what this returns."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtWidgets import QCheckBox, QSpinBox, QWidget

from emr_desktop.ui.widgets.forms import FormDialog, combo_field, line_field

RELATIONSHIPS = (
    "mother", "father", "sister", "brother", "daughter", "son",
    "maternal grandmother", "maternal grandfather", "paternal grandmother", "paternal grandfather",
    "aunt", "uncle", "cousin", "half-sibling",
)

#: Shape of an ICD-10-CM code: letter, digit, alphanumeric, then up to four more after a dot.
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


class FamilyHistoryDialog(FormDialog):
    """Save emits the values; the tab saves them and closes the dialog (or shows the service's error)."""

    stays_open = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add family history", parent)
        self.setObjectName("familyHistoryDialog")
        self.setMinimumWidth(460)

        # anything not listed can be typed
        self.relationship = combo_field([r.capitalize() for r in RELATIONSHIPS], "", 40,
                                        placeholder="e.g. Mother")
        self.relationship.setCurrentIndex(-1)
        self.condition = line_field("", 200, placeholder="e.g. Type 2 diabetes")
        self.icd10_code = line_field("", 8, placeholder="Optional, e.g. E11.9")
        self.onset_age = QSpinBox()
        self.onset_age.setRange(-1, 120)
        self.onset_age.setSpecialValueText("Unknown")  # shown at -1: no onset age recorded
        self.onset_age.setValue(-1)
        self.onset_age.setSuffix(" years")
        self.deceased = QCheckBox("&Deceased")
        self.comment = line_field("", 300)

        self.form.addRow("&Relationship:", self.relationship)
        self.form.addRow("C&ondition:", self.condition)
        self.form.addRow("&ICD-10 code:", self.icd10_code)
        self.form.addRow("Onset &age:", self.onset_age)
        self.form.addRow("", self.deceased)
        self.form.addRow("&Comment:", self.comment)
        self.finish_layout()
        self.first_field = self.relationship
        self.relationship.setFocus()

    def check(self) -> tuple[str, QWidget] | None:
        code = self.icd10_code.text().strip().upper()
        if not self.relationship.currentText().strip():
            return "Enter the relationship (e.g. Mother).", self.relationship
        if not self.condition.text().strip():
            return "Enter the condition.", self.condition
        if code and not _ICD10.match(code):
            return ("That is not an ICD-10-CM code (e.g. I10, E11.9). Leave it empty if unsure.",
                    self.icd10_code)
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for ``FamilyHistoryService.create`` (less the patient)."""
        onset = self.onset_age.value()
        return {
            "relationship": self.relationship.currentText().strip().lower(),
            "condition": self.condition.text().strip(),
            "icd10_code": self.icd10_code.text().strip().upper(),
            "onset_age": None if onset < 0 else onset,
            "deceased": self.deceased.isChecked(),
            "comment": self.comment.text().strip(),
        }
