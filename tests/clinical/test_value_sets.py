"""The rules' code lists recognise what the demo practice records, the childhood schedule copy
matches the demo's, and the calendar helpers agree with PatientDTO.age_on."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from emr_desktop.clinical import value_sets as vs
from emr_desktop.clinical.due import _is_mammogram
from emr_desktop.clinical.facts import add_months, birthday
from emr_desktop.demo import catalog, labs, vaccines
from emr_desktop.domain.records import ImagingReportDTO
from tests.clinical.chart_builder import ChartBuilder


def _series_of(code: str) -> str:
    if code == "PCV":
        return "pcv"
    matches = [s.key for s in vs.CHILD_SERIES.values() if vs.cvx_key(code) in s.cvx]
    assert len(matches) == 1, (code, matches)
    return matches[0]


def test_child_schedule_matches_the_demo() -> None:
    mapped = tuple((age, _series_of(code), dose) for age, code, dose in vaccines.CHILD_SCHEDULE)
    assert mapped == vs.CHILD_SCHEDULE


def test_demo_vaccines_are_recognised() -> None:
    for when in (date(2022, 10, 1), date(2024, 10, 1)):
        assert vs.cvx_key(vaccines.pcv_cvx(when)) in vs.CHILD_SERIES["pcv"].cvx
        assert vs.cvx_key(vaccines.pcv_cvx(when)) in vs.PNEUMOCOCCAL_CVX
        for age in (30, 70):
            assert vs.cvx_key(vaccines.flu_cvx(when, age)) in vs.INFLUENZA_CVX
    assert "115" in vs.TETANUS_CVX and "20" in vs.TETANUS_CVX
    assert "33" in vs.PNEUMOCOCCAL_CVX
    assert "187" in vs.ZOSTER_RZV_CVX
    flu_names = {c for c, v in vaccines.VACCINES.items() if "influenza" in v.name.lower()}
    assert {vs.cvx_key(c) for c in flu_names} <= vs.INFLUENZA_CVX
    # Haemophilus influenzae type b is not an influenza vaccine.
    assert not vs.CHILD_SERIES["hib"].cvx & vs.INFLUENZA_CVX


def test_demo_labs_are_recognised() -> None:
    assert labs.TESTS["cholesterol"].loinc in vs.LIPID_LOINC
    assert labs.TESTS["ldl"].loinc in vs.LIPID_LOINC
    assert labs.PANELS["lipid"].loinc in vs.LIPID_LOINC
    assert labs.TESTS["hdl"].loinc not in vs.LIPID_LOINC
    assert labs.TESTS["a1c"].loinc in vs.HBA1C_LOINC
    assert labs.TESTS["glucose"].loinc in vs.GLUCOSE_LOINC


def test_demo_mammogram_is_recognised() -> None:
    study = catalog.IMAGING["mammogram"]
    report = ImagingReportDTO(id=uuid.uuid4(), patient_id=uuid.uuid4(), modality=study.modality,
                              study_code=study.cpt, study=study.study,
                              performed_at=datetime(2025, 1, 1, tzinfo=UTC), status="final")
    assert _is_mammogram(report)
    dexa = catalog.IMAGING["dexa"]
    assert not _is_mammogram(ImagingReportDTO(
        id=uuid.uuid4(), patient_id=uuid.uuid4(), modality=dexa.modality, study_code=dexa.cpt,
        study=dexa.study, performed_at=datetime(2025, 1, 1, tzinfo=UTC), status="final"))


@pytest.mark.parametrize(("code", "key"), [("08", "8"), ("8", "8"), (" 08 ", "8"), ("033", "33"),
                                           ("115", "115"), ("0", "0"), ("abc", "ABC")])
def test_cvx_key(code: str, key: str) -> None:
    assert vs.cvx_key(code) == key


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2025, 11, 15), 2, date(2026, 1, 15)),
    (date(2015, 6, 1), 120, date(2025, 6, 1)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize("birth", [date(1980, 2, 29), date(1980, 3, 1), date(1979, 2, 28),
                                   date(1980, 12, 31), date(1981, 1, 1)])
def test_birthday_agrees_with_age_on(birth: date) -> None:
    patient = ChartBuilder(birth).build().patient
    for years in (18, 19, 45, 65):
        turns = birthday(birth, years)
        assert patient.age_on(turns) == years
        assert patient.age_on(turns - timedelta(days=1)) == years - 1
