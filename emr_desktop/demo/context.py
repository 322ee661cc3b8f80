"""Shared state of one demo run (practice, staff, dates) and the mutable state of one patient
while the generator writes the chart."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from emr_desktop.demo.notes import NoteFacts
from emr_desktop.demo.people import Pools
from emr_desktop.demo.rows import ms_of, uuid7_from_ms
from emr_desktop.domain.enums import EncounterType

NIL = uuid.UUID(int=0)
PHYSICAL = EncounterType.ANNUAL_PHYSICAL.value
WELL_CHILD = EncounterType.WELL_CHILD.value
FOLLOW_UP = EncounterType.FOLLOW_UP.value
TELEHEALTH = EncounterType.TELEHEALTH.value
ACUTE = EncounterType.ACUTE.value
NURSE = EncounterType.NURSE_VISIT.value
OFFICE_VISIT = EncounterType.OFFICE_VISIT.value
#: Visits booked for 40 minutes instead of 20.
LONG_VISITS = frozenset({PHYSICAL, WELL_CHILD})


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: uuid.UUID
    username: str
    display_name: str
    credentials: str
    role: str


@dataclass(frozen=True, slots=True)
class DemoContext:
    as_of: date
    tz: ZoneInfo
    providers: tuple[StaffMember, ...]
    nurses: tuple[StaffMember, ...]
    front_desk: StaffMember
    pools: Pools
    total_patients: int

    def at(self, day: date, minutes: int) -> datetime:
        """A clinic time: ``minutes`` after midnight local time on ``day``, as a UTC instant."""
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(UTC)


@dataclass(slots=True)
class ConditionState:
    key: str
    onset: date
    control: int  # 0 good, 1 fair, 2 poor
    noted: date | None = None  # the visit that put it on the problem list
    new: bool = False  # diagnosed here (onset inside the chart's history)
    resolved: date | None = None


@dataclass(slots=True)
class MedCourse:
    id: uuid.UUID
    drug: str
    indication: str  # condition key
    start: date
    prescriber: uuid.UUID | None
    stop: date | None = None
    stop_reason: str = ""
    short_course: bool = False
    reported_by_patient: bool = False
    last_rx: date | None = None


@dataclass(slots=True)
class Visit:
    day: date
    kind: str  # EncounterType value
    label: str = ""  # well-child age label or acute reason key
    diagnose: list[str] = field(default_factory=list)
    flu: str = ""  # "given" / "refused" when the seasonal vaccine is offered here


@dataclass(slots=True)
class Chart:
    """One patient while being generated: demographics already chosen, clinical state evolving
    visit by visit."""

    rng: random.Random
    index: int
    sex: str
    birth: date
    given: str
    family: str
    provider: StaffMember
    language: str
    interpreter: bool
    start: date  # the chart's history begins here (the first visit is on or after it)
    end: date  # the day generation stops (as_of, or the date of death)
    deceased: date | None = None
    id: uuid.UUID = NIL  # set once the first visit (the registration time) is known
    guardian: str = ""  # a child's parent, who holds the insurance
    conditions: dict[str, ConditionState] = field(default_factory=dict)
    allergies: dict[str, str] = field(default_factory=dict)  # allergy key -> status
    smoking: str = "never"
    quit_day: date | None = None
    height_z: float = 0.0
    weight_z: float = 0.0
    bmi0: float = 24.0
    weight_slope: float = 0.0  # kg per year (adults)
    htn_base: float = 150.0
    a1c_base: float = 8.0
    ldl_base: float = 170.0
    tsh_base: float = 9.0
    egfr_base: float = 50.0
    meds: list[MedCourse] = field(default_factory=list)
    vaccines: dict[tuple[str, int], date] = field(default_factory=dict)
    last_lab: dict[str, date] = field(default_factory=dict)
    last_imaging: dict[str, date] = field(default_factory=dict)
    events: list[tuple[date, str, str]] = field(default_factory=list)  # (due, action, drug)
    visits_done: list[date] = field(default_factory=list)

    def new_id(self, when: datetime | date) -> uuid.UUID:
        return uuid7_from_ms(self.rng, ms_of(when))

    def age_on(self, day: date) -> int:
        years = day.year - self.birth.year
        if (day.month, day.day) < (self.birth.month, self.birth.day):
            years -= 1
        return years

    def age_days(self, day: date) -> int:
        return (day - self.birth).days

    def has(self, key: str, day: date) -> bool:
        """The condition is on the problem list and not resolved on ``day``."""
        state = self.conditions.get(key)
        return (state is not None and state.noted is not None and state.noted <= day
                and (state.resolved is None or state.resolved > day))

    def active_meds(self, day: date) -> list[MedCourse]:
        return [m for m in self.meds if m.start <= day and (m.stop is None or m.stop > day)]

    def on_drug(self, prefix: str, day: date) -> MedCourse | None:
        for med in self.active_meds(day):
            if med.drug.startswith(prefix):
                return med
        return None


class VisitContext:
    """What the writers know about the visit being written."""

    __slots__ = ("visit", "encounter_id", "start", "end", "provider", "nurse", "facts", "new",
                 "resulted")

    def __init__(self, visit: Visit, encounter_id: uuid.UUID, start: datetime, end: datetime,
                 provider: StaffMember, nurse: StaffMember, facts: NoteFacts) -> None:
        self.visit = visit
        self.encounter_id = encounter_id
        self.start = start
        self.end = end
        self.provider = provider
        self.nurse = nurse
        self.facts = facts
        self.new: list[str] = []  # conditions diagnosed at this visit
        self.resulted = False  # labs were drawn (an addendum may follow the results)


def gauss(rng: random.Random, mean: float, sd: float, low: float, high: float) -> float:
    return min(high, max(low, rng.gauss(mean, sd)))


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; fine for the small rates used here."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def weekday_on_or_after(day: date) -> date:
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
