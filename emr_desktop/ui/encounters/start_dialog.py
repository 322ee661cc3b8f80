"""Start an encounter: visit type, reason, and when (an office visit, now, unless changed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.enums import EncounterType
from emr_desktop.ui.encounters.labels import encounter_type_label

#: The reason column's length (models/encounters.py).
REASON_MAX = 500


class StartEncounterDialog(QDialog):
    """Returns the values for ``EncounterService.start``; it saves nothing itself."""

    def __init__(self, parent: QWidget | None = None, *,
                 encounter_type: str = EncounterType.OFFICE_VISIT.value,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startEncounterDialog")
        self.setWindowTitle("Start encounter")
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("encounterTypeCombo")
        for value in EncounterType:
            self.type_combo.addItem(encounter_type_label(value), value.value)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(encounter_type)))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("encounterReason")
        self.reason.setMaxLength(REASON_MAX)
        self.reason.setPlaceholderText("e.g. sore throat for 3 days")
        self.when = QDateTimeEdit(self)
        self.when.setObjectName("encounterStart")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("MM/dd/yyyy HH:mm")
        start = (now or datetime.now(UTC)).astimezone()
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
        form = QFormLayout()
        form.addRow("&Type:", self.type_combo)
        form.addRow("&Reason:", self.reason)
        form.addRow("&When:", self.when)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.type_combo, self.reason)
        self.setTabOrder(self.reason, self.when)
        self.setMinimumWidth(420)
        self.reason.setFocus()

    def values(self) -> dict[str, Any]:
        start = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        return {"encounter_type": self.type_combo.currentData(), "reason": self.reason.text().strip(),
                "start_time": start}

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> dict[str, Any] | None:
        """Show the dialog; the values, or None when cancelled."""
        dialog = cls(parent)
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None
