"""Family history and social history (smoking status and other habits)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class FamilyHistory(SyncedMixin, Base):
    __tablename__ = "family_history"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(40))  # mother, father, sibling...
    icd10_code: Mapped[str] = mapped_column(String(10), default="")
    condition: Mapped[str] = mapped_column(String(200))
    onset_age: Mapped[int | None] = mapped_column(Integer, default=None)
    deceased: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(String(300), default="")


class SocialHistory(SyncedMixin, Base):
    """One row per recording; the latest active row is the current social history."""

    __tablename__ = "social_history"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    smoking_status: Mapped[str] = mapped_column(String(30))  # SmokingStatus
    smoking_snomed: Mapped[str] = mapped_column(String(20), default="")
    pack_years: Mapped[float | None] = mapped_column(Float, default=None)
    quit_year: Mapped[int | None] = mapped_column(Integer, default=None)
    alcohol_use: Mapped[str] = mapped_column(String(100), default="")
    drug_use: Mapped[str] = mapped_column(String(100), default="")
    occupation: Mapped[str] = mapped_column(String(100), default="")
    living_situation: Mapped[str] = mapped_column(String(200), default="")
    exercise: Mapped[str] = mapped_column(String(100), default="")
    comment: Mapped[str] = mapped_column(String(500), default="")
