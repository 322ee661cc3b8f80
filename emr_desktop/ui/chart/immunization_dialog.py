"""Record an immunization: a vaccine given here (lot, expiration, site, route), a historical dose
reported from elsewhere (date and source), or a refusal (reason). Returns values; the
immunizations tab saves them through ImmunizationService."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from emr_desktop.domain.enums import ImmunizationKind
from emr_desktop.terminology import Code, cvx
from emr_desktop.ui.chart.problem_dialog import past_date_field
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.code_picker import CodePickerDialog
from emr_desktop.ui.widgets.forms import FormDialog, combo_field, date_field, date_value, line_field

ROUTES = (("", ""), ("IM", "IM - intramuscular"), ("SC", "SC - subcutaneous"), ("ID", "ID - intradermal"),
          ("PO", "PO - oral"), ("IN", "IN - intranasal"))
SITES = ("Left deltoid", "Right deltoid", "Left anterolateral thigh", "Right anterolateral thigh",
         "Left upper arm", "Right upper arm", "Mouth", "Nose")
SOURCES = ("State immunization registry (IIS)", "Previous provider's records",
           "Patient-held vaccination card", "Pharmacy record", "Patient or parent recall")
REFUSAL_REASONS = ("Patient declined", "Parent or guardian declined", "Religious or philosophical objection",
                   "Patient had the disease")


def _combo(items: tuple[str, ...], max_length: int) -> QComboBox:
    return combo_field(("", *items), "", max_length)


class ImmunizationDialog(FormDialog):
    """``values()`` gives the fields ImmunizationService.create takes for the chosen kind."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Record immunization", parent)
        self.setObjectName("immunizationDialog")
        self._tasks = tasks
        self.vaccine: Code | None = None
        self.picker: CodePickerDialog | None = None

        self.vaccine_label = QLabel("No vaccine chosen yet.")
        self.vaccine_label.setObjectName("immunizationVaccine")
        self.vaccine_label.setWordWrap(True)
        self.choose_button = QPushButton("&Choose vaccine…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_vaccine)
        vaccine_row = QHBoxLayout()
        vaccine_row.addWidget(self.vaccine_label, 1)
        vaccine_row.addWidget(self.choose_button)

        self.kind_buttons = {ImmunizationKind.GIVEN: QRadioButton("&Given here"),
                             ImmunizationKind.HISTORICAL: QRadioButton("&Historical (reported)"),
                             ImmunizationKind.REFUSED: QRadioButton("Re&fused")}
        self.kind_group = QButtonGroup(self)
        kind_row = QHBoxLayout()
        for button in self.kind_buttons.values():
            self.kind_group.addButton(button)
            kind_row.addWidget(button)
        kind_row.addStretch(1)
        self.kind_buttons[ImmunizationKind.GIVEN].setChecked(True)

        self.occurrence = past_date_field(optional=False)
        self.dose_number = QSpinBox()
        self.dose_number.setRange(0, 20)
        self.dose_number.setSpecialValueText("-")
        self.dose_number.setMaximumWidth(160)

        self.form.addRow("Vaccine:", vaccine_row)
        self.form.addRow("Kind:", kind_row)
        self.form.addRow("&Date:", self.occurrence)
        self.form.addRow("Dose &number:", self.dose_number)

        # Given here
        self.lot_number = line_field("", 40)
        self.expiration = date_field(allow_unknown=True, earliest=date(2000, 1, 1), latest=date(2100, 12, 31),
                                     unknown_text="Not entered")
        self.expiration.setMaximumWidth(160)
        self.manufacturer = line_field("", 100)
        self.site = _combo(SITES, 40)
        self.route = QComboBox()
        self.route.setMaximumWidth(240)
        for value, text in ROUTES:
            self.route.addItem(text, value)
        self.dose_ml = line_field("", 10, placeholder="e.g. 0.5")
        self.dose_ml.setMaximumWidth(160)
        self.vis_date = past_date_field(optional=True)
        self.vis_date.setSpecialValueText("Not recorded")
        self.vis_date.setToolTip("Edition date of the Vaccine Information Statement handed out")
        self.given_box = QGroupBox("Given here")
        given = QFormLayout(self.given_box)
        given.addRow("&Lot number:", self.lot_number)
        given.addRow("E&xpires:", self.expiration)
        given.addRow("S&ite:", self.site)
        given.addRow("&Route:", self.route)
        given.addRow("&Manufacturer:", self.manufacturer)
        given.addRow("Dose &volume (mL):", self.dose_ml)
        given.addRow("VIS &edition:", self.vis_date)

        # Historical
        self.source = _combo(SOURCES, 200)
        self.historical_box = QGroupBox("Reported from elsewhere")
        QFormLayout(self.historical_box).addRow("S&ource:", self.source)

        # Refused
        self.refusal_reason = _combo(REFUSAL_REASONS, 200)
        self.refused_box = QGroupBox("Refusal")
        QFormLayout(self.refused_box).addRow("Re&ason:", self.refusal_reason)

        self.finish_layout(sections=(self.given_box, self.historical_box, self.refused_box), stretch=True)
        chain = (self.choose_button, *self.kind_buttons.values(), self.occurrence, self.dose_number,
                 self.lot_number, self.expiration, self.site, self.route, self.manufacturer, self.dose_ml,
                 self.vis_date, self.source, self.refusal_reason)
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.kind_group.buttonToggled.connect(lambda *_: self._kind_changed())
        self._kind_changed()
        self.choose_button.setFocus()
        self.resize(620, self.sizeHint().height())

    # --- kind and vaccine ---------------------------------------------------------------------

    @property
    def kind(self) -> ImmunizationKind:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def set_kind(self, kind: ImmunizationKind) -> None:
        self.kind_buttons[ImmunizationKind(kind)].setChecked(True)

    def _kind_changed(self) -> None:
        kind = self.kind
        self.given_box.setVisible(kind is ImmunizationKind.GIVEN)
        self.historical_box.setVisible(kind is ImmunizationKind.HISTORICAL)
        self.refused_box.setVisible(kind is ImmunizationKind.REFUSED)
        self.dose_number.setEnabled(kind is not ImmunizationKind.REFUSED)
        if self.vaccine is not None and not self.vaccine.billable and kind is ImmunizationKind.GIVEN:
            self.show_error(f"CVX {self.vaccine.code} is not an active vaccine; record it as historical "
                            "or choose another.")
        self.adjustSize()

    def choose_vaccine(self) -> None:
        include_inactive = self.kind is ImmunizationKind.HISTORICAL
        self.picker = CodePickerDialog(
            lambda text: cvx.search(text, include_inactive=include_inactive), self._tasks,
            "Choose vaccine (CVX)" + (" - including inactive codes" if include_inactive else ""), self,
            placeholder="Type a CVX code or words of the vaccine name")
        picker = self.picker
        picker.accepted.connect(lambda: self.set_vaccine(picker.selected))
        picker.open()

    def set_vaccine(self, code: Code | None) -> None:
        if code is None:
            return
        self.vaccine = code
        self.vaccine_label.setText(f"{code.display} (CVX {code.code})")
        self.vaccine_label.setToolTip(code.detail)
        self.show_error("")
        self.occurrence.setFocus()

    # --- values -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        assert self.vaccine is not None
        kind = self.kind
        values: dict[str, Any] = {"cvx_code": self.vaccine.code, "vaccine": self.vaccine.display[:200],
                                  "kind": kind.value, "occurrence_date": date_value(self.occurrence)}
        if kind is not ImmunizationKind.REFUSED:
            values["dose_number"] = self.dose_number.value() or None
        if kind is ImmunizationKind.GIVEN:
            values.update(lot_number=self.lot_number.text().strip(),
                          expiration_date=date_value(self.expiration), site=self.site.currentText().strip(),
                          route=self.route.currentData() or "",
                          manufacturer=self.manufacturer.text().strip(), dose_ml=self.dose_ml.text().strip(),
                          vis_date=date_value(self.vis_date))
        elif kind is ImmunizationKind.HISTORICAL:
            values["source"] = self.source.currentText().strip()
        else:
            values["refusal_reason"] = self.refusal_reason.currentText().strip()
        return values

    def check(self) -> tuple[str, QWidget] | None:
        """What must be fixed before saving, and the field to fix it in."""
        if self.vaccine is None:
            return "Choose the vaccine.", self.choose_button
        kind = self.kind
        if kind is ImmunizationKind.GIVEN:
            if not self.vaccine.billable:
                return (f"CVX {self.vaccine.code} is not an active vaccine; record it as historical or "
                        "choose another.", self.choose_button)
            if not self.lot_number.text().strip():
                return "Enter the lot number.", self.lot_number
            expires = date_value(self.expiration)
            if expires is None:
                return "Enter the lot's expiration date.", self.expiration
            given = date_value(self.occurrence)
            if given is not None and expires < given:
                return f"This lot expired on {expires:%m/%d/%Y}; do not give it.", self.expiration
            if not self.site.currentText().strip():
                return "Enter the injection site.", self.site
            if not self.route.currentData():
                return "Choose the route.", self.route
        elif kind is ImmunizationKind.HISTORICAL:
            if not self.source.currentText().strip():
                return "Say where this dose was reported from.", self.source
        elif not self.refusal_reason.currentText().strip():
            return "Record why the vaccine was refused.", self.refusal_reason
        return None
