"""Practice-wide settings an administrator manages (security policy)."""

from __future__ import annotations

from sqlalchemy import select

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import NotFound, ValidationError
from emr_desktop.domain.records import PracticeDTO
from emr_desktop.models import Practice
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access

LIMITS = {"lockout_threshold": (3, 20), "lockout_minutes": (1, 24 * 60), "idle_lock_minutes": (1, 120)}


class PracticeService:
    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.db = db
        self.access = access or Access(db)

    def current(self) -> PracticeDTO | None:
        """The practice's name, address and policy: shown before log-in, so no check."""
        with self.db.read() as session:
            row = session.scalar(select(Practice).order_by(Practice.id))
            return PracticeDTO.from_row(row) if row else None

    def update_security(self, actor: Actor, **settings: int) -> PracticeDTO:
        unknown = sorted(set(settings) - set(LIMITS))
        if unknown:
            raise ValidationError(f"Not a security setting: {', '.join(unknown)}.", unknown[0])
        for name, value in settings.items():
            low, high = LIMITS[name]
            if not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(f"{name.replace('_', ' ').capitalize()} must be {low}-{high}.", name)
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.PRACTICE, Verb.MANAGE, None)
            row = ctx.session.scalar(select(Practice).order_by(Practice.id))
            if row is None:
                raise NotFound("practice", "-")
            for name, value in settings.items():
                setattr(row, name, value)
            ctx.audit(Category.PRACTICE, "settings-change", None, row.id, ",".join(sorted(settings)))
            ctx.session.flush()
            return PracticeDTO.from_row(row)
