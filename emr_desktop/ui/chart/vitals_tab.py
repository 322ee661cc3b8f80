"""The Vitals tab: a quick-entry row for a nurse in a hurry (type, Tab, Enter), the panels taken so
far with out-of-range values marked, and a trend chart of one measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.enums import EncounterStatus, RecordStatus
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import ChartDTO, EncounterDTO, VitalSignDTO
from emr_desktop.domain.vitals_ranges import (
    ENTRY_UNITS,
    assess,
    bmi,
    from_canonical,
    reference_band,
    to_canonical,
)
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, error_text, make_table, selected_row
from emr_desktop.ui.qt_models.vitals import DisplayUnits, VitalsPanel, VitalsTableModel, group_panels
from emr_desktop.ui.widgets.trend_chart import TrendChart, TrendSeries

_INTEGER = r"\d{0,3}"
_DECIMAL = r"\d{0,3}([.,]\d{0,2})?"


@dataclass(frozen=True)
class _Field:
    key: str
    label: str
    pattern: str = _INTEGER
    width: int = 52


#: The entry fields in Tab order (a unit combo follows the field it belongs to).
ENTRY_FIELDS = (
    _Field("systolic", "BP"), _Field("diastolic", ""), _Field("pulse", "HR"),
    _Field("respiration", "RR"), _Field("temperature", "Temp", _DECIMAL, 60), _Field("spo2", "SpO₂ %"),
    _Field("height", "Height", _DECIMAL, 60), _Field("weight", "Weight", _DECIMAL, 64),
    _Field("pain", "Pain 0–10", r"10|\d?", 44),
)

#: Trend measures: label -> (series keys, axis unit in canonical terms).
MEASURES: dict[str, tuple[tuple[str, ...], str]] = {
    "Blood pressure": (("systolic", "diastolic"), "mm Hg"),
    "Weight": (("weight",), "weight"),
    "BMI": (("bmi",), "kg/m²"),
    "Heart rate": (("pulse",), "/min"),
    "Respiratory rate": (("respiration",), "/min"),
    "Temperature": (("temperature",), "temperature"),
    "SpO₂": (("spo2",), "%"),
    "Height": (("height",), "height"),
    "Pain": (("pain",), "0–10"),
}
#: BP is drawn with its two highlighting limits as dashed lines.
BP_THRESHOLDS = (("Limit 140", 140.0), ("Limit 90", 90.0))


def _check_unit(key: str, number: float, unit: str) -> None:
    """Catch the commonest slip at a busy desk: a temperature typed in the other unit."""
    if key != "temperature":
        return
    if unit == "°C" and 86 <= number <= 113:
        raise ValidationError(f"{number:g} °C is not a body temperature; it looks like °F. Choose °F in "
                              "the unit box (or correct the value).", key)
    if unit == "°F" and 25 <= number <= 45:
        raise ValidationError(f"{number:g} °F is not a body temperature; it looks like °C. Choose °C in "
                              "the unit box (or correct the value).", key)


def open_encounter(chart: ChartDTO, today: date | None = None) -> EncounterDTO | None:
    """Today's in-progress visit, to which new vitals are attached."""
    today = today or date.today()
    for encounter in chart.encounters:
        if encounter.status == EncounterStatus.IN_PROGRESS.value \
                and encounter.start_time.astimezone().date() == today:
            return encounter
    return None


def latest_value(vitals: tuple[VitalSignDTO, ...], key: str) -> VitalSignDTO | None:
    loinc = VITALS[key].loinc
    rows = [v for v in vitals if v.loinc == loinc and v.record_status == RecordStatus.ACTIVE.value]
    return max(rows, key=lambda v: v.taken_at) if rows else None


class VitalsTab(ChartTab):
    title = "&Vitals"
    sections = ("vitals",)

    sig_vitals_saved = Signal(object)
    """A quick-entry panel was saved; carries the list of VitalSignDTOs the service returned."""

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("vitalsTab")
        self._saving = False
        self._encounter: EncounterDTO | None = None
        layout = self.layout_with_notice()
        layout.addWidget(self._build_entry())
        self.model = VitalsTableModel(self)
        self.table = make_table(self.model)
        self.table.setObjectName("vitalsTable")
        self.table.setAccessibleName("Vital signs taken")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.error_action = QAction("Mar&k entered in error…", self)
        self.error_action.triggered.connect(self.mark_entered_in_error)
        self.table.addAction(self.error_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.error_button = QPushButton("Mar&k entered in error…")
        self.error_button.clicked.connect(self.mark_entered_in_error)

        self.measure = QComboBox()
        self.measure.setObjectName("vitalsTrendMeasure")
        self.measure.setAccessibleName("Measure to chart")
        self.measure.addItems(list(MEASURES))
        self.measure.currentTextChanged.connect(lambda _t: self.show_trend())
        self.trend = TrendChart(empty_text="No values of this measure yet.")
        self.trend.setAccessibleName("Vital sign trend")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        row = QHBoxLayout()
        self.range_note = QLabel("")
        self.range_note.setObjectName("vitalsRangeNote")
        row.addWidget(self.range_note, 1)
        row.addWidget(self.error_button)
        left_layout.addLayout(row)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        pick = QHBoxLayout()
        trend_label = QLabel("&Trend:")
        trend_label.setBuddy(self.measure)
        pick.addWidget(trend_label)
        pick.addWidget(self.measure, 1)
        right_layout.addLayout(pick)
        right_layout.addWidget(self.trend, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self._selection_changed()

    # --- the quick-entry row -------------------------------------------------------------------

    def _build_entry(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("vitalsEntry")
        grid = QGridLayout(frame)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        self.fields: dict[str, QLineEdit] = {}
        self.units: dict[str, QComboBox] = {}
        col = 0
        order: list[QWidget] = []
        for spec in ENTRY_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"vitals_{spec.key}")
            edit.setAccessibleName(VITALS[spec.key].display)
            edit.setToolTip(VITALS[spec.key].display)
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(spec.pattern), edit))
            edit.setFixedWidth(spec.width)
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.returnPressed.connect(self.save_vitals)
            self.fields[spec.key] = edit
            order.append(edit)
            if spec.key == "diastolic":
                grid.addWidget(QLabel("/"), 1, col)
                col += 1
            if spec.label:
                span = 3 if spec.key == "systolic" else (2 if spec.key in ENTRY_UNITS else 1)
                grid.addWidget(QLabel(spec.label), 0, col, 1, span)
            grid.addWidget(edit, 1, col)
            col += 1
            if spec.key in ENTRY_UNITS:
                combo = QComboBox()
                combo.setObjectName(f"vitals_{spec.key}_unit")
                combo.setAccessibleName(f"{VITALS[spec.key].display} unit")
                combo.addItems(list(ENTRY_UNITS[spec.key]))
                combo.currentTextChanged.connect(self._units_changed)
                combo.installEventFilter(self)
                self.units[spec.key] = combo
                order.append(combo)
                grid.addWidget(combo, 1, col)
                col += 1
            if spec.key in ("height", "weight"):
                edit.textChanged.connect(self._update_bmi)
        self.bmi_label = QLabel("BMI —")
        self.bmi_label.setObjectName("vitalsBmi")
        self.bmi_label.setMinimumWidth(110)
        grid.addWidget(QLabel("BMI"), 0, col)
        grid.addWidget(self.bmi_label, 1, col)
        col += 1
        self.save_button = QPushButton("&Save vitals")
        self.save_button.setObjectName("vitalsSave")
        self.save_button.clicked.connect(self.save_vitals)
        grid.addWidget(self.save_button, 1, col)
        col += 1
        self.message = QLabel("")
        self.message.setObjectName("vitalsEntryMessage")
        self.message.setWordWrap(True)
        grid.addWidget(self.message, 2, 0, 1, col + 1)   # under the row: the row never moves
        grid.setColumnStretch(col, 1)
        self.encounter_hint = QLabel("")
        self.encounter_hint.setObjectName("vitalsEncounterHint")
        grid.addWidget(self.encounter_hint, 0, col)
        order.append(self.save_button)
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        return frame

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a unit box saves too, like in every other field of the row."""
        if event.type() == QEvent.Type.KeyPress and watched in self.units.values() \
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save_vitals()
            return True
        return super().eventFilter(watched, event)

    def display_units(self) -> DisplayUnits:
        return DisplayUnits(temperature=self.units["temperature"].currentText(),
                            weight=self.units["weight"].currentText(),
                            height=self.units["height"].currentText())

    def _units_changed(self) -> None:
        self.model.set_units(self.display_units())
        self._update_bmi()
        self.show_trend()

    def _number(self, key: str) -> float | None:
        text = self.fields[key].text().strip().replace(",", ".")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationError(f"{VITALS[key].display}: “{text}” is not a number.", key) from None

    def entry_values(self) -> dict[str, float]:
        """What was typed, in canonical units (cm, kg, Cel); fields left empty are not measured.
        When only a weight is typed, an adult's last height gives the BMI."""
        values: dict[str, float] = {}
        for key in self.fields:
            number = self._number(key)
            if number is None:
                continue
            unit = self.units[key].currentText() if key in self.units else ""
            _check_unit(key, number, unit)
            values[key] = to_canonical(key, number, unit) if unit else number
        derived = self._bmi_from(values)
        if derived is not None and "height" not in values:
            values["bmi"] = derived[0]
        return values

    def _bmi_from(self, values: dict[str, float]) -> tuple[float, bool] | None:
        """(BMI, used an earlier height) for the typed values, or None."""
        weight = values.get("weight")
        if weight is None:
            return None
        if "height" in values:
            value = bmi(values["height"], weight)
            return (value, False) if value is not None else None
        last = self._last_height()
        value = bmi(last.value, weight) if last is not None else None
        return (value, True) if value is not None else None

    def _last_height(self) -> VitalSignDTO | None:
        if self.chart is None or not self._is_adult():
            return None
        return latest_value(self.chart.vitals, "height")

    def _is_adult(self) -> bool:
        return self.chart is not None and self.chart.patient.age_on(date.today()) >= 18

    def _update_bmi(self) -> None:
        try:
            values = {k: to_canonical(k, n, self.units[k].currentText())
                      for k in ("height", "weight") if (n := self._number(k)) is not None}
        except ValidationError:
            values = {}
        derived = self._bmi_from(values)
        if derived is None:
            self.bmi_label.setText("BMI —")
            self.bmi_label.setToolTip("Type height and weight (or a weight: an adult's last height is used).")
            return
        value, earlier = derived
        mark = assess("bmi", value).marker if self._is_adult() else ""
        self.bmi_label.setText(f"BMI {value:.1f} {mark}".rstrip() + (" *" if earlier else ""))
        last = self._last_height()
        self.bmi_label.setToolTip(
            f"* Using the height taken {last.taken_at.astimezone():%m/%d/%Y}" if earlier and last else "")

    def clear_entry(self) -> None:
        for edit in self.fields.values():
            edit.clear()
        self.bmi_label.setText("BMI —")

    def save_vitals(self) -> None:
        """Save the row (Enter in any field, or the button); the service checks the values."""
        if self._saving or self.chart is None:
            return
        try:
            values = self.entry_values()
        except ValidationError as exc:
            self._show_error(exc)
            return
        patient_id = self.chart.patient.id
        encounter_id = self._encounter.id if self._encounter is not None else None
        service = self.ctx.services.vitals
        self._set_saving(True)
        self.save(lambda actor: service.record(actor, patient_id, encounter_id=encounter_id, **values),
                  saved="Vitals saved.", on_done=self._saved, on_error=self._save_failed)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)

    def _saved(self, rows: list[VitalSignDTO]) -> None:
        self._set_saving(False)
        self.clear_entry()
        self._set_message("Vitals saved.", error=False)
        self.fields["systolic"].setFocus(Qt.FocusReason.OtherFocusReason)
        self.sig_vitals_saved.emit(rows)

    def _save_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        self._set_message(error_text(exc), error=True)
        field = getattr(exc, "field", None)
        if field in self.fields:
            self.fields[field].setFocus(Qt.FocusReason.OtherFocusReason)
            self.fields[field].selectAll()

    def _set_message(self, text: str, *, error: bool) -> None:
        self.message.setText(f"⚠ {text}" if error and text else text)
        self.message.setProperty("state", "error" if error else "ok")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    # --- the table -------------------------------------------------------------------------------

    def selected_panel(self) -> VitalsPanel | None:
        row = selected_row(self.table)
        return self.model.row_at(row) if row is not None else None

    def _selection_changed(self, *_args: object) -> None:
        enabled = self.selected_panel() is not None
        self.error_action.setEnabled(enabled)
        self.error_button.setEnabled(enabled)

    def mark_entered_in_error(self) -> None:
        panel = self.selected_panel()
        if panel is None:
            return
        reason = self.ask_reason("Mark entered in error",
                                 f"Why are the vitals of {panel.taken_at.astimezone():%m/%d/%Y %H:%M} "
                                 "wrong? (They stay in the record, marked entered-in-error.)")
        if reason is None:
            return
        service = self.ctx.services.vitals
        row_ids = [r.id for r in panel.rows]

        def mark(actor: Actor) -> list[VitalSignDTO]:
            return [service.set_record_status(actor, rid, RecordStatus.ENTERED_IN_ERROR, reason)
                    for rid in row_ids]

        self.save(mark, saved="Vitals marked entered in error.")

    # --- the trend --------------------------------------------------------------------------------

    def show_trend(self) -> None:
        if self.chart is None:
            self.trend.clear()
            return
        label = self.measure.currentText()
        keys, unit = MEASURES[label]
        units = self.display_units()
        shown_unit = {"temperature": units.temperature, "weight": units.weight,
                      "height": units.height}.get(unit)
        series = []
        for key in keys:
            loinc = VITALS[key].loinc
            points = [(v.taken_at, from_canonical(key, v.value, shown_unit) if shown_unit else v.value)
                      for v in self.chart.vitals
                      if v.loinc == loinc and v.record_status == RecordStatus.ACTIVE.value]
            name = VITALS[key].display.replace(" blood pressure", "") if len(keys) > 1 else label
            series.append(TrendSeries(name, points))
        band = None
        thresholds: tuple[tuple[str, float], ...] = ()
        if keys == ("systolic", "diastolic"):
            thresholds = BP_THRESHOLDS if self._is_adult() else ()
        elif self._is_adult() and (ref := reference_band(keys[0])) is not None:
            band = tuple(from_canonical(keys[0], v, shown_unit) if (v is not None and shown_unit) else v
                         for v in ref)
        self.trend.set_trend(series, unit=shown_unit or unit, band=band,
                             thresholds=thresholds)

    # --- ChartTab ---------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        keep = self.selected_panel()
        adult = self._is_adult()
        self.model.set_adult(adult)
        self.model.set_rows(group_panels(chart.vitals))
        if keep is not None:
            for i in range(self.model.rowCount()):
                if self.model.row_at(i).panel_id == keep.panel_id:
                    self.table.selectRow(i)
                    break
        self._selection_changed()
        self.range_note.setText("" if adult else "Adult ranges are not applied: this patient is a child.")
        self._encounter = open_encounter(chart)
        self.encounter_hint.setText(
            f"Adds to today's visit ({self._encounter.encounter_type.replace('-', ' ').replace('_', ' ')})"
            if self._encounter is not None else "")
        may_write = allows(self.ctx.actor, Category.VITALS, Verb.WRITE, chart.patient.id)
        for widget in (*self.fields.values(), self.save_button):
            widget.setEnabled(may_write)
        self.error_button.setVisible(may_write)
        self._update_bmi()
        self.show_trend()

    def clear_tab(self) -> None:
        self.clear_entry()
        self._set_message("", error=False)
        self.model.clear()
        self.trend.clear()
        self._encounter = None
        self.encounter_hint.setText("")
        self.range_note.setText("")
        self._selection_changed()

