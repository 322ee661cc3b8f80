"""Lab orders and results (LOINC-coded, with reference ranges and abnormal flags)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class LabOrder(SyncedMixin, Base):
    __tablename__ = "lab_order"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    ordered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    loinc: Mapped[str] = mapped_column(String(20))  # panel or test ordered
    display: Mapped[str] = mapped_column(String(200))
    ordered_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))  # LabOrderStatus
    placer_number: Mapped[str] = mapped_column(String(40), default="")
    filler_number: Mapped[str] = mapped_column(String(40), default="")
    performing_lab: Mapped[str] = mapped_column(String(200), default="")
    clinical_info: Mapped[str] = mapped_column(String(500), default="")


class LabResult(SyncedMixin, Base):
    __tablename__ = "lab_result"
    __table_args__ = (Index("ix_lab_result_patient_code_time", "patient_id", "loinc", "collected_at"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lab_order.id"), default=None, index=True
    )
    loinc: Mapped[str] = mapped_column(String(20))
    display: Mapped[str] = mapped_column(String(200))
    value_text: Mapped[str] = mapped_column(String(500), default="")
    value_numeric: Mapped[float | None] = mapped_column(Float, default=None)
    unit: Mapped[str] = mapped_column(String(30), default="")  # UCUM
    reference_low: Mapped[float | None] = mapped_column(Float, default=None)
    reference_high: Mapped[float | None] = mapped_column(Float, default=None)
    reference_text: Mapped[str] = mapped_column(String(100), default="")
    abnormal_flag: Mapped[str] = mapped_column(String(3), default="")  # AbnormalFlag
    status: Mapped[str] = mapped_column(String(12))  # ResultStatus
    collected_at: Mapped[datetime]
    resulted_at: Mapped[datetime | None] = mapped_column(default=None)
    performing_lab: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
