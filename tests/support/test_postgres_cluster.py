"""The throwaway PostgreSQL helper (tests/support/postgres.py): the fixtures work, databases are
separate and empty, a cluster's lifecycle leaves nothing behind, and no binaries means an error
that says what to install."""

from __future__ import annotations

import socket
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.support.postgres import PostgresCluster, PostgresMissing


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_pg_url_is_a_working_database(pg_url: str) -> None:
    with psycopg.connect(_conninfo(pg_url)) as conn:
        conn.execute("CREATE TABLE visit (id integer PRIMARY KEY, reason text NOT NULL)")
        conn.execute("INSERT INTO visit VALUES (%s, %s), (%s, %s)", (1, "synthetic check-up", 2, "Zoë ✓"))
        conn.commit()
        rows = conn.execute("SELECT id, reason FROM visit ORDER BY id").fetchall()
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', "
            "'full_page_writes', 'server_encoding')").fetchall())
    assert rows == [(1, "synthetic check-up"), (2, "Zoë ✓")]
    assert settings == {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                        "server_encoding": "UTF8"}


def test_sqlalchemy_url(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == pg_url.rsplit("/", 1)[1]
    finally:
        engine.dispose()


def test_databases_are_distinct_and_empty(pg_cluster: PostgresCluster) -> None:
    first, second = pg_cluster.create_database(), pg_cluster.create_database()
    try:
        assert first != second
        with psycopg.connect(_conninfo(first)) as conn:
            conn.execute("CREATE TABLE only_in_first (id integer)")
            conn.commit()
        with psycopg.connect(_conninfo(second)) as conn:
            tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_schema = 'public'").fetchone()
        assert tables == (0,)
    finally:
        pg_cluster.drop_database(first)
        pg_cluster.drop_database(second)
    with psycopg.connect(pg_cluster.conninfo()) as conn:
        names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    assert first.rsplit("/", 1)[1] not in names and second.rsplit("/", 1)[1] not in names


def test_cluster_lifecycle_leaves_nothing_behind() -> None:
    cluster = PostgresCluster(prefix="emr-pg-lifecycle-")
    with cluster:
        base_dir, port = cluster.base_dir, cluster.port
        assert base_dir is not None and (base_dir / "data" / "PG_VERSION").is_file()
        assert any(p.name.startswith(".s.PGSQL.") for p in cluster.socket_dir.iterdir())
        with psycopg.connect(cluster.conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not cluster.running and not base_dir.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
    cluster.stop()  # idempotent


def test_no_binaries_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(PostgresMissing, match="apt-get install -y postgresql"):
        PostgresCluster(search_root=tmp_path).start()
