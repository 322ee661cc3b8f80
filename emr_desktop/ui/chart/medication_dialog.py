"""Entry dialogs for the medication list: add or change an entry, and stop one (with a reason).
They return values; the Medications tab hands them to MedicationService."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.records import MedicationDTO
from emr_desktop.services.orders import DEA_SCHEDULES
from emr_desktop.ui.qt_models.medications import medication_drug

FORMS = ("tablet", "capsule", "extended release tablet", "oral suspension", "oral solution",
         "metered dose inhaler", "nasal spray", "ophthalmic solution", "topical cream",
         "topical ointment", "pen injector", "auto-injector")
DOSE_UNITS = ("tablet", "capsule", "mg", "mL", "puffs", "sprays", "drop", "units", "application")
ROUTES = ("oral", "inhalation", "nasal", "ophthalmic", "topical", "subcutaneous", "intramuscular")
FREQUENCIES = ("once daily", "twice daily", "three times daily", "four times daily", "every 4 hours",
               "every 6 hours", "every 8 hours", "every 12 hours", "at bedtime", "once weekly",
               "every 4-6 hours as needed", "every 6 hours as needed", "every 8 hours as needed",
               "twice daily as needed", "at bedtime as needed", "once as needed")

#: How directions start for each route: (verb, phrase after the amount).
_ROUTE_WORDS = {
    "oral": ("Take", "by mouth"), "inhalation": ("Inhale", ""), "nasal": ("Use", "in each nostril"),
    "ophthalmic": ("Instill", "in the affected eye"), "topical": ("Apply", "to the affected area"),
    "subcutaneous": ("Inject", "under the skin"), "intramuscular": ("Inject", "into the muscle"),
    "rectal": ("Insert", "rectally"), "sublingual": ("Dissolve", "under the tongue"),
}
#: Units counted one by one, which take a plural "s" for amounts other than one.
_COUNTED = frozenset({"tablet", "capsule", "drop", "application", "puff", "spray", "patch",
                      "suppository", "unit"})

#: The earliest date a date field accepts; shown as "Unknown" and read as no date.
UNKNOWN_DATE = QDate(1900, 1, 1)


def compose_sig(dose: str, dose_unit: str, route: str, frequency: str) -> str:
    """Directions from the structured fields: ("2", "tablet", "oral", "twice daily") ->
    "Take 2 tablets by mouth twice daily." Empty when nothing is filled in."""
    dose, unit, route, frequency = (s.strip() for s in (dose, dose_unit, route, frequency))
    if not (dose or unit or frequency):
        return ""
    verb, where = _ROUTE_WORDS.get(route.lower(), ("Take", f"by {route} route" if route else ""))
    if unit.lower() in _COUNTED and dose not in ("", "1"):
        unit += "es" if unit.endswith("ch") else "s"
    words = [verb, dose, unit, where, frequency]
    return " ".join(w for w in words if w) + "."


def make_date_edit(value: date | None, *, allow_unknown: bool, parent: QWidget | None = None) -> QDateEdit:
    """A date field with a calendar; with ``allow_unknown`` the earliest date reads "Unknown"."""
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if allow_unknown:
        edit.setMinimumDate(UNKNOWN_DATE)
        edit.setSpecialValueText("Unknown")
    edit.setMaximumDate(QDate.currentDate().addYears(1))
    edit.setDate(QDate(value.year, value.month, value.day) if value else
                 (UNKNOWN_DATE if allow_unknown else QDate.currentDate()))
    return edit


def date_value(edit: QDateEdit) -> date | None:
    """The field's date, or None when it shows "Unknown"."""
    if edit.specialValueText() and edit.date() == edit.minimumDate():
        return None
    return edit.date().toPython()  # type: ignore[no-any-return]


def combo_field(items: tuple[str, ...], value: str, max_length: int, parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.addItems(list(items))
    combo.setCurrentText(value)
    combo.lineEdit().setMaxLength(max_length)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return combo


def line_field(value: str, max_length: int, parent: QWidget, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(value, parent)
    edit.setMaxLength(max_length)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


class FormDialog(QDialog):
    """A form with an error line and Save/Cancel; ``check`` returns a problem or None."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

    def finish_layout(self, save_text: str = "&Save") -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(save_text)
        self.save_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def check(self) -> str | None:
        return None

    def accept(self) -> None:
        problem = self.check()
        if problem:
            self.show_error(problem)
            return
        self.show_error("")
        super().accept()


class MedicationDialog(FormDialog):
    """Add a medication (``medication`` None) or change one (prefilled). ``values()`` returns the
    MedicationService fields; ``changes()`` only those that differ from the entry being changed."""

    def __init__(self, medication: MedicationDTO | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Change medication" if medication else "Add medication", parent)
        self.setObjectName("medicationDialog")
        self.medication = medication
        m = medication
        self.display = line_field(m.display if m else "", 300, self, "e.g. lisinopril")
        self.strength = line_field(m.strength if m else "", 60, self, "e.g. 10 mg")
        self.form_combo = combo_field(FORMS, m.form if m else "", 60, self)
        self.dose = line_field(m.dose if m else "", 60, self, "e.g. 1")
        self.dose_unit = combo_field(DOSE_UNITS, m.dose_unit if m else "", 30, self)
        self.route = combo_field(ROUTES, m.route if m else "", 40, self)
        self.frequency = combo_field(FREQUENCIES, m.frequency if m else "", 60, self)
        self.sig = line_field(m.sig if m else "", 500, self, "Composed from dose, route and frequency")
        self.indication = line_field(m.indication if m else "", 200, self, "e.g. hypertension")
        self.start_date = make_date_edit(m.start_date if m else date.today(), allow_unknown=True,
                                         parent=self)
        self.dea_schedule = QComboBox(self)
        self.dea_schedule.addItem("Not controlled", "")
        for schedule in DEA_SCHEDULES[1:]:
            self.dea_schedule.addItem(f"Schedule {schedule}", schedule)
        self.dea_schedule.setCurrentIndex(max(0, self.dea_schedule.findData(m.dea_schedule if m else "")))
        self.reported = QCheckBox("Re&ported by patient (not prescribed here)", self)
        self.reported.setChecked(bool(m and m.reported_by_patient))
        for label, widget in (("&Drug name:", self.display), ("S&trength:", self.strength),
                              ("&Form:", self.form_combo), ("D&ose:", self.dose),
                              ("Dose u&nit:", self.dose_unit), ("&Route:", self.route),
                              ("Fre&quency:", self.frequency), ("Directions (si&g):", self.sig),
                              ("&Indication:", self.indication), ("Start dat&e:", self.start_date),
                              ("DEA sc&hedule:", self.dea_schedule)):
            self.form.addRow(label, widget)
        self.form.addRow("", self.reported)
        self.finish_layout()
        # Directions follow the structured fields until the user writes their own.
        self._sig_manual = bool(m and m.sig and m.sig != self.composed_sig())
        self.dose.textChanged.connect(self._recompose)
        for combo in (self.dose_unit, self.route, self.frequency):
            combo.editTextChanged.connect(self._recompose)
        self.sig.textEdited.connect(self._sig_edited)
        self.resize(520, self.sizeHint().height())

    def composed_sig(self) -> str:
        return compose_sig(self.dose.text(), self.dose_unit.currentText(), self.route.currentText(),
                           self.frequency.currentText())

    def _recompose(self, *_args: Any) -> None:
        if not self._sig_manual:
            self.sig.setText(self.composed_sig())

    def _sig_edited(self, text: str) -> None:
        self._sig_manual = bool(text.strip()) and text != self.composed_sig()

    def check(self) -> str | None:
        if not self.display.text().strip():
            self.display.setFocus()
            return "Enter the drug name."
        start = date_value(self.start_date)
        if start is not None and start > date.today():
            self.start_date.setFocus()
            return "The start date cannot be in the future."
        return None

    def values(self) -> dict[str, Any]:
        return {
            "display": self.display.text().strip(), "strength": self.strength.text().strip(),
            "form": self.form_combo.currentText().strip(), "dose": self.dose.text().strip(),
            "dose_unit": self.dose_unit.currentText().strip(), "route": self.route.currentText().strip(),
            "frequency": self.frequency.currentText().strip(), "sig": self.sig.text().strip(),
            "indication": self.indication.text().strip(), "start_date": date_value(self.start_date),
            "dea_schedule": self.dea_schedule.currentData() or "",
            "reported_by_patient": self.reported.isChecked(),
        }

    def changes(self) -> dict[str, Any]:
        values = self.values()
        if self.medication is None:
            return values
        return {k: v for k, v in values.items() if getattr(self.medication, k) != v}


class StopMedicationDialog(FormDialog):
    """Stop a medication: a reason is required, the stop date defaults to today."""

    def __init__(self, medication: MedicationDTO, parent: QWidget | None = None) -> None:
        super().__init__("Stop medication", parent)
        self.setObjectName("stopMedicationDialog")
        self.medication = medication
        drug = QLabel(medication_drug(medication), self)
        drug.setWordWrap(True)
        self.reason = line_field("", 300, self, "e.g. side effects, course completed, no longer needed")
        self.stop_date = make_date_edit(date.today(), allow_unknown=False, parent=self)
        if medication.start_date:
            start = medication.start_date
            self.stop_date.setMinimumDate(QDate(start.year, start.month, start.day))
        self.stop_date.setMaximumDate(QDate.currentDate())
        self.form.addRow("Medication:", drug)
        self.form.addRow("&Reason:", self.reason)
        self.form.addRow("Stop &date:", self.stop_date)
        self.finish_layout("S&top medication")
        self.resize(460, self.sizeHint().height())

    def check(self) -> str | None:
        if not self.reason.text().strip():
            self.reason.setFocus()
            return "Please give a reason for stopping this medication."
        return None

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.text().strip(), "stop_date": date_value(self.stop_date)}
