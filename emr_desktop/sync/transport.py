"""Transports from a workstation to its hub: in-process (embedded SQLite hub) or HTTPS.

Both speak sync.protocol. The in-process one round-trips every body through JSON, so the embedded
default exercises exactly what travels over the wire.
"""

from __future__ import annotations

import json
from typing import Any

from emr_desktop.sync.protocol import HubApi, Json


def _wire(obj: Json) -> Json:
    return json.loads(json.dumps(obj, ensure_ascii=False))


class LocalTransport:
    """Calls a HubService in this process, as the workstation holding ``credential``."""

    def __init__(self, service: Any, credential: str | None = None, *, wire: bool = True) -> None:
        self.service = service
        self.credential = credential
        self._wire = _wire if wire else (lambda body: body)

    def handshake(self) -> Json:
        return self._wire(self.service.handshake())

    def enroll(self, body: Json) -> Json:
        return self._wire(self.service.enroll(self._wire(body)))

    def push(self, body: Json) -> Json:
        return self._wire(self.service.push(self.credential, self._wire(body)))

    def pull(self, body: Json) -> Json:
        return self._wire(self.service.pull(self.credential, self._wire(body)))

    def snapshot(self, body: Json) -> Json:
        return self._wire(self.service.snapshot(self.credential, self._wire(body)))

    def reserve_mrn_block(self, body: Json) -> Json:
        return self._wire(self.service.reserve_mrn_block(self.credential, self._wire(body)))

    def close(self) -> None:
        pass


def open_transport(address: str, credential: str | None = None, ca_file: str | None = None) -> HubApi:
    """``sqlite:///path`` → the embedded hub in this process; ``https://`` (or ``http://`` on the
    loopback for tests and demos) → the hub service over HTTP with the pinned CA."""
    if address.startswith("sqlite:"):
        from emr_desktop.server.service import HubService
        from emr_desktop.server.store import HubStore

        return LocalTransport(HubService(HubStore.open(address)), credential)
    if address.startswith(("https://", "http://")):
        from emr_desktop.sync.http import HttpTransport

        return HttpTransport(address, credential=credential, ca_file=ca_file)
    from emr_desktop.domain.errors import ValidationError

    raise ValidationError("The hub address must start with https:// or sqlite:///", "hub")
