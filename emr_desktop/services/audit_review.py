"""Reading the audit trail (ONC 170.315(d)(3)): verify, report, emergency-access review. Needs the
audit/read permission, and every look at the trail is itself audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.records import AuditEventDTO
from emr_desktop.security.audit import AuditTrail, AuditVerification
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access


class AuditService:
    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.access = access or Access(db)
        self.trail: AuditTrail = self.access.trail

    def verify(self, actor: Actor) -> AuditVerification:
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.AUDIT, Verb.READ, None)
            result = self.trail.verify()
            ctx.audit(Category.AUDIT, "verify", None, "",
                      f"entries={result.checked} sites={len(result.sites)} broken={len(result.failures)}",
                      outcome="success" if result.ok else "failure")
            return result

    def report(self, actor: Actor, *, start: datetime, end: datetime, username: str | None = None,
               patient_id: uuid.UUID | None = None, category: str | None = None,
               action: str | None = None, sort: str = "occurred_at", descending: bool = False,
               limit: int | None = None, detail: str = "") -> list[AuditEventDTO]:
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.AUDIT, Verb.READ, None)
            entries = self.trail.report(start=start, end=end, username=username, patient_id=patient_id,
                                        category=category, action=action, sort=sort,
                                        descending=descending, limit=limit)
            ctx.audit(Category.AUDIT, "report", patient_id, "", detail or f"entries={len(entries)}")
            return entries

    def emergency_review(self, actor: Actor, start: datetime, end: datetime,
                         detail: str = "") -> list[AuditEventDTO]:
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.AUDIT, Verb.READ, None)
            entries = self.trail.emergency_review(start, end)
            ctx.audit(Category.AUDIT, "emergency-review", None, "", detail or f"entries={len(entries)}")
            return entries
