"""First-run path (b): join an existing practice hub with a one-time enrollment code and download
the practice's chart (with a progress bar). The recovery key page follows, as for a new practice:
this workstation's chart has a key of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from emr_desktop.ui.messages import error_text
from emr_desktop.ui.setup.new_practice import buddy_label, default_workstation_name, show_problem
from emr_desktop.ui.setup.work import Created, Joined, join_practice

if TYPE_CHECKING:
    from emr_desktop.ui.setup.wizard import SetupWizard


class _ProgressRelay(QObject):
    sig_progress_reported = Signal(int, object)
    """Rows downloaded so far and the total (None while unknown); emitted from the worker thread,
    delivered on the GUI thread."""


def choose_ca_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, "The practice hub's CA certificate", "",
        "Certificates (*.pem *.crt *.cer);;All files (*)")
    return path


class JoinPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setObjectName("setupJoinPage")
        self.setTitle("Join the practice hub")
        self.setSubTitle("Ask the practice administrator for the hub's address and a one-time "
                         "enrollment code for this workstation.")
        self.address = QLineEdit()
        self.address.setObjectName("setupHubAddress")
        self.address.setPlaceholderText("https://hub.example.org:8443")
        self.code = QLineEdit()
        self.code.setObjectName("setupEnrollCode")
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX")
        self.ca_file = QLineEdit()
        self.ca_file.setObjectName("setupCaFile")
        self.ca_file.setPlaceholderText("optional: the hub's own CA certificate (.pem)")
        self.browse = QPushButton("B&rowse...")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.browse)
        self.workstation_name = QLineEdit(default_workstation_name())
        self.workstation_name.setObjectName("setupJoinWorkstationName")
        self.progress = QProgressBar()
        self.progress.setObjectName("setupJoinProgress")
        self.progress.hide()
        self.message = QLabel()
        self.message.setObjectName("setupMessage")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(buddy_label("Hub &address", self.address), self.address)
        form.addRow(buddy_label("Enrollment &code", self.code), self.code)
        form.addRow(buddy_label("CA cer&tificate", self.ca_file), ca_row)
        form.addRow(buddy_label("&Workstation name", self.workstation_name), self.workstation_name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._fields: tuple[QWidget, ...] = (self.address, self.code, self.ca_file, self.browse,
                                             self.workstation_name)
        for field in (self.address, self.code, self.workstation_name):
            field.textChanged.connect(lambda _t: self.completeChanged.emit())
        self._relay = _ProgressRelay(self)
        self._relay.sig_progress_reported.connect(self._show_progress)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Join")

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.address.setFocus()

    def _browse(self) -> None:
        path = choose_ca_file(self)
        if path:
            self.ca_file.setText(path)

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return not self._wizard.busy and all(
            f.text().strip() for f in (self.address, self.code, self.workstation_name))

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self._wizard.joined is not None:
            return True
        if self._wizard.busy or not self.isComplete():
            return False
        settings = self._wizard.settings
        address, code = self.address.text(), self.code.text()
        ca_file, name = self.ca_file.text().strip() or None, self.workstation_name.text()
        relay = self._relay

        def work() -> Joined:
            return join_practice(settings, address, code, ca_file=ca_file, workstation_name=name,
                                 progress=lambda done, total: relay.sig_progress_reported.emit(done, total))

        self._set_busy(True)
        self.progress.setRange(0, 0)  # busy until the hub says how much there is
        self.progress.show()
        show_problem(self.message, "Enrolling with the hub and downloading the practice's chart...",
                     "info")
        self._wizard.tasks.run(work, self._joined, self._failed)
        return False

    def _set_busy(self, busy: bool) -> None:
        self._wizard.set_busy(busy)
        for field in self._fields:
            field.setEnabled(not busy)
        self.completeChanged.emit()

    def _show_progress(self, done: int, total: int | None) -> None:
        if not self._wizard.busy:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"{done:,} of {total:,} records")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{done:,} records")

    def _joined(self, joined: Joined) -> None:
        self.code.clear()
        self._wizard.joined = joined
        self._wizard.created = Created(joined.practice_name, "", joined.recovery_code)
        self._set_busy(False)
        self.progress.hide()
        show_problem(self.message, "", "info")
        self._wizard.next()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.progress.hide()
        text = error_text(exc, f"Joining the hub failed ({type(exc).__name__}). "
                               "Nothing was kept on this computer.")
        show_problem(self.message, text)
