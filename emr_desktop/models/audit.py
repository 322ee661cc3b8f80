"""Audit events (ASTM E2147 fields), append-only and hash-chained per workstation.

Detail text never carries PHI: it names record ids and categories, not names or values.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class AuditEvent(SyncedMixin, Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        UniqueConstraint("workstation_site", "seq", name="site_seq"),
        Index("ix_audit_event_occurred", "occurred_at"),
        Index("ix_audit_event_patient", "patient_id"),
    )

    workstation_site: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)  # per-workstation sequence (chain position)
    occurred_at: Mapped[datetime]
    hub_received_at: Mapped[datetime | None] = mapped_column(default=None)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patient.id"), default=None)
    category: Mapped[str] = mapped_column(String(40))  # data category / chart section
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
