"""Entry dialogs for the medication list: add or change an entry, and stop one (with a reason).
They return values; the Medications tab hands them to MedicationService."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from emr_desktop.domain.records import MedicationDTO
from emr_desktop.services.orders import DEA_SCHEDULES
from emr_desktop.ui.qt_models.medications import medication_drug
from emr_desktop.ui.widgets.forms import ISO_DATE, FormDialog, combo_field, date_field, date_value, line_field

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
        self.start_date = date_field(m.start_date if m else date.today(), allow_unknown=True,
                                     display_format=ISO_DATE, parent=self)
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

    def check(self) -> tuple[str, QWidget] | None:
        if not self.display.text().strip():
            return "Enter the drug name.", self.display
        start = date_value(self.start_date)
        if start is not None and start > date.today():
            return "The start date cannot be in the future.", self.start_date
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
        self.stop_date = date_field(date.today(), allow_unknown=False, earliest=medication.start_date,
                                    latest=date.today(), display_format=ISO_DATE, parent=self)
        self.form.addRow("Medication:", drug)
        self.form.addRow("&Reason:", self.reason)
        self.form.addRow("Stop &date:", self.stop_date)
        self.finish_layout("S&top medication")
        self.resize(460, self.sizeHint().height())

    def check(self) -> tuple[str, QWidget] | None:
        if not self.reason.text().strip():
            return "Please give a reason for stopping this medication.", self.reason
        return None

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.text().strip(), "stop_date": date_value(self.stop_date)}
