"""Child process for test_crash_safety: open the chart, register patients until killed.

Usage: python crash_child.py DATA_DIR SEED USER_ID   (USER_ID: the author of the notes)

Lines on stdout, each written with one unbuffered os.write:
  ``opening``                 about to call ChartStore.open
  ``open IMPORT_MS OPEN_MS``  the chart is open (start-up costs, for the test's report)
  ``begin N``                 transaction N is about to start
  ``commit patient ID MRN``   a registration committed (written only after commit returned)
  ``commit note ID PATIENT``  a clinical note committed (likewise)
  ``ckpt N``                  about to run a passive WAL checkpoint
Imports only what opening the chart and registering a patient need; the garbage collector stays
off (the process lives for a few transactions).
"""

from __future__ import annotations

import gc
import time

gc.disable()
T0 = time.perf_counter()

import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

from sqlalchemy import text  # noqa: E402

from emr_desktop.config import Settings  # noqa: E402
from emr_desktop.db.store import ChartStore  # noqa: E402
from emr_desktop.domain.actor import Actor  # noqa: E402
from emr_desktop.security.keystore import KeyStore  # noqa: E402
from emr_desktop.services.charting import NoteService  # noqa: E402
from emr_desktop.services.patients import PatientService  # noqa: E402


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("ascii"))


def main() -> None:
    data_dir, seed, user_id = Path(sys.argv[1]), int(sys.argv[2]), uuid.UUID(sys.argv[3])
    rng = random.Random(seed)
    imported = time.perf_counter()
    say("opening")
    store = ChartStore.open(Settings(data_dir=data_dir), KeyStore())
    opened = time.perf_counter()
    say(f"open {(imported - T0) * 1000:.1f} {(opened - imported) * 1000:.1f}")
    patients, notes = PatientService(store.db), NoteService(store.db)
    # admin registers patients; the provider role lets the same writer add notes
    actor = Actor(user_id=user_id, username="admin", roles=frozenset({"admin", "provider"}))
    n = 0
    while True:
        n += 1
        say(f"begin {n}")
        patient = patients.register(
            actor, family_name=f"Crash{seed % 100000}x{n}", given_name="Kill", sex="female",
            birth_date=date(1940 + n % 80, 1 + n % 12, 1 + n % 28), alert_note="a" * rng.randrange(500))
        say(f"commit patient {patient.id.hex} {patient.mrn}")
        if rng.random() < 0.4:
            n += 1
            say(f"begin {n}")
            # up to 24 KB: spills into overflow pages, so one transaction writes several pages
            note = notes.create(actor, patient_id=patient.id, subjective="s" * rng.randrange(24_000))
            say(f"commit note {note.id.hex} {patient.id.hex}")
        if rng.random() < 0.2:
            say(f"ckpt {n}")
            with store.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))


if __name__ == "__main__":
    main()
