"""Appointments."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import AppointmentStatus, EncounterType
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import AppointmentDTO, DayRow, PatientDTO
from emr_desktop.models import Appointment, Patient, Practice
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.base import RecordService, writable


class AppointmentService(RecordService[Appointment, AppointmentDTO]):
    model = Appointment
    dto = AppointmentDTO
    kind = "appointment"
    category = Category.SCHEDULE
    creatable = writable(AppointmentDTO)
    updatable = creatable - {"patient_id"}
    enums = {"status": AppointmentStatus, "appointment_type": EncounterType}
    order_by = ("-start_time",)

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("status", AppointmentStatus.BOOKED.value)
        start, end = values.get("start_time"), values.get("end_time")
        if start is not None and end is not None and end <= start:
            raise ValidationError("The appointment must end after it starts.", "end_time")
        return values

    def between(self, actor: Actor, start: datetime, end: datetime,
                provider_id: uuid.UUID | None = None) -> list[AppointmentDTO]:
        stmt = select(Appointment).where(Appointment.start_time >= start, Appointment.start_time < end,
                                         Appointment.record_status == "active")
        if provider_id is not None:
            stmt = stmt.where(Appointment.provider_id == provider_id)
        with self._on_patient(actor, None, Verb.READ, None) as ctx:
            found = [AppointmentDTO.from_row(r) for r in ctx.session.scalars(stmt.order_by(Appointment.start_time))]
            ctx.audit(self.category, "read", None, "", f"schedule: {len(found)} appointment(s)")
            return found

    def day_sheet(self, actor: Actor, day: date, provider_id: uuid.UUID | None = None) -> list[DayRow]:
        """The appointments of one calendar day in the practice's time zone, earliest first, each
        with its patient (cancelled and no-show ones included; their status says so)."""
        with self._on_patient(actor, None, Verb.READ, None) as ctx:
            ctx.authorize(Category.DEMOGRAPHICS, Verb.READ, None)
            zone = practice_zone(ctx.session.scalar(select(Practice.time_zone).order_by(Practice.id)))
            start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
            stmt = (
                select(Appointment, Patient)
                .join(Patient, Patient.id == Appointment.patient_id)
                .where(Appointment.start_time >= start, Appointment.start_time < end,
                       Appointment.record_status == "active")
                .order_by(Appointment.start_time, Patient.search_family, Appointment.id)
            )
            if provider_id is not None:
                stmt = stmt.where(Appointment.provider_id == provider_id)
            rows = [DayRow(appointment=AppointmentDTO.from_row(a), patient=PatientDTO.from_row(p),
                           local_start=a.start_time.astimezone(zone), local_end=a.end_time.astimezone(zone))
                    for a, p in ctx.session.execute(stmt).tuples()]
            ctx.audit(self.category, "read", None, "", f"day sheet: {len(rows)} appointment(s)")
            return rows


def practice_zone(name: str | None) -> ZoneInfo:
    """The practice's time zone; UTC when it is unset or unknown to this computer."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
