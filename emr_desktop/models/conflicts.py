"""Sync conflicts: made by the hub when concurrent edits cannot both stand, synced to every
workstation and resolved there by the right user (DESIGN §4). Both values are always kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class SyncConflict(SyncedMixin, Base):
    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_record", "entity", "record_id"),
                      Index("ix_sync_conflict_status", "status"))

    entity: Mapped[str] = mapped_column(String(40))          # table of the record in conflict
    record_id: Mapped[uuid.UUID]
    patient_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    kind: Mapped[str] = mapped_column(String(30))            # ConflictKind
    fields: Mapped[str] = mapped_column(String(1000), default="")  # comma-separated column names
    kept_values: Mapped[str] = mapped_column(Text, default="{}")   # canonical JSON: what the row holds
    other_values: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON: the other side
    op_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # the op that met the conflict
    op_site: Mapped[str] = mapped_column(String(40), default="")
    op_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    op_hlc: Mapped[str] = mapped_column(String(40), default="")
    other_site: Mapped[str] = mapped_column(String(40), default="")
    other_hlc: Mapped[str] = mapped_column(String(40), default="")
    related_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # e.g. the addendum draft kept
    detected_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="open")  # ConflictStatus
    resolution: Mapped[str] = mapped_column(String(300), default="")
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
