"""Vital signs: one LOINC-coded observation per row, with a UCUM unit (append-only facts)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class VitalSign(SyncedMixin, Base):
    __tablename__ = "vital_sign"
    __table_args__ = (Index("ix_vital_sign_patient_code_time", "patient_id", "loinc", "taken_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    #: Observations taken together (BP pair, a vitals set) share a panel id.
    panel_id: Mapped[uuid.UUID]
    loinc: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))  # UCUM
    taken_at: Mapped[datetime]
    taken_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    method: Mapped[str] = mapped_column(String(60), default="")  # position, site, cuff size...
