"""Who a demo patient is and what their history will hold: demographics, chronic conditions with
their onsets, smoking, allergies, and the list of visits (well-child, physicals, chronic
follow-ups, acute visits, flu shots) over the years the chart covers."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from emr_desktop.demo.catalog import ALLERGIES
from emr_desktop.demo.context import (
    Chart,
    ConditionState,
    DemoContext,
    Visit,
    gauss,
    poisson,
    weekday_on_or_after,
)
from emr_desktop.demo.people import ENGLISH_NAMES, LOCALES, NICKNAMES
from emr_desktop.demo.vaccines import WELL_CHILD_AGES
from emr_desktop.domain.enums import EncounterType

YEAR = 365.25
#: (lowest age, highest age, weight): a family practice sees more adults than children.
AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (0, 2, 4), (2, 6, 5), (6, 12, 7), (12, 18, 7), (18, 30, 14), (30, 45, 18), (45, 65, 26),
    (65, 80, 14), (80, 96, 5),
)
#: Conditions followed up between physicals, and how often (days) when well controlled.
FOLLOW_UP_DAYS: dict[str, int] = {
    "diabetes": 120, "hypertension": 182, "depression": 120, "anxiety": 182, "copd": 182,
    "afib": 182, "ckd3": 182, "asthma": 270,
}
#: Acute visit reasons: (key, weight for children under 12, adolescents/adults, elderly).
ACUTE_REASONS: tuple[tuple[str, float, float, float], ...] = (
    ("uri", 30, 20, 15), ("strep", 10, 4, 1), ("pharyngitis", 6, 6, 3), ("bronchitis", 4, 10, 14),
    ("otitis", 25, 2, 1), ("sinusitis", 2, 10, 8), ("uti", 2, 8, 12), ("ankle_sprain", 3, 6, 3),
    ("back_pain", 0, 12, 12), ("conjunctivitis", 8, 3, 2), ("influenza", 6, 6, 6),
    ("dermatitis", 4, 5, 4), ("gastroenteritis", 10, 5, 4),
)
FLU_SEASON_MONTHS = (10, 11, 12, 1, 2, 3)

AddVisit = Callable[[date, str, str], Visit | None]


def pick_age_days(rng: random.Random) -> int:
    low, high, _w = rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
    return max(7, int(rng.uniform(low, high) * YEAR))


def pick_locale(rng: random.Random) -> int:
    return rng.choices(range(len(LOCALES)), weights=[loc.weight for loc in LOCALES])[0]


def preferred_name(rng: random.Random, given: str, locale: str, middle: str) -> str:
    if rng.random() > 0.12:
        return ""
    if locale in ("vi_VN", "zh_CN"):
        return rng.choice(ENGLISH_NAMES)
    if given in NICKNAMES:
        return NICKNAMES[given]
    return middle if middle and rng.random() < 0.5 else ""


# --- conditions ---------------------------------------------------------------------------------

def plan_conditions(chart: Chart, age: int) -> None:
    """Chronic conditions by age and sex with roughly US primary-care prevalence, correlated the
    way they are in real panels (obesity -> diabetes -> hypertension, smoking -> COPD ...)."""
    rng, female = chart.rng, chart.sex == "female"

    def add(key: str, p: float, min_age: int) -> bool:
        if age < min_age or rng.random() >= min(p, 0.9):
            return False
        onset_age = rng.uniform(min_age, age + 0.99)
        onset = chart.birth + timedelta(days=int(onset_age * YEAR))
        control = rng.choices((0, 1, 2), weights=(55, 30, 15))[0]
        chart.conditions[key] = ConditionState(key, min(onset, chart.end - timedelta(days=1)),
                                               control)
        return True

    obese = add("obesity", 0.17 if age < 18 else 0.32, 6)
    diabetic = add("diabetes", (0.03 if age < 45 else 0.12 if age < 65 else 0.22)
                   * (2.0 if obese else 1.0), 25)
    if not diabetic:
        add("prediabetes", 0.12 * (1.5 if obese else 1.0), 25)
    hypertensive = add("hypertension", (0.06 if age < 40 else 0.30 if age < 60 else 0.58)
                       * (1.4 if obese or diabetic else 1.0), 18)
    add("hyperlipidemia", (0.06 if age < 40 else 0.25 if age < 60 else 0.45)
        * (1.5 if diabetic else 1.0), 20)
    add("asthma", 0.08, 2)
    ever_smoked = chart.smoking in ("current-every-day", "current-some-day", "former")
    add("copd", 0.2 if ever_smoked else 0.01, 45)
    add("hypothyroidism", (0.03 + 0.0015 * max(0, age - 20)) * (1.0 if female else 0.25), 20)
    add("depression", 0.09, 13)
    add("anxiety", 0.07, 13)
    add("gerd", 0.10, 20)
    add("osteoarthritis", (0.12 if age < 65 else 0.25) * (1.3 if obese else 1.0), 50)
    add("ckd3", 0.18 if (diabetic or hypertensive) else 0.04 if age >= 70 else 0.0, 60)
    add("afib", 0.05 if age < 75 else 0.10, 65)
    add("rhinitis", 0.12, 4)
    add("osteoporosis", 0.20 if female else 0.04, 65 if female else 70)
    add("insomnia", 0.05, 30)
    depression = chart.conditions.get("depression")
    if depression is not None and rng.random() < 0.35:
        depression.resolved = depression.onset + timedelta(days=rng.randint(300, 720))
    # baselines the trends start from
    chart.htn_base = gauss(rng, 154, 8, 142, 178)
    chart.a1c_base = gauss(rng, 8.6, 0.9, 7.0, 11.5)
    chart.ldl_base = gauss(rng, 172, 18, 140, 230)
    chart.tsh_base = gauss(rng, 9.5, 3.0, 5.5, 22.0)
    chart.egfr_base = gauss(rng, 48, 7, 33, 59)


def plan_smoking(chart: Chart, age: int) -> None:
    rng = chart.rng
    if age < 15:
        chart.smoking = "never"
        return
    roll = rng.random()
    if age < 18:
        chart.smoking = "current-some-day" if roll < 0.03 else "never"
    elif roll < 0.10:
        chart.smoking = "current-every-day"
    elif roll < 0.13:
        chart.smoking = "current-some-day"
    elif roll < 0.13 + (0.30 if age >= 45 else 0.12):
        chart.smoking = "former"
    elif roll > 0.99:
        chart.smoking = "unknown"
    else:
        chart.smoking = "never"
    if chart.smoking == "current-every-day" and rng.random() < 0.25:
        quit_day = chart.start + timedelta(days=rng.randint(200, 2500))
        if quit_day < chart.end:
            chart.quit_day = quit_day


def plan_allergies(chart: Chart, age: int) -> None:
    rng = chart.rng
    if rng.random() >= (0.12 if age < 18 else 0.24):
        return
    kinds = [k for k in ALLERGIES if k.children or age >= 18]
    count = 1 if rng.random() < 0.8 else 2
    for kind in rng.choices(kinds, weights=[k.weight for k in kinds], k=count):
        chart.allergies[kind.key] = "active"
    if chart.allergies.get("penicillin") == "active" and rng.random() < 0.06:
        chart.allergies["penicillin"] = "resolved"


# --- visits ---------------------------------------------------------------------------------------

def plan_visits(ctx: DemoContext, chart: Chart) -> list[Visit]:
    """Every past visit of the chart, in date order, at most one a day, weekdays only."""
    rng = chart.rng
    planned: dict[date, Visit] = {}

    def add(day: date, kind: str, label: str) -> Visit | None:
        day = weekday_on_or_after(day)
        for shift in (0, 1, 2, 3):
            candidate = weekday_on_or_after(day + timedelta(days=shift))
            if candidate < chart.start or candidate >= chart.end:
                return None
            if candidate not in planned:
                visit = Visit(candidate, kind, label)
                planned[candidate] = visit
                return visit
        return None

    adult_from = chart.birth + timedelta(days=int(18 * YEAR))
    # well-child visits, from birth to 17 years
    for age_days, label in WELL_CHILD_AGES:
        day = chart.birth + timedelta(days=age_days + (rng.randint(0, 2) if age_days < 10
                                                        else rng.randint(0, 12)))
        if chart.start <= day < chart.end and day < adult_from and rng.random() < 0.92:
            add(day, EncounterType.WELL_CHILD.value, label)
    # yearly physicals for adults; a new adult patient often starts with one
    cursor = max(chart.start, adult_from)
    chronic = any(key in FOLLOW_UP_DAYS for key in chart.conditions)
    first = True
    while cursor < chart.end:
        if (first and cursor == chart.start and rng.random() < 0.6) or rng.random() < (0.8 if chronic else 0.6):
            add(cursor, EncounterType.ANNUAL_PHYSICAL.value, "")
        first = False
        cursor += timedelta(days=365 + rng.randint(-25, 35))
    _plan_follow_ups(chart, planned, add)
    _plan_acute(chart, add)
    if not planned:  # every chart has at least its first visit
        kind = EncounterType.WELL_CHILD.value if chart.start < adult_from else EncounterType.OFFICE_VISIT.value
        add(chart.start, kind, "new patient" if kind == EncounterType.WELL_CHILD.value else "")
    visits = [planned[day] for day in sorted(planned)]
    _plan_flu(ctx, chart, visits, add)
    visits = [planned[day] for day in sorted(planned)]
    _assign_diagnoses(chart, visits)
    return visits


def _plan_follow_ups(chart: Chart, planned: dict[date, Visit], add: AddVisit) -> None:
    rng = chart.rng
    followed = [state for key, state in chart.conditions.items() if key in FOLLOW_UP_DAYS]
    if not followed:
        return
    interval = min(FOLLOW_UP_DAYS[s.key] - (30 if s.control == 2 else 0) for s in followed)
    first_onset = min(s.onset for s in followed)
    if first_onset < chart.start:
        day = chart.start + timedelta(days=int(interval * rng.uniform(0.2, 1.0)))
    else:
        day = first_onset + timedelta(days=rng.randint(3, 40))
    physicals = [d for d, v in planned.items() if v.kind == EncounterType.ANNUAL_PHYSICAL.value]
    mood_only = all(s.key in ("depression", "anxiety") for s in followed)
    while day < chart.end:
        if all(abs((day - p).days) > 45 for p in physicals):
            tele = day >= date(2020, 4, 1) and rng.random() < (0.5 if mood_only else 0.07)
            kind = EncounterType.TELEHEALTH.value if tele else EncounterType.FOLLOW_UP.value
            add(day, kind, "")
        day += timedelta(days=interval + rng.randint(-14, 21))


def _plan_acute(chart: Chart, add: AddVisit) -> None:
    rng = chart.rng
    span = (chart.end - chart.start).days
    if span <= 0:
        return
    mid_age = chart.age_on(chart.start + timedelta(days=span // 2))
    rate = 2.0 if mid_age < 5 else 1.0 if mid_age < 18 else 0.6 if mid_age < 65 else 0.8
    column = 1 if mid_age < 12 else 2 if mid_age < 65 else 3
    weights = [r[column] for r in ACUTE_REASONS]
    if chart.sex == "male":
        weights = [w * (0.25 if r[0] == "uti" else 1.0) for r, w in zip(ACUTE_REASONS, weights, strict=True)]
    for _ in range(poisson(rng, rate * span / YEAR)):
        day = chart.start + timedelta(days=rng.randrange(span))
        reason = rng.choices(ACUTE_REASONS, weights=weights)[0][0]
        if reason == "influenza" and day.month not in FLU_SEASON_MONTHS:
            reason = "uri"
        add(day, EncounterType.ACUTE.value, reason)


def _plan_flu(ctx: DemoContext, chart: Chart, visits: list[Visit], add: AddVisit) -> None:
    """Seasonal influenza vaccine: offered at a visit in September-December when there is one,
    otherwise some patients come in for a nurse visit (others get it at a pharmacy)."""
    rng = chart.rng
    for year in range(chart.start.year, chart.end.year + 1):
        season_start, season_end = date(year, 9, 1), date(year, 12, 31)
        if season_end < chart.start or season_start >= chart.end:
            continue
        if chart.age_days(season_start) < 183:
            continue
        age = chart.age_on(season_start)
        uptake = 0.7 if age < 5 else 0.45 if age < 50 else 0.55 if age < 65 else 0.72
        in_season = [v for v in visits if season_start <= v.day <= season_end]
        if in_season:
            visit = in_season[0]
            roll = rng.random()
            visit.flu = "given" if roll < uptake else "refused" if roll < uptake + 0.1 else ""
        elif rng.random() < uptake * 0.6:
            nurse_day = date(year, 10, 1) + timedelta(days=rng.randrange(50))
            visit = add(nurse_day, EncounterType.NURSE_VISIT.value, "")
            if visit is not None:
                visit.flu = "given"


def _assign_diagnoses(chart: Chart, visits: list[Visit]) -> None:
    """A condition goes on the problem list at the first (non-nurse) visit after its onset, or at
    the first visit if it began before the chart did. Conditions no visit could find yet are
    dropped: they have not been diagnosed."""
    clinical = [v for v in visits if v.kind != EncounterType.NURSE_VISIT.value]
    if not clinical:
        chart.conditions.clear()
        return
    for key in list(chart.conditions):
        state = chart.conditions[key]
        if state.onset < chart.start:
            visit = clinical[0]
        else:
            visit = next((v for v in clinical if v.day >= state.onset), None)
            if visit is None:
                del chart.conditions[key]
                continue
            state.new = True
        state.noted = visit.day
        visit.diagnose.append(key)
        if state.resolved is not None and state.resolved <= state.noted + timedelta(days=180):
            state.resolved = state.noted + timedelta(days=chart.rng.randint(240, 540))
        if state.resolved is not None and state.resolved >= chart.end:
            state.resolved = None


def history_start(ctx: DemoContext, rng: random.Random, birth: date, age: int) -> date:
    """The first visit: newborns usually join at birth, others 2-10 years ago."""
    earliest = birth + timedelta(days=4)
    if age < 10 and rng.random() < 0.7:
        return earliest
    start = ctx.as_of - timedelta(days=int(rng.triangular(2.0, 10.0, 3.0) * YEAR))
    return min(max(start, earliest), max(earliest, ctx.as_of - timedelta(days=20)))
