"""Shared machinery for chart-area services: create, read, list by patient, update, status change.

Rows are never deleted: ``set_record_status`` marks them inactive or entered-in-error with a
reason. Input is checked against an allow-list of fields per service, the column lengths of the
model and the value sets of enumerated fields, so nothing unexpected reaches the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import MISSING, fields
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.errors import NotFound, ValidationError
from emr_desktop.domain.records import RecordDTO
from emr_desktop.models.base import SyncedMixin
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access, ActionContext

M = TypeVar("M", bound=SyncedMixin)
D = TypeVar("D", bound=RecordDTO)

SYSTEM_FIELDS = frozenset(
    {"id", "row_version", "updated_hlc", "updated_by", "origin_site", "record_status",
     "record_status_reason"}
)


def writable(dto: type[RecordDTO], *exclude: str) -> frozenset[str]:
    """The DTO's content fields (no sync metadata), less ``exclude``."""
    return frozenset(dto.field_names()) - SYSTEM_FIELDS - set(exclude)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class RecordService(Generic[M, D]):
    """Subclasses set ``model``, ``dto``, ``kind`` and the writable fields."""

    model: ClassVar[type]
    dto: ClassVar[type]
    kind: ClassVar[str]
    #: Fields a caller may set at creation and change later. Empty ``updatable`` = all creatable.
    creatable: ClassVar[frozenset[str]] = frozenset()
    updatable: ClassVar[frozenset[str] | None] = None
    #: Enumerated fields and their value sets.
    enums: ClassVar[Mapping[str, type[StrEnum]]] = {}
    #: Ordering for list_for_patient (newest first for most clinical lists).
    order_by: ClassVar[tuple[str, ...]] = ()

    #: The data category whose permissions guard this service (security/permissions.py).
    category: ClassVar[Category]

    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.db = db
        self.access = access or Access(db)

    # --- validation -------------------------------------------------------------------------

    @classmethod
    def required_fields(cls) -> frozenset[str]:
        return frozenset(
            f.name
            for f in fields(cls.dto)
            if f.default is MISSING and f.default_factory is MISSING and f.name not in SYSTEM_FIELDS
        )

    def _check(self, values: Mapping[str, Any], allowed: Iterable[str]) -> None:
        allowed = frozenset(allowed)
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValidationError(f"{self.kind}: these fields cannot be set here: {', '.join(unknown)}")
        columns = self.model.__table__.columns
        for name, value in values.items():
            column = columns[name]
            if value is None and not column.nullable:
                raise ValidationError(f"{_label(name)} is required.", name)
            if isinstance(value, str) and isinstance(column.type, String) and column.type.length:
                if len(value) > column.type.length:
                    raise ValidationError(
                        f"{_label(name)} is too long (at most {column.type.length} characters).", name
                    )
            enum = self.enums.get(name)
            if enum is not None and value not in (None, "") and value not in enum._value2member_map_:
                allowed_values = ", ".join(e.value for e in enum)
                raise ValidationError(f"{_label(name)} must be one of: {allowed_values}.", name)

    def _check_required(self, values: Mapping[str, Any]) -> None:
        missing = sorted(n for n in self.required_fields() if values.get(n) in (None, ""))
        if missing:
            raise ValidationError(f"{self.kind}: required: {', '.join(_label(m) for m in missing)}.",
                                  missing[0])

    def _validated_for_create(self, session: Session, actor: Actor,
                              values: dict[str, Any]) -> dict[str, Any]:
        """Caller input is checked against the allow-list; derived values against the columns."""
        self._check(values, self.creatable)
        values = self.prepare_create(session, actor, dict(values))
        self._check_required(values)
        self._check(values, self.model.__table__.columns.keys())
        return values

    # --- hooks for subclasses ---------------------------------------------------------------

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        """Fill defaults and derived fields; raise ValidationError for bad combinations."""
        return values

    def before_update(self, session: Session, actor: Actor, row: M, changes: dict[str, Any]) -> None:
        """Refuse or complete a change (e.g. signed records are immutable)."""

    # --- access: every operation runs in one checked, audited unit of work --------------------

    def _patient_of(self, row: M) -> uuid.UUID:
        return row.patient_id  # type: ignore[attr-defined, no-any-return]

    @contextmanager
    def _on_record(self, actor: Actor, record_id: uuid.UUID, verb: Verb, action: str,
                   detail: str = "") -> Iterator[tuple[ActionContext, M]]:
        """Load a record, authorize ``verb`` for the patient it really belongs to, audit."""
        with self.access.action(actor) as ctx:
            row = self._load(ctx.session, record_id)
            patient_id = self._patient_of(row)
            ctx.authorize(self.category, verb, patient_id, record_id)
            yield ctx, row
            ctx.session.flush()
            ctx.audit(self.category, action, patient_id, record_id, detail)

    @contextmanager
    def _on_patient(self, actor: Actor, patient_id: uuid.UUID | None, verb: Verb,
                    action: str | None, detail: str = "") -> Iterator[ActionContext]:
        """Authorize ``verb`` on this area of one patient's chart, then audit ``action``."""
        with self.access.action(actor) as ctx:
            ctx.authorize(self.category, verb, patient_id)
            if patient_id is not None and verb is Verb.WRITE and self.model.__tablename__ != "patient":
                from emr_desktop.models import Patient

                if ctx.session.get(Patient, patient_id) is None:
                    # e.g. a chart registered on another desk that has not synced here yet
                    raise NotFound("patient", patient_id)
            yield ctx
            if action is not None:
                ctx.audit(self.category, action, patient_id, "", detail)

    # --- the operations ---------------------------------------------------------------------

    def _load(self, session: Session, record_id: uuid.UUID) -> M:
        row = session.get(self.model, record_id)
        if row is None:
            raise NotFound(self.kind, record_id)
        return row

    def _to_dto(self, session: Session, row: M) -> D:
        return self.dto.from_row(row)

    def create(self, actor: Actor, **values: Any) -> D:
        self._check(values, self.creatable)
        with self._on_patient(actor, values.get("patient_id"), Verb.WRITE, None) as ctx:
            row = self._insert(ctx, actor, values)
        return self._to_dto(ctx.session, row)

    def _insert(self, ctx: ActionContext, actor: Actor, values: dict[str, Any]) -> M:
        row = self.model(**self._validated_for_create(ctx.session, actor, values))
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit(self.category, "create", self._patient_of(row), row.id)
        return row

    def get(self, actor: Actor, record_id: uuid.UUID) -> D:
        with self._on_record(actor, record_id, Verb.READ, "read") as (ctx, row):
            return self._to_dto(ctx.session, row)

    def list_for_patient(
        self, actor: Actor, patient_id: uuid.UUID, *, include_inactive: bool = False
    ) -> list[D]:
        with self._on_patient(actor, patient_id, Verb.READ, "read", "list") as ctx:
            rows = self._rows_for_patient(ctx.session, patient_id, include_inactive)
            return [self._to_dto(ctx.session, r) for r in rows]

    def _rows_for_patient(self, session: Session, patient_id: uuid.UUID,
                          include_inactive: bool = False) -> list[M]:
        stmt = select(self.model).where(self.model.patient_id == patient_id)
        if not include_inactive:
            stmt = stmt.where(self.model.record_status == RecordStatus.ACTIVE.value)
        order = [getattr(self.model, name.lstrip("-")).desc() if name.startswith("-")
                 else getattr(self.model, name) for name in self.order_by]
        return list(session.scalars(stmt.order_by(*order, self.model.id)))

    def update(self, actor: Actor, record_id: uuid.UUID, **changes: Any) -> D:
        allowed = self.creatable if self.updatable is None else self.updatable
        self._check(changes, allowed)
        with self._on_record(actor, record_id, Verb.WRITE, "update",
                             ",".join(sorted(changes))) as (ctx, row):
            if row.record_status == RecordStatus.ENTERED_IN_ERROR.value:
                raise ValidationError(f"This {self.kind} was marked entered-in-error and cannot be edited.")
            self.before_update(ctx.session, actor, row, changes)
            for name, value in changes.items():
                setattr(row, name, value)
        return self._to_dto(ctx.session, row)

    def set_record_status(
        self, actor: Actor, record_id: uuid.UUID, status: RecordStatus, reason: str
    ) -> D:
        """Mark a record inactive or entered-in-error (never deleted). A reason is required
        except when making it active again."""
        status = RecordStatus(status)
        if status is not RecordStatus.ACTIVE and not reason.strip():
            raise ValidationError("Please give a reason.", "record_status_reason")
        self._check({"record_status_reason": reason}, {"record_status_reason"})
        with self._on_record(actor, record_id, Verb.WRITE, "status-change", status.value) as (ctx, row):
            row.record_status = status.value
            row.record_status_reason = reason.strip()
        return self._to_dto(ctx.session, row)
