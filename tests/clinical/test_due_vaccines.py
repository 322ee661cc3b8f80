"""Immunization rules of the due list: influenza by season, Td/Tdap, pneumococcal, zoster and the
childhood schedule."""

from __future__ import annotations

from datetime import date, timedelta

from emr_desktop.clinical.due import DueItem, DueStatus, due_items
from emr_desktop.domain.records import ChartDTO
from tests.clinical.chart_builder import ChartBuilder

OVERDUE, DUE, SOON = DueStatus.OVERDUE, DueStatus.DUE, DueStatus.SOON


def due(chart: ChartDTO, today: date) -> dict[str, DueItem]:
    return {item.key: item for item in due_items(chart, today)}


def flu(chart: ChartDTO, today: date) -> DueItem | None:
    return due(chart, today).get("influenza")


# --- influenza ------------------------------------------------------------------------------------

ADULT = date(1970, 1, 1)


def test_flu_due_from_august_first_with_last_seasons_shot_shown() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2024, 9, 15)).build()
    item = flu(chart, date(2025, 8, 1))
    assert item is not None
    assert (item.status, item.due_date) == (DUE, date(2025, 8, 1))
    assert item.title == "Influenza vaccine"
    assert item.detail == "Last given 2024-09-15"
    assert item.source == "CDC immunization schedule"


def test_flu_july_31_announces_the_coming_season_instead_of_overdue() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2024, 9, 15)).build()
    item = flu(chart, date(2025, 7, 31))
    assert item is not None
    assert (item.status, item.due_date) == (SOON, date(2025, 8, 1))
    # Without any shot last season it is still only "soon" in July: the vaccine expired on June 30.
    never = flu(ChartBuilder(ADULT).build(), date(2025, 7, 31))
    assert never is not None and never.status == SOON and never.detail == "No record"


def test_flu_july_first_is_beyond_the_soon_window() -> None:
    chart = ChartBuilder(ADULT).build()
    assert flu(chart, date(2025, 7, 1)) is None
    assert flu(chart, date(2025, 7, 2)) is not None


def test_season_boundary_on_the_shot_date() -> None:
    """Mid-season, a shot on August 1 counts for the season; one on July 31 belongs to the last."""
    mid_season = date(2025, 6, 15)
    assert flu(ChartBuilder(ADULT).vaccine("150", date(2024, 8, 1)).build(), mid_season) is None
    late = flu(ChartBuilder(ADULT).vaccine("150", date(2024, 7, 31)).build(), mid_season)
    assert late is not None
    assert (late.status, late.due_date) == (OVERDUE, date(2024, 8, 1))
    assert late.detail == "Last given 2024-07-31"


def test_shot_given_on_august_first_addresses_the_new_season() -> None:
    chart = ChartBuilder(ADULT).vaccine("140", date(2025, 8, 1)).build()
    assert flu(chart, date(2025, 8, 1)) is None


def test_flu_overdue_from_november_first() -> None:
    chart = ChartBuilder(ADULT).build()
    october = flu(chart, date(2025, 10, 31))
    november = flu(chart, date(2025, 11, 1))
    assert october is not None and october.status == DUE
    assert november is not None and november.status == OVERDUE


def test_refused_flu_shot_addresses_the_season() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2025, 9, 10), kind="refused").build()
    assert flu(chart, date(2025, 12, 1)) is None


def test_last_seasons_refusal_does_not_cover_this_season() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2024, 10, 1), kind="refused").build()
    item = flu(chart, date(2025, 10, 1))
    assert item is not None
    assert item.status == DUE
    assert item.detail == "Declined 2024-10-01"


def test_entered_in_error_flu_shot_is_ignored() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2025, 9, 10), status="entered-in-error").build()
    item = flu(chart, date(2025, 10, 1))
    assert item is not None
    assert item.detail == "No record"


def test_future_dated_shot_does_not_count_yet() -> None:
    chart = ChartBuilder(ADULT).vaccine("150", date(2025, 10, 5)).build()
    assert flu(chart, date(2025, 10, 1)) is not None
    assert flu(chart, date(2025, 10, 5)) is None


def test_non_flu_vaccine_and_southern_hemisphere_flu_do_not_count() -> None:
    chart = (ChartBuilder(ADULT).vaccine("115", date(2025, 9, 1))    # Tdap
             .vaccine("201", date(2025, 9, 2))                       # southern hemisphere flu
             .build())
    assert flu(chart, date(2025, 10, 1)) is not None


def test_infant_flu_from_six_months() -> None:
    chart = ChartBuilder(date(2025, 4, 10)).build()  # six months on 2025-10-10
    assert flu(chart, date(2025, 9, 1)) is None
    soon = flu(chart, date(2025, 9, 15))
    assert soon is not None and (soon.status, soon.due_date) == (SOON, date(2025, 10, 10))
    now = flu(chart, date(2025, 10, 10))
    assert now is not None and now.status == DUE
    # Became eligible mid-season: not overdue on November 1, only 90 days after the 6-month date.
    assert flu(chart, date(2025, 11, 15)).status == DUE  # type: ignore[union-attr]
    assert flu(chart, date(2026, 1, 8)).status == OVERDUE  # type: ignore[union-attr]


# --- Td/Tdap --------------------------------------------------------------------------------------

def test_td_every_ten_years() -> None:
    chart = ChartBuilder(date(1980, 3, 10)).vaccine("113", date(2015, 6, 1)).build()
    assert due(chart, date(2025, 5, 1)).get("td_tdap") is None  # 31 days ahead
    soon = due(chart, date(2025, 5, 15))["td_tdap"]
    assert (soon.status, soon.due_date) == (SOON, date(2025, 6, 1))
    assert soon.detail == "Last given 2015-06-01"
    assert soon.source == "CDC adult schedule"
    assert due(chart, date(2025, 6, 1))["td_tdap"].status == DUE
    assert due(chart, date(2025, 8, 29))["td_tdap"].status == DUE
    assert due(chart, date(2025, 8, 30))["td_tdap"].status == OVERDUE  # 90 days past due


def test_td_without_record_is_overdue_since_adulthood() -> None:
    item = due(ChartBuilder(date(1985, 4, 2)).build(), date(2025, 6, 1))["td_tdap"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2004, 4, 2), "No record")


def test_td_refusal_does_not_count_but_is_shown() -> None:
    chart = (ChartBuilder(date(1980, 1, 1)).vaccine("115", date(2010, 1, 1))
             .vaccine("115", date(2024, 3, 1), kind="refused").build())
    item = due(chart, date(2025, 6, 1))["td_tdap"]
    assert item.due_date == date(2020, 1, 1)
    assert item.detail == "Last given 2010-01-01; declined 2024-03-01"


def test_adolescent_tdap_starts_the_adult_clock() -> None:
    birth = date(2006, 5, 1)
    chart = ChartBuilder(birth).vaccine("115", date(2017, 5, 3)).build()  # age 11
    assert due(chart, date(2025, 6, 1)).get("td_tdap") is None  # 19, next dose due 2027
    item = due(chart, date(2027, 5, 3))["td_tdap"]
    assert item.status == DUE


# --- pneumococcal ---------------------------------------------------------------------------------

def test_pneumococcal_birthday_boundary() -> None:
    chart = ChartBuilder(date(1960, 6, 15)).build()  # 65 on 2025-06-15
    assert due(chart, date(2025, 5, 15)).get("pneumococcal") is None
    soon = due(chart, date(2025, 5, 16))["pneumococcal"]
    assert (soon.status, soon.due_date) == (SOON, date(2025, 6, 15))
    assert due(chart, date(2025, 6, 14))["pneumococcal"].status == SOON
    on_birthday = due(chart, date(2025, 6, 15))["pneumococcal"]
    assert (on_birthday.status, on_birthday.detail) == (DUE, "No record")


def test_pneumococcal_once_with_any_adult_dose() -> None:
    today = date(2025, 6, 1)
    birth = date(1955, 1, 1)
    for cvx in ("33", "033", "216", "133", "215"):
        chart = ChartBuilder(birth).vaccine(cvx, date(2021, 5, 1)).build()
        assert due(chart, today).get("pneumococcal") is None, cvx
    historical = ChartBuilder(birth).vaccine("33", date(2019, 5, 1), kind="historical").build()
    assert due(historical, today).get("pneumococcal") is None


def test_infant_pcv_does_not_count_for_the_adult_dose() -> None:
    chart = ChartBuilder(date(1955, 1, 1)).vaccine("100", date(1956, 3, 1)).build()
    item = due(chart, date(2025, 6, 1))["pneumococcal"]
    assert item.status == OVERDUE


# --- zoster ---------------------------------------------------------------------------------------

def test_zoster_from_fifty_without_record() -> None:
    item = due(ChartBuilder(date(1970, 1, 1)).build(), date(2025, 6, 1))["zoster"]
    assert (item.status, item.due_date, item.title) == (OVERDUE, date(2020, 1, 1),
                                                         "Zoster vaccine (RZV)")
    assert due(ChartBuilder(date(1980, 1, 1)).build(), date(2025, 6, 1)).get("zoster") is None


def test_zoster_second_dose_two_to_six_months_after_the_first() -> None:
    chart = ChartBuilder(date(1970, 1, 1)).vaccine("187", date(2025, 1, 10)).build()
    soon = due(chart, date(2025, 2, 20))["zoster"]
    assert (soon.status, soon.due_date) == (SOON, date(2025, 3, 10))
    assert soon.title == "Zoster vaccine (RZV), dose 2 of 2"
    assert soon.detail == "Dose 1 given 2025-01-10"
    assert due(chart, date(2025, 3, 10))["zoster"].status == DUE
    assert due(chart, date(2025, 7, 9))["zoster"].status == DUE
    assert due(chart, date(2025, 7, 10))["zoster"].status == OVERDUE


def test_zoster_complete_after_two_doses_and_live_vaccine_does_not_count() -> None:
    done = (ChartBuilder(date(1970, 1, 1)).vaccine("187", date(2024, 1, 10))
            .vaccine("187", date(2024, 4, 10)).build())
    assert due(done, date(2025, 6, 1)).get("zoster") is None
    live = ChartBuilder(date(1950, 1, 1)).vaccine("121", date(2012, 1, 10)).build()
    assert due(live, date(2025, 6, 1))["zoster"].detail == "No record"


# --- childhood ------------------------------------------------------------------------------------

BABY = date(2025, 1, 1)


def test_two_month_visit_doses_due() -> None:
    chart = ChartBuilder(BABY).vaccine("08", date(2025, 1, 1)).vaccine("8", date(2025, 1, 31)).build()
    today = BABY + timedelta(days=61)
    items = due(chart, today)
    for key in ("child_dtap", "child_ipv", "child_hib", "child_pcv", "child_rotavirus"):
        assert (items[key].status, items[key].due_date) == (DUE, today), key
        assert items[key].source == "CDC child schedule"
    assert items["child_dtap"].title == "DTaP, dose 1 of 5"
    assert items["child_dtap"].detail == "No record"
    assert "child_hepb" not in items  # dose 3 at 6 months
    assert "influenza" not in items
    assert not {"td_tdap", "bp_screening", "zoster"} & items.keys()


def test_next_dose_soon_and_leading_zero_codes_count() -> None:
    chart = ChartBuilder(BABY).vaccine("08", date(2025, 1, 1)).vaccine("8", date(2025, 1, 31)).build()
    item = due(chart, BABY + timedelta(days=160))["child_hepb"]
    assert (item.status, item.due_date) == (SOON, BABY + timedelta(days=183))
    assert item.title == "Hepatitis B, dose 3 of 3"
    assert item.detail == "Last given 2025-01-31"


def test_combination_vaccine_counts_for_each_series() -> None:
    day = BABY + timedelta(days=61)
    chart = ChartBuilder(BABY).vaccine("120", day).build()  # DTaP-Hib-IPV
    items = due(chart, BABY + timedelta(days=80))
    assert not {"child_dtap", "child_hib", "child_ipv"} & items.keys()
    assert "child_pcv" in items


def test_next_dose_not_sooner_than_four_weeks_after_the_last() -> None:
    chart = ChartBuilder(BABY).vaccine("20", BABY + timedelta(days=100)).build()
    item = due(chart, BABY + timedelta(days=110))["child_dtap"]
    assert item.due_date == BABY + timedelta(days=128)
    assert item.status == SOON


def test_two_doses_of_one_series_on_one_day_count_once() -> None:
    day = BABY + timedelta(days=130)
    chart = ChartBuilder(BABY).vaccine("10", day).vaccine("10", day).build()
    item = due(chart, BABY + timedelta(days=140))["child_ipv"]
    assert item.title == "Polio (IPV), dose 2 of 4"
    assert item.due_date == day + timedelta(weeks=4)


def test_refused_childhood_dose_stays_due() -> None:
    chart = ChartBuilder(BABY).vaccine("03", BABY + timedelta(days=370), kind="refused").build()
    item = due(chart, BABY + timedelta(days=380))["child_mmr"]
    assert item.status == DUE
    assert item.detail == "No record; declined 2026-01-06"


def test_series_dropped_past_their_age() -> None:
    items = due(ChartBuilder(BABY).build(), BABY + timedelta(days=241))
    assert "child_rotavirus" not in items and "child_pcv" in items
    five = due(ChartBuilder(date(2019, 1, 1)).build(), date(2025, 6, 1))
    assert not {"child_hib", "child_pcv", "child_rotavirus"} & five.keys()
    assert "child_dtap" in five


def test_no_childhood_items_from_nineteen() -> None:
    items = due(ChartBuilder(date(2006, 5, 1)).build(), date(2025, 6, 1))
    assert not [k for k in items if k.startswith("child_")]
    younger = due(ChartBuilder(date(2006, 5, 1)).build(), date(2025, 4, 30))
    assert "child_menacwy" in younger
