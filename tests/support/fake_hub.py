"""A fake hub service for API and transport tests: records every call and answers in the protocol's
shapes from what it was given. Synthetic data only."""

from __future__ import annotations

import threading
from typing import Any

Json = dict[str, Any]

SYNTHETIC_ROW = {"family_name": "Testperson-Ñúñez", "given_name": "Zoë", "birth_date": "1970-01-01",
                 "note": "synthetic — ünïcode ✓"}


class FakeHubService:
    """``calls`` holds (method, credential, body); set ``fail_with`` to make every method raise it,
    or ``gate`` to make ``push`` wait for that event (``entered`` is set once push is waiting)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, Json | None]] = []
        self.fail_with: BaseException | None = None
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self.fail_with = None
        self.gate = None
        self.entered.clear()

    def _record(self, method: str, credential: str | None, body: Json | None) -> None:
        with self._lock:
            self.calls.append((method, credential, body))
        if self.fail_with is not None:
            raise self.fail_with

    def handshake(self) -> Json:
        self._record("handshake", None, None)
        return {"api": 1, "hub_id": "hub-synthetic", "epoch": 3, "schema_versions": ["0001", "0002", "0003"],
                "server_time_ms": 1_700_000_000_000}

    def enroll(self, body: Json) -> Json:
        self._record("enroll", None, body)
        return {"hub_id": "hub-synthetic", "epoch": 3, "site_code": body.get("site_code") or "S07",
                "credential": f"cred-for-{body['code']}", "hub_has_chart": bool(body.get("join"))}

    def push(self, credential: str | None, body: Json) -> Json:
        self._record("push", credential, body)
        if self.gate is not None:
            self.entered.set()
            if not self.gate.wait(timeout=30):
                raise TimeoutError("test gate never opened")
        return {"results": [{"op_id": op["op_id"], "status": "applied", "row_version": i + 1, "row": op["row"],
                             "conflict_ids": [], "message": ""} for i, op in enumerate(body["ops"])]}

    def pull(self, credential: str | None, body: Json) -> Json:
        self._record("pull", credential, body)
        cursor, limit = int(body["cursor"]), int(body["limit"])
        changes = [{"seq": seq, "entity": "patient", "row_id": f"row-{seq}", "row_version": 1,
                    "row": dict(SYNTHETIC_ROW, mrn=str(seq))} for seq in range(cursor + 1, cursor + limit + 1)]
        return {"changes": changes, "cursor": cursor + limit, "more": False}

    def snapshot(self, credential: str | None, body: Json) -> Json:
        self._record("snapshot", credential, body)
        rows = [{"entity": "patient", "row_id": f"row-{n}", "row_version": 2, "row": SYNTHETIC_ROW}
                for n in range(int(body["limit"]))]
        return {"snapshot_seq": 42, "rows": rows, "after": None, "total": len(rows)}

    def reserve_mrn_block(self, credential: str | None, body: Json) -> Json:
        self._record("reserve_mrn_block", credential, body)
        return {"first": 100_000, "last": 100_000 + int(body["size"]) - 1}
