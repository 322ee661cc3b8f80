"""Change capture: stamps every inserted or changed synced row inside the same flush.

The sync issue extends this hook to write one outbox op per changed row in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from emr_desktop.models.base import SyncedMixin
from emr_desktop.models.sync import SyncState
from emr_desktop.sync.hlc import HybridLogicalClock

HLC_STATE_KEY = "hlc"
SITE_STATE_KEY = "site_code"


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    clock: HybridLogicalClock | None = session.info.get("clock")
    if clock is None:
        return
    actor = session.info.get("actor_id")
    stamped = False
    for obj in list(session.new):
        if isinstance(obj, SyncedMixin):
            obj.updated_hlc = clock.now().encode()
            obj.updated_by = actor
            if not obj.origin_site:
                obj.origin_site = clock.site
            stamped = True
    for obj in list(session.dirty):
        if isinstance(obj, SyncedMixin) and session.is_modified(obj, include_collections=False):
            obj.updated_hlc = clock.now().encode()
            obj.updated_by = actor
            stamped = True
    if stamped:
        session.info["hlc_to_persist"] = True


def _before_commit(session: Session) -> None:
    """Persist the clock once per transaction (not per flush: chart opens flush many times)."""
    clock: HybridLogicalClock | None = session.info.get("clock")
    if clock is not None and session.info.pop("hlc_to_persist", False):
        session.merge(SyncState(key=HLC_STATE_KEY, value=clock.last.encode()))


def install(session_class: type[Session]) -> None:
    """Attach the hook to a Session subclass; call once, at import of that class's module.

    (Not to sessionmaker instances: SQLAlchemy keys listeners by id(), and a collected
    sessionmaker's id can be reused by a new one, making "already installed" checks lie.)"""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "before_commit", _before_commit)
