"""Immunizations tab: the list from the ChartDTO, recording a dose given here (CVX picker, lot,
expiration, site, route), a historical dose (date, source) and a refusal (reason) through
ImmunizationService, and marking an entry entered in error."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QInputDialog

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import ImmunizationKind, RecordStatus, Role
from emr_desktop.services.registry import Services
from emr_desktop.terminology import cvx
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.immunization_dialog import ImmunizationDialog
from emr_desktop.ui.chart.immunizations_tab import ImmunizationsTab
from emr_desktop.ui.qt_models.immunizations import Column, ImmunizationTableModel
from tests.ui.chart.helpers import open_tab, staff_user


@pytest.fixture
def chart_setup(qtbot: Any, services: Services, provider: Actor) -> Any:
    patient = services.patients.register(provider, family_name="Testchild", given_name="Kim",
                                         birth_date=date(2020, 2, 2), sex="male")
    services.immunizations.create(provider, patient_id=patient.id, cvx_code="08",
                                  vaccine="Hep B, adolescent or pediatric", kind="historical",
                                  occurrence_date=date(2020, 2, 3), dose_number=1,
                                  source="State immunization registry (IIS)")
    services.immunizations.create(provider, patient_id=patient.id, cvx_code="03", vaccine="MMR",
                                  kind="given", occurrence_date=date(2021, 2, 10), dose_number=1,
                                  lot_number="MMR123", expiration_date=date(2022, 1, 1),
                                  site="Left anterolateral thigh", route="SC", manufacturer="Merck")
    services.immunizations.create(provider, patient_id=patient.id, cvx_code="150",
                                  vaccine="Influenza, split virus, quadrivalent, PF", kind="refused",
                                  occurrence_date=date(2022, 10, 1), refusal_reason="Parent declined")
    tab, ctx = open_tab(qtbot, ImmunizationsTab, services, provider, patient, staff_names=True, shown=True)
    yield tab, ctx, patient
    ctx.tasks.wait_for_idle()


def _open_dialog(qtbot: Any, tab: ImmunizationsTab) -> ImmunizationDialog:
    qtbot.mouseClick(tab.record_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ImmunizationDialog) and dialog.isVisible()
    return dialog


def _pick(qtbot: Any, dialog: ImmunizationDialog, text: str, code: str) -> None:
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    picker = dialog.picker
    assert picker is not None
    with qtbot.waitSignal(picker.sig_results_shown, timeout=10000):
        qtbot.keyClicks(picker.field, text)
    while picker.model.row_at(picker.table.currentIndex().row()).code != code:
        qtbot.keyClick(picker.field, Qt.Key.Key_Down)
    with qtbot.waitSignal(picker.accepted, timeout=2000):
        qtbot.keyClick(picker.field, Qt.Key.Key_Return)


def _save(qtbot: Any, ctx: ChartContext, dialog: ImmunizationDialog) -> None:
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def _saved(services: Services, actor: Actor, patient: Any, cvx_code: str) -> Any:
    rows = [i for i in services.immunizations.list_for_patient(actor, patient.id) if i.cvx_code == cvx_code]
    assert len(rows) == 1
    return rows[0]


def test_lists_doses_newest_first(chart_setup: Any, qtmodeltester: Any, provider: Actor) -> None:
    tab, _ctx, _patient = chart_setup
    model = tab.model
    assert [model.row_at(r).cvx_code for r in range(model.rowCount())] == ["150", "03", "08"]
    assert model.index(0, Column.KIND).data() == "Refused"
    assert "Parent declined" in model.index(0, Column.KIND).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, Column.VACCINE).data(Qt.ItemDataRole.ForegroundRole) is not None  # muted
    assert [model.index(1, c).data() for c in Column] == [
        "02/10/2021", "MMR", "03", "Given", "1", "MMR123", "Left anterolateral thigh", "Dana Smith, MD"]
    assert model.index(2, Column.BY).data() == "State immunization registry (IIS)"
    assert model.index(2, Column.DOSE).data() == "1" and model.index(0, Column.DOSE).data() == ""
    qtmodeltester.check(model)
    tab.grab().save("/tmp/immunizations_tab.png")


def test_model_without_rows_and_unknown_users(qtmodeltester: Any, chart_setup: Any) -> None:
    tab, _ctx, _patient = chart_setup
    model = ImmunizationTableModel()  # no user directory: the "By" column stays empty for given doses
    qtmodeltester.check(model)
    model.set_rows([tab.model.row_at(1)])
    qtmodeltester.check(model)
    assert model.index(0, Column.BY).data() == ""


def test_record_a_dose_given_here(qtbot: Any, chart_setup: Any, services: Services, provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    assert dialog.kind is ImmunizationKind.GIVEN and dialog.given_box.isVisible()
    assert not dialog.historical_box.isVisible() and not dialog.refused_box.isVisible()
    _pick(qtbot, dialog, "dtap", "20")
    dialog.dose_number.setValue(2)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error_label.text() == "Enter the lot number."
    qtbot.keyClicks(dialog.lot_number, "DT4455")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Enter the lot's expiration date."
    dialog.expiration.setDate(QDate.currentDate().addDays(-1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text().startswith("This lot expired on")
    expires = date.today() + timedelta(days=200)
    dialog.expiration.setDate(QDate(expires.year, expires.month, expires.day))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Enter the injection site."
    dialog.site.setCurrentText("Right deltoid")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Choose the route."
    dialog.route.setCurrentIndex(dialog.route.findData("IM"))
    assert dialog.manufacturer.text() == "" and dialog.dose_ml.text() == ""  # nothing made up
    qtbot.keyClicks(dialog.manufacturer, "Sanofi Pasteur")
    qtbot.keyClicks(dialog.dose_ml, "0.5")
    messages: list[str] = []
    ctx.sig_message_posted.connect(messages.append)
    _save(qtbot, ctx, dialog)
    assert messages == ["Immunization recorded (given): DTaP."]
    dose = _saved(services, provider, patient, "20")
    assert (dose.kind, dose.vaccine, dose.occurrence_date, dose.dose_number, dose.lot_number) == (
        "given", "DTaP", date.today(), 2, "DT4455")
    assert (dose.expiration_date, dose.site, dose.route, dose.manufacturer, dose.dose_ml) == (
        expires, "Right deltoid", "IM", "Sanofi Pasteur", "0.5")
    assert dose.administered_by_id == provider.user_id
    assert tab.model.row_at(0).cvx_code == "20" and tab.model.index(0, Column.BY).data() == "Dana Smith, MD"


def test_record_a_historical_dose_with_an_inactive_code(qtbot: Any, chart_setup: Any, services: Services,
                                                        provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    qtbot.mouseClick(dialog.kind_buttons[ImmunizationKind.HISTORICAL], Qt.MouseButton.LeftButton)
    assert dialog.historical_box.isVisible() and not dialog.given_box.isVisible()
    assert cvx.by_code("213") is not None and not cvx.by_code("213").active  # type: ignore[union-attr]
    _pick(qtbot, dialog, "213", "213")  # inactive codes are offered for historical doses
    dialog.occurrence.setDate(QDate(2021, 5, 4))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Say where this dose was reported from."
    dialog.source.setCurrentText("Patient-held vaccination card")
    _save(qtbot, ctx, dialog)
    dose = _saved(services, provider, patient, "213")
    assert (dose.kind, dose.occurrence_date, dose.source, dose.lot_number) == (
        "historical", date(2021, 5, 4), "Patient-held vaccination card", "")


def test_record_a_refusal(qtbot: Any, chart_setup: Any, services: Services, provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    qtbot.mouseClick(dialog.kind_buttons[ImmunizationKind.REFUSED], Qt.MouseButton.LeftButton)
    assert dialog.refused_box.isVisible() and not dialog.dose_number.isEnabled()
    _pick(qtbot, dialog, "hpv", "165")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Record why the vaccine was refused."
    dialog.refusal_reason.setCurrentText("Parent or guardian declined")
    _save(qtbot, ctx, dialog)
    dose = _saved(services, provider, patient, "165")
    assert (dose.kind, dose.refusal_reason, dose.dose_number) == ("refused", "Parent or guardian declined", None)


def test_given_needs_an_active_vaccine(qtbot: Any, chart_setup: Any) -> None:
    tab, _ctx, _patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Choose the vaccine."
    dialog.set_vaccine(cvx.by_code("213").as_code())  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "not an active vaccine" in dialog.error_label.text()
    dialog.reject()


def test_refused_save_reopens_the_dialog(qtbot: Any, chart_setup: Any, monkeypatch: Any) -> None:
    tab, ctx, _patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    dialog.set_kind(ImmunizationKind.HISTORICAL)
    dialog.set_vaccine(cvx.by_code("03").as_code())  # type: ignore[union-attr]
    dialog.dose_number.setValue(2)
    dialog.source.setCurrentText("Pharmacy record")
    # the date field stops at today; a dose dated in the future is refused by the service
    typed = dialog.values
    future = date.today() + timedelta(days=2)
    monkeypatch.setattr(dialog, "values", lambda: {**typed(), "occurrence_date": future})
    with qtbot.waitSignal(ctx.sig_message_posted, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)  # the same dialog, with the user's input
    assert tab.dialog is dialog and "cannot be in the future" in dialog.error_label.text()
    assert dialog.kind is ImmunizationKind.HISTORICAL and dialog.vaccine is not None
    assert dialog.vaccine.code == "03" and dialog.source.currentText() == "Pharmacy record"
    assert dialog.dose_number.value() == 2
    tab.clear_phi()  # the idle lock closes the dialog too
    assert tab.dialog is None and not dialog.isVisible() and tab.model.rowCount() == 0


def test_mark_entered_in_error(qtbot: Any, chart_setup: Any, services: Services, provider: Actor,
                               monkeypatch: Any) -> None:
    tab, ctx, patient = chart_setup
    assert not tab.error_button.isEnabled()
    tab.table.selectRow(1)  # the MMR dose
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("charted on the wrong patient", True))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.error_button, Qt.MouseButton.LeftButton)
    everything = services.immunizations.list_for_patient(provider, patient.id, include_inactive=True)
    marked = next(i for i in everything if i.cvx_code == "03")
    assert marked.record_status == RecordStatus.ENTERED_IN_ERROR.value
    assert [tab.model.row_at(r).cvx_code for r in range(tab.model.rowCount())] == ["150", "08"]


def test_roles(qtbot: Any, services: Services, admin: Actor, provider: Actor) -> None:
    patient = services.patients.register(provider, family_name="Roles", given_name="Ray",
                                         birth_date=date(1990, 1, 1), sex="male")
    nurse = staff_user(services, admin, Role.NURSE)
    tab, _ctx = open_tab(qtbot, ImmunizationsTab, services, nurse, patient, shown=True)
    assert tab.record_button.isEnabled() and tab.empty_label.isVisible()  # nurses give vaccines
    billing = staff_user(services, admin, Role.BILLING)
    tab.ctx.set_actor(billing)
    tab.set_chart(services.chart.load(billing, patient.id))
    assert tab.withheld_label.isVisible() and not tab.record_button.isEnabled()
    assert not tab.empty_label.isVisible()


def test_tab_order_follows_the_form(qtbot: Any, chart_setup: Any) -> None:
    tab, _ctx, _patient = chart_setup
    dialog = _open_dialog(qtbot, tab)
    fields = [dialog.choose_button, dialog.occurrence, dialog.dose_number, dialog.lot_number,
              dialog.expiration, dialog.site, dialog.route, dialog.manufacturer, dialog.dose_ml,
              dialog.vis_date, dialog.source, dialog.refusal_reason]
    seen: list[Any] = []
    widget = dialog.choose_button
    for _ in range(200):
        if widget in fields and widget not in seen:
            seen.append(widget)
        widget = widget.nextInFocusChain()
    assert seen == fields
    dialog.reject()
