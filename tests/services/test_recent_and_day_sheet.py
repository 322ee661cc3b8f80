"""Recent patients come from the user's own "chart opened" audit entries; the day sheet is one
calendar day in the practice's time zone, each appointment with its patient."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from emr_desktop.domain.enums import RecordStatus
from emr_desktop.domain.errors import PermissionDenied
from emr_desktop.domain.records import PatientDTO
from emr_desktop.models import AuditEvent, Practice
from emr_desktop.services.registry import Services
from emr_desktop.services.scheduling import practice_zone
from tests.conftest import TEST_PASSWORD


def _patient(services: Services, actor: Any, family: str, given: str = "Test") -> PatientDTO:
    return services.patients.register(actor, family_name=family, given_name=given,
                                      birth_date=date(1970, 5, 4), sex="female")


def _set_zone(services: Services, name: str) -> None:
    with services.db.unit_of_work(None) as session:
        session.scalar(select(Practice)).time_zone = name


def test_recent_lists_opened_charts_newest_first_each_once(services: Services, provider: Any,
                                                           admin: Any) -> None:
    a, b, c, d = (_patient(services, provider, name) for name in ("Alpha", "Bravo", "Charlie", "Delta"))
    assert services.patients.recent(provider) == []
    for p in (a, b, a, c):
        services.chart.load(provider, p.id)
    services.patients.get(provider, d.id)          # a plain read is not a chart open
    services.chart.load(admin, d.id)               # someone else's open is not mine
    assert [p.id for p in services.patients.recent(provider)] == [c.id, a.id, b.id]
    assert [p.id for p in services.patients.recent(provider, limit=2)] == [c.id, a.id]
    assert [p.id for p in services.patients.recent(admin)] == [d.id]
    # an inactive chart drops out
    services.patients.set_record_status(provider, b.id, RecordStatus.INACTIVE, "registered twice")
    assert [p.id for p in services.patients.recent(provider)] == [c.id, a.id]


def test_recent_is_checked_and_audited_without_phi(services: Services, provider: Any, admin: Any) -> None:
    p = _patient(services, provider, "Echo")
    services.chart.load(provider, p.id)
    services.patients.recent(provider)
    with services.db.read() as session:
        entry = session.execute(select(AuditEvent.user_id, AuditEvent.detail, AuditEvent.patient_id)
                                .where(AuditEvent.action == "recent")).one()
    assert entry == (provider.user_id, "1 result(s)", None)
    services.users.create_user(admin, username="billy", display_name="Bill Ing", password=TEST_PASSWORD,
                               roles=("billing",))
    billing = services.users.authenticate("billy", TEST_PASSWORD)
    assert services.patients.recent(billing) == []  # billing may read demographics
    services.users.create_user(admin, username="nobody", display_name="No Role", password=TEST_PASSWORD,
                               roles=())
    with pytest.raises(PermissionDenied):
        services.patients.recent(services.users.authenticate("nobody", TEST_PASSWORD))


def test_recent_includes_emergency_opens(services: Services, provider: Any, admin: Any) -> None:
    p = _patient(services, provider, "Foxtrot")
    services.users.create_user(admin, username="desk", display_name="Front Desk", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk", TEST_PASSWORD)
    desk = services.access.grant_emergency_access(desk, p.id, "patient collapsed in the waiting room")
    services.chart.load(desk, p.id)
    assert [x.id for x in services.patients.recent(desk)] == [p.id]


def test_day_sheet_uses_the_practice_time_zone(services: Services, provider: Any) -> None:
    _set_zone(services, "America/Chicago")
    zone = practice_zone("America/Chicago")
    day = date(2026, 3, 10)
    early, late, other = (_patient(services, provider, n) for n in ("Early", "Late", "Other"))

    def book(patient: PatientDTO, local: datetime, **extra: Any) -> Any:
        start = local.replace(tzinfo=zone)
        return services.appointments.create(provider, patient_id=patient.id, start_time=start,
                                            end_time=start + timedelta(minutes=20),
                                            appointment_type="office-visit", **extra)

    # 21:30 local is already the next day in UTC, but belongs to this day's sheet
    book(late, datetime(2026, 3, 10, 21, 30), reason="late follow-up", room="2")
    book(early, datetime(2026, 3, 10, 0, 15), reason="early", status="arrived")
    book(other, datetime(2026, 3, 9, 23, 50))      # the day before (local), 05:50 UTC on the 10th
    book(other, datetime(2026, 3, 11, 0, 0))       # the day after
    rows = services.appointments.day_sheet(provider, day)
    assert [(r.patient.family_name, r.local_start.strftime("%H:%M")) for r in rows] == [
        ("Early", "00:15"), ("Late", "21:30")]
    assert rows[1].appointment.start_time.tzinfo is not None
    assert rows[1].appointment.start_time.astimezone(UTC).date() == date(2026, 3, 11)
    assert rows[1].local_end - rows[1].local_start == timedelta(minutes=20)
    assert rows[0].appointment.status == "arrived" and rows[1].appointment.room == "2"
    assert services.appointments.day_sheet(provider, day, provider_id=provider.user_id) == []


def test_day_sheet_by_provider_and_permission(services: Services, provider: Any, admin: Any) -> None:
    p = _patient(services, provider, "Golf")
    start = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
    services.appointments.create(provider, patient_id=p.id, provider_id=provider.user_id,
                                 start_time=start, end_time=start + timedelta(minutes=15),
                                 appointment_type="follow-up")
    rows = services.appointments.day_sheet(provider, start.date(), provider_id=provider.user_id)
    assert [r.patient.id for r in rows] == [p.id]
    with services.db.read() as session:
        details = list(session.scalars(select(AuditEvent.detail).where(AuditEvent.category == "schedule",
                                                                        AuditEvent.action == "read")))
    assert "day sheet: 1 appointment(s)" in details
    services.users.create_user(admin, username="nobody", display_name="No Role", password=TEST_PASSWORD,
                               roles=())
    with pytest.raises(PermissionDenied):
        services.appointments.day_sheet(services.users.authenticate("nobody", TEST_PASSWORD), start.date())


def test_unknown_zone_falls_back_to_utc() -> None:
    assert practice_zone("Not/AZone").key == "UTC" and practice_zone(None).key == "UTC"
