"""Sync status for the UI: online/offline, last sync, changes waiting, open conflicts, changes the
hub did not accept. Reads only bookkeeping (counts and times), so any signed-in user may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from emr_desktop.db.session import Database
from emr_desktop.domain.enums import ConflictStatus, RecordStatus
from emr_desktop.models import OutboxOp, SyncConflict, SyncRejection, SyncState
from emr_desktop.sync.agent import AgentState, SyncAgent
from emr_desktop.sync.client import HUB_ADDRESS, LAST_SYNC


@dataclass(frozen=True)
class SyncStatusDTO:
    enrolled: bool
    online: bool | None          # None: no hub, or not tried yet
    syncing: bool
    last_sync: datetime | None
    pending_changes: int
    open_conflicts: int
    not_accepted: int
    message: str

    @property
    def label(self) -> str:
        if not self.enrolled:
            return "Not connected to a practice hub"
        if self.online is False:
            return f"Offline - {self.pending_changes} change(s) waiting"
        if self.syncing:
            return "Syncing..."
        if self.pending_changes:
            return f"{self.pending_changes} change(s) waiting"
        return "Up to date"


class SyncStatusService:
    def __init__(self, db: Database, agent: SyncAgent | None = None) -> None:
        self.db = db
        self.agent = agent

    def status(self) -> SyncStatusDTO:
        with self.db.read() as s:
            state = dict(s.execute(select(SyncState.key, SyncState.value).where(
                SyncState.key.in_([HUB_ADDRESS, LAST_SYNC]))).tuples().all())
            pending = s.scalar(select(func.count()).select_from(OutboxOp)) or 0
            conflicts = s.scalar(select(func.count()).select_from(SyncConflict).where(
                SyncConflict.status == ConflictStatus.OPEN.value,
                SyncConflict.record_status == RecordStatus.ACTIVE.value)) or 0
            rejected = s.scalar(select(func.count()).select_from(SyncRejection)) or 0
        agent = self.agent.state if self.agent is not None else AgentState()
        last = agent.last_sync
        if last is None and state.get(LAST_SYNC):
            last = datetime.fromisoformat(state[LAST_SYNC])
        return SyncStatusDTO(enrolled=bool(state.get(HUB_ADDRESS)), online=agent.online,
                             syncing=agent.syncing, last_sync=last, pending_changes=pending,
                             open_conflicts=conflicts, not_accepted=rejected, message=agent.last_error)
