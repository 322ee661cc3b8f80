"""A small synthetic practice made through the public services, one user action at a time.

Stand-in for ``emr_desktop.demo.generate_demo_practice`` (``--generator services``): slower per
patient (every action is its own committed unit of work, as at the desk) and less varied, but it
only needs the services. Synthetic data only: names come from Faker with a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from faker import Faker

from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice

_PROBLEMS = [("I10", "Essential (primary) hypertension"),
             ("E11.9", "Type 2 diabetes mellitus without complications"),
             ("E78.5", "Hyperlipidemia, unspecified"), ("J45.909", "Unspecified asthma, uncomplicated"),
             ("F41.1", "Generalized anxiety disorder"), ("M54.50", "Low back pain, unspecified")]
_MEDICATIONS = ["lisinopril 10 MG Oral Tablet", "metformin 500 MG Oral Tablet",
                "atorvastatin 20 MG Oral Tablet", "albuterol 0.09 MG/ACTUAT Inhaler",
                "sertraline 50 MG Oral Tablet", "amlodipine 5 MG Oral Tablet"]
_LABS = [("4548-4", "Hemoglobin A1c", "%", 4.0, 5.6), ("2093-3", "Cholesterol", "mg/dL", 100, 199),
         ("2345-7", "Glucose", "mg/dL", 70, 99), ("2160-0", "Creatinine", "mg/dL", 0.6, 1.3)]


@dataclass(frozen=True)
class ServicesPracticeSummary:
    patients: int
    usernames: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.patients} patients; staff: {', '.join(self.usernames)}"


def generate_services_practice(store: ChartStore, *, patients: int, seed: int, password: str,
                               progress: Callable[[int, int], None] | None = None
                               ) -> ServicesPracticeSummary:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    initialize_practice(store.db, practice_name="Benchmark Family Practice",
                        workstation_name="bench-desk", admin_password=password)
    svc = Services.build(store.db)
    admin = svc.users.authenticate("admin", password)
    svc.users.create_user(admin, username="drbench", display_name="Dana Bench", password=password,
                          roles=(Role.PROVIDER.value,), credentials="MD", npi="1234567893")
    svc.users.create_user(admin, username="fdbench", display_name="Frankie Bench", password=password,
                          roles=(Role.FRONT_DESK.value,))
    # Each action by the role that does it at the desk (the services check permissions).
    desk = svc.users.authenticate("fdbench", password)
    doctor = svc.users.authenticate("drbench", password)
    today = date.today()
    for n in range(patients):
        _one_patient(svc, desk, doctor, rng, fake, today)
        if progress is not None:
            progress(n + 1, patients)
    return ServicesPracticeSummary(patients, ("admin", "drbench", "fdbench"))


def _one_patient(svc: Services, desk: Actor, actor: Actor, rng: random.Random, fake: Faker,
                 today: date) -> None:
    sex = rng.choice(["female", "male"])
    given = fake.first_name_female() if sex == "female" else fake.first_name_male()
    birth = today - timedelta(days=rng.randint(365, 90 * 365))
    patient = svc.patients.register(
        desk, family_name=fake.last_name(), given_name=given, birth_date=birth, sex=sex,
        phone_mobile=f"555{rng.randint(0, 9_999_999):07d}", address_line1=fake.street_address(),
        city=fake.city(), state=fake.state_abbr(), postal_code=fake.postcode())
    pid = patient.id
    svc.coverages.create(desk, patient_id=pid, payer_name=rng.choice(["Acme Health", "Blue Plan"]),
                         member_id=f"M{rng.randint(0, 10**9):09d}")
    svc.social_history.create(actor, patient_id=pid, smoking_status=rng.choice(["never", "former"]))
    if rng.random() < 0.5:
        svc.family_history.create(actor, patient_id=pid, relationship="mother",
                                  condition="Hypertension", onset_age=rng.randint(35, 70))
    if rng.random() < 0.3:
        svc.allergies.create(actor, patient_id=pid, substance="Penicillin", category="medication",
                             reaction="hives", severity="moderate")
    for code, display in rng.sample(_PROBLEMS, rng.randint(0, 3)):
        svc.problems.create(actor, patient_id=pid, icd10_code=code, display=display)
    for display in rng.sample(_MEDICATIONS, rng.randint(0, 3)):
        svc.medications.create(actor, patient_id=pid, display=display, sig="1 tab daily")
    for visit in range(rng.randint(1, 3)):
        when = datetime.now(UTC) - timedelta(days=rng.randint(1, 3 * 365), hours=visit)
        enc = svc.encounters.start(actor, pid, "office-visit", reason="Follow-up", start_time=when)
        svc.vitals.record(actor, pid, encounter_id=enc.id, taken_at=when,
                          systolic=rng.randint(105, 160), diastolic=rng.randint(60, 95),
                          pulse=rng.randint(55, 100), temperature=round(rng.uniform(36.2, 37.4), 1),
                          height=rng.randint(150, 195), weight=rng.randint(50, 120))
        note = svc.notes.create(actor, patient_id=pid, encounter_id=enc.id, title="Office visit",
                                subjective="Here for follow-up.", assessment="Stable.",
                                plan="Continue current plan.")
        svc.notes.sign(actor, note.id)
        loinc, display, unit, low, high = rng.choice(_LABS)
        svc.lab_results.create(actor, patient_id=pid, loinc=loinc, display=display, unit=unit,
                               value_numeric=round(rng.uniform(low * 0.8, high * 1.3), 1),
                               reference_low=low, reference_high=high, collected_at=when)
