"""A workstation killed at any moment loses nothing it reported as saved and never damages the
chart: child processes commit registrations and notes and are SIGKILLed at random points (while
opening, inside a transaction, right after a commit, during a checkpoint), over and over, on the
same chart. Afterwards every reported record is there and every check passes.

Two children run at once on the same chart (as the app and a CLI command can): each start-up is
dominated by importing SQLAlchemy/Alembic/the models (~0.5 s), so two lanes halve the wall time on
two cores. The seed is printed; EMR_CRASH_SEED=<seed> replays the same kill plan and child seeds
(how the two lanes interleave still varies from run to run).
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import func, select, text

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore, verify_file
from emr_desktop.models import ClinicalNote, Patient
from emr_desktop.models.sync import MrnBlock
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice

pytestmark = pytest.mark.slow

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 200
LANES = 2
PASSWORD = "correct horse battery"
STALL_SECONDS = 120  # a child silent this long is hung: fail instead of waiting forever


@dataclass
class Target:
    """Kill when the ``count``-th line starting with ``marker`` arrives."""

    marker: str
    count: int

    @classmethod
    def draw(cls, rng: random.Random) -> Target:
        r = rng.random()
        if r < 0.08:
            return cls("opening", 1)  # during ChartStore.open: verify, migration check
        if r < 0.12:
            return cls("open", 1)  # open, nothing written yet
        if r < 0.20:
            return cls("ckpt", 1)  # during a passive checkpoint
        # inside a transaction (after "begin") or just after a commit returned
        return cls(rng.choice(("begin", "commit")), rng.randint(1, 6))


@dataclass
class Lane:
    index: int
    proc: subprocess.Popen[bytes]
    target: Target
    stderr: IO[bytes]
    buffer: bytes = b""
    seen: dict[str, int] = field(default_factory=dict)
    killed: bool = False
    started: float = field(default_factory=time.perf_counter)


@dataclass
class Tally:
    patients: dict[uuid.UUID, str] = field(default_factory=dict)  # id -> MRN
    notes: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # id -> patient id
    kills: int = 0
    by_marker: dict[str, int] = field(default_factory=dict)
    import_ms: list[float] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)
    first_line_s: list[float] = field(default_factory=list)

    def record(self, line: str, lane: Lane) -> None:
        parts = line.split()
        if parts[:2] == ["commit", "patient"]:
            self.patients[uuid.UUID(parts[2])] = parts[3]
        elif parts[:2] == ["commit", "note"]:
            self.notes[uuid.UUID(parts[2])] = uuid.UUID(parts[3])
        elif parts[0] == "open":
            self.import_ms.append(float(parts[1]))
            self.open_ms.append(float(parts[2]))
        elif parts[0] == "opening":
            self.first_line_s.append(time.perf_counter() - lane.started)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


def test_killed_writers_lose_nothing_they_reported(settings: Settings, isolated_keyring: Path,
                                                   tmp_path: Path) -> None:
    seed = int(os.environ.get("EMR_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\ncrash test seed: {seed} (replay with EMR_CRASH_SEED={seed})")
    rng = random.Random(seed)

    # The children build PlaintextKeyring() from XDG_DATA_HOME; use the very same file here.
    keyring.set_keyring(PlaintextKeyring())
    store, _code = ChartStore.create(settings, KeyStore())
    initialize_practice(store.db, practice_name="Crash Clinic", workstation_name="desk-1",
                        admin_password=PASSWORD)
    author = Services.build(store.db).users.authenticate("admin", PASSWORD).user_id
    store.close()

    env = dict(os.environ)  # PYTHON_KEYRING_BACKEND, XDG_DATA_HOME, the test flag (conftest)
    tally = Tally()
    selector = selectors.DefaultSelector()
    launched = 0
    started = time.perf_counter()

    def launch(index: int) -> None:
        nonlocal launched
        launched += 1
        err = open(tmp_path / f"child-{launched}.err", "wb")  # noqa: SIM115 - closed in finish()
        proc = subprocess.Popen([sys.executable, str(CHILD), str(settings.data_dir),
                                 str(rng.randrange(2**31)), str(author)],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err, bufsize=0, cwd=Path(__file__).parents[2])
        lane = Lane(index=index, proc=proc, target=Target.draw(rng), stderr=err)
        os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
        selector.register(proc.stdout, selectors.EVENT_READ, lane)  # type: ignore[arg-type]

    def finish(lane: Lane) -> None:
        """After the kill (or an unexpected exit): read what the child wrote before it died."""
        lane.proc.wait()
        selector.unregister(lane.proc.stdout)  # type: ignore[arg-type]
        lane.proc.stdout.close()  # type: ignore[union-attr]
        lane.stderr.close()
        if not lane.killed:
            log = Path(lane.stderr.name).read_text(errors="replace")
            raise AssertionError(f"child exited by itself (code {lane.proc.returncode}):\n{log[-3000:]}")
        assert lane.proc.returncode == -signal.SIGKILL

    def feed(lane: Lane, data: bytes) -> None:
        lane.buffer += data
        *lines, lane.buffer = lane.buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("ascii")
            tally.record(line, lane)
            marker = line.split()[0]
            lane.seen[marker] = lane.seen.get(marker, 0) + 1
            if (not lane.killed and marker == lane.target.marker
                    and lane.seen[marker] >= lane.target.count):
                os.kill(lane.proc.pid, signal.SIGKILL)
                lane.killed = True
                tally.kills += 1
                tally.by_marker[marker] = tally.by_marker.get(marker, 0) + 1

    for i in range(LANES):
        launch(i)
    try:
        while selector.get_map():
            events = selector.select(timeout=STALL_SECONDS)
            assert events, f"no child wrote anything for {STALL_SECONDS} s (seed {seed})"
            for key, _ in events:
                lane: Lane = key.data
                data = os.read(key.fd, 65536)
                if data:
                    feed(lane, data)
                    continue
                finish(lane)  # EOF: the child is gone
                if launched < KILLS:
                    launch(lane.index)
    finally:
        for key in list(selector.get_map().values()):
            key.data.proc.kill()
            key.data.proc.wait()
    loop_seconds = time.perf_counter() - started

    assert tally.kills == KILLS
    assert tally.by_marker.get("begin", 0) > 20 and tally.by_marker.get("commit", 0) > 20
    assert tally.by_marker.get("ckpt", 0) >= 1 and tally.by_marker.get("opening", 0) >= 1
    assert len(tally.patients) > KILLS  # children got well into their loops

    # What the children said was saved is saved, and nothing else but at most one in-flight
    # transaction per kill.
    t = time.perf_counter()
    verify_file(settings.db_path, KeyStore().load_key(store.meta.store_id, settings.db_path))
    full_verify_ms = (time.perf_counter() - t) * 1000
    store = ChartStore.open(settings, KeyStore())
    try:
        with store.db.read() as session:
            patients = dict(session.execute(select(Patient.id, Patient.mrn)).tuples().all())
            notes = dict(session.execute(select(ClinicalNote.id, ClinicalNote.patient_id)).tuples().all())
            allocated = sum(b.next_value - b.first for b in session.scalars(select(MrnBlock)))
            assert session.scalar(select(func.count(func.distinct(Patient.mrn)))) == len(patients)
        missing_patients = {pid for pid, mrn in tally.patients.items() if patients.get(pid) != mrn}
        missing_notes = {nid for nid, pid in tally.notes.items() if notes.get(nid) != pid}
        assert missing_patients == set() and missing_notes == set()
        committed = len(patients) + len(notes)
        reported = len(tally.patients) + len(tally.notes)
        assert reported <= committed <= reported + tally.kills
        # every MRN handed out belongs to a saved patient: allocation and insert are atomic
        assert allocated == len(patients)

        assert store.check() == []
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert conn.execute(text("PRAGMA cipher_integrity_check")).all() == []
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        store.close()

    db_pages = settings.db_path.stat().st_size // 4096
    print(f"crash test: {tally.kills} kills ({LANES} lanes, by trigger {tally.by_marker}), "
          f"{len(tally.patients)} patients + {len(tally.notes)} notes reported and verified "
          f"({committed} committed), {loop_seconds:.1f} s kill loop, "
          f"{loop_seconds / tally.kills * LANES:.2f} s per child start-to-kill per lane")
    print(f"child start-up (median): spawn to first line {_median(tally.first_line_s) * 1000:.0f} ms, "
          f"of which imports {_median(tally.import_ms):.0f} ms; ChartStore.open "
          f"{_median(tally.open_ms):.1f} ms; full page verification of the final chart "
          f"({db_pages} pages) {full_verify_ms:.1f} ms")
