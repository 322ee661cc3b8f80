"""The lock screen: the window is hidden and cleared; who was logged in may come back, or another
user logs in with "Switch user" (the previous session was already logged out at the lock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialogButtonBox, QWidget

from emr_desktop.domain.actor import Actor
from emr_desktop.ui.login.login_dialog import LoginDialog, make_button
from emr_desktop.ui.login.memory import WorkstationMemory
from emr_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from emr_desktop.services.registry import Services


def who(actor: Actor) -> str:
    name = actor.display_name or actor.username
    return f"{name} ({actor.username})" if actor.display_name else name


class LockDialog(LoginDialog):
    def __init__(self, services: Services, tasks: TaskRunner, practice_name: str, previous: Actor,
                 parent: QWidget | None = None, *, reason: str = "",
                 memory: WorkstationMemory | None = None) -> None:
        super().__init__(services, tasks, practice_name, parent, memory=memory)
        self.setObjectName("lockDialog")
        self.previous = previous
        self.switching = False
        self.setWindowTitle(f"Locked - {practice_name}")
        self.switch_button = make_button("S&witch user", "switchUserButton")
        self.buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.switch_button.clicked.connect(self.enter_switch_mode)
        QWidget.setTabOrder(self.ok_button, self.switch_button)
        QWidget.setTabOrder(self.switch_button, self.quit_button)
        self.username.setText(previous.username)
        self.username.setReadOnly(True)
        lead = reason or "The screen is locked."
        self._show_message(f"{lead} {who(previous)} was logged in. Type the password to continue, "
                           "or switch user.", "info")
        self.password.setFocus()

    def enter_switch_mode(self) -> None:
        """Another user logs in here: the user name is theirs to type."""
        self.switching = True
        self.username.setReadOnly(False)
        self.username.clear()
        self.password.clear()
        self._username_edited("")
        self.switch_button.setEnabled(False)
        self._show_message(f"{who(self.previous)} was logged out. Log in as yourself.", "info")
        self.username.setFocus()
