"""Dialogs of the problem list: add a problem (ICD-10-CM picker, onset, comment) and resolve one.
They return values; the problems tab saves them through ProblemService."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.codes import ICD10CM
from emr_desktop.terminology import Code, icd10
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.code_picker import CodePickerDialog

#: An onset date field at its minimum shows "Unknown" (the onset is optional).
_UNKNOWN = QDate(1900, 1, 1)


def date_field(*, optional: bool, value: date | None = None, earliest: date | None = None) -> QDateEdit:
    """A calendar-popup date field that cannot go past today; optional ones start at "Unknown"."""
    field = QDateEdit()
    field.setCalendarPopup(True)
    field.setDisplayFormat("MM/dd/yyyy")
    field.setMaximumWidth(160)
    field.setMaximumDate(QDate.currentDate())
    if optional:
        field.setMinimumDate(_UNKNOWN)
        field.setSpecialValueText("Unknown")
    elif earliest is not None:
        field.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
    if value is not None:
        field.setDate(QDate(value.year, value.month, value.day))
    else:
        field.setDate(_UNKNOWN if optional else QDate.currentDate())
    return field


def date_value(field: QDateEdit) -> date | None:
    """The field's date, None for "Unknown"."""
    if field.specialValueText() and field.date() == field.minimumDate():
        return None
    return field.date().toPython()  # type: ignore[no-any-return]


def _error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("dialogError")
    label.setWordWrap(True)
    label.hide()
    return label


class ProblemDialog(QDialog):
    """Add a problem. ``values()`` gives icd10_code, display, onset_date and comment."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, *,
                 search_fn: Callable[[str], list[Code]] = icd10.search,
                 is_ready: Callable[[], bool] = icd10.is_ready) -> None:
        super().__init__(parent)
        self.setObjectName("problemDialog")
        self.setWindowTitle("Add problem")
        self._tasks = tasks
        self._search_fn = search_fn
        self._is_ready = is_ready
        self.code: Code | None = None
        self.picker: CodePickerDialog | None = None

        self.code_label = QLabel("No code chosen yet.")
        self.code_label.setObjectName("problemCode")
        self.code_label.setWordWrap(True)
        self.choose_button = QPushButton("&Choose ICD-10 code…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_code)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code_label, 1)
        code_row.addWidget(self.choose_button)
        self.description = QLineEdit()
        self.description.setMaxLength(300)
        self.onset = date_field(optional=True)
        self.comment = QLineEdit()
        self.comment.setMaxLength(500)
        self.message = _error_label()

        form = QFormLayout()
        form.addRow("ICD-10-CM:", code_row)
        form.addRow("&Description:", self.description)
        form.addRow("&Onset:", self.onset)
        form.addRow("Co&mment:", self.comment)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setTabOrder(self.choose_button, self.description)
        self.setTabOrder(self.description, self.onset)
        self.setTabOrder(self.onset, self.comment)
        self.choose_button.setFocus()
        self.resize(620, self.sizeHint().height())

    def choose_code(self) -> None:
        self.picker = CodePickerDialog(self._search_fn, self._tasks, "Choose ICD-10-CM code", self,
                                       is_ready=self._is_ready,
                                       initial_text=self.code.code if self.code else "")
        picker = self.picker
        picker.accepted.connect(lambda: self.set_code(picker.selected))
        picker.open()

    def set_code(self, code: Code | None) -> None:
        if code is None:
            return
        previous = self.code
        self.code = code
        self.code_label.setText(f"{code.code} — {code.display}")
        if not self.description.text().strip() or (previous and self.description.text() == previous.display):
            self.description.setText(code.display)
        self.show_error("" if code.billable else
                        f"{code.code} is a category; a more specific code is better for claims.")
        self.description.setFocus()

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form again (after the service refused a save)."""
        found = icd10.lookup(values["icd10_code"]) if self._is_ready() else None
        self.set_code(found or Code(ICD10CM, values["icd10_code"], values["display"]))
        self.description.setText(values.get("display", ""))
        onset = values.get("onset_date")
        self.onset.setDate(QDate(onset.year, onset.month, onset.day) if onset else _UNKNOWN)
        self.comment.setText(values.get("comment", ""))

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def values(self) -> dict[str, Any]:
        assert self.code is not None
        return {"icd10_code": self.code.code, "display": self.description.text().strip(),
                "onset_date": date_value(self.onset), "comment": self.comment.text().strip()}

    def accept(self) -> None:
        if self.code is None:
            self.show_error("Choose an ICD-10-CM code first.")
            self.choose_button.setFocus()
            return
        if not self.description.text().strip():
            self.show_error("Describe the problem.")
            self.description.setFocus()
            return
        super().accept()


class ResolveDialog(QDialog):
    """When a problem resolved, and an optional note. ``values()`` gives resolved_date and reason."""

    def __init__(self, problem_text: str, onset: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resolveProblemDialog")
        self.setWindowTitle("Resolve problem")
        self.resolved = date_field(optional=False, earliest=onset)
        self.note = QLineEdit()
        self.note.setMaxLength(300)
        label = QLabel(problem_text)
        label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(label)
        form.addRow("&Resolved on:", self.resolved)
        form.addRow("&Note:", self.note)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Resolve", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resolved.setFocus()

    def values(self) -> dict[str, Any]:
        return {"resolved_date": date_value(self.resolved), "reason": self.note.text().strip()}
