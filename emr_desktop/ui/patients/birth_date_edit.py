"""A date-of-birth field that starts blank, can be typed (03151982, 3/15/1982, 03/15/1982) or
picked from a calendar, and never turns a half-typed entry into a real-looking date.

QDateEdit has no empty state: its "special value text" cannot be typed over, and a partly typed
date is silently completed from whatever the field held before ("03" + Tab = 03/01/2000). So the
blank state is the minimum date shown as "MM/DD/YYYY"; typing starts from a template, and the
field only counts as filled once the month, day and year were each typed (or a day was picked in
the calendar) and the text is a whole date."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from PySide6.QtCore import QDate, QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent, Qt
from PySide6.QtWidgets import QDateEdit, QDateTimeEdit, QWidget

BLANK = QDate(1899, 12, 31)
_TEMPLATE = QDate(2000, 1, 1)
_SECTIONS = frozenset({QDateTimeEdit.Section.MonthSection, QDateTimeEdit.Section.DaySection,
                       QDateTimeEdit.Section.YearSection})
_SEPARATORS = "/-."


class DateState(Enum):
    BLANK = "blank"
    INCOMPLETE = "incomplete"   # typing started but is not a whole date yet
    COMPLETE = "complete"


class BirthDateEdit(QDateEdit):
    sig_state_changed = Signal()
    """The entry became blank, incomplete or complete (or the complete date changed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat("MM/dd/yyyy")
        self.setCalendarPopup(True)
        self.setMinimumDate(BLANK)
        self.setMaximumDate(QDate(2099, 12, 31))  # future dates are refused with a message, not by typing
        self.setSpecialValueText("MM/DD/YYYY")
        self.setToolTip("Type the date as MM/DD/YYYY (e.g. 03151982) or press Alt+Down for a calendar.")
        self.setDate(BLANK)
        self._state = DateState.BLANK
        self._typed: set[QDateTimeEdit.Section] = set()
        self._advanced = False
        calendar = self.calendarWidget()
        calendar.clicked.connect(self._picked)
        calendar.activated.connect(self._picked)
        calendar.installEventFilter(self)

    # --- the value --------------------------------------------------------------------------

    @property
    def state(self) -> DateState:
        return self._state

    def birth_date(self) -> date | None:
        """The date when the entry is complete, else None."""
        return self.date().toPython() if self._state is DateState.COMPLETE else None  # type: ignore[return-value]

    def set_birth_date(self, value: date | None) -> None:
        self.setDate(BLANK if value is None else QDate(value.year, value.month, value.day))
        self._set_state(DateState.BLANK if value is None else DateState.COMPLETE)

    def clear_date(self) -> None:
        self.set_birth_date(None)

    # --- typing -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        text = event.text()
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and (
                self._state is DateState.BLANK or self.lineEdit().selectedText() == self.text()):
            self.clear_date()
            return
        if text.isdigit() and self._state is DateState.BLANK:
            self.setDate(_TEMPLATE)
            self.setSelectedSection(QDateTimeEdit.Section.MonthSection)
            self._typed = set()
            self._set_state(DateState.INCOMPLETE)
        if text and text in _SEPARATORS and self._advanced:
            # "03/15": Qt already moved on after "03"; the slash must not skip the day as well
            self._advanced = False
            return
        section = self.currentSection()
        super().keyPressEvent(event)
        self._advanced = text.isdigit() and self.currentSection() != section
        if text.isdigit():
            self._typed.add(section)
        if self._state is not DateState.BLANK and (text or key in (Qt.Key.Key_Up, Qt.Key.Key_Down)):
            self._update_state()

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Qt override
        if self._state is DateState.BLANK:
            # Tab through an empty field goes on to the next field (not from section to section)
            return QWidget.focusNextPrevChild(self, next)
        return super().focusNextPrevChild(next)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        if self._state is DateState.BLANK:
            return  # arrows and the wheel do not invent a date
        self._typed.add(self.currentSection())
        super().stepBy(steps)
        self._update_state()

    def _update_state(self) -> None:
        whole = self.date() != BLANK and _SECTIONS <= self._typed and self._text_is_the_date()
        self._set_state(DateState.COMPLETE if whole else DateState.INCOMPLETE)

    def _text_is_the_date(self) -> bool:
        try:
            typed = datetime.strptime(self.lineEdit().text(), "%m/%d/%Y").date()
        except ValueError:
            return False
        return typed == self.date().toPython()

    def _picked(self, _day: QDate) -> None:
        self._typed = set(_SECTIONS)
        self._set_state(DateState.COMPLETE)

    def _set_state(self, state: DateState) -> None:
        self._state = state
        self.sig_state_changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.calendarWidget() and event.type() == QEvent.Type.Show \
                and self._state is DateState.BLANK:
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year() - 40, today.month())
        return super().eventFilter(watched, event)
