"""Merge a field conflict: for each field choose the value kept or the other workstation's value,
and for text fields edit the result (e.g. keep both sentences). Returns the values; the conflict
service writes them, checks permission and audits."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.records import ConflictDTO
from emr_desktop.ui.qt_models.conflicts import DERIVED


def _load(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def merge_fields(conflict: ConflictDTO) -> list[str]:
    """The fields a reviewer merges: those in conflict, without derived search keys."""
    return [f for f in conflict.fields.split(",") if f and f not in DERIVED]


class MergeDialog(QDialog):
    def __init__(self, conflict: ConflictDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge the two versions")
        self._kept = _load(conflict.kept_values)
        self._other = _load(conflict.other_values)
        self.choices: dict[str, QComboBox] = {}
        self.editors: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in merge_fields(conflict):
            choice = QComboBox()
            choice.addItem(f"Value kept: {self._kept.get(name)!s}", "kept")
            choice.addItem(f"Other value: {self._other.get(name)!s}", "other")
            form.addRow(name.replace("_", " ").capitalize(), choice)
            self.choices[name] = choice
            if isinstance(self._kept.get(name), str) or isinstance(self._other.get(name), str):
                editor = QLineEdit(str(self._kept.get(name) or ""))
                editor.setAccessibleName(f"Merged {name.replace('_', ' ')}")
                form.addRow("   merged text", editor)
                self.editors[name] = editor
                choice.currentIndexChanged.connect(lambda _i, n=name: self._choice_changed(n))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Merge")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hint = QLabel("Choose, field by field, what the record should hold. Text can be edited to keep "
                      "both; the decision is recorded in the audit trail.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _choice_changed(self, name: str) -> None:
        source = self._kept if self.choices[name].currentData() == "kept" else self._other
        self.editors[name].setText(str(source.get(name) or ""))

    def values(self) -> dict[str, Any]:
        """The merged record values (canonical form, as the conflict holds them)."""
        merged: dict[str, Any] = {}
        for name, choice in self.choices.items():
            if name in self.editors:
                merged[name] = self.editors[name].text()
            else:
                merged[name] = (self._kept if choice.currentData() == "kept" else self._other).get(name)
        return merged
