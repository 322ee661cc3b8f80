"""Units of work. The only place that commits (DESIGN §7)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from emr_desktop.models.sync import SyncState
from emr_desktop.sync import capture
from emr_desktop.sync.hlc import HybridLogicalClock, Stamp


class ChartSession(Session):
    """Sessions over a chart; every flush is stamped by sync.capture."""


capture.install(ChartSession)


class Database:
    """Hands out sessions: one write unit of work per user action, or a read-only view."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(
            bind=engine.execution_options(emr_begin="IMMEDIATE"), class_=ChartSession,
            expire_on_commit=False,
        )
        self._reader = sessionmaker(bind=engine, class_=ChartSession, expire_on_commit=False)
        self._clock: HybridLogicalClock | None = None
        #: Called after a commit that queued outbox ops, with their count (the sync agent listens).
        self.change_listeners: list[Callable[[int], None]] = []

    @property
    def clock(self) -> HybridLogicalClock:
        if self._clock is None:
            with self._reader() as s:
                state = dict(s.execute(select(SyncState.key, SyncState.value)).tuples().all())
            site = state.get(capture.SITE_STATE_KEY, "")
            last = Stamp.decode(state[capture.HLC_STATE_KEY]) if capture.HLC_STATE_KEY in state else None
            self._clock = HybridLogicalClock(site, last=last)
        return self._clock

    def reset_clock(self) -> None:
        """Forget the cached clock (after the site code changes, e.g. at set-up)."""
        self._clock = None

    @contextmanager
    def unit_of_work(self, actor_id: uuid.UUID | None = None) -> Iterator[Session]:
        session = self._writer()
        session.info["clock"] = self.clock
        session.info["actor_id"] = actor_id
        try:
            yield session
            session.commit()
            written = session.info.pop("outbox_written", 0)
            if written:
                for listener in list(self.change_listeners):
                    listener(written)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._reader()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def checkpoint(self) -> tuple[int, int]:
        """Copy the write-ahead log back into the chart file (PASSIVE: never waits for readers or
        blocks writers). The app calls it when idle so no save pays for it. Returns (pages in the
        log, pages copied); equal when everything is in the chart file."""
        with self.engine.connect() as conn:
            _busy, log_pages, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(log_pages), int(copied)
