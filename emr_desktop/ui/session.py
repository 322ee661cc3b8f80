"""The log-in session at a shared workstation: lock (idle or asked for), then the same user comes
back or another user logs in with a clean window. The controller owns lock and unlock; the window
only clears, hides and shows itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from emr_desktop.domain.actor import Actor
from emr_desktop.ui.idle import IdleLock
from emr_desktop.ui.login import LockDialog, WorkstationMemory
from emr_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from emr_desktop.services.registry import Services

IDLE_REASON = "The screen was locked after a period of inactivity."
ASKED_REASON = "The screen is locked."


class LockableWindow(Protocol):
    """What the controller needs of the main window (``emr_desktop.ui.main_window.MainWindow``)."""

    def lock(self) -> None: ...          # clear PHI, hide, log the session out
    def unlock(self, actor: Actor) -> None: ...
    def clear_phi(self) -> None: ...
    def show(self) -> None: ...


class SessionController(QObject):
    sig_quit_requested = Signal()
    """The user chose Quit on the lock screen (the session is already logged out)."""
    sig_user_changed = Signal(object)
    """Another user logged in at the lock screen; carries their Actor."""

    def __init__(self, services: Services, tasks: TaskRunner, window: LockableWindow, idle: IdleLock,
                 practice_name: str, *, actor: Actor | None = None,
                 memory: WorkstationMemory | None = None) -> None:
        super().__init__(window if isinstance(window, QObject) else None)
        self._services, self._tasks, self._window, self._idle = services, tasks, window, idle
        self._practice_name = practice_name
        self._memory = memory
        self._actor: Actor | None = actor if actor is not None else getattr(window, "actor", None)
        self.login_dialog: LockDialog | None = None
        idle.sig_idle_timeout.connect(self._idle_timeout)

    @property
    def actor(self) -> Actor | None:
        """Who is logged in (the last one, while locked)."""
        return self._actor

    @property
    def locked(self) -> bool:
        return self.login_dialog is not None

    def _idle_timeout(self) -> None:
        self.lock(reason=IDLE_REASON)

    def lock(self, *, reason: str = ASKED_REASON) -> None:
        """Clear PHI, hide the window, log the session out (the window does those) and show the
        lock screen. Locking an already locked session just brings the lock screen forward."""
        if self.login_dialog is not None:
            self.login_dialog.show()
            self.login_dialog.raise_()
            return
        self._window.lock()
        previous = self._actor or Actor(user_id=None, username="", roles=frozenset())
        dialog = LockDialog(self._services, self._tasks, self._practice_name, previous,
                            reason=reason, memory=self._memory)
        dialog.sig_logged_in.connect(self._resume)
        dialog.rejected.connect(self.sig_quit_requested)
        self.login_dialog = dialog
        dialog.show()

    def switch_user(self) -> None:
        """Lock, then let a different user log in."""
        self.lock()
        if self.login_dialog is not None:
            self.login_dialog.enter_switch_mode()

    def _resume(self, actor: Actor) -> None:
        # Runs before the lock screen closes, so the window is visible again by then.
        dialog, self.login_dialog = self.login_dialog, None
        changed = self._actor is None or actor.user_id != self._actor.user_id
        if changed:
            self._window.clear_phi()
        self._actor = actor
        self._window.unlock(actor)
        self._idle.rearm()
        if dialog is not None:
            dialog.finished.connect(dialog.deleteLater)
        if changed:
            self.sig_user_changed.emit(actor)
