"""Problems tab: the list from the ChartDTO (resolved on request), add with the ICD-10-CM picker,
resolve, mark entered in error - each saved through ProblemService."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QInputDialog

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import ICD10CM
from emr_desktop.domain.enums import ProblemStatus, RecordStatus, Role
from emr_desktop.services.registry import Services
from emr_desktop.terminology import Code, icd10
from emr_desktop.ui.chart.problem_dialog import ProblemDialog, ResolveDialog
from emr_desktop.ui.chart.problems_tab import ProblemsTab
from emr_desktop.ui.qt_models.problems import Column, ProblemTableModel
from tests.ui.chart.helpers import open_tab, staff_user


@pytest.fixture(scope="module", autouse=True)
def icd10_index() -> None:
    icd10.warm()  # the picker's code list, built once for this module


@pytest.fixture
def chart_setup(qtbot: Any, services: Services, provider: Actor) -> Any:
    patient = services.patients.register(provider, family_name="Testperson", given_name="Pat",
                                         birth_date=date(1961, 4, 2), sex="female")
    services.problems.create(provider, patient_id=patient.id, icd10_code="I10",
                             display="Essential (primary) hypertension", onset_date=date(2015, 3, 1))
    old = services.problems.create(provider, patient_id=patient.id, icd10_code="J02.9",
                                   display="Acute pharyngitis, unspecified", onset_date=date(2024, 1, 5))
    services.problems.resolve(provider, old.id, resolved_date=date(2024, 1, 20))
    wrong = services.problems.create(provider, patient_id=patient.id, icd10_code="E11.9",
                                     display="Type 2 diabetes mellitus without complications")
    services.problems.set_record_status(provider, wrong.id, RecordStatus.ENTERED_IN_ERROR, "wrong chart")
    tab, ctx = open_tab(qtbot, ProblemsTab, services, provider, patient, shown=True)
    yield tab, ctx, patient
    ctx.tasks.wait_for_idle()


def _select(tab: ProblemsTab, code: str) -> None:
    row = next(r for r in range(tab.model.rowCount()) if tab.model.row_at(r).icd10_code == code)
    tab.table.selectRow(row)


def test_lists_active_problems_and_resolved_on_request(qtbot: Any, chart_setup: Any,
                                                       qtmodeltester: Any) -> None:
    tab, _ctx, _patient = chart_setup
    assert [tab.model.row_at(r).icd10_code for r in range(tab.model.rowCount())] == ["I10"]
    assert tab.model.index(0, Column.ONSET).data() == "03/01/2015"
    assert tab.model.index(0, Column.STATUS).data() == "Active"
    qtbot.mouseClick(tab.show_resolved, Qt.MouseButton.LeftButton)
    assert tab.show_resolved.isChecked()
    codes = [tab.model.row_at(r).icd10_code for r in range(tab.model.rowCount())]
    assert codes == ["I10", "J02.9"]  # entered-in-error rows are not in the chart at all
    assert tab.model.index(1, Column.STATUS).data() == "Resolved 01/20/2024"
    assert tab.model.index(1, Column.DESCRIPTION).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert tab.model.index(0, Column.DESCRIPTION).data(Qt.ItemDataRole.ForegroundRole) is None
    assert isinstance(tab.model, ProblemTableModel)
    qtmodeltester.check(tab.model)
    tab.grab().save("/tmp/problems_tab.png")


def test_add_problem_with_the_icd10_picker(qtbot: Any, chart_setup: Any, services: Services,
                                           provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ProblemDialog) and dialog.isVisible()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # no code yet: stays open
    assert dialog.isVisible() and "Choose an ICD-10-CM code" in dialog.error_label.text()
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    picker = dialog.picker
    assert picker is not None and picker.isVisible()
    with qtbot.waitSignal(picker.sig_results_shown, timeout=10000):
        qtbot.keyClicks(picker.field, "type 2 diab")
    while picker.model.row_at(picker.table.currentIndex().row()).code != "E11.9":
        qtbot.keyClick(picker.field, Qt.Key.Key_Down)
    with qtbot.waitSignal(picker.accepted, timeout=2000):
        qtbot.keyClick(picker.field, Qt.Key.Key_Return)
    assert dialog.code is not None and dialog.code.code == "E11.9"
    assert dialog.description.text() == "Type 2 diabetes mellitus without complications"
    dialog.onset.setDate(QDate(2020, 6, 1))
    qtbot.keyClicks(dialog.comment, "diet controlled")
    messages: list[str] = []
    ctx.sig_message_posted.connect(messages.append)
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000) as changed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert changed.args == [patient.id] and messages == ["Problem added: E11.9."]
    saved = [p for p in services.problems.list_for_patient(provider, patient.id) if p.icd10_code == "E11.9"]
    assert len(saved) == 1
    assert (saved[0].onset_date, saved[0].comment, saved[0].status) == (date(2020, 6, 1), "diet controlled",
                                                                        ProblemStatus.ACTIVE.value)
    assert "E11.9" in [tab.model.row_at(r).icd10_code for r in range(tab.model.rowCount())]


def test_onset_is_optional(qtbot: Any, chart_setup: Any, services: Services, provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    tab.add_problem()
    dialog = tab.dialog
    assert isinstance(dialog, ProblemDialog) and dialog.onset.text() == "Unknown"
    dialog.set_code(icd10.lookup("J45.909"))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)
    saved = [p for p in services.problems.list_for_patient(provider, patient.id) if p.icd10_code == "J45.909"]
    assert saved and saved[0].onset_date is None and saved[0].display == "Unspecified asthma, uncomplicated"


def test_refused_save_reopens_the_dialog_with_the_message(qtbot: Any, chart_setup: Any) -> None:
    tab, ctx, _patient = chart_setup
    tab.add_problem()
    dialog = tab.dialog
    assert isinstance(dialog, ProblemDialog)
    dialog.set_code(Code(ICD10CM, "1AB", "Not a code"))  # the service refuses what is not a code
    qtbot.keyClicks(dialog.comment, "x")
    with qtbot.waitSignal(ctx.sig_message_posted, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)  # the same dialog, with the user's input
    assert tab.dialog is dialog and "not an ICD-10-CM code" in dialog.error_label.text()
    assert dialog.description.text() == "Not a code" and dialog.comment.text() == "x"
    dialog.reject()
    assert tab.dialog is None


def test_resolve(qtbot: Any, chart_setup: Any, services: Services, provider: Actor) -> None:
    tab, ctx, patient = chart_setup
    assert not tab.resolve_button.isEnabled()  # nothing selected
    _select(tab, "I10")
    assert tab.resolve_button.isEnabled() and tab.error_button.isEnabled()
    qtbot.mouseClick(tab.resolve_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert isinstance(dialog, ResolveDialog)
    when = date.today() - timedelta(days=3)
    dialog.resolved.setDate(QDate(when.year, when.month, when.day))
    qtbot.keyClicks(dialog.note, "controlled off medication")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    problem = next(p for p in services.problems.list_for_patient(provider, patient.id) if p.icd10_code == "I10")
    assert (problem.status, problem.resolved_date, problem.status_reason) == (
        ProblemStatus.RESOLVED.value, when, "controlled off medication")
    assert tab.model.rowCount() == 0 and "Show resolved" in tab.empty_label.text().replace("&", "")
    tab.show_resolved.setChecked(True)
    _select(tab, "I10")
    assert not tab.resolve_button.isEnabled()  # already resolved


def test_mark_entered_in_error(qtbot: Any, chart_setup: Any, services: Services, provider: Actor,
                               monkeypatch: Any) -> None:
    tab, ctx, patient = chart_setup
    _select(tab, "I10")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("belongs to another patient", True))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.error_button, Qt.MouseButton.LeftButton)
    everything = services.problems.list_for_patient(provider, patient.id, include_inactive=True)
    marked = next(p for p in everything if p.icd10_code == "I10")
    assert marked.record_status == RecordStatus.ENTERED_IN_ERROR.value
    assert marked.record_status_reason == "belongs to another patient"
    assert tab.model.rowCount() == 0


def test_cancelled_reason_changes_nothing(qtbot: Any, chart_setup: Any, monkeypatch: Any) -> None:
    tab, ctx, _patient = chart_setup
    _select(tab, "I10")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    changed: list[Any] = []
    ctx.sig_chart_changed.connect(changed.append)
    qtbot.mouseClick(tab.error_button, Qt.MouseButton.LeftButton)
    ctx.tasks.wait_for_idle()
    assert changed == []


def test_read_only_role_and_clearing(qtbot: Any, services: Services, admin: Actor, provider: Actor) -> None:
    patient = services.patients.register(provider, family_name="Readonly", given_name="Rita",
                                         birth_date=date(1990, 1, 1), sex="female")
    services.problems.create(provider, patient_id=patient.id, icd10_code="I10", display="Hypertension")
    nurse = staff_user(services, admin, Role.NURSE)
    tab, _ctx = open_tab(qtbot, ProblemsTab, services, nurse, patient)
    tab.table.selectRow(0)
    assert tab.model.rowCount() == 1
    assert not tab.add_button.isEnabled() and not tab.resolve_button.isEnabled()
    assert not tab.error_button.isEnabled()
    tab.clear_phi()
    assert tab.model.rowCount() == 0 and tab.chart is None


def test_withheld_for_front_desk(qtbot: Any, services: Services, admin: Actor, provider: Actor) -> None:
    patient = services.patients.register(provider, family_name="Desk", given_name="Dee",
                                         birth_date=date(1990, 1, 1), sex="female")
    desk = staff_user(services, admin, Role.FRONT_DESK)
    tab, _ctx = open_tab(qtbot, ProblemsTab, services, desk, patient, shown=True)
    assert tab.withheld_label.isVisible() and not tab.empty_label.isVisible()
    assert not tab.add_button.isEnabled()
