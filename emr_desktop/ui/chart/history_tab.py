"""Family history (a list of relatives' conditions) and social history (the current record;
an update records a new one, so earlier answers stay in the chart)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.records import ChartDTO, FamilyHistoryDTO, SocialHistoryDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, select_record, selected_record
from emr_desktop.ui.chart.family_history_dialog import FamilyHistoryDialog
from emr_desktop.ui.chart.social_history_dialog import SocialHistoryDialog
from emr_desktop.ui.qt_models.history import Column, FamilyHistoryTableModel, condition_text, smoking_label
from emr_desktop.ui.widgets.forms import FormDialog

#: The social history panel's rows: label and how the value reads.
_SOCIAL_ROWS: tuple[tuple[str, str], ...] = (
    ("smoking", "Smoking:"), ("alcohol_use", "Alcohol:"), ("drug_use", "Drugs:"),
    ("occupation", "Occupation:"), ("living_situation", "Living situation:"), ("exercise", "Exercise:"),
    ("comment", "Comment:"), ("recorded", "Recorded:"),
)


def smoking_text(social: SocialHistoryDTO) -> str:
    parts = [smoking_label(social.smoking_status)]
    if social.pack_years is not None:
        parts.append(f"{social.pack_years:g} pack-years")
    if social.quit_year is not None:
        parts.append(f"quit {social.quit_year}")
    return ", ".join(parts)


def social_values(social: SocialHistoryDTO) -> dict[str, str]:
    values = {name: str(getattr(social, name, "")) or "—" for name, _ in _SOCIAL_ROWS}
    values["smoking"] = smoking_text(social)
    values["recorded"] = f"{social.recorded_at.astimezone():%m/%d/%Y %H:%M}"
    return values


class HistoryTab(ChartTab):
    title = "&History"
    sections = ("family_history", "social_history")

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("historyTab")

        # family history
        self.family_model = FamilyHistoryTableModel(self)
        self.family_table = make_table(self.family_model, stretch_column=Column.CONDITION)
        self.family_table.setObjectName("familyHistoryTable")
        self.add_family_button = QPushButton("&Add family history…")
        self.add_family_button.clicked.connect(self.add_family_history)
        self.error_button = QPushButton("&Mark entered in error…")
        self.error_button.setToolTip("The entry was recorded by mistake (it stays in the audit trail)")
        self.error_button.clicked.connect(self.mark_entered_in_error)
        family_buttons = QHBoxLayout()
        family_buttons.addWidget(self.add_family_button)
        family_buttons.addWidget(self.error_button)
        family_buttons.addStretch(1)
        family_box = QGroupBox("Family history")
        family_box.setObjectName("familyHistoryBox")
        family_layout = QVBoxLayout(family_box)
        family_layout.addLayout(family_buttons)
        family_layout.addWidget(self.family_table)

        # social history
        self.social_labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, label in _SOCIAL_ROWS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.social_labels[name] = value
            form.addRow(label, value)
        self.social_empty = QLabel("No social history recorded yet.")
        self.social_empty.setObjectName("emptyNotice")
        self.social_earlier = QLabel()
        self.social_earlier.setObjectName("mutedNote")
        self.update_social_button = QPushButton("&Update social history…")
        self.update_social_button.clicked.connect(self.update_social_history)
        social_box = QGroupBox("Social history")
        social_box.setObjectName("socialHistoryBox")
        social_layout = QVBoxLayout(social_box)
        social_layout.addWidget(self.social_empty)
        social_layout.addLayout(form)
        social_layout.addWidget(self.social_earlier)
        social_layout.addStretch(1)
        social_layout.addWidget(self.update_social_button, 0, Qt.AlignmentFlag.AlignLeft)

        columns = QHBoxLayout()
        columns.addWidget(family_box, 3)
        columns.addWidget(social_box, 2)
        layout = self.layout_with_notice()
        layout.addLayout(columns, 1)
        self.family_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.setTabOrder(self.add_family_button, self.error_button)
        self.setTabOrder(self.error_button, self.family_table)
        self.setTabOrder(self.family_table, self.update_social_button)
        self._show_social(None, 0)
        self._update_buttons()

    # --- ChartTab ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        keep = self.selected_entry()
        self.family_model.set_rows(chart.family_history)
        select_record(self.family_table, keep.id if keep else None)
        social = chart.social_history[0] if chart.social_history else None
        self._show_social(social, max(0, len(chart.social_history) - 1))
        self._update_buttons()

    def clear_tab(self) -> None:
        self.family_model.clear()
        self._show_social(None, 0)
        self._update_buttons()

    # --- display -------------------------------------------------------------------------------

    def selected_entry(self) -> FamilyHistoryDTO | None:
        return selected_record(self.family_table)

    def current_social(self) -> SocialHistoryDTO | None:
        if self.chart is None or not self.chart.social_history:
            return None
        return self.chart.social_history[0]

    def _show_social(self, social: SocialHistoryDTO | None, earlier: int) -> None:
        values = social_values(social) if social is not None else {}
        for name, label in self.social_labels.items():
            label.setText(values.get(name, ""))
        self.social_empty.setVisible(social is None)
        self.social_earlier.setText(f"{earlier} earlier record{'s' if earlier != 1 else ''} in the chart."
                                    if earlier else "")
        self.social_earlier.setVisible(bool(earlier))

    def _update_buttons(self) -> None:
        chart = self.chart
        can_write = chart is not None and allows(self.ctx.actor, Category.HISTORY, Verb.WRITE,
                                                 chart.patient.id)
        self.add_family_button.setEnabled(can_write)
        self.update_social_button.setEnabled(can_write)
        self.error_button.setEnabled(can_write and self.selected_entry() is not None)

    # --- actions -------------------------------------------------------------------------------

    def add_family_history(self) -> None:
        if self.patient_id is not None and self.dialog is None:
            self._open(FamilyHistoryDialog(self), self.ctx.services.family_history.create,
                       "Family history added.")

    def update_social_history(self) -> None:
        if self.patient_id is not None and self.dialog is None:
            self._open(SocialHistoryDialog(self.current_social(), self),
                       self.ctx.services.social_history.create, "Social history updated.")

    def mark_entered_in_error(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self.mark_record_entered_in_error(
            self.ctx.services.family_history.set_record_status, entry.id,
            f"Why was “{condition_text(entry)}” ({entry.relationship}) entered in error?",
            saved="Family history entry marked entered in error.")

    def _open(self, dialog: FormDialog, create: Callable[..., Any], saved: str) -> None:
        """Show an entry dialog; its values are created for this patient, it closes when saved."""
        patient_id = self.patient_id

        def save() -> None:
            values = dialog.values()
            self.save(lambda actor: create(actor, patient_id=patient_id, **values), saved=saved, dialog=dialog)

        self.open_dialog(dialog, save)
