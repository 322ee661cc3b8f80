"""Composition root: builds settings, the store, services and the window, and passes them in.

Start-up never blocks the GUI thread: ``start_gui`` shows the log-in window at once (or the
first-run wizard when the data folder has no chart) and opens the chart in the background (key
lookup, SQLCipher key check and page verification, migrations, the services, sync). Log-in is
enabled when that is done; if it fails, the log-in window says why and only Quit is left.
``run_gui`` = ``start_gui`` + the event loop; the start-up benchmark probe reuses ``start_gui``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from emr_desktop.config import Settings
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import EmrError
from emr_desktop.ui.login import LoginDialog, WorkstationMemory
from emr_desktop.ui.messages import error_text
from emr_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.domain.records import PracticeDTO
    from emr_desktop.services.registry import Services
    from emr_desktop.ui.idle import IdleLock
    from emr_desktop.ui.session import SessionController
    from emr_desktop.ui.setup import SetupOutcome, SetupWizard

log = logging.getLogger(__name__)
APP_TITLE = "emr-desktop"


def main_window_class() -> type:
    """The main window: constructor (services, tasks, actor, practice_name); lock(), unlock(actor),
    clear_phi(), show()."""
    from emr_desktop.ui.main_window import MainWindow

    return MainWindow


@dataclass
class _Opened:
    store: ChartStore
    services: Services
    practice: PracticeDTO | None
    agent: Any


class StartedApp(QObject):
    """One run of the desktop app, from the first window to quitting."""

    sig_store_opened = Signal()
    """The chart is open and the services are built: log-in is enabled."""
    sig_start_failed = Signal(str)
    """The chart could not be opened; carries the message the log-in window shows."""
    sig_logged_in = Signal(object)
    """Someone logged in and the main window is shown; carries their Actor."""

    def __init__(self, app: QApplication, settings: Settings) -> None:
        super().__init__()
        self.app, self.settings = app, settings
        self.tasks = TaskRunner(self)
        self.memory = WorkstationMemory(settings.data_dir)
        self.wizard: SetupWizard | None = None
        self.login: LoginDialog | None = None
        self.store: ChartStore | None = None
        self.services: Services | None = None
        self.practice: PracticeDTO | None = None
        self.agent: Any = None
        self.window: Any = None
        self.idle: IdleLock | None = None
        self.session: SessionController | None = None
        self.error: str | None = None
        self._opened_in_worker: _Opened | None = None

    @property
    def practice_name(self) -> str:
        return self.practice.name if self.practice is not None else (self.memory.practice_name or APP_TITLE)

    # --- first run -------------------------------------------------------------------------------

    def show_setup(self) -> None:
        from emr_desktop.ui.setup import SetupWizard

        self.wizard = SetupWizard(self.settings, self.tasks)
        self.wizard.sig_setup_finished.connect(self._set_up)
        self.wizard.show()

    def _set_up(self, outcome: SetupOutcome) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is not None:
            wizard.finished.connect(wizard.deleteLater)
        if outcome.practice_name:
            self.memory.remember_practice(outcome.practice_name)
        if outcome.username:
            self.memory.remember_username(outcome.username)
        self.show_login()

    # --- log-in while the chart opens ------------------------------------------------------------

    def show_login(self) -> None:
        self.login = LoginDialog(None, self.tasks, self.memory.practice_name, memory=self.memory)
        self.login.set_opening()
        self.login.sig_logged_in.connect(self._logged_in)
        self.login.show()
        # After the first paint: the window is up before the chart's imports and key work start.
        QTimer.singleShot(0, self._open_chart)

    def _open_chart(self) -> None:
        settings = self.settings

        def work() -> _Opened:
            from emr_desktop.db.store import ChartStore
            from emr_desktop.security.keystore import KeyStore
            from emr_desktop.services.registry import Services

            store = ChartStore.open(settings, KeyStore())
            try:
                import emr_desktop.ui.main_window  # noqa: F401 - import the chart's modules here, not after log-in

                services = Services.build(store.db)
                practice = services.practice.current()
                agent = _start_sync(store)
                services.sync_status.agent = agent
            except BaseException:
                store.close()
                raise
            opened = _Opened(store, services, practice, agent)
            self._opened_in_worker = opened  # closed by close() even if the app quits first
            return opened

        self.tasks.run(work, self._chart_opened, self._chart_failed)

    def _chart_opened(self, opened: _Opened) -> None:
        self.store, self.services, self.practice, self.agent = (
            opened.store, opened.services, opened.practice, opened.agent)
        if self.practice is not None:
            self.memory.remember_practice(self.practice.name)
        if self.login is not None:
            self.login.set_ready(opened.services, self.practice_name)
        self.sig_store_opened.emit()

    def _chart_failed(self, exc: BaseException) -> None:
        if isinstance(exc, EmrError):
            text = exc.full_message()
        else:
            log.error("the chart could not be opened: %s", type(exc).__name__)
            text = (f"The chart could not be opened ({type(exc).__name__}). It was not changed.\n"
                    "Run `emr-desktop check` for details, or ask your practice administrator.")
        self.error = text
        if self.login is not None:
            self.login.set_failed(text)
        self.sig_start_failed.emit(text)

    # --- after log-in ----------------------------------------------------------------------------

    def _logged_in(self, actor: Actor) -> None:
        from emr_desktop.ui.idle import IdleLock
        from emr_desktop.ui.session import SessionController

        assert self.services is not None and self.store is not None
        name = self.practice_name
        self.window = main_window_class()(self.services, self.tasks, actor, name)
        minutes = self.practice.idle_lock_minutes if self.practice else self.settings.idle_lock_minutes
        self.idle = IdleLock(60 * minutes, parent=self)
        self.app.installEventFilter(self.idle)
        self.session = SessionController(self.services, self.tasks, self.window, self.idle, name,
                                         actor=actor, memory=self.memory)
        self.session.sig_quit_requested.connect(self.app.quit)
        # The main window's Lock / Switch user actions, when it has them.
        session = self.session
        for signal, slot in (("sig_lock_requested", lambda *_: session.lock()),
                             ("sig_switch_user_requested", lambda *_: session.switch_user())):
            if hasattr(self.window, signal):
                getattr(self.window, signal).connect(slot)
        self.window.show()  # before the log-in window closes, so the app keeps running
        if self.login is not None:
            self.login.finished.connect(self.login.deleteLater)
            self.login = None
        if not self.settings.wants_full_verify(self.settings.db_path.stat().st_size):
            # Large chart: pages were spot-checked at open; verify all of them in the background.
            self.tasks.run(self.store.verify_pages, lambda _r: None, self._damaged)
        self.sig_logged_in.emit(actor)

    def _damaged(self, exc: BaseException) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self.session is not None:
            self.session.lock()
        text = error_text(exc, "The chart could not be verified.")
        QMessageBox.critical(None, APP_TITLE, text)
        self.app.quit()

    # --- the end ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop sync, let background work finish, close the chart, drop the windows."""
        self.tasks.wait_for_idle()
        if self.idle is not None:
            self.app.removeEventFilter(self.idle)
        for widget in (self.window, self.login, self.wizard):
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        if self.session is not None and self.session.login_dialog is not None:
            self.session.login_dialog.hide()
            self.session.login_dialog.deleteLater()
        opened = self._opened_in_worker
        self._opened_in_worker = None
        if opened is not None:
            if opened.agent is not None:
                opened.agent.stop()
            opened.store.close()


def start_gui(settings: Settings) -> StartedApp:
    """Create the application and show its first window (log-in, or the first-run wizard);
    returns at once, with the chart opening in the background."""
    from emr_desktop.ui.style import apply_style, prepare_high_dpi

    if QApplication.instance() is None:
        prepare_high_dpi()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_TITLE)
    apply_style(app)
    started = StartedApp(app, settings)
    if settings.db_path.exists() or settings.store_meta_path.exists():  # else: first run
        started.show_login()
    else:
        started.show_setup()
    return started


def run_gui(settings: Settings) -> int:
    started = start_gui(settings)
    try:
        code = started.app.exec()
    finally:
        started.close()
    return 1 if started.error is not None else code


def _start_sync(store: object) -> object | None:
    """Background sync when this workstation is enrolled with a hub: on a timer and after each save."""
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.sync.agent import SyncAgent
    from emr_desktop.sync.client import is_enrolled
    from emr_desktop.sync.enroll import client_for

    if not is_enrolled(store.db):  # type: ignore[attr-defined]
        return None
    agent = SyncAgent(lambda: client_for(store, KeyStore()))  # type: ignore[arg-type]
    store.db.change_listeners.append(agent.nudge)  # type: ignore[attr-defined]
    agent.start()
    return agent
