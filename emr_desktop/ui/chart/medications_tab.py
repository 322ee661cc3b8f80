"""The Medications tab: the medication list (add, change, stop) and the prescriptions written from
it (prescribe, sign). Dialogs open window-modal and hand their values back; the services save."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from emr_desktop.domain.enums import MedicationStatus, PrescriptionStatus
from emr_desktop.domain.records import ChartDTO, MedicationDTO, PrescriptionDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, select_record, selected_record
from emr_desktop.ui.chart.medication_dialog import MedicationDialog, StopMedicationDialog
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.qt_models.medications import (
    ENDED_STATUSES,
    MedicationTableModel,
    PrescriptionTableModel,
    drug_text,
    quantity_text,
)

#: Prescriptions that may be printed: signed ones, and reprints of printed ones.
PRINTABLE_STATUSES = (PrescriptionStatus.SIGNED.value, PrescriptionStatus.PRINTED.value)


class MedicationsTab(ChartTab):
    title = "&Medications"
    sections = ("medications", "prescriptions")

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("medicationsTab")
        self.sign_box: QMessageBox | None = None    # the "sign now?" question open now
        self._medications: tuple[MedicationDTO, ...] = ()
        layout = self.layout_with_notice()

        self.add_button = QPushButton("&Add medication…")
        self.change_button = QPushButton("&Change…")
        self.stop_button = QPushButton("S&top…")
        self.prescribe_button = QPushButton("&Prescribe…")
        self.show_stopped = QCheckBox("Sho&w stopped")
        self.show_stopped.setToolTip("Also list medications that were stopped or completed")
        self.add_button.setToolTip("Add a medication the patient takes or starts")
        self.stop_button.setToolTip("Stop the selected medication (a reason is required)")
        self.prescribe_button.setToolTip("Write a prescription for the selected medication")
        top = QHBoxLayout()
        for button in (self.add_button, self.change_button, self.stop_button, self.prescribe_button):
            top.addWidget(button)
        top.addStretch(1)
        top.addWidget(self.show_stopped)
        layout.addLayout(top)

        self.med_model = MedicationTableModel(self._clinician_name, self)
        self.med_table = make_table(self.med_model, self, stretch_column=MedicationTableModel.Column.SIG)
        self.med_table.setObjectName("medicationTable")
        self.med_table.setAccessibleName("Medications")
        layout.addWidget(self.med_table, 3)

        rx_title = QLabel("Prescriptions")
        rx_title.setObjectName("sectionTitle")
        self.sign_button = QPushButton("Si&gn…")
        self.sign_button.setToolTip("Sign the selected draft prescription")
        self.print_button = QPushButton("P&rint…")
        self.print_button.setObjectName("printPrescriptionButton")
        self.print_button.setToolTip("Preview and print the selected signed prescription, or save it as a PDF")
        rx_bar = QHBoxLayout()
        rx_bar.addWidget(rx_title)
        rx_bar.addStretch(1)
        rx_bar.addWidget(self.sign_button)
        rx_bar.addWidget(self.print_button)
        layout.addLayout(rx_bar)
        self.rx_model = PrescriptionTableModel(self)
        self.rx_table = make_table(self.rx_model, self, stretch_column=PrescriptionTableModel.Column.SIG)
        self.rx_table.setObjectName("prescriptionTable")
        self.rx_table.setAccessibleName("Prescriptions")
        layout.addWidget(self.rx_table, 2)

        self.add_button.clicked.connect(self.add_medication)
        self.change_button.clicked.connect(self.change_medication)
        self.stop_button.clicked.connect(self.stop_medication)
        self.prescribe_button.clicked.connect(self.prescribe)
        self.sign_button.clicked.connect(self.sign_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.show_stopped.toggled.connect(self._fill_medications)
        self.med_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.rx_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.med_table.doubleClicked.connect(self.change_medication)
        self.rx_table.doubleClicked.connect(self.sign_selected)
        self._update_buttons()

    # --- ChartTab ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        self._medications = chart.medications
        self._fill_medications()
        keep = self._selected_prescription()
        self.rx_model.set_rows(chart.prescriptions)
        select_record(self.rx_table, keep.id if keep else None)
        self._update_buttons()

    def clear_tab(self) -> None:
        if self.sign_box is not None:
            self.sign_box.reject()
        self.sign_box = None
        self._medications = ()
        self.med_model.clear()
        self.rx_model.clear()
        self._update_buttons()

    # --- display -------------------------------------------------------------------------------

    def _fill_medications(self, *_args: Any) -> None:
        keep = self.selected_medication()
        rows = [m for m in self._medications
                if self.show_stopped.isChecked() or m.status not in ENDED_STATUSES]
        self.med_model.set_rows(rows)
        select_record(self.med_table, keep.id if keep else None)
        self._update_buttons()

    def _clinician_name(self, user_id: uuid.UUID | None) -> str:
        return "" if user_id is None else self.ctx.staff_name(user_id)

    def selected_medication(self) -> MedicationDTO | None:
        return selected_record(self.med_table)

    def _selected_prescription(self) -> PrescriptionDTO | None:
        return selected_record(self.rx_table)

    def _allowed(self, category: Category, verb: Verb) -> bool:
        return self.patient_id is not None and allows(self.ctx.actor, category, verb, self.patient_id)

    def _update_buttons(self, *_args: Any) -> None:
        med = self.selected_medication()
        rx = self._selected_prescription()
        active = med is not None and med.status == MedicationStatus.ACTIVE.value
        can_write = self._allowed(Category.MEDICATION, Verb.WRITE)
        self.add_button.setEnabled(can_write)
        self.change_button.setEnabled(can_write and med is not None)
        self.stop_button.setEnabled(can_write and med is not None and med.status not in ENDED_STATUSES)
        self.prescribe_button.setEnabled(active and self._allowed(Category.PRESCRIPTION, Verb.WRITE))
        self.sign_button.setEnabled(rx is not None and rx.status == PrescriptionStatus.DRAFT.value
                                    and self._allowed(Category.PRESCRIPTION, Verb.SIGN))
        self.print_button.setEnabled(rx is not None and rx.status in PRINTABLE_STATUSES
                                     and self._allowed(Category.PRESCRIPTION, Verb.PRINT))

    # --- dialogs -------------------------------------------------------------------------------

    def add_medication(self) -> None:
        if self.patient_id is None:
            return
        dialog = MedicationDialog(None, self)
        self.open_dialog(dialog, lambda: self._save_medication(dialog))

    def change_medication(self, *_args: Any) -> None:
        med = self.selected_medication()
        if med is None or not self.change_button.isEnabled():
            return
        dialog = MedicationDialog(med, self)
        self.open_dialog(dialog, lambda: self._save_medication(dialog))

    def _save_medication(self, dialog: MedicationDialog) -> None:
        patient_id = self.patient_id
        if patient_id is None:
            return
        values = dialog.changes()
        med = dialog.medication
        may_prescribe = allows(self.ctx.actor, Category.PRESCRIPTION, Verb.SIGN, patient_id)
        if values.get("reported_by_patient"):
            if med is None or med.prescriber_id is not None:
                values["prescriber_id"] = None
        elif may_prescribe and (med is None or (med.prescriber_id is None and "reported_by_patient" in values)):
            values["prescriber_id"] = self.ctx.actor.user_id
        svc = self.ctx.services.medications
        if med is None:
            self.save(lambda actor: svc.create(actor, patient_id=patient_id, **values),
                      saved="Medication added.", dialog=dialog)
        elif not values:
            self.close_dialog()
            self.ctx.sig_message_posted.emit("No changes to save.")
        else:
            self.save(lambda actor: svc.update(actor, med.id, **values),
                      saved="Medication changed.", dialog=dialog)

    def stop_medication(self) -> None:
        med = self.selected_medication()
        if med is None or not self.stop_button.isEnabled():
            return
        dialog = StopMedicationDialog(med, self)

        def save() -> None:
            values = dialog.values()
            svc = self.ctx.services.medications
            self.save(lambda actor: svc.stop(actor, med.id, values["reason"], stop_date=values["stop_date"]),
                      saved="Medication stopped.", dialog=dialog)

        self.open_dialog(dialog, save)

    def prescribe(self) -> None:
        med = self.selected_medication()
        if med is None or not self.prescribe_button.isEnabled():
            return
        dialog = PrescriptionDialog(med, self)

        def save() -> None:
            values = dialog.values()
            svc = self.ctx.services.prescriptions
            self.save(lambda actor: svc.prescribe(actor, med.id, **values),
                      saved="Prescription saved as a draft.", on_done=self._offer_sign, dialog=dialog)

        self.open_dialog(dialog, save)

    # --- printing ------------------------------------------------------------------------------

    def print_selected(self) -> None:
        """Ask the chart view to preview and print the selected signed (or printed) prescription."""
        rx = self._selected_prescription()
        if rx is not None and self.print_button.isEnabled():
            self.sig_print_requested.emit("prescription", (rx.id,))

    # --- signing -------------------------------------------------------------------------------

    def sign_selected(self, *_args: Any) -> None:
        rx = self._selected_prescription()
        if rx is not None and self.sign_button.isEnabled():
            self._offer_sign(rx)

    def _offer_sign(self, rx: PrescriptionDTO) -> None:
        """Ask whether to sign the draft now (only users who may sign are asked)."""
        if rx.patient_id != self.patient_id or not allows(self.ctx.actor, Category.PRESCRIPTION,
                                                           Verb.SIGN, rx.patient_id):
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Sign prescription",
                          "Sign this prescription now? Once signed it cannot be changed.",
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("signPrescriptionBox")
        refills = f"{rx.refills} refill{'s' if rx.refills != 1 else ''}"
        schedule = f"\nDEA schedule {rx.dea_schedule}" if rx.dea_schedule else ""
        box.setInformativeText(
            f"{drug_text(rx.drug_display, rx.strength, rx.form)}\n{rx.sig}\n"
            f"Quantity {quantity_text(rx.quantity, rx.quantity_unit)}, {refills}{schedule}")
        sign = box.addButton("&Sign", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Not now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(sign)
        self.sign_box = box

        def finished(_result: int) -> None:
            if self.sign_box is box:
                self.sign_box = None
            if box.clickedButton() is sign and self.patient_id == rx.patient_id:
                svc = self.ctx.services.prescriptions
                self.save(lambda actor: svc.sign(actor, rx.id), saved="Prescription signed.")

        box.finished.connect(finished)
        box.open()
