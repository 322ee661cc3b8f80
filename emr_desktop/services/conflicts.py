"""Sync conflict review and resolution (DESIGN §4): list what is open, then keep one side, merge
field by field, or (for an edit refused on a signed record) keep or discard its addendum draft.

Every resolution is a change of the conflict record (so it syncs to every workstation) and, when a
value changes, of the record itself; permission is checked on the record's chart area and patient,
and the resolution is audited. Values never reach logs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import ConflictKind, ConflictStatus, RecordStatus
from emr_desktop.domain.errors import ImmutableRecord, NotFound, ValidationError
from emr_desktop.domain.records import ConflictDTO
from emr_desktop.models import SYNCED_MODELS, SyncConflict
from emr_desktop.security.permissions import ENTITY_CATEGORY, Category, Verb, allows
from emr_desktop.services.access import Access
from emr_desktop.sync.rows import from_canonical

MODELS = {m.__tablename__: m for m in SYNCED_MODELS}
#: Kinds whose "other" side may be written into the record.
REVERSIBLE = frozenset({ConflictKind.FIELD.value, ConflictKind.DRAFT.value, ConflictKind.REMOVAL_EDIT.value})


class Resolution(StrEnum):
    KEEP = "keep"              # the record stays as it is (the value the hub kept)
    TAKE_OTHER = "take-other"  # write the other side's values into the record
    MERGE = "merge"            # write the given values (field by field) into the record
    DISCARD_ADDENDUM = "discard-addendum"   # signed-edit: the kept addendum draft was not wanted


def _category(entity: str) -> Category:
    return ENTITY_CATEGORY.get(entity, Category.DEMOGRAPHICS)


#: A chart area's own check-and-complete step for a change (RecordService.before_update).
UpdateHook = Callable[[Any, Actor, Any, dict[str, Any]], None]


class ConflictService:
    def __init__(self, access: Access, update_hooks: dict[str, UpdateHook] | None = None) -> None:
        self.access = access
        self.update_hooks = update_hooks or {}

    def list_open(self, actor: Actor) -> list[ConflictDTO]:
        """Open conflicts this user may read (by chart area), newest first. Audited as one read."""
        with self.access.action(actor) as ctx:
            rows = ctx.session.scalars(
                select(SyncConflict).where(SyncConflict.status == ConflictStatus.OPEN.value,
                                           SyncConflict.record_status == RecordStatus.ACTIVE.value)
                .order_by(SyncConflict.detected_at.desc())).all()
            visible = [r for r in rows if allows(actor, _category(r.entity), Verb.READ, r.patient_id)]
            ctx.audit("sync", "conflicts-list", None, "", f"{len(visible)} open")
            return [ConflictDTO.from_row(r) for r in visible]

    def resolve(self, actor: Actor, conflict_id: uuid.UUID, resolution: Resolution, *,
                values: dict[str, Any] | None = None, note: str = "") -> ConflictDTO:
        with self.access.action(actor) as ctx:
            conflict = ctx.session.get(SyncConflict, conflict_id)
            if conflict is None:
                raise NotFound("conflict", conflict_id)
            if conflict.status != ConflictStatus.OPEN.value:
                raise ValidationError("This conflict has already been resolved.")
            category = _category(conflict.entity)
            ctx.authorize(category, Verb.WRITE, conflict.patient_id, conflict.id)
            fields = [f for f in conflict.fields.split(",") if f]
            if resolution in (Resolution.TAKE_OTHER, Resolution.MERGE):
                if conflict.kind not in REVERSIBLE:
                    raise ImmutableRecord(conflict.entity)
                other = json.loads(conflict.other_values)
                chosen = other if resolution is Resolution.TAKE_OTHER else dict(values or {})
                unknown = sorted(set(chosen) - set(other) - set(json.loads(conflict.kept_values)))
                if unknown or not chosen:
                    raise ValidationError("Only the fields in conflict can be merged.", unknown[0] if unknown else None)
                record = ctx.session.get(MODELS[conflict.entity], conflict.record_id)
                if record is None:
                    raise NotFound(conflict.entity, conflict.record_id)
                if getattr(record, "status", None) == "signed":
                    raise ImmutableRecord(conflict.entity)
                changes = {name: from_canonical(conflict.entity, name, value) for name, value in chosen.items()}
                hook = self.update_hooks.get(conflict.entity)
                if hook is not None:
                    hook(ctx.session, actor, record, changes)   # e.g. refuses signed notes, derives search keys
                for name, value in changes.items():
                    setattr(record, name, value)
            elif resolution is Resolution.DISCARD_ADDENDUM:
                if conflict.kind != ConflictKind.SIGNED_EDIT.value or conflict.related_id is None:
                    raise ValidationError("There is no addendum draft to discard for this conflict.")
                draft = ctx.session.get(MODELS["clinical_note"], conflict.related_id)
                if draft is not None and draft.status != "signed":
                    draft.record_status = RecordStatus.ENTERED_IN_ERROR.value
                    draft.record_status_reason = "Edit refused on a signed note; discarded at review"
            conflict.status = ConflictStatus.RESOLVED.value
            conflict.resolution = (resolution.value + (f": {note}" if note else ""))[:300]
            conflict.resolved_by_id = actor.user_id
            conflict.resolved_at = datetime.now(UTC)
            ctx.audit(category, "conflict-resolve", conflict.patient_id, conflict.id,
                      f"{conflict.kind} {resolution.value} fields={','.join(fields)[:200]}")
            ctx.session.flush()
            return ConflictDTO.from_row(conflict)
