"""Write a prescription for a medication on the list. Prefilled from the entry (directions, a
quantity for the days supplied); the DEA schedule is shown and bounds the refills. Returns the
values for PrescriptionService.prescribe; the tab saves them."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget

from emr_desktop.domain.records import MedicationDTO
from emr_desktop.services.orders import MAX_REFILLS
from emr_desktop.ui.chart.medication_dialog import compose_sig
from emr_desktop.ui.qt_models.medications import medication_drug
from emr_desktop.ui.widgets.forms import FormDialog, combo_field, line_field

QUANTITY_UNITS = ("tablet", "capsule", "mL", "inhaler", "bottle", "tube", "box", "pen",
                  "auto-injector", "each")
#: Doses a day for the usual frequencies ("as needed" counts the most a day it allows).
_PER_DAY = {"once daily": 1, "twice daily": 2, "three times daily": 3, "four times daily": 4,
            "every 4 hours": 6, "every 4-6 hours": 6, "every 6 hours": 4, "every 8 hours": 3,
            "every 12 hours": 2, "at bedtime": 1, "once daily at bedtime": 1, "once weekly": 1 / 7}
_COUNTED_UNITS = frozenset({"tablet", "capsule"})
DEFAULT_DAYS = 30


def suggested_quantity(med: MedicationDTO, days: int) -> float | None:
    """Tablets or capsules for ``days`` days at the entry's dose and frequency, when computable."""
    if med.dose_unit not in _COUNTED_UNITS or days <= 0:
        return None
    try:
        dose = float(med.dose)
    except ValueError:
        return None
    per_day = _PER_DAY.get(med.frequency.replace(" as needed", "").strip())
    if per_day is None or dose <= 0:
        return None
    return float(max(1, round(dose * per_day * days)))


def default_quantity_unit(med: MedicationDTO) -> str:
    """What the pharmacy counts out: tablets and capsules one by one, otherwise the package."""
    if med.dose_unit in _COUNTED_UNITS or med.dose_unit == "mL":
        return med.dose_unit
    form = med.form.lower()
    for word, unit in (("inhaler", "inhaler"), ("cream", "tube"), ("ointment", "tube"), ("gel", "tube"),
                       ("spray", "bottle"), ("solution", "bottle"), ("suspension", "bottle"),
                       ("pen", "pen"), ("auto-injector", "auto-injector"), ("capsule", "capsule"),
                       ("tablet", "tablet")):
        if word in form:
            return unit
    return med.form


def schedule_text(schedule: str) -> str:
    if not schedule:
        return "Not a controlled substance."
    limit = MAX_REFILLS.get(schedule, 0)
    refills = "no refills allowed" if limit == 0 else f"at most {limit} refills"
    return f"Controlled substance, DEA schedule {schedule}: {refills}."


class PrescriptionDialog(FormDialog):
    def __init__(self, medication: MedicationDTO, parent: QWidget | None = None) -> None:
        super().__init__("Prescribe", parent)
        self.setObjectName("prescriptionDialog")
        self.medication = med = medication
        drug = QLabel(medication_drug(med), self)
        drug.setObjectName("prescriptionDrug")
        drug.setWordWrap(True)
        self.schedule_label = QLabel(schedule_text(med.dea_schedule), self)
        self.schedule_label.setObjectName("deaSchedule")
        self.schedule_label.setWordWrap(True)
        sig = med.sig or compose_sig(med.dose, med.dose_unit, med.route, med.frequency)
        self.sig = line_field(sig, 500, self, "Directions for the patient")
        self.days_supply = QSpinBox(self)
        self.days_supply.setRange(0, 365)
        self.days_supply.setSpecialValueText("Not given")
        self.days_supply.setSuffix(" days")
        self.quantity = QDoubleSpinBox(self)
        self.quantity.setRange(0, 9999)
        self.quantity.setDecimals(1)
        self.quantity_unit = combo_field(QUANTITY_UNITS, default_quantity_unit(med), 30, self)
        self.refills = QSpinBox(self)
        self.refills.setRange(0, MAX_REFILLS.get(med.dea_schedule, 0))
        self.substitution = QCheckBox("Substitution &allowed (generic may be dispensed)", self)
        self.substitution.setChecked(True)
        self.pharmacy = line_field("", 300, self, "Name and phone of the patient's pharmacy")
        self.note = line_field("", 500, self, "Optional")
        self.form.addRow("Drug:", drug)
        self.form.addRow("", self.schedule_label)
        for label, widget in (("Directions (si&g):", self.sig), ("&Days supply:", self.days_supply),
                              ("&Quantity:", self.quantity), ("Quantity &unit:", self.quantity_unit),
                              ("&Refills:", self.refills)):
            self.form.addRow(label, widget)
        self.form.addRow("", self.substitution)
        self.form.addRow("&Pharmacy:", self.pharmacy)
        self.form.addRow("&Note to pharmacist:", self.note)
        self.finish_layout("&Save draft")
        # The quantity follows the days supply until the user sets it.
        self._quantity_manual = False
        suggested = suggested_quantity(med, DEFAULT_DAYS)
        if suggested is not None:
            self.days_supply.setValue(DEFAULT_DAYS)
            self.quantity.setValue(suggested)
        else:
            self.quantity.setValue(1)
        self.days_supply.valueChanged.connect(self._days_changed)
        self.quantity.lineEdit().textEdited.connect(self._quantity_edited)
        self.resize(520, self.sizeHint().height())

    def _days_changed(self, days: int) -> None:
        suggested = suggested_quantity(self.medication, days)
        if not self._quantity_manual and suggested is not None:
            self.quantity.setValue(suggested)

    def _quantity_edited(self, _text: str) -> None:
        self._quantity_manual = True

    def check(self) -> tuple[str, QWidget] | None:
        if not self.sig.text().strip():
            return "Directions (sig) are required.", self.sig
        if self.quantity.value() <= 0:
            return "Quantity must be more than zero.", self.quantity
        return None

    def values(self) -> dict[str, Any]:
        """Keyword arguments for PrescriptionService.prescribe (after the medication id)."""
        return {
            "sig": self.sig.text().strip(), "quantity": self.quantity.value(),
            "quantity_unit": self.quantity_unit.currentText().strip(),
            "days_supply": self.days_supply.value() or None, "refills": self.refills.value(),
            "substitution_allowed": self.substitution.isChecked(),
            "pharmacy": self.pharmacy.text().strip(), "note_to_pharmacist": self.note.text().strip(),
        }
