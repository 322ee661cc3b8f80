"""Small helpers the clinical rules share: which records count, what the problem list says, and
calendar arithmetic that agrees with ``PatientDTO.age_on``."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from emr_desktop.clinical.value_sets import DIABETES_ICD10_PREFIXES
from emr_desktop.domain.enums import ProblemStatus, RecordStatus
from emr_desktop.domain.records import ChartDTO, ProblemDTO, RecordDTO

R = TypeVar("R", bound=RecordDTO)


def active(records: Iterable[R]) -> list[R]:
    """Only rows whose record status is active: entered-in-error (and inactive) rows never count."""
    return [r for r in records if r.record_status == RecordStatus.ACTIVE.value]


def diabetes_problems(chart: ChartDTO) -> list[ProblemDTO]:
    """Active problem-list entries for type 1 or type 2 diabetes (ICD-10-CM E10.*, E11.*)."""
    return [p for p in active(chart.problems)
            if p.status == ProblemStatus.ACTIVE.value
            and p.icd10_code.strip().upper().startswith(DIABETES_ICD10_PREFIXES)]


def is_diabetic(chart: ChartDTO) -> bool:
    return bool(diabetes_problems(chart))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (Aug 31 + 6 -> Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(birth: date, years: int) -> date:
    """The day someone born on ``birth`` turns ``years`` old, as ``PatientDTO.age_on`` counts it:
    a 29 February birthday falls on 1 March in common years."""
    year = birth.year + years
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)
