"""Three workstations syncing through the real HTTP service to a real PostgreSQL hub: a seeded
random history of clinical edits (with concurrent edits of the same fields) converges, and every
op ever written is accounted for at the hub."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy import select

from emr_desktop.config import Settings
from emr_desktop.domain.enums import AllergyStatus
from emr_desktop.models import OutboxOp
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server.serve import ServerThread
from emr_desktop.services.registry import Services
from emr_desktop.sync.enroll import client_for, enroll
from tests.sync.harness import Workstation, hub_export, make_hub, set_up_practice

STEPS = 60


def _over_http(result_store: object) -> Workstation:
    store = result_store
    return Workstation(store.settings.data_dir.name, store, Services.build(store.db),  # type: ignore[attr-defined]
                       client_for(store, KeyStore()))  # type: ignore[arg-type]


def _op_ids(ws: Workstation) -> set[str]:
    with ws.db.read() as s:
        return {str(i) for i in s.scalars(select(OutboxOp.op_id))}


def test_random_history_converges_over_http_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    hub = make_hub(pg_url)
    rng = random.Random(20261127)
    with ServerThread(hub) as server:
        settings = set_up_practice(tmp_path / "a")
        a = _over_http(enroll(settings, KeyStore(), server.url, hub.create_enroll_code("a")).store)
        others = [_over_http(enroll(Settings(data_dir=tmp_path / n), KeyStore(), server.url,
                                    hub.create_enroll_code(n)).store)
                  for n in ("b", "c")]
        stations = [a, *others]
        written: set[str] = set()
        patients: list = []
        allergies: list = []
        for ws in stations:
            written |= _op_ids(ws)
        for step in range(STEPS):
            ws = rng.choice(stations)
            doc = ws.login("doc")
            action = rng.random()
            try:
                if action < 0.15 or not patients:
                    patients.append(ws.services.patients.register(
                        doc, family_name=f"Http{step}", given_name="Sync",
                        birth_date=date(1960 + step % 40, 1 + step % 12, 1 + step % 28), sex="female").id)
                elif action < 0.45:
                    ws.services.patients.update(doc, rng.choice(patients),
                                                phone_mobile=f"555-01{rng.randrange(100):02d}")
                elif action < 0.55:
                    allergies.append(ws.services.allergies.create(
                        doc, patient_id=rng.choice(patients), substance=rng.choice(["Penicillin", "Latex"]),
                        status=AllergyStatus.ACTIVE.value).id)
                elif action < 0.65 and allergies:
                    ws.services.allergies.update(doc, rng.choice(allergies), reaction=rng.choice(["rash", "hives"]))
                elif action < 0.7 and allergies:
                    ws.services.allergies.set_status(doc, rng.choice(allergies), AllergyStatus.INACTIVE,
                                                     reason="entered for the test")
                elif action < 0.8:
                    ws.services.vitals.record(doc, rng.choice(patients), pulse=rng.randrange(50, 110))
                else:
                    written |= _op_ids(ws)
                    ws.sync()
            except Exception as err:  # noqa: BLE001 - a record not yet synced to this desk
                assert type(err).__name__ in {"NotFound", "ValidationError"}, repr(err)
            written |= _op_ids(ws)
        # and one certain concurrent edit: the same field on two desks between syncs
        for ws in stations:
            ws.sync()
        shared = patients[0]
        for ws, phone in zip(stations, ("555-0001", "555-0002", "555-0003"), strict=True):
            ws.services.patients.update(ws.login("doc"), shared, phone_mobile=phone)
            written |= _op_ids(ws)
        for _round in range(4):
            for ws in stations:
                written |= _op_ids(ws)
                ws.sync()
        for ws in stations:
            ws.client.pull()
        expected = hub_export(hub)
        for ws in stations:
            assert ws.client.pending_count() == 0
            assert ws.export() == expected, ws.name
        statuses = hub.op_statuses()
        assert set(statuses) >= written and not (written - set(statuses))
        counts = hub.op_counts()
        assert sum(counts.values()) == len(statuses)
        assert counts.get("quarantined", 0) == 0 and counts.get("conflict", 0) > 0
        for ws in stations:
            ws.client.transport.close()  # type: ignore[attr-defined]
            ws.close()
