"""Revision 0005 adds the practice's print settings: charts of 0004 keep their practice row and get
the defaults; ops queued by older workstations (no print columns) take the same defaults."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from emr_desktop.config import Settings
from emr_desktop.db import engine as engine_mod
from emr_desktop.db import migrate
from emr_desktop.db.store import ChartStore, StoreMeta
from emr_desktop.printing.data import PrintSettings
from emr_desktop.security.keystore import KeyStore, key_check_value
from emr_desktop.services.registry import Services
from emr_desktop.sync.rows import entity

PRINT_COLUMNS = {"print_paper": "letter", "print_margin_top_mm": 15.0, "print_margin_bottom_mm": 15.0,
                 "print_margin_left_mm": 15.0, "print_margin_right_mm": 15.0,
                 "print_prescriptions_per_page": 1}
FIXTURE = Path(__file__).parent.parent / "fixtures" / "chart-0001"


def test_0005_fills_the_print_settings_of_an_existing_practice(tmp_path: Path) -> None:
    eng = engine_mod.make_engine(tmp_path / "c.db", b"\x02" * 32, create=True)
    try:
        migrate.upgrade(eng, "0004")
        with eng.begin() as conn:
            conn.execute(text(
                "INSERT INTO practice (id, row_version, updated_hlc, origin_site, record_status, "
                "record_status_reason, name, address_line1, address_line2, city, state, postal_code, "
                "phone, fax, npi, tax_id, time_zone) VALUES (:id, 0, '', 'x', 'active', '', "
                "'Old Clinic', '', '', '', '', '', '', '', '', '', 'UTC')"), {"id": uuid.uuid4().hex})
        migrate.upgrade(eng)
        assert migrate.current_revision(eng) == "0005" == migrate.head_revision()
        assert migrate.schema_diff(eng) == []
        with eng.connect() as conn:
            row = conn.execute(text("SELECT name, " + ", ".join(PRINT_COLUMNS) + " FROM practice")).one()
        assert row[0] == "Old Clinic"
        assert dict(zip(PRINT_COLUMNS, row[1:], strict=True)) == PRINT_COLUMNS
    finally:
        eng.dispose()


def test_saved_chart_prints_with_the_default_settings_after_upgrade(settings: Settings) -> None:
    key = bytes.fromhex(FIXTURE.with_suffix(".key").read_text().strip())
    settings.data_dir.mkdir(parents=True)
    shutil.copyfile(FIXTURE.with_suffix(".db"), settings.db_path)
    meta = StoreMeta(store_id="fixture-0005", key_check=key_check_value(key),
                     created_at=datetime.now(UTC).isoformat())
    meta.save(settings.store_meta_path)
    KeyStore().save_key(meta.store_id, key)
    store = ChartStore.open(settings, KeyStore())
    try:
        svc = Services.build(store.db)
        doctor = svc.users.authenticate("drfixture", "fixture-password")
        assert svc.printing.settings(doctor) == PrintSettings()
        practice = svc.practice.current()
        assert practice is not None and practice.print_paper == "letter"
    finally:
        store.close()


def test_an_op_without_the_print_columns_takes_their_defaults() -> None:
    practice = entity("practice")
    assert {c: practice.defaults[c] for c in PRINT_COLUMNS} == PRINT_COLUMNS
    old = {c: None for c in practice.columns if c not in PRINT_COLUMNS}
    completed = practice.complete(old)
    assert {c: completed[c] for c in PRINT_COLUMNS} == PRINT_COLUMNS
