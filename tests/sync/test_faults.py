"""Faults between a workstation and its hub, over real HTTPS (uvicorn in a thread, pinned test CA),
against both the embedded SQLite hub and PostgreSQL: a stopped hub, an impostor certificate,
enrollment codes used twice or expired, a revoked workstation. Each leaves local work intact and
tells the user what happened in words they can act on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.enums import Role
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server import schema as s
from emr_desktop.server.serve import ServerThread
from emr_desktop.server.service import HubService
from emr_desktop.services.registry import Services
from emr_desktop.sync.client import CURSOR, SyncClient
from emr_desktop.sync.enroll import client_for, enroll
from emr_desktop.sync.protocol import (
    CertificateRefused,
    EnrollmentRefused,
    HubUnreachable,
    WorkstationRevoked,
)
from tests.support.fixtures import TlsCA, TlsServerCert
from tests.sync.harness import PASSWORD, hub_export, make_hub, set_up_practice


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubService]:
    url = f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = make_hub(url)
    yield service
    service.store.close()


def serve(hub: HubService, cert: TlsServerCert, port: int | None = None) -> ServerThread:
    """The hub API over TLS (not started yet); on ``port`` when given (a hub restarted where its
    workstations expect it)."""
    server = ServerThread(hub, tls_cert=cert.cert_file, tls_key=cert.key_file)
    # A TLS client idling on a keep-alive connection never answers the server's close_notify, so
    # uvicorn would wait out its whole graceful-shutdown timeout (5 s) at every stop.
    server._server.config.timeout_graceful_shutdown = 0.2
    if port is not None:
        server._sock.close()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((server.host, port))
        server._sock, server.port = sock, port
    return server


@dataclass
class Station:
    store: ChartStore
    services: Services
    client: SyncClient

    def register(self, family: str) -> Any:
        doc = self.services.users.authenticate("doc", PASSWORD)
        return self.services.patients.register(doc, family_name=family, given_name="Synthetic",
                                               birth_date=date(1966, 6, 6), sex="female").id

    def export(self) -> str:
        from tests.sync.harness import Workstation
        return Workstation("w", self.store, self.services, self.client).export()


def first_over_https(hub: HubService, server: ServerThread, ca_file: Path, folder: Path) -> Station:
    """A set-up workstation that joins the empty hub through the real enrollment over HTTPS."""
    settings = set_up_practice(folder, staff=(("doc", Role.PROVIDER.value),),
                               practice_name="Fault Test Practice")
    result = enroll(settings, KeyStore(), server.url, hub.create_enroll_code(folder.name), ca_file=str(ca_file))
    assert result.joined
    return Station(result.store, Services.build(result.store.db), client_for(result.store, KeyStore()))


def counts(hub: HubService) -> dict[str, int]:
    with hub.store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (s.hub_change, s.hub_row, s.hub_op, s.hub_quarantine, s.hub_workstation,
                          s.hub_enroll_code)}


def audit_events(hub: HubService, event: str) -> list[tuple[str, str]]:
    with hub.store.read() as conn:
        return [tuple(r) for r in conn.execute(select(s.hub_audit.c.site, s.hub_audit.c.detail).where(
            s.hub_audit.c.event == event))]


def test_stopped_hub_local_work_continues_and_sync_drains_after_restart(
        hub: HubService, tls_server_cert: TlsServerCert, tmp_path: Path) -> None:
    server = serve(hub, tls_server_cert).start()
    a = first_over_https(hub, server, tls_server_cert.ca_file, tmp_path / "a")
    port = server.port
    server.stop()

    pending = [a.client.pending_count()]
    saved = []
    for n in range(3):
        saved.append(a.register(f"Offline{n}"))           # saving never waits for the hub
        pending.append(a.client.pending_count())
        with pytest.raises(HubUnreachable) as caught:
            a.client.sync_once()
        assert "cannot be reached" in caught.value.message
        assert "offline" in (caught.value.hint or "")
    assert pending == sorted(pending) and len(set(pending)) == len(pending)
    before = counts(hub)
    assert all(str(pid) not in hub_export(hub) for pid in saved)

    with serve(hub, tls_server_cert, port=port):
        report = a.client.sync_once()
        assert a.client.pending_count() == 0 and report.pending == 0
        assert report.pushed == pending[-1] and report.applied == report.pushed
        assert counts(hub)["hub_op"] == before["hub_op"] + report.pushed
        assert a.export() == hub_export(hub)
        assert all(str(pid) in hub_export(hub) for pid in saved)
    a.store.close()


def test_impostor_certificate_is_refused_and_nothing_changes(
        hub: HubService, tls_server_cert: TlsServerCert, tls_wrong_ca: TlsCA, tmp_path: Path) -> None:
    server = serve(hub, tls_server_cert).start()
    a = first_over_https(hub, server, tls_server_cert.ca_file, tmp_path / "a")
    a.register("Pinned")
    a.client.sync_once()

    # 1. enrolling while pinning the wrong CA: refused before anything is created or used
    code = hub.create_enroll_code("b")
    settings_b = Settings(data_dir=tmp_path / "b")
    hub_before = counts(hub)
    with pytest.raises(CertificateRefused) as caught:
        enroll(settings_b, KeyStore(), server.url, code, ca_file=str(tls_wrong_ca.ca_file))
    assert "does not match the certificate authority pinned" in caught.value.message
    assert "Do not proceed" in (caught.value.hint or "")
    assert not settings_b.db_path.exists()
    assert counts(hub) == hub_before
    server.stop()

    # 2. an impostor answers where the hub was, with a certificate of another CA
    impostor_dir = tmp_path / "impostor"
    impostor_dir.mkdir()
    leaf = tls_wrong_ca.ca.issue_cert("127.0.0.1", "localhost")
    cert = TlsServerCert(impostor_dir / "cert.pem", impostor_dir / "key.pem", tls_wrong_ca.ca_file)
    cert.cert_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(cert.key_file))
    a.register("Notsent")
    pending, state, export = a.client.pending_count(), a.client.state(), a.export()
    hub_before = counts(hub)
    with serve(hub, cert, port=server.port):
        with pytest.raises(CertificateRefused) as caught:
            a.client.sync_once()
        assert "does not match the certificate authority pinned" in caught.value.message
    assert a.client.pending_count() == pending
    assert a.client.state() == state and a.client.state().get(CURSOR) == state.get(CURSOR)
    assert a.export() == export
    assert counts(hub) == hub_before

    # the real hub is back: the right certificate works again and the code was never used
    with serve(hub, tls_server_cert, port=server.port):
        a.client.sync_once()
        assert a.client.pending_count() == 0
        b = enroll(settings_b, KeyStore(), server.url, code, ca_file=str(tls_server_cert.ca_file))
        assert b.store is not None and not b.joined
        assert SyncClient(b.store.db, client_for(b.store, KeyStore()).transport).sync_once().pending == 0
        with_b = Station(b.store, Services.build(b.store.db), client_for(b.store, KeyStore()))
        assert with_b.export() == a.export() == hub_export(hub)
    b.store.close()
    a.store.close()


def test_enrollment_code_used_twice_or_expired_is_refused(
        hub: HubService, tls_server_cert: TlsServerCert, tmp_path: Path) -> None:
    with serve(hub, tls_server_cert) as server:
        a = first_over_https(hub, server, tls_server_cert.ca_file, tmp_path / "a")
        code = hub.create_enroll_code("b")
        b = enroll(Settings(data_dir=tmp_path / "b"), KeyStore(), server.url, code,
                   ca_file=str(tls_server_cert.ca_file))
        b.store.close()
        before = counts(hub)
        with pytest.raises(EnrollmentRefused) as caught:
            enroll(Settings(data_dir=tmp_path / "c"), KeyStore(), server.url, code,
                   ca_file=str(tls_server_cert.ca_file))
        assert "already been used" in caught.value.message
        assert "ask for a new code" in (caught.value.hint or "")

        expired = hub.create_enroll_code("d", ttl=timedelta(seconds=-1))
        with pytest.raises(EnrollmentRefused) as caught:
            enroll(Settings(data_dir=tmp_path / "d"), KeyStore(), server.url, expired,
                   ca_file=str(tls_server_cert.ca_file))
        assert "expired" in caught.value.message
        after = counts(hub)
        assert after["hub_workstation"] == before["hub_workstation"]
        assert {k: v for k, v in after.items() if k != "hub_enroll_code"} == \
               {k: v for k, v in before.items() if k != "hub_enroll_code"}
        refusals = [detail for _site, detail in audit_events(hub, "enroll-refused")]
        assert any("already been used" in d for d in refusals) and any("expired" in d for d in refusals)
    a.store.close()


def test_retry_after_a_refused_code_enrolls_the_same_empty_folder(
        hub: HubService, tls_server_cert: TlsServerCert, tmp_path: Path) -> None:
    with serve(hub, tls_server_cert) as server:
        a = first_over_https(hub, server, tls_server_cert.ca_file, tmp_path / "a")
        settings = Settings(data_dir=tmp_path / "b")
        with pytest.raises(EnrollmentRefused):
            enroll(settings, KeyStore(), server.url, "WRONG-CODE-0000", ca_file=str(tls_server_cert.ca_file))
        try:
            b = enroll(settings, KeyStore(), server.url, hub.create_enroll_code("b"),
                       ca_file=str(tls_server_cert.ca_file))
            b.store.close()
        finally:
            a.store.close()


def test_revoked_workstation_is_refused_and_audited(
        hub: HubService, tls_server_cert: TlsServerCert, tmp_path: Path) -> None:
    with serve(hub, tls_server_cert) as server:
        a = first_over_https(hub, server, tls_server_cert.ca_file, tmp_path / "a")
        site = a.client.state()["site_code"]
        assert hub.revoke(site) and not hub.revoke(site)
        a.register("Afterrevoke")                 # local work is kept
        pending, before = a.client.pending_count(), counts(hub)
        with pytest.raises(WorkstationRevoked) as caught:
            a.client.sync_once()
        assert "revoked" in caught.value.message
        assert a.client.pending_count() == pending > 0
        assert counts(hub) == before
        assert (site, "request refused") in audit_events(hub, "refused-revoked")
        assert [x for x, _d in audit_events(hub, "revoked")] == [site]
    a.store.close()
