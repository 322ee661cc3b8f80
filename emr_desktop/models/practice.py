"""The practice and its workstations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, SyncedMixin


class Practice(SyncedMixin, Base):
    __tablename__ = "practice"

    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(50), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    npi: Mapped[str] = mapped_column(String(10), default="")  # organisational (type 2) NPI
    tax_id: Mapped[str] = mapped_column(String(20), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Security settings an administrator sets for the whole practice.
    lockout_threshold: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    lockout_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # Page set-up every workstation prints with (printing.data.PrintSettings); revision 0005.
    print_paper: Mapped[str] = mapped_column(String(10), default="letter", server_default="letter")
    print_margin_top_mm: Mapped[float] = mapped_column(Float, default=15.0, server_default="15")
    print_margin_bottom_mm: Mapped[float] = mapped_column(Float, default=15.0, server_default="15")
    print_margin_left_mm: Mapped[float] = mapped_column(Float, default=15.0, server_default="15")
    print_margin_right_mm: Mapped[float] = mapped_column(Float, default=15.0, server_default="15")
    print_prescriptions_per_page: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Workstation(SyncedMixin, Base):
    __tablename__ = "workstation"

    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practice.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: Short site id that stamps every change made here (HLC, origin_site).
    site_code: Mapped[str] = mapped_column(String(40), unique=True)
    enrolled_at: Mapped[datetime]
