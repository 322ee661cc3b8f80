"""History tab: family history entries added through the dialog (and marked entered in error),
the current social history shown, and an update prefilled from it that records a new one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.family_history_dialog import FamilyHistoryDialog
from emr_desktop.ui.chart.history_tab import HistoryTab
from emr_desktop.ui.chart.social_history_dialog import SocialHistoryDialog
from emr_desktop.ui.qt_models.history import Column, FamilyHistoryTableModel
from tests.ui.chart.helpers import open_tab


def _patient(services: Services, actor: Any) -> PatientDTO:
    return services.patients.register(actor, family_name="Testcase", given_name="Hal",
                                      birth_date=date(1966, 9, 12), sex="male")


def test_add_family_history_and_mark_entered_in_error(qtbot: Any, services: Services, provider: Any,
                                                      monkeypatch: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, HistoryTab, services, provider, p)
    assert tab.family_model.rowCount() == 0 and not tab.error_button.isEnabled()
    qtbot.mouseClick(tab.add_family_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, FamilyHistoryDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.relationship, "Mother")
    qtbot.keyClicks(dialog.condition, "Type 2 diabetes mellitus")
    qtbot.keyClicks(dialog.icd10_code, "e11")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=10000)
    ctx.tasks.wait_for_idle()
    saved = services.family_history.list_for_patient(provider, p.id)
    assert [(f.relationship, f.condition, f.icd10_code, f.onset_age, f.deceased) for f in saved] == [
        ("mother", "Type 2 diabetes mellitus", "E11", None, False)]
    qtbot.waitUntil(lambda: tab.family_model.rowCount() == 1, timeout=5000)
    assert tab.family_model.index(0, Column.CONDITION).data() == "Type 2 diabetes mellitus (E11)"
    assert tab.family_model.index(0, Column.RELATIONSHIP).data() == "Mother"

    # a second one with onset age and deceased; a malformed code is refused in the dialog
    qtbot.mouseClick(tab.add_family_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    qtbot.keyClicks(dialog.relationship, "Father")
    qtbot.keyClicks(dialog.condition, "Myocardial infarction")
    qtbot.keyClicks(dialog.icd10_code, "21.9")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "ICD-10" in dialog.error_label.text() and dialog.isVisible()
    dialog.icd10_code.setText("I21.9")
    dialog.onset_age.setValue(52)
    dialog.deceased.setChecked(True)
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    father = next(f for f in services.family_history.list_for_patient(provider, p.id)
                  if f.relationship == "father")
    assert (father.icd10_code, father.onset_age, father.deceased) == ("I21.9", 52, True)
    assert tab.family_model.rowCount() == 2

    # mark the father's entry entered in error: it leaves the list
    row = next(r for r in range(2) if tab.family_model.row_at(r).id == father.id)
    tab.family_table.selectRow(row)
    assert tab.error_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("wrong patient's relative", True))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.error_button, Qt.MouseButton.LeftButton)
    assert [f.relationship for f in services.family_history.list_for_patient(provider, p.id)] == ["mother"]
    assert tab.family_model.rowCount() == 1
    ctx.tasks.wait_for_idle()


def test_social_history_update_is_prefilled_and_records_a_new_one(qtbot: Any, services: Services,
                                                                   provider: Any) -> None:
    p = _patient(services, provider)
    services.social_history.create(provider, patient_id=p.id, smoking_status="current-every-day",
                                   pack_years=12.5, alcohol_use="Socially", occupation="Electrician",
                                   living_situation="Lives with partner",
                                   recorded_at=datetime(2022, 1, 10, 9, tzinfo=UTC))
    tab, ctx = open_tab(qtbot, HistoryTab, services, provider, p)
    assert tab.social_labels["smoking"].text() == "Current every day smoker, 12.5 pack-years"
    assert tab.social_labels["occupation"].text() == "Electrician"
    assert tab.social_empty.isHidden() and tab.social_earlier.isHidden()

    qtbot.mouseClick(tab.update_social_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, SocialHistoryDialog)
    # prefilled from the current record
    assert dialog.smoking_status.currentData() == "current-every-day"
    assert dialog.pack_years.value() == 12.5 and not dialog.quit_year.isEnabled()
    assert dialog.edits["alcohol_use"].text() == "Socially"
    assert dialog.edits["living_situation"].text() == "Lives with partner"
    # quit smoking in 2023
    dialog.smoking_status.setCurrentIndex(dialog.smoking_status.findData("former"))
    assert dialog.quit_year.isEnabled()
    dialog.quit_year.setValue(2023)
    dialog.edits["exercise"].clear()
    qtbot.keyClicks(dialog.edits["exercise"], "Walks 30 minutes daily")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=5000)

    records = services.social_history.list_for_patient(provider, p.id)
    assert len(records) == 2  # a new record; the earlier one stays
    new = records[0]
    assert (new.smoking_status, new.smoking_snomed, new.pack_years, new.quit_year) == (
        "former", "8517006", 12.5, 2023)
    assert (new.alcohol_use, new.occupation, new.exercise) == (
        "Socially", "Electrician", "Walks 30 minutes daily")
    assert records[1].smoking_status == "current-every-day"
    assert tab.social_labels["smoking"].text() == "Former smoker, 12.5 pack-years, quit 2023"
    assert tab.social_earlier.text() == "1 earlier record in the chart."
    tab.clear_phi()
    assert tab.social_labels["smoking"].text() == "" and not tab.social_empty.isHidden()
    ctx.tasks.wait_for_idle()


def test_social_history_first_record(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, HistoryTab, services, provider, p)
    assert not tab.social_empty.isHidden()
    qtbot.mouseClick(tab.update_social_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog.smoking_status.currentData() == "unknown" and not dialog.pack_years.isEnabled()
    dialog.smoking_status.setCurrentIndex(dialog.smoking_status.findData("never"))
    dialog.pack_years.setValue(3)  # disabled for never smokers: not saved
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    current = services.social_history.current(provider, p.id)
    assert current is not None and (current.smoking_status, current.pack_years, current.quit_year) == (
        "never", None, None)
    assert tab.social_labels["smoking"].text() == "Never smoker"
    ctx.tasks.wait_for_idle()


def test_family_history_model(qtmodeltester: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    services.family_history.create(provider, patient_id=p.id, relationship="sister",
                                   condition="Breast cancer", icd10_code="C50.911", onset_age=44)
    services.family_history.create(provider, patient_id=p.id, relationship="father", condition="Stroke",
                                   deceased=True)
    model = FamilyHistoryTableModel()
    model.set_rows(services.family_history.list_for_patient(provider, p.id))
    assert model.rowCount() == 2
    assert model.index(1, Column.ONSET_AGE).data() == "44"
    assert model.index(0, Column.DECEASED).data() == "Deceased"
    qtmodeltester.check(model)
