"""Immunizations: every dose given here, reported from elsewhere or refused, newest first; record
one with the CVX picker, or mark one entered in error."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.domain.records import ChartDTO, ImmunizationDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, select_record, selected_record
from emr_desktop.ui.chart.immunization_dialog import ImmunizationDialog
from emr_desktop.ui.qt_models.immunizations import KIND_TEXT, Column, ImmunizationTableModel


class ImmunizationsTab(ChartTab):
    title = "&Immunizations"
    sections = ("immunizations",)

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("immunizationsTab")
        layout = self.layout_with_notice()

        self.record_button = QPushButton("&Record…")
        self.error_button = QPushButton("Mark entered in &error…")
        self.record_button.clicked.connect(self.record)
        self.error_button.clicked.connect(self.mark_entered_in_error)
        bar = QHBoxLayout()
        bar.addWidget(self.record_button)
        bar.addWidget(self.error_button)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.model = ImmunizationTableModel(self, user_name=self._user_name)
        self.table = make_table(self.model, self, stretch_column=Column.VACCINE)
        self.table.setObjectName("immunizationsTable")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel("No immunizations recorded.")
        self.empty_label.setObjectName("emptyNotice")
        layout.addWidget(self.empty_label)
        self._update_buttons()

    def _user_name(self, user_id: uuid.UUID | None) -> str:
        return "" if user_id is None else self.ctx.staff_name(user_id)

    # --- showing ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        keep = self.selected_immunization()
        rows = list(chart.immunizations)
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows and "immunizations" not in chart.withheld)
        select_record(self.table, keep.id if keep else None)
        self._update_buttons()

    def clear_tab(self) -> None:
        self.model.clear()
        self.empty_label.hide()
        self._update_buttons()

    def selected_immunization(self) -> ImmunizationDTO | None:
        return selected_record(self.table)

    def _may_write(self) -> bool:
        return self.patient_id is not None and allows(self.ctx.actor, Category.IMMUNIZATION, Verb.WRITE,
                                                      self.patient_id)

    def _update_buttons(self) -> None:
        writable = self._may_write()
        self.record_button.setEnabled(writable)
        self.error_button.setEnabled(writable and self.selected_immunization() is not None)

    # --- actions ------------------------------------------------------------------------------

    def record(self) -> None:
        patient_id = self.patient_id
        if patient_id is None:
            return
        dialog = ImmunizationDialog(self.ctx.tasks, self)

        def save() -> None:
            values = dialog.values()
            what = KIND_TEXT.get(values["kind"], values["kind"]).lower()
            self.save(lambda actor: self.ctx.services.immunizations.create(actor, patient_id=patient_id,
                                                                           **values),
                      saved=f"Immunization recorded ({what}): {values['vaccine']}.", dialog=dialog)

        self.open_dialog(dialog, save)

    def mark_entered_in_error(self) -> None:
        item = self.selected_immunization()
        if item is None:
            return
        self.mark_record_entered_in_error(
            self.ctx.services.immunizations.set_record_status, item.id,
            f"Why is the {item.occurrence_date:%m/%d/%Y} {item.vaccine} entry wrong?",
            saved=f"Immunization marked entered in error: {item.vaccine}.")
