"""The hub's HTTP face: JSON documents of sync/protocol.py over a small Starlette app.

Every route reads the whole body (refusing more than ``MAX_REQUEST_BYTES`` before it arrives),
then decodes it, calls the synchronous service and encodes the reply in one worker thread, so
neither a slow database nor a large JSON document stalls the event loop. Errors travel as
``{"error", "message", "hint"}`` with the error class's status. Nothing here logs a body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from emr_desktop.sync.protocol import (
    MAX_REQUEST_BYTES,
    BadRequest,
    HubError,
    Json,
    RequestTooLarge,
    error_to_json,
)

log = logging.getLogger(__name__)

JSON_TYPE = "application/json"
INTERNAL_ERROR = ("The practice hub hit an internal error and did not complete the request.",
                  "Try again later; if it keeps happening, tell the practice administrator "
                  "(details are in the hub's log).")


class HubService(Protocol):
    """What the API needs from the hub service; credential is the bearer token or None."""

    def handshake(self) -> Json: ...

    def enroll(self, body: Json) -> Json: ...

    def push(self, credential: str | None, body: Json) -> Json: ...

    def pull(self, credential: str | None, body: Json) -> Json: ...

    def snapshot(self, credential: str | None, body: Json) -> Json: ...

    def reserve_mrn_block(self, credential: str | None, body: Json) -> Json: ...


def encode_json(doc: Any) -> bytes:
    """Compact UTF-8 JSON (replies can hold many thousand rows)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_body(raw: bytes) -> Json:
    """The request body as a JSON object, or BadRequest."""
    try:
        doc = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(doc, dict):
        raise BadRequest("The request body must be a JSON object.")
    return doc


def bearer_credential(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body; RequestTooLarge as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequest("The request has an invalid Content-Length.") from None
        if size > limit:
            raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> RequestTooLarge:
    size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit} bytes"
    return RequestTooLarge(f"The request is larger than the hub accepts ({size}).",
                           "Sync sends its changes in smaller batches; update this workstation if this "
                           "keeps happening.")


def error_response(err: HubError) -> Response:
    # A 413 deliberately keeps the connection: uvicorn then discards the unread rest of the body
    # without buffering it, and the client reads the reply instead of a connection reset.
    headers: dict[str, str] = {}
    if err.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return Response(encode_json(error_to_json(err)), status_code=err.status, media_type=JSON_TYPE,
                    headers=headers)


def _internal_error() -> Response:
    body = {"error": HubError.code, "message": INTERNAL_ERROR[0], "hint": INTERNAL_ERROR[1]}
    return Response(encode_json(body), status_code=500, media_type=JSON_TYPE)


Call = Callable[[str | None, Json], Any]


def _json_endpoint(name: str, call: Call, limit: int) -> Callable[[Request], Awaitable[Response]]:
    def work(credential: str | None, raw: bytes) -> bytes:  # in a worker thread
        reply = call(credential, decode_body(raw))
        return reply if isinstance(reply, bytes) else encode_json(reply)   # bytes: already encoded

    async def endpoint(request: Request) -> Response:
        try:
            raw = await read_body(request, limit)
            reply = await run_in_threadpool(work, bearer_credential(request), raw)
        except HubError as err:
            return error_response(err)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is listening any more
        except Exception as exc:  # noqa: BLE001 - the type only: messages and bodies may hold PHI
            log.error("hub %s failed: %s", name, type(exc).__name__)
            return _internal_error()
        return Response(reply, media_type=JSON_TYPE)

    return endpoint


def create_app(service: HubService, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> Starlette:
    """The hub's ASGI app over ``service`` (its methods run in a threadpool)."""

    def handshake() -> bytes:
        return encode_json(service.handshake())

    async def handshake_endpoint(request: Request) -> Response:
        try:
            reply = await run_in_threadpool(handshake)
        except HubError as err:
            return error_response(err)
        except Exception as exc:  # noqa: BLE001 - the type only, see above
            log.error("hub handshake failed: %s", type(exc).__name__)
            return _internal_error()
        return Response(reply, media_type=JSON_TYPE)

    def post(path: str, name: str, call: Call) -> Route:
        return Route(path, _json_endpoint(name, call, max_request_bytes), methods=["POST"], name=name)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        body = {"error": BadRequest.code, "hint": None,
                "message": f"The practice hub has no {request.method} {request.url.path} "
                           f"(HTTP {exc.status_code}); this workstation and the hub may be different versions."}
        return Response(encode_json(body), status_code=exc.status_code, media_type=JSON_TYPE,
                        headers=exc.headers)

    routes = [
        Route("/v1/handshake", handshake_endpoint, methods=["GET"], name="handshake"),
        post("/v1/enroll", "enroll", lambda _credential, body: service.enroll(body)),
        post("/v1/push", "push", service.push),
        post("/v1/pull", "pull", getattr(service, "pull_bytes", service.pull)),
        post("/v1/snapshot", "snapshot", getattr(service, "snapshot_bytes", service.snapshot)),
        post("/v1/mrn-block", "mrn-block", service.reserve_mrn_block),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error})
