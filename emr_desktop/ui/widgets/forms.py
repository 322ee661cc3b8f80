"""Entry dialogs and their fields, the same way everywhere: a form, an error line, Save/Cancel.

A ``FormDialog`` subclass adds rows to ``self.form``, calls ``finish_layout`` and implements
``check`` (what must be fixed, and where) and ``values`` (what the service saves). Dialogs return
values; the tab saves them (``ChartTab.open_dialog``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

#: The earliest date an optional date field accepts; shown as "Unknown" and read as no date.
UNKNOWN_DATE = QDate(1900, 1, 1)
US_DATE = "MM/dd/yyyy"
ISO_DATE = "yyyy-MM-dd"


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def line_field(value: str = "", max_length: int = 200, parent: QWidget | None = None,
               placeholder: str = "") -> QLineEdit:
    """A one-line text field limited to ``max_length`` characters."""
    edit = QLineEdit(value, parent)
    edit.setMaxLength(max_length)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def text_field(placeholder: str, min_height: int, parent: QWidget | None = None) -> QPlainTextEdit:
    """A multi-line plain-text field; Tab moves on to the next field instead of typing a tab."""
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setMinimumHeight(min_height)
    return box


def combo_field(items: Sequence[str], value: str, max_length: int, parent: QWidget | None = None,
                placeholder: str = "") -> QComboBox:
    """An editable list: pick one of ``items`` or type something else (not added to the list)."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.addItems(list(items))
    combo.setCurrentText(value)
    combo.lineEdit().setMaxLength(max_length)
    if placeholder:
        combo.lineEdit().setPlaceholderText(placeholder)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return combo


def date_field(value: date | None = None, *, allow_unknown: bool, earliest: date | None = None,
               latest: date | None = None, display_format: str = US_DATE, unknown_text: str = "Unknown",
               parent: QWidget | None = None) -> QDateEdit:
    """A date field with a calendar, up to ``latest`` (default: a year from today). With
    ``allow_unknown`` its earliest date (``earliest``, default 1900-01-01) reads ``unknown_text``
    and ``date_value`` gives None for it; otherwise ``earliest`` only bounds it. Without a
    ``value`` it starts at "unknown", or today."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(display_format)
    if allow_unknown:
        edit.setMinimumDate(_qdate(earliest) if earliest else UNKNOWN_DATE)
        edit.setSpecialValueText(unknown_text)
    elif earliest is not None:
        edit.setMinimumDate(_qdate(earliest))
    edit.setMaximumDate(_qdate(latest) if latest else QDate.currentDate().addYears(1))
    if value is not None:
        edit.setDate(_qdate(value))
    else:
        edit.setDate(edit.minimumDate() if allow_unknown else QDate.currentDate())
    return edit


def date_value(edit: QDateEdit) -> date | None:
    """The field's date, or None when it shows its "unknown" text."""
    if edit.specialValueText() and edit.date() == edit.minimumDate():
        return None
    return edit.date().toPython()  # type: ignore[no-any-return]


class FormDialog(QDialog):
    """A form (``self.form``), an error line (``self.error_label``) and Save/Cancel
    (``self.save_button``). Save checks the input first (``check``): a problem is shown and the
    dialog stays. Complete input closes the dialog (``accepted``); or, for ``stays_open`` dialogs,
    emits ``sig_values_submitted`` and waits with the buttons disabled until the tab calls
    ``close_saved`` or ``show_error``."""

    sig_values_submitted = Signal(dict)
    """Save was pressed with complete input (``stays_open`` dialogs); carries ``values()``."""

    #: True: the dialog stays open while the tab saves; False: it closes when Save is pressed.
    stays_open: ClassVar[bool] = False

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        #: Where the cursor goes when an error names no field (None: it stays where it is).
        self.first_field: QWidget | None = None
        # No parent yet: laid out last (``finish_layout``), the buttons come last in the Tab order.
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self, save_text: str = "&Save", *, sections: Sequence[QWidget] = (),
                      stretch: bool = False) -> QVBoxLayout:
        """Lay out the form, then ``sections`` (e.g. group boxes), the error line and the buttons;
        ``stretch`` keeps the buttons at the bottom when the dialog grows."""
        self.save_button.setText(save_text)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        for section in sections:
            layout.addWidget(section)
        layout.addWidget(self.error_label)
        if stretch:
            layout.addStretch(1)
        layout.addWidget(self.buttons)
        return layout

    def show_error(self, text: str, widget: QWidget | None = None) -> None:
        """Show ``text`` (empty: hide the line) and put the cursor in ``widget``; the buttons work
        again (a save the dialog waited for is over)."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        self.buttons.setEnabled(True)
        field = widget or (self.first_field if text else None)
        if field is not None:
            field.setFocus()

    def check(self) -> tuple[str, QWidget | None] | None:
        """What must be fixed before saving, and the field to fix it in; None when complete."""
        return None

    def values(self) -> dict[str, Any]:
        """What the service saves (keyword arguments)."""
        return {}

    def accept(self) -> None:
        problem = self.check()
        if problem is not None:
            self.show_error(*problem)
            return
        self.show_error("")
        if self.stays_open:
            self.buttons.setEnabled(False)  # until the save finished
            self.sig_values_submitted.emit(self.values())
        else:
            super().accept()

    def close_saved(self) -> None:
        """The tab saved the values: close (a dialog that closed on Save stays closed)."""
        if self.isVisible():
            super().accept()
