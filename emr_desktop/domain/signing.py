"""Content hashes that seal signed notes and prescriptions.

The hash covers every field that makes up the signed content, in a canonical JSON form, so any
later change to that content (by any route, including sync) is detectable.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

NOTE_SIGNED_FIELDS = (
    "id", "patient_id", "encounter_id", "author_id", "note_type", "title", "subjective",
    "objective", "assessment", "plan", "signed_at", "signed_by_id", "addendum_to_id",
)
PRESCRIPTION_SIGNED_FIELDS = (
    "id", "patient_id", "medication_id", "prescriber_id", "drug_display", "strength", "form",
    "sig", "quantity", "quantity_unit", "days_supply", "refills", "substitution_allowed",
    "dea_schedule", "written_date", "signed_at",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value


def content_hash(record: Any, field_names: tuple[str, ...]) -> str:
    payload = {name: _canonical(getattr(record, name)) for name in field_names}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def note_hash(note: Any) -> str:
    return content_hash(note, NOTE_SIGNED_FIELDS)


def prescription_hash(rx: Any) -> str:
    return content_hash(rx, PRESCRIPTION_SIGNED_FIELDS)
