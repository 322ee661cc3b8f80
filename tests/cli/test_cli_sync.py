"""The hub and sync commands as an administrator and a script use them (child processes)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run


def _code(run: Run, hub: str, site: str = "") -> str:
    args = ["hub", "enroll-code", hub] + (["--site", site] if site else [])
    code = run(*args).stdout.strip()
    assert len(code.replace("-", "")) == 16
    return code


def test_embedded_hub_two_workstations_converge(run: Run, tmp_path: Path) -> None:
    hub = f"sqlite:///{tmp_path / 'hub' / 'hub.db'}"
    ws1, ws2 = str(tmp_path / "ws1"), str(tmp_path / "ws2")
    assert "Hub database ready" in run("hub", "init", hub).stdout
    run("--data-dir", ws1, "init", "--practice-name", "CLI Sync Practice")
    joined = run("--data-dir", ws1, "enroll", hub, _code(run, hub, "front-desk"))
    assert "Joined the hub" in joined.stdout and "0 changes waiting" in joined.stdout
    boot = run("--data-dir", ws2, "enroll", hub, _code(run, hub, "exam-1"))
    assert "downloaded the practice chart" in boot.stdout and "RECOVERY KEY" in boot.stdout

    run("--data-dir", ws1, "user", "add", "nurse1", "--display-name", "Nurse One", "--role", "nurse",
        EMR_NEW_PASSWORD="nurse-password-1")
    pushed = run("--data-dir", ws1, "sync", "--once")
    assert "pushed" in pushed.stdout and "0 changes waiting" in pushed.stdout
    pulled = run("--data-dir", ws2, "sync", "--once")
    assert "pulled" in pulled.stdout and "pulled 0 rows" not in pulled.stdout

    export1 = run("--data-dir", ws1, "export", "--format", "json").stdout
    export2 = run("--data-dir", ws2, "export", "--format", "json").stdout
    # Each export audits itself (an audit row of its own workstation), so sync once more and
    # compare the hub with both after the final round.
    run("--data-dir", ws1, "sync", "--once")
    run("--data-dir", ws2, "sync", "--once")
    run("--data-dir", ws1, "sync", "--once")
    hub_export = run("hub", "export", hub).stdout
    tables = json.loads(hub_export)["tables"]
    assert any(u["username"] == "nurse1" for u in tables["user_account"])
    assert json.loads(export1)["tables"]["user_account"] == tables["user_account"]
    assert json.loads(export2)["tables"]["user_account"] == tables["user_account"]

    status = run("hub", "status", hub).stdout
    assert "front-desk" in status and "exam-1" in status and "quarantined ops kept for review: 0" in status
    assert "0 quarantined op(s)" in run("hub", "quarantine", hub).stdout


def test_enroll_errors_are_clear(run: Run, tmp_path: Path) -> None:
    hub = f"sqlite:///{tmp_path / 'hub.db'}"
    run("hub", "init", hub)
    bad = run("--data-dir", str(tmp_path / "x"), "enroll", hub, "AAAA-BBBB-CCCC-DDDD", check=False)
    assert bad.returncode == 1 and "not valid for this hub" in bad.stderr
    assert not (tmp_path / "x" / "chart.db").exists()
    code = _code(run, hub)
    empty = run("--data-dir", str(tmp_path / "x"), "enroll", hub, code, check=False)
    assert empty.returncode == 1 and "no practice chart yet" in empty.stderr
    missing = run("hub", "status", f"sqlite:///{tmp_path / 'nope.db'}", check=False)
    assert missing.returncode == 1 and "no hub database" in missing.stderr
    assert not (tmp_path / "nope.db").exists()
    revoke = run("hub", "revoke", hub, "ws-unknown", check=False)
    assert revoke.returncode == 1 and "No enrolled" in revoke.stderr


def test_sync_without_enrollment_says_what_to_do(run: Run, tmp_path: Path) -> None:
    run("init")
    result = run("sync", "--once", check=False)
    assert result.returncode == 1 and "not enrolled" in result.stderr and "enroll" in result.stderr


def test_serve_refuses_plain_http_beyond_loopback(run: Run, tmp_path: Path) -> None:
    hub = f"sqlite:///{tmp_path / 'hub.db'}"
    run("hub", "init", hub)
    result = run("hub", "serve", hub, "--host", "0.0.0.0", check=False)
    assert result.returncode == 1 and "--tls-cert" in result.stderr
