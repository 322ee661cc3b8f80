"""bp_status: the latest reading, the target that applies and whether it is met."""

from __future__ import annotations

from datetime import date

from emr_desktop.clinical.bp import DIABETES_TARGET, GENERAL_TARGET, BpReading, bp_status
from tests.clinical.chart_builder import ChartBuilder, at

ADULT = date(1970, 1, 1)


def test_no_reading() -> None:
    status = bp_status(ChartBuilder(ADULT).build())
    assert status.reading is None
    assert status.at_target is None and not status.above_target
    assert status.target == GENERAL_TARGET


def test_latest_reading_against_general_target() -> None:
    chart = (ChartBuilder(ADULT).bp(150, 95, date(2025, 1, 5))
             .bp(142, 91, date(2025, 3, 5)).build())
    status = bp_status(chart)
    assert status.reading == BpReading(systolic=142, diastolic=91, taken_at=at(date(2025, 3, 5)))
    assert status.reading.text == "142/91"
    assert status.at_target is False and status.above_target
    assert (status.target.text, status.target.source) == ("below 140/90", "ACC/AHA 2017")
    assert not status.diabetic


def test_later_reading_the_same_day_wins() -> None:
    chart = (ChartBuilder(ADULT).bp(150, 95, date(2025, 3, 5), hour=9)
             .bp(128, 80, date(2025, 3, 5), hour=11).build())
    status = bp_status(chart)
    assert status.reading is not None and status.reading.text == "128/80"
    assert status.at_target is True


def test_diabetes_lowers_the_target() -> None:
    chart = ChartBuilder(ADULT).problem("E11.9").bp(132, 78, date(2025, 3, 5)).build()
    status = bp_status(chart)
    assert status.diabetic and status.target == DIABETES_TARGET
    assert status.target.text == "below 130/80"
    assert status.at_target is False


def test_entered_in_error_and_future_readings_ignored() -> None:
    chart = (ChartBuilder(ADULT).bp(128, 78, date(2025, 1, 5))
             .bp(170, 100, date(2025, 2, 5), status="entered-in-error")
             .bp(165, 99, date(2025, 4, 5)).build())
    assert bp_status(chart, date(2025, 3, 1)).reading.text == "128/78"  # type: ignore[union-attr]
    assert bp_status(chart).reading.text == "165/99"  # type: ignore[union-attr]


def test_child_reading_has_no_adult_verdict() -> None:
    chart = ChartBuilder(date(2010, 1, 1)).bp(150, 95, date(2025, 3, 5)).build()
    status = bp_status(chart)
    assert status.reading is not None
    assert status.at_target is None
    # The 18th birthday is the boundary, judged on the day of the reading.
    adult = ChartBuilder(date(2007, 3, 5)).bp(150, 95, date(2025, 3, 5)).build()
    assert bp_status(adult).at_target is False
    minor = ChartBuilder(date(2007, 3, 6)).bp(150, 95, date(2025, 3, 5)).build()
    assert bp_status(minor).at_target is None


def test_partial_and_fractional_readings() -> None:
    systolic_only = ChartBuilder(ADULT).bp(141, None, date(2025, 3, 5)).build()
    status = bp_status(systolic_only)
    assert status.reading is not None and status.reading.text == "141/--"
    assert status.at_target is False
    fractional = ChartBuilder(ADULT).bp(120.5, 80, date(2025, 3, 5)).build()
    assert bp_status(fractional).reading.text == "120.5/80"  # type: ignore[union-attr]


def test_other_vitals_are_not_blood_pressure() -> None:
    chart = ChartBuilder(ADULT).vital("pulse", 150, date(2025, 3, 5)).build()
    assert bp_status(chart).reading is None
