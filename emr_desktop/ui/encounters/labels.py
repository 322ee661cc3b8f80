"""Readable labels for encounter and note values, and how their times are shown."""

from __future__ import annotations

from datetime import datetime

from emr_desktop.domain.enums import EncounterStatus, EncounterType, NoteStatus

ENCOUNTER_TYPE_LABELS: dict[str, str] = {
    EncounterType.OFFICE_VISIT: "Office visit",
    EncounterType.ANNUAL_PHYSICAL: "Annual physical",
    EncounterType.WELL_CHILD: "Well-child visit",
    EncounterType.FOLLOW_UP: "Follow-up",
    EncounterType.ACUTE: "Acute visit",
    EncounterType.TELEHEALTH: "Telehealth",
    EncounterType.PHONE: "Phone call",
    EncounterType.NURSE_VISIT: "Nurse visit",
    EncounterType.PROCEDURE: "Procedure",
}

ENCOUNTER_STATUS_LABELS: dict[str, str] = {
    EncounterStatus.PLANNED: "Planned",
    EncounterStatus.IN_PROGRESS: "In progress",
    EncounterStatus.FINISHED: "Finished",
    EncounterStatus.CANCELLED: "Cancelled",
}

NOTE_STATUS_LABELS: dict[str, str] = {NoteStatus.DRAFT: "Draft", NoteStatus.SIGNED: "Signed"}

#: Shown where a name or value is unknown (or not available to the user's role).
UNKNOWN = "—"


def _label(labels: dict[str, str], value: str) -> str:
    return labels.get(value) or value.replace("-", " ").capitalize() or UNKNOWN


def encounter_type_label(value: str) -> str:
    return _label(ENCOUNTER_TYPE_LABELS, value)


def encounter_status_label(value: str) -> str:
    return _label(ENCOUNTER_STATUS_LABELS, value)


def note_status_label(value: str) -> str:
    return _label(NOTE_STATUS_LABELS, value)


def when_text(moment: datetime | None) -> str:
    """Date and time on this computer's clock, e.g. 05/01/2026 10:30."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment:%m/%d/%Y %H:%M}"
