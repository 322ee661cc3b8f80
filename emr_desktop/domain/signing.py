"""Content hashes that seal signed notes and prescriptions.

The hash covers every field that makes up the signed content, in a canonical JSON form, so any
later change to that content (by any route, including sync) is detectable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from emr_desktop.domain.canonical import dumps, json_value

NOTE_SIGNED_FIELDS = (
    "id", "patient_id", "encounter_id", "author_id", "note_type", "title", "subjective",
    "objective", "assessment", "plan", "signed_at", "signed_by_id", "addendum_to_id",
)
PRESCRIPTION_SIGNED_FIELDS = (
    "id", "patient_id", "medication_id", "prescriber_id", "drug_display", "strength", "form",
    "sig", "quantity", "quantity_unit", "days_supply", "refills", "substitution_allowed",
    "dea_schedule", "written_date", "signed_at",
)


def hash_values(values: Mapping[str, Any], field_names: tuple[str, ...]) -> str:
    """SHA-256 over the named fields of a canonical row (as sync carries it)."""
    payload = {name: json_value(values.get(name)) for name in field_names}
    return hashlib.sha256(dumps(payload).encode("utf-8")).hexdigest()


def content_hash(record: Any, field_names: tuple[str, ...]) -> str:
    return hash_values({name: getattr(record, name) for name in field_names}, field_names)


def note_hash(note: Any) -> str:
    return content_hash(note, NOTE_SIGNED_FIELDS)


def prescription_hash(rx: Any) -> str:
    return content_hash(rx, PRESCRIPTION_SIGNED_FIELDS)
