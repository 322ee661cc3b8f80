"""Run every measure on the encrypted chart and on its plaintext twin, then print one table.

Each measure draws its inputs at random (seeded) from real rows, warms up on inputs of its own,
then times ``--iterations`` calls on each chart, alternating which chart goes first, with
``time.perf_counter_ns``. Both charts get the same inputs, so the overhead ratio compares like
with like.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, select

from benchmarks import dataset
from benchmarks.report import DataInfo, MachineInfo, Report, Timing, format_report
from emr_desktop.db.engine import make_engine
from emr_desktop.db.session import Database
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import EncounterType, RecordStatus, Role
from emr_desktop.models import Patient
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / ".cache"

Kind = Literal["read", "write"]


@dataclass(frozen=True)
class Side:
    """One chart under test, with services over it and a logged-in member of staff."""

    label: str
    services: Services
    actor: Actor


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: Kind
    #: Returns how many rows the call returned or wrote (reported as "rows", not timed).
    call: Callable[[Side, Any], int]
    #: Draws one input at random from the data set.
    draw: Callable[[random.Random], Any]
    p95_target_ms: float | None

    @property
    def max_overhead(self) -> float:
        return READ_OVERHEAD if self.kind == "read" else WRITE_OVERHEAD


SEARCH_P95_MS = 20.0
CHART_P95_MS = 100.0
READ_OVERHEAD = 1.2
WRITE_OVERHEAD = 1.5


# --- the user actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    id: uuid.UUID
    family_name: str
    birth_date: date
    mrn: str


@dataclass(frozen=True)
class Visit:
    """Inputs of one saved encounter, drawn before timing starts."""

    patient_id: uuid.UUID
    systolic: int
    diastolic: int
    pulse: int
    respiration: int
    temperature: float
    spo2: int
    height: float
    weight: float
    pain: int


def _search(side: Side, query: str) -> int:
    return len(side.services.patients.search(side.actor, query))


def _load_chart(side: Side, patient_id: uuid.UUID) -> int:
    chart = side.services.chart.load(side.actor, patient_id)
    return 1 + sum(len(getattr(chart, f.name)) for f in fields(chart) if f.name != "patient")


def _save_visit(side: Side, visit: Visit) -> int:
    """One visit as the staff would save it: four user actions, four units of work."""
    svc, actor = side.services, side.actor
    encounter = svc.encounters.start(actor, visit.patient_id, EncounterType.OFFICE_VISIT.value,
                                     reason="Follow-up: blood pressure and medication review")
    vitals = svc.vitals.record(
        actor, visit.patient_id, encounter_id=encounter.id, method="automated cuff",
        systolic=visit.systolic, diastolic=visit.diastolic, pulse=visit.pulse,
        respiration=visit.respiration, temperature=visit.temperature, spo2=visit.spo2,
        height=visit.height, weight=visit.weight, pain=visit.pain)
    note = svc.notes.create(
        actor, patient_id=visit.patient_id, encounter_id=encounter.id, note_type="progress",
        title="Office visit",
        subjective="Here for follow-up of blood pressure. Taking medication daily, no side effects.",
        objective=f"BP {visit.systolic}/{visit.diastolic}, pulse {visit.pulse}. Lungs clear.",
        assessment="Essential hypertension, controlled on current regimen.",
        plan="Continue current medication. Recheck in 3 months. Labs before next visit.")
    svc.notes.sign(actor, note.id)
    return 1 + len(vitals) + 1


def _draw_visit(patients: Sequence[PatientRow]) -> Callable[[random.Random], Visit]:
    def draw(rng: random.Random) -> Visit:
        return Visit(patient_id=rng.choice(patients).id, systolic=rng.randint(105, 165),
                     diastolic=rng.randint(60, 95), pulse=rng.randint(52, 104),
                     respiration=rng.randint(12, 20), temperature=round(rng.uniform(36.1, 37.6), 1),
                     spo2=rng.randint(94, 100), height=round(rng.uniform(150, 195), 1),
                     weight=round(rng.uniform(48, 130), 1), pain=rng.randint(0, 4))

    return draw


def build_measures(patients: Sequence[PatientRow]) -> list[Measure]:
    def pick(rng: random.Random) -> PatientRow:
        return rng.choice(patients)

    return [
        Measure("search_name", "search: name prefix", "read", _search,
                lambda rng: pick(rng).family_name[:3], SEARCH_P95_MS),
        Measure("search_dob", "search: date of birth", "read", _search,
                lambda rng: pick(rng).birth_date.strftime("%m/%d/%Y"), SEARCH_P95_MS),
        Measure("search_mrn", "search: MRN", "read", _search, lambda rng: pick(rng).mrn,
                SEARCH_P95_MS),
        Measure("chart_load", "chart load (all sections)", "read", _load_chart,
                lambda rng: pick(rng).id, CHART_P95_MS),
        Measure("save_encounter", "save an encounter", "write", _save_visit, _draw_visit(patients),
                None),
    ]


#: Row labels of the timing table, in order (the smoke test looks for each of them).
MEASURE_LABELS = tuple(m.label for m in build_measures([]))


# --- timing -----------------------------------------------------------------------------------


def time_measure(measure: Measure, encrypted: Side, plain: Side, *, seed: int, iterations: int,
                 warmup: int) -> Timing:
    rng = random.Random(f"{seed}:{measure.key}")
    warm_inputs = [measure.draw(rng) for _ in range(warmup)]
    inputs = [measure.draw(rng) for _ in range(iterations)]
    for value in warm_inputs:
        measure.call(encrypted, value)
        measure.call(plain, value)
    samples: dict[str, list[int]] = {encrypted.label: [], plain.label: []}
    rows = 0
    gc.collect()
    for i, value in enumerate(inputs):
        # Alternate which chart goes first, so neither always runs right after the other.
        for side in (encrypted, plain) if i % 2 == 0 else (plain, encrypted):
            started = time.perf_counter_ns()
            count = measure.call(side, value)
            samples[side.label].append(time.perf_counter_ns() - started)
            if side is encrypted:
                rows += count
    return Timing(key=measure.key, label=measure.label, kind=measure.kind,
                  encrypted_ns=tuple(samples[encrypted.label]), plain_ns=tuple(samples[plain.label]),
                  mean_rows=rows / max(len(inputs), 1), p95_target_ms=measure.p95_target_ms,
                  max_overhead=measure.max_overhead)


def profile_measure(measure: Measure, side: Side, *, seed: int, calls: int) -> str:
    """cProfile ``calls`` calls of one measure on one chart; the 30 costliest functions."""
    import cProfile
    import io
    import pstats

    rng = random.Random(f"{seed}:{measure.key}:profile")
    inputs = [measure.draw(rng) for _ in range(calls)]
    profiler = cProfile.Profile()
    profiler.enable()
    for value in inputs:
        measure.call(side, value)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return f"profile of {calls} x {measure.label} on the {side.label} chart\n{out.getvalue()}"


# --- set-up of both sides ---------------------------------------------------------------------


def _staff_actor(services: Services) -> Actor:
    """Log in as a provider of the practice (or the administrator if there is none)."""
    users = services.users.list_users(Actor.system())
    chosen = next((u for u in users if Role.PROVIDER.value in u.roles), None)
    chosen = chosen or next(u for u in users if Role.ADMIN.value in u.roles)
    return services.users.authenticate(chosen.username, dataset.BENCH_PASSWORD)


def _side(label: str, db: Database) -> Side:
    services = Services.build(db)
    return Side(label, services, _staff_actor(services))


def _patients(side: Side) -> list[PatientRow]:
    stmt = (select(Patient.id, Patient.family_name, Patient.birth_date, Patient.mrn)
            .where(Patient.record_status == RecordStatus.ACTIVE.value).order_by(Patient.id))
    with side.services.db.read() as session:
        return [PatientRow(*row) for row in session.execute(stmt).tuples()]


def machine_info(engine: Engine) -> MachineInfo:
    with engine.connect() as conn:
        def pragma(sql: str) -> str:
            return str(conn.exec_driver_sql(sql).scalar() or "?")

        cipher = pragma("PRAGMA cipher_version")
        provider = f"{pragma('PRAGMA cipher_provider')} {pragma('PRAGMA cipher_provider_version')}"
        sqlite = pragma("SELECT sqlite_version()")
    return MachineInfo(cpus=os.cpu_count() or 0, platform=platform.platform(terse=True),
                       python=platform.python_version(), sqlcipher=cipher,
                       crypto_provider=provider.strip(), sqlite=sqlite)


def run(options: argparse.Namespace, log: Callable[[str], None]) -> Report:
    data_dir = Path(options.data_dir).resolve()
    folder = dataset.dataset_folder(data_dir, options.patients, options.seed, options.generator)
    with dataset.isolated_keyring(folder):
        data = dataset.prepare(data_dir, patients=options.patients, seed=options.seed,
                               generator=options.generator, fresh=options.fresh, log=log)
        settings, plain_path = dataset.make_run_copies(data)
        store = ChartStore.open(settings, KeyStore())
        plain_engine = make_engine(plain_path, None, cache_mb=settings.cache_mb)
        try:
            encrypted = _side("encrypted", store.db)
            plain = _side("plain", Database(plain_engine))
            counts = store.table_counts()
            patients = _patients(plain)
            if not patients:
                raise SystemExit("The data set has no active patients to measure.")
            info = DataInfo(patients=counts.get("patient", 0), seed=options.seed, generator=options.generator,
                            total_rows=sum(counts.values()), tables=len(counts),
                            outbox_rows=counts.get("outbox_op", 0))
            machine = machine_info(store.engine)
            timings = []
            for measure in build_measures(patients):
                log(f"timing {measure.label} ...")
                timings.append(time_measure(measure, encrypted, plain, seed=options.seed,
                                            iterations=options.iterations, warmup=options.warmup))
                if measure.key in options.profile:
                    for side in (encrypted, plain):
                        log(profile_measure(measure, side, seed=options.seed,
                                            calls=options.iterations))
        finally:
            plain_engine.dispose()
            store.close()
            shutil.rmtree(data.run_dir, ignore_errors=True)  # throw-away copies (GBs at 20,000)
    return Report(machine=machine, data=info, generation=data.record, cached=data.cached,
                  iterations=options.iterations, warmup=options.warmup, timings=tuple(timings),
                  generator_changed=data.cached and data.record.generator_fingerprint
                  != dataset.generator_fingerprint(options.generator))


# --- command line -----------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--patients", type=_positive, default=20_000,
                        help="size of the demo practice (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="data and query seed (default 1)")
    parser.add_argument("--iterations", type=_positive, default=200,
                        help="timed calls per measure and chart (default 200)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed calls per measure and chart first (default iterations/10, >= 3)")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                        help="cache of generated charts (default benchmarks/.cache)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached chart")
    parser.add_argument("--generator", choices=sorted(dataset.GENERATORS), default="demo",
                        help="demo: emr_desktop.demo (default); services: a simpler practice "
                             "made through the services, one action at a time")
    parser.add_argument("--profile", action="append", default=[], metavar="MEASURE",
                        choices=[m.key for m in build_measures([])],
                        help="also cProfile this measure on both charts (stderr); repeatable")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a target fails")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    if options.warmup is None:
        options.warmup = max(3, options.iterations // 10)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = run(options, log)
    print(format_report(report))
    return 1 if options.strict and report.failures() else 0
