"""The Vitals tab: quick entry in any unit, the panel table with out-of-range marks, the trend,
and marking a panel entered in error - through the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QInputDialog

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import VITALS, VITALS_BY_LOINC
from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.vitals_tab import VitalsTab, open_encounter
from emr_desktop.ui.qt_models.dto_table import DTO_ROLE
from emr_desktop.ui.qt_models.vitals import Column, DisplayUnits, VitalsTableModel, group_panels
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def patient(services: Services, provider: Actor) -> PatientDTO:
    return services.patients.register(provider, family_name="Vitalson", given_name="Vera",
                                      birth_date=date(1968, 4, 2), sex="female")


@pytest.fixture
def ctx(services: Services, provider: Actor) -> ChartContext:
    return ChartContext(services, TaskRunner(), provider)


def _tab(qtbot: Any, ctx: ChartContext, services: Services, provider: Actor,
         patient: PatientDTO) -> VitalsTab:
    tab = VitalsTab(ctx)
    qtbot.addWidget(tab)
    tab.set_chart(services.chart.load(provider, patient.id))
    tab.resize(1100, 600)
    return tab


def _values(services: Services, actor: Actor, patient: PatientDTO) -> dict[str, float]:
    rows = services.vitals.list_for_patient(actor, patient.id)
    return {VITALS_BY_LOINC[v.loinc].key: v.value for v in rows}


def _history(services: Services, provider: Actor, patient: PatientDTO) -> None:
    """Four visits, oldest first: normal, stage 2, crisis with fever and low SpO2, better."""
    for days, bp, pulse, temp, spo2, weight in ((270, (128, 82), 72, 37.0, 97, 80.0),
                                                (180, (152, 96), 88, 37.4, 95, 82.0),
                                                (90, (184, 122), 104, 38.6, 87, 83.5),
                                                (1, (136, 86), 66, 36.8, 96, 81.0)):
        services.vitals.record(provider, patient.id, taken_at=NOW - timedelta(days=days), systolic=bp[0],
                               diastolic=bp[1], pulse=pulse, temperature=temp, spo2=spo2, weight=weight,
                               height=165.0)


def test_quick_entry_in_fahrenheit_pounds_and_inches_saves_canonical_units(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO) -> None:
    encounter = services.encounters.start(provider, patient.id, "office-visit")
    tab = _tab(qtbot, ctx, services, provider, patient)
    tab.show()
    qtbot.waitExposed(tab)
    assert open_encounter(tab.chart).id == encounter.id and "today's visit" in tab.encounter_hint.text()
    tab.units["temperature"].setCurrentText("°F")
    tab.units["weight"].setCurrentText("lb")
    tab.units["height"].setCurrentText("in")
    assert tab.model.units == DisplayUnits("°F", "lb", "in")
    for key, text in (("systolic", "132"), ("diastolic", "84"), ("pulse", "76"), ("respiration", "16"),
                      ("temperature", "101.3"), ("spo2", "97"), ("height", "68")):
        qtbot.keyClicks(tab.fields[key], text)
    assert tab.bmi_label.text() == "BMI —"
    qtbot.keyClicks(tab.fields["weight"], "180")
    assert tab.bmi_label.text() == "BMI 27.4"  # 81.65 kg / 1.727 m²
    qtbot.keyClicks(tab.fields["pain"], "x3")  # the validator refuses letters and scores above 10
    assert tab.fields["pain"].text() == "3"
    qtbot.keyClicks(tab.fields["pain"], "5")
    assert tab.fields["pain"].text() == "3"
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000) as changed:
        qtbot.keyClick(tab.fields["pain"], Qt.Key.Key_Return)
    assert changed.args == [patient.id]
    saved = _values(services, provider, patient)
    assert saved == {"systolic": 132, "diastolic": 84, "pulse": 76, "respiration": 16, "temperature": 38.5,
                     "spo2": 97, "height": 172.7, "weight": 81.65, "bmi": 27.4, "pain": 3}
    rows = services.vitals.list_for_patient(provider, patient.id)
    assert {r.encounter_id for r in rows} == {encounter.id} and len({r.panel_id for r in rows}) == 1
    # cleared, ready for the next patient, and the cursor is back in the first field
    assert all(f.text() == "" for f in tab.fields.values()) and tab.bmi_label.text() == "BMI —"
    assert QApplication.focusWidget() is tab.fields["systolic"]
    assert tab.message.text() == "Vitals saved." and not tab.message.text().startswith("⚠")
    # the reloaded table shows the values in the units chosen
    tab.set_chart(services.chart.load(provider, patient.id))
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, Column.TEMPERATURE).data() == "101.3 ↑"
    assert tab.model.index(0, Column.WEIGHT).data() == "180.0"
    assert tab.model.headerData(Column.WEIGHT, Qt.Orientation.Horizontal) == "Wt lb"
    ctx.tasks.wait_for_idle()


def test_systolic_alone_shows_the_service_message_and_saves_nothing(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO) -> None:
    tab = _tab(qtbot, ctx, services, provider, patient)
    messages: list[str] = []
    ctx.sig_message_posted.connect(messages.append)
    qtbot.keyClicks(tab.fields["systolic"], "150")
    qtbot.keyClicks(tab.fields["pulse"], "80")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "both systolic and diastolic" in tab.message.text(), timeout=10000)
    assert tab.message.text().startswith("⚠") and tab.message.property("state") == "error"
    assert services.vitals.list_for_patient(provider, patient.id) == []
    assert tab.fields["systolic"].text() == "150" and tab.fields["pulse"].text() == "80"  # kept to fix
    assert tab.save_button.isEnabled() and messages and "both systolic" in messages[0]
    # a temperature typed in °C that was meant as °F: said at once, the field selected to fix
    tab.fields["systolic"].clear()
    qtbot.keyClicks(tab.fields["temperature"], "101")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "101 °C is not a body temperature; it looks like °F" in tab.message.text()
    assert tab.fields["temperature"].hasFocus() or tab.fields["temperature"].selectedText() == "101"
    # a value outside what any unit allows: the service's range check explains, in people's units
    tab.fields["temperature"].clear()
    qtbot.keyClicks(tab.fields["temperature"], "60")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "60 °C is outside the possible range (25-45)" in tab.message.text(), timeout=10000)
    assert services.vitals.list_for_patient(provider, patient.id) == []
    ctx.tasks.wait_for_idle()


def test_enter_twice_saves_one_panel(qtbot: Any, ctx: ChartContext, services: Services, provider: Actor,
                                     patient: PatientDTO) -> None:
    tab = _tab(qtbot, ctx, services, provider, patient)
    qtbot.keyClicks(tab.fields["pulse"], "80")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.keyClick(tab.fields["pulse"], Qt.Key.Key_Return)
        assert not tab.save_button.isEnabled()  # saving: a second Enter is ignored
        qtbot.keyClick(tab.fields["pulse"], Qt.Key.Key_Return)
    ctx.tasks.wait_for_idle()
    assert [v.value for v in services.vitals.list_for_patient(provider, patient.id)] == [80.0]
    assert tab.save_button.isEnabled()


def test_weight_alone_uses_the_last_height_for_bmi(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO) -> None:
    services.vitals.record(provider, patient.id, taken_at=NOW - timedelta(days=30), height=170.0)
    tab = _tab(qtbot, ctx, services, provider, patient)
    qtbot.keyClicks(tab.fields["weight"], "92")
    assert tab.bmi_label.text() == "BMI 31.8 ↑ *" and "height taken" in tab.bmi_label.toolTip()
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.keyClick(tab.fields["weight"], Qt.Key.Key_Enter)
    rows = [v for v in services.vitals.list_for_patient(provider, patient.id)
            if v.taken_at > NOW - timedelta(days=1)]
    assert {VITALS_BY_LOINC[r.loinc].key: r.value for r in rows} == {"weight": 92.0, "bmi": 31.8}
    ctx.tasks.wait_for_idle()


def test_table_marks_out_of_range_values(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO,
        qtmodeltester: Any) -> None:
    _history(services, provider, patient)
    tab = _tab(qtbot, ctx, services, provider, patient)
    model = tab.model
    assert model.rowCount() == 4 and model.columnCount() == len(Column)
    newest, crisis, stage2, normal = (model.row_at(i) for i in range(4))
    assert newest.taken_at > crisis.taken_at > stage2.taken_at > normal.taken_at
    assert model.index(2, Column.BP).data() == "152/96 ↑"
    assert model.index(1, Column.BP).data() == "184/122 ↑↑"
    assert model.index(3, Column.BP).data() == "128/82"
    assert model.index(1, Column.PULSE).data() == "104 ↑"
    assert model.index(1, Column.TEMPERATURE).data() == "38.6 ↑"
    assert model.index(1, Column.SPO2).data() == "87 ↓↓"
    assert model.index(1, Column.BMI).data() == "30.7 ↑"
    # colour and weight follow the text marks
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index(1, Column.BP).data(fg).color().name() == "#b91c1c"     # critical
    assert model.index(2, Column.BP).data(fg).color().name() == "#b45309"     # abnormal
    assert model.index(3, Column.BP).data(fg) is None
    assert isinstance(model.index(2, Column.BP).data(Qt.ItemDataRole.FontRole), QFont)
    assert model.index(0, Column.TAKEN_AT).data(DTO_ROLE) is newest
    qtmodeltester.check(model)
    # a child: the adult ranges do not apply, nothing is marked
    child = services.patients.register(provider, family_name="Vitalson", given_name="Kid",
                                       birth_date=NOW.date() - timedelta(days=365 * 6), sex="male")
    services.vitals.record(provider, child.id, pulse=115, systolic=100, diastolic=62)
    tab.set_chart(services.chart.load(provider, child.id))
    assert model.index(0, Column.PULSE).data() == "115" and model.index(0, Column.PULSE).data(fg) is None
    assert "child" in tab.range_note.text()


def test_vitals_model_on_its_own(qtmodeltester: Any, services: Services, provider: Actor,
                                 patient: PatientDTO) -> None:
    _history(services, provider, patient)
    panels = group_panels(services.vitals.list_for_patient(provider, patient.id))
    assert [len(p.rows) for p in panels] == [8, 8, 8, 8]  # 7 measured + the derived BMI
    model = VitalsTableModel(units=DisplayUnits("°F", "lb", "in"))
    qtmodeltester.check(model)
    model.set_rows(panels)
    qtmodeltester.check(model)
    assert model.index(0, Column.HEIGHT).data() == "65.0"
    assert model.index(1, Column.TEMPERATURE).data() == "101.5 ↑"
    model.set_units(DisplayUnits())
    assert model.index(1, Column.TEMPERATURE).data() == "38.6 ↑"
    model.clear()
    assert model.rowCount() == 0


def test_trend_shows_the_chosen_measure(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO) -> None:
    _history(services, provider, patient)
    tab = _tab(qtbot, ctx, services, provider, patient)
    assert tab.measure.currentText() == "Blood pressure"
    assert tab.trend.series_names() == ["Systolic", "Diastolic"]
    assert [v for _w, v in tab.trend.points("Systolic")] == [128, 152, 184, 136]
    assert [v for _w, v in tab.trend.points("Diastolic")] == [82, 96, 122, 86]
    first_when = tab.trend.points("Systolic")[0][0]
    assert abs((first_when - (NOW - timedelta(days=270))).total_seconds()) < 1
    tab.measure.setCurrentText("Heart rate")
    assert tab.trend.series_names() == ["Heart rate"] and tab.trend.band == (50, 100)
    assert [v for _w, v in tab.trend.points("Heart rate")] == [72, 88, 104, 66]
    tab.measure.setCurrentText("Weight")
    tab.units["weight"].setCurrentText("lb")
    assert [round(v, 1) for _w, v in tab.trend.points("Weight")] == [176.4, 180.8, 184.1, 178.6]
    tab.measure.setCurrentText("Temperature")
    tab.units["temperature"].setCurrentText("°F")
    assert tab.trend.band == (pytest.approx(95.9), pytest.approx(100.4))
    tab.clear_phi()
    assert not tab.trend.has_data() and tab.model.rowCount() == 0


def test_mark_panel_entered_in_error(
        qtbot: Any, ctx: ChartContext, services: Services, provider: Actor, patient: PatientDTO,
        monkeypatch: Any) -> None:
    _history(services, provider, patient)
    tab = _tab(qtbot, ctx, services, provider, patient)
    assert not tab.error_button.isEnabled()
    tab.table.selectRow(1)
    wrong = tab.selected_panel()
    assert tab.error_button.isEnabled() and wrong is not None
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("charted on the wrong patient", True))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.error_button, Qt.MouseButton.LeftButton)
    every = services.vitals.list_for_patient(provider, patient.id, include_inactive=True)
    marked = [v for v in every if v.panel_id == wrong.panel_id]
    assert len(marked) == len(wrong.rows) and {v.record_status for v in marked} == {
        RecordStatus.ENTERED_IN_ERROR.value}
    assert {v.record_status_reason for v in marked} == {"charted on the wrong patient"}
    tab.set_chart(services.chart.load(provider, patient.id))
    assert tab.model.rowCount() == 3 and 184 not in [v for _w, v in tab.trend.points("Systolic")]
    ctx.tasks.wait_for_idle()


def test_roles_without_vitals_writing_cannot_type(
        qtbot: Any, services: Services, admin: Actor, provider: Actor, patient: PatientDTO) -> None:
    services.users.create_user(admin, username="billing1", display_name="Bill Ing", password=TEST_PASSWORD,
                               roles=("billing",))
    biller = services.users.authenticate("billing1", TEST_PASSWORD)
    tab = VitalsTab(ChartContext(services, TaskRunner(), biller))
    qtbot.addWidget(tab)
    tab.set_chart(services.chart.load(biller, patient.id))
    assert tab.withheld_label.isVisibleTo(tab) and not tab.save_button.isEnabled()
    assert not tab.fields["systolic"].isEnabled()


def test_entry_fields_follow_in_tab_order(qtbot: Any, ctx: ChartContext, services: Services,
                                          provider: Actor, patient: PatientDTO) -> None:
    tab = _tab(qtbot, ctx, services, provider, patient)
    chain = []
    widget = tab.fields["systolic"]
    for _ in range(13):
        chain.append(widget.objectName())
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or widget.objectName() == "":
            widget = widget.nextInFocusChain()
    assert chain[:12] == ["vitals_systolic", "vitals_diastolic", "vitals_pulse", "vitals_respiration",
                          "vitals_temperature", "vitals_temperature_unit", "vitals_spo2", "vitals_height",
                          "vitals_height_unit", "vitals_weight", "vitals_weight_unit", "vitals_pain"]
    assert chain[12] == "vitalsSave"
    assert set(tab.fields) == set(VITALS) - {"bmi", "head_circumference"}
