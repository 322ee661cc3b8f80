"""Medication list entries and the prescriptions written for them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Medication(SyncedMixin, Base):
    __tablename__ = "medication"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    code_system: Mapped[str] = mapped_column(String(80), default="")
    code: Mapped[str] = mapped_column(String(40), default="")  # RxNorm RXCUI
    display: Mapped[str] = mapped_column(String(300))  # e.g. "lisinopril 10 MG Oral Tablet"
    strength: Mapped[str] = mapped_column(String(60), default="")
    form: Mapped[str] = mapped_column(String(60), default="")
    dose: Mapped[str] = mapped_column(String(60), default="")
    dose_unit: Mapped[str] = mapped_column(String(30), default="")
    route: Mapped[str] = mapped_column(String(40), default="")
    frequency: Mapped[str] = mapped_column(String(60), default="")
    sig: Mapped[str] = mapped_column(String(500), default="")
    indication: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(default=None)
    stop_date: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20))  # MedicationStatus
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    dea_schedule: Mapped[str] = mapped_column(String(3), default="")  # "", "II".."V"
    prescriber_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    reported_by_patient: Mapped[bool] = mapped_column(default=False)


class Prescription(SyncedMixin, Base):
    __tablename__ = "prescription"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    medication_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("medication.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    prescriber_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    #: Drug as written (snapshot: the list entry may change later).
    drug_display: Mapped[str] = mapped_column(String(300))
    strength: Mapped[str] = mapped_column(String(60), default="")
    form: Mapped[str] = mapped_column(String(60), default="")
    sig: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[float] = mapped_column(Float)
    quantity_unit: Mapped[str] = mapped_column(String(30), default="")
    days_supply: Mapped[int | None] = mapped_column(Integer, default=None)
    refills: Mapped[int] = mapped_column(Integer, default=0)
    substitution_allowed: Mapped[bool] = mapped_column(default=True)
    dea_schedule: Mapped[str] = mapped_column(String(3), default="")
    written_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))  # PrescriptionStatus
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    signature_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    pharmacy: Mapped[str] = mapped_column(String(300), default="")
    note_to_pharmacist: Mapped[str] = mapped_column(String(500), default="")
