"""Permission checks and audit entries around every service action (HIPAA 164.312(a), (b)).

Each user action runs in one ``Access.action(actor)`` block: a unit of work whose ``authorize``
checks the role table for the patient the record belongs to and whose ``audit`` appends to the
hash-chained trail in the same transaction. A denial rolls the action back, is then audited in a
unit of work of its own, and reaches the caller as PermissionDenied.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import PermissionDenied, ValidationError
from emr_desktop.security.audit import EMERGENCY_CATEGORY, AuditTrail
from emr_desktop.security.permissions import Category, Verb, allows

MIN_EMERGENCY_REASON = 10
MAX_DETAIL = 500


@dataclass
class _Denial:
    category: str
    action: str
    patient_id: uuid.UUID | None
    object_id: str


@dataclass
class ActionContext:
    """What a service sees inside an action: the session, and the check and audit calls."""

    session: Session
    actor: Actor
    trail: AuditTrail
    denial: _Denial | None = field(default=None)

    def authorize(self, category: Category, verb: Verb, patient_id: uuid.UUID | None,
                  object_id: object = "") -> None:
        if not allows(self.actor, category, verb, patient_id):
            self.denial = _Denial(category.value, verb.value, patient_id, str(object_id or ""))
            raise PermissionDenied(f"{verb.value} {category.value}")

    def audit(self, category: Category | str, action: str, patient_id: uuid.UUID | None,
              object_id: object = "", detail: str = "", outcome: str = "success") -> None:
        """Append an audit entry that commits with the action. ``detail`` never holds PHI."""
        if patient_id is not None and patient_id in self.actor.emergency_patients:
            detail = f"[emergency access] {detail}".strip()
        self.trail.append(self.session, actor=self.actor, category=str(category), action=action,
                          patient_id=patient_id, object_id=str(object_id or ""), detail=detail[:MAX_DETAIL],
                          outcome=outcome)


class Access:
    def __init__(self, db: Database, trail: AuditTrail | None = None) -> None:
        self.db = db
        self.trail = trail or AuditTrail(db)

    @contextmanager
    def action(self, actor: Actor) -> Iterator[ActionContext]:
        ctx: ActionContext | None = None
        try:
            with self.db.unit_of_work(actor.user_id) as session:
                ctx = ActionContext(session, actor, self.trail)
                yield ctx
        except PermissionDenied:
            if ctx is not None and ctx.denial is not None:
                d = ctx.denial
                self.trail.record(actor, category=d.category, action=d.action, outcome="denied",
                                  patient_id=d.patient_id, object_id=d.object_id)
            raise

    def grant_emergency_access(self, actor: Actor, patient_id: uuid.UUID, reason: str) -> Actor:
        """Break-glass: clinical access to one chart for the rest of this session.

        The typed reason is the one free text the audit trail keeps (it may mention the clinical
        situation): it stays inside the encrypted chart and the hub, is shown only in the
        emergency-access review to audit readers, and never reaches a log file."""
        reason = " ".join(reason.split())
        if len(reason) < MIN_EMERGENCY_REASON:
            raise ValidationError("Type the reason for emergency access (at least a short sentence).",
                                  "reason")
        if actor.user_id is None:
            raise ValidationError("Emergency access is for a logged-in user.")
        from emr_desktop.models import Patient

        with self.action(actor) as ctx:
            if ctx.session.get(Patient, patient_id) is None:
                raise ValidationError("No such patient.", "patient_id")
            ctx.audit(EMERGENCY_CATEGORY, "emergency-access", patient_id, patient_id, reason)
        return actor.with_emergency_access(patient_id)
