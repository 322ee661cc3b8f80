"""Medications tab: add, change and stop list entries through the dialogs, prescribe from an entry
(prefilled, DEA limits shown), sign drafts, and what a nurse may not do."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from emr_desktop.domain.enums import MedicationStatus, PrescriptionStatus, Role
from emr_desktop.domain.records import MedicationDTO, PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.medication_dialog import MedicationDialog, StopMedicationDialog, compose_sig
from emr_desktop.ui.chart.medications_tab import MedicationsTab
from emr_desktop.ui.chart.prescription_dialog import (
    PrescriptionDialog,
    default_quantity_unit,
    suggested_quantity,
)
from emr_desktop.ui.qt_models.medications import MedicationTableModel, PrescriptionTableModel
from tests.ui.chart.helpers import open_tab, staff_user

MedCol = MedicationTableModel.Column
RxCol = PrescriptionTableModel.Column
LEFT = Qt.MouseButton.LeftButton


def _patient(services: Services, actor: Any) -> PatientDTO:
    return services.patients.register(actor, family_name="Testcase", given_name="Medi",
                                      birth_date=date(1961, 7, 14), sex="male")


def _lisinopril(services: Services, actor: Any, patient: PatientDTO, **extra: Any) -> MedicationDTO:
    values: dict[str, Any] = dict(
        patient_id=patient.id, code_system="http://www.nlm.nih.gov/research/umls/rxnorm", code="314076",
        display="lisinopril 10 MG Oral Tablet", strength="10 mg", form="tablet", dose="1",
        dose_unit="tablet", route="oral", frequency="twice daily",
        sig="Take 1 tablet by mouth twice daily.", indication="hypertension",
        start_date=date(2023, 2, 1), prescriber_id=actor.user_id)
    values.update(extra)
    return services.medications.create(actor, **values)


def _texts(model: Any, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_compose_sig_and_quantity() -> None:
    assert compose_sig("2", "tablet", "oral", "twice daily") == "Take 2 tablets by mouth twice daily."
    assert compose_sig("1", "capsule", "oral", "once daily") == "Take 1 capsule by mouth once daily."
    assert compose_sig("2", "puffs", "inhalation", "every 4-6 hours as needed") == \
        "Inhale 2 puffs every 4-6 hours as needed."
    assert compose_sig("", "", "oral", "") == ""
    med = MedicationDTO(id=uuid.uuid4(), patient_id=uuid.uuid4(), display="x", status="active", dose="2",
                        dose_unit="tablet", frequency="every 8 hours as needed")
    assert suggested_quantity(med, 10) == 60
    assert suggested_quantity(MedicationDTO(id=uuid.uuid4(), patient_id=uuid.uuid4(), display="x", status="active",
                                            dose="2", dose_unit="puffs", frequency="twice daily"), 30) is None
    inhaler = MedicationDTO(id=uuid.uuid4(), patient_id=uuid.uuid4(), display="albuterol", status="active",
                            dose="2", dose_unit="puffs", form="metered dose inhaler")
    assert default_quantity_unit(inhaler) == "inhaler"


def test_add_medication_through_the_dialog(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    assert tab.med_model.rowCount() == 0 and not tab.change_button.isEnabled()
    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, MedicationDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.save_button, LEFT)  # no drug name: refused in the dialog
    assert dialog.isVisible() and "drug name" in dialog.error_label.text()
    qtbot.keyClicks(dialog.display, "metformin")
    qtbot.keyClicks(dialog.strength, "500 mg")
    dialog.form_combo.setCurrentText("tablet")
    qtbot.keyClicks(dialog.dose, "2")
    dialog.dose_unit.setCurrentText("tablet")
    dialog.route.setCurrentText("oral")
    dialog.frequency.setCurrentText("twice daily")
    assert dialog.sig.text() == "Take 2 tablets by mouth twice daily."  # composed as they type
    qtbot.keyClicks(dialog.sig, " with meals")
    dialog.frequency.setCurrentText("once daily")
    assert dialog.sig.text() == "Take 2 tablets by mouth twice daily. with meals"  # edited: left alone
    dialog.sig.setText("Take 2 tablets by mouth twice daily with meals.")
    qtbot.keyClicks(dialog.indication, "type 2 diabetes")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    [med] = services.medications.list_for_patient(provider, p.id)
    assert (med.display, med.strength, med.dose, med.frequency, med.indication) == \
        ("metformin", "500 mg", "2", "once daily", "type 2 diabetes")
    assert med.sig == "Take 2 tablets by mouth twice daily with meals."
    assert med.status == "active" and med.start_date == date.today()
    assert med.prescriber_id == provider.user_id and not med.reported_by_patient
    assert _texts(tab.med_model, MedCol.DRUG) == ["metformin 500 mg tablet"]
    assert _texts(tab.med_model, MedCol.SOURCE) == ["Dana Smith, MD"]
    tab.ctx.tasks.wait_for_idle()


def test_reported_by_patient_and_change(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    tab.med_table.selectRow(0)
    assert tab.change_button.isEnabled()
    qtbot.mouseClick(tab.change_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, MedicationDialog) and dialog.display.text() == med.display
    assert dialog.sig.text() == med.sig and dialog.start_date.date().toPython() == date(2023, 2, 1)
    dialog.dose.setText("2")  # the sig was composed, so it follows the new dose
    assert dialog.sig.text() == "Take 2 tablets by mouth twice daily."
    dialog.reported.setChecked(True)
    assert dialog.changes() == {"dose": "2", "sig": "Take 2 tablets by mouth twice daily.",
                                "reported_by_patient": True}
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    changed = services.medications.get(provider, med.id)
    assert changed.dose == "2" and changed.reported_by_patient and changed.prescriber_id is None
    assert _texts(tab.med_model, MedCol.SOURCE) == ["Reported by patient"]
    assert tab.selected_medication() is not None  # the selection survives the reload
    tab.ctx.tasks.wait_for_idle()


def test_stop_with_reason_hides_then_shows_muted(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    _lisinopril(services, provider, p, display="amlodipine 5 MG Oral Tablet", strength="5 mg", code="197361")
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    tab.med_table.selectRow(_texts(tab.med_model, MedCol.DRUG).index("lisinopril 10 MG Oral Tablet"))
    qtbot.mouseClick(tab.stop_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, StopMedicationDialog)
    qtbot.mouseClick(dialog.save_button, LEFT)  # a reason is required
    assert dialog.isVisible() and "reason" in dialog.error_label.text()
    qtbot.keyClicks(dialog.reason, "Persistent dry cough")
    dialog.stop_date.setDate(dialog.stop_date.date().addDays(-1))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    stopped = services.medications.get(provider, med.id)
    assert stopped.status == MedicationStatus.STOPPED.value and stopped.record_status == "active"
    assert stopped.status_reason == "Persistent dry cough"
    assert stopped.stop_date == date.today() - timedelta(days=1)
    assert _texts(tab.med_model, MedCol.DRUG) == ["amlodipine 5 MG Oral Tablet"]  # stopped: hidden
    tab.show_stopped.setChecked(True)
    assert tab.med_model.rowCount() == 2
    row = _texts(tab.med_model, MedCol.DRUG).index("lisinopril 10 MG Oral Tablet")
    status = tab.med_model.index(row, MedCol.STATUS)
    assert status.data() == f"stopped {stopped.stop_date.isoformat()}"
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "Persistent dry cough"
    brush = tab.med_model.index(row, MedCol.DRUG).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush) and brush.color().name() == "#6b7280"  # muted
    assert tab.med_model.index(1 - row, MedCol.DRUG).data(Qt.ItemDataRole.ForegroundRole) is None
    tab.med_table.selectRow(row)
    assert not tab.stop_button.isEnabled() and not tab.prescribe_button.isEnabled()
    tab.ctx.tasks.wait_for_idle()


def test_prescribe_then_sign(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    assert not tab.prescribe_button.isEnabled()  # nothing selected
    tab.med_table.selectRow(0)
    qtbot.mouseClick(tab.prescribe_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, PrescriptionDialog)
    assert dialog.sig.text() == med.sig and dialog.days_supply.value() == 30
    assert dialog.quantity.value() == 60 and dialog.quantity_unit.currentText() == "tablet"
    assert dialog.schedule_label.text() == "Not a controlled substance."
    dialog.days_supply.setValue(90)
    assert dialog.quantity.value() == 180  # follows the days supply
    dialog.refills.setValue(3)
    dialog.substitution.setChecked(False)
    qtbot.keyClicks(dialog.pharmacy, "Maple Grove Pharmacy (demo)")
    qtbot.keyClicks(dialog.note, "Patient prefers blister packs.")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    [rx] = services.prescriptions.list_for_patient(provider, p.id)
    assert (rx.medication_id, rx.drug_display, rx.sig) == (med.id, med.display, med.sig)
    assert (rx.quantity, rx.quantity_unit, rx.days_supply, rx.refills) == (180, "tablet", 90, 3)
    assert not rx.substitution_allowed and rx.pharmacy == "Maple Grove Pharmacy (demo)"
    assert rx.note_to_pharmacist == "Patient prefers blister packs."
    assert rx.status == PrescriptionStatus.DRAFT.value and rx.prescriber_id == provider.user_id
    assert _texts(tab.rx_model, RxCol.STATUS) == ["draft - not signed"]
    assert _texts(tab.rx_model, RxCol.QUANTITY) == ["180 tablet (90 days)"]
    # a provider is offered to sign at once
    box = tab.sign_box
    assert box is not None and box.isVisible() and "180 tablet" in box.informativeText()
    sign = next(b for b in box.buttons() if b.text() == "&Sign")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(sign, LEFT)
    signed = services.prescriptions.get(provider, rx.id)
    assert signed.status == PrescriptionStatus.SIGNED.value and signed.signature_hash
    assert _texts(tab.rx_model, RxCol.STATUS) == ["signed"] and _texts(tab.rx_model, RxCol.SIGNED)[0]
    # a signed prescription can be printed: the tab asks the chart view for its preview
    tab.rx_table.selectRow(0)
    assert tab.print_button.isEnabled() and tab.print_button.text() == "P&rint…"
    with qtbot.waitSignal(tab.sig_print_requested, timeout=1000) as printed:
        qtbot.mouseClick(tab.print_button, LEFT)
    assert printed.args == ["prescription", (rx.id,)]
    tab.ctx.tasks.wait_for_idle()


def test_sign_a_draft_from_the_list(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p, dea_schedule="")
    rx = services.prescriptions.prescribe(provider, med.id, quantity=30, refills=1)
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    assert not tab.sign_button.isEnabled()
    tab.rx_table.selectRow(0)
    assert tab.sign_button.isEnabled()
    assert not tab.print_button.isEnabled()  # a draft is not printed
    qtbot.mouseClick(tab.sign_button, LEFT)
    box = tab.sign_box
    assert box is not None
    not_now = next(b for b in box.buttons() if b.text() == "&Not now")
    qtbot.mouseClick(not_now, LEFT)
    tab.ctx.tasks.wait_for_idle()
    assert services.prescriptions.get(provider, rx.id).status == "draft"
    qtbot.mouseClick(tab.sign_button, LEFT)
    sign = next(b for b in tab.sign_box.buttons() if b.text() == "&Sign")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(sign, LEFT)
    assert services.prescriptions.get(provider, rx.id).status == "signed"
    tab.rx_table.selectRow(0)
    assert not tab.sign_button.isEnabled()  # signed: nothing more to sign
    assert tab.print_button.isEnabled()  # but it can be printed
    tab.ctx.tasks.wait_for_idle()


def test_controlled_drug_limits_and_refusal_reopens(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p, display="oxycodone hydrochloride 5 MG Oral Tablet",
                      strength="5 mg", code="1049621", dea_schedule="II", frequency="every 6 hours as needed",
                      sig="Take 1 tablet by mouth every 6 hours as needed for severe pain.")
    tab, ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    assert _texts(tab.med_model, MedCol.DRUG) == ["oxycodone hydrochloride 5 MG Oral Tablet (C-II)"]
    tab.med_table.selectRow(0)
    qtbot.mouseClick(tab.prescribe_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, PrescriptionDialog)
    assert "schedule II" in dialog.schedule_label.text() and "no refills" in dialog.schedule_label.text()
    assert dialog.refills.maximum() == 0
    dialog.days_supply.setValue(5)
    assert dialog.quantity.value() == 20
    # meanwhile the medication is stopped on another desk: the service refuses, the dialog returns
    services.medications.stop(provider, med.id, "Pain resolved")
    with qtbot.waitSignal(ctx.sig_message_posted, timeout=10000) as posted:
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert "active medication" in posted.args[0]
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert "active medication" in dialog.error_label.text() and dialog.quantity.value() == 20
    assert services.prescriptions.list_for_patient(provider, p.id) == []
    dialog.reject()
    tab.ctx.tasks.wait_for_idle()


def test_nurse_may_record_but_not_prescribe(qtbot: Any, services: Services, provider: Any, admin: Any) -> None:
    nurse = staff_user(services, admin, Role.NURSE)
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    services.prescriptions.prescribe(provider, med.id, quantity=60)
    tab, ctx = open_tab(qtbot, MedicationsTab, services, nurse, p, staff_names=True)
    tab.med_table.selectRow(0)
    tab.rx_table.selectRow(0)
    assert tab.add_button.isEnabled() and tab.change_button.isEnabled() and tab.stop_button.isEnabled()
    assert not tab.prescribe_button.isEnabled() and not tab.sign_button.isEnabled()
    assert _texts(tab.med_model, MedCol.SOURCE) == ["Dana Smith, MD"]
    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, MedicationDialog)
    qtbot.keyClicks(dialog.display, "loratadine 10 mg tablet")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    added = [m for m in services.medications.list_for_patient(nurse, p.id) if m.display.startswith("lora")]
    assert added and added[0].prescriber_id is None  # a nurse is not recorded as the prescriber
    tab.ctx.tasks.wait_for_idle()


def test_clear_tab_drops_rows(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    services.prescriptions.prescribe(provider, med.id, quantity=60)
    tab, _ctx = open_tab(qtbot, MedicationsTab, services, provider, p, staff_names=True)
    assert tab.med_model.rowCount() == 1 and tab.rx_model.rowCount() == 1
    tab.clear_phi()
    assert tab.med_model.rowCount() == 0 and tab.rx_model.rowCount() == 0
    assert not tab.add_button.isEnabled()


def test_models_pass_the_model_tester(qtmodeltester: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    med = _lisinopril(services, provider, p)
    other = _lisinopril(services, provider, p, display="naproxen 220 MG Oral Tablet", reported_by_patient=True,
                        prescriber_id=None)
    services.medications.stop(provider, other.id, "Kidney function")
    rx = services.prescriptions.prescribe(provider, med.id, quantity=60, days_supply=30, pharmacy="Cedar")
    services.prescriptions.sign(provider, rx.id)
    services.prescriptions.prescribe(provider, med.id, quantity=30)
    chart = services.chart.load(provider, p.id)
    meds = MedicationTableModel(lambda _id: "Dana Smith")
    meds.set_rows(chart.medications)
    qtmodeltester.check(meds)
    assert meds.rowCount() == 2
    rxs = PrescriptionTableModel()
    rxs.set_rows(chart.prescriptions)
    qtmodeltester.check(rxs)
    assert rxs.rowCount() == 2
