"""What every chart tab shares: the context it works in (services, background tasks, the current
user) and the tab base class. Tabs fill themselves from the ChartDTO the chart view loaded; a save
goes through ``ChartContext.run`` (background, audited by the service) and then asks the chart
view to reload, so every tab and the banner show the same state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import EmrError
from emr_desktop.domain.records import ChartDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.tasks import TaskRunner


def error_text(exc: BaseException) -> str:
    """What to tell the user about a failed action (never a traceback, never PHI)."""
    if isinstance(exc, EmrError):
        return exc.full_message()
    return "Something went wrong; nothing was saved. Try again, or ask your administrator."


class ChartContext(QObject):
    """Services, the task runner and the logged-in user, shared by the chart view and its tabs."""

    sig_message_posted = Signal(str)
    """A short message for the status bar: what was saved, or what went wrong."""

    sig_chart_changed = Signal(object)
    """A save changed a patient's chart (carries the patient id); the chart view reloads it."""

    sig_busy_changed = Signal(bool)
    """Background work started (True) or all of it finished (False)."""

    sig_staff_loaded = Signal()
    """Staff names are known (``staff_name`` answers); tables showing names may refresh."""

    def __init__(self, services: Services, tasks: TaskRunner, actor: Actor,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self._actor = actor
        self._running = 0
        self._staff: dict[uuid.UUID, str] = {}
        self.staff_known = False
        self.load_staff_names()

    @property
    def actor(self) -> Actor:
        return self._actor

    def set_actor(self, actor: Actor) -> None:
        """After a log-in at the lock screen or an emergency-access grant."""
        self._actor = actor

    def load_staff_names(self) -> None:
        """Read the staff directory once in the background (names are not PHI)."""
        self.run(self.services.users.staff_directory, self._staff_loaded)

    def _staff_loaded(self, names: dict[uuid.UUID, str]) -> None:
        self._staff = dict(names)
        self.staff_known = True
        self.sig_staff_loaded.emit()

    def staff_name(self, user_id: uuid.UUID | None) -> str:
        """Who a user id is ("Dr. Wei Chen, MD"); an em dash when unknown or not given."""
        if user_id is None:
            return "\u2014"
        return self._staff.get(user_id, "\u2014")

    def run(self, fn: Callable[[Actor], Any], on_done: Callable[[Any], None] | None = None, *,
            saved: str | None = None, changed_patient: uuid.UUID | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run ``fn(actor)`` in the background. On success: ``on_done(result)``, post ``saved`` and,
        when ``changed_patient`` is given, ask for that chart to be reloaded. On failure: post the
        error's message and call ``on_error``."""
        actor = self._actor
        self._started()

        def done(result: Any) -> None:
            self._finished()
            if on_done is not None:
                on_done(result)
            if saved:
                self.sig_message_posted.emit(saved)
            if changed_patient is not None:
                self.sig_chart_changed.emit(changed_patient)

        def failed(exc: BaseException) -> None:
            self._finished()
            self.sig_message_posted.emit(error_text(exc))
            if on_error is not None:
                on_error(exc)

        self.tasks.run(lambda: fn(actor), done, failed)

    def _started(self) -> None:
        self._running += 1
        if self._running == 1:
            self.sig_busy_changed.emit(True)

    def _finished(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.sig_busy_changed.emit(False)


class ChartTab(QWidget):
    """One tab of the chart. Subclasses set ``title`` and ``sections`` and implement
    ``show_chart`` (fill widgets from the DTO, no database) and ``clear_tab`` (drop all PHI)."""

    #: Tab label with a mnemonic, e.g. "&Vitals".
    title: ClassVar[str] = ""
    #: The ChartDTO fields this tab shows; when the role may read none of them the tab says so.
    sections: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chart: ChartDTO | None = None
        self.withheld_label = QLabel("Your role does not give access to this part of the chart.")
        self.withheld_label.setObjectName("withheldNotice")
        self.withheld_label.setWordWrap(True)
        self.withheld_label.hide()
        ctx.sig_staff_loaded.connect(self._staff_loaded)

    # --- what the chart view calls ------------------------------------------------------------

    def set_chart(self, chart: ChartDTO) -> None:
        self.chart = chart
        hidden = bool(self.sections) and all(s in chart.withheld for s in self.sections)
        self.withheld_label.setVisible(hidden)
        self.show_chart(chart)

    def clear_phi(self) -> None:
        self.chart = None
        self.clear_tab()

    def _staff_loaded(self) -> None:
        if self.chart is not None:
            self.show_chart(self.chart)  # names instead of dashes

    # --- for subclasses ------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        raise NotImplementedError

    def clear_tab(self) -> None:
        raise NotImplementedError

    def has_unsaved_changes(self) -> bool:
        """Typed text not saved yet (the chart view asks before it is thrown away)."""
        return False

    def save_unsaved(self) -> None:
        """Save what was typed (as a draft) in the background; e.g. at the idle lock."""

    @property
    def patient_id(self) -> uuid.UUID | None:
        return self.chart.patient.id if self.chart is not None else None

    def save(self, fn: Callable[[Actor], Any], *, saved: str,
             on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run a change for the open chart in the background, then reload the chart."""
        self.ctx.run(fn, on_done, saved=saved, changed_patient=self.patient_id, on_error=on_error)

    def ask_reason(self, title: str, prompt: str) -> str | None:
        """A required reason (stop a medication, mark entered-in-error); None when cancelled."""
        text, ok = QInputDialog.getText(self, title, prompt)
        text = text.strip()
        return text if ok and text else None

    def layout_with_notice(self) -> QVBoxLayout:
        """A vertical layout that starts with the "not for your role" notice."""
        layout = QVBoxLayout(self)
        layout.addWidget(self.withheld_label)
        return layout


def make_table(model: Any, parent: QWidget | None = None, *, stretch_column: int | None = None) -> QTableView:
    """A read-only, row-selecting table the same way everywhere in the chart."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch_column is not None:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


def selected_row(view: QTableView) -> int | None:
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].row() if rows else None
