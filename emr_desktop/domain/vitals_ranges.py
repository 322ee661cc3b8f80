"""Adult vital-sign ranges for highlighting, and the unit conversions of quick entry.

Pure Python. Keys are those of ``domain.codes.VITALS``; values are in its canonical units
(mm[Hg], /min, Cel, %, cm, kg, kg/m2, score). These ranges *highlight* a value for the reader;
they are not the plausibility limits the service enforces at entry (``VitalKind.low/high``),
and they are adult screening thresholds, not treatment targets for a given patient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    NORMAL = "normal"
    ABNORMAL = "abnormal"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Assessment:
    level: Level = Level.NORMAL
    #: +1 above the range, -1 below it, 0 inside.
    direction: int = 0

    @property
    def marker(self) -> str:
        """A text mark so colour is never the only signal: ↑ high, ↓ low, doubled when critical."""
        if self.level is Level.NORMAL or self.direction == 0:
            return ""
        arrow = "↑" if self.direction > 0 else "↓"
        return arrow * 2 if self.level is Level.CRITICAL else arrow

    def worst(self, other: Assessment) -> Assessment:
        order = (Level.NORMAL, Level.ABNORMAL, Level.CRITICAL)
        return other if order.index(other.level) > order.index(self.level) else self


NORMAL = Assessment()


@dataclass(frozen=True, slots=True)
class VitalRange:
    """Values below ``low`` or at/above ``high`` are abnormal; below ``critical_low`` or at/above
    ``critical_high`` critical (with ``strict_high``: only *above* the high limits). None = no
    limit on that side."""

    low: float | None = None
    high: float | None = None
    critical_low: float | None = None
    critical_high: float | None = None
    strict_high: bool = False

    def _above(self, value: float, limit: float | None) -> bool:
        return limit is not None and (value > limit if self.strict_high else value >= limit)

    def assess(self, value: float) -> Assessment:
        if self._above(value, self.critical_high):
            return Assessment(Level.CRITICAL, 1)
        if self.critical_low is not None and value < self.critical_low:
            return Assessment(Level.CRITICAL, -1)
        if self._above(value, self.high):
            return Assessment(Level.ABNORMAL, 1)
        if self.low is not None and value < self.low:
            return Assessment(Level.ABNORMAL, -1)
        return NORMAL


#: Adult ranges. BP: stage 2 hypertension from 140/90, hypertensive crisis from 180/120.
RANGES: dict[str, VitalRange] = {
    "systolic": VitalRange(low=90, high=140, critical_low=70, critical_high=180),
    "diastolic": VitalRange(low=60, high=90, critical_low=40, critical_high=120),
    "pulse": VitalRange(low=50, high=100, critical_low=40, critical_high=130, strict_high=True),
    "respiration": VitalRange(low=12, high=20, critical_low=8, critical_high=30, strict_high=True),
    "temperature": VitalRange(low=35.5, high=38.0, critical_low=35.0, critical_high=40.0),
    "spo2": VitalRange(low=92, critical_low=88),
    "bmi": VitalRange(low=18.5, high=30),
    "pain": VitalRange(high=7),  # severe pain 7-10
}


def assess(key: str, value: float | None) -> Assessment:
    """How one measurement compares with the adult range (NORMAL when there is none)."""
    rng = RANGES.get(key)
    if rng is None or value is None:
        return NORMAL
    return rng.assess(float(value))


def assess_bp(systolic: float | None, diastolic: float | None) -> Assessment:
    """The worse of the two pressures."""
    return assess("systolic", systolic).worst(assess("diastolic", diastolic))


def reference_band(key: str) -> tuple[float | None, float | None] | None:
    """The not-highlighted band (low, high) for a trend chart, or None when there is none."""
    rng = RANGES.get(key)
    if rng is None or (rng.low is None and rng.high is None):
        return None
    return rng.low, rng.high


# --- units of quick entry -----------------------------------------------------------------------

LB_PER_KG = 2.2046226218
CM_PER_IN = 2.54


def fahrenheit_to_celsius(f: float) -> float:
    return (f - 32.0) * 5.0 / 9.0


def celsius_to_fahrenheit(c: float) -> float:
    return c * 9.0 / 5.0 + 32.0


def pounds_to_kg(lb: float) -> float:
    return lb / LB_PER_KG


def kg_to_pounds(kg: float) -> float:
    return kg * LB_PER_KG


def inches_to_cm(inches: float) -> float:
    return inches * CM_PER_IN


def cm_to_inches(cm: float) -> float:
    return cm / CM_PER_IN


def _same(value: float) -> float:
    return value


Conversion = tuple[Callable[[float], float], Callable[[float], float]]

#: Units a user may type in, per measure (canonical first): label -> (to canonical, from canonical).
ENTRY_UNITS: dict[str, dict[str, Conversion]] = {
    "temperature": {"°C": (_same, _same), "°F": (fahrenheit_to_celsius, celsius_to_fahrenheit)},
    "weight": {"kg": (_same, _same), "lb": (pounds_to_kg, kg_to_pounds)},
    "height": {"cm": (_same, _same), "in": (inches_to_cm, cm_to_inches)},
}


def to_canonical(key: str, value: float, unit: str) -> float:
    """A typed value in ``unit`` -> the service's canonical unit, rounded to what is stored."""
    units = ENTRY_UNITS.get(key)
    if units is None:
        return value
    converted = units[unit][0](value)
    return round(converted, 2 if key == "weight" else 1)


def from_canonical(key: str, value: float, unit: str) -> float:
    units = ENTRY_UNITS.get(key)
    return value if units is None else units[unit][1](value)


def bmi(height_cm: float | None, weight_kg: float | None) -> float | None:
    """Body mass index, computed the way ``VitalsService.record`` derives it."""
    if not height_cm or not weight_kg or height_cm <= 0:
        return None
    return round(weight_kg / (height_cm / 100) ** 2, 1)
