"""Encounters (visits) and clinical notes with their signatures and addenda."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Encounter(SyncedMixin, Base):
    __tablename__ = "encounter"
    __table_args__ = (Index("ix_encounter_patient_start", "patient_id", "start_time"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    encounter_type: Mapped[str] = mapped_column(String(30))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime | None] = mapped_column(default=None)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(100), default="")
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointment.id"), default=None
    )


class ClinicalNote(SyncedMixin, Base):
    """A SOAP note. Once signed its content is frozen: ``signature_hash`` is SHA-256 over the
    canonical content (domain.notes.note_content_hash); corrections are addenda, which are notes
    of their own pointing at the signed note through ``addendum_to_id``."""

    __tablename__ = "clinical_note"
    __table_args__ = (Index("ix_clinical_note_patient_encounter", "patient_id", "encounter_id"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    note_type: Mapped[str] = mapped_column(String(40), default="progress")
    title: Mapped[str] = mapped_column(String(200), default="")
    subjective: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10))  # NoteStatus
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    signature_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    addendum_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clinical_note.id"), default=None, index=True
    )
