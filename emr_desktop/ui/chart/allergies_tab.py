"""The Allergies tab: the allergy list, "no known allergies", and taking an allergy off the active
list with a reason. NKA and real allergies exclude each other; the service holds that rule (an
added allergy supersedes NKA, NKA is refused while allergies are active) and the tab explains it."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.domain.enums import AllergyStatus, RecordStatus
from emr_desktop.domain.records import AllergyDTO, ChartDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.allergy_dialog import AllergyDialog, AllergyStatusDialog
from emr_desktop.ui.chart.base import (
    ChartContext,
    ChartTab,
    error_text,
    make_table,
    select_record,
    selected_record,
)
from emr_desktop.ui.qt_models.allergies import AllergyTableModel, is_active

NKA_BLOCKED = ("No known allergies cannot be recorded while allergies are active; "
               "mark them inactive first.")
NKA_RECORDED = "No known allergies is recorded."
NOT_ASKED = "No allergies recorded yet: ask the patient, then add them or record no known allergies."


class AllergiesTab(ChartTab):
    title = "&Allergies"
    sections = ("allergies",)

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("allergiesTab")
        self._allergies: tuple[AllergyDTO, ...] = ()
        self._shown_patient: uuid.UUID | None = None
        self._nka_refusal = ""  # the service's reason for refusing NKA, shown while it still applies
        layout = self.layout_with_notice()

        self.add_button = QPushButton("&Add allergy…")
        self.add_button.setToolTip("Record an allergy or intolerance")
        self.nka_button = QPushButton("No &known allergies")
        self.nka_button.setToolTip("Record that the patient reports no known allergies")
        self.status_button = QPushButton("Mark inactive / &resolved / entered in error…")
        self.status_button.setToolTip("Take the selected allergy off the active list (a reason is required)")
        self.show_inactive = QCheckBox("Sho&w inactive")
        self.show_inactive.setToolTip("Also list inactive and resolved allergies")
        bar = QHBoxLayout()
        for button in (self.add_button, self.nka_button, self.status_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.show_inactive)
        layout.addLayout(bar)
        self.notice = QLabel()
        self.notice.setObjectName("allergyNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.model = AllergyTableModel(self)
        self.table = make_table(self.model, self, stretch_column=AllergyTableModel.Column.REACTION)
        self.table.setObjectName("allergyTable")
        self.table.setAccessibleName("Allergies")
        layout.addWidget(self.table, 1)

        self.add_button.clicked.connect(self.add_allergy)
        self.nka_button.clicked.connect(self.record_no_known_allergies)
        self.status_button.clicked.connect(self.change_status)
        self.show_inactive.toggled.connect(self._fill)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # --- ChartTab ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        if chart.patient.id != self._shown_patient:
            self._nka_refusal = ""
        self._shown_patient = chart.patient.id
        self._allergies = chart.allergies
        self._fill()

    def clear_tab(self) -> None:
        self._allergies = ()
        self._nka_refusal = ""
        self._shown_patient = None
        self.model.clear()
        self.notice.hide()
        self._update_buttons()

    # --- display -------------------------------------------------------------------------------

    def _fill(self, *_args: Any) -> None:
        keep = self.selected_allergy()
        rows = [a for a in self._allergies if self.show_inactive.isChecked() or is_active(a)]
        self.model.set_rows(rows)
        select_record(self.table, keep.id if keep else None)
        self._update_buttons()

    def selected_allergy(self) -> AllergyDTO | None:
        return selected_record(self.table)

    def _update_buttons(self, *_args: Any) -> None:
        can_write = self.patient_id is not None and allows(self.ctx.actor, Category.ALLERGY, Verb.WRITE,
                                                           self.patient_id)
        active = [a for a in self._allergies if is_active(a)]
        has_allergies = any(not a.no_known_allergies for a in active)
        has_nka = any(a.no_known_allergies for a in active)
        self.add_button.setEnabled(can_write)
        self.nka_button.setEnabled(can_write and not has_allergies and not has_nka)
        self.nka_button.setToolTip(NKA_BLOCKED if has_allergies else NKA_RECORDED if has_nka else
                                   "Record that the patient reports no known allergies")
        selected = self.selected_allergy()
        self.status_button.setEnabled(can_write and selected is not None)
        notice = ""
        if self.chart is not None and "allergies" not in self.chart.withheld:
            notice = NKA_RECORDED if has_nka else "" if active else NOT_ASKED
        if not has_allergies:
            self._nka_refusal = ""
        notice = self._nka_refusal or notice
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))

    # --- actions -------------------------------------------------------------------------------

    def add_allergy(self) -> None:
        patient_id = self.patient_id
        if patient_id is None:
            return
        dialog = AllergyDialog(self)

        def save() -> None:
            values = dialog.values()
            svc = self.ctx.services.allergies
            self.save(lambda actor: svc.create(actor, patient_id=patient_id, **values),
                      saved="Allergy added.", dialog=dialog)

        self.open_dialog(dialog, save)

    def record_no_known_allergies(self) -> None:
        patient_id = self.patient_id
        if patient_id is None:
            return
        svc = self.ctx.services.allergies
        self.save(lambda actor: svc.record_no_known_allergies(actor, patient_id),
                  saved="No known allergies recorded.", on_error=self._nka_refused)

    def _nka_refused(self, exc: BaseException) -> None:
        """Say why here, and reload: the refusal means the chart changed since it was shown."""
        self._nka_refusal = error_text(exc)
        self.notice.setText(self._nka_refusal)
        self.notice.show()
        if self.patient_id is not None:
            self.ctx.sig_chart_changed.emit(self.patient_id)

    def change_status(self) -> None:
        allergy = self.selected_allergy()
        if allergy is None or not self.status_button.isEnabled():
            return
        dialog = AllergyStatusDialog(allergy, self)

        def save() -> None:
            values = dialog.values()
            svc = self.ctx.services.allergies
            status, reason = values["status"], values["reason"]
            if status == RecordStatus.ENTERED_IN_ERROR.value:
                def fn(actor: Any) -> AllergyDTO:
                    return svc.set_record_status(actor, allergy.id, RecordStatus.ENTERED_IN_ERROR, reason)
            else:
                def fn(actor: Any) -> AllergyDTO:
                    return svc.set_status(actor, allergy.id, AllergyStatus(status), reason)
            self.save(fn, saved="Allergy status changed.", dialog=dialog)

        self.open_dialog(dialog, save)
