"""Register a new patient. As soon as family name, given name and date of birth are filled, a
background duplicate check lists charts that may be the same person, so the desk can open that
chart instead. The dialog returns values; PatientService.register saves them (in the background).

Results: ``registered`` (the new PatientDTO) or ``open_existing_id`` (the chart the user chose
instead); both None when cancelled."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import AdministrativeSex
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import error_text
from emr_desktop.ui.patients.birth_date_edit import BirthDateEdit, DateState
from emr_desktop.ui.tasks import TaskRunner

DUPLICATE_CHECK_MS = 250
#: (label, BCP 47 tag) - the languages a US family practice meets most; others can be typed.
LANGUAGES = (("English", "en"), ("Spanish", "es"), ("Chinese", "zh"), ("Vietnamese", "vi"),
             ("Tagalog", "tl"), ("Arabic", "ar"), ("French", "fr"), ("Korean", "ko"),
             ("Russian", "ru"), ("Haitian Creole", "ht"), ("Portuguese", "pt"), ("German", "de"),
             ("Polish", "pl"), ("Hindi", "hi"), ("American Sign Language", "ase"))
_PATIENT_ROLE = Qt.ItemDataRole.UserRole
_LINE_FIELDS = (
    # (field, label with mnemonic, max length)
    ("family_name", "&Family name *", 100), ("given_name", "&Given name *", 100),
    ("middle_name", "Mi&ddle name", 100), ("phone_mobile", "&Mobile phone", 40),
    ("phone_home", "&Home phone", 40), ("email", "&Email", 200),
    ("address_line1", "&Address", 200), ("address_line2", "Address line &2", 200),
    ("city", "&City", 100), ("state", "S&tate", 50), ("postal_code", "&ZIP code", 20),
    ("emergency_contact_name", "&Name", 200), ("emergency_contact_relationship", "Re&lationship", 60),
    ("emergency_contact_phone", "&Phone", 40),
)
_LABELS = {name: label for name, label, _length in _LINE_FIELDS}


class RegistrationDialog(QDialog):
    def __init__(self, services: Services, tasks: TaskRunner, actor: Actor,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registrationDialog")
        self.setWindowTitle("Register a new patient")
        self._services, self._tasks, self._actor = services, tasks, actor
        self.registered: PatientDTO | None = None
        self.open_existing_id: uuid.UUID | None = None
        self._dup_gen = 0
        self._dup_checked: tuple[str, str, date] | None = None   # inputs the list below is for
        self._register_after_check = False
        self._busy = False

        self.edits: dict[str, QLineEdit] = {}
        self._errors: dict[str, QLabel] = {}
        self._rows: dict[str, QWidget] = {}
        for name, _label, length in _LINE_FIELDS:
            edit = QLineEdit()
            edit.setMaxLength(length)
            edit.setObjectName(name)
            self.edits[name] = edit
        self.birth_date = BirthDateEdit()
        self.birth_date.setObjectName("birth_date")
        self.sex = QComboBox()
        self.sex.setObjectName("sex")
        self.sex.addItem("(choose)", "")
        for value in AdministrativeSex:
            self.sex.addItem(value.value.capitalize(), value.value)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.setEditable(True)
        self.language.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for label, tag in LANGUAGES:
            self.language.addItem(label, tag)
        self.interpreter = QCheckBox("&Interpreter needed")
        self.interpreter.setObjectName("interpreter_needed")

        patient = self._group("Patient", [("family_name", None), ("given_name", None),
                                          ("middle_name", None), ("birth_date", "Date of &birth *"),
                                          ("sex", "&Sex *")])
        contact = self._group("Contact", [("phone_mobile", None), ("phone_home", None), ("email", None),
                                          ("address_line1", None), ("address_line2", None)])
        self._add_city_row(contact.layout())  # type: ignore[arg-type]
        emergency = self._group("Emergency contact", [("emergency_contact_name", None),
                                                      ("emergency_contact_relationship", None),
                                                      ("emergency_contact_phone", None)])
        language = self._group("Language", [("language", "Lang&uage")])
        language.layout().addRow("", self.interpreter)  # type: ignore[union-attr]

        self.duplicates_box = QFrame()
        self.duplicates_box.setObjectName("duplicateWarning")
        self.duplicates_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.duplicates_label = QLabel("")
        self.duplicates_label.setProperty("role", "warning")
        self.duplicates_label.setWordWrap(True)
        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicateList")
        self.duplicates.setAccessibleName("Possible duplicates")
        self.duplicates.setMaximumHeight(92)
        self.open_existing = QPushButton("&Open this chart instead")
        self.open_existing.setObjectName("openExistingButton")
        self.open_existing.setAutoDefault(False)  # Enter in a field means Register, never this
        self.open_existing.clicked.connect(self._open_existing)
        self.duplicates.itemActivated.connect(lambda _item: self._open_existing())
        dup_layout = QVBoxLayout(self.duplicates_box)
        dup_layout.addWidget(self.duplicates_label)
        dup_layout.addWidget(self.duplicates)
        dup_layout.addWidget(self.open_existing, 0, Qt.AlignmentFlag.AlignLeft)
        self.duplicates_box.hide()

        self.message = QLabel("")
        self.message.setObjectName("registrationMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.register_button = QPushButton("&Register")
        self.register_button.setObjectName("registerButton")
        # wide enough for "Register anyway", so the button does not jump when duplicates appear
        self.register_button.setMinimumWidth(self.register_button.fontMetrics().horizontalAdvance(
            "Register anyway") + 40)
        self.buttons.addButton(self.register_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.register_button.setDefault(True)
        self.buttons.accepted.connect(self._register_clicked)
        self.buttons.rejected.connect(self.reject)

        columns = QHBoxLayout()
        for boxes in ((patient, language), (contact, emergency)):
            column = QVBoxLayout()
            for box in boxes:
                column.addWidget(box)
            column.addStretch(1)
            columns.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Fields marked * are required."))
        layout.addLayout(columns)
        layout.addWidget(self.duplicates_box)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._set_tab_order()
        self.setMinimumWidth(820)

        self._dup_timer = QTimer(self, singleShot=True, interval=DUPLICATE_CHECK_MS)
        self._dup_timer.timeout.connect(self._check_duplicates)
        for name in ("family_name", "given_name"):
            self.edits[name].textChanged.connect(self._identity_changed)
        self.birth_date.sig_state_changed.connect(self._identity_changed)
        for name, edit in self.edits.items():
            edit.textChanged.connect(lambda _t, n=name: self._show_error(n, ""))
        self.birth_date.sig_state_changed.connect(lambda: self._show_error("birth_date", ""))
        self.sex.currentIndexChanged.connect(lambda _i: self._show_error("sex", ""))
        self.edits["family_name"].setFocus()

    # --- building ------------------------------------------------------------------------------

    def _widget(self, name: str) -> QWidget:
        return {"birth_date": self.birth_date, "sex": self.sex, "language": self.language}.get(
            name) or self.edits[name]

    def _cell(self, name: str, text: str) -> QWidget:
        """The field with its (hidden) error message below it."""
        widget = self._widget(name)
        widget.setAccessibleName(text.replace("&", "").replace(" *", ""))
        error = QLabel("")
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.hide()
        self._errors[name] = error
        cell = QWidget()
        cell_layout = QVBoxLayout(cell)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.setSpacing(1)
        cell_layout.addWidget(widget)
        cell_layout.addWidget(error)
        cell.setFocusProxy(widget)
        return cell

    def _group(self, title: str, fields: list[tuple[str, str | None]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, label in fields:
            text = label or _LABELS[name]
            form.addRow(text, self._cell(name, text))
        return box

    def _add_city_row(self, form: QFormLayout) -> None:
        """City, state and ZIP code on one line."""
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._cell("city", _LABELS["city"]), 3)
        for name, stretch in (("state", 1), ("postal_code", 2)):
            label = QLabel(_LABELS[name])
            label.setBuddy(self.edits[name])
            row.addWidget(label)
            row.addWidget(self._cell(name, _LABELS[name]), stretch)
        city_label = QLabel(_LABELS["city"])
        city_label.setBuddy(self.edits["city"])
        form.addRow(city_label, row)

    def _set_tab_order(self) -> None:
        order = [self.edits["family_name"], self.edits["given_name"], self.edits["middle_name"],
                 self.birth_date, self.sex, self.language, self.interpreter,
                 self.edits["emergency_contact_name"], self.edits["emergency_contact_relationship"],
                 self.edits["emergency_contact_phone"], self.edits["phone_mobile"],
                 self.edits["phone_home"], self.edits["email"], self.edits["address_line1"],
                 self.edits["address_line2"], self.edits["city"], self.edits["state"],
                 self.edits["postal_code"], self.duplicates, self.open_existing, self.register_button]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    # --- duplicate check -----------------------------------------------------------------------

    def _identity(self) -> tuple[str, str, date] | None:
        family = self.edits["family_name"].text().strip()
        given = self.edits["given_name"].text().strip()
        born = self.birth_date.birth_date()
        return (family, given, born) if family and given and born is not None else None

    def _identity_changed(self) -> None:
        self._dup_gen += 1  # a check on its way is for other inputs now
        if self._register_after_check:  # Register was waiting for that check: the user can press it again
            self._register_after_check = False
            self._set_busy(False)
        self._dup_checked = None
        if self._identity() is None:
            self._dup_timer.stop()
            self._show_duplicates([])
        else:
            self._dup_timer.start()

    def _check_duplicates(self) -> None:
        identity = self._identity()
        if identity is None:
            return
        gen = self._dup_gen
        actor, patients = self._actor, self._services.patients
        self._tasks.run(lambda: patients.possible_duplicates(actor, *identity),
                        lambda rows: self._duplicates_found(gen, identity, rows),
                        lambda exc: self._duplicates_failed(gen, exc))

    def _duplicates_found(self, gen: int, identity: tuple[str, str, date], rows: list[PatientDTO]) -> None:
        if gen != self._dup_gen:
            return
        self._dup_checked = identity
        self._show_duplicates(rows)
        if self._register_after_check:
            self._register_after_check = False
            if rows:
                self._set_busy(False)
                self.duplicates.setFocus()
            else:
                self._register()

    def _duplicates_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._dup_gen:
            return
        self._register_after_check = False
        self._set_busy(False)
        self.message.setText(error_text(exc))

    def _show_duplicates(self, rows: list[PatientDTO]) -> None:
        self.duplicates.clear()
        for p in rows:
            item = QListWidgetItem(f"{p.display_name}   DOB {p.birth_date:%m/%d/%Y}   MRN {p.mrn}"
                                   + (f"   phone {p.phone_mobile or p.phone_home}"
                                      if p.phone_mobile or p.phone_home else ""))
            item.setData(_PATIENT_ROLE, p.id)
            self.duplicates.addItem(item)
        if rows:
            self.duplicates.setCurrentRow(0)
            self.duplicates_label.setText(
                f"Possible duplicate{'s' if len(rows) > 1 else ''}: {len(rows)} chart"
                f"{'s have' if len(rows) > 1 else ' has'} the same date of birth and a matching name. "
                "Open the existing chart if it is this patient, or press Register anyway.")
        self.duplicates_box.setVisible(bool(rows))
        self.register_button.setText("&Register anyway" if rows else "&Register")

    def _open_existing(self) -> None:
        item = self.duplicates.currentItem()
        if item is None or self._busy:
            return
        self.open_existing_id = item.data(_PATIENT_ROLE)
        self.accept()

    # --- registering ---------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds, as PatientService.register takes it (empty optional fields left out)."""
        values: dict[str, Any] = {name: edit.text().strip() for name, edit in self.edits.items()
                                  if edit.text().strip()}
        values["birth_date"] = self.birth_date.birth_date()
        values["sex"] = self.sex.currentData() or ""
        values["language"] = self._language_tag()
        values["interpreter_needed"] = self.interpreter.isChecked()
        return values

    def _language_tag(self) -> str:
        text = self.language.currentText().strip()
        for label, tag in LANGUAGES:
            if text.casefold() in (label.casefold(), tag):
                return tag
        return text or "en"

    def _validate(self) -> bool:
        problems: dict[str, str] = {}
        for name, what in (("family_name", "family name"), ("given_name", "given name")):
            if not self.edits[name].text().strip():
                problems[name] = f"Enter the {what}."
        state = self.birth_date.state
        born = self.birth_date.birth_date()
        if state is DateState.BLANK:
            problems["birth_date"] = "Enter the date of birth (MM/DD/YYYY)."
        elif state is DateState.INCOMPLETE:
            problems["birth_date"] = "Finish the date of birth: month, day and a 4-digit year."
        elif born is not None and born > date.today():
            problems["birth_date"] = "Date of birth cannot be in the future."
        elif born is not None and born.year < 1900:
            problems["birth_date"] = "Check the year of birth."
        if not self.sex.currentData():
            problems["sex"] = "Choose the sex (Unknown if not known)."
        email = self.edits["email"].text().strip()
        if email and ("@" not in email or " " in email):
            problems["email"] = "That does not look like an e-mail address."
        for name, text in problems.items():
            self._show_error(name, text)
        if problems:
            self._widget(next(iter(problems))).setFocus(Qt.FocusReason.OtherFocusReason)
        return not problems

    def _register_clicked(self) -> None:
        if self._busy:
            return
        self.message.clear()
        if not self._validate():
            return
        identity = self._identity()
        self._set_busy(True)
        if identity != self._dup_checked:
            # the duplicate check has not answered for these inputs yet: check first
            self._dup_timer.stop()
            self._register_after_check = True
            self._check_duplicates()
            return
        self._register()

    def _register(self) -> None:
        values = self.values()
        actor, patients = self._actor, self._services.patients
        self._set_busy(True)
        self._tasks.run(lambda: patients.register(actor, **values), self._registered, self._failed)

    def _registered(self, patient: PatientDTO) -> None:
        self._set_busy(False)
        self.registered = patient
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError) and exc.field and exc.field in self._errors:
            self._show_error(exc.field, exc.message)
            self._widget(exc.field).setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.message.setText(error_text(exc))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.register_button.setEnabled(not busy)
        # once a registration is on its way, cancelling would hide a chart that does get created
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(not busy)

    def _show_error(self, name: str, text: str) -> None:
        label = self._errors.get(name)
        if label is not None:
            label.setText(text)
            label.setVisible(bool(text))

    def error_for(self, name: str) -> str:
        """The message shown at a field ("" when none); for tests and screen readers."""
        label = self._errors.get(name)
        return label.text() if label is not None and not label.isHidden() else ""

    def reject(self) -> None:
        if self._busy and not self._register_after_check:
            return  # the registration is being saved; its result decides how the dialog closes
        self._dup_gen += 1
        self._dup_timer.stop()
        super().reject()
