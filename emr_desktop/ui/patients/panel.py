"""The main window's patient panel: search as you type (name, date of birth, MRN or phone), and,
while the search field is empty, the user's recent patients and today's appointments.

Everything is read through the task runner; a result that arrives after the user typed on (or after
``clear_phi``) is dropped, so the table always matches the text in the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.records import DayRow, PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import error_text, make_table, selected_row
from emr_desktop.ui.qt_models.appointments import Column as DayColumn
from emr_desktop.ui.qt_models.appointments import DaySheetModel
from emr_desktop.ui.qt_models.patients import Column as PatientColumn
from emr_desktop.ui.qt_models.patients import PatientTableModel
from emr_desktop.ui.tasks import TaskRunner

SEARCH_DEBOUNCE_MS = 150
RECENT_ROWS_SHOWN = 10
#: Columns a narrow panel drops first (the tooltip or the chart still has them), with the width
#: (px) below which each is hidden.
_NARROW_RESULTS = ((PatientColumn.SEX, 640), (PatientColumn.PHONE, 520))
_NARROW_DAY = ((DayColumn.ROOM, 640), (DayColumn.REASON, 560))  # the visit type stays: short and telling
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_PATIENT_ROLE = Qt.ItemDataRole.UserRole


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class PatientPanel(QWidget):
    sig_patient_open_requested = Signal(object)
    """The user chose a patient (search result, recent patient or appointment); carries the id."""

    sig_registration_requested = Signal()
    """The user asked to register a new patient."""

    def __init__(self, services: Services, tasks: TaskRunner, actor_provider: Callable[[], Actor],
                 parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.setObjectName("patientPanel")
        self._services, self._tasks, self._actor = services, tasks, actor_provider
        self._today = today
        self._search_gen = 0       # bumped for every new query and by clear_phi
        self._requested_gen = -1   # the generation of the last search started
        self._shown_gen = -1       # the generation whose results the table shows
        self._home_gen = 0         # bumped by refresh and clear_phi
        self._open_when_ready = False

        self.search = QLineEdit()
        self.search.setObjectName("patientSearch")
        self.search.setPlaceholderText("Search name, DOB, MRN or phone  (Ctrl+F)")
        self.search.setAccessibleName("Patient search")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(100)
        self.new_patient = QPushButton("&New patient…")
        self.new_patient.setObjectName("newPatientButton")
        self.new_patient.setToolTip("Register a new patient (checks for possible duplicates first)")
        self.new_patient.clicked.connect(self.sig_registration_requested.emit)

        self.results_model = PatientTableModel(self, today=today)
        self.results = make_table(self.results_model, stretch_column=PatientColumn.NAME)
        self.results.setObjectName("patientResults")
        self.results.setAccessibleName("Search results")
        self.status = QLabel("")
        self.status.setObjectName("patientSearchStatus")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)

        self.recent = QListWidget()
        self.recent.setObjectName("recentPatients")
        self.recent.setAccessibleName("Recent patients")
        self.recent_label = _heading("&Recent patients")
        self.recent_label.setBuddy(self.recent)
        self.day_model = DaySheetModel(self)
        self.appointments = make_table(self.day_model, stretch_column=DayColumn.PATIENT)
        self.appointments.setObjectName("todaysAppointments")
        self.appointments.setAccessibleName("Today's appointments")
        self.appointments_label = _heading("&Today's appointments")
        self.appointments_label.setBuddy(self.appointments)
        self.hint = QLabel("Type a name, date of birth, MRN or phone number to find a patient.")
        self.hint.setObjectName("welcome")
        self.hint.setWordWrap(True)

        self.home = QWidget()
        home = QVBoxLayout(self.home)
        home.setContentsMargins(0, 0, 0, 0)
        for widget in (self.recent_label, self.recent, self.appointments_label, self.appointments):
            home.addWidget(widget)
        home.addWidget(self.hint)
        home.setStretchFactor(self.appointments, 1)
        home.addStretch(0)  # takes the room the day sheet leaves when there is none
        self._home_layout = home
        self.recent.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        below = QHBoxLayout()
        below.addWidget(self.status, 1)
        below.addWidget(self.new_patient, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(below)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.home, 1)
        self.setTabOrder(self.search, self.new_patient)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._text_changed)
        for widget in (self.search, self.results, self.recent, self.appointments):
            widget.installEventFilter(self)
        self.results.activated.connect(lambda index: self._open_row(index.row()))
        self.recent.itemActivated.connect(self._open_recent)
        self.appointments.activated.connect(lambda index: self._open_day_row(index.row()))
        self._fit_recent()
        self._fit_columns()
        self._show_mode()

    # --- public ------------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the search field with its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """Reload the recent patients and today's appointments in the background."""
        self._home_gen += 1
        gen = self._home_gen
        actor = self._actor()
        patients, appointments = self._services.patients, self._services.appointments
        day = self._today()
        self._tasks.run(lambda: patients.recent(actor), lambda rows: self._show_recent(gen, rows),
                        lambda _exc: self._show_recent(gen, []))
        self._tasks.run(lambda: appointments.day_sheet(actor, day), lambda rows: self._show_day(gen, rows),
                        lambda _exc: self._show_day(gen, []))

    def clear_phi(self) -> None:
        """Idle lock or user switch: forget every result and drop any still on its way."""
        self._debounce.stop()
        self._search_gen += 1
        self._home_gen += 1
        self._open_when_ready = False
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.results_model.clear()
        self.recent.clear()
        self.day_model.clear()
        self.status.clear()
        self._show_mode()

    # --- search ------------------------------------------------------------------------------

    def _text_changed(self, text: str) -> None:
        self._search_gen += 1  # whatever is on its way now is stale
        self._open_when_ready = False
        if text.strip():
            self._debounce.start()
        else:
            self._debounce.stop()
            self.results_model.clear()
            self.status.clear()
            self.refresh()
        self._show_mode()

    def _run_search(self) -> None:
        query = self.search.text().strip()
        if not query:
            return
        gen = self._requested_gen = self._search_gen
        actor = self._actor()
        patients = self._services.patients
        self._tasks.run(lambda: patients.search(actor, query), lambda rows: self._show_results(gen, rows),
                        lambda exc: self._search_failed(gen, exc))

    def _show_results(self, gen: int, rows: list[PatientDTO]) -> None:
        if gen != self._search_gen:
            return  # the user typed on; a newer search is coming
        self._shown_gen = gen
        self.results_model.set_rows(rows)
        self._fit_columns()
        if rows:
            self.results.selectRow(0)
        self.status.setText(f"{len(rows)} patient{'s' if len(rows) != 1 else ''} found" if rows else
                            "No patient found. Check the spelling, try the date of birth "
                            "(MM/DD/YYYY), or register a new patient.")
        if self._open_when_ready:
            self._open_when_ready = False
            self._open_selected_result()

    def _search_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._search_gen:
            return
        self._open_when_ready = False
        self.results_model.clear()
        self.status.setText(error_text(exc))

    def _enter_in_search(self) -> None:
        if not self.search.text().strip():
            return
        if self._debounce.isActive() or self._shown_gen != self._search_gen:
            # results for this text are not in yet: search now and open the first when they are
            self._debounce.stop()
            self._open_when_ready = True
            if self._requested_gen != self._search_gen:
                self._run_search()
            return
        self._open_selected_result()

    def _open_selected_result(self) -> None:
        if not self.results_model.rowCount():
            return
        row = selected_row(self.results)
        self._open_row(0 if row is None else row)

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.results_model.rowCount():
            self.sig_patient_open_requested.emit(self.results_model.row_at(row).id)

    # --- recent and today ----------------------------------------------------------------------

    def _show_recent(self, gen: int, rows: list[PatientDTO]) -> None:
        if gen != self._home_gen:
            return
        self.recent.clear()
        today = self._today()
        for p in rows:
            item = QListWidgetItem(f"{p.display_name}   {p.birth_date:%m/%d/%Y} ({p.age_on(today)} y)"
                                   f"   MRN {p.mrn}")
            item.setData(_PATIENT_ROLE, p.id)
            self.recent.addItem(item)
        if rows:
            self.recent.setCurrentRow(0)
        self._fit_recent()
        self._show_mode()

    def _show_day(self, gen: int, rows: list[DayRow]) -> None:
        if gen != self._home_gen:
            return
        self.day_model.set_rows(rows)
        self._fit_columns()
        self._show_mode()

    def _open_recent(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            patient_id: uuid.UUID = item.data(_PATIENT_ROLE)
            self.sig_patient_open_requested.emit(patient_id)

    def _open_day_row(self, row: int) -> None:
        if 0 <= row < self.day_model.rowCount():
            self.sig_patient_open_requested.emit(self.day_model.row_at(row).patient.id)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        width = self.width()
        for view, narrow in ((self.results, _NARROW_RESULTS), (self.appointments, _NARROW_DAY)):
            for column, below in narrow:
                view.setColumnHidden(column, width < below)

    def _fit_recent(self) -> None:
        """The recent list is as tall as its rows (up to RECENT_ROWS_SHOWN), the day sheet gets the rest."""
        rows = min(self.recent.count(), RECENT_ROWS_SHOWN)
        row_height = self.recent.sizeHintForRow(0) if rows else 0
        self.recent.setFixedHeight(rows * row_height + 2 * self.recent.frameWidth() + 4)

    def _show_mode(self) -> None:
        searching = bool(self.search.text().strip())
        self.results.setVisible(searching)
        self.status.setVisible(searching)
        self.home.setVisible(not searching)
        has_recent, has_day = self.recent.count() > 0, self.day_model.rowCount() > 0
        self.recent_label.setVisible(has_recent)
        self.recent.setVisible(has_recent)
        self.appointments_label.setVisible(has_day)
        self.appointments.setVisible(has_day)
        self.hint.setVisible(not has_recent and not has_day)
        self._home_layout.setStretch(self._home_layout.count() - 1, 0 if has_day else 1)

    # --- keyboard ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self.search:
            return self._search_key(key)
        if key in _ENTER and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if watched is self.results:
                self._open_selected_result()
                return True
            if watched is self.recent:
                self._open_recent(self.recent.currentItem())
                return True
            if watched is self.appointments:
                index = self.appointments.currentIndex()
                if index.isValid():
                    self._open_day_row(index.row())
                return True
        if key == Qt.Key.Key_Up and watched is self.results and self.results.currentIndex().row() <= 0:
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _search_key(self, key: int) -> bool:
        if key in _ENTER:
            self._enter_in_search()
            return True
        if key == Qt.Key.Key_Escape and self.search.text():
            self.search.clear()
            return True
        if key == Qt.Key.Key_Down:
            return self._focus_first_of(self.results if self.results.isVisible() and
                                        self.results_model.rowCount() else None)
        return False

    def _focus_first_of(self, view: QAbstractItemView | None) -> bool:
        if view is None:
            if self.recent.isVisible() and self.recent.count():
                self.recent.setFocus(Qt.FocusReason.OtherFocusReason)
                if self.recent.currentRow() < 0:
                    self.recent.setCurrentRow(0)
                return True
            if self.appointments.isVisible() and self.day_model.rowCount():
                view = self.appointments
            else:
                return False
        view.setFocus(Qt.FocusReason.OtherFocusReason)
        if selected_row(view) is None:  # type: ignore[arg-type]
            view.selectRow(0)  # type: ignore[attr-defined]
        return True

    # --- for tests and the main window ---------------------------------------------------------

    @property
    def showing_results(self) -> bool:
        """True when the table holds the results for exactly the text in the search field."""
        return self._shown_gen == self._search_gen and not self._debounce.isActive()

    def result_ids(self) -> list[Any]:
        return [self.results_model.row_at(r).id for r in range(self.results_model.rowCount())]
