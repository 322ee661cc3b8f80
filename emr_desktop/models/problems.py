"""Problem list (ICD-10-CM coded, SNOMED CT optional)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Problem(SyncedMixin, Base):
    __tablename__ = "problem"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    icd10_code: Mapped[str] = mapped_column(String(10))
    display: Mapped[str] = mapped_column(String(300))
    snomed_code: Mapped[str] = mapped_column(String(20), default="")
    onset_date: Mapped[date | None] = mapped_column(default=None)
    resolved_date: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10))  # ProblemStatus
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    noted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    comment: Mapped[str] = mapped_column(String(500), default="")
