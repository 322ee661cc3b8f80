"""Pytest fixtures shared by the hub and sync tests (loaded by tests/conftest.py's ``pytest_plugins``).

- ``pg_cluster``: one throwaway PostgreSQL server per test session (per xdist worker).
- ``pg_url``: a fresh empty database on it for one test (SQLAlchemy URL, psycopg 3 driver).
- ``tls_ca``, ``tls_server_cert``, ``tls_wrong_ca``: trustme certificates written to PEM files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.support.postgres import PostgresCluster, PostgresMissing


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A running PostgreSQL cluster for this session; fails (never skips) without PostgreSQL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    cluster = PostgresCluster(prefix=f"emr-pg-{worker}-")
    missing = None
    try:
        cluster.start()
    except PostgresMissing as exc:
        missing = str(exc)
    if missing:
        pytest.fail(missing, pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """URL of a fresh, empty database, dropped after the test (open connections are cut)."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(url)


@dataclass(frozen=True)
class TlsCA:
    """A certificate authority: ``ca`` issues certificates, ``ca_file`` is its PEM (what a
    workstation pins at enrollment)."""

    ca: trustme.CA
    ca_file: Path


@dataclass(frozen=True)
class TlsServerCert:
    """A server certificate for 127.0.0.1 and localhost signed by ``tls_ca``."""

    cert_file: Path  # certificate chain PEM (for uvicorn's ssl_certfile)
    key_file: Path   # private key PEM (ssl_keyfile)
    ca_file: Path    # PEM of the CA that signed it


def _write_ca(directory: Path, organization: str) -> TlsCA:
    ca = trustme.CA(organization_name=organization)
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return TlsCA(ca=ca, ca_file=ca_file)


@pytest.fixture(scope="session")
def tls_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsCA:
    """The practice's CA (synthetic)."""
    return _write_ca(tmp_path_factory.mktemp("tls-ca"), "Synthetic Practice Test CA")


@pytest.fixture(scope="session")
def tls_server_cert(tls_ca: TlsCA, tmp_path_factory: pytest.TempPathFactory) -> TlsServerCert:
    """Hub certificate for 127.0.0.1 / localhost, issued by ``tls_ca``."""
    directory = tmp_path_factory.mktemp("tls-server")
    leaf = tls_ca.ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    with cert_file.open("wb") as out:
        for blob in leaf.cert_chain_pems:
            out.write(blob.bytes())
    leaf.private_key_pem.write_to_path(str(key_file))
    return TlsServerCert(cert_file=cert_file, key_file=key_file, ca_file=tls_ca.ca_file)


@pytest.fixture(scope="session")
def tls_wrong_ca(tmp_path_factory: pytest.TempPathFactory) -> TlsCA:
    """An unrelated CA: pinning it must refuse a hub whose certificate comes from ``tls_ca``."""
    return _write_ca(tmp_path_factory.mktemp("tls-wrong-ca"), "Unrelated Test CA")
