"""Immunizations: given here, reported (historical), or refused."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Immunization(SyncedMixin, Base):
    __tablename__ = "immunization"
    __table_args__ = (Index("ix_immunization_patient_date", "patient_id", "occurrence_date"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    cvx_code: Mapped[str] = mapped_column(String(10))
    vaccine: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # ImmunizationKind
    occurrence_date: Mapped[date]
    dose_number: Mapped[int | None] = mapped_column(Integer, default=None)
    lot_number: Mapped[str] = mapped_column(String(40), default="")
    expiration_date: Mapped[date | None] = mapped_column(default=None)
    manufacturer: Mapped[str] = mapped_column(String(100), default="")
    site: Mapped[str] = mapped_column(String(40), default="")  # e.g. left deltoid
    route: Mapped[str] = mapped_column(String(40), default="")  # IM, SC, PO, IN, ID
    dose_ml: Mapped[str] = mapped_column(String(10), default="")
    administered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    source: Mapped[str] = mapped_column(String(200), default="")  # where a historical dose came from
    refusal_reason: Mapped[str] = mapped_column(String(200), default="")
    vis_date: Mapped[date | None] = mapped_column(default=None)  # Vaccine Information Statement
