"""Appointments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import AppointmentStatus, EncounterType
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import AppointmentDTO
from emr_desktop.models import Appointment
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
