"""`emr-desktop demo`: a synthetic family practice with multi-year patient histories.

The practice, its workstation and its staff are set up through the services (so passwords are
hashed and roles assigned exactly as in production). Patients are generated in batches (see
producer.py: in a helper process when that helps) and written with one executemany per table
per batch, several batches per unit of work: the per-record services would take hours for
100,000 patients. Every generated clinical row, ids included, is a function of the seed, the
patient count and ``as_of``; only sync metadata, the set-up rows and password hashes (and the
signature hashes, which seal the staff user ids) differ between runs.

Nothing here prints or logs patient data; progress is reported as counts only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.db.store import ChartStore
from emr_desktop.demo.context import StaffMember
from emr_desktop.demo.people import (
    PRACTICE_NAME,
    PRACTICE_TIME_ZONE,
    STAFF,
    WORKSTATION_NAME,
    make_dea,
    make_npi,
    practice_details,
)
from emr_desktop.demo.producer import Plan, produce, use_helper
from emr_desktop.demo.rows import GENERATED_MODELS, insert_statements
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.models import Practice, RoleAssignment, SyncState, UserAccount, Workstation
from emr_desktop.services import mrn
from emr_desktop.services.setup import initialize_practice
from emr_desktop.services.users import UserService
from emr_desktop.sync.capture import HLC_STATE_KEY

Progress = Callable[[int, int], None]

#: Patients per generated batch: a batch (about 200 rows per patient) is held in memory until it
#: is written, so this bounds memory.
BATCH_SIZE = 250
#: Batches per transaction: each commit also folds the write-ahead log back into the chart file,
#: so fewer, larger transactions write each index page fewer times.
BATCHES_PER_TRANSACTION = 8
#: Page cache while loading (the store's own setting is restored afterwards).
BULK_CACHE_MB = 256


@dataclass(frozen=True)
class DemoSummary:
    """What was generated (counts only: safe to print)."""

    practice_name: str
    usernames: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    patients: int = 0
    seed: int = 0
    as_of: date | None = None
    staff: tuple[tuple[str, str], ...] = ()  # (display name, role)

    def describe(self) -> str:
        lines = [f"Practice: {self.practice_name} (seed {self.seed}, charts up to {self.as_of})"]
        for role in (Role.PROVIDER, Role.NURSE, Role.FRONT_DESK, Role.BILLING, Role.ADMIN):
            names = [name for name, r in self.staff if r == role.value]
            if names:
                lines.append(f"  {role.value.replace('_', ' ')}: {', '.join(names)}")
        lines.append("Rows per table:")
        width = max((len(t) for t in self.counts), default=0)
        for table, count in sorted(self.counts.items()):
            lines.append(f"  {table:<{width}}  {count:>10,}")
        return "\n".join(lines)


def generate_demo_practice(store: ChartStore, *, patients: int, seed: int, password: str,
                           progress: Progress | None = None, as_of: date | None = None,
                           parallel: bool | None = None) -> DemoSummary:
    """Set up a demo practice in a freshly created, empty ``store`` and fill it with ``patients``
    synthetic patients whose histories end on ``as_of`` (default: today), with today's and the
    coming weeks' appointments. ``parallel`` chooses whether a helper process generates while
    this one writes (default: when there are enough patients and cores); the rows are the same
    either way."""
    if patients < 0:
        raise ValueError("patients must be zero or more")
    as_of = as_of or datetime.now(ZoneInfo(PRACTICE_TIME_ZONE)).date()  # the practice's today
    setup_rng = random.Random(f"emr-demo:{seed}:practice")
    initialize_practice(store.db, practice_name=PRACTICE_NAME, workstation_name=WORKSTATION_NAME,
                        admin_password=password, practice_details=practice_details(setup_rng))
    staff = _create_staff(store, password, setup_rng)
    plan = Plan(seed=seed, patients=patients, as_of=as_of, site=store.db.clock.site,
                staff=tuple(staff), batch_size=BATCH_SIZE)
    statements = insert_statements(store.engine.dialect)
    counts = {model.__tablename__: 0 for model in GENERATED_MODELS}
    done = 0
    with produce(plan, parallel=use_helper(plan) if parallel is None else parallel) as batches:
        batch = next(batches, None)
        while batch is not None:
            with store.db.unit_of_work() as session:
                _set_cache(session, BULK_CACHE_MB)
                for _ in range(BATCHES_PER_TRANSACTION):
                    batch.check(statements)
                    batch.prepare(mrn.allocate(session, batch.patients), store.db.clock)
                    batch.write(session)
                    for table, rows in batch.counts().items():
                        counts[table] += rows
                    done += batch.patients
                    if progress is not None:
                        progress(done, patients)
                    batch = next(batches, None)
                    if batch is None:
                        break
                session.merge(SyncState(key=HLC_STATE_KEY, value=store.db.clock.last.encode()))
    if patients:
        with store.db.unit_of_work() as session:
            _set_cache(session, store.settings.cache_mb)
    elif progress is not None:
        progress(0, 0)
    return DemoSummary(
        practice_name=PRACTICE_NAME,
        usernames=("admin", *(s.username for s in staff)),
        counts={**_setup_counts(store), **counts},
        patients=patients, seed=seed, as_of=as_of,
        staff=(("Practice Administrator", Role.ADMIN.value),
               *((s.display_name, s.role) for s in staff)),
    )


def _set_cache(session: Session, megabytes: int) -> None:
    """The page cache of the connection writing the batches. A bulk load touches index pages all
    over the file; with a larger cache each is encrypted and written once per transaction
    instead of being spilled and re-read (measured: a third less CPU at 10,000 patients)."""
    session.connection().exec_driver_sql(f"PRAGMA cache_size = -{megabytes * 1024}")


def _create_staff(store: ChartStore, password: str, rng: random.Random) -> list[StaffMember]:
    users = UserService(store.db)
    system = Actor.system()
    staff: list[StaffMember] = []
    for spec in STAFF:
        provider = spec.role == Role.PROVIDER.value
        user = users.create_user(
            system, username=spec.username, display_name=spec.display_name, password=password,
            roles=(spec.role,), credentials=spec.credentials,
            npi=make_npi(rng) if provider else "",
            dea_number=make_dea(rng, spec.family, mid_level=spec.credentials == "NP") if provider else "",
        )
        staff.append(StaffMember(user.id, user.username, user.display_name, spec.credentials, spec.role))
    return staff


def _setup_counts(store: ChartStore) -> dict[str, int]:
    with store.db.read() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Practice, Workstation, UserAccount, RoleAssignment)}
