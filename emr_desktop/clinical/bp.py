"""Blood pressure control: the latest reading against the patient's target, for the banner and the
chart summary.

Targets: below 140/90 in general (ACC/AHA 2017: 140/90 is where stage 2 hypertension begins) and
below 130/80 with diabetes (ADA Standards of Care). Adult targets only: a reading taken before the
18th birthday is shown without a verdict (children's BP is judged by percentile tables, not here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from emr_desktop.clinical.facts import active, is_diabetic
from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.records import ChartDTO, VitalSignDTO

SYSTOLIC_LOINC = VITALS["systolic"].loinc
DIASTOLIC_LOINC = VITALS["diastolic"].loinc
ADULT_AGE = 18


@dataclass(frozen=True, slots=True)
class BpReading:
    """One blood pressure measurement (the systolic and diastolic rows of one vitals panel)."""

    systolic: float | None
    diastolic: float | None
    taken_at: datetime

    @property
    def text(self) -> str:
        """``"142/91"``; a missing half shows as ``--``."""
        return f"{_num(self.systolic)}/{_num(self.diastolic)}"


@dataclass(frozen=True, slots=True)
class BpTarget:
    """Blood pressure is at target when systolic < ``systolic`` and diastolic < ``diastolic``."""

    systolic: int
    diastolic: int
    source: str

    @property
    def text(self) -> str:
        return f"below {self.systolic}/{self.diastolic}"


GENERAL_TARGET = BpTarget(140, 90, "ACC/AHA 2017")
DIABETES_TARGET = BpTarget(130, 80, "ADA Standards of Care")


@dataclass(frozen=True, slots=True)
class BpStatus:
    reading: BpReading | None
    target: BpTarget
    diabetic: bool
    #: None when there is no reading, or the reading is a child's (no adult target applies).
    at_target: bool | None

    @property
    def above_target(self) -> bool:
        return self.at_target is False


def _num(value: float | None) -> str:
    if value is None:
        return "--"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def latest_reading(vitals: tuple[VitalSignDTO, ...], today: date | None = None) -> BpReading | None:
    """The most recent blood pressure in the chart: active systolic/diastolic rows grouped by their
    vitals panel; rows dated after ``today`` (when given) are ignored."""
    panels: dict[object, dict[str, VitalSignDTO]] = {}
    for row in active(vitals):
        if row.loinc not in (SYSTOLIC_LOINC, DIASTOLIC_LOINC):
            continue
        if today is not None and row.taken_at.date() > today:
            continue
        panels.setdefault(row.panel_id, {})[row.loinc] = row
    if not panels:
        return None

    def when(rows: dict[str, VitalSignDTO]) -> datetime:
        return max(r.taken_at for r in rows.values())

    rows = max(panels.values(), key=when)
    systolic, diastolic = rows.get(SYSTOLIC_LOINC), rows.get(DIASTOLIC_LOINC)
    return BpReading(systolic=systolic.value if systolic else None,
                     diastolic=diastolic.value if diastolic else None, taken_at=when(rows))


def target_for(diabetic: bool) -> BpTarget:
    """ADA Standards of Care: below 130/80 with diabetes; otherwise below 140/90 (ACC/AHA 2017)."""
    return DIABETES_TARGET if diabetic else GENERAL_TARGET


def is_at_target(reading: BpReading, target: BpTarget) -> bool:
    if reading.systolic is not None and reading.systolic >= target.systolic:
        return False
    return not (reading.diastolic is not None and reading.diastolic >= target.diastolic)


def bp_status(chart: ChartDTO, today: date | None = None) -> BpStatus:
    """The latest reading, the target that applies (diabetes: an active E10/E11 problem), and
    whether the reading meets it. If the problem list is withheld from the user's role, the general
    target is used."""
    diabetic = is_diabetic(chart)
    target = target_for(diabetic)
    reading = latest_reading(chart.vitals, today)
    at_target: bool | None = None
    if reading is not None and chart.patient.age_on(reading.taken_at.date()) >= ADULT_AGE:
        at_target = is_at_target(reading, target)
    return BpStatus(reading=reading, target=target, diabetic=diabetic, at_target=at_target)
