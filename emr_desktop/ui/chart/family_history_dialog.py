"""Add a family history entry: relationship, condition (with an optional ICD-10-CM code), onset
age, deceased, comment. The tab saves what this returns."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

RELATIONSHIPS = (
    "mother", "father", "sister", "brother", "daughter", "son",
    "maternal grandmother", "maternal grandfather", "paternal grandmother", "paternal grandfather",
    "aunt", "uncle", "cousin", "half-sibling",
)

#: Shape of an ICD-10-CM code: letter, digit, alphanumeric, then up to four more after a dot.
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")


class FamilyHistoryDialog(QDialog):
    sig_values_submitted = Signal(dict)
    """Save was pressed with complete input; carries the keyword arguments for the service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("familyHistoryDialog")
        self.setWindowTitle("Add family history")
        self.setMinimumWidth(460)

        self.relationship = QComboBox()
        self.relationship.setEditable(True)  # anything not listed can be typed
        self.relationship.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.relationship.addItems([r.capitalize() for r in RELATIONSHIPS])
        self.relationship.setCurrentIndex(-1)
        self.relationship.lineEdit().setMaxLength(40)
        self.relationship.lineEdit().setPlaceholderText("e.g. Mother")
        self.condition = QLineEdit()
        self.condition.setMaxLength(200)
        self.condition.setPlaceholderText("e.g. Type 2 diabetes")
        self.icd10_code = QLineEdit()
        self.icd10_code.setMaxLength(8)
        self.icd10_code.setPlaceholderText("Optional, e.g. E11.9")
        self.onset_age = QSpinBox()
        self.onset_age.setRange(-1, 120)
        self.onset_age.setSpecialValueText("Unknown")  # shown at -1: no onset age recorded
        self.onset_age.setValue(-1)
        self.onset_age.setSuffix(" years")
        self.deceased = QCheckBox("&Deceased")
        self.comment = QLineEdit()
        self.comment.setMaxLength(300)

        form = QFormLayout()
        form.addRow("&Relationship:", self.relationship)
        form.addRow("C&ondition:", self.condition)
        form.addRow("&ICD-10 code:", self.icd10_code)
        form.addRow("Onset &age:", self.onset_age)
        form.addRow("", self.deceased)
        form.addRow("&Comment:", self.comment)

        self.message = QLabel()
        self.message.setObjectName("dialogMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.relationship.setFocus()

    def accept(self) -> None:
        code = self.icd10_code.text().strip().upper()
        if not self.relationship.currentText().strip():
            self.show_error("Enter the relationship (e.g. Mother).", self.relationship)
        elif not self.condition.text().strip():
            self.show_error("Enter the condition.", self.condition)
        elif code and not _ICD10.match(code):
            self.show_error("That is not an ICD-10-CM code (e.g. I10, E11.9). Leave it empty if unsure.",
                            self.icd10_code)
        else:
            self.message.hide()
            self.buttons.setEnabled(False)  # until the save finished
            self.sig_values_submitted.emit(self.values())

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(text)
        self.message.show()
        (field or self.relationship).setFocus()

    def close_saved(self) -> None:
        super().accept()

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
