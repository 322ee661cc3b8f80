"""Pick one code (ICD-10-CM, CVX) by typing: results follow the text as you type.

Searches run in the background (``TaskRunner``); only the answer to the latest text is shown. The
arrow keys move in the results while the cursor stays in the search field, Enter (or a double
click) takes the highlighted code, Escape cancels. ``selected`` holds the chosen ``Code``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.terminology import Code
from emr_desktop.ui.chart.base import error_text, make_table
from emr_desktop.ui.qt_models.codes import CodeTableModel, Column
from emr_desktop.ui.tasks import TaskRunner

#: Wait this long after the last keystroke before searching (ms).
DEBOUNCE_MS = 150
_NAVIGATION_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


class CodePickerDialog(QDialog):
    """``search_fn(text) -> list[Code]`` runs on a worker; ``is_ready()`` says whether the code list
    is loaded (when not, the first search says "Loading code list…")."""

    sig_results_shown = Signal(int)
    """Results for the current text are in the table (carries how many)."""

    def __init__(self, search_fn: Callable[[str], list[Code]], tasks: TaskRunner, title: str,
                 parent: QWidget | None = None, *, is_ready: Callable[[], bool] | None = None,
                 initial_text: str = "", placeholder: str = "Type a code or words of the description") -> None:
        super().__init__(parent)
        self.setObjectName("codePicker")
        self.setWindowTitle(title)
        self.selected: Code | None = None
        self._search_fn = search_fn
        self._tasks = tasks
        self._is_ready = is_ready or (lambda: True)
        self._generation = 0        # bumped for every search; answers to older ones are dropped
        self._shown_generation = -1
        self._accept_when_shown = False
        self._closed = False

        self.field = QLineEdit(initial_text)
        self.field.setObjectName("codeSearchField")
        self.field.setPlaceholderText(placeholder)
        self.field.setClearButtonEnabled(True)
        label = QLabel("&Search:")
        label.setBuddy(self.field)
        self.model = CodeTableModel(self)
        self.table = make_table(self.model, self, stretch_column=Column.DESCRIPTION)
        self.table.setObjectName("codeResults")
        self.table.horizontalHeader().setSectionResizeMode(Column.NOTE, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().resizeSection(Column.NOTE, 160)
        self.status = QLabel("")
        self.status.setObjectName("codePickerStatus")
        buttons = QDialogButtonBox()
        self.select_button = buttons.addButton("&Select", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.select_button.setDefault(True)
        self.select_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(760, 460)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start_search)
        self.field.textChanged.connect(self._text_changed)
        self.field.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_button())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.destroyed.connect(self._mark_closed)
        self.field.setFocus()
        self._start_search()

    def _mark_closed(self) -> None:
        self._closed = True

    # --- searching ----------------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        """A search for the current text is waiting or running."""
        return self._timer.isActive() or self._shown_generation != self._generation

    def _text_changed(self) -> None:
        self._generation += 1  # whatever is running now answers an older text
        self._timer.start()

    def _start_search(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation, text = self._generation, self.field.text()
        if text.strip() and not self._is_ready():
            self.status.setText("Loading code list…")
        elif text.strip():
            self.status.setText("Searching…")
        self._tasks.run(lambda: self._search_fn(text),
                        lambda codes: self._show(generation, codes),
                        lambda exc: self._failed(generation, exc))

    def _show(self, generation: int, codes: list[Code]) -> None:
        if self._closed or generation != self._generation:
            return  # the text changed since; a newer answer is on its way
        self._shown_generation = generation
        self.model.set_rows(codes)
        self.table.setColumnHidden(Column.NOTE, not any(c.detail for c in codes))
        if codes:
            self.table.selectRow(0)
            self.table.scrollToTop()
        self._update_button()
        if not codes:
            self.status.setText("No matching codes." if self.field.text().strip() else "")
        else:
            self.status.setText(f"{len(codes)} code{'s' if len(codes) != 1 else ''} - "
                                "↑/↓ to move, Enter to select")
        self.sig_results_shown.emit(len(codes))
        if self._accept_when_shown:
            self._accept_when_shown = False
            if codes:
                self.accept()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if self._closed or generation != self._generation:
            return
        self._shown_generation = generation
        self._accept_when_shown = False
        self.model.clear()
        self._update_button()
        self.status.setText(error_text(exc))

    def _update_button(self) -> None:
        self.select_button.setEnabled(self._current() is not None)

    def _current(self) -> Code | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.row_at(index.row())

    # --- keys and closing ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _NAVIGATION_KEYS and self.model.rowCount():
                # The table moves its current row; the cursor stays in the field.
                QApplication.sendEvent(self.table, QKeyEvent(event.type(), event.key(), event.modifiers()))
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept()  # also before the results are in (the Select button is off then)
                return True
        return super().eventFilter(watched, event)

    def accept(self) -> None:
        if self.pending and self.field.text().strip():
            self._accept_when_shown = True  # Enter typed before the results: take the first one
            if self._timer.isActive():
                self._start_search()
            return
        code = self._current()
        if code is None:
            return
        self.selected = code
        self._closed = True
        super().accept()

    def reject(self) -> None:
        self._closed = True
        self._timer.stop()
        super().reject()
