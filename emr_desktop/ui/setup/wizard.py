"""The first-run wizard, shown when the data folder holds no chart yet: set up a new practice, or
join an existing practice hub; then the recovery key, once. Afterwards the normal log-in appears."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QRadioButton, QVBoxLayout, QWidget, QWizard, QWizardPage

from emr_desktop.config import Settings
from emr_desktop.ui.setup.join_hub import JoinPage
from emr_desktop.ui.setup.new_practice import NewPracticePage, RecoveryKeyPage
from emr_desktop.ui.setup.work import Created, Joined
from emr_desktop.ui.tasks import TaskRunner

CHOOSE_PAGE, NEW_PAGE, JOIN_PAGE, KEY_PAGE = range(4)


@dataclass(frozen=True)
class SetupOutcome:
    practice_name: str
    username: str   # who logs in first ("" when unknown: a joined practice has its own staff)
    joined: bool


class ChoosePage(QWizardPage):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setObjectName("setupChoosePage")
        self.setTitle("Welcome to emr-desktop")
        self.setSubTitle("This computer has no chart yet. How should it be set up?")
        self.new_practice = QRadioButton("Set up a new &practice on this computer")
        self.new_practice.setObjectName("setupChooseNew")
        self.new_practice.setChecked(True)
        self.join = QRadioButton("&Join an existing practice hub (another computer already holds "
                                 "the practice's chart)")
        self.join.setObjectName("setupChooseJoin")
        where = QLabel(f"The chart will be kept, encrypted, in {settings.data_dir}.")
        where.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.new_practice)
        layout.addWidget(self.join)
        layout.addStretch(1)
        layout.addWidget(where)


class SetupWizard(QWizard):
    sig_setup_finished = Signal(object)
    """Set-up is done and a chart exists; carries the SetupOutcome. Emitted before the wizard
    closes, so a log-in window shown in reply keeps the application running."""

    def __init__(self, settings: Settings, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setWindowTitle("emr-desktop - set-up")
        self.settings, self.tasks = settings, tasks
        self.created: Created | None = None
        self.joined: Joined | None = None
        self._busy = False
        self.choose = ChoosePage(settings)
        self.new_page = NewPracticePage(self)
        self.join_page = JoinPage(self)
        self.key_page = RecoveryKeyPage(self)
        self.setPage(CHOOSE_PAGE, self.choose)
        self.setPage(NEW_PAGE, self.new_page)
        self.setPage(JOIN_PAGE, self.join_page)
        self.setPage(KEY_PAGE, self.key_page)
        self.setStartId(CHOOSE_PAGE)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CancelButton, "&Quit")
        self.resize(720, 520)

    def nextId(self) -> int:  # noqa: N802 - Qt API
        current = self.currentId()
        if current == CHOOSE_PAGE:
            return JOIN_PAGE if self.choose.join.isChecked() else NEW_PAGE
        if current in (NEW_PAGE, JOIN_PAGE):
            return KEY_PAGE
        return -1

    @property
    def busy(self) -> bool:
        """A chart is being made or downloaded: the wizard cannot be left now."""
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            button = self.button(which)
            if button is not None:
                button.setEnabled(not busy)

    def workstation_name(self) -> str:
        page = self.join_page if self.joined is not None else self.new_page
        return page.workstation_name.text().strip()

    def outcome(self) -> SetupOutcome | None:
        if self.created is None:
            return None
        return SetupOutcome(self.created.practice_name, self.created.username, self.joined is not None)

    def accept(self) -> None:
        outcome = self.outcome()
        if outcome is not None:
            self.sig_setup_finished.emit(outcome)
        super().accept()

    def reject(self) -> None:
        # Not while a chart is being made, and not before the recovery key was acknowledged: it
        # is never shown again.
        if self._busy or self.currentId() == KEY_PAGE:
            return
        super().reject()

    def done(self, result: int) -> None:
        # The recovery key leaves memory with the wizard (the outcome was sent in accept()).
        self.key_page.clear_key()
        self.created = None
        super().done(result)
