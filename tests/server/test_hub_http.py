"""The real hub service behind its HTTP API (uvicorn in a thread), on the embedded SQLite hub and on
PostgreSQL:

- malformed or oversized pushes are refused with a 4xx and leave no trace (no op, change, row,
  quarantine, unique key or slot is written; the hub's export is unchanged), even when the bad op
  follows good ones in the same batch;
- several workstations pushing at random over HTTP at once, with a puller polling all along,
  never make the puller miss a change (PostgreSQL).
"""

from __future__ import annotations

import copy
import json
import os
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from emr_desktop.models.base import new_id
from emr_desktop.server import schema as s
from emr_desktop.server.serve import ServerThread
from emr_desktop.server.service import HubService
from emr_desktop.sync.capture import BOOKKEEPING
from emr_desktop.sync.client import _op_json
from emr_desktop.sync.hlc import Stamp, wall_ms
from emr_desktop.sync.http import HttpTransport
from emr_desktop.sync.protocol import MAX_PUSH_OPS, MAX_REQUEST_BYTES
from emr_desktop.sync.rows import ENTITIES
from tests.sync.harness import Workstation, first_workstation, hub_export, make_hub

WAIT = 60.0  # upper bound for joins; never a timing assumption


def counts(hub: HubService) -> dict[str, int]:
    with hub.store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (s.hub_change, s.hub_row, s.hub_op, s.hub_quarantine, s.hub_unique, s.hub_slot,
                          s.hub_emergency, s.hub_mrn_block)}


def credential(ws: Workstation) -> str:
    value = ws.client.transport.credential  # type: ignore[attr-defined]
    assert value
    return str(value)


# --- malformed and oversized pushes -----------------------------------------------------------------

@dataclass
class Served:
    hub: HubService
    ws: Workstation
    server: ServerThread
    http: httpx.Client
    good_ops: list[dict[str, Any]]


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    hub = make_hub(url)
    ws = first_workstation(hub, tmp_path / "a")
    doc = ws.login("doc")
    pid = ws.services.patients.register(doc, family_name="Wellformed", given_name="Synthetic",
                                        birth_date=date(1977, 7, 7), sex="female").id
    ws.sync()
    ws.services.patients.update(doc, pid, city="Not Yet Pushed")
    ws.services.vitals.record(doc, pid, pulse=72)
    with ws.db.engine.connect() as conn:
        from emr_desktop.models.sync import OutboxOp
        good = [_op_json(r) for r in conn.execute(select(OutboxOp).order_by(OutboxOp.position)).mappings()]
    good = json.loads(json.dumps(good))
    assert len(good) >= 3
    with ServerThread(hub) as server, httpx.Client(base_url=server.url, timeout=60, headers={
            "Authorization": f"Bearer {credential(ws)}"}) as http:
        yield Served(hub, ws, server, http, good)
    ws.close()
    hub.store.close()


def _with(op: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(op)
    out.update(changes)
    return out


def bad_bodies(good: list[dict[str, Any]]) -> dict[str, bytes]:
    op = good[0]

    def body(*ops: Any, **extra: Any) -> bytes:
        return json.dumps({"site": None, "schema_version": "0003", "ops": list(ops), **extra}).encode()

    return {
        "not json": b"{\"ops\": [",
        "not utf-8": b"{\"ops\": [\"\xff\xfe\"]}",
        "json array": json.dumps([op]).encode(),
        "NaN": b"{\"ops\": [NaN]}",
        "ops not a list": json.dumps({"ops": {"0": op}}).encode(),
        "op not an object": body("op"),
        "base_row_version text": body(_with(op, base_row_version="1")),
        "base_row_version bool": body(_with(op, base_row_version=True)),
        "changed_fields not a list": body(_with(op, changed_fields="city")),
        "changed_fields not text": body(_with(op, changed_fields=[1, 2])),
        "row not an object": body(_with(op, row=[["city", "x"]])),
        "op_id not an id": body(_with(op, op_id="op-1; DROP TABLE hub_op")),
        "row id mismatch": body(_with(op, row={**op["row"], "id": str(uuid.uuid4())})),
        "hlc missing": body({k: v for k, v in op.items() if k != "hlc"}),
        "user_id not an id": body(_with(op, user_id="admin")),
        "good ops then a bad one": body(*good, _with(good[-1], op_id=str(uuid.uuid4()), entity=7)),
        "other site's name": body(*good, site="someone-else"),
    }


def test_malformed_pushes_are_refused_without_side_effects(served: Served) -> None:
    before, export = counts(served.hub), hub_export(served.hub)
    statuses = {}
    for name, raw in bad_bodies(served.good_ops).items():
        response = served.http.post("/v1/push", content=raw, headers={"Content-Type": "application/json"})
        statuses[name] = response.status_code
        assert response.json()["error"] == "bad_request", name
        assert response.json()["message"], name
    assert set(statuses.values()) == {400}, statuses
    assert counts(served.hub) == before
    assert hub_export(served.hub) == export

    # unauthenticated and unknown credentials: refused, nothing written
    good = json.dumps({"ops": served.good_ops}).encode()
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-credential"}):
        response = served.http.post("/v1/push", content=good, headers=headers)
        assert response.status_code == 401 and response.json()["error"] == "not_enrolled"
    assert counts(served.hub) == before

    # and the well-formed batch still goes through afterwards, exactly once
    assert served.ws.client.push().applied == len(served.good_ops)
    after = counts(served.hub)
    assert after["hub_op"] == before["hub_op"] + len(served.good_ops)


def test_oversized_pushes_are_refused_without_side_effects(served: Served) -> None:
    before, export = counts(served.hub), hub_export(served.hub)
    op = served.good_ops[0]
    many = [_with(op, op_id=str(uuid.uuid4())) for _ in range(MAX_PUSH_OPS + 1)]
    too_many = json.dumps({"ops": many}).encode()
    assert len(too_many) < MAX_REQUEST_BYTES
    response = served.http.post("/v1/push", content=too_many)
    assert response.status_code == 400 and "Too many ops" in response.json()["message"]

    padding = MAX_REQUEST_BYTES - len(json.dumps({"ops": [op], "pad": ""})) + 1
    huge = json.dumps({"ops": [op], "pad": "x" * padding}).encode()
    assert len(huge) == MAX_REQUEST_BYTES + 1
    response = served.http.post("/v1/push", content=huge)
    assert response.status_code == 413 and response.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:   # no Content-Length: the limit applies while reading
        for start in range(0, len(huge), 1 << 20):
            yield huge[start:start + (1 << 20)]
    response = served.http.post("/v1/push", content=chunks())
    assert response.status_code == 413

    assert counts(served.hub) == before
    assert hub_export(served.hub) == export
    # the server is still healthy and the client still syncs
    assert served.ws.client.sync_once().pending == 0


# --- concurrent pushers over HTTP never make a puller miss a change (PostgreSQL) --------------------

@dataclass
class Feed:
    transport: HttpTransport
    cursor: int = 0
    seqs: list[int] = field(default_factory=list)
    versions: set[tuple[str, str, int]] = field(default_factory=set)
    polls: int = 0

    def poll(self) -> None:
        while True:
            reply = self.transport.pull({"cursor": self.cursor, "limit": 25})
            self.polls += 1
            for change in reply["changes"]:
                assert change["seq"] > self.cursor
                self.seqs.append(change["seq"])
                self.versions.add((change["entity"], change["row_id"], change["row_version"]))
            self.cursor = reply["cursor"]
            if not reply["more"]:
                return


def patient_ops(rng: random.Random, site: str, user: str, template: dict[str, Any], shared: list[str],
                tag: str) -> list[dict[str, Any]]:
    """A random batch: new patients (cloned from a template row) and stale edits of shared ones."""
    fields = sorted(set(ENTITIES["patient"].columns) - BOOKKEEPING)
    ops = []
    for n in range(rng.randint(1, 5)):
        stamp = Stamp(wall_ms(), n, site).encode()
        if rng.random() < 0.6:
            row_id = str(new_id())
            row = {**template, "id": row_id, "mrn": f"R{tag}{n}", "family_name": f"Random{tag}x{n}",
                   "search_family": f"random{tag}x{n}", "row_version": 0, "origin_site": site,
                   "updated_hlc": stamp}
            ops.append({"op_id": str(uuid.uuid4()), "entity": "patient", "row_id": row_id,
                        "base_row_version": 0, "changed_fields": fields, "row": row, "hlc": stamp,
                        "user_id": user, "schema_version": "0003"})
        else:
            row_id = rng.choice(shared)
            row = {**template, "id": row_id, "city": f"City{tag}x{n}", "updated_hlc": stamp}
            ops.append({"op_id": str(uuid.uuid4()), "entity": "patient", "row_id": row_id,
                        "base_row_version": 1, "changed_fields": ["city"], "row": row, "hlc": stamp,
                        "user_id": user, "schema_version": "0003"})
    return ops


def test_concurrent_http_pushers_never_make_the_puller_miss_a_change(tmp_path: Path, pg_url: str) -> None:
    seed = int(os.environ.get("EMR_PUSHERS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nconcurrent pushers seed: {seed} (replay with EMR_PUSHERS_SEED={seed})")
    rng = random.Random(seed)
    hub = make_hub(pg_url)
    assert hub.store.is_postgres and hub.store.serialize_writes
    ws = first_workstation(hub, tmp_path / "a")
    doc = ws.login("doc")
    shared = [str(ws.services.patients.register(doc, family_name=f"Shared{n}", given_name="Synthetic",
                                                birth_date=date(1960, 1, 1 + n), sex="male").id)
              for n in range(3)]
    ws.sync()
    with hub.store.read() as conn:
        template = json.loads(conn.execute(select(s.hub_row.c.payload).where(
            s.hub_row.c.entity == "patient", s.hub_row.c.row_id == shared[0])).scalar_one())
    pushers = 4
    enrolled = [hub.enroll({"code": hub.create_enroll_code(f"p{i}"), "name": f"p{i}"}) for i in range(pushers + 1)]
    plans = [random.Random(rng.randrange(2**32)) for _ in range(pushers)]
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    with ServerThread(hub) as server:
        feed = Feed(HttpTransport(server.url, credential=enrolled[-1]["credential"]))
        feed.poll()

        def pusher(i: int) -> None:
            site, own = enrolled[i]["site_code"], plans[i]
            try:
                with HttpTransport(server.url, credential=enrolled[i]["credential"]) as transport:
                    for batch in range(6):
                        ops = patient_ops(own, site, str(doc.user_id), template, shared, f"{i}b{batch}")
                        reply = transport.push({"site": site, "schema_version": "0003", "ops": ops})
                        results.extend(reply["results"])
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        def puller() -> None:
            try:
                while not done.is_set():
                    feed.poll()
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        poll_thread = threading.Thread(target=puller, name="puller", daemon=True)
        threads = [threading.Thread(target=pusher, args=(i,), name=f"pusher-{i}", daemon=True)
                   for i in range(pushers)]
        poll_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
        done.set()
        poll_thread.join(WAIT)
        assert not any(t.is_alive() for t in [*threads, poll_thread])
        assert not errors, errors
        feed.poll()
        feed.transport.close()

    with hub.store.read() as conn:
        logged = set(conn.execute(select(s.hub_change.c.seq)).scalars())
    assert len(feed.seqs) == len(set(feed.seqs)) and feed.seqs == sorted(feed.seqs)
    assert sorted(logged - set(feed.seqs)) == []
    acknowledged = {(r["entity"], r["row_id"], r["row_version"]) for r in results if r["row_version"]}
    assert acknowledged - feed.versions == set()
    assert {r["status"] for r in results} <= {"applied", "conflict"}
    assert feed.polls > pushers
    # the workstation that was not part of the storm still converges with the hub
    ws.sync()
    assert ws.export() == hub_export(hub)
    ws.close()
    print(f"concurrent pushers: {len(results)} ops, {len(feed.seqs)} changes pulled in {feed.polls} polls")
