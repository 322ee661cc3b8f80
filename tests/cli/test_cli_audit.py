"""`emr-desktop audit verify | report | emergency-review` as scripts use them: exit codes before and
after tampering with the chart file, filters, sorting, local-day periods, CSV files."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from emr_desktop.cli import build_parser
from emr_desktop.cli_audit import parse_when
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import ValidationError
from emr_desktop.security.audit import CSV_FIELDS, AuditTrail
from emr_desktop.security.keystore import INSECURE_KEYRING_ENV
from emr_desktop.services.registry import Services
from tests.cli.conftest import opened_profile

PASSWORD = "cli-audit-password"
LOCAL_TZ = "EST5"  # the CLI child's local time zone: POSIX TZ for UTC-5 (glibc, macOS and MSVC)
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path, isolated_keyring: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMR_")}
    env.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(isolated_keyring), **{INSECURE_KEYRING_ENV: "1"},
               EMR_DATA_DIR=str(tmp_path / "profile"), EMR_PASSWORD=PASSWORD, TZ=LOCAL_TZ)

    def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "emr_desktop", *args], env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    return _run




def _tamper(tmp_path: Path, statement: str, object_id: str) -> int:
    """Run ``statement`` on the entry with ``object_id`` (bound as :s, its seq); returns the seq."""
    with opened_profile(tmp_path) as store, store.engine.begin() as conn:
        seq = conn.execute(text("SELECT seq FROM audit_event WHERE object_id = :o"),
                           {"o": object_id}).scalar_one()
        conn.execute(text(statement), {"s": seq})
    return seq


T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # 04:00 local (UTC-5) on 1 March


@pytest.fixture
def chart(run: Run, tmp_path: Path) -> dict[str, Any]:
    """An initialised chart with two patients and six audit entries (object ids obj-1..obj-6)."""
    run("init", "--practice-name", "Audit Clinic")
    times = iter([T0 - timedelta(hours=6),      # obj-1: 28 Feb 22:00 local
                  T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2),
                  T0 + timedelta(minutes=3),    # obj-2..obj-5: 1 March local
                  T0 + timedelta(days=1, hours=3)])  # obj-6: 2 March local
    smith = Actor(user_id=None, username="drsmith", roles=frozenset({"provider"}))
    nurse = Actor(user_id=None, username="nurse1", roles=frozenset({"nurse"}))
    admin = Actor(user_id=None, username="admin", roles=frozenset({"admin"}))
    evil = Actor(user_id=None, username="evil\x1b[2J", roles=frozenset())
    with opened_profile(tmp_path) as store:
        patients = Services.build(store.db).patients
        p1, p2 = (patients.register(Actor.system(), family_name=f, given_name="Ana", sex="female",
                                    birth_date=date(1970, 1, 2)) for f in ("Rivera", "Okafor"))
        trail = AuditTrail(store.db, now=lambda: next(times))
        trail.record(smith, category="note", action="read", patient_id=p1.id, object_id="obj-1")
        trail.record(smith, category="note", action="write", patient_id=p1.id, object_id="obj-2")
        trail.record(nurse, category="vitals", action="write", patient_id=p1.id, object_id="obj-3")
        trail.record(smith, category="emergency", action="grant", patient_id=p2.id, object_id="obj-4",
                     detail="reason=code-blue")
        trail.record(admin, category="demographics", action="read", patient_id=p2.id,
                     object_id="obj-5", detail='=HYPERLINK("http://x.example","Zoë")')
        trail.record(evil, category="note", action="read", patient_id=p2.id, object_id="obj-6")
        site = store.db.clock.site
    return {"site": site, "mrn1": p1.mrn, "mrn2": p2.mrn}


def _objects(out: str) -> list[str]:
    return [word for line in out.splitlines() for word in line.split() if word.startswith("obj-")]


def test_audit_commands_are_registered() -> None:
    parser = build_parser()
    for argv in (["audit", "verify"], ["audit", "report", "--from", "2025-01-01", "--to", "2025-01-02"],
                 ["audit", "emergency-review", "--from", "2025-01-01", "--to", "2025-01-02"]):
        assert callable(parser.parse_args(argv).func), argv
    args = parser.parse_args(["--user", "admin", "audit", "report", "--from", "2025-01-01", "--to",
                              "2025-01-02", "--user", "drsmith"])
    assert args.user == "admin" and args.filter_user == "drsmith"  # filter never changes who logs in


def test_verify_exit_codes_before_and_after_tampering(run: Run, chart: dict[str, Any],
                                                      tmp_path: Path) -> None:
    first = re.fullmatch(r"ok: (\d+) entries, chains intact", run("audit", "verify").stdout.strip())
    assert first and int(first[1]) >= 6
    again = re.fullmatch(r"ok: (\d+) entries, chains intact", run("audit", "verify").stdout.strip())
    assert again and int(again[1]) > int(first[1])  # the first verify was itself audited

    changed = _tamper(tmp_path, "UPDATE audit_event SET detail = 'reason=none' WHERE seq = :s", "obj-4")
    bad = run("audit", "verify", check=False)
    assert bad.returncode == 1, bad.stderr
    assert f"workstation {chart['site']}: first bad entry at seq {changed} (entry changed)" in bad.stdout

    deleted = _tamper(tmp_path, "DELETE FROM audit_event WHERE seq = :s", "obj-2")
    assert deleted < changed
    bad = run("audit", "verify", check=False)
    assert bad.returncode == 1 and f"first bad entry at seq {deleted} (entry missing)" in bad.stdout

    audited = run("audit", "report", "--from", "2000-01-01", "--to", "2100-01-01", "--category", "audit",
                  "--action", "verify").stdout
    assert audited.count(" verify ") == 4 and " failure " in audited and audited.rstrip().endswith(
        "4 entries")


def test_report_filters_sorting_csv_and_emergency_review(run: Run, chart: dict[str, Any],
                                                          tmp_path: Path) -> None:
    day = ("--from", "2025-03-01", "--to", "2025-03-01")  # one local (UTC-5) day, both ends
    out = run("audit", "report", *day).stdout
    assert _objects(out) == ["obj-2", "obj-3", "obj-4", "obj-5"]
    assert "2025-03-01T04:00:00-05:00" in out  # times shown in local time
    assert out.rstrip().endswith("4 entries")

    assert _objects(run("audit", "report", *day, "--user", "drsmith").stdout) == ["obj-2", "obj-4"]
    assert _objects(run("audit", "report", "--from", "2025-02-28", "--to", "2025-03-02", "--patient",
                        chart["mrn1"]).stdout) == ["obj-1", "obj-2", "obj-3"]
    assert _objects(run("audit", "report", *day, "--category", "note", "--action", "write").stdout) == [
        "obj-2"]
    assert _objects(run("audit", "report", *day, "--sort", "username", "--desc").stdout) == [
        "obj-3", "obj-2", "obj-4", "obj-5"]
    # ISO timestamps: start included, end excluded
    assert _objects(run("audit", "report", "--from", "2025-03-01T09:00:30Z", "--to",
                        "2025-03-01T04:02:00-05:00").stdout) == ["obj-3"]
    # stored control characters never reach the terminal raw
    late = run("audit", "report", "--from", "2025-03-02", "--to", "2025-03-02").stdout
    assert _objects(late) == ["obj-6"] and "evil\\x1b[2J" in late and "\x1b" not in late

    hostile = run("audit", "report", *day, "--sort", "occurred_at; DROP TABLE audit_event", check=False)
    assert hostile.returncode == 1 and "Sort by one of" in hostile.stderr and "DROP" not in hostile.stderr
    unknown = run("audit", "report", *day, "--patient", "no-such-mrn", check=False)
    assert unknown.returncode == 1 and "No patient has the MRN" in unknown.stderr
    bad_date = run("audit", "report", "--from", "1 March", "--to", "2025-03-01", check=False)
    assert bad_date.returncode == 1 and "YYYY-MM-DD" in bad_date.stderr

    # CSV into a file: owner-only even if it existed before, spreadsheet-safe, UTC ISO times
    out_file = tmp_path / "exports" / "audit.csv"
    out_file.parent.mkdir()
    out_file.write_text("old, world-readable\n")
    out_file.chmod(0o644)
    run("audit", "report", *day, "--csv", "--out", str(out_file))
    assert oct(out_file.stat().st_mode & 0o777) == "0o600"
    with out_file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(CSV_FIELDS)
    assert [r["object_id"] for r in rows] == ["obj-2", "obj-3", "obj-4", "obj-5"]
    assert rows[3]["detail"] == "'" + '=HYPERLINK("http://x.example","Zoë")'
    assert rows[0]["occurred_at"] == "2025-03-01T09:00:00.000000+00:00"
    assert rows[0]["workstation_site"] == chart["site"] and rows[0]["username"] == "drsmith"
    # CSV to standard output, with a filter
    stdout_csv = run("audit", "report", *day, "--csv", "--user", "nurse1").stdout
    parsed = list(csv.reader(stdout_csv.splitlines()))
    assert parsed[0] == list(CSV_FIELDS)
    assert [r[CSV_FIELDS.index("object_id")] for r in parsed[1:]] == ["obj-3"]

    review = run("audit", "emergency-review", "--from", "2025-02-28", "--to", "2025-03-02").stdout
    assert _objects(review) == ["obj-4"] and "reason=code-blue" in review
    assert "no entries" in run("audit", "emergency-review", "--from", "2025-03-02", "--to",
                               "2025-03-02").stdout


# --- dates (in-process) -----------------------------------------------------------------------


def test_dates_are_local_days_or_iso_timestamps() -> None:
    assert parse_when("2025-03-01") == datetime(2025, 3, 1).astimezone().astimezone(UTC)
    assert parse_when("2025-03-01", end=True) == datetime(2025, 3, 2).astimezone().astimezone(UTC)
    assert parse_when("2025-03-01T10:00Z") == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert parse_when(" 2025-03-01T10:00:00+02:00 ", end=True) == datetime(2025, 3, 1, 8, tzinfo=UTC)
    assert parse_when("2025-03-01T10:00") == datetime(2025, 3, 1, 10).astimezone().astimezone(UTC)
    for bad in ("", "yesterday", "2025-13-01", "01/03/2025", "9999-12-31T24:00"):
        with pytest.raises(ValidationError):
            parse_when(bad)
    with pytest.raises(ValidationError):
        parse_when("9999-12-31", end=True)
