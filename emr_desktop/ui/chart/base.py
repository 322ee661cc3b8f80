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
from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.records import ChartDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.messages import error_text
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.forms import FormDialog


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
    ``show_chart`` (fill widgets from the DTO, no database) and ``clear_tab`` (drop all PHI).
    Entry dialogs open with ``open_dialog``; ``self.dialog`` is the one open (or being saved)."""

    sig_print_requested = Signal(str, object)
    """The user asked to print a document: its kind ("visit-summary", "prescription") and the
    record ids it is built from (a tuple of UUIDs). The chart view opens the print preview."""

    #: Tab label with a mnemonic, e.g. "&Vitals".
    title: ClassVar[str] = ""
    #: The ChartDTO fields this tab shows; when the role may read none of them the tab says so.
    sections: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chart: ChartDTO | None = None
        self.dialog: FormDialog | None = None
        self._dialog_patient: uuid.UUID | None = None
        self.withheld_label = QLabel("Your role does not give access to this part of the chart.")
        self.withheld_label.setObjectName("withheldNotice")
        self.withheld_label.setWordWrap(True)
        self.withheld_label.hide()
        ctx.sig_staff_loaded.connect(self._staff_loaded)

    # --- what the chart view calls ------------------------------------------------------------

    def set_chart(self, chart: ChartDTO) -> None:
        if self.dialog is not None and self._dialog_patient != chart.patient.id:
            self.close_dialog()  # opened for another patient
        self.chart = chart
        hidden = bool(self.sections) and all(s in chart.withheld for s in self.sections)
        self.withheld_label.setVisible(hidden)
        self.show_chart(chart)

    def clear_phi(self) -> None:
        self.chart = None
        self.close_dialog()
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
             on_error: Callable[[BaseException], None] | None = None,
             dialog: FormDialog | None = None) -> None:
        """Run a change for the open chart in the background, then reload the chart. With the
        ``dialog`` the values came from: it closes once saved, and shows the service's message
        (``reopen_on_refusal``) when the save is refused."""
        if dialog is not None:
            on_done = self._dialog_saved(dialog, on_done)
            on_error = on_error or self.reopen_on_refusal(dialog)
        self.ctx.run(fn, on_done, saved=saved, changed_patient=self.patient_id, on_error=on_error)

    # --- entry dialogs -------------------------------------------------------------------------

    def open_dialog(self, dialog: FormDialog, on_accepted: Callable[[], None]) -> None:
        """Open an entry dialog window-modal as ``self.dialog``. When the user saves complete input,
        ``on_accepted`` reads its values and saves them with ``self.save(..., dialog=dialog)``. The
        dialog is forgotten when saved, cancelled, or closed by ``clear_phi``."""
        self.close_dialog()
        self.dialog = dialog
        self._dialog_patient = self.patient_id
        if dialog.stays_open:
            dialog.sig_values_submitted.connect(lambda _values: on_accepted())
        else:
            dialog.accepted.connect(on_accepted)
        dialog.rejected.connect(lambda: self._forget_dialog(dialog))
        dialog.open()

    def reopen_on_refusal(self, dialog: FormDialog) -> Callable[[BaseException], None]:
        """What to do when the service refuses the dialog's values: show its message in the dialog
        (opened again if it closed on Save), unless the chart or the dialog changed meanwhile."""
        patient_id = self.patient_id

        def again(exc: BaseException) -> None:
            if self.dialog is dialog and self.patient_id == patient_id:
                dialog.show_error(error_text(exc))
                if not dialog.isVisible():
                    dialog.open()
        return again

    def close_dialog(self) -> None:
        """Cancel the entry dialog, if one is open or being saved."""
        dialog = self.dialog
        if dialog is not None:
            dialog.reject()
            self._forget_dialog(dialog)

    def _dialog_saved(self, dialog: FormDialog,
                      then: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            if self.dialog is dialog:
                dialog.close_saved()
                self._forget_dialog(dialog)
            if then is not None:
                then(result)
        return done

    def _forget_dialog(self, dialog: FormDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
            dialog.deleteLater()

    def ask_reason(self, title: str, prompt: str) -> str | None:
        """A required reason (stop a medication, mark entered-in-error); None when cancelled."""
        text, ok = QInputDialog.getText(self, title, prompt)
        text = text.strip()
        return text if ok and text else None

    def mark_record_entered_in_error(self, set_record_status: Callable[..., Any], record_id: uuid.UUID,
                                     question: str, *, saved: str) -> None:
        """Ask why the record is wrong (``question``), then mark it entered in error through the
        service's ``set_record_status``; nothing happens when no reason is given."""
        reason = self.ask_reason("Mark entered in error", question)
        if reason is not None:
            self.save(lambda actor: set_record_status(actor, record_id, RecordStatus.ENTERED_IN_ERROR, reason),
                      saved=saved)

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


def selected_record(view: QTableView) -> Any | None:
    """The DTO of the selected row of a table over a ``DtoTableModel``; None when none is selected."""
    row = selected_row(view)
    return view.model().row_at(row) if row is not None else None  # type: ignore[attr-defined]


def select_record(view: QTableView, record_id: uuid.UUID | None) -> None:
    """Select the row of the record with ``record_id`` again (after the rows were replaced)."""
    if record_id is None:
        return
    model: Any = view.model()
    for row in range(model.rowCount()):
        if model.row_at(row).id == record_id:
            view.selectRow(row)
            return
