"""Adult vital-sign ranges and the unit conversions of quick entry."""

from __future__ import annotations

import pytest

from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.vitals_ranges import (
    RANGES,
    Level,
    assess,
    assess_bp,
    bmi,
    celsius_to_fahrenheit,
    fahrenheit_to_celsius,
    from_canonical,
    reference_band,
    to_canonical,
)


@pytest.mark.parametrize(("key", "value", "level", "marker"), [
    ("systolic", 139, Level.NORMAL, ""),
    ("systolic", 140, Level.ABNORMAL, "↑"),
    ("systolic", 180, Level.CRITICAL, "↑↑"),
    ("systolic", 85, Level.ABNORMAL, "↓"),
    ("diastolic", 89, Level.NORMAL, ""),
    ("diastolic", 90, Level.ABNORMAL, "↑"),
    ("diastolic", 120, Level.CRITICAL, "↑↑"),
    ("spo2", 92, Level.NORMAL, ""),
    ("spo2", 91, Level.ABNORMAL, "↓"),
    ("spo2", 87, Level.CRITICAL, "↓↓"),
    ("pulse", 100, Level.NORMAL, ""),
    ("pulse", 101, Level.ABNORMAL, "↑"),
    ("pulse", 49, Level.ABNORMAL, "↓"),
    ("respiration", 20, Level.NORMAL, ""),
    ("respiration", 21, Level.ABNORMAL, "↑"),
    ("temperature", 37.9, Level.NORMAL, ""),
    ("temperature", 38.0, Level.ABNORMAL, "↑"),
    ("temperature", 40.1, Level.CRITICAL, "↑↑"),
    ("bmi", 29.9, Level.NORMAL, ""),
    ("bmi", 30.0, Level.ABNORMAL, "↑"),
    ("bmi", 17.0, Level.ABNORMAL, "↓"),
    ("weight", 250, Level.NORMAL, ""),   # no range: never highlighted
])
def test_adult_ranges(key: str, value: float, level: Level, marker: str) -> None:
    result = assess(key, value)
    assert result.level is level and result.marker == marker


def test_blood_pressure_takes_the_worse_of_the_two() -> None:
    assert assess_bp(152, 96).level is Level.ABNORMAL and assess_bp(152, 96).marker == "↑"
    assert assess_bp(130, 122).level is Level.CRITICAL
    assert assess_bp(120, 80).level is Level.NORMAL
    assert assess(key="systolic", value=None).level is Level.NORMAL


def test_ranges_only_name_known_vitals_and_are_plausible() -> None:
    for key, rng in RANGES.items():
        kind = VITALS[key]
        for limit in (rng.low, rng.high, rng.critical_low, rng.critical_high):
            assert limit is None or kind.low <= limit <= kind.high, (key, limit)


def test_reference_bands_for_the_chart() -> None:
    assert reference_band("pulse") == (50, 100)
    assert reference_band("spo2") == (92, None)
    assert reference_band("weight") is None


def test_unit_conversions_round_to_what_is_stored() -> None:
    assert to_canonical("temperature", 101.3, "°F") == 38.5
    assert to_canonical("temperature", 37.2, "°C") == 37.2
    assert to_canonical("weight", 180, "lb") == 81.65
    assert to_canonical("height", 68, "in") == 172.7
    assert to_canonical("pulse", 72, "") == 72
    assert fahrenheit_to_celsius(celsius_to_fahrenheit(36.6)) == pytest.approx(36.6)
    assert from_canonical("weight", 81.65, "lb") == pytest.approx(180.0, abs=0.01)
    assert from_canonical("temperature", 100.0, "°C") == 100.0


def test_bmi_matches_the_service_formula() -> None:
    assert bmi(172.7, 81.65) == 27.4
    assert bmi(None, 80) is None and bmi(170, None) is None and bmi(0, 80) is None
