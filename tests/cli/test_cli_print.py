"""`emr-desktop print ...` writes a private PDF file and audits the save; refusals exit non-zero
with a clear message and leave no file behind. `practice set` takes the print settings."""

from __future__ import annotations

import io
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from emr_desktop.models import AuditEvent
from emr_desktop.services.registry import Services
from tests.cli.conftest import PASSWORD, Run, opened_profile

STAFF_PASSWORD = "staff-password-1"




def _text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def chart(run: Run, tmp_path: Path) -> dict[str, Any]:
    run("init", "--practice-name", "Print Clinic")
    with opened_profile(tmp_path) as store:
        svc = Services.build(store.db)
        admin = svc.users.authenticate("admin", PASSWORD)
        for name, roles, extra in (("drlee", ("provider",), {"credentials": "DO", "npi": "1234567893"}),
                                   ("nurse.ana", ("nurse",), {}), ("desk.bo", ("front_desk",), {})):
            svc.users.create_user(admin, username=name, display_name=name.title(), password=STAFF_PASSWORD,
                                  roles=roles, **extra)
        doctor = svc.users.authenticate("drlee", STAFF_PASSWORD)
        p = svc.patients.register(admin, family_name="Nguyễn", given_name="Thảo", sex="female",
                                  birth_date=date(1980, 2, 3))
        enc = svc.encounters.start(doctor, p.id, "office-visit", reason="Sinus pressure",
                                   start_time=datetime(2025, 9, 1, 14, tzinfo=UTC))
        note = svc.notes.create(doctor, patient_id=p.id, encounter_id=enc.id, assessment="Sinusitis (J01.90).",
                                plan="Saline rinses.\nReturn in 2 weeks if not better.")
        svc.notes.sign(doctor, note.id)
        med = svc.medications.create(doctor, patient_id=p.id, display="amoxicillin 500 MG Oral Capsule",
                                     sig="1 capsule three times daily for 10 days")
        signed = svc.prescriptions.prescribe(doctor, med.id, quantity=30)
        svc.prescriptions.sign(doctor, signed.id)
        draft = svc.prescriptions.prescribe(doctor, med.id, quantity=30)
    return {"encounter": str(enc.id), "signed": str(signed.id), "draft": str(draft.id), "mrn": p.mrn}


def _saves(tmp_path: Path) -> list[tuple[str, str, str]]:
    with opened_profile(tmp_path) as store, store.db.read() as session:
        rows = session.execute(select(AuditEvent.category, AuditEvent.object_id, AuditEvent.detail)
                               .where(AuditEvent.action == "save-pdf").order_by(AuditEvent.seq))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_print_prescription_and_visit_summary_to_private_files(run: Run, chart: dict[str, Any],
                                                               tmp_path: Path) -> None:
    rx_pdf = tmp_path / "rx.pdf"
    rx_pdf.write_bytes(b"old")
    rx_pdf.chmod(0o644)
    done = run("--user", "nurse.ana", "print", "prescription", chart["signed"], "--out", str(rx_pdf),
               EMR_PASSWORD=STAFF_PASSWORD)
    assert "Wrote" in done.stdout
    assert stat.S_IMODE(rx_pdf.stat().st_mode) == 0o600
    text = _text(rx_pdf)
    assert "Nguyễn, Thảo" in text and "amoxicillin 500 MG Oral Capsule" in text and "1234567893" in text

    summary = tmp_path / "visit.pdf"
    run("--user", "drlee", "print", "visit-summary", chart["encounter"], "--out", str(summary),
        EMR_PASSWORD=STAFF_PASSWORD)
    assert stat.S_IMODE(summary.stat().st_mode) == 0o600
    text = _text(summary)
    assert "Sinus pressure" in text and "J01.90" in text and "Return in 2 weeks if not better." in text

    assert _saves(tmp_path) == [("prescription", chart["signed"], "prescription pdf-file"),
                                ("note", chart["encounter"], "visit-summary pdf-file")]


def test_refusals_exit_non_zero_and_write_nothing(run: Run, chart: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    cases = [
        (("--user", "drlee", "print", "prescription", chart["signed"], chart["draft"]),
         "Sign the prescription before printing it."),
        (("--user", "drlee", "print", "prescription", "0190a4c2-0000-7000-8000-000000000000"),
         "No prescription with id"),
        (("--user", "drlee", "print", "visit-summary", "not-an-id"), "Not a record id"),
        (("--user", "desk.bo", "print", "prescription", chart["signed"]), "does not allow"),
        (("--user", "desk.bo", "print", "visit-summary", chart["encounter"]), "does not allow"),
    ]
    for args, message in cases:
        proc = run(*args, "--out", str(out), EMR_PASSWORD=STAFF_PASSWORD, check=False)
        assert proc.returncode == 1 and message in proc.stderr, (args, proc.stderr)
        assert not out.exists()
        assert chart["mrn"] not in proc.stderr
    assert _saves(tmp_path) == []


def test_practice_print_settings(run: Run, tmp_path: Path) -> None:
    run("init")
    shown = run("practice", "set", "--paper", "a4", "--margin-top-mm", "22.5",
                "--prescriptions-per-page", "2").stdout
    assert "printing: a4, margins (mm) top 22.5 bottom 15" in shown and "2 prescription(s) per page" in shown
    bad = run("practice", "set", "--margin-left-mm", "80", check=False)
    assert bad.returncode == 1 and "0-50 mm" in bad.stderr
    bad = run("practice", "set", "--prescriptions-per-page", "9", check=False)
    assert bad.returncode == 1 and "1-4" in bad.stderr
