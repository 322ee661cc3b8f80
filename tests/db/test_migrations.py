"""Schema evolution: from empty and from a chart saved by an earlier version, the upgraded schema
equals the models; charts from newer versions are refused; the upgrade path backs up first."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from emr_desktop.config import Settings
from emr_desktop.db import engine as engine_mod
from emr_desktop.db import migrate
from emr_desktop.db.store import ChartStore, StoreMeta, list_backups
from emr_desktop.domain.errors import DatabaseTooNew, StoreError
from emr_desktop.models import Base
from emr_desktop.security.keystore import KeyStore, key_check_value
from emr_desktop.services.registry import Services

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAVED_CHARTS = sorted(FIXTURES.glob("chart-*.db"))


def _install_fixture(fixture: Path, settings: Settings) -> bytes:
    key = bytes.fromhex(fixture.with_suffix(".key").read_text().strip())
    settings.data_dir.mkdir(parents=True)
    shutil.copyfile(fixture, settings.db_path)
    meta = StoreMeta(store_id=f"fixture-{fixture.stem}", key_check=key_check_value(key),
                     created_at=datetime.now(UTC).isoformat())
    meta.save(settings.store_meta_path)
    KeyStore().save_key(meta.store_id, key)
    return key


def test_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    eng = engine_mod.make_engine(tmp_path / "empty.db", b"\x01" * 32, create=True)
    migrate.upgrade(eng)
    assert migrate.current_revision(eng) == migrate.head_revision()
    assert migrate.schema_diff(eng) == []
    with eng.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    assert set(Base.metadata.tables) <= tables
    eng.dispose()


def test_there_is_a_saved_chart_for_the_first_revision() -> None:
    assert FIXTURES / "chart-0001.db" in SAVED_CHARTS


@pytest.mark.parametrize("fixture", SAVED_CHARTS, ids=lambda p: p.stem)
def test_upgrade_from_saved_chart(fixture: Path, settings: Settings) -> None:
    _install_fixture(fixture, settings)
    with engine_mod.make_engine(settings.db_path, bytes.fromhex(
            fixture.with_suffix(".key").read_text().strip())).connect() as conn:
        saved_revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    store = ChartStore.open(settings, KeyStore())
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        assert migrate.schema_diff(store.engine) == []
        assert store.check() == []
        if saved_revision != migrate.head_revision():
            assert any(f"before-upgrade-{saved_revision}" in p.name for p in list_backups(settings))
        # The saved clinical content is still readable through today's services.
        svc = Services.build(store.db)
        doctor = svc.users.authenticate("drfixture", "fixture-password")
        found = svc.patients.search(doctor, "testperson")
        assert [p.given_name for p in found] == ["Alpha"]
        chart = svc.chart.load(doctor, found[0].id)
        assert chart.notes and all(svc.notes.verify_signature(n) for n in chart.notes)
        assert {v.loinc for v in chart.vitals} >= {"8480-6", "8462-4", "39156-5"}
        assert chart.prescriptions[0].status == "signed"
    finally:
        store.close()


def test_chart_from_a_newer_version_is_refused_untouched(store: ChartStore, settings: Settings) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    store.close()
    before = hashlib.sha256(settings.db_path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseTooNew) as err:
        ChartStore.open(settings, KeyStore())
    assert "newer version" in str(err.value) and "Update emr-desktop" in err.value.hint
    assert hashlib.sha256(settings.db_path.read_bytes()).hexdigest() == before


def test_tables_without_version_are_not_treated_as_empty(store: ChartStore, settings: Settings) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    store.close()
    with pytest.raises(StoreError, match="not an emr-desktop chart"):
        ChartStore.open(settings, KeyStore())
