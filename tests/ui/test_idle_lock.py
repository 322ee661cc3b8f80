"""Idle lock with a fake clock: the window locks, PHI leaves the widgets, and the same or another
user logs back in."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from sqlalchemy import select

from emr_desktop.models import AuditEvent
from emr_desktop.services.registry import Services
from emr_desktop.ui.idle import IdleLock
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.session import SessionController
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD
from tests.ui.test_main_window import open_by_search, settle, shows_any, summary

PRACTICE = "Test Family Practice"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _window(qtbot: Any, services: Services, tasks: TaskRunner, actor: Any) -> MainWindow:
    window = MainWindow(services, tasks, actor, PRACTICE, sync_autostart=False)
    qtbot.addWidget(window)
    window.show()
    return window


def test_idle_lock_clears_phi_and_lets_another_user_in(qtbot: Any, services: Services, provider: Any,
                                                      admin: Any) -> None:
    sentinel = "Zwyrtlemeyer"
    p = services.patients.register(provider, family_name=sentinel, given_name="Ivo",
                                   birth_date=date(1961, 6, 6), sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="E11.9", display="Type 2 diabetes")
    tasks = TaskRunner()
    clock = FakeClock()
    window = _window(qtbot, services, tasks, provider)
    idle = IdleLock(600, clock=clock, check_every_ms=60_000)
    controller = SessionController(services, tasks, window, idle, PRACTICE)
    open_by_search(qtbot, window, "zwyrt", p)
    assert any("Type 2 diabetes" in t for t in summary(window)["Active problems"])
    settle(qtbot, tasks)
    window.panel.search.setText("zwyrt")  # the search field and results hold the name too
    qtbot.waitUntil(lambda: window.panel.showing_results, timeout=10000)
    assert window.panel.results_model.rowCount() == 1
    found = " ".join(shows_any(window, sentinel, "Type 2 diabetes", "E11.9", p.mrn))
    assert all(x in found for x in (sentinel, "Type 2 diabetes", p.mrn))  # seen while the chart is open

    clock.now += 599
    idle.check()
    assert not window.locked
    # Input resets the idle time.
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    idle.eventFilter(window, move)
    clock.now += 599
    idle.check()
    assert not window.locked

    with qtbot.waitSignal(idle.sig_idle_timeout, timeout=1000):
        clock.now += 2
        idle.check()
    assert window.locked and not window.isVisible()
    # No patient detail anywhere: search field, results, recent patients, banner, chart tabs.
    assert not shows_any(window, sentinel, "Type 2 diabetes", "E11.9", p.mrn)
    assert window.panel.search.text() == "" and window.panel.results_model.rowCount() == 0
    assert window.chart_view.banner.name.text() == "" and window.chart_view.chart is None
    assert all(tab.chart is None for tab in window.chart_view.tab_widgets)
    settle(qtbot, tasks)  # what was still on its way is dropped, not shown
    assert not shows_any(window, sentinel, "Type 2 diabetes", "E11.9", p.mrn)

    dialog = controller.login_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not window.locked and window.isVisible() and window.actor.username == "admin"
    assert "Practice Administrator" in window.windowTitle()
    tasks.wait_for_idle()
    with services.db.read() as s:
        logout = s.execute(select(AuditEvent.user_id, AuditEvent.detail).where(
            AuditEvent.action == "logout")).one()
    assert tuple(logout) == (provider.user_id, "idle")
    # The admin's own session starts clean and does not see the provider's last chart.
    settle(qtbot, tasks)
    assert not shows_any(window, sentinel, "Type 2 diabetes", "E11.9", p.mrn)
    assert window.chart_view.chart is None and window.stack.currentWidget() is window.welcome
    clock.now += 599
    idle.check()
    assert not window.locked  # re-armed at the new log-in: idle time counts from there
    clock.now += 2
    idle.check()
    assert window.locked
    settle(qtbot, tasks)


def test_same_user_resumes_and_gets_their_chart_back(qtbot: Any, services: Services, provider: Any) -> None:
    sentinel = "Ottoline"
    p = services.patients.register(provider, family_name=sentinel, given_name="Una",
                                   birth_date=date(1949, 9, 9), sex="female")
    services.problems.create(provider, patient_id=p.id, icd10_code="N18.3", display="Chronic kidney disease")
    tasks = TaskRunner()
    clock = FakeClock()
    window = _window(qtbot, services, tasks, provider)
    idle = IdleLock(60, clock=clock, check_every_ms=60_000)
    controller = SessionController(services, tasks, window, idle, PRACTICE)
    open_by_search(qtbot, window, "ottol", p)
    window.chart_view.show_tab_titled("Problems")
    settle(qtbot, tasks)
    clock.now += 61
    idle.check()
    assert window.locked and not window.isVisible()
    assert not shows_any(window, sentinel, "kidney", p.mrn)
    dialog = controller.login_dialog
    assert dialog is not None
    dialog.username.setText("drsmith")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.assertNotEmitted(controller.sig_user_changed):
        with qtbot.waitSignals([dialog.accepted, window.chart_view.sig_chart_shown], timeout=10000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.actor.user_id == provider.user_id and not window.locked and window.isVisible()
    # The chart that was open at the lock is open again, read afresh for the new session.
    chart = window.chart_view.chart
    assert chart is not None and chart.patient.id == p.id
    assert window.stack.currentWidget() is window.chart_view
    assert window.chart_view.banner.name.text() == p.display_name
    assert any("kidney" in t for t in summary(window)["Active problems"])
    settle(qtbot, tasks)


def test_nothing_to_resume_when_no_chart_was_open(qtbot: Any, services: Services, provider: Any) -> None:
    tasks = TaskRunner()
    clock = FakeClock()
    window = _window(qtbot, services, tasks, provider)
    idle = IdleLock(60, clock=clock, check_every_ms=60_000)
    controller = SessionController(services, tasks, window, idle, PRACTICE)
    clock.now += 61
    idle.check()
    dialog = controller.login_dialog
    assert dialog is not None
    dialog.username.setText("drsmith")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.assertNotEmitted(window.chart_view.sig_chart_shown):
        with qtbot.waitSignal(dialog.accepted, timeout=10000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        settle(qtbot, tasks)
    assert window.actor.user_id == provider.user_id and not window.locked
    assert window.chart_view.chart is None and window.stack.currentWidget() is window.welcome
