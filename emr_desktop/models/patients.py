"""Patients (demographics) and their insurance coverage."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Patient(SyncedMixin, Base):
    __tablename__ = "patient"
    __table_args__ = (
        Index("ix_patient_search_name", "search_family", "search_given"),
        Index("ix_patient_search_given", "search_given"),
    )

    mrn: Mapped[str] = mapped_column(String(20), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    name_suffix: Mapped[str] = mapped_column(String(20), default="")
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    previous_names: Mapped[str] = mapped_column(String(300), default="")
    birth_date: Mapped[date] = mapped_column(index=True)
    sex: Mapped[str] = mapped_column(String(10))  # AdministrativeSex
    sex_at_birth: Mapped[str] = mapped_column(String(10), default="")
    gender_identity: Mapped[str] = mapped_column(String(60), default="")
    pronouns: Mapped[str] = mapped_column(String(30), default="")
    phone_mobile: Mapped[str] = mapped_column(String(40), default="")
    phone_home: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(50), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    language: Mapped[str] = mapped_column(String(35), default="en")  # BCP 47
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    emergency_contact_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_relationship: Mapped[str] = mapped_column(String(60), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    primary_provider_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    deceased_date: Mapped[date | None] = mapped_column(default=None)
    alert_note: Mapped[str] = mapped_column(String(500), default="")  # banner alert (non-clinical)
    # Search keys maintained by the service: case- and accent-folded names, digits of phones.
    search_family: Mapped[str] = mapped_column(String(100), default="")
    search_given: Mapped[str] = mapped_column(String(100), default="")
    search_phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    #: When this chart was merged into another (duplicate resolution), the survivor's id.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patient.id"), default=None
    )


class InsuranceCoverage(SyncedMixin, Base):
    __tablename__ = "insurance_coverage"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), index=True)
    priority: Mapped[str] = mapped_column(String(10), default="primary")
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_id: Mapped[str] = mapped_column(String(40), default="")
    plan_name: Mapped[str] = mapped_column(String(200), default="")
    member_id: Mapped[str] = mapped_column(String(60))
    group_number: Mapped[str] = mapped_column(String(60), default="")
    subscriber_name: Mapped[str] = mapped_column(String(200), default="")
    subscriber_relationship: Mapped[str] = mapped_column(String(20), default="self")
    subscriber_birth_date: Mapped[date | None] = mapped_column(default=None)
    effective_from: Mapped[date | None] = mapped_column(default=None)
    effective_to: Mapped[date | None] = mapped_column(default=None)
    copay_cents: Mapped[int | None] = mapped_column(Integer, default=None)
