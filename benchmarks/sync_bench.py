"""Sync benchmark: workstations and a PostgreSQL practice hub talking through the real HTTP API.

``python -m benchmarks.sync_bench`` starts a throwaway PostgreSQL cluster (tests/support/postgres.py,
its settings reported in the table), runs the hub service behind its HTTP API (server.serve's
``ServerThread``: uvicorn in a thread of this process, plain HTTP on 127.0.0.1) and measures, with
``SyncClient`` over ``HttpTransport`` on real SQLCipher charts:

1. push: a workstation joining with a demo chart pushes its whole chart (one insert op per row);
2. pull-apply: a second, empty workstation pulls that change feed from cursor 0 into its chart;
3. bootstrap: a fresh workstation enrolls with a hub holding a 20,000-patient practice (seeded by a
   bulk load, not timed) and downloads it: ``enroll`` -> snapshot pages -> log tail -> first sync;
4. save-to-visible: two workstations with a ``SyncAgent`` each at default settings; a phone number
   saved on one, wall time until the other's chart holds it.

Progress and profiles go to stderr, the table to stdout. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import platform
import pstats
import random
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, func, select

from benchmarks import dataset
from benchmarks.harness import _positive
from benchmarks.sync.seed import SeedResult, libpq_url, seed_hub
from emr_desktop.config import Settings
from emr_desktop.db.engine import make_engine
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.models import SYNCED_MODELS, Patient
from emr_desktop.security.keystore import KeyStore
from emr_desktop.security.permissions import ROLE_PERMISSIONS, Category, Verb
from emr_desktop.server import schema as hub_schema
from emr_desktop.server.serve import ServerThread
from emr_desktop.server.service import HubService
from emr_desktop.server.store import HubStore
from emr_desktop.services.registry import Services
from emr_desktop.sync.agent import DEFAULT_INTERVAL, SyncAgent
from emr_desktop.sync.capture import SITE_STATE_KEY
from emr_desktop.sync.client import PULL_LIMIT, PUSH_BATCH, SNAPSHOT_LIMIT, SyncClient, SyncReport
from emr_desktop.sync.enroll import CREDENTIAL, client_for, enroll
from emr_desktop.sync.http import HttpTransport

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / ".cache"
RUN_FOLDER = "sync-run"

PUSH_OPS_PER_S = 5_000.0
PULL_ROWS_PER_S = 25_000.0
BOOTSTRAP_MAX_S = 240.0
VISIBLE_MAX_S = 5.0
#: Demo patients of the pushed chart by default: ~195 synced rows each, so ~50,000 ops.
PUSH_PATIENTS = 256
QUICK = {"patients": 20, "push_patients": 20, "saves": 3}
PROFILE_LINES = 25
#: Snapshot pages of the bootstrap run under the profiler (--profile): 500,000 rows by default.
PROFILE_BOOTSTRAP_PAGES = 100
POLL_S = 0.005
VISIBLE_TIMEOUT_S = 60.0

Log = Callable[[str], None]


# --- results ----------------------------------------------------------------------------------


@dataclass
class Throughput:
    count: int
    seconds: float
    requests: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Bootstrap:
    patients: int
    rows: int
    seconds: float
    snapshot_seconds: float
    pages: int
    chart_bytes: int
    seed: SeedResult

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Visible:
    samples: list[float]
    interval: float
    timeouts: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan


@dataclass
class Result:
    machine: str = ""
    hub: str = ""
    transport: str = ""
    push_chart: str = ""
    push: Throughput | None = None
    pull: Throughput | None = None
    bootstrap: Bootstrap | None = None
    visible: Visible | None = None
    notes: list[str] = field(default_factory=list)
    #: 1-minute load average when each measure started (the machine may be shared).
    load: dict[str, float] = field(default_factory=dict)

    def verdicts(self) -> list[tuple[str, bool]]:
        out = []
        if self.push:
            out.append(("push", self.push.rate >= PUSH_OPS_PER_S))
        if self.pull:
            out.append(("pull", self.pull.rate >= PULL_ROWS_PER_S))
        if self.bootstrap:
            out.append(("bootstrap", self.bootstrap.seconds < BOOTSTRAP_MAX_S))
        if self.visible:
            out.append(("visible", not self.visible.timeouts and self.visible.max < VISIBLE_MAX_S))
        return out


# --- the PostgreSQL hub -----------------------------------------------------------------------


class HubProcess:
    """``emr-desktop hub serve`` in its own process, as a practice server runs it."""

    def __init__(self, url: str) -> None:
        import socket
        import subprocess
        import sys

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emr_desktop", "hub", "serve", url, "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:   # bounded wait until the server accepts connections
            if self.proc.poll() is not None:
                raise SystemExit(f"hub serve exited: {self.proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("hub serve did not start within 60 s") from None
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


@dataclass
class Hub:
    url: str
    store: HubStore
    service: HubService
    server: ServerThread | HubProcess

    @property
    def address(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()
        self.store.close()


def _reset_hub_database(url: str) -> None:
    engine = create_engine(url)
    try:
        hub_schema.metadata.drop_all(engine)
    finally:
        engine.dispose()


def start_hub(url: str, *, seed: Callable[[str], None] | None = None, process: bool = True) -> Hub:
    """A fresh hub in the database at ``url`` (its hub tables dropped and made again), optionally
    seeded before the service opens it, served over HTTP on a free loopback port: by a separate
    ``emr-desktop hub serve`` process (as in a practice), or in a thread (for profiling)."""
    _reset_hub_database(url)
    HubStore.init(url).close()
    if seed is not None:
        seed(url)
    store = HubStore.open(url)
    service = HubService(store)
    server = HubProcess(url) if process else ServerThread(service).start()
    return Hub(url, store, service, server)


def postgres_description(url: str, *, own: bool) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
        def show(name: str) -> str:
            row = conn.execute(f"SHOW {name}").fetchone()
            return str(row[0]) if row else "?"

        version = show("server_version").split()[0]
        settings = ", ".join(f"{name}={show(name)}" for name in
                             ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers"))
    origin = ("throwaway cluster of tests/support/postgres.py on 127.0.0.1" if own
              else "external database given by --hub-url")
    return f"PostgreSQL {version} ({origin}; {settings})"


def _check_empty(url: str) -> None:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = current_schema()").fetchone()
    if row and row[0]:
        raise SystemExit("--hub-url must name an empty database: the benchmark drops and recreates "
                         "the hub tables in it.")


@contextlib.contextmanager
def hub_database(hub_url: str | None, log: Log) -> Iterator[tuple[str, str]]:
    """(SQLAlchemy URL, description) of the database the hubs live in."""
    if hub_url:
        _check_empty(hub_url)
        try:
            yield hub_url, postgres_description(hub_url, own=False)
        finally:
            _reset_hub_database(hub_url)
        return
    try:
        from tests.support.postgres import PostgresCluster
    except ImportError as exc:
        raise SystemExit(f"tests.support.postgres is not importable ({exc}): run from the repository "
                         "root, or give an empty database with --hub-url.") from exc

    log("starting a throwaway PostgreSQL cluster ...")
    with PostgresCluster(prefix="emr-sync-bench-") as cluster:
        url = cluster.create_database()
        yield url, postgres_description(url, own=True)


# --- workstations -----------------------------------------------------------------------------


@dataclass
class Station:
    name: str
    store: ChartStore
    client: SyncClient
    queue_seconds: float = 0.0   # queue_whole_chart of a joining workstation (not a measure)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.transport.close()  # type: ignore[attr-defined]
        self.store.close()


def _enroll_by_hand(hub: Hub, store: ChartStore, name: str, *, join: bool,
                    needs_bootstrap: bool = False) -> Station:
    """What sync.enroll.enroll does up to (not including) the join push or the bootstrap."""
    keystore = KeyStore()
    probe = SyncClient(store.db, HttpTransport(hub.address))
    state = probe.state()
    reply = probe.transport.enroll({
        "code": hub.service.create_enroll_code(name), "name": name, "join": join,
        "site_code": state.get(SITE_STATE_KEY) if join else None,
        "mrn_blocks": probe.local_mrn_blocks() if join else []})
    probe.transport.close()  # type: ignore[attr-defined]
    keystore.save_secret(store.meta.store_id, CREDENTIAL, reply["credential"])
    client = SyncClient(store.db, HttpTransport(hub.address, credential=reply["credential"]))
    client.record_enrollment(reply, hub.address, None, needs_bootstrap=needs_bootstrap)
    return Station(name, store, client)


def joining_station(hub: Hub, data: dataset.Dataset, folder: Path) -> Station:
    """A copy of the cached demo chart, enrolled with the (empty) hub as the joining workstation,
    its whole chart queued (queue_whole_chart) and not yet pushed."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("chart.db", "store.json"):
        shutil.copyfile(data.pristine_dir / name, folder / name)
    store = ChartStore.open(Settings(data_dir=folder, full_verify_max_mb=0), KeyStore())
    station = _enroll_by_hand(hub, store, "bench-a", join=True)
    started = time.perf_counter()
    station.client.queue_whole_chart()
    station.queue_seconds = time.perf_counter() - started
    return station


def empty_station(hub: Hub, folder: Path, name: str, *, bootstrap: bool = False) -> Station:
    """A new, empty chart enrolled with the hub: to bootstrap, or (by default) to pull the change
    feed from cursor 0 instead."""
    shutil.rmtree(folder, ignore_errors=True)
    store, _recovery = ChartStore.create(Settings(data_dir=folder), KeyStore())
    return _enroll_by_hand(hub, store, name, join=False, needs_bootstrap=bootstrap)


def synced_counts(store: ChartStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
                for m in SYNCED_MODELS}


# --- 1 and 2: push, pull-apply ------------------------------------------------------------------


def measure_push(station: Station) -> Throughput:
    pending = station.client.pending_count()
    started = time.perf_counter()
    report = station.client.push()
    seconds = time.perf_counter() - started
    _check_report(report, pending)
    return Throughput(report.pushed, seconds, math.ceil(report.pushed / station.client.push_batch))


def _check_report(report: SyncReport, pending: int) -> None:
    if report.pushed != pending or report.quarantined or report.conflicts:
        raise SystemExit(f"the push did not go through cleanly: {pending} pending, {report.pushed} "
                         f"pushed, {report.conflicts} conflicts, {report.quarantined} quarantined")


def measure_pull(station: Station) -> Throughput:
    pages = [0]

    def page(_done: int, _total: int | None) -> None:
        pages[0] += 1

    started = time.perf_counter()
    report = station.client.pull(progress=page)
    seconds = time.perf_counter() - started
    return Throughput(report.pulled, seconds, pages[0])


# --- 3: bootstrap -----------------------------------------------------------------------------


def measure_bootstrap(hub: Hub, seeded: SeedResult, patients: int, folder: Path, log: Log) -> Bootstrap:
    shutil.rmtree(folder, ignore_errors=True)
    settings = Settings(data_dir=folder)
    marks: list[tuple[float, int, int | None]] = []
    last_log = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.perf_counter()
        marks.append((now, done, total))
        if now - last_log[0] > 10:
            last_log[0] = now
            log(f"  bootstrap: {done:,}/{total or 0:,} rows ({now - started:.0f} s)")

    log(f"bootstrap: enrolling an empty workstation with the {patients:,}-patient hub ...")
    started = time.perf_counter()
    result = enroll(settings, KeyStore(), hub.address, hub.service.create_enroll_code("bench-c"),
                    name="bench-c", progress=progress)
    seconds = time.perf_counter() - started
    try:
        with result.store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        size = settings.db_path.stat().st_size
        if result.rows != seeded.rows:
            raise SystemExit(f"bootstrap downloaded {result.rows} rows, the hub holds {seeded.rows}")
    finally:
        with contextlib.suppress(Exception):
            result.store.close()
    # The snapshot is done at the first page that brings the count to the total (a later call
    # only corrects the count for rows that came with the log tail instead).
    snapshot_end = next((t for t, done, total in marks if total is not None and done >= total),
                        marks[-1][0] if marks else started)
    return Bootstrap(patients=patients, rows=result.rows, seconds=seconds,
                     snapshot_seconds=snapshot_end - started, pages=len(marks), chart_bytes=size,
                     seed=seeded)


# --- 4: save-to-visible -----------------------------------------------------------------------


def _demographics_writer(services: Services) -> Actor:
    users = services.users.list_users(Actor.system())
    for user in users:
        if any((Category.DEMOGRAPHICS, Verb.WRITE) in ROLE_PERMISSIONS.get(role, ())  # type: ignore[call-overload]
               for role in user.roles):
            return services.users.authenticate(user.username, dataset.BENCH_PASSWORD)
    raise SystemExit("the demo chart has no user who may edit demographics")


def _start_agent(station: Station) -> SyncAgent:
    """As app.py does: default interval, nudged after each local save."""
    store = station.store
    agent = SyncAgent(lambda: client_for(store, KeyStore()))
    store.db.change_listeners.append(agent.nudge)
    agent.start()
    return agent


def _wait(condition: Callable[[], bool], timeout: float, poll: float = POLL_S) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(poll)
    return True


def measure_visible(a: Station, b: Station, *, saves: int, seed: int, log: Log) -> Visible:
    services = Services.build(a.store.db)
    actor = _demographics_writer(services)
    with a.store.db.read() as session:
        patient_ids = session.scalars(select(Patient.id).order_by(Patient.id)).all()
    rng = random.Random(f"{seed}:save-to-visible")
    agents = [_start_agent(a), _start_agent(b)]
    result = Visible(samples=[], interval=agents[0].interval)
    try:
        log("save-to-visible: waiting for both agents to finish two rounds ...")
        if not _wait(lambda: all(ag.state.rounds >= 2 for ag in agents), 600, 0.05):
            raise SystemExit("the sync agents did not complete their first rounds: "
                             + "; ".join(ag.state.last_error for ag in agents))
        for i in range(saves):
            time.sleep(rng.uniform(0, result.interval))  # any phase of B's timer
            patient_id = rng.choice(patient_ids)
            phone = f"(555) 01{i % 10}-{rng.randrange(10_000):04d}"

            def visible_on_b(patient_id: uuid.UUID = patient_id, phone: str = phone) -> bool:
                with b.store.engine.connect() as conn:
                    return conn.execute(select(Patient.phone_mobile).where(
                        Patient.id == patient_id)).scalar() == phone

            started = time.perf_counter()
            services.patients.update(actor, patient_id, phone_mobile=phone)
            if _wait(visible_on_b, VISIBLE_TIMEOUT_S):
                result.samples.append(time.perf_counter() - started)
                log(f"  save {i + 1}/{saves}: visible on B after {result.samples[-1]:.2f} s")
            else:
                result.timeouts += 1
                log(f"  save {i + 1}/{saves}: not visible on B within {VISIBLE_TIMEOUT_S:.0f} s "
                    f"(A: {agents[0].state.last_error or 'ok'}; B: {agents[1].state.last_error or 'ok'})")
    finally:
        for agent in agents:
            agent.stop()
        for station in (a, b):
            station.store.db.change_listeners.clear()
    return result


# --- profiles ---------------------------------------------------------------------------------


@contextlib.contextmanager
def profiled_hub(profiler: cProfile.Profile) -> Iterator[None]:
    """Profile the hub's request handling (JSON decode, service call, JSON encode: what api.py runs
    in its worker threads). Requests must come one at a time (one profiler, one thread at once)."""
    from emr_desktop.server import api

    real = api.run_in_threadpool

    async def run_profiled(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await real(profiler.runcall, func, *args, **kwargs)

    api.run_in_threadpool = run_profiled  # type: ignore[assignment]
    try:
        yield
    finally:
        api.run_in_threadpool = real


def format_profile(title: str, profiler: cProfile.Profile, lines: int = PROFILE_LINES) -> str:
    out = io.StringIO()
    out.write(f"=== {title} ===\n")
    for order, label in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out.write(f"--- {lines} costliest functions by {label} ---\n")
        try:
            stats = pstats.Stats(profiler, stream=out)
        except TypeError:  # nothing was recorded
            out.write("(no calls recorded)\n")
            break
        stats.sort_stats(order).print_stats(lines)
    return out.getvalue()


def profile_push_pull(url: str, data: dataset.Dataset, run_dir: Path, log: Log) -> None:
    log("profiling push and pull-apply on a fresh hub (not timed) ...")
    hub = start_hub(url, process=False)
    stations: list[Station] = []
    try:
        for label in ("push", "pull-apply"):
            if label == "push":
                station = joining_station(hub, data, run_dir / "profile-a")
                call: Callable[[], SyncReport] = station.client.push
            else:   # enrolls once the hub holds the chart
                station = empty_station(hub, run_dir / "profile-b", "bench-b")
                call = station.client.pull
            stations.append(station)
            client_prof, hub_prof = cProfile.Profile(), cProfile.Profile()
            with profiled_hub(hub_prof):
                client_prof.enable()
                report = call()
                client_prof.disable()
            count = report.pushed if label == "push" else report.pulled
            log(format_profile(f"{label}: workstation side (main thread: SyncClient, HttpTransport, "
                               f"SQLCipher), {count:,} rows", client_prof))
            log(format_profile(f"{label}: hub side (api worker threads: JSON decode, HubService, "
                               f"JSON encode), {count:,} rows", hub_prof))
    finally:
        for station in stations:
            station.close()
        hub.stop()


class _EnoughPages(Exception):
    pass


class _PageLimit:
    """A transport that stops a bootstrap after ``pages`` snapshot pages (bootstrap is resumable,
    so this is an interruption it is built for)."""

    def __init__(self, inner: Any, pages: int) -> None:
        self.inner = inner
        self.left = pages

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def snapshot(self, body: Any) -> Any:
        if self.left <= 0:
            raise _EnoughPages()
        self.left -= 1
        return self.inner.snapshot(body)


def profile_bootstrap(hub: Hub, folder: Path, pages: int, log: Log) -> None:
    log(f"profiling the first {pages} snapshot pages of a bootstrap (not timed) ...")
    station = empty_station(hub, folder, "bench-profile", bootstrap=True)
    try:
        station.client.transport = _PageLimit(station.client.transport, pages)
        rows = [0]

        def progress(done: int, _total: int | None) -> None:
            rows[0] = done

        client_prof, hub_prof = cProfile.Profile(), cProfile.Profile()
        with profiled_hub(hub_prof):
            client_prof.enable()
            try:
                station.client.bootstrap(progress)
            except _EnoughPages:
                pass
            finally:
                client_prof.disable()
        log(format_profile(f"bootstrap, first {pages} snapshot pages: workstation side (main thread), "
                           f"{rows[0]:,} rows", client_prof))
        log(format_profile(f"bootstrap, first {pages} snapshot pages: hub side (api worker threads), "
                           f"{rows[0]:,} rows", hub_prof))
    finally:
        station.close()


# --- the run ----------------------------------------------------------------------------------


def prepare_dataset(data_dir: Path, patients: int, seed: int, fresh: bool, log: Log) -> dataset.Dataset:
    folder = dataset.dataset_folder(data_dir, patients, seed, "demo")
    with dataset.isolated_keyring(folder):
        data = dataset.prepare(data_dir, patients=patients, seed=seed, generator="demo",
                               fresh=fresh, log=log)
    state = "cached" if data.cached else "generated now"
    log(f"data set {folder.name}: {state} ({data.record.generation_seconds:.1f} s to generate)")
    return data


def machine_description() -> str:
    return (f"{os.cpu_count() or 0} CPUs, {platform.platform(terse=True)}, "
            f"Python {platform.python_version()}")


def run(options: argparse.Namespace, log: Log) -> Result:
    data_dir = Path(options.data_dir).resolve()
    push_data = prepare_dataset(data_dir, options.push_patients, options.seed, options.fresh, log)
    boot_data = None
    if options.bootstrap:
        boot_data = (push_data if options.patients == options.push_patients
                     else prepare_dataset(data_dir, options.patients, options.seed, options.fresh, log))
    result = Result(machine=machine_description())
    result.transport = ("plain HTTP on 127.0.0.1 (no TLS): hub = `emr-desktop hub serve` (uvicorn, h11) "
                        "in its own process; workstations = SyncClient over HttpTransport (httpx, "
                        "keep-alive) in this process; all on the same 2 CPUs as PostgreSQL")
    result.push_chart = (f"demo practice of {options.push_patients:,} patients (seed {options.seed}), "
                         f"{push_data.record.encrypted_bytes / 2**20:,.0f} MB SQLCipher chart; "
                         f"SyncClient defaults: push batches of {PUSH_BATCH:,} ops, "
                         f"pull pages of {PULL_LIMIT:,} rows, snapshot pages of {SNAPSHOT_LIMIT:,}")
    run_dir = data_dir / RUN_FOLDER
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    # The copied chart's key, and the keys of the charts made here, live in the run's own
    # plaintext keyring file (synthetic data only; deleted with the run folder).
    shutil.copyfile(push_data.folder / "keyring.cfg", run_dir / "keyring.cfg")
    try:
        with dataset.isolated_keyring(run_dir), hub_database(options.hub_url, log) as (url, hub_info):
            result.hub = hub_info
            _run_push_pull_visible(options, url, push_data, run_dir, result, log)
            if options.profile:
                profile_push_pull(url, push_data, run_dir, log)
            if boot_data is not None:
                result.bootstrap = _run_bootstrap(url, boot_data, options.patients, run_dir, result,
                                                  options.profile, log)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def _run_push_pull_visible(options: argparse.Namespace, url: str, data: dataset.Dataset,
                           run_dir: Path, result: Result, log: Log) -> None:
    hub = start_hub(url)
    a = b = None
    try:
        a = joining_station(hub, data, run_dir / "ws-a")
        log(f"push: {a.client.pending_count():,} ops queued on workstation A (join) in "
            f"{a.queue_seconds:.1f} s ...")
        result.notes.append(f"queue_whole_chart on A before the push (not timed as a measure): "
                            f"{a.client.pending_count():,} ops in {a.queue_seconds:.1f} s")
        result.load["push"] = _load()
        result.push = measure_push(a)
        log(f"push: {result.push.count:,} ops in {result.push.seconds:.2f} s")
        b = empty_station(hub, run_dir / "ws-b", "bench-b")
        log("pull-apply: workstation B pulls from cursor 0 ...")
        result.load["pull"] = _load()
        result.pull = measure_pull(b)
        log(f"pull-apply: {result.pull.count:,} rows in {result.pull.seconds:.2f} s")
        if synced_counts(a.store) != synced_counts(b.store):
            result.notes.append("WARNING: after the pull, workstation B's row counts differ from A's")
        if options.saves:
            result.load["save-to-visible"] = _load()
            result.visible = measure_visible(a, b, saves=options.saves, seed=options.seed, log=log)
    finally:
        for station in (a, b):
            if station is not None:
                station.close()
        hub.stop()


def _run_bootstrap(url: str, data: dataset.Dataset, patients: int, run_dir: Path, result: Result,
                   profile: bool, log: Log) -> Bootstrap:
    plain = make_engine(data.plain_path, None)
    seeded: list[SeedResult] = []
    try:
        def seed(hub_url: str) -> None:
            log(f"seeding the hub with the {patients:,}-patient chart by a bulk load (COPY; not timed) ...")
            seeded.append(seed_hub(hub_url, plain, log=log))
            log(f"seeded {seeded[0].rows:,} rows in {seeded[0].seconds:.0f} s")

        hub = start_hub(url, seed=seed)
    finally:
        plain.dispose()
    try:
        result.load["bootstrap"] = _load()
        measured = measure_bootstrap(hub, seeded[0], patients, run_dir / "ws-c", log)
        if profile:
            profile_bootstrap(hub, run_dir / "profile-c", PROFILE_BOOTSTRAP_PAGES, log)
        return measured
    finally:
        hub.stop()


def _load() -> float:
    return os.getloadavg()[0]


# --- the table --------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def format_result(result: Result, options: argparse.Namespace) -> str:
    lines = ["Sync benchmark (python -m benchmarks.sync_bench)",
             f"machine     {result.machine}",
             f"hub         {result.hub}",
             f"transport   {result.transport}",
             f"push chart  {result.push_chart}"]
    boot = result.bootstrap
    if boot is not None:
        lines.append(f"bootstrap   hub seeded by a BULK LOAD (PostgreSQL COPY into hub_row/hub_change, "
                     f"not timed, not the join push): {boot.seed.rows:,} rows, "
                     f"{boot.seed.payload_bytes / 2**20:,.0f} MB of row JSON, in {boot.seed.seconds:.0f} s")
    lines.append("")
    width = (34, 46, 10, 18, 20)
    header = ("measure", "data", "time", "rate", "target")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, width, strict=True)) + "  result")
    lines.append("-" * (sum(width) + 2 * len(width) + 6))

    def row(cells: Sequence[str], verdict: str) -> None:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, width, strict=True)) + "  " + verdict)

    if result.push:
        p = result.push
        row(("1 push (join: whole chart)", f"{p.count:,} ops, {p.requests} requests",
             f"{p.seconds:.2f} s", f"{p.rate:,.0f} ops/s", f">= {PUSH_OPS_PER_S:,.0f} ops/s"),
            _verdict(p.rate >= PUSH_OPS_PER_S))
    if result.pull:
        p = result.pull
        row(("2 pull-apply from cursor 0", f"{p.count:,} rows, {p.requests} pages",
             f"{p.seconds:.2f} s", f"{p.rate:,.0f} rows/s", f">= {PULL_ROWS_PER_S:,.0f} rows/s"),
            _verdict(p.rate >= PULL_ROWS_PER_S))
    if boot:
        row((f"3 bootstrap ({boot.patients:,} patients)",
             f"{boot.rows:,} rows, {boot.pages} snapshot pages",
             f"{boot.seconds:.1f} s", f"{boot.rate:,.0f} rows/s", f"< {BOOTSTRAP_MAX_S:.0f} s"),
            _verdict(boot.seconds < BOOTSTRAP_MAX_S))
        tail = boot.seconds - boot.snapshot_seconds
        row(("    of which: create + snapshot", "new SQLCipher chart, all snapshot pages",
             f"{boot.snapshot_seconds:.1f} s", "", ""), "")
        row(("    of which: tail, FK check, sync", "log tail pull, foreign_key_check, sync_once",
             f"{tail:.1f} s", "", ""), "")
        row(("    chart size after bootstrap", f"{boot.chart_bytes / 2**20:,.0f} MB encrypted", "", "", ""),
            "")
    vis = result.visible
    if vis:
        default = " (default)" if vis.interval == DEFAULT_INTERVAL else ""
        data = f"{len(vis.samples) + vis.timeouts} saves A -> B, interval {vis.interval:g} s{default}"
        if vis.timeouts:
            data += f", {vis.timeouts} timed out"
        row(("4 save-to-visible (SyncAgent)", data, f"p50 {vis.p50:.2f} s",
             f"max {vis.max:.2f} s", f"< {VISIBLE_MAX_S:g} s (max)"),
            _verdict(not vis.timeouts and vis.max < VISIBLE_MAX_S))
        lines.append(" " * 4 + "samples (s): " + ", ".join(f"{s:.2f}" for s in vis.samples))
    if result.notes or result.load:
        lines.append("")
    lines.extend(result.notes)
    if result.load:
        lines.append("load average (1 min) when each measure started: "
                     + ", ".join(f"{k} {v:.2f}" for k, v in result.load.items())
                     + f" (on {os.cpu_count() or 0} CPUs; anything else running skews the figures)")
    verdicts = result.verdicts()
    lines.append("")
    lines.append(f"targets: {sum(ok for _, ok in verdicts)} PASS, "
                 f"{sum(not ok for _, ok in verdicts)} FAIL")
    return "\n".join(lines)


# --- command line -----------------------------------------------------------------------------


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_bench",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--patients", type=_positive, default=None,
                        help="patients of the bootstrapped practice (default 20000; --quick: 20)")
    parser.add_argument("--push-patients", type=_positive, default=None,
                        help=f"patients of the chart pushed and pulled (default {PUSH_PATIENTS}, "
                             "about 50,000 ops; --quick: 20)")
    parser.add_argument("--saves", type=_count, default=None,
                        help="saves timed for save-to-visible (default 10; --quick: 3; 0 skips it)")
    parser.add_argument("--seed", type=int, default=1, help="data seed (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke-test sizes: 20 patients for everything, 3 saves")
    parser.add_argument("--no-bootstrap", dest="bootstrap", action="store_false",
                        help="skip the bootstrap measure (and generating its large practice)")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                        help="cache of generated charts (default benchmarks/.cache)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached charts")
    parser.add_argument("--hub-url", default=None,
                        help="an EMPTY PostgreSQL database (postgresql+psycopg://...) to use instead "
                             "of starting a throwaway cluster; its hub tables are dropped afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile push and pull-apply once more (on a fresh hub) and the "
                             f"first {PROFILE_BOOTSTRAP_PAGES} snapshot pages of a bootstrap, untimed; "
                             f"the {PROFILE_LINES} costliest functions go to stderr")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a target fails")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    defaults = QUICK if options.quick else {"patients": 20_000, "push_patients": PUSH_PATIENTS,
                                            "saves": 10}
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(options, log)
    print(format_result(result, options))
    failed = any(not ok for _, ok in result.verdicts())
    return 1 if options.strict and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
