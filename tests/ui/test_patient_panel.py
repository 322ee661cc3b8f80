"""The patient panel: search as you type into a table the keyboard can drive, recent patients from
the user's own chart opens, today's appointments - everything read in the background."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.patients.panel import PatientPanel
from emr_desktop.ui.qt_models.appointments import Column as DayColumn
from emr_desktop.ui.qt_models.appointments import DaySheetModel
from emr_desktop.ui.qt_models.patients import Column, PatientTableModel
from emr_desktop.ui.tasks import TaskRunner

TODAY = date(2026, 3, 10)


def _register(services: Services, actor: Any, family: str, given: str, born: date = date(1980, 6, 15),
              **extra: Any) -> PatientDTO:
    return services.patients.register(actor, family_name=family, given_name=given, birth_date=born,
                                      sex="female", **extra)


@pytest.fixture
def tasks() -> Any:
    runner = TaskRunner()
    yield runner
    runner.wait_for_idle()


def _panel(qtbot: Any, services: Any, tasks: TaskRunner, actor: Any) -> PatientPanel:
    panel = PatientPanel(services, tasks, lambda: actor, today=lambda: TODAY)
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel, timeout=5000)
    return panel


def _ids(panel: PatientPanel) -> list[uuid.UUID]:
    return panel.result_ids()


def test_type_arrow_down_and_enter_opens_the_chosen_patient(qtbot: Any, services: Services,
                                                           provider: Any, tasks: TaskRunner) -> None:
    older = _register(services, provider, "Smithers", "Ann", date(1950, 1, 2), phone_mobile="555-0101")
    younger = _register(services, provider, "Smith", "Bo", date(1990, 3, 4))
    _register(services, provider, "Jones", "Cy")
    panel = _panel(qtbot, services, tasks, provider)
    assert panel.search.placeholderText() == "Search name, DOB, MRN or phone  (Ctrl+F)"
    panel.focus_search()
    qtbot.keyClicks(panel.search, "smi")
    qtbot.waitUntil(lambda: panel.showing_results and panel.results_model.rowCount() == 2, timeout=10000)
    assert _ids(panel) == [younger.id, older.id]  # sorted by family name: Smith, Smithers
    assert panel.results.isVisible() and not panel.home.isVisible()
    model = panel.results_model
    assert model.index(1, Column.BIRTH_DATE).data() == f"01/02/1950 ({older.age_on(TODAY)} y)"
    assert model.index(1, Column.PHONE).data() == "555-0101"
    assert model.index(1, Column.MRN).data() == older.mrn
    assert panel.status.text() == "2 patients found"

    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is panel.results
    qtbot.keyClick(panel.results, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert blocker.args == [older.id]
    # Up from the first row goes back to the search field
    qtbot.keyClick(panel.results, Qt.Key.Key_Up)
    qtbot.keyClick(panel.results, Qt.Key.Key_Up)
    assert QApplication.focusWidget() is panel.search


def test_enter_in_the_field_opens_the_first_result_even_before_it_arrived(
        qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    p = _register(services, provider, "Quickly", "Quinn")
    panel = _panel(qtbot, services, tasks, provider)
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=10000) as blocker:
        qtbot.keyClicks(panel.search, "quick")
        qtbot.keyClick(panel.search, Qt.Key.Key_Return)  # the debounce has not even fired yet
    assert blocker.args == [p.id]
    # and by MRN, with the results already on screen
    panel.search.setText(p.mrn)
    qtbot.waitUntil(lambda: panel.showing_results and _ids(panel) == [p.id], timeout=10000)
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.search, Qt.Key.Key_Enter)
    assert blocker.args == [p.id]


def test_double_click_opens_and_no_match_says_so(qtbot: Any, services: Services, provider: Any,
                                                 tasks: TaskRunner) -> None:
    p = _register(services, provider, "Dublclik", "Dee")
    panel = _panel(qtbot, services, tasks, provider)
    panel.search.setText("dublc")
    qtbot.waitUntil(lambda: panel.showing_results and panel.results_model.rowCount() == 1, timeout=10000)
    view = panel.results
    rect = view.visualRect(panel.results_model.index(0, Column.NAME))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a click selects only
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=1000) as blocker:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [p.id]
    panel.search.setText("zzzznobody")
    qtbot.waitUntil(lambda: panel.showing_results, timeout=10000)
    assert panel.results_model.rowCount() == 0 and "No patient found" in panel.status.text()
    with qtbot.assertNotEmitted(panel.sig_patient_open_requested):
        qtbot.keyClick(panel.search, Qt.Key.Key_Return)


class _SlowPatients:
    """Wraps PatientService: searches for ``hold`` wait until released (to make a result stale)."""

    def __init__(self, inner: Any, hold: str) -> None:
        self._inner, self._hold = inner, hold
        self.release = threading.Event()

    def search(self, actor: Any, query: str) -> list[PatientDTO]:
        if query == self._hold:
            assert self.release.wait(10)
        return self._inner.search(actor, query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_stale_result_is_never_shown(qtbot: Any, services: Services, provider: Any,
                                       tasks: TaskRunner) -> None:
    first = _register(services, provider, "Stale", "Sam")
    second = _register(services, provider, "Staley", "Sue")
    slow = _SlowPatients(services.patients, hold="stale")
    fake = SimpleNamespace(patients=slow, appointments=services.appointments)
    panel = _panel(qtbot, fake, tasks, provider)
    shown: list[list[uuid.UUID]] = []
    panel.results_model.modelReset.connect(lambda: shown.append(_ids(panel)))
    panel.search.setText("stale")
    qtbot.waitUntil(lambda: not panel._debounce.isActive(), timeout=5000)  # the search is running
    panel.search.setText("staley")
    slow.release.set()
    qtbot.waitUntil(lambda: panel.showing_results, timeout=10000)
    tasks.wait_for_idle()
    QApplication.processEvents()
    assert _ids(panel) == [second.id]
    assert [first.id, second.id] not in shown  # the answer for "stale" was dropped


def test_recent_patients_and_todays_appointments(qtbot: Any, services: Services, provider: Any,
                                                 tasks: TaskRunner) -> None:
    a = _register(services, provider, "Recent", "Alpha")
    b = _register(services, provider, "Recent", "Bravo")
    c = _register(services, provider, "Visit", "Charlie")
    panel = _panel(qtbot, services, tasks, provider)
    panel.refresh()
    tasks.wait_for_idle()
    qtbot.waitUntil(lambda: panel.hint.isVisible(), timeout=5000)
    assert not panel.recent.isVisible() and not panel.appointments.isVisible()

    for p in (a, b):
        services.chart.load(provider, p.id)
    start = datetime(TODAY.year, TODAY.month, TODAY.day, 15, 30, tzinfo=UTC)  # practice zone: UTC
    services.appointments.create(provider, patient_id=c.id, provider_id=provider.user_id, start_time=start,
                                 end_time=start + timedelta(minutes=20), appointment_type="follow-up",
                                 reason="BP check", room="3", status="arrived")
    panel.refresh()
    qtbot.waitUntil(lambda: panel.recent.count() == 2 and panel.day_model.rowCount() == 1, timeout=10000)
    assert panel.recent.isVisible() and panel.appointments.isVisible() and not panel.hint.isVisible()
    assert [panel.recent.item(i).data(Qt.ItemDataRole.UserRole) for i in range(2)] == [b.id, a.id]
    assert panel.recent.item(0).text().startswith("Recent, Bravo") and b.mrn in panel.recent.item(0).text()
    row = [panel.day_model.index(0, col).data() for col in DayColumn]
    assert row == ["15:30", "Visit, Charlie", "Follow up", "BP check", "Arrived", "3"]

    # keyboard: Down from the empty search field goes to the recent list, Enter opens
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is panel.recent
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.recent, Qt.Key.Key_Return)
    assert blocker.args == [b.id]
    panel.appointments.setFocus()
    panel.appointments.selectRow(0)
    with qtbot.waitSignal(panel.sig_patient_open_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.appointments, Qt.Key.Key_Return)
    assert blocker.args == [c.id]

    # a narrow panel drops the columns that matter least; the short visit type stays and its
    # tooltip carries the reason
    panel.resize(380, 600)
    assert panel.appointments.isColumnHidden(DayColumn.REASON) and panel.appointments.isColumnHidden(DayColumn.ROOM)
    assert not panel.appointments.isColumnHidden(DayColumn.TYPE)
    assert "Follow up" in panel.day_model.index(0, DayColumn.TYPE).data(Qt.ItemDataRole.ToolTipRole)
    panel.resize(900, 600)
    assert not panel.appointments.isColumnHidden(DayColumn.REASON)

    # typing hides them; clearing the field (Escape) brings them back
    qtbot.keyClicks(panel.search, "rec")
    assert not panel.home.isVisible()
    qtbot.waitUntil(lambda: panel.showing_results, timeout=10000)
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and panel.home.isVisible() and panel.recent.isVisible()


def test_clear_phi_drops_everything_including_late_results(qtbot: Any, services: Services, provider: Any,
                                                           tasks: TaskRunner) -> None:
    p = _register(services, provider, "Private", "Pat")
    services.chart.load(provider, p.id)
    panel = _panel(qtbot, services, tasks, provider)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.recent.count() == 1, timeout=10000)
    panel.search.setText("priv")
    qtbot.waitUntil(lambda: panel.showing_results and panel.results_model.rowCount() == 1, timeout=10000)
    panel.refresh()                       # on its way when the screen locks
    panel.clear_phi()
    tasks.wait_for_idle()
    QApplication.processEvents()
    assert panel.search.text() == "" and panel.results_model.rowCount() == 0
    assert panel.recent.count() == 0 and panel.day_model.rowCount() == 0 and panel.status.text() == ""


def test_buttons_and_focus(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    panel = _panel(qtbot, services, tasks, provider)
    assert panel.new_patient.text() == "&New patient…"
    with qtbot.waitSignal(panel.sig_registration_requested, timeout=1000):
        qtbot.mouseClick(panel.new_patient, Qt.MouseButton.LeftButton)
    panel.search.setText("abc")
    panel.new_patient.setFocus()
    panel.focus_search()
    assert QApplication.focusWidget() is panel.search and panel.search.selectedText() == "abc"


def test_day_sheet_and_patient_models_pass_the_model_tester(qtmodeltester: Any, services: Services,
                                                            provider: Any) -> None:
    p = _register(services, provider, "Modeltest", "Mo", phone_home="555-0123")
    start = datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)
    for minutes, status in ((0, "booked"), (30, "cancelled")):
        services.appointments.create(provider, patient_id=p.id, start_time=start + timedelta(minutes=minutes),
                                     end_time=start + timedelta(minutes=minutes + 15),
                                     appointment_type="office-visit", status=status)
    rows = services.appointments.day_sheet(provider, TODAY)
    model = DaySheetModel()
    qtmodeltester.check(model)
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.columnCount() == len(DayColumn)
    assert model.index(0, DayColumn.TYPE).data() == "Office visit"
    assert model.index(1, DayColumn.STATUS).data() == "Cancelled"
    assert model.index(1, DayColumn.PATIENT).data(Qt.ItemDataRole.ForegroundRole) is not None  # muted
    assert model.index(0, DayColumn.PATIENT).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(0, DayColumn.TIME).data(Qt.ItemDataRole.ToolTipRole) == "09:00-09:15"
    patients = PatientTableModel(today=lambda: TODAY)
    patients.set_rows(services.patients.search(provider, "modeltest"))
    qtmodeltester.check(patients)
    assert patients.index(0, Column.PHONE).data() == "555-0123"
