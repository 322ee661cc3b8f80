"""The hub's HTTP API (server/api.py) over a real uvicorn server in a thread, spoken to with raw
httpx requests and sockets: routes, body limits, bad bodies, error mapping, no PHI in logs."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from emr_desktop.server.api import create_app, encode_json
from emr_desktop.server.serve import ServerThread
from emr_desktop.sync.protocol import MAX_REQUEST_BYTES, NotEnrolled, OutOfOrder
from tests.support.fake_hub import FakeHubService


@pytest.fixture(scope="module")
def _module_hub() -> Iterator[tuple[FakeHubService, ServerThread]]:
    fake = FakeHubService()
    with ServerThread(fake) as server:
        yield fake, server


@pytest.fixture
def fake(_module_hub: tuple[FakeHubService, ServerThread]) -> FakeHubService:
    _module_hub[0].reset()
    return _module_hub[0]


@pytest.fixture
def client(_module_hub: tuple[FakeHubService, ServerThread]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_module_hub[1].url, timeout=30) as http:
        yield http


def test_handshake_and_compact_utf8_replies(fake: FakeHubService, client: httpx.Client) -> None:
    response = client.get("/v1/handshake")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == fake.handshake()

    response = client.post("/v1/pull", json={"cursor": 0, "limit": 2})
    assert response.status_code == 200
    expected = fake.pull(None, {"cursor": 0, "limit": 2})
    assert response.content == encode_json(expected)
    assert b", " not in response.content and b": " not in response.content.replace(b"synthetic ", b"")
    assert "Ñúñez".encode() in response.content and b"\\u" not in response.content


@pytest.mark.parametrize(("path", "method", "body"), [
    ("/v1/enroll", "enroll", {"code": "ABC-123", "site_code": None, "name": "Room 2", "join": True}),
    ("/v1/push", "push", {"site": "S07", "schema_version": "0003",
                          "ops": [{"op_id": "op-1", "row": {"given_name": "Zoë"}}]}),
    ("/v1/pull", "pull", {"cursor": 5, "limit": 3}),
    ("/v1/snapshot", "snapshot", {"snapshot_seq": None, "after": None, "limit": 2}),
    ("/v1/mrn-block", "reserve_mrn_block", {"size": 50}),
])
def test_each_post_route_reaches_its_method(fake: FakeHubService, client: httpx.Client, path: str,
                                            method: str, body: dict[str, object]) -> None:
    response = client.post(path, json=body, headers={"Authorization": "Bearer cred-7"})
    assert response.status_code == 200, response.text
    credential = None if method == "enroll" else "cred-7"
    assert fake.calls == [(method, credential, body)]
    fake.reset()
    direct = fake.enroll(body) if method == "enroll" else getattr(fake, method)(credential, body)
    assert response.json() == direct


def test_twenty_thousand_row_pull(fake: FakeHubService, client: httpx.Client) -> None:
    response = client.post("/v1/pull", json={"cursor": 0, "limit": 20_000})
    assert response.status_code == 200
    doc = response.json()
    assert len(doc["changes"]) == 20_000 and doc["cursor"] == 20_000
    assert doc["changes"][-1]["row"]["mrn"] == "20000"


@pytest.mark.parametrize(("header", "expected"), [
    ("Bearer abc.def", "abc.def"),
    ("bearer   tok-1", "tok-1"),
    (None, None),
    ("Bearer", None),
    ("Basic dXNlcjpwYXNz", None),
])
def test_bearer_credential(fake: FakeHubService, client: httpx.Client, header: str | None,
                           expected: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.post("/v1/mrn-block", json={"size": 1}, headers=headers)
    assert response.status_code == 200
    assert fake.calls == [("reserve_mrn_block", expected, {"size": 1})]


def test_body_over_the_limit_is_refused_unread(fake: FakeHubService, client: httpx.Client) -> None:
    response = client.post("/v1/push", content=b" " * (MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert fake.calls == []
    # the limit itself is accepted (a valid object padded with whitespace up to the limit)
    body = b'{"site":"S1","schema_version":"0003","ops":[]}'
    response = client.post("/v1/push", content=body + b" " * (MAX_REQUEST_BYTES - len(body)))
    assert response.status_code == 200
    assert fake.calls == [("push", None, {"site": "S1", "schema_version": "0003", "ops": []})]


def test_declared_length_is_refused_before_the_body_arrives(
        fake: FakeHubService, _module_hub: tuple[FakeHubService, ServerThread]) -> None:
    server = _module_hub[1]
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/push HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n{" % (MAX_REQUEST_BYTES + 1))
        reply = b""
        while b"\r\n\r\n" not in reply:  # the server answers with no more of the body sent
            chunk = sock.recv(65536)
            assert chunk, "connection closed without a reply"
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert fake.calls == []


def test_streamed_body_is_counted(fake: FakeHubService) -> None:
    small = FakeHubService()
    with ServerThread(app=create_app(small, max_request_bytes=1024)) as server, \
            httpx.Client(base_url=server.url, timeout=30) as http:
        def chunks(n: int) -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
            yield b'{"size": 1'
            for _ in range(n):
                yield b" " * 200
            yield b"}"

        response = http.post("/v1/mrn-block", content=chunks(3))
        assert response.status_code == 200
        assert small.calls == [("reserve_mrn_block", None, {"size": 1})]
        response = http.post("/v1/mrn-block", content=chunks(50))
        assert response.status_code == 413
        assert response.json()["error"] == "too_large"
        assert len(small.calls) == 1


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"text"', b"null", b"42",
                                  b"\xff\xfe\x00{", b'{"size": NaN}', b"[" * 100_000],
                         ids=["broken", "array", "empty", "string", "null", "number", "not-utf8", "nan",
                              "deep"])
def test_bad_bodies_are_refused(fake: FakeHubService, client: httpx.Client, body: bytes) -> None:
    response = client.post("/v1/mrn-block", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert fake.calls == []


def test_hub_errors_keep_their_status_and_code(fake: FakeHubService, client: httpx.Client) -> None:
    fake.fail_with = NotEnrolled()
    response = client.post("/v1/pull", json={"cursor": 0, "limit": 1})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": "not_enrolled", "message": NotEnrolled().message,
                               "hint": NotEnrolled().hint}
    fake.fail_with = OutOfOrder("Op 3 arrived before op 2.", None)
    response = client.post("/v1/push", json={"site": "S1", "ops": []})
    assert response.status_code == 409
    assert response.json()["message"] == "Op 3 arrived before op 2."


def test_unexpected_errors_are_generic_and_log_no_details(
        fake: FakeHubService, client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    fake.fail_with = KeyError("Synthetic Patient Qwertz 1970-01-01")
    secret_body = {"cursor": 0, "limit": 1, "family_name": "Synthetic-Uvwxy"}
    with caplog.at_level(logging.DEBUG):
        response = client.post("/v1/pull", json=secret_body)
        handshake = client.get("/v1/handshake")
    assert response.status_code == 500 and handshake.status_code == 500
    assert response.json()["error"] == "hub_error"
    assert "Qwertz" not in response.text and "Uvwxy" not in response.text
    assert "hub pull failed: KeyError" in caplog.text
    assert "hub handshake failed: KeyError" in caplog.text
    assert "Qwertz" not in caplog.text and "Uvwxy" not in caplog.text


def test_unknown_route_and_method_answer_json(fake: FakeHubService, client: httpx.Client) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "bad_request"
    response = client.get("/v1/push")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert fake.calls == []


def test_a_blocked_service_call_does_not_stall_the_server(fake: FakeHubService,
                                                          _module_hub: tuple[FakeHubService, ServerThread]
                                                          ) -> None:
    url = _module_hub[1].url
    fake.gate = threading.Event()
    result: dict[str, httpx.Response] = {}

    def slow_push() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            result["push"] = http.post("/v1/push", json={"site": "S1", "ops": []})

    worker = threading.Thread(target=slow_push)
    worker.start()
    try:
        assert fake.entered.wait(timeout=10), "push never reached the service"
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/v1/handshake").status_code == 200  # answered while push is blocked
        assert "push" not in result
    finally:
        fake.gate.set()
        worker.join(timeout=30)
    assert result["push"].status_code == 200
    assert json.loads(result["push"].content) == {"results": []}
