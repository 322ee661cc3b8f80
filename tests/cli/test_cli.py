"""The command line as scripts use it: no prompts, inputs from options and the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from emr_desktop.security.keystore import INSECURE_KEYRING_ENV


def _chart_only(export: str) -> dict[str, object]:
    tables = json.loads(export)["tables"]
    tables.pop("audit_event")
    return tables


def test_init_then_maintenance_commands(run, tmp_path: Path) -> None:
    out = run("init", "--practice-name", "Birch Clinic").stdout
    assert "RECOVERY KEY" in out and "EMR_PASSWORD" in out
    assert (tmp_path / "profile" / "chart.db").exists()
    again = run("init", check=False)
    assert again.returncode == 1 and "already exists" in again.stderr

    assert "ok:" in run("check").stdout

    first = run("export", "--format", "json").stdout
    second = run("export", "--format", "json").stdout
    assert _chart_only(first) == _chart_only(second)  # each export adds only its own audit entries
    doc = json.loads(first)
    assert doc["tables"]["practice"][0]["name"] == "Birch Clinic"
    actions = [e["action"] for e in json.loads(second)["tables"]["audit_event"]]
    assert actions.count("export") == 2 and actions.count("login") == 2
    assert actions[0] != "key-created" and "key-created" in actions  # set-up itself comes first
    out_file = tmp_path / "export.json"
    run("export", "--out", str(out_file))
    assert _chart_only(out_file.read_text(encoding="utf-8")) == _chart_only(first)
    assert oct(out_file.stat().st_mode & 0o777) == "0o600"

    backup = tmp_path / "usb" / "chart-backup.db"
    assert "verified" in run("backup", str(backup)).stdout
    assert backup.exists() and not backup.read_bytes().startswith(b"SQLite format 3")
    listed = run("backup", "--list").stdout
    restored = run("restore", str(backup)).stdout
    assert "Restored" in restored and "kept" in restored
    assert "replaced-by-restore" in run("backup", "--list").stdout and listed is not None
    assert _chart_only(run("export").stdout) == _chart_only(first)


def test_wrong_password_and_missing_password(run) -> None:
    run("init", password="right-password-1")
    bad = run("export", password="nope-nope-nope", check=False)
    assert bad.returncode == 1 and "User name or password is wrong" in bad.stderr
    missing = run("export", password=None, check=False)
    assert missing.returncode == 1 and "EMR_PASSWORD" in missing.stderr


def test_init_without_password_prints_one(run) -> None:
    out = run("init", password=None).stdout
    line = next(l for l in out.splitlines() if l.startswith("Log in as 'admin' with password: "))
    generated = line.rsplit(": ", 1)[1]
    assert len(generated) >= 12
    assert run("check", password=None).returncode == 0
    assert run("export", password=generated).returncode == 0


def test_commands_without_a_chart_say_what_to_do(run) -> None:
    proc = run("export", check=False)
    assert proc.returncode == 1 and "emr-desktop init" in proc.stderr


def test_no_secure_keyring_is_refused(run, tmp_path: Path) -> None:
    env_cmd = [sys.executable, "-m", "emr_desktop", "--data-dir", str(tmp_path / "p2"), "init"]
    env = {k: v for k, v in os.environ.items() if k != INSECURE_KEYRING_ENV}
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    proc = subprocess.run(env_cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "insecure backend" in proc.stderr and "gnome-keyring" in proc.stderr
    assert not (tmp_path / "p2" / "chart.db").exists()
