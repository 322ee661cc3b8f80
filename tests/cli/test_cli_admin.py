"""Administrators manage staff and settings from the command line; others are refused."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp

from tests.cli.conftest import Run


def test_user_and_practice_administration(run: Run) -> None:
    assert run("init").returncode == 0
    added = run("user", "add", "nurse.kim", "--display-name", "Kim Lee", "--role", "nurse",
                EMR_NEW_PASSWORD="nurse-password-1")
    assert added.returncode == 0, added.stderr
    listed = run("user", "list").stdout
    assert re.search(r"nurse\.kim\s+nurse\s+Kim Lee", listed)
    assert "front_desk, nurse" in run("user", "roles", "nurse.kim", "--role", "nurse",
                                     "--role", "front_desk").stdout
    practice = run("practice", "set", "--idle-lock-minutes", "5", "--lockout-threshold", "4")
    assert "idle lock 5 min, lockout after 4 failures" in practice.stdout

    refused = run("--user", "nurse.kim", "user", "list", EMR_PASSWORD="nurse-password-1", check=False)
    assert refused.returncode == 1 and "does not allow" in refused.stderr
    bad = run("practice", "set", "--idle-lock-minutes", "0", check=False)
    assert bad.returncode == 1 and "1-120" in bad.stderr

    enrolled = run("user", "totp-enroll", "admin").stdout
    secret = re.search(r"key: ([A-Z2-7]+)", enrolled).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/" in enrolled
    assert run("user", "totp-confirm", "admin", pyotp.TOTP(secret).now()).returncode == 0
    needs_code = run("user", "list", check=False)
    assert needs_code.returncode == 1 and "code" in needs_code.stderr
    # The confirming code's time step is used up (replay guard); the next step's code works.
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    assert run("audit", "verify", EMR_TOTP_CODE=next_code).returncode == 0


def test_backups_are_for_administrators(run: Run, tmp_path: Path) -> None:
    assert run("init").returncode == 0
    assert run("user", "add", "nurse.b", "--role", "nurse", EMR_NEW_PASSWORD="nurse-password-2").returncode == 0
    denied = run("--user", "nurse.b", "backup", str(tmp_path / "n.db"), EMR_PASSWORD="nurse-password-2",
                 check=False)
    assert denied.returncode == 1 and "does not allow" in denied.stderr and not (tmp_path / "n.db").exists()
    assert run("backup", str(tmp_path / "a.db")).returncode == 0 and (tmp_path / "a.db").exists()
    report = run("audit", "report", "--from", "2000-01-01", "--to", "2100-01-01", "--category", "practice")
    assert "backup" in report.stdout and "denied" in report.stdout
