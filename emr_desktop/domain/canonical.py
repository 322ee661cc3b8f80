"""One canonical JSON form of field values, shared by signature hashes and the export, so the same
record always serialises to the same bytes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime
from typing import Any


def json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def dumps(obj: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text kept as is."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
