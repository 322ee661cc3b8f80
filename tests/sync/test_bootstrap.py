"""Bootstrap (DESIGN §4): a new workstation filled from the hub's snapshot plus the log tail ends up
exactly where a workstation that pulled the whole change log from cursor 0 does, and exactly where
the hub is, even while other workstations keep pushing between snapshot pages. An interrupted
bootstrap resumes where it stopped and duplicates nothing; progress counts up towards a total."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server import schema as s
from emr_desktop.server.service import HubService
from emr_desktop.sync import apply as applier
from emr_desktop.sync.client import BOOTSTRAPPED, SyncClient
from emr_desktop.sync.enroll import client_for, enroll
from emr_desktop.sync.protocol import HubUnreachable, Json
from emr_desktop.sync.rows import ENTITIES
from emr_desktop.sync.transport import LocalTransport
from tests.sync.harness import Workstation, first_workstation, hub_export, make_hub

PAGE = 6  # rows per snapshot page: a small chart still takes many pages


@dataclass
class Paging:
    """Shared by every transport the opener hands out (enroll opens more than one)."""

    between_pages: Callable[[int], None]
    fail_before_page: int | None = None
    pages: int = 0
    snapshot_seqs: list[int] = field(default_factory=list)


class PagedTransport(LocalTransport):
    """The in-process transport with small snapshot pages and something happening between them."""

    def __init__(self, hub: HubService, credential: str | None, paging: Paging) -> None:
        super().__init__(hub, credential)
        self.paging = paging

    def snapshot(self, body: Json) -> Json:
        paging = self.paging
        if paging.fail_before_page is not None and paging.pages + 1 == paging.fail_before_page:
            paging.fail_before_page = None
            raise HubUnreachable("The practice hub cannot be reached (synthetic network cut).")
        reply = super().snapshot({**body, "limit": PAGE})
        paging.pages += 1
        paging.snapshot_seqs.append(reply["snapshot_seq"])
        paging.between_pages(paging.pages)
        return reply


def opener(hub: HubService, paging: Paging) -> Callable[[str, str | None, str | None], PagedTransport]:
    def open_(address: str, credential: str | None, ca: str | None) -> PagedTransport:
        return PagedTransport(hub, credential, paging)
    return open_


def clinic_with_history(hub: HubService, folder: Path) -> tuple[Workstation, list[Any]]:
    """A first workstation whose chart reached the hub over several syncs, with edits of rows
    already synced (so the log holds several versions of them)."""
    a = first_workstation(hub, folder / "a")
    doc = a.login("doc")
    patients = []
    for n in range(5):
        pid = a.services.patients.register(doc, family_name=f"Historic{n}", given_name="Synthetic",
                                           birth_date=date(1950 + n, 1 + n, 10), sex="male").id
        patients.append(pid)
        if n % 2:
            a.services.vitals.record(doc, pid, systolic=110 + n, diastolic=70)
        a.sync()
    note = a.services.notes.create(doc, patient_id=patients[0], subjective="First visit.")
    a.sync()
    a.services.notes.update(doc, note.id, subjective="First visit, revised.")
    a.services.notes.sign(doc, note.id)
    for pid in patients:
        a.services.patients.update(doc, pid, city="Historyville")
    a.sync()
    return a, patients


def keep_changing(a: Workstation, patients: list[Any]) -> Callable[[int], None]:
    """What workstation A pushes to the hub after snapshot page ``n``: a new patient, edits of rows
    the snapshot has or has not sent yet, a vitals panel."""
    def change(n: int) -> None:
        doc = a.login("doc")
        pid = patients[n % len(patients)]
        a.services.patients.update(doc, pid, phone_mobile=f"555-01{n:02d}")
        if n % 2:
            patients.append(a.services.patients.register(
                doc, family_name=f"Latecomer{n}", given_name="Synthetic", birth_date=date(1990, 2, 1 + n % 28),
                sex="female").id)
        else:
            a.services.vitals.record(doc, pid, pulse=60 + n)
        report = a.client.push()
        assert report.applied == report.pushed > 0
    return change


def incremental_workstation(hub: HubService, folder: Path) -> tuple[ChartStore, SyncClient]:
    """Workstation Y: an empty chart that pulls the whole change log from cursor 0 (no snapshot)."""
    store, _ = ChartStore.create(Settings(data_dir=folder), KeyStore())
    reply = hub.enroll({"code": hub.create_enroll_code("y"), "name": "y"})
    client = SyncClient(store.db, LocalTransport(hub, reply["credential"]), pull_limit=9)
    client.record_enrollment(reply, "sqlite:///embedded", None)
    assert client.state().get("cursor", "0") == "0"
    report = client.pull()
    with client._write() as conn:
        applier.set_state(conn, BOOTSTRAPPED, "1")
    with hub.store.read() as conn:
        assert report.pulled == conn.execute(select(func.count()).select_from(s.hub_change)).scalar_one()
    return store, client


def export_of(store: ChartStore) -> str:
    return Workstation("x", store, None, None).export()  # type: ignore[arg-type]


def local_counts(store: ChartStore) -> dict[str, int]:
    with store.db.engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*), count(DISTINCT id) FROM "{name}"')).one()[0]
                for name in ENTITIES}


def hub_counts(hub: HubService) -> dict[str, int]:
    with hub.store.read() as conn:
        found = dict(conn.execute(select(s.hub_row.c.entity, func.count()).group_by(s.hub_row.c.entity)).all())
    return {name: found.get(name, 0) for name in ENTITIES}


def assert_no_duplicates(store: ChartStore) -> None:
    with store.db.engine.connect() as conn:
        for name in ENTITIES:
            total, distinct = conn.execute(text(f'SELECT count(*), count(DISTINCT id) FROM "{name}"')).one()
            assert total == distinct, name


def test_snapshot_plus_tail_equals_incremental_sync_from_empty(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a, patients = clinic_with_history(hub, tmp_path)
    paging = Paging(keep_changing(a, patients))
    progress: list[tuple[int, int | None]] = []
    settings = Settings(data_dir=tmp_path / "x")
    result = enroll(settings, KeyStore(), "sqlite:///embedded", hub.create_enroll_code("x"),
                    opener=opener(hub, paging), progress=lambda done, total: progress.append((done, total)))
    x = result.store
    assert not result.joined and paging.pages >= 5
    assert len(set(paging.snapshot_seqs)) == 1          # every page came from the same snapshot
    with hub.store.read() as conn:
        newest = conn.execute(select(func.max(s.hub_change.c.seq))).scalar_one()
    assert newest > paging.snapshot_seqs[0]             # and changes arrived while it was read

    y_store, _y = incremental_workstation(hub, tmp_path / "y")
    expected = hub_export(hub)
    assert export_of(x) == expected
    assert export_of(y_store) == expected
    assert local_counts(x) == hub_counts(hub)
    assert_no_duplicates(x)
    with x.db.engine.connect() as conn:
        assert applier.get_state(conn)[BOOTSTRAPPED] == "1"

    # progress: counts go up, with the snapshot's total from the first page on
    # (rows changed meanwhile come with the log tail; a last report then closes the bar at 100%)
    final = progress[-1]
    pages = progress[:paging.pages]
    assert len(progress) in (paging.pages, paging.pages + 1)
    dones = [d for d, _t in pages]
    totals = {t for _d, t in pages}
    assert dones == sorted(dones) and len(set(dones)) == len(dones) and dones[0] > 0
    assert len(totals) == 1 and None not in totals
    total = totals.pop()
    assert total is not None and dones[-1] <= total
    assert final[0] == final[1] == dones[-1]
    print(f"bootstrap progress: {progress}")
    assert result.rows == dones[-1]

    # and the three stay equal as work goes on
    a.services.patients.update(a.login("doc"), patients[1], city="Aftertown")
    a.sync()
    SyncClient(x.db, LocalTransport(hub, _credential_of(x))).sync_once()
    _y.sync_once()
    assert export_of(x) == export_of(y_store) == hub_export(hub) == a.export()
    for store in (x, y_store):
        store.close()
    a.close()


def _credential_of(store: ChartStore) -> str:
    from emr_desktop.sync.enroll import CREDENTIAL

    value = KeyStore().load_secret(store.meta.store_id, CREDENTIAL)
    assert value
    return value


def test_interrupted_bootstrap_resumes_without_duplicates(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a, patients = clinic_with_history(hub, tmp_path)
    paging = Paging(keep_changing(a, patients), fail_before_page=3)
    settings = Settings(data_dir=tmp_path / "x")
    progress: list[tuple[int, int | None]] = []
    with pytest.raises(HubUnreachable):
        enroll(settings, KeyStore(), "sqlite:///embedded", hub.create_enroll_code("x"),
               opener=opener(hub, paging), progress=lambda d, t: progress.append((d, t)))
    assert paging.pages == 2 and [d for d, _t in progress] == [PAGE, 2 * PAGE]

    # after the cut: the chart holds the first two pages and remembers where it stopped
    x = ChartStore.open(settings, KeyStore())
    client = client_for(x, KeyStore(), opener=opener(hub, paging))
    state = client.state()
    assert state.get(BOOTSTRAPPED) == "0" and "cursor" not in state
    assert int(state["snapshot_rows"]) == 2 * PAGE
    first_snapshot = int(state["snapshot_seq"])
    assert json.loads(state["snapshot_after"])[0] in ENTITIES
    assert sum(local_counts(x).values()) == 2 * PAGE
    keep_changing(a, patients)(99)  # more work reaches the hub while X is off

    done = client.bootstrap(progress=lambda d, t: progress.append((d, t)))
    client.sync_once()
    assert paging.snapshot_seqs[-1] == first_snapshot   # resumed the same snapshot
    if len(progress) > 1 and progress[-1][0] == progress[-1][1] == progress[-2][0]:
        progress.pop()   # the closing report at 100% (rows changed meanwhile came with the tail)
    dones = [d for d, _t in progress]
    assert dones == sorted(dones) and len(set(dones)) == len(dones) and done == dones[-1]
    assert len({t for _d, t in progress}) == 1

    assert export_of(x) == hub_export(hub)
    assert local_counts(x) == hub_counts(hub)
    assert_no_duplicates(x)
    with x.db.engine.connect() as conn:
        assert applier.get_state(conn)[BOOTSTRAPPED] == "1"
    assert client.bootstrap() == 0                      # a finished bootstrap is not repeated
    x.close()
    a.close()
