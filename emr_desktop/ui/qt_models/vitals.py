"""Vital signs as a table: one row per panel (the measurements taken together), newest first, with
out-of-range values highlighted and marked (↑/↓) so colour is never the only signal."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from emr_desktop.domain.codes import VITALS_BY_LOINC
from emr_desktop.domain.records import VitalSignDTO
from emr_desktop.domain.vitals_ranges import NORMAL, Assessment, Level, assess, assess_bp, from_canonical
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis


@dataclass(frozen=True, slots=True)
class VitalsPanel:
    """The vital-sign rows recorded together (same ``panel_id``)."""

    panel_id: uuid.UUID
    taken_at: datetime
    encounter_id: uuid.UUID | None
    #: VITALS key -> value in canonical units.
    values: Mapping[str, float]
    rows: tuple[VitalSignDTO, ...]

    def value(self, key: str) -> float | None:
        return self.values.get(key)


def group_panels(vitals: Sequence[VitalSignDTO]) -> list[VitalsPanel]:
    """Group rows by panel, newest panel first (rows of unknown codes are kept but not shown)."""
    groups: dict[uuid.UUID, list[VitalSignDTO]] = {}
    for row in vitals:
        groups.setdefault(row.panel_id, []).append(row)
    panels = []
    for panel_id, rows in groups.items():
        values = {VITALS_BY_LOINC[r.loinc].key: r.value for r in rows if r.loinc in VITALS_BY_LOINC}
        panels.append(VitalsPanel(panel_id=panel_id, taken_at=max(r.taken_at for r in rows),
                                  encounter_id=next((r.encounter_id for r in rows if r.encounter_id), None),
                                  values=values, rows=tuple(rows)))
    panels.sort(key=lambda p: (p.taken_at, str(p.panel_id)), reverse=True)
    return panels


@dataclass(frozen=True, slots=True)
class DisplayUnits:
    """The units the user reads temperature, weight and height in (values are stored canonical)."""

    temperature: str = "°C"
    weight: str = "kg"
    height: str = "cm"


class Column(IntEnum):
    TAKEN_AT = 0
    BP = 1
    PULSE = 2
    RESPIRATION = 3
    TEMPERATURE = 4
    SPO2 = 5
    WEIGHT = 6
    HEIGHT = 7
    BMI = 8
    PAIN = 9


def emphasis_of(assessment: Assessment) -> Emphasis:
    return {Level.ABNORMAL: Emphasis.ABNORMAL, Level.CRITICAL: Emphasis.CRITICAL}.get(
        assessment.level, Emphasis.NONE)


def _marked(text: str, assessment: Assessment) -> str:
    return f"{text} {assessment.marker}" if assessment.marker else text


class VitalsTableModel(DtoTableModel[VitalsPanel]):
    """Rows are ``VitalsPanel``s (``set_rows(group_panels(chart.vitals))``). The adult ranges
    highlight values only for an adult (``set_adult(False)`` for a child: no marks)."""

    def __init__(self, parent: Any = None, *, units: DisplayUnits | None = None) -> None:
        self._units = units or DisplayUnits()
        self._adult = True
        super().__init__(self._build_columns(), parent)

    @property
    def units(self) -> DisplayUnits:
        return self._units

    def set_units(self, units: DisplayUnits) -> None:
        if units != self._units:
            self._rebuild(units, self._adult)

    def set_adult(self, adult: bool) -> None:
        if adult != self._adult:
            self._rebuild(self._units, adult)

    def _rebuild(self, units: DisplayUnits, adult: bool) -> None:
        self.beginResetModel()
        self._units, self._adult = units, adult
        self._columns = self._build_columns()
        self.endResetModel()

    def _assess(self, key: str, value: float | None) -> Assessment:
        return assess(key, value) if self._adult else NORMAL

    def _assess_bp(self, p: VitalsPanel) -> Assessment:
        return assess_bp(p.value("systolic"), p.value("diastolic")) if self._adult else NORMAL

    def _bp_text(self, p: VitalsPanel) -> str:
        sys, dia = p.value("systolic"), p.value("diastolic")
        if sys is None or dia is None:
            return ""
        return _marked(f"{sys:.0f}/{dia:.0f}", self._assess_bp(p))

    def _build_columns(self) -> list[ColumnSpec[VitalsPanel]]:
        u = self._units

        def measure(key: str, digits: int, shown_unit: str | None = None) -> ColumnSpec[VitalsPanel]:
            def text(p: VitalsPanel) -> str:
                value = p.value(key)
                if value is None:
                    return ""
                shown = from_canonical(key, value, shown_unit) if shown_unit else value
                return _marked(f"{shown:.{digits}f}", self._assess(key, value))

            def emphasis(p: VitalsPanel) -> Emphasis:
                return emphasis_of(self._assess(key, p.value(key)))

            return ColumnSpec(header_of[key], text, emphasis=emphasis, align_right=True)

        header_of = {"pulse": "HR", "respiration": "RR", "temperature": f"Temp {u.temperature}",
                     "spo2": "SpO₂ %", "weight": f"Wt {u.weight}", "height": f"Ht {u.height}",
                     "bmi": "BMI", "pain": "Pain"}
        return [
            ColumnSpec("Taken", lambda p: f"{p.taken_at.astimezone():%m/%d/%Y %H:%M}",
                       tooltip=lambda p: "Recorded during a visit" if p.encounter_id else ""),
            ColumnSpec("BP", self._bp_text, emphasis=lambda p: emphasis_of(self._assess_bp(p)),
                       align_right=True),
            measure("pulse", 0),
            measure("respiration", 0),
            measure("temperature", 1, shown_unit=u.temperature),
            measure("spo2", 0),
            measure("weight", 1, shown_unit=u.weight),
            measure("height", 1, shown_unit=u.height),
            measure("bmi", 1),
            measure("pain", 0),
        ]
