"""Dialogs of the problem list: add a problem (ICD-10-CM picker, onset, comment) and resolve one.
They return values; the problems tab saves them through ProblemService."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.terminology import Code, icd10
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.code_picker import CodePickerDialog
from emr_desktop.ui.widgets.forms import FormDialog, date_field, date_value, line_field


def past_date_field(*, optional: bool, earliest: date | None = None) -> QDateEdit:
    """A narrow calendar-popup date field that cannot go past today; optional ones start at
    "Unknown"."""
    field = date_field(allow_unknown=optional, earliest=earliest, latest=date.today())
    field.setMaximumWidth(160)
    return field


class ProblemDialog(FormDialog):
    """Add a problem. ``values()`` gives icd10_code, display, onset_date and comment."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, *,
                 search_fn: Callable[[str], list[Code]] = icd10.search,
                 is_ready: Callable[[], bool] = icd10.is_ready) -> None:
        super().__init__("Add problem", parent)
        self.setObjectName("problemDialog")
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
        self.description = line_field("", 300)
        self.onset = past_date_field(optional=True)
        self.comment = line_field("", 500)

        self.form.addRow("ICD-10-CM:", code_row)
        self.form.addRow("&Description:", self.description)
        self.form.addRow("&Onset:", self.onset)
        self.form.addRow("Co&mment:", self.comment)
        self.finish_layout()
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

    def values(self) -> dict[str, Any]:
        assert self.code is not None
        return {"icd10_code": self.code.code, "display": self.description.text().strip(),
                "onset_date": date_value(self.onset), "comment": self.comment.text().strip()}

    def check(self) -> tuple[str, QWidget] | None:
        if self.code is None:
            return "Choose an ICD-10-CM code first.", self.choose_button
        if not self.description.text().strip():
            return "Describe the problem.", self.description
        return None


class ResolveDialog(FormDialog):
    """When a problem resolved, and an optional note. ``values()`` gives resolved_date and reason."""

    def __init__(self, problem_text: str, onset: date | None, parent: QWidget | None = None) -> None:
        super().__init__("Resolve problem", parent)
        self.setObjectName("resolveProblemDialog")
        self.resolved = past_date_field(optional=False, earliest=onset)
        self.note = line_field("", 300)
        label = QLabel(problem_text)
        label.setWordWrap(True)
        self.form.addRow(label)
        self.form.addRow("&Resolved on:", self.resolved)
        self.form.addRow("&Note:", self.note)
        self.finish_layout("&Resolve")
        self.resolved.setFocus()

    def values(self) -> dict[str, Any]:
        return {"resolved_date": date_value(self.resolved), "reason": self.note.text().strip()}
