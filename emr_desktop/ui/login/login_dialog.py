"""The log-in window: user name, password, and the authenticator code when the account needs one.

It can be shown before the chart is open (start-up opens it in the background): the log-in button
stays disabled with "Opening the chart database..." until ``set_ready`` hands it the services, and
``set_failed`` shows why the chart could not be opened. Log-in runs through the TaskRunner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import SecondFactorRequired
from emr_desktop.ui.login.memory import WorkstationMemory
from emr_desktop.ui.messages import error_text
from emr_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the services pull in the whole ORM; the window must appear before that
    from emr_desktop.services.registry import Services

OPENING_TEXT = "Opening the chart database..."


class LoginDialog(QDialog):
    sig_logged_in = Signal(object)
    """A user logged in; carries their Actor. Emitted before the dialog closes, so a window shown
    in reply keeps the application running."""

    def __init__(self, services: Services | None, tasks: TaskRunner, practice_name: str,
                 parent: QWidget | None = None, *, memory: WorkstationMemory | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self._services, self._tasks, self._memory = services, tasks, memory
        self._busy = False
        self.actor: Actor | None = None

        self.practice_label = QLabel()
        self.practice_label.setObjectName("loginPracticeName")
        font = self.practice_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.practice_label.setFont(font)
        self.practice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.username = QLineEdit(memory.last_username if memory is not None else "")
        self.username.setObjectName("loginUsername")
        self.username.textEdited.connect(self._username_edited)
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.code = QLineEdit()
        self.code.setObjectName("loginCode")
        self.code.setPlaceholderText("6-digit code from your authenticator app")
        self.code.setMaxLength(7)
        self.message = QLabel("")
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("&Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("loginButton")
        self.ok_button.setDefault(True)
        self.quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)
        self.ok_button.clicked.connect(self._try_login)
        self.quit_button.clicked.connect(self.reject)
        # Enter in any field logs in, also after a failed try (a button disabled while checking
        # loses its "default" role in QDialog, so Enter must not depend on it).
        for field in (self.username, self.password, self.code):
            field.returnPressed.connect(self._try_login)

        self._form = QFormLayout()
        user_label = QLabel("&User name")
        user_label.setBuddy(self.username)
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password)
        code_label = QLabel("Authenticator &code")
        code_label.setBuddy(self.code)
        self._form.addRow(user_label, self.username)
        self._form.addRow(password_label, self.password)
        self._form.addRow(code_label, self.code)
        self._form.setRowVisible(self.code, False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.practice_label)
        layout.addLayout(self._form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        QWidget.setTabOrder(self.username, self.password)
        QWidget.setTabOrder(self.password, self.code)
        QWidget.setTabOrder(self.code, self.ok_button)
        QWidget.setTabOrder(self.ok_button, self.quit_button)

        self.set_practice_name(practice_name)
        self._update_button()
        (self.password if self.username.text() else self.username).setFocus()

    # --- what start-up tells it ------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._services is not None

    def set_practice_name(self, name: str) -> None:
        self.practice_label.setText(name)
        self.practice_label.setVisible(bool(name))
        self.setWindowTitle(f"emr-desktop - {name}" if name else "emr-desktop")

    def set_opening(self, text: str = OPENING_TEXT) -> None:
        """The chart is being opened: log-in waits (the fields can be filled in meanwhile)."""
        self._show_message(text, "info")
        self._update_button()

    def set_ready(self, services: Services, practice_name: str) -> None:
        self._services = services
        self.set_practice_name(practice_name)
        self._show_message("", "info")
        self._update_button()

    def set_failed(self, text: str) -> None:
        """The chart could not be opened: say why; only Quit is left."""
        self._services = None
        self._show_message(text, "error")
        self._update_button()
        self.quit_button.setDefault(True)
        self.quit_button.setFocus()

    # --- log-in ----------------------------------------------------------------------------------

    def _update_button(self) -> None:
        self.ok_button.setEnabled(self._services is not None and not self._busy)
        if self.ok_button.isEnabled():
            self.ok_button.setDefault(True)

    def _show_message(self, text: str, severity: str) -> None:
        self.message.setText(text)
        self.message.setProperty("severity", severity)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def _username_edited(self, _text: str) -> None:
        # Another account: any second-factor prompt belonged to the previous name.
        if self._form.isRowVisible(self.code):
            self.code.clear()
            self._form.setRowVisible(self.code, False)

    def _try_login(self) -> None:
        services = self._services
        if services is None or self._busy:
            return
        user = self.username.text().strip()
        if not user:
            self._show_message("Type your user name.", "error")
            self.username.setFocus()
            return
        pw = self.password.text()
        code = self.code.text().strip() or None
        self._busy = True
        self._update_button()
        self._show_message("Checking...", "info")
        self._tasks.run(lambda: services.users.authenticate(user, pw, code),
                        self._logged_in, self._failed)

    def _logged_in(self, actor: Actor) -> None:
        self._busy = False
        self.actor = actor
        self.password.clear()
        self.code.clear()
        self._update_button()
        if self._memory is not None:
            self._memory.remember_username(actor.username)
        self.sig_logged_in.emit(actor)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._update_button()
        self.code.clear()
        if isinstance(exc, SecondFactorRequired):
            self._form.setRowVisible(self.code, True)
            self.code.setFocus()
            self._show_message(exc.full_message(), "info")
            return
        self.password.clear()
        self.password.setFocus()
        self._show_message(error_text(exc, "Log-in failed."), "error")


def make_button(text: str, object_name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(object_name)
    button.setAutoDefault(False)
    return button
