"""Attached documents. The bytes live inside the encrypted database, in a table of their own so
listing documents never loads them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Document(SyncedMixin, Base):
    __tablename__ = "document"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40), default="other")
    filename: Mapped[str] = mapped_column(String(255), default="")
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    document_date: Mapped[datetime]
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )


class DocumentContent(SyncedMixin, Base):
    __tablename__ = "document_content"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("document.id"), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
