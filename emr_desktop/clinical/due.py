"""What is due for a patient: the "anything due" list of the chart summary.

A small rule set a family practice expects, each rule a function of the chart with its guideline
named in its docstring. Only what the chart can show is judged: records with record status
"active" count (entered-in-error rows never do), records dated after ``today`` are ignored, and a
rule whose sections are withheld from the user's role is skipped rather than guessed. Deceased,
merged-away and inactive patients have nothing due.

Status:

- SOON: falls due within the next ``SOON_DAYS`` days.
- DUE: fell due less than ``OVERDUE_AFTER_DAYS`` ago, or the chart cannot date it (``due_date`` is
  None: a screening this chart has no way to see, such as a colonoscopy done elsewhere).
- OVERDUE: fell due ``OVERDUE_AFTER_DAYS`` or more ago (some rules set their own limit: the flu
  shot is overdue from 1 November, the second zoster dose 6 months after the first).

When there is no record at all, the item fell due when the patient became eligible (e.g. the 65th
birthday for the pneumococcal vaccine), so a long-eligible patient with no record is overdue.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from emr_desktop.clinical import value_sets as vs
from emr_desktop.clinical.bp import ADULT_AGE, bp_status
from emr_desktop.clinical.facts import active, add_months, birthday, diabetes_problems, is_diabetic
from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.enums import (
    AdministrativeSex,
    ImagingModality,
    ImmunizationKind,
    RecordStatus,
    ResultStatus,
)
from emr_desktop.domain.records import (
    ChartDTO,
    ImagingReportDTO,
    ImmunizationDTO,
    LabResultDTO,
    PatientDTO,
    VitalSignDTO,
)

SOON_DAYS = 30
OVERDUE_AFTER_DAYS = 90
NO_RECORD = "No record"
NOT_IN_CHART = "No record in this chart"

CDC_ADULT = "CDC adult schedule"
CDC_CHILD = "CDC child schedule"
USPSTF = "USPSTF"


class DueStatus(enum.Enum):
    OVERDUE = "overdue"
    DUE = "due"
    SOON = "soon"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {DueStatus.OVERDUE: 0, DueStatus.DUE: 1, DueStatus.SOON: 2}


@dataclass(frozen=True, slots=True)
class DueItem:
    #: Stable id of the rule (and series), e.g. "influenza", "child_dtap".
    key: str
    title: str
    #: What the chart shows: "Last given 2024-10-02", "No record", "No record in this chart".
    detail: str
    #: When it fell (or falls) due; None when the chart cannot tell.
    due_date: date | None
    status: DueStatus
    #: The guideline the rule follows, e.g. "USPSTF", "CDC adult schedule".
    source: str


@dataclass(frozen=True, slots=True)
class _Facts:
    """The parts of the chart the rules read, already limited to active records dated by today."""

    chart: ChartDTO
    today: date
    age: int
    immunizations: tuple[ImmunizationDTO, ...]
    labs: tuple[LabResultDTO, ...]
    imaging: tuple[ImagingReportDTO, ...]
    vitals: tuple[VitalSignDTO, ...]
    diabetic: bool

    @property
    def patient(self) -> PatientDTO:
        return self.chart.patient

    @property
    def female(self) -> bool:
        """Organ-based screening (cervix, breast) goes by sex at birth when it is recorded."""
        p = self.patient
        known = (AdministrativeSex.FEMALE.value, AdministrativeSex.MALE.value)
        sex = p.sex_at_birth if p.sex_at_birth in known else p.sex
        return sex == AdministrativeSex.FEMALE.value


def _facts(chart: ChartDTO, today: date) -> _Facts:
    cancelled = ResultStatus.CANCELLED.value
    return _Facts(
        chart=chart, today=today, age=chart.patient.age_on(today),
        immunizations=tuple(i for i in active(chart.immunizations) if i.occurrence_date <= today),
        labs=tuple(r for r in active(chart.lab_results)
                   if r.status != cancelled and r.collected_at.date() <= today),
        imaging=tuple(r for r in active(chart.imaging)
                      if r.status != cancelled and r.performed_at.date() <= today),
        vitals=tuple(v for v in active(chart.vitals) if v.taken_at.date() <= today),
        diabetic=is_diabetic(chart),
    )


# --- shared pieces ---------------------------------------------------------------------------------

def _status(due: date | None, today: date, overdue_from: date | None = None) -> DueStatus | None:
    if due is None:
        return DueStatus.DUE
    if due > today:
        return DueStatus.SOON if (due - today).days <= SOON_DAYS else None
    limit = overdue_from if overdue_from is not None else due + timedelta(days=OVERDUE_AFTER_DAYS)
    return DueStatus.OVERDUE if today >= limit else DueStatus.DUE


def _item(f: _Facts, key: str, title: str, detail: str, due: date | None, source: str,
          overdue_from: date | None = None) -> list[DueItem]:
    status = _status(due, f.today, overdue_from)
    if status is None:
        return []
    return [DueItem(key=key, title=title, detail=detail, due_date=due, status=status, source=source)]


def _band_start(f: _Facts, low: int, high: int | None = None) -> date | None:
    """The day the patient entered (or enters) the age band ``low``-``high`` (inclusive), or None
    when they are past it or will not enter it within ``SOON_DAYS``."""
    if high is not None and f.age > high:
        return None
    start = birthday(f.patient.birth_date, low)
    return None if start > f.today + timedelta(days=SOON_DAYS) else start


def _doses(f: _Facts, codes: frozenset[str]) -> list[date]:
    """Dates of doses given here or reported from elsewhere (not refusals), oldest first. Two
    doses of the same vaccine on one day count as one: the second is never a valid dose."""
    refused = ImmunizationKind.REFUSED.value
    return sorted({i.occurrence_date for i in f.immunizations
                   if i.kind != refused and vs.cvx_key(i.cvx_code) in codes})


def _last_refusal(f: _Facts, codes: frozenset[str]) -> date | None:
    refused = ImmunizationKind.REFUSED.value
    return max((i.occurrence_date for i in f.immunizations
                if i.kind == refused and vs.cvx_key(i.cvx_code) in codes), default=None)


def _vaccine_detail(f: _Facts, codes: frozenset[str]) -> str:
    doses = _doses(f, codes)
    refusal = _last_refusal(f, codes)
    detail = f"Last given {doses[-1].isoformat()}" if doses else NO_RECORD
    if refusal is not None and (not doses or refusal > doses[-1]):
        detail += f"; declined {refusal.isoformat()}"
    return detail


def _last_lab(f: _Facts, loincs: frozenset[str]) -> LabResultDTO | None:
    return max((r for r in f.labs if r.loinc.strip() in loincs), key=lambda r: r.collected_at,
               default=None)


def _recurring(f: _Facts, *, key: str, title: str, source: str, start: date, last: date | None,
               months: int, done: str) -> list[DueItem]:
    """Due ``months`` after the last time (never before the patient became eligible), or since the
    patient became eligible when the chart has no record."""
    if last is None:
        return _item(f, key, title, NO_RECORD, start, source)
    due = max(add_months(last, months), start)
    return _item(f, key, title, f"{done} {last.isoformat()}", due, source)


def _unseen(f: _Facts, *, key: str, title: str, start: date, last: tuple[str, date, int] | None,
            source: str = USPSTF) -> list[DueItem]:
    """A screening usually done outside the practice (no procedures table): judged from the one kind
    of record the chart can hold, ``last`` = (what, when, every how many months). Without one it is
    DUE with no date - the chart cannot tell whether it was done elsewhere."""
    if last is not None:
        what, when, months = last
        due = max(add_months(when, months), start)
        return _item(f, key, title, f"Last {what} {when.isoformat()}", due, source)
    return _item(f, key, title, NOT_IN_CHART, start if start > f.today else None, source)


# --- rules ---------------------------------------------------------------------------------------

def bp_screening(f: _Facts) -> list[DueItem]:
    """Blood pressure screening for adults 18 and over, yearly. USPSTF 2021 (hypertension
    screening in adults; yearly from 40 or with risk factors - the practice checks everyone yearly)."""
    start = _band_start(f, ADULT_AGE)
    if start is None:
        return []
    taken = [v.taken_at.date() for v in f.vitals
             if v.loinc in (VITALS["systolic"].loinc, VITALS["diastolic"].loinc)]
    return _recurring(f, key="bp_screening", title="Blood pressure screening", source=USPSTF,
                      start=start, last=max(taken, default=None), months=12, done="Last checked")


def bp_control(f: _Facts) -> list[DueItem]:
    """Latest adult BP at or above target: below 140/90 (ACC/AHA 2017, stage 2 from 140/90), below
    130/80 with diabetes (ADA Standards of Care). Overdue when not rechecked within 90 days."""
    if f.age < ADULT_AGE:
        return []
    status = bp_status(f.chart, f.today)
    reading = status.reading
    if reading is None or not status.above_target:
        return []
    day = reading.taken_at.date()
    detail = f"{reading.text} on {day.isoformat()}; target {status.target.text}"
    return _item(f, "bp_control", "BP above target", detail, day, status.target.source)


def _flu_season_start(today: date) -> date:
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


def influenza(f: _Facts) -> list[DueItem]:
    """Influenza vaccine every season for everyone from 6 months (CDC/ACIP, in the CDC child and
    adult schedules). The season starts 1 August; a dose given, reported or refused since then
    addresses it (a refusal is the patient's decision for the season). Overdue from 1 November
    (ACIP: ideally vaccinated by the end of October). In July last season's vaccine has expired
    (30 June), so the item only announces the coming season. Not modelled: the second dose that
    children under 9 need in their first season."""
    codes = vs.INFLUENZA_CVX
    eligible = add_months(f.patient.birth_date, 6)
    records = [i for i in f.immunizations if vs.cvx_key(i.cvx_code) in codes]
    latest = max(records, key=lambda i: i.occurrence_date, default=None)
    if latest is None:
        detail = NO_RECORD
    elif latest.kind == ImmunizationKind.REFUSED.value:
        detail = f"Declined {latest.occurrence_date.isoformat()}"
    else:
        detail = f"Last given {latest.occurrence_date.isoformat()}"
    title, source = "Influenza vaccine", "CDC immunization schedule"
    if f.today.month == 7:
        return _item(f, "influenza", title, detail, max(date(f.today.year, 8, 1), eligible), source)
    season = _flu_season_start(f.today)
    if latest is not None and latest.occurrence_date >= season:
        return []
    due = max(season, eligible)
    overdue_from = max(date(season.year, 11, 1), due + timedelta(days=OVERDUE_AFTER_DAYS))
    return _item(f, "influenza", title, detail, due, source, overdue_from)


def td_tdap(f: _Facts) -> list[DueItem]:
    """Td or Tdap booster every 10 years for adults 19 and over (CDC adult schedule); the clock runs
    from the last tetanus-containing dose of any kind, childhood doses included."""
    start = _band_start(f, 19)
    if start is None:
        return []
    doses = _doses(f, vs.TETANUS_CVX)
    due = max(add_months(doses[-1], 120), start) if doses else start
    return _item(f, "td_tdap", "Td/Tdap booster", _vaccine_detail(f, vs.TETANUS_CVX), due, CDC_ADULT)


def pneumococcal(f: _Facts) -> list[DueItem]:
    """Pneumococcal vaccine once at 65 and over (CDC adult schedule): any conjugate (PCV) or
    polysaccharide (PPSV23) dose given as an adult (from 19) counts; infant PCV doses do not.
    (ACIP lowered the age to 50 in October 2024; the practice still starts at 65.)"""
    start = _band_start(f, 65)
    if start is None:
        return []
    adult = birthday(f.patient.birth_date, 19)
    if any(d >= adult for d in _doses(f, vs.PNEUMOCOCCAL_CVX)):
        return []
    return _item(f, "pneumococcal", "Pneumococcal vaccine", _vaccine_detail(f, vs.PNEUMOCOCCAL_CVX),
                 start, CDC_ADULT)


def zoster(f: _Facts) -> list[DueItem]:
    """Recombinant zoster vaccine (RZV), 2 doses, for adults 50 and over (CDC adult schedule); the
    second dose 2-6 months after the first (due at 2, overdue after 6)."""
    start = _band_start(f, 50)
    if start is None:
        return []
    doses = _doses(f, vs.ZOSTER_RZV_CVX)
    if len(doses) >= 2:
        return []
    if not doses:
        return _item(f, "zoster", "Zoster vaccine (RZV)", _vaccine_detail(f, vs.ZOSTER_RZV_CVX), start,
                     CDC_ADULT)
    first = doses[0]
    return _item(f, "zoster", "Zoster vaccine (RZV), dose 2 of 2", f"Dose 1 given {first.isoformat()}",
                 add_months(first, 2), CDC_ADULT, overdue_from=add_months(first, 6))


def childhood(f: _Facts) -> list[DueItem]:
    """The practice's childhood schedule (CDC child schedule, simplified as the demo practice uses
    it: routine doses at the recommended ages) for patients under 19: for each series, the next
    dose once the chart holds fewer doses than are due by age. A dose is never due sooner than 4
    weeks after the previous one; a series is dropped past the age it is given to (rotavirus after
    8 months, Hib and PCV from 5 years, DTaP from 7). Other catch-up rules are not modelled."""
    if f.age >= 19:
        return []
    birth = f.patient.birth_date
    age_days = (f.today - birth).days
    items: list[DueItem] = []
    for series in vs.CHILD_SERIES.values():
        if series.max_age_days is not None and age_days > series.max_age_days:
            continue
        ages = sorted(a for a, key, _dose in vs.CHILD_SCHEDULE if key == series.key)
        doses = _doses(f, series.cvx)
        if len(doses) >= len(ages):
            continue
        due = birth + timedelta(days=ages[len(doses)])
        if doses:
            due = max(due, doses[-1] + timedelta(weeks=4))
        title = f"{series.name}, dose {len(doses) + 1} of {len(ages)}"
        items += _item(f, f"child_{series.key}", title, _vaccine_detail(f, series.cvx), due, CDC_CHILD)
    return items


def lipid_screening(f: _Facts) -> list[DueItem]:
    """Lipid panel every 5 years for adults 40-75 (USPSTF 2022 statin recommendation covers 40-75;
    the 5-year interval follows ACC/AHA). Total cholesterol, LDL or a lipid panel counts."""
    start = _band_start(f, 40, 75)
    if start is None:
        return []
    last = _last_lab(f, vs.LIPID_LOINC)
    return _recurring(f, key="lipid_screening", title="Lipid screening", source=USPSTF, start=start,
                      last=last.collected_at.date() if last else None, months=60, done="Last result")


def hba1c(f: _Facts) -> list[DueItem]:
    """HbA1c every 6 months for patients with diabetes, E10/E11 on the problem list (ADA Standards
    of Care: at least twice a year when at goal). With no result, due since the diagnosis."""
    if not f.diabetic:
        return []
    last = _last_lab(f, vs.HBA1C_LOINC)
    title, source = "HbA1c", "ADA Standards of Care"
    if last is None:
        onsets = [p.onset_date for p in diabetes_problems(f.chart) if p.onset_date is not None]
        return _item(f, "hba1c", title, NO_RECORD, min(onsets, default=None), source)
    day = last.collected_at.date()
    value = last.value_text or (f"{last.value_numeric:g}" if last.value_numeric is not None else "")
    if value and last.unit:
        value += last.unit if last.unit == "%" else f" {last.unit}"
    detail = f"Last result {value + ' on ' if value else ''}{day.isoformat()}"
    return _item(f, "hba1c", title, detail, add_months(day, 6), source)


def _latest_bmi(f: _Facts) -> float | None:
    """Latest BMI row, else computed from the latest height and weight."""
    def latest(key: str) -> VitalSignDTO | None:
        loinc = VITALS[key].loinc
        return max((v for v in f.vitals if v.loinc == loinc), key=lambda v: v.taken_at, default=None)

    bmi = latest("bmi")
    if bmi is not None:
        return bmi.value
    height, weight = latest("height"), latest("weight")
    if height is None or weight is None or height.value <= 0:
        return None
    return weight.value / (height.value / 100) ** 2


def diabetes_screening(f: _Facts) -> list[DueItem]:
    """Screening for prediabetes and type 2 diabetes (HbA1c or plasma glucose) every 3 years for
    adults 35-70 with overweight or obesity, BMI 25 or more (USPSTF 2021). Skipped without a BMI in
    the chart, and for patients already diagnosed."""
    if f.diabetic:
        return []
    start = _band_start(f, 35, 70)
    bmi = _latest_bmi(f)
    if start is None or bmi is None or bmi < 25:
        return []
    last = _last_lab(f, vs.HBA1C_LOINC | vs.GLUCOSE_LOINC)
    return _recurring(f, key="diabetes_screening", title="Diabetes screening", source=USPSTF,
                      start=start, last=last.collected_at.date() if last else None, months=36,
                      done="Last HbA1c/glucose")


def cervical_screening(f: _Facts) -> list[DueItem]:
    """Cervical cancer screening for women 21-65 (USPSTF 2018): cytology (Pap) every 3 years, or
    from 30 high-risk HPV testing every 5 years. Seen only through Pap/HPV lab results."""
    start = _band_start(f, 21, 65) if f.female else None
    if start is None:
        return []
    options: list[tuple[str, date, int]] = []
    pap = _last_lab(f, vs.PAP_LOINC)
    if pap is not None:
        options.append(("Pap", pap.collected_at.date(), 36))
    hpv = _last_lab(f, vs.HPV_LOINC)
    if hpv is not None and f.age >= 30:
        options.append(("HPV test", hpv.collected_at.date(), 60))
    last = max(options, key=lambda o: add_months(o[1], o[2]), default=None)
    return _unseen(f, key="cervical_screening", title="Cervical cancer screening", start=start,
                   last=last)


def _is_mammogram(report: ImagingReportDTO) -> bool:
    return (report.modality.strip().upper() == ImagingModality.MAMMOGRAPHY.value
            or report.study_code.strip() in vs.MAMMOGRAPHY_CPT
            or "mammo" in report.study.casefold())


def breast_screening(f: _Facts) -> list[DueItem]:
    """Breast cancer screening, mammography every 2 years for women 40-74 (USPSTF 2024). Seen only
    through imaging reports of mammograms."""
    start = _band_start(f, 40, 74) if f.female else None
    if start is None:
        return []
    last = max((r.performed_at.date() for r in f.imaging if _is_mammogram(r)), default=None)
    return _unseen(f, key="breast_screening", title="Breast cancer screening (mammogram)", start=start,
                   last=None if last is None else ("mammogram", last, 24))


def colorectal_screening(f: _Facts) -> list[DueItem]:
    """Colorectal cancer screening for adults 45-75 (USPSTF 2021): seen only through stool tests in
    the lab results - FIT/FOBT yearly, stool DNA-FIT every 3 years. Colonoscopy and other
    procedures are not in this chart."""
    start = _band_start(f, 45, 75)
    if start is None:
        return []
    options: list[tuple[str, date, int]] = []
    fobt = _last_lab(f, vs.FOBT_LOINC)
    if fobt is not None:
        options.append(("FIT/FOBT", fobt.collected_at.date(), 12))
    sdna = _last_lab(f, vs.SDNA_FIT_LOINC)
    if sdna is not None:
        options.append(("stool DNA test", sdna.collected_at.date(), 36))
    last = max(options, key=lambda o: add_months(o[1], o[2]), default=None)
    return _unseen(f, key="colorectal_screening", title="Colorectal cancer screening", start=start,
                   last=last)


Rule = Callable[[_Facts], list[DueItem]]

#: Every rule with the chart sections it reads (skipped when any of them is withheld).
RULES: tuple[tuple[Rule, frozenset[str]], ...] = (
    (bp_screening, frozenset({"vitals"})),
    (bp_control, frozenset({"vitals", "problems"})),
    (influenza, frozenset({"immunizations"})),
    (td_tdap, frozenset({"immunizations"})),
    (pneumococcal, frozenset({"immunizations"})),
    (zoster, frozenset({"immunizations"})),
    (childhood, frozenset({"immunizations"})),
    (lipid_screening, frozenset({"lab_results"})),
    (hba1c, frozenset({"problems", "lab_results"})),
    (diabetes_screening, frozenset({"problems", "lab_results", "vitals"})),
    (cervical_screening, frozenset({"lab_results"})),
    (breast_screening, frozenset({"imaging"})),
    (colorectal_screening, frozenset({"lab_results"})),
)


def sort_key(item: DueItem) -> tuple[int, int, date, str]:
    """Overdue first, then due, then soon; within each the earliest due date first (undated items
    after the dated ones), then by title."""
    return (item.status.rank, item.due_date is None, item.due_date or date.max, item.title)


def due_items(chart: ChartDTO, today: date) -> list[DueItem]:
    """Everything due, overdue or due soon for the patient on ``today``, overdue first."""
    patient = chart.patient
    if (patient.deceased_date is not None or patient.merged_into_id is not None
            or patient.record_status != RecordStatus.ACTIVE.value or today < patient.birth_date):
        return []
    f = _facts(chart, today)
    items: Iterable[DueItem] = (item for rule, sections in RULES
                                if not sections & chart.withheld for item in rule(f))
    return sorted(items, key=sort_key)
