"""Screening and monitoring rules of the due list, and the list as a whole (deceased patients,
withheld sections, order)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from emr_desktop.clinical.due import NOT_IN_CHART, DueItem, DueStatus, due_items
from emr_desktop.domain.records import ChartDTO
from tests.clinical.chart_builder import ChartBuilder

OVERDUE, DUE, SOON = DueStatus.OVERDUE, DueStatus.DUE, DueStatus.SOON
TODAY = date(2025, 6, 1)


def due(chart: ChartDTO, today: date = TODAY) -> dict[str, DueItem]:
    return {item.key: item for item in due_items(chart, today)}


# --- blood pressure -------------------------------------------------------------------------------

def test_bp_screening_yearly() -> None:
    b = ChartBuilder(date(1980, 1, 1))
    assert "bp_screening" not in due(b.bp(120, 80, date(2024, 8, 1)).build())
    item = due(ChartBuilder(date(1980, 1, 1)).bp(120, 80, date(2024, 6, 1)).build())["bp_screening"]
    assert (item.status, item.due_date) == (DUE, date(2025, 6, 1))
    assert item.detail == "Last checked 2024-06-01"
    assert (item.title, item.source) == ("Blood pressure screening", "USPSTF")


def test_bp_screening_starts_at_eighteen() -> None:
    chart = ChartBuilder(date(2007, 9, 1)).build()  # 18 on 2025-09-01
    assert "bp_screening" not in due(chart, date(2025, 8, 1))
    assert due(chart, date(2025, 8, 2))["bp_screening"].status == SOON
    item = due(chart, date(2025, 9, 1))["bp_screening"]
    assert (item.status, item.due_date, item.detail) == (DUE, date(2025, 9, 1), "No record")


def test_bp_screening_ignores_entered_in_error_reading() -> None:
    chart = (ChartBuilder(date(1980, 1, 1)).bp(120, 80, date(2023, 1, 10))
             .bp(118, 76, date(2025, 5, 1), status="entered-in-error").build())
    item = due(chart)["bp_screening"]
    assert item.detail == "Last checked 2023-01-10"
    assert item.status == OVERDUE


@pytest.mark.parametrize(("systolic", "diastolic", "flagged"), [
    (150, 85, True), (140, 70, True), (120, 90, True), (139, 89, False), (118, 76, False),
])
def test_bp_control_general_target(systolic: int, diastolic: int, flagged: bool) -> None:
    chart = ChartBuilder(date(1970, 1, 1)).bp(systolic, diastolic, date(2025, 5, 20)).build()
    item = due(chart).get("bp_control")
    assert (item is not None) == flagged
    if item is not None:
        assert item.title == "BP above target"
        assert item.detail == f"{systolic}/{diastolic} on 2025-05-20; target below 140/90"
        assert (item.status, item.due_date, item.source) == (DUE, date(2025, 5, 20), "ACC/AHA 2017")


def test_bp_control_diabetic_target() -> None:
    base = ChartBuilder(date(1970, 1, 1)).problem("E11.9")
    item = due(base.bp(135, 78, date(2025, 5, 20)).build())["bp_control"]
    assert item.detail == "135/78 on 2025-05-20; target below 130/80"
    assert item.source == "ADA Standards of Care"
    ok = ChartBuilder(date(1970, 1, 1)).problem("E10.65").bp(129, 79, date(2025, 5, 20)).build()
    assert "bp_control" not in due(ok)


def test_bp_control_uses_latest_active_reading() -> None:
    controlled = (ChartBuilder(date(1970, 1, 1)).bp(160, 100, date(2025, 1, 1))
                  .bp(128, 78, date(2025, 5, 1)).build())
    assert "bp_control" not in due(controlled)
    corrected = (ChartBuilder(date(1970, 1, 1)).bp(160, 100, date(2025, 1, 1))
                 .bp(128, 78, date(2025, 5, 1), status="entered-in-error").build())
    item = due(corrected)["bp_control"]
    assert item.detail.startswith("160/100 on 2025-01-01")
    assert item.status == OVERDUE  # not rechecked for more than 90 days


def test_no_bp_control_for_children() -> None:
    chart = ChartBuilder(date(2010, 1, 1)).bp(150, 95, date(2025, 5, 20)).build()
    assert "bp_control" not in due(chart)


# --- labs -----------------------------------------------------------------------------------------

def test_lipid_every_five_years() -> None:
    chart = ChartBuilder(date(1975, 1, 1)).lab("2093-3", date(2020, 3, 1), value=210).build()
    item = due(chart, date(2025, 3, 1))["lipid_screening"]
    assert (item.status, item.due_date, item.detail) == (DUE, date(2025, 3, 1),
                                                         "Last result 2020-03-01")
    assert due(chart, date(2025, 1, 30))["lipid_screening"].status == SOON
    assert "lipid_screening" not in due(chart, date(2025, 1, 29))
    panel = ChartBuilder(date(1975, 1, 1)).lab("24331-1", date(2022, 3, 1)).build()
    assert "lipid_screening" not in due(panel)


def test_lipid_ignores_hdl_alone_and_cancelled_results() -> None:
    chart = (ChartBuilder(date(1975, 1, 1)).lab("2085-9", date(2024, 3, 1), value=55)
             .lab("13457-7", date(2024, 3, 1), status="cancelled")
             .lab("2093-3", date(2024, 3, 1), record_status="entered-in-error").build())
    item = due(chart)["lipid_screening"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2015, 1, 1), "No record")


def test_lipid_age_band_upper_boundary() -> None:
    chart = ChartBuilder(date(1950, 3, 1)).build()  # 76 on 2026-03-01
    assert "lipid_screening" in due(chart, date(2026, 2, 28))
    assert "lipid_screening" not in due(chart, date(2026, 3, 1))


def test_hba1c_every_six_months_for_diabetes() -> None:
    chart = (ChartBuilder(date(1965, 1, 1)).problem("E11.9", onset=date(2018, 5, 1))
             .lab("4548-4", date(2024, 10, 1), value=7.4, unit="%").build())
    item = due(chart, date(2025, 4, 15))["hba1c"]
    assert (item.status, item.due_date) == (DUE, date(2025, 4, 1))
    assert item.detail == "Last result 7.4% on 2024-10-01"
    assert item.source == "ADA Standards of Care"
    assert "hba1c" not in due(chart, date(2025, 3, 1))


def test_hba1c_without_result_due_since_diagnosis() -> None:
    chart = ChartBuilder(date(1965, 1, 1)).problem("E11.65", onset=date(2018, 5, 1)).build()
    item = due(chart)["hba1c"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2018, 5, 1), "No record")
    undated = due(ChartBuilder(date(1965, 1, 1)).problem("E10.9").build())["hba1c"]
    assert (undated.status, undated.due_date) == (DUE, None)


@pytest.mark.parametrize(("code", "status", "record_status"), [
    ("E11.9", "resolved", "active"), ("E11.9", "active", "entered-in-error"), ("I10", "active", "active"),
    ("E13.9", "active", "active"),
])
def test_no_hba1c_without_active_e10_e11(code: str, status: str, record_status: str) -> None:
    chart = ChartBuilder(date(1965, 1, 1)).problem(code, status=status, record_status=record_status)
    assert "hba1c" not in due(chart.build())


def test_diabetes_screening_with_overweight() -> None:
    b = ChartBuilder(date(1980, 1, 1)).vital("bmi", 27.0, date(2025, 1, 10))
    item = due(b.build())["diabetes_screening"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2015, 1, 1), "No record")
    assert item.source == "USPSTF"
    recent = due(b.lab("2345-7", date(2023, 6, 1), value=96).build())
    assert "diabetes_screening" not in recent


def test_diabetes_screening_every_three_years() -> None:
    chart = (ChartBuilder(date(1980, 1, 1)).vital("bmi", 31.0, date(2025, 1, 10))
             .lab("4548-4", date(2022, 5, 1), value=5.6, unit="%").build())
    item = due(chart)["diabetes_screening"]
    assert (item.status, item.due_date) == (DUE, date(2025, 5, 1))
    assert item.detail == "Last HbA1c/glucose 2022-05-01"


def test_diabetes_screening_needs_bmi_25_or_more() -> None:
    lean = ChartBuilder(date(1980, 1, 1)).vital("bmi", 24.9, date(2025, 1, 10)).build()
    assert "diabetes_screening" not in due(lean)
    assert "diabetes_screening" not in due(ChartBuilder(date(1980, 1, 1)).build())
    computed = (ChartBuilder(date(1980, 1, 1)).vital("height", 170, date(2025, 1, 10))
                .vital("weight", 80, date(2025, 1, 10)).build())  # BMI 27.7
    assert "diabetes_screening" in due(computed)


def test_no_diabetes_screening_once_diagnosed() -> None:
    chart = (ChartBuilder(date(1980, 1, 1)).vital("bmi", 31.0, date(2025, 1, 10))
             .problem("E11.9").build())
    items = due(chart)
    assert "diabetes_screening" not in items and "hba1c" in items


# --- cancer screening -----------------------------------------------------------------------------

def test_cervical_without_record_is_due_undated() -> None:
    item = due(ChartBuilder(date(1990, 1, 1)).build())["cervical_screening"]
    assert (item.status, item.due_date, item.detail) == (DUE, None, NOT_IN_CHART)
    assert NOT_IN_CHART == "No record in this chart"
    assert "cervical_screening" not in due(ChartBuilder(date(1990, 1, 1), sex="male").build())
    organ = ChartBuilder(date(1990, 1, 1), sex="other", sex_at_birth="female").build()
    assert "cervical_screening" in due(organ)


def test_cervical_pap_every_three_years_hpv_every_five_from_thirty() -> None:
    recent = ChartBuilder(date(1990, 1, 1)).lab("19762-4", date(2023, 1, 1)).build()
    assert "cervical_screening" not in due(recent)
    old = due(ChartBuilder(date(1990, 1, 1)).lab("19762-4", date(2021, 1, 1)).build())
    item = old["cervical_screening"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2024, 1, 1),
                                                         "Last Pap 2021-01-01")
    hpv = ChartBuilder(date(1990, 1, 1)).lab("59420-0", date(2021, 6, 1)).build()
    assert "cervical_screening" not in due(hpv)
    young = due(ChartBuilder(date(2000, 1, 1)).lab("59420-0", date(2024, 1, 1)).build())
    assert young["cervical_screening"].detail == NOT_IN_CHART


def test_cervical_age_band() -> None:
    assert "cervical_screening" not in due(ChartBuilder(date(1959, 1, 1)).build())  # 66
    chart = ChartBuilder(date(2004, 6, 20)).build()  # 21 on 2025-06-20
    item = due(chart)["cervical_screening"]
    assert (item.status, item.due_date) == (SOON, date(2025, 6, 20))


def test_breast_screening_from_mammogram_reports() -> None:
    birth = date(1970, 1, 1)
    assert "breast_screening" not in due(ChartBuilder(birth).imaging(date(2024, 3, 1)).build())
    item = due(ChartBuilder(birth).imaging(date(2023, 1, 1)).build())["breast_screening"]
    assert (item.status, item.due_date, item.detail) == (OVERDUE, date(2025, 1, 1),
                                                         "Last mammogram 2023-01-01")
    by_name = ChartBuilder(birth).imaging(date(2024, 3, 1), modality="DX",
                                          study="Bilateral Mammogram").build()
    by_cpt = ChartBuilder(birth).imaging(date(2024, 3, 1), modality="", study="Breast imaging",
                                         study_code="77067").build()
    assert "breast_screening" not in due(by_name)
    assert "breast_screening" not in due(by_cpt)


def test_breast_screening_ignores_other_and_voided_studies() -> None:
    chart = (ChartBuilder(date(1970, 1, 1))
             .imaging(date(2024, 3, 1), modality="DX", study="XR Chest, 2 views")
             .imaging(date(2024, 4, 1), status="cancelled")
             .imaging(date(2024, 5, 1), record_status="entered-in-error").build())
    item = due(chart)["breast_screening"]
    assert (item.status, item.due_date, item.detail) == (DUE, None, NOT_IN_CHART)
    assert "breast_screening" not in due(ChartBuilder(date(1970, 1, 1), sex="male").build())
    assert "breast_screening" not in due(ChartBuilder(date(1950, 1, 1)).build())  # 75


def test_colorectal_from_stool_tests() -> None:
    birth = date(1970, 1, 1)
    item = due(ChartBuilder(birth, sex="male").build())["colorectal_screening"]
    assert (item.status, item.due_date, item.detail) == (DUE, None, NOT_IN_CHART)
    assert "colorectal_screening" not in due(ChartBuilder(birth).lab("29771-3", date(2025, 1, 1)).build())
    yearly = due(ChartBuilder(birth).lab("29771-3", date(2024, 4, 1)).build())["colorectal_screening"]
    assert (yearly.status, yearly.due_date, yearly.detail) == (DUE, date(2025, 4, 1),
                                                               "Last FIT/FOBT 2024-04-01")
    sdna = ChartBuilder(birth).lab("77354-9", date(2023, 9, 1)).build()
    assert "colorectal_screening" not in due(sdna)
    assert "colorectal_screening" not in due(ChartBuilder(date(1949, 1, 1)).build())  # 76


def test_leap_day_birthday_turns_45_on_march_first() -> None:
    chart = ChartBuilder(date(1980, 2, 29)).build()
    assert chart.patient.age_on(date(2025, 2, 28)) == 44
    soon = due(chart, date(2025, 2, 28))["colorectal_screening"]
    assert (soon.status, soon.due_date) == (SOON, date(2025, 3, 1))
    now = due(chart, date(2025, 3, 1))["colorectal_screening"]
    assert (now.status, now.due_date) == (DUE, None)


# --- the list as a whole --------------------------------------------------------------------------

def _busy_chart() -> ChartDTO:
    return (ChartBuilder(date(1975, 1, 1))
            .vaccine("187", date(2025, 3, 1))
            .lab("2093-3", date(2020, 6, 20), value=190).build())


def test_sorted_overdue_first_then_due_then_soon() -> None:
    items = due_items(_busy_chart(), TODAY)
    assert [i.key for i in items] == [
        "bp_screening", "td_tdap", "influenza",              # overdue, oldest first
        "zoster",                                            # due, dated
        "breast_screening", "cervical_screening", "colorectal_screening",  # due, undated
        "lipid_screening",                                   # soon
    ]
    assert [i.status for i in items] == [OVERDUE] * 3 + [DUE] * 4 + [SOON]
    assert len({i.key for i in items}) == len(items)


def test_deceased_patient_has_nothing_due() -> None:
    chart = _busy_chart()
    dead = replace(chart, patient=replace(chart.patient, deceased_date=date(2025, 5, 1)))
    assert due_items(dead, TODAY) == []
    merged = replace(chart, patient=replace(chart.patient, merged_into_id=uuid.uuid4()))
    assert due_items(merged, TODAY) == []
    voided = replace(chart, patient=replace(chart.patient, record_status="entered-in-error"))
    assert due_items(voided, TODAY) == []
    assert due_items(chart, date(1974, 12, 31)) == []  # before birth


def test_withheld_sections_skip_their_rules() -> None:
    chart = replace(_busy_chart(), withheld=frozenset({"immunizations", "lab_results"}))
    keys = {i.key for i in due_items(chart, TODAY)}
    assert keys == {"bp_screening", "breast_screening"}


def test_due_item_is_frozen() -> None:
    item = due_items(_busy_chart(), TODAY)[0]
    with pytest.raises(AttributeError):
        item.status = DUE  # type: ignore[misc]
