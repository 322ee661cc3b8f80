"""Charts above the full-verify size open after a quick check; the full page verification then
runs on demand (the app runs it in the background) and still finds a damaged page."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from typing import Any

import pytest

from emr_desktop.config import Settings
from emr_desktop.db.engine import PAGE_SIZE
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.errors import CorruptDatabase
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services


def test_quick_open_then_background_verification(store: ChartStore, services: Services, admin: Any,
                                                 settings: Settings) -> None:
    for i in range(150):
        services.patients.register(admin, family_name=f"Page{i:03d}", given_name="Filler" * 8,
                                   birth_date=date(1950 + i % 50, 1, 1), sex="other")
    backup = store.backup()
    store.close()
    data = bytearray(settings.db_path.read_bytes())
    pages = len(data) // PAGE_SIZE
    assert pages > 10
    data[(pages - 2) * PAGE_SIZE + 1000] ^= 0x40  # a page the quick check does not read
    settings.db_path.write_bytes(bytes(data))
    digest = hashlib.sha256(data).hexdigest()

    with pytest.raises(CorruptDatabase):
        ChartStore.open(settings, KeyStore())  # small chart: fully verified at open

    large = dataclasses.replace(settings, full_verify_max_mb=0)
    opened = ChartStore.open(large, KeyStore())
    try:
        with pytest.raises(CorruptDatabase) as err:
            opened.verify_pages()
        assert err.value.latest_backup == backup
        assert "restore" in err.value.hint
    finally:
        opened.close()
    assert hashlib.sha256(settings.db_path.read_bytes()).hexdigest() == digest
