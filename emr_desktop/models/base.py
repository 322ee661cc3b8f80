"""Declarative base, naming convention, column types and the columns every synced row carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from uuid6 import uuid7

from emr_desktop.domain.enums import RecordStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    """A UUIDv7: time-ordered, made on the workstation, unique without coordination."""
    return uuid.UUID(bytes=uuid7().bytes)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware instants stored as UTC; naive input is refused rather than guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant (with time zone) is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class SyncedMixin:
    """Columns of every row that syncs with the practice hub (DESIGN §3).

    ``row_version`` is assigned by the hub (0 until first pushed); ``updated_hlc`` is the hybrid
    logical clock stamp of the last local change; rows are never deleted, ``record_status`` says
    whether a row is current.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)
    row_version: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", sort_order=-9
    )
    updated_hlc: Mapped[str] = mapped_column(
        String(40), default="", sort_order=-8
    )
    updated_by: Mapped[uuid.UUID | None] = mapped_column(default=None, sort_order=-7)
    origin_site: Mapped[str] = mapped_column(
        String(40), default="", sort_order=-6
    )
    record_status: Mapped[str] = mapped_column(
        String(20),
        default=RecordStatus.ACTIVE.value,
        server_default=RecordStatus.ACTIVE.value,
        sort_order=-5,
    )
    #: Why the row was marked inactive or entered-in-error (shown to reviewers; never logged).
    record_status_reason: Mapped[str] = mapped_column(String(300), default="", sort_order=-4)


class LocalMixin:
    """Workstation-local tables: never synced, never exported."""

    __local__ = True
