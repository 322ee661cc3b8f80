"""Practice-wide settings an administrator manages (security policy, print page set-up)."""

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
#: Page set-up (printing.data.PrintSettings field -> its Practice column); margins in mm.
PRINT_FIELDS = {"paper": "print_paper", "margin_top_mm": "print_margin_top_mm",
                "margin_bottom_mm": "print_margin_bottom_mm", "margin_left_mm": "print_margin_left_mm",
                "margin_right_mm": "print_margin_right_mm",
                "prescriptions_per_page": "print_prescriptions_per_page"}
PAPERS = ("letter", "a4")
MAX_MARGIN_MM = 50
MAX_PRESCRIPTIONS_PER_PAGE = 4


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

    def update_print_settings(self, actor: Actor, **settings: object) -> PracticeDTO:
        """Paper ("letter"/"a4"), margins (0-50 mm) and prescriptions per page (1-4) for every
        workstation of the practice (the row syncs). Administrators only; audited by field name."""
        values = _checked_print_settings(settings)
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.PRACTICE, Verb.MANAGE, None)
            row = ctx.session.scalar(select(Practice).order_by(Practice.id))
            if row is None:
                raise NotFound("practice", "-")
            for name, value in values.items():
                setattr(row, PRINT_FIELDS[name], value)
            ctx.audit(Category.PRACTICE, "settings-change", None, row.id, ",".join(sorted(values)))
            ctx.session.flush()
            return PracticeDTO.from_row(row)


def _checked_print_settings(settings: dict[str, object]) -> dict[str, object]:
    unknown = sorted(set(settings) - set(PRINT_FIELDS))
    if unknown:
        raise ValidationError(f"Not a print setting: {', '.join(unknown)}.", unknown[0])
    values: dict[str, object] = {}
    for name, value in settings.items():
        if name == "paper":
            paper = str(value).strip().lower()
            if paper not in PAPERS:
                raise ValidationError("Paper must be letter or a4.", name)
            values[name] = paper
        elif name == "prescriptions_per_page":
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not 1 <= value <= MAX_PRESCRIPTIONS_PER_PAGE:
                raise ValidationError(
                    f"Prescriptions per page must be 1-{MAX_PRESCRIPTIONS_PER_PAGE}.", name)
            values[name] = value
        else:
            label = name.removesuffix("_mm").replace("_", " ").capitalize()
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not 0 <= value <= MAX_MARGIN_MM:  # NaN fails the comparison too
                raise ValidationError(f"{label} must be 0-{MAX_MARGIN_MM} mm.", name)
            values[name] = float(value)
    return values
