"""A scripted session leaves no patient data on disk outside the encrypted chart and the files the
user explicitly saved: create a patient with a sentinel name, write a note, search, export, then
crash with the sentinel in the exception message. Data folder, temp folder, logs, settings and
home are scanned in UTF-8 and UTF-16LE. (Printing joins this script with the printing issue.)"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
import textwrap
from pathlib import Path

from emr_desktop.security.keystore import INSECURE_KEYRING_ENV

SCRIPT = textwrap.dedent("""
    import io, os, sys
    from pathlib import Path
    from emr_desktop import cli
    from emr_desktop.config import Settings
    from emr_desktop.db.store import ChartStore
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.security.safe_logging import configure, install_crash_handler
    from emr_desktop.services.registry import Services
    from datetime import date
    import logging

    sentinel, saved = sys.argv[1], Path(sys.argv[2])
    assert cli.main(["init", "--practice-name", "Hygiene Clinic"]) == 0
    settings = Settings(data_dir=Path(os.environ["EMR_DATA_DIR"]))
    configure(settings.log_dir, level=logging.DEBUG)
    install_crash_handler(settings.log_dir)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # even SQL logging on
    store = ChartStore.open(settings, KeyStore())
    svc = Services.build(store.db)
    admin = svc.users.authenticate("admin", os.environ["EMR_PASSWORD"])
    svc.users.create_user(admin, username="drhyg", display_name="Dr Hygiene", password="pw-hygiene-1",
                          roles=("provider",))
    doc = svc.users.authenticate("drhyg", "pw-hygiene-1")
    p = svc.patients.register(doc, family_name=sentinel, given_name=sentinel + "G",
                              birth_date=date(1970, 1, 1), sex="female", phone_mobile="555-0142")
    note = svc.notes.create(doc, patient_id=p.id, subjective="complains of " + sentinel + "N")
    svc.notes.sign(doc, note.id)
    assert [r.id for r in svc.patients.search(doc, sentinel[:6])] == [p.id]
    with open(saved, "w", encoding="utf-8") as fh:
        svc.export.export_json(admin, fh)
    svc.users.logout(doc)
    logging.getLogger("emr_desktop").info("session done")
    raise RuntimeError("could not process " + sentinel + " " + p.mrn)
""")


def _needles(sentinel: str) -> list[bytes]:
    out = []
    for text in (sentinel, sentinel.lower(), sentinel.upper()):
        out += [text.encode("utf-8"), text.encode("utf-16-le")]
    return out


def test_no_patient_data_on_disk_after_a_crash(tmp_path: Path, isolated_keyring: Path) -> None:
    sentinel = "Qx" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    for d in (home, tmp):
        d.mkdir()
    saved = tmp_path / "user-chose-this-export.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMR_", "XDG_"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), TEMP=str(tmp), TMP=str(tmp),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_DATA_HOME=str(isolated_keyring), EMR_DATA_DIR=str(data), EMR_PASSWORD="pw-admin-hyg",
               PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", **{INSECURE_KEYRING_ENV: "1"})
    proc = subprocess.run([sys.executable, "-c", SCRIPT, sentinel, str(saved)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0, "the script must end in a crash"
    assert "RuntimeError" in proc.stderr and sentinel not in proc.stderr + proc.stdout
    assert sentinel.encode() in saved.read_bytes()  # the export the user saved holds the data
    crash = (data / "logs" / "crash.log").read_text(encoding="utf-8")
    assert "RuntimeError" in crash and 'File "<string>"' in crash
    scanned = 0
    for root in (data, tmp, home, isolated_keyring):
        for path in root.rglob("*"):
            if path.is_file():
                blob = path.read_bytes()
                scanned += 1
                for needle in _needles(sentinel):
                    assert needle not in blob, f"patient data found in {path}"
    assert scanned >= 5  # chart.db, store.json, logs, crash report, keyring file
    assert (data / "logs" / "emr-desktop.log").exists()
