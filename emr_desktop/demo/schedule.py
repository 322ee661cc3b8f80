"""The appointment book: today's and the coming weeks' schedule per provider (20-minute slots,
08:00-12:00 and 13:00-17:00 local time), plus past fulfilled visits, no-shows and cancellations.

Only the next weeks are tracked slot by slot, so the book stays small however many patients the
practice has: when a day is full, later patients are booked on another day or not at all.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from emr_desktop.demo.context import Chart, DemoContext
from emr_desktop.demo.rows import RowBuffer
from emr_desktop.domain.enums import AppointmentStatus, EncounterType
from emr_desktop.models import Appointment

SLOTS_PER_DAY = 24
HORIZON_DAYS = 42
ROOMS = ("Exam 1", "Exam 2", "Exam 3", "Exam 4", "Exam 5", "Exam 6")
LONG_VISITS = frozenset({EncounterType.ANNUAL_PHYSICAL.value, EncounterType.WELL_CHILD.value})


def slot_minutes(slot: int) -> int:
    """Minutes after midnight of a slot: 08:00-11:40, then 13:00-16:40 (lunch 12-13)."""
    return 8 * 60 + 20 * slot + (60 if slot >= 12 else 0)


class ScheduleBook:
    def __init__(self, ctx: DemoContext, seed: int) -> None:
        self.ctx = ctx
        rng = random.Random(f"{seed}/schedule")
        providers = len(ctx.providers)
        #: How many visits each provider takes on each upcoming day (today is a full day).
        self.capacity: dict[tuple[int, int], int] = {}
        self.used: dict[tuple[int, int], bytearray] = {}
        for offset in range(HORIZON_DAYS + 1):
            day = ctx.as_of + timedelta(days=offset)
            if offset > 0 and day.weekday() >= 5:
                continue
            for p in range(providers):
                if offset == 0:
                    cap = rng.randint(15, 20)
                else:
                    fill = max(0.15, 0.95 - offset * 0.02)
                    cap = round(rng.randint(15, 20) * fill)
                self.capacity[(p, offset)] = cap
                self.used[(p, offset)] = bytearray(SLOTS_PER_DAY)
        total_today = sum(self.capacity[(p, 0)] for p in range(providers))
        #: Chance that a patient is on today's schedule (about 3 candidates per slot).
        self.p_today = min(1.0, 3.0 * total_today / max(1, ctx.total_patients))

    def reserve(self, provider: int, offset: int, kind: str, rng: random.Random) -> int | None:
        """A free slot (first of two for long visits) on that day, or None when the day is full."""
        key = (provider, offset)
        slots = self.used.get(key)
        if slots is None or self.capacity[key] <= 0:
            return None
        width = 2 if kind in LONG_VISITS else 1
        free = [s for s in range(SLOTS_PER_DAY - width + 1)
                if all(not slots[s + k] for k in range(width)) and (s + width <= 12 or s >= 12)]
        if not free:
            return None
        slot = rng.choice(free)
        for k in range(width):
            slots[slot + k] = 1
        self.capacity[key] -= 1
        return slot


def appointment_row(chart: Chart, provider_id: uuid.UUID, start: datetime, minutes: int,
                    kind: str, reason: str, status: str, rng: random.Random,
                    comment: str = "") -> dict[str, object]:
    return {
        "id": chart.new_id(start), "patient_id": chart.id, "provider_id": provider_id,
        "start_time": start, "end_time": start + timedelta(minutes=minutes),
        "appointment_type": kind, "reason": reason[:300], "status": status,
        "room": rng.choice(ROOMS), "comment": comment,
    }


def book_upcoming(ctx: DemoContext, book: ScheduleBook, chart: Chart, buffer: RowBuffer,
                  due: date, kind: str, reason: str) -> None:
    """Today's visit for some patients; otherwise the next visit the chart is due for, if it falls
    within the horizon and the provider has room."""
    rng = chart.rng
    if chart.deceased is not None:
        return
    provider = ctx.providers.index(chart.provider)
    comment = f"Interpreter needed ({chart.language})" if chart.interpreter else ""
    first = max(1, (due - ctx.as_of).days)
    offsets = list(range(first, min(first + 5, HORIZON_DAYS + 1)))
    if rng.random() < book.p_today:
        offsets.insert(0, 0)
    for offset in offsets:
        slot = book.reserve(provider, offset, kind, rng)
        if slot is None:
            continue
        day = ctx.as_of + timedelta(days=offset)
        start = ctx.at(day, slot_minutes(slot))
        status = AppointmentStatus.CANCELLED.value if rng.random() < 0.04 else AppointmentStatus.BOOKED.value
        minutes = 40 if kind in LONG_VISITS else 20
        buffer.add(Appointment, appointment_row(chart, chart.provider.id, start, minutes, kind,
                                                reason, status, rng, comment))
        return


def missed_appointments(ctx: DemoContext, chart: Chart, buffer: RowBuffer) -> None:
    """An occasional no-show or cancelled visit in the last six months."""
    rng = chart.rng
    for status, chance in ((AppointmentStatus.NO_SHOW.value, 0.07),
                           (AppointmentStatus.CANCELLED.value, 0.05)):
        if rng.random() >= chance:
            continue
        day = ctx.as_of - timedelta(days=rng.randint(3, 180))
        if day < chart.start or day.weekday() >= 5 or (chart.deceased and day >= chart.deceased):
            continue
        start = ctx.at(day, slot_minutes(rng.randrange(SLOTS_PER_DAY)))
        comment = ("Left voicemail to reschedule" if status == AppointmentStatus.NO_SHOW.value
                   else rng.choice(("Patient called to cancel", "Cancelled: provider out sick",
                                    "Rescheduled by patient")))
        buffer.add(Appointment, appointment_row(chart, chart.provider.id, start, 20,
                                                EncounterType.FOLLOW_UP.value, "Follow-up visit",
                                                status, rng, comment))
