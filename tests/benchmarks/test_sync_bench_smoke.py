"""`python -m benchmarks.sync_bench --quick` end to end against a PostgreSQL hub, and the bulk loader
that seeds the bootstrap hub checked against a real join push.

No timing assertions - figures on a shared CI machine mean nothing; the real run is `make bench-sync`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import keyring
import psycopg
import pytest

from benchmarks import dataset
from benchmarks.sync.seed import libpq_url, seed_hub
from benchmarks.sync_bench import joining_station, main, prepare_dataset, start_hub
from emr_desktop.db.engine import make_engine
from tests.support.postgres import PostgresCluster

NUMBER = r"\d[\d,]*(?:\.\d+)?"


def _figures(out: str, label: str) -> list[float]:
    lines = [line for line in out.splitlines() if line.startswith(label)]
    assert len(lines) == 1, f"{label!r} missing from:\n{out}"
    return [float(n.replace(",", "")) for n in re.findall(NUMBER, lines[0][len(label):])]


def test_quick_run_prints_every_measure(pg_url: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    keyring_before = keyring.get_keyring()
    code = main(["--quick", "--data-dir", str(tmp_path), "--hub-url", pg_url])
    assert code == 0
    out = capsys.readouterr().out
    assert re.search(r"hub\s+PostgreSQL \d+", out)
    assert "fsync=" in out and "plain HTTP on 127.0.0.1" in out
    assert "BULK LOAD" in out
    # ops, requests, seconds, ops/s (then the target)
    ops, requests, seconds, rate = _figures(out, "1 push (join: whole chart)")[:4]
    assert ops > 0 and requests > 0 and seconds > 0 and rate > 0
    rows, pages, seconds, rate = _figures(out, "2 pull-apply from cursor 0")[:4]
    assert rows == ops and pages > 0 and seconds > 0 and rate > 0
    patients, rows, pages, seconds, rate = _figures(out, "3 bootstrap (")[:5]
    assert patients == 20 and rows > 0 and pages > 0 and seconds > 0 and rate > 0
    saves = _figures(out, "4 save-to-visible (SyncAgent)")[0]
    visible = re.search(rf"p50 ({NUMBER}) s\s+max ({NUMBER}) s", out)
    assert saves == 3 and visible, out
    assert 0 < float(visible[1]) <= float(visible[2])
    assert re.search(r"targets: \d+ PASS, \d+ FAIL", out)
    # The run folder is gone, the hub tables dropped, the caller's keyring back.
    assert not (tmp_path / "sync-run").exists()
    with psycopg.connect(libpq_url(pg_url)) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'public'").fetchone() == (0,)
    assert keyring.get_keyring() is keyring_before


def _hub_state(url: str) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "hub_row": "SELECT entity, row_id, entity_order, row_version, seq, payload FROM hub_row "
                   "ORDER BY seq",
        "hub_change": "SELECT seq, entity, row_id, row_version, site, hlc, changed_fields, payload "
                      "FROM hub_change ORDER BY seq",
        "hub_unique": "SELECT entity, field, value, row_id FROM hub_unique ORDER BY 1, 2, 3",
        "hub_slot": "SELECT row_id, provider_id, start_time, end_time, site, seq FROM hub_slot "
                    "ORDER BY row_id",
        "hub_mrn_block": 'SELECT "first", "last", site FROM hub_mrn_block ORDER BY 1',
    }
    with psycopg.connect(libpq_url(url)) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def test_bulk_seed_equals_a_real_join_push(pg_cluster: PostgresCluster, tmp_path: Path) -> None:
    data = prepare_dataset(tmp_path, 4, 3, False, lambda _message: None)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copyfile(data.folder / "keyring.cfg", run_dir / "keyring.cfg")

    pushed_url = pg_cluster.create_database()
    with dataset.isolated_keyring(run_dir):
        hub = start_hub(pushed_url)
        try:
            station = joining_station(hub, data, run_dir / "a")
            try:
                report = station.client.push()
            finally:
                station.close()
            pushed_export = list(hub.service.export_lines())
        finally:
            hub.stop()
    assert report.pushed > 100 and report.applied == report.pushed

    seeded_url = pg_cluster.create_database()
    plain = make_engine(data.plain_path, None)
    try:
        hub = start_hub(seeded_url, seed=lambda url: seed_hub(url, plain, log=lambda _m: None))
    finally:
        plain.dispose()
    try:
        seeded_export = list(hub.service.export_lines())
    finally:
        hub.stop()

    assert seeded_export == pushed_export
    pushed, seeded = _hub_state(pushed_url), _hub_state(seeded_url)
    for table in pushed:
        assert seeded[table] == pushed[table], table
    assert len(seeded["hub_row"]) == report.pushed
