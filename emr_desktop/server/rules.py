"""Clinical conflict rules (DESIGN §4) as pure functions over canonical rows.

The hub calls :func:`decide` with its current row, the op and the changes other workstations made
since the version the op was based on. Conflicts are detected by row versions, never by wall
clocks; the HLC only breaks a tie between two values of the same demographic field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emr_desktop.domain.enums import ConflictKind, NoteStatus, RecordStatus
from emr_desktop.domain.signing import NOTE_SIGNED_FIELDS, hash_values
from emr_desktop.sync.capture import BOOKKEEPING
from emr_desktop.sync.rows import Entity, Row

NOTE = "clinical_note"
NOTE_CONTENT = ("title", "note_type", "subjective", "objective", "assessment", "plan")

#: Records that become immutable in some state, and the columns that may still change then.
FROZEN_WHEN: dict[str, tuple[str, frozenset[str]]] = {
    NOTE: ("status", frozenset({NoteStatus.SIGNED.value})),
    "prescription": ("status", frozenset({"signed", "printed", "sent"})),
    "lab_result": ("status", frozenset({"final", "corrected"})),
    "imaging_report": ("status", frozenset({"final", "corrected"})),
}
ALLOWED_WHEN_FROZEN: dict[str, frozenset[str]] = {
    NOTE: frozenset({"record_status", "record_status_reason"}),
    "prescription": frozenset({"record_status", "record_status_reason", "status", "pharmacy"}),
    "lab_result": frozenset({"record_status", "record_status_reason", "reviewed_by_id", "reviewed_at",
                             "status"}),
    "imaging_report": frozenset({"record_status", "record_status_reason", "status"}),
}
#: Append-only records whose rows never change once written.
APPEND_ONLY = frozenset({"audit_event"})
#: One row per item; removal is a status change with a reason.
ITEM_REMOVAL: dict[str, tuple[str, frozenset[str]]] = {
    "allergy": ("status", frozenset({"inactive", "resolved"})),
    "problem": ("status", frozenset({"inactive", "resolved"})),
    "medication": ("status", frozenset({"stopped", "completed"})),
}
REMOVAL_FIELDS = frozenset({"status", "status_reason", "stop_date", "resolved_date", "record_status",
                            "record_status_reason"})


@dataclass(frozen=True)
class Concurrent:
    """A change another workstation made to the row after the version the op was based on."""

    site: str
    hlc: str
    fields: frozenset[str]


@dataclass
class ConflictSpec:
    kind: str
    fields: list[str]
    kept: dict[str, Any]
    other: dict[str, Any]
    other_site: str = ""
    other_hlc: str = ""
    related_id: str | None = None


@dataclass
class Decision:
    row: Row | None                      # the hub's row after the op (None: leave it as it was)
    changed: set[str] = field(default_factory=set)
    conflicts: list[ConflictSpec] = field(default_factory=list)
    addendum: Row | None = None          # an addendum draft to create (refused edit of a signed note)
    quarantine: str | None = None


def is_frozen(entity: str, row: Mapping[str, Any] | None) -> bool:
    rule = FROZEN_WHEN.get(entity)
    return bool(row) and rule is not None and row.get(rule[0]) in rule[1]


def is_removed(entity: str, row: Mapping[str, Any]) -> bool:
    if row.get("record_status", RecordStatus.ACTIVE.value) != RecordStatus.ACTIVE.value:
        return True
    rule = ITEM_REMOVAL.get(entity)
    return rule is not None and row.get(rule[0]) in rule[1]


def _latest(concurrent: Sequence[Concurrent], f: str) -> Concurrent:
    return max((c for c in concurrent if f in c.fields), key=lambda c: c.hlc)


def decide(ent: Entity, current: Row | None, op: Mapping[str, Any],
           concurrent: Sequence[Concurrent]) -> Decision:
    name = ent.name
    incoming: Mapping[str, Any] = op["row"]
    fields = [f for f in op["changed_fields"] if f not in BOOKKEEPING and f in ent.columns]
    if current is None:
        return Decision(row=ent.complete(incoming), changed=set(ent.columns) - BOOKKEEPING)
    differing = [f for f in fields if incoming.get(f) != current.get(f)]
    if not differing:
        return Decision(row=None)
    if name in APPEND_ONLY:
        return Decision(row=None, quarantine=f"{name} rows are append-only; a change was refused")
    if is_frozen(name, current):
        return _frozen(ent, current, op, differing)
    other_fields = frozenset().union(*(c.fields for c in concurrent)) if concurrent else frozenset()
    contested = [f for f in differing if f in other_fields]
    if name == NOTE and incoming.get("status") == NoteStatus.SIGNED.value:
        return _signing(current, op, differing, other_fields, concurrent)
    if name == NOTE and contested:
        return _draft(current, op, differing, contested, concurrent)
    if name in ITEM_REMOVAL and concurrent:
        decision = _removal_race(ent, current, op, differing, concurrent)
        if decision is not None:
            return decision
    return _field_merge(current, op, differing, contested, concurrent)


def _apply(current: Row, incoming: Mapping[str, Any], fields: Sequence[str]) -> Row:
    row = dict(current)
    for f in fields:
        row[f] = incoming.get(f)
    return row


def _frozen(ent: Entity, current: Row, op: Mapping[str, Any], differing: list[str]) -> Decision:
    incoming = op["row"]
    allowed = ALLOWED_WHEN_FROZEN.get(ent.name, frozenset())
    blocked = [f for f in differing if f not in allowed]
    applied = [f for f in differing if f in allowed]
    if not blocked:
        return Decision(row=_apply(current, incoming, applied), changed=set(applied))
    spec = ConflictSpec(ConflictKind.SIGNED_EDIT.value, blocked,
                        kept={f: current.get(f) for f in blocked},
                        other={f: incoming.get(f) for f in blocked})
    addendum = None
    if ent.name == NOTE:
        addendum = {
            "patient_id": current.get("patient_id"), "encounter_id": current.get("encounter_id"),
            "author_id": op.get("user_id") or current.get("author_id"), "note_type": "addendum",
            "title": "Addendum: edit made on another workstation after signing",
            **{f: incoming.get(f) or "" for f in ("subjective", "objective", "assessment", "plan")},
            "status": NoteStatus.DRAFT.value, "addendum_to_id": current.get("id"),
        }
    row = _apply(current, incoming, applied) if applied else None
    return Decision(row=row, changed=set(applied), conflicts=[spec], addendum=addendum)


def _draft(current: Row, op: Mapping[str, Any], differing: list[str], contested: list[str],
           concurrent: Sequence[Concurrent]) -> Decision:
    """Two workstations edited the same unsigned note: keep both versions as a conflict pair (the
    hub's row keeps the version that arrived first)."""
    incoming = op["row"]
    shown = sorted(set(contested) | {f for f in NOTE_CONTENT if f in current})
    latest = _latest(concurrent, contested[0])
    free = [f for f in differing if f not in contested]
    spec = ConflictSpec(ConflictKind.DRAFT.value, sorted(contested),
                        kept={f: current.get(f) for f in shown},
                        other={f: incoming.get(f) for f in shown},
                        other_site=latest.site, other_hlc=latest.hlc)
    return Decision(row=_apply(current, incoming, free) if free else None, changed=set(free),
                    conflicts=[spec])


def _signing(current: Row, op: Mapping[str, Any], differing: list[str], other_fields: frozenset[str],
             concurrent: Sequence[Concurrent]) -> Decision:
    """The op signs a draft: the signed content is exactly what the signer saw (the signature
    covers it). Content another workstation changed meanwhile is kept in a draft conflict."""
    incoming = op["row"]
    content = [f for f in NOTE_SIGNED_FIELDS[1:] if incoming.get(f) != current.get(f)]
    fields = sorted(set(differing) | set(content))
    contested = [f for f in content if f in other_fields and f in NOTE_CONTENT]
    conflicts = []
    if contested:
        latest = _latest(concurrent, contested[0])
        shown = [f for f in NOTE_CONTENT if f in current]
        conflicts.append(ConflictSpec(ConflictKind.DRAFT.value, contested,
                                      kept={f: incoming.get(f) for f in shown},
                                      other={f: current.get(f) for f in shown},
                                      other_site=latest.site, other_hlc=latest.hlc))
    return Decision(row=_apply(current, incoming, fields), changed=set(fields), conflicts=conflicts)


def _removal_race(ent: Entity, current: Row, op: Mapping[str, Any], differing: list[str],
                  concurrent: Sequence[Concurrent]) -> Decision | None:
    incoming = op["row"]
    removal = [f for f in ent.columns if f in REMOVAL_FIELDS]
    op_removes = is_removed(ent.name, incoming) and not is_removed(ent.name, current)
    op_edits = any(f not in REMOVAL_FIELDS for f in differing)
    other_edited = [c for c in concurrent if c.fields - REMOVAL_FIELDS]
    other_removed = [c for c in concurrent if c.fields & REMOVAL_FIELDS]
    if op_removes and other_edited:
        # Keep the item active (an edit means someone still treats it as current) and flag it.
        keep = [f for f in differing if f not in REMOVAL_FIELDS]
        latest = max(other_edited, key=lambda c: c.hlc)
        spec = ConflictSpec(ConflictKind.REMOVAL_EDIT.value, sorted(f for f in differing if f in removal),
                            kept={f: current.get(f) for f in removal},
                            other={f: incoming.get(f) for f in removal},
                            other_site=latest.site, other_hlc=latest.hlc)
        return Decision(row=_apply(current, incoming, keep) if keep else None, changed=set(keep),
                        conflicts=[spec])
    if op_edits and is_removed(ent.name, current) and not is_removed(ent.name, incoming) and other_removed:
        # An edit met a concurrent removal: the edited item stays active, flagged for review.
        fields = sorted(set(differing) | {f for f in removal if incoming.get(f) != current.get(f)})
        latest = max(other_removed, key=lambda c: c.hlc)
        spec = ConflictSpec(ConflictKind.REMOVAL_EDIT.value, [f for f in fields if f in removal],
                            kept={f: incoming.get(f) for f in removal},
                            other={f: current.get(f) for f in removal},
                            other_site=latest.site, other_hlc=latest.hlc)
        return Decision(row=_apply(current, incoming, fields), changed=set(fields), conflicts=[spec])
    return None


def _field_merge(current: Row, op: Mapping[str, Any], differing: list[str], contested: list[str],
                 concurrent: Sequence[Concurrent]) -> Decision:
    """Field by field; the same field changed on both sides: the later HLC wins and the losing
    value is kept in one conflict record for the op."""
    incoming = op["row"]
    take = [f for f in differing if f not in contested]
    kept: dict[str, Any] = {}
    other: dict[str, Any] = {}
    rivals = []
    for f in contested:
        rival = _latest(concurrent, f)
        rivals.append(rival)
        if op["hlc"] > rival.hlc:
            take.append(f)
            kept[f], other[f] = incoming.get(f), current.get(f)
        else:
            kept[f], other[f] = current.get(f), incoming.get(f)
    conflicts = []
    if contested:
        latest = max(rivals, key=lambda c: c.hlc)
        conflicts.append(ConflictSpec(ConflictKind.FIELD.value, sorted(contested), kept, other,
                                      other_site=latest.site, other_hlc=latest.hlc))
    row = _apply(current, incoming, take) if take else None
    return Decision(row=row, changed=set(take), conflicts=conflicts)


def signed_note_intact(row: Mapping[str, Any]) -> bool:
    """A signed note's stored signature hash matches its content (checked before the hub keeps it)."""
    if row.get("status") != NoteStatus.SIGNED.value:
        return True
    return hash_values(row, NOTE_SIGNED_FIELDS) == row.get("signature_hash")
