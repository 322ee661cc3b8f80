"""The log-in session at a shared workstation: idle lock, then the same or another user logs in."""

from __future__ import annotations

from PySide6.QtCore import QObject

from emr_desktop.services.registry import Services
from emr_desktop.ui.idle import IdleLock
from emr_desktop.ui.minimal_window import LoginDialog, MinimalWindow
from emr_desktop.ui.tasks import TaskRunner


class SessionController(QObject):
    def __init__(self, services: Services, tasks: TaskRunner, window: MinimalWindow, idle: IdleLock,
                 practice_name: str) -> None:
        super().__init__(window)
        self._services, self._tasks, self._window, self._idle = services, tasks, window, idle
        self._practice_name = practice_name
        self.login_dialog: LoginDialog | None = None
        idle.sig_idle_timeout.connect(self.lock)

    def lock(self) -> None:
        self._window.lock()
        dialog = LoginDialog(self._services, self._tasks, self._practice_name)
        dialog.setWindowTitle(f"Locked - {self._practice_name}")
        dialog.message.setText("The screen was locked after a period of inactivity. Log in to continue.")
        dialog.accepted.connect(lambda: self._resume(dialog))
        self.login_dialog = dialog
        dialog.show()

    def _resume(self, dialog: LoginDialog) -> None:
        if dialog.actor is None:
            return
        self._window.unlock(dialog.actor)
        self._idle.rearm()
        self.login_dialog = None
