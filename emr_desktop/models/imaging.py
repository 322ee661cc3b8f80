"""Imaging reports received from radiology (text reports; images stay in the PACS)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class ImagingReport(SyncedMixin, Base):
    __tablename__ = "imaging_report"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    modality: Mapped[str] = mapped_column(String(8))  # ImagingModality (DICOM)
    study_code: Mapped[str] = mapped_column(String(20), default="")  # LOINC/CPT of the study
    study: Mapped[str] = mapped_column(String(200))
    body_site: Mapped[str] = mapped_column(String(100), default="")
    performed_at: Mapped[datetime]
    ordered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    radiologist: Mapped[str] = mapped_column(String(200), default="")
    facility: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12))  # ResultStatus
    impression: Mapped[str] = mapped_column(Text, default="")
    report_text: Mapped[str] = mapped_column(Text, default="")
