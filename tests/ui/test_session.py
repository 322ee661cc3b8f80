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
from emr_desktop.ui.minimal_window import MinimalWindow
from emr_desktop.ui.session import SessionController
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

PRACTICE = "Test Family Practice"


def _session(qtbot: Any, services: Services, actor: Any) -> tuple[MinimalWindow, SessionController,
                                                                  TaskRunner]:
    tasks = TaskRunner()
    window = MinimalWindow(services, tasks, actor, PRACTICE)
    qtbot.addWidget(window)
    window.show()
    idle = IdleLock(600, check_every_ms=600_000)
    controller = SessionController(services, tasks, window, idle, PRACTICE)
    return window, controller, tasks


def _phi_texts(window: MinimalWindow) -> list[str]:
    texts = [window.search.text(), window.chart.toPlainText(), window.statusBar().currentMessage()]
    return texts + [window.results.item(i).text() for i in range(window.results.count())]


def test_lock_then_switch_user_starts_clean(qtbot: Any, services: Services, provider: Any,
                                            admin: Any) -> None:
    sentinel = "Quillfeather"
    p = services.patients.register(provider, family_name=sentinel, given_name="Ada",
                                   birth_date=date(1958, 2, 2), sex="female")
    services.problems.create(provider, patient_id=p.id, icd10_code="J45.909", display="Asthma")
    window, controller, tasks = _session(qtbot, services, provider)
    window.search.setText("quillf")
    qtbot.waitUntil(lambda: window.results.count() == 1, timeout=10000)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Asthma" in window.chart.toPlainText(), timeout=10000)

    controller.lock()
    dialog = controller.login_dialog
    assert isinstance(dialog, LockDialog) and dialog.isVisible() and controller.locked
    assert window.locked and not window.isVisible()
    assert not any(sentinel in t or "Asthma" in t for t in _phi_texts(window))
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
    assert not any(sentinel in t or "Asthma" in t for t in _phi_texts(window))
    tasks.wait_for_idle()
    with services.db.read() as s:
        logouts = s.execute(select(AuditEvent.user_id).where(AuditEvent.action == "logout")).all()
    assert [row[0] for row in logouts] == [provider.user_id]


def test_switch_user_from_the_window_and_the_same_user_may_resume(qtbot: Any, services: Services,
                                                                  provider: Any) -> None:
    window, controller, tasks = _session(qtbot, services, provider)
    controller.switch_user()
    dialog = controller.login_dialog
    assert dialog is not None and dialog.switching and window.locked
    controller.lock()  # locking again only brings the same lock screen forward
    assert controller.login_dialog is dialog
    # The same user can still come back after all.
    dialog.username.setText("drsmith")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.assertNotEmitted(controller.sig_user_changed):
        with qtbot.waitSignal(dialog.accepted, timeout=10000):
            qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.actor.user_id == provider.user_id and not window.locked
    tasks.wait_for_idle()


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
    tasks.wait_for_idle()
