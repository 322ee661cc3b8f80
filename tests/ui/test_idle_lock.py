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
from emr_desktop.ui.minimal_window import MinimalWindow
from emr_desktop.ui.session import SessionController
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _open_chart(qtbot: Any, window: MinimalWindow, query: str, marker: str) -> None:
    window.search.setText(query)
    qtbot.waitUntil(lambda: window.results.count() == 1, timeout=10000)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: marker in window.chart.toPlainText(), timeout=10000)


def test_idle_lock_clears_phi_and_lets_another_user_in(qtbot: Any, services: Services, provider: Any,
                                                      admin: Any) -> None:
    sentinel = "Zwyrtlemeyer"
    p = services.patients.register(provider, family_name=sentinel, given_name="Ivo",
                                   birth_date=date(1961, 6, 6), sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="E11.9", display="Type 2 diabetes")
    tasks = TaskRunner()
    clock = FakeClock()
    window = MinimalWindow(services, tasks, provider, "Test Family Practice")
    qtbot.addWidget(window)
    window.show()
    idle = IdleLock(600, clock=clock, check_every_ms=60_000)
    controller = SessionController(services, tasks, window, idle, "Test Family Practice")
    _open_chart(qtbot, window, "zwyrt", "Type 2 diabetes")

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
    texts = [window.search.text(), window.chart.toPlainText(), window.statusBar().currentMessage()]
    texts += [window.results.item(i).text() for i in range(window.results.count())]
    assert not any(sentinel in t or "diabetes" in t for t in texts)

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
    assert window.chart.toPlainText() == ""
    clock.now += 599
    idle.check()
    assert not window.locked  # re-armed at the new log-in: idle time counts from there
    clock.now += 2
    idle.check()
    assert window.locked


def test_same_user_resumes(qtbot: Any, services: Services, provider: Any) -> None:
    tasks = TaskRunner()
    clock = FakeClock()
    window = MinimalWindow(services, tasks, provider, "Test Family Practice")
    qtbot.addWidget(window)
    idle = IdleLock(60, clock=clock, check_every_ms=60_000)
    controller = SessionController(services, tasks, window, idle, "Test Family Practice")
    clock.now += 61
    idle.check()
    dialog = controller.login_dialog
    assert dialog is not None
    dialog.username.setText("drsmith")
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert window.actor.user_id == provider.user_id and not window.locked
    tasks.wait_for_idle()
