"""The sync transport over HTTPS: protocol.HubApi on an httpx client (HTTP/1.1, keep-alive).

With ``ca_file`` only that CA is trusted (the practice CA pinned at enrollment). Network trouble
becomes HubUnreachable (work continues offline), a certificate that fails verification becomes
CertificateRefused, and the hub's JSON errors come back as the same HubError classes.
"""

from __future__ import annotations

import json
import logging
import ssl
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from emr_desktop.sync.protocol import (
    MAX_REQUEST_BYTES,
    CertificateRefused,
    HubError,
    HubUnreachable,
    Json,
    RequestTooLarge,
    error_from_json,
)

log = logging.getLogger(__name__)

OFFLINE_HINT = "Work continues offline on this workstation; sync resumes by itself when the hub is back."
_UNREACHABLE = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ProxyError)
_GATEWAY_DOWN = {502, 503, 504}  # a reverse proxy in front of a stopped hub


def _cert_verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ssl.SSLCertVerificationError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


class HttpTransport:
    """protocol.HubApi over HTTP(S). ``credential`` may be set after enrollment."""

    #: Calls may run in a worker thread while the caller does local work (sync.client overlaps
    #: writing down one push answer with the hub's work on the next batch).
    overlap = True

    def __init__(self, base_url: str, credential: str | None = None, ca_file: str | Path | None = None,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.pinned = ca_file is not None
        url = httpx.URL(self.base_url)
        self.address = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
        verify: ssl.SSLContext | bool = True
        if ca_file is not None:
            verify = ssl.create_default_context(cafile=str(ca_file))  # only the pinned CA
        self._client = httpx.Client(
            base_url=self.base_url, verify=verify, http1=True, http2=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json", "User-Agent": "emr-desktop-sync"},
        )

    # --- protocol.HubApi ---------------------------------------------------------------------

    def handshake(self) -> Json:
        return self._call("GET", "/v1/handshake", None)

    def enroll(self, body: Json) -> Json:
        return self._call("POST", "/v1/enroll", body)

    def push(self, body: Json) -> Json:
        return self._call("POST", "/v1/push", body)

    def pull(self, body: Json) -> Json:
        return self._call("POST", "/v1/pull", body)

    def snapshot(self, body: Json) -> Json:
        return self._call("POST", "/v1/snapshot", body)

    def reserve_mrn_block(self, body: Json) -> Json:
        return self._call("POST", "/v1/mrn-block", body)

    # --- plumbing ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Json | None) -> Json:
        headers = {}
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential}"
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                 allow_nan=False).encode("utf-8")
            if len(content) > MAX_REQUEST_BYTES:
                raise RequestTooLarge(f"This request ({len(content) // (1024 * 1024)} MB) is larger than "
                                      "the practice hub accepts; it was not sent.")
            headers["Content-Type"] = "application/json"
        try:
            response = self._client.request(method, path, content=content, headers=headers)
        except httpx.ConnectError as exc:
            if _cert_verify_error(exc) is not None:
                raise self._certificate_refused() from exc
            raise self._unreachable() from exc
        except _UNREACHABLE as exc:
            raise self._unreachable() from exc
        except httpx.HTTPError as exc:
            raise HubError(f"Talking to the practice hub at {self.address} failed "
                           f"({type(exc).__name__}).") from exc
        return self._reply(response)

    def _reply(self, response: httpx.Response) -> Json:
        doc = _json_or_none(response.content)
        if response.is_success:
            if isinstance(doc, dict):
                return doc
            raise HubError(f"The practice hub at {self.address} sent a reply this workstation does not "
                           "understand.", "The hub and this workstation may be different versions.")
        log.debug("hub replied HTTP %s", response.status_code)
        if isinstance(doc, dict) and "error" in doc:
            raise error_from_json(doc)
        if response.status_code in _GATEWAY_DOWN:
            raise self._unreachable()
        raise HubError(f"The practice hub at {self.address} answered with HTTP status "
                       f"{response.status_code}.")

    def _unreachable(self) -> HubUnreachable:
        return HubUnreachable(f"The practice hub at {self.address} cannot be reached.", OFFLINE_HINT)

    def _certificate_refused(self) -> CertificateRefused:
        if self.pinned:
            message = (f"The practice hub at {self.address} presented a certificate that does not match "
                       "the certificate authority pinned when this workstation was enrolled.")
        else:
            message = (f"The practice hub at {self.address} presented a certificate this computer does "
                       "not trust.")
        return CertificateRefused(message, "Do not proceed: check with the practice administrator before "
                                           "syncing again. Nothing was sent; local work is kept.")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None
