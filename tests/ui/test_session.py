"""Lock and switch user: the window is cleared and hidden, the lock screen says who was logged in,
and another user starts with a clean window (the previous session was logged out)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select

from emr_desktop.models import AuditEvent
from emr_desktop.services.registry import Services
from emr_desktop.ui.idle import IdleLock
from emr_desktop.ui.login import LockDialog
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.session import SessionController
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD
from tests.ui.test_main_window import open_by_search, settle, shows_any, summary

PRACTICE = "Test Family Practice"


def _session(qtbot: Any, services: Services, actor: Any) -> tuple[MainWindow, SessionController,
                                                                  TaskRunner]:
    tasks = TaskRunner()
    window = MainWindow(services, tasks, actor, PRACTICE, sync_autostart=False)
    qtbot.addWidget(window)
    window.show()
    idle = IdleLock(600, check_every_ms=600_000)
    controller = SessionController(services, tasks, window, idle, PRACTICE)
    return window, controller, tasks


def test_lock_then_switch_user_starts_clean(qtbot: Any, services: Services, provider: Any,
                                            admin: Any) -> None:
    sentinel = "Quillfeather"
    p = services.patients.register(provider, family_name=sentinel, given_name="Ada",
                                   birth_date=date(1958, 2, 2), sex="female")
    services.problems.create(provider, patient_id=p.id, icd10_code="J45.909", display="Asthma")
    window, controller, tasks = _session(qtbot, services, provider)
    open_by_search(qtbot, window, "quillf", p)
    assert any("Asthma" in t for t in summary(window)["Active problems"])
    assert shows_any(window, sentinel, "Asthma")  # the helper does see them while the chart is open
    settle(qtbot, tasks)

    controller.lock()
    dialog = controller.login_dialog
    assert isinstance(dialog, LockDialog) and dialog.isVisible() and controller.locked
    assert window.locked and not window.isVisible()
    assert not shows_any(window, sentinel, "Asthma", p.mrn)
    assert window.chart_view.chart is None and window.stack.currentWidget() is window.welcome
    assert "Dana Smith (drsmith) was logged in" in dialog.message.text()
    assert dialog.username.text() == "drsmith" and dialog.username.isReadOnly()
    assert "Locked" in dialog.windowTitle()

    qtbot.mouseClick(dialog.switch_button, Qt.MouseButton.LeftButton)
    assert not dialog.username.isReadOnly() and dialog.username.text() == ""
    assert "was logged out" in dialog.message.text()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, TEST_PASSWORD)
    with qtbot.waitSignals([controller.sig_user_changed, dialog.accepted], timeout=10000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert window.isVisible() and not window.locked and not controller.locked
    assert window.actor.username == "admin" and controller.actor.username == "admin"
    assert "Practice Administrator" in window.windowTitle()
    settle(qtbot, tasks)  # the admin's own recent patients and appointments are read by now
    assert not shows_any(window, sentinel, "Asthma", p.mrn)
    assert window.chart_view.chart is None and window.chart_view.patient_id is None
    assert window.stack.currentWidget() is window.welcome
    with services.db.read() as s:
        logouts = s.execute(select(AuditEvent.user_id).where(AuditEvent.action == "logout")).all()
    assert [row[0] for row in logouts] == [provider.user_id]


def test_switch_user_from_the_window_and_the_same_user_may_resume(qtbot: Any, services: Services,
                                                                  provider: Any) -> None:
    p = services.patients.register(provider, family_name="Resumable", given_name="Rita",
                                   birth_date=date(1977, 7, 7), sex="female")
    services.problems.create(provider, patient_id=p.id, icd10_code="M54.5", display="Low back pain")
    window, controller, tasks = _session(qtbot, services, provider)
    open_by_search(qtbot, window, "resumab", p)
    settle(qtbot, tasks)
    controller.switch_user()
    dialog = controller.login_dialog
    assert dialog is not None and dialog.switching and window.locked
    assert not shows_any(window, "Resumable", "Low back pain", p.mrn)
    controller.lock()  # locking again only brings the same lock screen forward
    assert controller.login_dialog is dialog
    # The same user can still come back after all.
    dialog.username.setText("drsmith")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.assertNotEmitted(controller.sig_user_changed):
        with qtbot.waitSignals([dialog.accepted, window.chart_view.sig_chart_shown], timeout=10000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.actor.user_id == provider.user_id and not window.locked
    # ... and finds the chart they had open, read afresh for the new session.
    chart = window.chart_view.chart
    assert chart is not None and chart.patient.id == p.id
    assert window.stack.currentWidget() is window.chart_view
    assert any("Low back pain" in t for t in summary(window)["Active problems"])
    assert window.actor.session_id != provider.session_id
    settle(qtbot, tasks)


def test_wrong_password_on_the_lock_screen_keeps_it_locked_and_quit_asks_to_quit(
        qtbot: Any, services: Services, provider: Any) -> None:
    window, controller, tasks = _session(qtbot, services, provider)
    controller.lock()
    dialog = controller.login_dialog
    assert dialog is not None
    dialog.password.setText("not it")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrong" in dialog.message.text(), timeout=10000)
    assert window.locked and not window.isVisible() and dialog.isVisible()
    with qtbot.waitSignal(controller.sig_quit_requested, timeout=1000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)
    assert not window.isVisible()
    settle(qtbot, tasks)
