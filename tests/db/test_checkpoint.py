"""Idle checkpoints: the write-ahead log is folded back into the chart file outside user commits,
and SQLite's own checkpoint inside a commit only happens far later (WAL_AUTOCHECKPOINT_PAGES)."""

from __future__ import annotations

from datetime import date
from typing import Any

from emr_desktop.db.engine import WAL_AUTOCHECKPOINT_PAGES


def test_checkpoint_empties_the_log_and_keeps_every_row(store: Any, services: Any, provider: Any) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
    for n in range(30):
        services.patients.register(provider, family_name=f"Walcheck{n}", given_name="Ann",
                                   birth_date=date(1980, 1, 1), sex="female")
    wal = store.settings.db_path.with_name(store.settings.db_path.name + "-wal")
    assert wal.stat().st_size > 0
    log_pages, copied = store.db.checkpoint()
    assert log_pages > 0 and copied == log_pages  # every page of the log is in the chart file now
    assert len(services.patients.search(provider, "walcheck", limit=100)) == 30
