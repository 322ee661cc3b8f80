"""The main window: the patient panel (search, recent patients, today's appointments) on the left,
the open chart on the right, sync state in the status bar. It only arranges and connects the
parts; each part talks to the services through the task runner."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.records import ChartDTO
from emr_desktop.services.registry import Services
from emr_desktop.services.sync_status import SyncStatusDTO
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.conflicts.review import ConflictReviewDialog
from emr_desktop.ui.patients.panel import PatientPanel
from emr_desktop.ui.patients.registration import RegistrationDialog
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.sync_status import SyncStatusWidget

#: Background work shorter than this shows no progress indicator (no flicker on fast actions).
BUSY_INDICATOR_DELAY_MS = 1000
#: How often an idle window folds the database's write-ahead log back into the chart file.
CHECKPOINT_EVERY_MS = 30_000

SHORTCUTS_HELP = """<table>
<tr><td><b>Ctrl+F</b> or <b>F3</b></td><td>Search patients (from anywhere)</td></tr>
<tr><td><b>Enter</b></td><td>Open the first / selected patient</td></tr>
<tr><td><b>Ctrl+N</b></td><td>Register a new patient</td></tr>
<tr><td><b>Ctrl+1 ... Ctrl+9, Ctrl+0</b></td><td>Go to a chart tab (Summary is Ctrl+1)</td></tr>
<tr><td><b>Alt+letter</b></td><td>The button with that underlined letter</td></tr>
<tr><td><b>Ctrl+PgDown / Ctrl+PgUp</b></td><td>Next / previous chart tab</td></tr>
<tr><td><b>F5</b></td><td>Reload the open chart</td></tr>
<tr><td><b>Ctrl+W</b></td><td>Close the chart</td></tr>
<tr><td><b>Ctrl+L</b></td><td>Lock the screen</td></tr>
<tr><td><b>Ctrl+S</b> / <b>Ctrl+Shift+S</b></td><td>Save / sign the note being written</td></tr>
</table>"""


class MainWindow(QMainWindow):
    sig_lock_requested = Signal()
    """The user asked to lock the screen (the session controller locks)."""

    sig_switch_user_requested = Signal()
    """The user asked to hand the workstation to someone else (the session controller logs out)."""

    def __init__(self, services: Services, tasks: TaskRunner, actor: Actor, practice_name: str,
                 *, sync_autostart: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self._services, self._tasks = services, tasks
        self._practice_name = practice_name
        self.locked = False
        self.ctx = ChartContext(services, tasks, actor, self)
        self.panel = PatientPanel(services, tasks, lambda: self.ctx.actor, self)
        self.chart_view = ChartView(self.ctx, self)
        self.welcome = QLabel("Search for a patient (Ctrl+F) or register a new one (Ctrl+N).")
        self.welcome.setObjectName("welcome")
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.chart_view)
        splitter = QSplitter(self)
        splitter.addWidget(self.panel)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 980])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self._review: ConflictReviewDialog | None = None
        self._resume_patient: uuid.UUID | None = None   # the chart open when the screen locked
        self._last_shown: uuid.UUID | None = None       # the patient whose chart was shown last
        self._build_status_bar(services, tasks, sync_autostart)
        self._build_menus()
        self.panel.sig_patient_open_requested.connect(self.open_patient)
        self.panel.sig_registration_requested.connect(self.register_patient)
        self.chart_view.sig_chart_shown.connect(self._chart_shown)
        self.chart_view.sig_chart_closed.connect(self._chart_closed)
        self.ctx.sig_message_posted.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.ctx.sig_busy_changed.connect(self._busy_changed)
        self._checkpoint_timer = QTimer(self, interval=CHECKPOINT_EVERY_MS)
        self._checkpoint_timer.timeout.connect(self.checkpoint_when_idle)
        self._checkpoint_timer.start()
        self._set_title()
        self.resize(1366, 768)
        self.panel.refresh()
        self.panel.focus_search()

    # --- building -----------------------------------------------------------------------------

    def _build_status_bar(self, services: Services, tasks: TaskRunner, autostart: bool) -> None:
        self.busy = QProgressBar(self)
        self.busy.setObjectName("busyIndicator")
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_INDICATOR_DELAY_MS)
        self._busy_timer.timeout.connect(self.busy.show)
        self.sync_status = SyncStatusWidget(services.sync_status, tasks, self, autostart=autostart)
        self.sync_status.sig_review_requested.connect(self.open_conflict_review)
        self.sync_status.sig_status_changed.connect(self._sync_status_changed)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.sync_status)

    def _action(self, menu: object, text: str, slot: object, shortcut: object = None) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(QKeySequence.keyBindings(shortcut))  # every platform binding (Ctrl+W, Ctrl+F4)
        elif isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        # Top-level menus carry no Alt+letter: those letters belong to the buttons of the visible
        # tab (&Add, &Prescribe, &Save...). F10 or Alt alone opens the menu bar.
        bar = self.menuBar()
        patient = bar.addMenu("Patient")
        self.search_action = self._action(patient, "&Search...", self.panel.focus_search,
                                          [QKeySequence(QKeySequence.StandardKey.Find), QKeySequence("F3")])
        self._action(patient, "&New patient...", self.register_patient, QKeySequence.StandardKey.New)
        patient.addSeparator()
        self._action(patient, "&Reload chart", self.chart_view.reload, QKeySequence.StandardKey.Refresh)
        self._action(patient, "&Close chart", self.close_chart, QKeySequence.StandardKey.Close)
        self.emergency_action = self._action(patient, "&Emergency access...", self.chart_view.ask_emergency_access)
        self.emergency_action.setEnabled(False)
        session = bar.addMenu("Session")
        self._action(session, "&Lock screen", self.sig_lock_requested.emit, "Ctrl+L")
        self._action(session, "S&witch user...", self.sig_switch_user_requested.emit)
        session.addSeparator()
        self._action(session, "&Quit", self.close, [QKeySequence("Ctrl+Q")])
        sync = bar.addMenu("Sync")
        self._action(sync, "&Review conflicts...", self.open_conflict_review)
        self._action(sync, "&Refresh status", self.sync_status.refresh)
        help_menu = bar.addMenu("Help")
        self._action(help_menu, "&Keyboard shortcuts", self._show_shortcuts, QKeySequence.StandardKey.HelpContents)
        menus = QShortcut(QKeySequence("F10"), self)
        menus.activated.connect(lambda: (bar.setFocus(), bar.setActiveAction(patient.menuAction())))

    # --- patients and charts ------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    def open_patient(self, patient_id: uuid.UUID) -> None:
        if patient_id != self.chart_view.patient_id and not self.chart_view.confirm_leave():
            return
        self.chart_view.open_patient(patient_id)

    def _chart_shown(self, chart: ChartDTO) -> None:
        self.stack.setCurrentWidget(self.chart_view)
        self.emergency_action.setEnabled(bool(chart.withheld))
        if chart.patient.id != self._last_shown:   # a reload after a save changes no list
            self._last_shown = chart.patient.id
            self.panel.refresh()

    def close_chart(self) -> None:
        if not self.chart_view.confirm_leave():
            return
        self.chart_view.clear_phi()
        self.panel.focus_search()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.locked and not self.chart_view.confirm_leave():
            event.ignore()
            return
        super().closeEvent(event)

    def _chart_closed(self) -> None:
        self._last_shown = None
        self.emergency_action.setEnabled(False)
        self.stack.setCurrentWidget(self.welcome)

    def register_patient(self) -> None:
        dialog = RegistrationDialog(self._services, self._tasks, self.ctx.actor, self)
        try:
            if dialog.exec() != RegistrationDialog.DialogCode.Accepted:
                return
            chosen = dialog.open_existing_id or (dialog.registered.id if dialog.registered else None)
        finally:
            dialog.deleteLater()
        if chosen is not None:
            self.open_patient(chosen)

    # --- status --------------------------------------------------------------------------------

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.hide()

    def checkpoint_when_idle(self) -> bool:
        """Fold the write-ahead log into the chart file while nobody waits for the database, so a
        save never pays for it (SQLite would otherwise do it inside a user's commit)."""
        if self._tasks.pending:
            return False
        self._tasks.run(self._services.db.checkpoint, lambda _pages: None, lambda _exc: None)
        return True

    def _sync_status_changed(self, status: SyncStatusDTO) -> None:
        last = status.last_sync
        if not status.enrolled:
            text = "Not connected to a practice hub"
        elif last is None:
            text = "Not synced yet"
        else:
            text = f"Last synced {last.astimezone():%H:%M}"
        if status.online is False:
            text += " (offline)"
        self.chart_view.banner.set_sync_text(text)

    def open_conflict_review(self) -> None:
        """The conflict review screen (non-modal; closed at the idle lock)."""
        if self._review is None:
            self._review = ConflictReviewDialog(self._services, self._tasks, self.ctx.actor, self)
            self._review.sig_conflict_resolved.connect(self._conflict_resolved)
            self._review.finished.connect(self._forget_review)
        self._review.show()
        self._review.raise_()

    def _conflict_resolved(self, conflict: object) -> None:
        self.sync_status.refresh()
        patient_id = getattr(conflict, "patient_id", None)
        if patient_id is not None and patient_id == self.chart_view.patient_id:
            self.chart_view.reload()

    def _forget_review(self) -> None:
        if self._review is not None:
            self._review.clear_phi()
            self._review.deleteLater()
            self._review = None

    def _show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HELP)

    # --- session: lock, unlock, switch ---------------------------------------------------------

    def _set_title(self) -> None:
        who = self.ctx.actor.display_name or self.ctx.actor.username
        self.setWindowTitle(f"emr-desktop - {self._practice_name} - {who}")

    def clear_phi(self) -> None:
        """Remove every patient detail from the widgets (idle lock, user switch), including any
        dialog or question open over the window."""
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()   # ends a modal exec() too; nothing in it is saved
        self.chart_view.clear_phi()
        self.panel.clear_phi()
        self.stack.setCurrentWidget(self.welcome)
        self.statusBar().clearMessage()
        if self._review is not None:
            self._review.close()
            self._forget_review()

    def lock(self) -> None:
        """Idle lock: clear PHI, hide the window, log the session out, ask for a log-in."""
        if self.locked:
            return
        self.locked = True
        self._resume_patient = self.chart_view.patient_id
        self.chart_view.save_unsaved()   # a note being written is kept as a draft, saved before logout
        self.clear_phi()
        self.hide()
        previous = self.ctx.actor
        self._tasks.run(lambda: self._services.users.logout(previous, reason="idle"),
                        lambda _r: None, lambda _e: None)

    def unlock(self, actor: Actor) -> None:
        """The same user resumes; a different user starts a session of their own."""
        same_user = actor.user_id == self.ctx.actor.user_id
        if not same_user:
            self.clear_phi()
        self.ctx.set_actor(actor)
        self._set_title()
        self.locked = False
        self.show()
        self.panel.refresh()
        self.panel.focus_search()
        resume, self._resume_patient = self._resume_patient, None
        if same_user and resume is not None:
            self.open_patient(resume)  # back where they were, read afresh (and audited) for them
