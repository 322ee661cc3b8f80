"""The workstation <-> hub protocol: plain JSON documents, the same in-process and over HTTP.

Every call but ``handshake`` and ``enroll`` carries the workstation credential (HTTP:
``Authorization: Bearer <credential>``). Bodies and replies are JSON objects:

``handshake()`` -> ``{"api": 1, "hub_id": str, "epoch": int, "schema_versions": [str],
"server_time_ms": int}``

``enroll({"code": str, "site_code": str | None, "name": str, "join": bool})`` ->
``{"hub_id", "epoch", "site_code", "credential", "hub_has_chart": bool}``

``push({"site": str, "schema_version": str, "ops": [OP, ...]})`` ->
``{"results": [RESULT, ...]}`` (one per op, same order). OP = ``{"op_id", "position", "entity",
"row_id", "base_row_version", "changed_fields": [str], "row": {column: canonical value},
"hlc", "user_id": str | None, "schema_version"}``. RESULT = ``{"op_id", "entity", "row_id", "status":
"applied" | "conflict" | "quarantined", "row_version": int | None, "row": {...} | None,
"conflict_ids": [str], "message": str}``; ``row`` is the hub's row after the op (None when the hub
holds no such row). Ops are idempotent by op id: a repeat returns the stored result.

``pull({"cursor": int, "limit": int})`` -> ``{"changes": [{"seq", "entity", "row_id",
"row_version", "row"}], "cursor": int, "more": bool}``; ``cursor`` is the last seq returned.

``snapshot({"snapshot_seq": int | None, "after": [entity, row_id] | None, "limit": int})`` ->
``{"snapshot_seq": int, "rows": [{"entity", "row_id", "row_version", "row"}],
"after": [entity, row_id] | None, "total": int}``; ``after`` None means the snapshot is complete;
continue with ``pull`` from ``snapshot_seq``.

``reserve_mrn_block({"size": int})`` -> ``{"first": int, "last": int}``

Errors are :class:`HubError` subclasses; over HTTP they travel as ``{"error": code, "message":
str}`` with the class's HTTP status, and the client turns them back into the same classes.
"""

from __future__ import annotations

from typing import Any, Protocol

from emr_desktop.domain.errors import EmrError

API_VERSION = 1
MAX_REQUEST_BYTES = 32 * 1024 * 1024
MAX_PUSH_OPS = 5000
MAX_PULL_LIMIT = 20000

Json = dict[str, Any]


class HubError(EmrError):
    """An error reported by the hub (or on the way to it)."""

    code = "hub_error"
    status = 500


class BadRequest(HubError):
    code = "bad_request"
    status = 400


class RequestTooLarge(HubError):
    code = "too_large"
    status = 413


class NotEnrolled(HubError):
    code = "not_enrolled"
    status = 401

    def __init__(self, message: str = "This workstation is not enrolled with the practice hub.",
                 hint: str | None = "Ask an administrator for an enrollment code and run "
                                    "`emr-desktop enroll HUB CODE`.") -> None:
        super().__init__(message, hint)


class WorkstationRevoked(HubError):
    code = "revoked"
    status = 403

    def __init__(self, message: str = "The practice hub has revoked this workstation's enrollment.",
                 hint: str | None = "Ask the practice administrator; local work is kept and can be "
                                    "exported, but it no longer syncs.") -> None:
        super().__init__(message, hint)


class EnrollmentRefused(HubError):
    code = "enrollment_refused"
    status = 400


class OutOfOrder(HubError):
    code = "out_of_order"
    status = 409


class HubUnreachable(HubError):
    """The hub could not be reached (network down, server stopped). Work continues offline."""

    code = "unreachable"
    status = 503


class CertificateRefused(HubError):
    """The hub's TLS certificate does not chain to the CA pinned at enrollment."""

    code = "certificate_refused"
    status = 495


ERRORS: dict[str, type[HubError]] = {
    cls.code: cls
    for cls in (HubError, BadRequest, RequestTooLarge, NotEnrolled, WorkstationRevoked,
                EnrollmentRefused, OutOfOrder, HubUnreachable, CertificateRefused)
}


def error_from_json(body: Json) -> HubError:
    cls = ERRORS.get(str(body.get("error", "")), HubError)
    err = cls.__new__(cls)
    HubError.__init__(err, str(body.get("message", "The practice hub reported an error.")),
                      body.get("hint") or None)
    return err


def error_to_json(err: HubError) -> Json:
    return {"error": err.code, "message": err.message, "hint": err.hint}


class HubApi(Protocol):
    """What a transport offers the sync client; the hub service implements it per workstation."""

    def handshake(self) -> Json: ...

    def enroll(self, body: Json) -> Json: ...

    def push(self, body: Json) -> Json: ...

    def pull(self, body: Json) -> Json: ...

    def snapshot(self, body: Json) -> Json: ...

    def reserve_mrn_block(self, body: Json) -> Json: ...
