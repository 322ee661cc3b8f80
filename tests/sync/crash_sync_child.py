"""Child process for test_crash_sync: open an enrolled workstation's chart and the embedded (SQLite)
hub, then save patients and sync in a loop until killed.

Usage: python crash_sync_child.py DATA_DIR HUB_URL SEED USER_ID   (USER_ID: a provider at the hub)

Lines on stdout, each written with one unbuffered os.write:
  ``ready``                  chart and hub are open
  ``begin N``                local transaction N is about to start
  ``commit ID``              a patient registration committed (written only after commit returned)
  ``edit ID``                an edit of that patient committed
  ``sync N``                 sync round N starts
  ``push`` / ``pushed``      a push request goes to the hub / the hub answered (committed)
  ``pull`` / ``pulled``      likewise for a page of the change feed
  ``synced N``               sync round N finished
Small push batches and pull pages, so one round makes several requests.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server.service import HubService
from emr_desktop.server.store import HubStore
from emr_desktop.services.patients import PatientService
from emr_desktop.sync.client import SyncClient
from emr_desktop.sync.enroll import CREDENTIAL
from emr_desktop.sync.transport import LocalTransport


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("ascii"))


class TellingTransport(LocalTransport):
    """Says when a request leaves and when the hub's answer is back (kill points)."""

    def push(self, body: Any) -> Any:
        say("push")
        reply = super().push(body)
        say("pushed")
        return reply

    def pull(self, body: Any) -> Any:
        say("pull")
        reply = super().pull(body)
        say("pulled")
        return reply


def main() -> None:
    data_dir, hub_url, seed, user_id = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), uuid.UUID(sys.argv[4])
    rng = random.Random(seed)
    store = ChartStore.open(Settings(data_dir=data_dir), KeyStore())
    credential = KeyStore().load_secret(store.meta.store_id, CREDENTIAL)
    hub = HubService(HubStore.open(hub_url))
    client = SyncClient(store.db, TellingTransport(hub, credential), push_batch=3, pull_limit=4)
    patients = PatientService(store.db)
    actor = Actor(user_id=user_id, username="doc", roles=frozenset({"provider"}))
    mine: list[uuid.UUID] = []
    say("ready")
    n = 0
    while True:
        for _ in range(rng.randint(1, 3)):
            n += 1
            say(f"begin {n}")
            if mine and rng.random() < 0.3:
                pid = rng.choice(mine)
                patients.update(actor, pid, phone_mobile=f"555-{rng.randrange(10000):04d}")
                say(f"edit {pid.hex}")
            else:
                patient = patients.register(actor, family_name=f"Crashsync{seed % 100000}x{n}",
                                            given_name="Kill", sex="female",
                                            birth_date=date(1940 + n % 80, 1 + n % 12, 1 + n % 28))
                mine.append(patient.id)
                say(f"commit {patient.id.hex}")
        say(f"sync {n}")
        client.sync_once()
        say(f"synced {n}")


if __name__ == "__main__":
    main()
