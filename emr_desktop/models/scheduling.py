"""Appointments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Appointment(SyncedMixin, Base):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_start", "start_time"),
        Index("ix_appointment_provider_start", "provider_id", "start_time"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    appointment_type: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12))  # AppointmentStatus
    room: Mapped[str] = mapped_column(String(40), default="")
    comment: Mapped[str] = mapped_column(String(300), default="")
