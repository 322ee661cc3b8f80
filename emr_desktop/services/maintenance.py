"""Store maintenance done by people: backups (an administrator's job, audited)."""

from __future__ import annotations

from pathlib import Path

from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access


class MaintenanceService:
    def __init__(self, store: ChartStore, access: Access | None = None) -> None:
        self.store = store
        self.access = access or Access(store.db)

    def backup(self, actor: Actor, dest: Path | None = None) -> Path:
        """A verified, encrypted copy; the audit entry names no path (it may name a person)."""
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.PRACTICE, Verb.MANAGE, None)
            ctx.audit(Category.PRACTICE, "backup", None, "", "manual backup")
        return self.store.backup(dest)
