"""Developer tool: save a small synthetic chart at the current head revision as a test fixture.

    .venv/bin/python tools/make_fixture_db.py tests/fixtures/chart-0001

Writes NAME.db (encrypted) and NAME.key (its hex key - synthetic test data only), used by
tests/db/test_migrations.py to prove that later versions upgrade charts written by this one.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import keyring
from keyrings.alt.file import PlaintextKeyring

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.enums import Role
from emr_desktop.security.keystore import INSECURE_KEYRING_ENV, KeyStore
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice

PASSWORD = "fixture-password"


def main() -> None:
    target = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[INSECURE_KEYRING_ENV] = "1"
        backend = PlaintextKeyring()
        backend.file_path = str(Path(tmp) / "keyring.cfg")
        keyring.set_keyring(backend)
        settings = Settings(data_dir=Path(tmp) / "profile")
        store, _code = ChartStore.create(settings, KeyStore())
        initialize_practice(store.db, practice_name="Fixture Clinic", workstation_name="fixture",
                            admin_password=PASSWORD)
        svc = Services.build(store.db)
        admin = svc.users.authenticate("admin", PASSWORD)
        svc.users.create_user(admin, username="drfixture", display_name="Fixture Provider",
                              password=PASSWORD, roles=(Role.PROVIDER.value,), credentials="MD")
        doc = svc.users.authenticate("drfixture", PASSWORD)
        for i, (family, given, dob) in enumerate([("Testperson", "Alpha", date(1950, 1, 2)),
                                                   ("Ñandú", "Beta", date(1988, 7, 9)),
                                                   ("Zed", "Gamma", date(2021, 3, 4))]):
            p = svc.patients.register(admin, family_name=family, given_name=given, birth_date=dob,
                                      sex="female" if i % 2 else "male")
            when = datetime(2024, 5, 1, 15, tzinfo=UTC) + timedelta(days=30 * i)
            enc = svc.encounters.start(doc, p.id, "office-visit", reason="follow-up", start_time=when)
            svc.vitals.record(doc, p.id, encounter_id=enc.id, taken_at=when, systolic=128,
                              diastolic=82, pulse=70, weight=70.5, height=170)
            note = svc.notes.create(doc, patient_id=p.id, encounter_id=enc.id,
                                    subjective="Doing well.", plan="Return in 6 months.")
            svc.notes.sign(doc, note.id)
            svc.problems.create(doc, patient_id=p.id, icd10_code="I10",
                                display="Essential (primary) hypertension")
            med = svc.medications.create(doc, patient_id=p.id, display="lisinopril 10 MG Oral Tablet",
                                         code="314076", sig="1 tablet by mouth daily")
            rx = svc.prescriptions.prescribe(doc, med.id, quantity=90, refills=3)
            svc.prescriptions.sign(doc, rx.id)
            svc.allergies.record_no_known_allergies(doc, p.id)
        key = KeyStore().load_key(store.meta.store_id, settings.db_path)
        store.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(settings.db_path, target.with_suffix(".db"))
        target.with_suffix(".key").write_text(key.hex() + "\n")
    print(f"wrote {target.with_suffix('.db')} and {target.with_suffix('.key')}")


if __name__ == "__main__":
    main()
