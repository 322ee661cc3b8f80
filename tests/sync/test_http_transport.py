"""HttpTransport (sync/http.py) against the real hub API in a uvicorn thread, over HTTP and over TLS
with a pinned test CA: round trips, certificate pinning, an unreachable hub, error classes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from emr_desktop.server.serve import ServerThread
from emr_desktop.sync import protocol
from emr_desktop.sync.http import HttpTransport
from emr_desktop.sync.protocol import CertificateRefused, HubError, HubUnreachable, RequestTooLarge
from tests.support.fake_hub import FakeHubService
from tests.support.fixtures import TlsCA, TlsServerCert
from tests.support.postgres import free_port


@dataclass
class Hub:
    fake: FakeHubService
    server: ServerThread
    ca_file: str | None  # what a workstation pins (None over plain HTTP)

    def transport(self, credential: str | None = None, timeout: float = 30.0) -> HttpTransport:
        return HttpTransport(self.server.url, credential=credential, ca_file=self.ca_file, timeout=timeout)


@pytest.fixture(scope="module")
def _plain_hub() -> Iterator[Hub]:
    fake = FakeHubService()
    with ServerThread(fake) as server:
        yield Hub(fake, server, None)


@pytest.fixture(scope="module")
def _tls_hub(tls_server_cert: TlsServerCert) -> Iterator[Hub]:
    fake = FakeHubService()
    with ServerThread(fake, tls_cert=tls_server_cert.cert_file, tls_key=tls_server_cert.key_file) as server:
        yield Hub(fake, server, str(tls_server_cert.ca_file))


@pytest.fixture(params=["http", "https"])
def hub(request: pytest.FixtureRequest) -> Hub:
    found: Hub = request.getfixturevalue("_plain_hub" if request.param == "http" else "_tls_hub")
    found.fake.reset()
    return found


@pytest.fixture
def tls_hub(_tls_hub: Hub) -> Hub:
    _tls_hub.fake.reset()
    return _tls_hub


def test_every_call_round_trips(hub: Hub) -> None:
    assert hub.server.url.startswith(("http://", "https://"))
    fake = FakeHubService()  # computes the expected replies without a network
    with hub.transport() as transport:
        assert transport.handshake() == fake.handshake()
        enroll_body = {"code": "SYN-0001", "site_code": None, "name": "Front desk", "join": False}
        enrolled = transport.enroll(enroll_body)
        assert enrolled == fake.enroll(enroll_body)
        transport.credential = enrolled["credential"]  # as the client does after enrolling
        push_body = {"site": "S07", "schema_version": "0003", "ops": [
            {"op_id": f"op-{n}", "position": n, "entity": "patient", "row_id": f"row-{n}",
             "base_row_version": 0, "changed_fields": ["given_name"], "row": {"given_name": "Zoë"},
             "hlc": "0000000000000001-0001-S07", "user_id": None, "schema_version": "0003"}
            for n in range(3)]}
        bodies = {
            "push": push_body,
            "pull": {"cursor": 10, "limit": 500},
            "snapshot": {"snapshot_seq": None, "after": None, "limit": 5},
            "reserve_mrn_block": {"size": 100},
        }
        for method, body in bodies.items():
            assert getattr(transport, method)(body) == getattr(fake, method)("x", body), method
    credential = "cred-for-SYN-0001"
    assert hub.fake.calls == [("handshake", None, None), ("enroll", None, enroll_body)] + [
        (method, credential, body) for method, body in bodies.items()]


def test_no_credential_sends_no_authorization(hub: Hub) -> None:
    with hub.transport() as transport:
        transport.pull({"cursor": 0, "limit": 1})
    assert hub.fake.calls == [("pull", None, {"cursor": 0, "limit": 1})]


def test_keep_alive_reuses_one_connection(hub: Hub) -> None:
    with hub.transport("cred-1") as transport:
        for _ in range(3):
            transport.reserve_mrn_block({"size": 1})
        pool = transport._client._transport._pool  # type: ignore[attr-defined]
        assert len(pool.connections) == 1


def test_a_hub_certificate_from_another_ca_is_refused(tls_hub: Hub, tls_wrong_ca: TlsCA) -> None:
    with HttpTransport(tls_hub.server.url, credential="cred-1", ca_file=tls_wrong_ca.ca_file) as transport:
        with pytest.raises(CertificateRefused) as caught:
            transport.pull({"cursor": 0, "limit": 1})
    assert "pinned" in caught.value.message and tls_hub.server.url in caught.value.message
    assert "administrator" in caught.value.hint
    assert tls_hub.fake.calls == []  # nothing reached the hub, the credential included


def test_https_without_a_pin_uses_default_trust(tls_hub: Hub) -> None:
    with HttpTransport(tls_hub.server.url) as transport, pytest.raises(CertificateRefused) as caught:
        transport.handshake()
    assert "does not trust" in caught.value.message
    assert tls_hub.fake.calls == []


def test_plain_http_to_a_tls_hub_is_unreachable_not_a_crash(tls_hub: Hub) -> None:
    url = tls_hub.server.url.replace("https://", "http://")
    with HttpTransport(url, timeout=10) as transport, pytest.raises(HubUnreachable):
        transport.handshake()
    assert tls_hub.fake.calls == []


def test_a_stopped_hub_is_unreachable() -> None:
    fake = FakeHubService()
    server = ServerThread(fake).start()
    transport = HttpTransport(server.url, credential="cred-1")
    try:
        assert transport.handshake()["api"] == 1  # leaves a kept-alive connection in the pool
        server.stop()
        with pytest.raises(HubUnreachable) as caught:
            transport.pull({"cursor": 0, "limit": 1})
    finally:
        transport.close()
        server.stop()
    assert f"127.0.0.1:{server.port}" in caught.value.message
    assert "offline" in caught.value.hint and "resumes by itself" in caught.value.hint
    assert [c[0] for c in fake.calls] == ["handshake"]


def test_a_closed_port_is_unreachable() -> None:
    port = free_port()
    with HttpTransport(f"http://127.0.0.1:{port}") as transport, pytest.raises(HubUnreachable) as caught:
        transport.handshake()
    assert str(port) in caught.value.message


def test_a_hub_that_never_answers_times_out_as_unreachable() -> None:
    with socket.socket() as listener:  # accepts connections (kernel backlog), never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with HttpTransport(url, timeout=0.3) as transport, pytest.raises(HubUnreachable):
            transport.handshake()


def test_a_hub_that_hangs_up_is_unreachable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.close()

        worker = threading.Thread(target=hang_up)
        worker.start()
        with HttpTransport(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=10) as transport, \
                pytest.raises(HubUnreachable):
            transport.handshake()
        worker.join(timeout=10)


ERROR_CLASSES = sorted(protocol.ERRORS.values(), key=lambda cls: cls.code)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=[cls.code for cls in ERROR_CLASSES])
def test_hub_errors_come_back_as_the_same_class(hub: Hub, cls: type[HubError]) -> None:
    hub.fake.fail_with = cls("Synthetic refusal for the test.", "Synthetic hint.")
    with hub.transport("cred-1") as transport, pytest.raises(HubError) as caught:
        transport.push({"site": "S07", "schema_version": "0003", "ops": []})
    assert type(caught.value) is cls
    assert caught.value.message == "Synthetic refusal for the test."
    assert caught.value.hint == "Synthetic hint."


def test_default_messages_survive_the_trip(hub: Hub) -> None:
    hub.fake.fail_with = protocol.WorkstationRevoked()
    with hub.transport("cred-1") as transport, pytest.raises(protocol.WorkstationRevoked) as caught:
        transport.pull({"cursor": 0, "limit": 1})
    assert caught.value.full_message() == protocol.WorkstationRevoked().full_message()


def test_an_internal_hub_error_is_generic(hub: Hub) -> None:
    hub.fake.fail_with = ValueError("Synthetic Patient Qwertz")
    with hub.transport("cred-1") as transport, pytest.raises(HubError) as caught:
        transport.snapshot({"snapshot_seq": None, "after": None, "limit": 1})
    assert type(caught.value) is HubError
    assert "internal error" in caught.value.message and "Qwertz" not in caught.value.full_message()


def test_an_oversized_request_is_refused_before_sending(hub: Hub) -> None:
    body = {"site": "S07", "schema_version": "0003",
            "ops": [{"op_id": "op-1", "row": {"note": "x" * protocol.MAX_REQUEST_BYTES}}]}
    with hub.transport("cred-1") as transport, pytest.raises(RequestTooLarge):
        transport.push(body)
    assert hub.fake.calls == []


def _odd_app() -> Starlette:
    async def teapot(request: Request) -> Response:
        return PlainTextResponse("short and stout", status_code=418)

    async def gateway(request: Request) -> Response:
        return PlainTextResponse("Bad Gateway", status_code=502)

    async def array(request: Request) -> Response:
        return Response(b"[1,2]", media_type="application/json")

    return Starlette(routes=[Route("/v1/handshake", teapot), Route("/v1/pull", gateway, methods=["POST"]),
                             Route("/v1/push", array, methods=["POST"])])


def test_replies_that_are_not_protocol_json() -> None:
    with ServerThread(app=_odd_app()) as server, HttpTransport(server.url) as transport:
        with pytest.raises(HubError) as caught:
            transport.handshake()
        assert type(caught.value) is HubError and "HTTP status 418" in caught.value.message
        with pytest.raises(HubUnreachable):  # a proxy in front of a stopped hub
            transport.pull({"cursor": 0, "limit": 1})
        with pytest.raises(HubError) as caught:
            transport.push({"ops": []})
        assert type(caught.value) is HubError and "does not understand" in caught.value.message
