"""Workstation-local sync bookkeeping: the outbox, key/value sync state, MRN blocks.

These tables never sync and are left out of the canonical export.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, LocalMixin


class OutboxOp(LocalMixin, Base):
    """One change waiting for the hub's acknowledgement (written in the same transaction)."""

    __tablename__ = "outbox_op"

    op_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, unique=True)  # local push order
    entity: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID] = mapped_column(index=True)   # "has this row ops waiting?"
    base_row_version: Mapped[int] = mapped_column(Integer)
    changed_fields: Mapped[list[str]] = mapped_column(JSON)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    hlc: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID | None]
    schema_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SyncState(LocalMixin, Base):
    """Small key/value facts: pull cursor, hub id and epoch, last HLC, this site's code."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(400))


class MrnBlock(LocalMixin, Base):
    """A range of MRN numbers reserved for this workstation (from the hub, or locally at init)."""

    __tablename__ = "mrn_block"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next_value: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # "hub" or "local"
    reserved_at: Mapped[datetime]


class SyncRejection(LocalMixin, Base):
    """An op of this workstation the hub quarantined (kept there, not applied). Shown in the sync
    status until an administrator deals with it at the hub."""

    __tablename__ = "sync_rejection"

    op_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[uuid.UUID]
    message: Mapped[str] = mapped_column(String(500))
    rejected_at: Mapped[datetime]
