"""Allergies tab: add through the dialog (severe ones stand out), "no known allergies" and the rule
that it and real allergies exclude each other, and taking an allergy off the active list."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont

from emr_desktop.domain.enums import AllergyStatus
from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.allergies_tab import NKA_BLOCKED, NKA_RECORDED, NOT_ASKED, AllergiesTab
from emr_desktop.ui.chart.allergy_dialog import AllergyDialog, AllergyStatusDialog
from emr_desktop.ui.qt_models.allergies import AllergyTableModel
from tests.ui.chart.helpers import open_tab

Col = AllergyTableModel.Column
LEFT = Qt.MouseButton.LeftButton


def _patient(services: Services, actor: Any) -> PatientDTO:
    return services.patients.register(actor, family_name="Testcase", given_name="Alle",
                                      birth_date=date(1979, 11, 3), sex="female")


def _texts(tab: AllergiesTab, column: int) -> list[str]:
    return [tab.model.index(r, column).data() for r in range(tab.model.rowCount())]


def test_no_known_allergies_then_an_allergy_supersedes_it(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, AllergiesTab, services, provider, p)
    assert tab.notice.text() == NOT_ASKED and tab.nka_button.isEnabled()
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.nka_button, LEFT)
    [nka] = services.allergies.list_for_patient(provider, p.id)
    assert nka.no_known_allergies and nka.status == "active"
    assert _texts(tab, Col.SUBSTANCE) == ["No known allergy"]
    assert not tab.nka_button.isEnabled() and tab.notice.text() == NKA_RECORDED

    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, AllergyDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.save_button, LEFT)  # nothing typed: refused in the dialog
    assert dialog.isVisible() and "substance" in dialog.error_label.text()
    qtbot.keyClicks(dialog.substance, "Penicillin")
    dialog.category.setCurrentIndex(dialog.category.findData("medication"))
    qtbot.keyClicks(dialog.reaction, "Anaphylaxis")
    dialog.severity.setCurrentIndex(dialog.severity.findData("severe"))
    dialog.onset.setDate(dialog.onset.date().fromString("2001-05-20", "yyyy-MM-dd"))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    rows = {a.substance: a for a in services.allergies.list_for_patient(provider, p.id)}
    pen = rows["Penicillin"]
    assert (pen.category, pen.reaction, pen.severity, pen.status, pen.onset_date) == \
        ("medication", "Anaphylaxis", "severe", "active", date(2001, 5, 20))
    assert rows["No known allergy"].status == AllergyStatus.INACTIVE.value  # superseded by the service
    # the list shows the allergy, emphasised as severe; NKA is off and says why
    assert _texts(tab, Col.SUBSTANCE) == ["Penicillin"]
    substance = tab.model.index(0, Col.SUBSTANCE)
    font = substance.data(Qt.ItemDataRole.FontRole)
    brush = substance.data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(font, QFont) and font.bold()
    assert isinstance(brush, QBrush) and brush.color().name() == "#b91c1c"
    assert tab.model.index(0, Col.ONSET).data() == "2001-05-20"
    assert not tab.nka_button.isEnabled() and tab.nka_button.toolTip() == NKA_BLOCKED
    tab.show_inactive.setChecked(True)
    assert sorted(_texts(tab, Col.SUBSTANCE)) == ["No known allergy", "Penicillin"]
    ctx.tasks.wait_for_idle()


def test_nka_refused_when_allergies_exist(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, AllergiesTab, services, provider, p)
    assert tab.nka_button.isEnabled()
    # an allergy is recorded on another desk after this chart was loaded: the service decides
    services.allergies.create(provider, patient_id=p.id, substance="Latex", category="environment")
    with qtbot.waitSignal(ctx.sig_message_posted, timeout=10000) as posted:
        qtbot.mouseClick(tab.nka_button, LEFT)
    assert "active allergies" in posted.args[0]
    # the chart is reloaded (it changed meanwhile); the refusal stays explained next to the list
    assert "active allergies" in tab.notice.text() and not tab.notice.isHidden()
    assert _texts(tab, Col.SUBSTANCE) == ["Latex"] and not tab.nka_button.isEnabled()
    assert [a.substance for a in services.allergies.list_for_patient(provider, p.id)] == ["Latex"]
    ctx.tasks.wait_for_idle()


def test_mark_resolved_and_entered_in_error(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    egg = services.allergies.create(provider, patient_id=p.id, substance="Egg", category="food",
                                    reaction="Hives", severity="mild")
    sulfa = services.allergies.create(provider, patient_id=p.id, substance="Sulfonamide",
                                      category="medication", reaction="Rash", severity="moderate")
    tab, ctx = open_tab(qtbot, AllergiesTab, services, provider, p)
    assert _texts(tab, Col.SUBSTANCE) == ["Egg", "Sulfonamide"]
    assert not tab.status_button.isEnabled()
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.status_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, AllergyStatusDialog)
    dialog.select_status("resolved")
    qtbot.mouseClick(dialog.save_button, LEFT)  # a reason is required
    assert dialog.isVisible() and "reason" in dialog.error_label.text()
    qtbot.keyClicks(dialog.reason, "Outgrown; tolerates baked egg")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    resolved = services.allergies.get(provider, egg.id)
    assert resolved.status == "resolved" and resolved.status_reason == "Outgrown; tolerates baked egg"
    assert _texts(tab, Col.SUBSTANCE) == ["Sulfonamide"]
    tab.show_inactive.setChecked(True)
    row = _texts(tab, Col.SUBSTANCE).index("Egg")
    brush = tab.model.index(row, Col.SUBSTANCE).data(Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush) and brush.color().name() == "#6b7280"  # muted

    tab.table.selectRow(_texts(tab, Col.SUBSTANCE).index("Sulfonamide"))
    qtbot.mouseClick(tab.status_button, LEFT)
    dialog = tab.dialog
    assert isinstance(dialog, AllergyStatusDialog)
    dialog.select_status("entered-in-error")
    qtbot.keyClicks(dialog.reason, "Wrong patient")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert [a.substance for a in services.allergies.list_for_patient(provider, p.id)] == ["Egg"]
    gone = services.allergies.list_for_patient(provider, p.id, include_inactive=True)
    assert {a.substance: a.record_status for a in gone}["Sulfonamide"] == "entered-in-error"
    assert _texts(tab, Col.SUBSTANCE) == ["Egg"]
    assert sulfa.id not in {tab.model.row_at(r).id for r in range(tab.model.rowCount())}
    tab.clear_phi()
    assert tab.model.rowCount() == 0 and tab.notice.isHidden()
    ctx.tasks.wait_for_idle()


def test_model_passes_the_model_tester(qtmodeltester: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    services.allergies.create(provider, patient_id=p.id, substance="Peanut", category="food",
                              reaction="Anaphylaxis", severity="severe", onset_date=date(1990, 1, 1))
    other = services.allergies.create(provider, patient_id=p.id, substance="Codeine", reaction="Nausea")
    services.allergies.set_status(provider, other.id, AllergyStatus.INACTIVE, "Intolerance, not allergy")
    model = AllergyTableModel()
    model.set_rows(services.chart.load(provider, p.id).allergies)
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.index(1, Col.STATUS).data(Qt.ItemDataRole.ToolTipRole) == "Intolerance, not allergy" or \
        model.index(0, Col.STATUS).data(Qt.ItemDataRole.ToolTipRole) == "Intolerance, not allergy"
