"""Allergies and intolerances, including an explicit "no known allergies" entry."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Allergy(SyncedMixin, Base):
    __tablename__ = "allergy"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    #: True for the explicit "No known allergies" statement (SNOMED 716186003).
    no_known_allergies: Mapped[bool] = mapped_column(default=False)
    code_system: Mapped[str] = mapped_column(String(80), default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    substance: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="")  # AllergyCategory
    reaction: Mapped[str] = mapped_column(String(300), default="")
    severity: Mapped[str] = mapped_column(String(10), default="")  # AllergySeverity
    status: Mapped[str] = mapped_column(String(10))  # AllergyStatus
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    onset_date: Mapped[date | None] = mapped_column(default=None)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
