"""Registration of a demo patient: demographics, insurance, allergies, social and family history,
vaccines received before the chart began, and the occasional scanned document."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from typing import Any

from emr_desktop.demo import planning
from emr_desktop.demo.catalog import (
    ALLERGIES,
    DRUGS,
    FAMILY_CONDITIONS,
    RELATIVES,
    SEVERITY_BY_REACTION,
)
from emr_desktop.demo.context import Chart, DemoContext, MedCourse, Visit, gauss
from emr_desktop.demo.people import (
    COMMERCIAL,
    LOCALES,
    MEDICAID,
    MEDICARE,
    MEDIGAP,
    STATE,
    TOWNS,
    Payer,
    email,
    make_mbi,
    member_id,
    phone,
    street_address,
)
from emr_desktop.demo.rows import RowBuffer
from emr_desktop.demo.vaccines import CHILD_SCHEDULE, VACCINE_SOURCES, VACCINES, pcv_cvx
from emr_desktop.domain.codes import NO_KNOWN_ALLERGY, SMOKING_STATUS_SNOMED, SNOMED
from emr_desktop.domain.enums import (
    AdministrativeSex,
    AllergySeverity,
    AllergyStatus,
    CoveragePriority,
    EncounterType,
    ImmunizationKind,
    SmokingStatus,
)
from emr_desktop.models import (
    Allergy,
    Document,
    DocumentContent,
    FamilyHistory,
    Immunization,
    InsuranceCoverage,
    Patient,
    SocialHistory,
)
from emr_desktop.services.patients import search_keys

YEAR = planning.YEAR


def register(ctx: DemoContext, buffer: RowBuffer, rng: random.Random,
             index: int) -> tuple[Chart, list[Visit]]:
    """Choose who the patient is, plan their history and write the registration rows."""
    age_days = planning.pick_age_days(rng)
    birth = ctx.as_of - timedelta(days=age_days)
    age = (ctx.as_of.year - birth.year) - ((ctx.as_of.month, ctx.as_of.day) < (birth.month, birth.day))
    locale = LOCALES[planning.pick_locale(rng)]
    sex = AdministrativeSex.FEMALE.value if rng.random() < 0.51 else AdministrativeSex.MALE.value
    pool = ctx.pools.names[locale.faker]
    given = rng.choice(pool.female if sex == "female" else pool.male)
    family = rng.choice(pool.family)
    if locale.faker == "es_MX" and rng.random() < 0.4:
        family = f"{family} {rng.choice(pool.family)}"
    speaks = age >= 5 and rng.random() < locale.speaks_language
    language = locale.language if speaks else "en"
    interpreter = language != "en" and rng.random() < locale.interpreter
    provider = rng.choices(ctx.providers, weights=(40, 35, 25)[:len(ctx.providers)])[0]
    start = planning.history_start(ctx, rng, birth, age)
    deceased = None
    if age >= 80 and rng.random() < 0.03:
        candidate = ctx.as_of - timedelta(days=rng.randint(30, 700))
        if candidate > start + timedelta(days=200):
            deceased = candidate
    chart = Chart(rng=rng, index=index, sex=sex, birth=birth, given=given, family=family,
                  provider=provider, language=language, interpreter=interpreter, start=start,
                  end=deceased or ctx.as_of, deceased=deceased)
    planning.plan_smoking(chart, age)
    planning.plan_conditions(chart, age)
    planning.plan_allergies(chart, age)
    _body(chart, age)
    visits = planning.plan_visits(ctx, chart)
    chart.id = chart.new_id(ctx.at(visits[0].day, 8 * 60))
    first_visit = ctx.at(visits[0].day, 8 * 60 + 20 * rng.randrange(12))
    _patient_row(ctx, buffer, chart, locale.faker, pool, age)
    _coverage(ctx, buffer, chart, age, first_visit)
    nurse = rng.choice(ctx.nurses)
    _allergies(ctx, buffer, chart, first_visit, nurse.id)
    _social_history(ctx, buffer, chart, visits, first_visit, nurse.id)
    _family_history(buffer, chart, age, first_visit)
    _past_vaccines(buffer, chart)
    _documents(ctx, buffer, chart, visits)
    return chart, visits


def _body(chart: Chart, age: int) -> None:
    rng = chart.rng
    obese = chart.conditions.get("obesity") is not None
    chart.height_z = gauss(rng, 0, 1, -2.5, 2.5)
    chart.weight_z = rng.uniform(1.8, 2.6) if obese and age < 18 else gauss(rng, 0, 0.8, -2, 1.5)
    chart.bmi0 = rng.uniform(30.2, 42.0) if obese else rng.uniform(19.5, 29.6)
    chart.weight_slope = gauss(rng, 0.25, 0.7, -2.0, 2.0)


def _patient_row(ctx: DemoContext, buffer: RowBuffer, c: Chart, locale: str, pool: Any,
                 age: int) -> None:
    rng = c.rng
    middle = ""
    if locale == "vi_VN":
        middle = ("Thị" if c.sex == "female" else "Văn") if rng.random() < 0.7 else ""
    elif locale in ("en_US", "es_MX") and rng.random() < 0.4:
        middle = rng.choice(pool.female if c.sex == "female" else pool.male)
    suffix = rng.choice(("Jr.", "III", "Sr.")) if c.sex == "male" and rng.random() < 0.02 else ""
    previous = ""
    if c.sex == "female" and age >= 22 and rng.random() < 0.08:
        previous = rng.choice(pool.family)
    town, zip_code = rng.choice(TOWNS)
    line1, line2 = street_address(rng, ctx.pools)
    mobile = phone(rng) if rng.random() < 0.9 else ""
    home = phone(rng) if rng.random() < 0.3 or not mobile else ""
    adult = age >= 18
    contact_given = rng.choice(ctx.pools.names[locale].female + ctx.pools.names[locale].male)
    if adult:
        relationship = rng.choice(("spouse", "spouse", "partner", "daughter", "son", "sister",
                                   "brother", "friend") if age >= 30 else
                                  ("mother", "father", "partner", "spouse", "sister", "friend"))
    else:
        relationship = rng.choice(("mother", "father"))
    contact_family = c.family if relationship not in ("friend", "partner") else rng.choice(
        ctx.pools.names[locale].family)
    sex = c.sex
    gender_identity = pronouns = ""
    if adult and rng.random() < 0.004:
        sex, gender_identity, pronouns = AdministrativeSex.OTHER.value, "Non-binary", "they/them"
    alert = ""
    roll = rng.random()
    if roll < 0.01:
        alert = "Hard of hearing: face the patient and speak clearly"
    elif roll < 0.02:
        alert = "Uses a wheelchair: book the accessible exam room"
    elif roll < 0.03:
        alert = "Prefers morning appointments"
    values = {
        "id": c.id, "mrn": "", "family_name": c.family, "given_name": c.given,
        "middle_name": middle, "name_suffix": suffix,
        "preferred_name": planning.preferred_name(rng, c.given, locale, middle),
        "previous_names": previous, "birth_date": c.birth, "sex": sex, "sex_at_birth": c.sex,
        "gender_identity": gender_identity, "pronouns": pronouns,
        "phone_mobile": mobile, "phone_home": home,
        "email": email(rng, c.given, c.family) if adult and rng.random() < 0.7 else "",
        "address_line1": line1, "address_line2": line2, "city": town, "state": STATE,
        "postal_code": zip_code, "country": "US", "language": c.language,
        "interpreter_needed": c.interpreter,
        "emergency_contact_name": f"{contact_given} {contact_family}",
        "emergency_contact_relationship": relationship, "emergency_contact_phone": phone(rng),
        "primary_provider_id": c.provider.id, "deceased_date": c.deceased, "alert_note": alert,
        "merged_into_id": None,
    }
    values.update(search_keys(values))
    buffer.add(Patient, values)
    if not adult:
        c.guardian = f"{contact_given} {contact_family}"


def _coverage(ctx: DemoContext, buffer: RowBuffer, c: Chart, age: int, registered: datetime) -> None:
    rng = c.rng
    plans: list[tuple[Payer, str]] = []
    if age >= 65:
        plans.append((MEDICARE, CoveragePriority.PRIMARY.value))
        if rng.random() < 0.55:
            plans.append((MEDIGAP, CoveragePriority.SECONDARY.value))
    else:
        roll = rng.random()
        medicaid, self_pay = (0.38, 0.04) if age < 18 else (0.16, 0.09)
        if roll < medicaid:
            plans.append((MEDICAID, CoveragePriority.PRIMARY.value))
        elif roll < 1 - self_pay:
            plans.append((rng.choice(COMMERCIAL), CoveragePriority.PRIMARY.value))
    for payer, priority in plans:
        subscriber, relationship, subscriber_birth = f"{c.given} {c.family}", "self", c.birth
        if age < 18 and payer not in (MEDICAID,):
            subscriber = c.guardian or subscriber
            relationship = "child"
            subscriber_birth = c.birth - timedelta(days=int(rng.uniform(22, 42) * YEAR))
        elif payer in COMMERCIAL and rng.random() < 0.2:
            relationship = "spouse"
            subscriber = f"{rng.choice(ctx.pools.names['en_US'].male + ctx.pools.names['en_US'].female)} {c.family}"
            subscriber_birth = c.birth + timedelta(days=rng.randint(-2500, 2500))
        effective = max(c.birth, registered.date() - timedelta(days=rng.randint(0, 900)))
        if payer is MEDICARE:
            effective = max(effective, date(c.birth.year + 65, c.birth.month, 1))
            number = make_mbi(rng)
        else:
            number = member_id(rng, payer.member_prefix)
        buffer.add(InsuranceCoverage, {
            "id": c.new_id(registered), "patient_id": c.id, "priority": priority,
            "payer_name": payer.name, "payer_id": payer.payer_id,
            "plan_name": rng.choice(payer.plans), "member_id": number,
            "group_number": f"G{rng.randrange(10**5):05d}" if payer in COMMERCIAL else "",
            "subscriber_name": subscriber, "subscriber_relationship": relationship,
            "subscriber_birth_date": subscriber_birth, "effective_from": effective,
            "effective_to": None, "copay_cents": payer.copay_cents,
        })


def _allergies(ctx: DemoContext, buffer: RowBuffer, c: Chart, recorded: datetime, nurse_id: Any) -> None:
    rng = c.rng
    if not c.allergies:
        if rng.random() < 0.9:
            buffer.add(Allergy, {
                "id": c.new_id(recorded), "patient_id": c.id, "no_known_allergies": True,
                "code_system": SNOMED, "code": NO_KNOWN_ALLERGY[0], "substance": NO_KNOWN_ALLERGY[1],
                "status": AllergyStatus.ACTIVE.value, "recorded_by_id": nurse_id,
            })
        return
    kinds = {k.key: k for k in ALLERGIES}
    for key, status in c.allergies.items():
        kind = kinds[key]
        reaction = rng.choice(kind.reactions)
        severity = SEVERITY_BY_REACTION.get(reaction) or rng.choice(
            (AllergySeverity.MILD.value, AllergySeverity.MODERATE.value))
        onset_years = rng.uniform(1, max(1.5, (recorded.date() - c.birth).days / YEAR))
        buffer.add(Allergy, {
            "id": c.new_id(recorded), "patient_id": c.id, "no_known_allergies": False,
            "code_system": kind.code_system, "code": kind.code, "substance": kind.substance,
            "category": kind.category, "reaction": reaction, "severity": severity,
            "status": status,
            "status_reason": "Tolerated amoxicillin challenge without reaction" if status == "resolved" else "",
            "onset_date": c.birth + timedelta(days=int(onset_years * YEAR)) if rng.random() < 0.5 else None,
            "recorded_by_id": nurse_id,
        })
        if severity == AllergySeverity.SEVERE.value and kind.key in ("peanut", "bee", "shellfish"):
            drug = DRUGS["epinephrine_autoinjector"]
            c.meds.append(MedCourse(c.new_id(recorded), drug.key, "", recorded.date(), c.provider.id))


def _social_history(ctx: DemoContext, buffer: RowBuffer, c: Chart, visits: list[Visit],
                    recorded: datetime, nurse_id: Any) -> None:
    rng = c.rng
    age = c.age_on(recorded.date())

    def row(when: datetime, status: str, quit_year: int | None) -> None:
        smoker = status in ("current-every-day", "current-some-day", "former")
        if age < 12:
            alcohol, drugs, occupation, living, exercise = "None", "None", "Student" if age >= 5 else "", \
                "Lives with parents", "Active play daily"
        else:
            alcohol = rng.choice(("None", "None", "Social, 1-2 drinks per week", "3-7 drinks per week",
                                  "Daily, 1-2 drinks")) if age >= 18 else "None"
            drugs = "Cannabis, occasional" if age >= 16 and rng.random() < 0.06 else "None"
            occupation = ("Student" if age < 22 else "Retired" if age >= 66
                          else rng.choice(ctx.pools.occupations))
            living = ("Lives with parents" if age < 18 else "Assisted living facility" if age >= 85
                      and rng.random() < 0.4 else rng.choice(("Lives with spouse", "Lives alone",
                                                             "Lives with family", "Lives with partner")))
            exercise = rng.choice(("Walks 30 minutes most days", "Sedentary", "Gym 3 times per week",
                                   "Yoga twice a week", "Runs 3 times per week"))
        code = SMOKING_STATUS_SNOMED[SmokingStatus(status)][0]
        buffer.add(SocialHistory, {
            "id": c.new_id(when), "patient_id": c.id, "recorded_at": when, "recorded_by_id": nurse_id,
            "smoking_status": status, "smoking_snomed": code,
            "pack_years": round(rng.uniform(3, 45), 1) if smoker and age >= 18 else None,
            "quit_year": quit_year, "alcohol_use": alcohol, "drug_use": drugs,
            "occupation": occupation, "living_situation": living, "exercise": exercise,
            "comment": "No tobacco smoke exposure at home." if age < 12 else "",
        })

    first_status = c.smoking
    quit_year = None
    if c.smoking == "former":
        quit_year = max(c.birth.year + 16, recorded.year - rng.randint(1, 30))
    row(recorded, first_status, quit_year)
    if c.quit_day is not None:
        later = next((v for v in visits if v.day >= c.quit_day + timedelta(days=60)
                      and v.kind == EncounterType.ANNUAL_PHYSICAL.value), None)
        if later is not None:
            row(datetime.combine(later.day, recorded.timetz()), "former", c.quit_day.year)


def _family_history(buffer: RowBuffer, c: Chart, age: int, recorded: datetime) -> None:
    rng = c.rng
    count = rng.choice((0, 1, 1, 2, 2, 3)) if age >= 18 else rng.choice((0, 0, 1, 2))
    for _ in range(count):
        relative = rng.choice(RELATIVES)
        male = relative in ("father", "brother", "maternal grandfather", "paternal grandfather")
        options = [f for f in FAMILY_CONDITIONS
                   if not (male and f[0].startswith("C50")) and not (not male and f[0] == "C61")]
        icd10, condition, low, high = rng.choice(options)
        elder = "grand" in relative
        buffer.add(FamilyHistory, {
            "id": c.new_id(recorded), "patient_id": c.id, "relationship": relative,
            "icd10_code": icd10, "condition": condition,
            "onset_age": rng.randint(low, high) if rng.random() < 0.8 else None,
            "deceased": elder and rng.random() < 0.6,
            "comment": "",
        })


def _past_vaccines(buffer: RowBuffer, c: Chart) -> None:
    """Doses given before the chart began, as reported (registry, previous provider, card)."""
    rng = c.rng
    start_age = c.age_days(c.start)
    for due_age, code, dose in CHILD_SCHEDULE:
        if due_age >= start_age or start_age > 19 * 365:
            continue
        when = c.birth + timedelta(days=due_age + (0 if due_age == 0 else rng.randint(0, 20)))
        if when >= c.start:
            when = c.start - timedelta(days=1)
        if code == "116" and due_age > 240:
            continue
        cvx = pcv_cvx(when) if code == "PCV" else code
        source = "Birth hospital record" if due_age == 0 else rng.choice(VACCINE_SOURCES)
        _historical(buffer, c, cvx, dose, when, source)
        c.vaccines[(code, dose)] = when
    age_years = start_age / YEAR
    if age_years >= 19 and rng.random() < 0.5:
        when = c.start - timedelta(days=rng.randint(365, 9 * 365))
        _historical(buffer, c, "115", 1, when, rng.choice(VACCINE_SOURCES))
        c.vaccines[("115", 1)] = when
    if age_years >= 66 and rng.random() < 0.4:
        when = c.start - timedelta(days=rng.randint(200, int((age_years - 65) * YEAR)))
        _historical(buffer, c, "33", 1, when, rng.choice(VACCINE_SOURCES))
        c.vaccines[("PPSV", 1)] = when


def _historical(buffer: RowBuffer, c: Chart, cvx: str, dose: int | None, when: date,
                source: str) -> None:
    buffer.add(Immunization, {
        "id": c.new_id(when), "patient_id": c.id, "encounter_id": None, "cvx_code": cvx,
        "vaccine": VACCINES[cvx].name, "kind": ImmunizationKind.HISTORICAL.value,
        "occurrence_date": when, "dose_number": dose, "source": source,
    })


def _documents(ctx: DemoContext, buffer: RowBuffer, c: Chart, visits: list[Visit]) -> None:
    """Scanned or received documents: outside records, consult letters, school forms."""
    rng = c.rng
    docs: list[tuple[date, str, str, str]] = []
    if rng.random() < 0.06:
        docs.append((visits[0].day, "Outside records: previous primary care", "outside-records",
                     "Summary of care from the previous clinic: problem list, medications, "
                     "immunizations and the last two visit notes (synthetic demo text)."))
    afib = c.conditions.get("afib")
    if afib is not None and afib.noted is not None and rng.random() < 0.5:
        day = afib.noted + timedelta(days=rng.randint(20, 60))
        if day < c.end:
            docs.append((day, "Cardiology consult letter", "consult",
                         "Thank you for referring this patient with atrial fibrillation. Rate is "
                         "controlled; continue anticoagulation. Echocardiogram: normal ejection "
                         "fraction. Follow up in 12 months (synthetic demo text)."))
    sports = [v for v in visits if v.kind == EncounterType.WELL_CHILD.value
              and 5 * 365 <= c.age_days(v.day) < 18 * 365]
    if sports and rng.random() < 0.1:
        docs.append((sports[-1].day, "School sports physical form", "form",
                     "Cleared for all sports without restriction. Immunizations up to date "
                     "(synthetic demo text)."))
    for day, title, category, text in docs:
        when = ctx.at(day, rng.randint(9 * 60, 16 * 60))
        data = f"{title}\nDate: {day.isoformat()}\n\n{text}\n".encode()
        doc_id = c.new_id(when)
        buffer.add(Document, {
            "id": doc_id, "patient_id": c.id, "encounter_id": None, "title": title,
            "category": category, "filename": f"{category}-{day.isoformat()}.txt",
            "mime_type": "text/plain", "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "document_date": when,
            "added_by_id": ctx.front_desk.id,
        })
        buffer.add(DocumentContent, {"id": c.new_id(when), "document_id": doc_id, "data": data})
