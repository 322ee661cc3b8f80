"""First-run path (a): a new practice on this computer, then its recovery key, shown once."""

from __future__ import annotations

import socket
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from emr_desktop.security.passwords import MIN_LENGTH
from emr_desktop.ui.messages import error_text
from emr_desktop.ui.setup.work import ADMIN_USERNAME, Created, NewPractice, create_practice

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from emr_desktop.ui.setup.wizard import SetupWizard


def default_workstation_name() -> str:
    return socket.gethostname().split(".")[0] or "workstation"


def show_problem(label: QLabel, text: str, severity: str = "error") -> None:
    label.setText(text)
    label.setProperty("severity", severity)
    label.style().unpolish(label)
    label.style().polish(label)


def buddy_label(text: str, field: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(field)
    return label


class NewPracticePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setObjectName("setupNewPracticePage")
        self.setTitle("A new practice")
        self.setSubTitle("The chart is created on this computer, encrypted. Other workstations can "
                         "join it later through a practice hub.")
        self.practice_name = QLineEdit()
        self.practice_name.setObjectName("setupPracticeName")
        self.workstation_name = QLineEdit(default_workstation_name())
        self.workstation_name.setObjectName("setupWorkstationName")
        self.admin_name = QLineEdit("Practice Administrator")
        self.admin_name.setObjectName("setupAdminName")
        self.password = QLineEdit()
        self.password.setObjectName("setupPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setObjectName("setupPasswordAgain")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = QLabel(f"The administrator logs in with the user name '{ADMIN_USERNAME}'. "
                           f"Passwords need at least {MIN_LENGTH} characters.")
        self.hint.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("setupMessage")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(buddy_label("&Practice name", self.practice_name), self.practice_name)
        form.addRow(buddy_label("&Workstation name", self.workstation_name), self.workstation_name)
        form.addRow(buddy_label("Administrator's &name", self.admin_name), self.admin_name)
        form.addRow(buddy_label("Administrator's pa&ssword", self.password), self.password)
        form.addRow(buddy_label("&Repeat the password", self.password_again), self.password_again)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._fields = (self.practice_name, self.workstation_name, self.admin_name, self.password,
                        self.password_again)
        for field in self._fields:
            field.textChanged.connect(self._changed)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create practice")

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.practice_name.setFocus()

    def problem(self) -> str:
        """What stops the practice from being created, or ""."""
        if not all(f.text().strip() for f in (self.practice_name, self.workstation_name, self.admin_name)):
            return "Fill in the practice, workstation and administrator names."
        if len(self.password.text()) < MIN_LENGTH:
            return f"The password needs at least {MIN_LENGTH} characters."
        if self.password.text() != self.password_again.text():
            return "The two passwords are not the same."
        return ""

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return not self._wizard.busy and not self.problem()

    def _changed(self, _text: str) -> None:
        typed = self.password.text() or self.password_again.text()
        show_problem(self.message, self.problem() if typed else "")
        self.completeChanged.emit()

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self._wizard.created is not None:
            return True
        if self._wizard.busy or self.problem():
            return False
        form = NewPractice(self.practice_name.text(), self.workstation_name.text(),
                           self.admin_name.text(), self.password.text())
        settings = self._wizard.settings
        self._set_busy(True)
        show_problem(self.message, "Creating the encrypted chart...", "info")
        self._wizard.tasks.run(lambda: create_practice(settings, form), self._created, self._failed)
        return False

    def _set_busy(self, busy: bool) -> None:
        self._wizard.set_busy(busy)
        for field in self._fields:
            field.setEnabled(not busy)
        self.completeChanged.emit()

    def _created(self, created: Created) -> None:
        self.password.clear()
        self.password_again.clear()
        self._wizard.created = created
        self._set_busy(False)
        show_problem(self.message, "", "info")
        self._wizard.next()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = error_text(exc, f"The chart could not be created ({type(exc).__name__}). Nothing was kept.")
        show_problem(self.message, text)


def recovery_sheet_html(created: Created, workstation: str, data_folder: str) -> str:
    key = escape(created.recovery_code)
    return (
        f"<h1>Recovery key</h1>"
        f"<p><b>{escape(created.practice_name)}</b> &middot; workstation {escape(workstation)}"
        f" &middot; {date.today():%Y-%m-%d}</p>"
        f"<p>Chart folder: {escape(data_folder)}</p>"
        f"<p style='font-family: monospace; font-size: 16pt'>{key}</p>"
        "<p>This key opens this workstation's encrypted chart if the computer's keyring is lost "
        "or replaced: run <code>emr-desktop recover</code> and type it in. Keep this sheet "
        "somewhere safe, such as the practice safe. Anyone holding it and the chart file can read "
        "the chart.</p>"
    )


def ask_printer(parent: QWidget) -> QPrinter | None:
    """The system print dialog; the chosen printer, or None when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the recovery key")
    return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None


class RecoveryKeyPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setObjectName("setupRecoveryKeyPage")
        self.setTitle("The recovery key - shown only this once")
        self.setSubTitle("Print it or write it down and keep it somewhere safe. Without it, a lost "
                         "keyring means a lost chart on this computer.")
        self.key = QLabel()
        self.key.setObjectName("recoveryKey")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.key.setFont(font)
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_button = QPushButton("&Print...")
        self.print_button.setObjectName("printRecoveryKey")
        self.print_button.clicked.connect(self.print_key)
        self.copy_button = QPushButton("C&opy")
        self.copy_button.setObjectName("copyRecoveryKey")
        self.copy_button.clicked.connect(self.copy_key)
        self.stored = QCheckBox("I have printed or &stored the recovery key")
        self.stored.setObjectName("recoveryKeyStored")
        self.registerField("keyStored*", self.stored)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.feedback = QLabel()
        self.feedback.setObjectName("recoveryKeyFeedback")
        self.feedback.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.key)
        layout.addLayout(buttons)
        layout.addWidget(self.feedback)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(self.stored)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Continue to &log-in")

    def _code(self) -> str:
        created = self._wizard.created
        return created.recovery_code if created is not None else ""

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        groups = self._code().split("-")
        half = (len(groups) + 1) // 2
        self.key.setText("-".join(groups[:half]) + "-\n" + "-".join(groups[half:]))
        created, joined = self._wizard.created, self._wizard.joined
        if joined is not None:
            self.note.setText(f"This workstation has joined '{joined.practice_name}' "
                              f"({joined.rows:,} records downloaded) and stays in sync with the hub. "
                              "Its chart has a key of its own. After this page, log in with your "
                              "usual user name and password.")
        elif created is not None:
            self.note.setText(f"The practice '{created.practice_name}' is ready. After this page, "
                              f"log in as '{created.username}' with the password you chose.")
        self.print_button.setFocus()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.stored.isChecked()

    def document(self) -> QTextDocument:
        created = self._wizard.created
        assert created is not None
        doc = QTextDocument(self)
        doc.setHtml(recovery_sheet_html(created, self._wizard.workstation_name(),
                                        str(self._wizard.settings.data_dir)))
        return doc

    def print_key(self) -> None:
        """Print the recovery sheet straight to the printer (never through a file)."""
        printer = ask_printer(self)
        if printer is None:
            return
        self.document().print_(printer)
        self.feedback.setText("Sent to the printer. Check the printout before ticking the box below.")

    def copy_key(self) -> None:
        mime = QMimeData()
        mime.setText(self._code())
        # Ask clipboard managers not to keep it in their history (KDE; Windows).
        mime.setData("x-kde-passwordManagerHint", b"secret")
        mime.setData("ExcludeClipboardContentFromMonitorProcessing", b"1")
        QGuiApplication.clipboard().setMimeData(mime)
        self.feedback.setText("Copied. Paste it into the practice's password manager, then clear the "
                          "clipboard.")

    def clear_key(self) -> None:
        self.key.clear()
        self.feedback.clear()
