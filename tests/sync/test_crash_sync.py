"""Sync is crash-atomic (DESIGN §4): a workstation process that saves patients and syncs in a loop
(crash_sync_child.py) is SIGKILLed at random points - inside a local transaction, with a push or a
pull request in flight, after the hub committed but before the workstation acknowledged, between
pull pages - over and over, with another workstation changing the same chart between runs. The
embedded SQLite hub lives in the killed process too and dies mid-write as well.

After every kill, reopening shows:
- every write the child reported as committed is still in the chart and either still waits in
  the outbox or is at the hub (nothing acknowledged that the hub does not hold);
- no row the hub has not accepted is missing from the outbox (row_version 0 means "pending");
- the pull cursor is never ahead of the applied data: every hub change at or below the cursor is
  reflected locally (row_version at least the hub's) unless the row has ops still pending.
At the end one more sync makes both workstations and the hub equal.

The seed is printed; EMR_CRASH_SYNC_SEED=<seed> replays the same kill plan and child seeds.
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
from datetime import date
from pathlib import Path

import keyring
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server import schema as s
from emr_desktop.server.service import HubService
from emr_desktop.sync import apply as applier
from emr_desktop.sync.client import CURSOR, SyncClient
from emr_desktop.sync.enroll import CREDENTIAL
from emr_desktop.sync.rows import ENTITIES
from emr_desktop.sync.transport import LocalTransport
from tests.sync.harness import Workstation, first_workstation, hub_export, make_hub, new_workstation

CHILD = Path(__file__).with_name("crash_sync_child.py")
KILLS = 24
STALL_SECONDS = 60  # a child silent this long is hung: fail instead of waiting forever
# kill points; the windows between a hub reply and its local commit are drawn twice as often
MARKERS = ("begin", "commit", "sync", "push", "pushed", "pushed", "pull", "pulled", "pulled", "synced")


@dataclass
class Tally:
    committed: set[str] = field(default_factory=set)     # patient ids (hex) reported as saved
    kills: int = 0
    by_marker: dict[str, int] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=lambda: {"changes": 0, "pending_rows": 0, "acked": 0})


def run_child(args: list[str], marker: str, count: int, tally: Tally, log: Path) -> None:
    """Start the child, SIGKILL it when the ``count``-th ``marker`` line arrives, collect its
    reports (including lines written before the signal landed)."""
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(CHILD), *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err, bufsize=0,
                                cwd=Path(__file__).parents[2], env=dict(os.environ))
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        buffer, seen, killed = b"", 0, False
        try:
            while True:
                assert selector.select(timeout=STALL_SECONDS), f"child silent for {STALL_SECONDS} s"
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    break
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    word, _, rest = raw.decode("ascii").partition(" ")
                    if word == "commit":
                        tally.committed.add(rest)
                    if not killed and word == marker:
                        seen += 1
                        if seen >= count:
                            os.kill(proc.pid, signal.SIGKILL)
                            killed = True
        finally:
            if not killed:
                proc.kill()
            proc.wait()
            selector.close()
            proc.stdout.close()
    if not killed:
        raise AssertionError(f"child exited by itself (code {proc.returncode}):\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
    assert proc.returncode == -signal.SIGKILL
    tally.kills += 1
    tally.by_marker[marker] = tally.by_marker.get(marker, 0) + 1


def check_after_kill(settings: Settings, hub: HubService, tally: Tally) -> None:
    store = ChartStore.open(settings, KeyStore())
    try:
        with store.engine.connect() as conn:
            cursor = int(applier.get_state(conn).get(CURSOR, "0"))
            pending = applier.pending_row_ids(conn)
            local: dict[tuple[str, str], int] = {}
            for name in ENTITIES:
                for row_id, version in conn.exec_driver_sql(f'SELECT id, row_version FROM "{name}"'):
                    local[(name, row_id)] = version
        with hub.store.read() as conn:
            at_hub = {(e, r.replace("-", "")) for e, r in conn.execute(
                select(s.hub_row.c.entity, s.hub_row.c.row_id))}
            upto = conn.execute(select(s.hub_change.c.entity, s.hub_change.c.row_id, s.hub_change.c.row_version)
                                .where(s.hub_change.c.seq <= cursor)).all()
            quarantined = conn.execute(select(s.hub_quarantine.c.reason)).scalars().all()
    finally:
        store.close()
    assert quarantined == [], quarantined

    # 1. reported writes: still here, and pending or held by the hub
    for pid in tally.committed:
        assert ("patient", pid) in local, f"committed patient {pid} lost"
        assert pid in pending or ("patient", pid) in at_hub, f"patient {pid} neither pending nor at the hub"
        tally.checks["acked"] += pid not in pending
    # 2. a row the hub never accepted (row_version 0) must still have its op
    never_pushed = {key for key, version in local.items() if version == 0}
    lost = {key for key in never_pushed if key[1] not in pending}
    assert lost == set(), f"rows never accepted by the hub but no longer in the outbox: {sorted(lost)[:5]}"
    tally.checks["pending_rows"] += len(never_pushed)
    # 3. the cursor is never ahead of the applied data
    behind = []
    for entity, row_id, version in upto:
        key = (entity, row_id.replace("-", ""))
        if key[1] in pending:
            continue
        if local.get(key, -1) < version:
            behind.append((entity, row_id, version, local.get(key)))
    assert behind == [], f"cursor {cursor} is ahead of the chart for {behind[:5]}"
    tally.checks["changes"] += len(upto)


def other_workstation_works(b: Workstation, tally: Tally, rng: random.Random, round_: int) -> None:
    """Workstation B edits patients A reported and registers its own, so A's pulls carry news."""
    b.sync()
    desk = b.login("desk")
    with b.db.engine.connect() as conn:
        here = {r for (r,) in conn.exec_driver_sql("SELECT id FROM patient")}
    known = sorted(tally.committed & here)    # A's patients that already reached B
    for pid in rng.sample(known, min(2, len(known))):
        b.services.patients.update(desk, uuid.UUID(pid), city=f"Elsewhere{round_}")
    b.services.patients.register(desk, family_name=f"Fromb{round_}", given_name="Synthetic",
                                 birth_date=date(1985, 1 + round_ % 12, 1 + round_ % 28), sex="male")
    b.sync()


def test_killed_syncing_workstation_keeps_its_writes_and_cursor_consistent(
        tmp_path: Path, isolated_keyring: Path) -> None:
    seed = int(os.environ.get("EMR_CRASH_SYNC_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\ncrash sync seed: {seed} (replay with EMR_CRASH_SYNC_SEED={seed})")
    rng = random.Random(seed)
    # The children build PlaintextKeyring() from XDG_DATA_HOME (conftest); use the same file here.
    keyring.set_keyring(PlaintextKeyring())
    hub_url = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = make_hub(hub_url)
    a = first_workstation(hub, tmp_path / "a")
    doc_id = a.login("doc").user_id
    b = new_workstation(hub, tmp_path / "b")
    a_settings = a.store.settings
    a.close()

    tally = Tally()
    started = time.perf_counter()
    for round_ in range(KILLS):
        marker = rng.choice(MARKERS)
        count = rng.randint(1, 3)
        run_child([str(a_settings.data_dir), hub_url, str(rng.randrange(2**31)), str(doc_id)],
                  marker, count, tally, tmp_path / f"child-{round_}.err")
        check_after_kill(a_settings, hub, tally)
        other_workstation_works(b, tally, rng, round_)
    loop_seconds = time.perf_counter() - started

    assert tally.kills == KILLS
    assert len(tally.committed) >= KILLS
    assert tally.checks["changes"] > 0 and tally.checks["acked"] > 0

    # one clean sync round afterwards: everything reported reached the hub, and all agree
    store = ChartStore.open(a_settings, KeyStore())
    credential = KeyStore().load_secret(store.meta.store_id, CREDENTIAL)
    client = SyncClient(store.db, LocalTransport(hub, credential))
    client.sync_once()
    b.sync()
    client.sync_once()
    assert client.pending_count() == 0
    with hub.store.read() as conn:
        at_hub = {r.replace("-", "") for r in conn.execute(
            select(s.hub_row.c.row_id).where(s.hub_row.c.entity == "patient")).scalars()}
    assert tally.committed <= at_hub
    a_final = Workstation("a", store, None, client)  # type: ignore[arg-type]
    assert a_final.export() == b.export() == hub_export(hub)
    store.close()
    b.close()
    print(f"crash sync: {tally.kills} kills by trigger {tally.by_marker}, {len(tally.committed)} "
          f"patients reported and found, checks {tally.checks}, {loop_seconds:.1f} s kill loop")
