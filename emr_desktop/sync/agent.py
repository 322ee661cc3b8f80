"""Background sync: a worker thread that syncs on a timer and soon after each local save.

It never touches Qt and never blocks the caller: saves only set an event. When the hub cannot be
reached the agent says so in its status and retries with a growing pause (up to ``max_backoff``),
so sync resumes by itself when the network returns. Errors are reported by type and message
(hub messages carry no patient data); nothing is logged from the chart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from emr_desktop.domain.errors import EmrError
from emr_desktop.sync.protocol import HubError, HubUnreachable

log = logging.getLogger(__name__)

#: Default pause between rounds while online (seconds). A save on one workstation is visible on
#: another within about two rounds.
DEFAULT_INTERVAL = 2.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class AgentState:
    online: bool | None = None            # None: not tried yet
    last_sync: datetime | None = None
    last_error: str = ""
    syncing: bool = False
    rounds: int = 0
    last_conflicts: int = 0


class SyncAgent:
    def __init__(self, client_factory: Callable[[], Any], *, interval: float = DEFAULT_INTERVAL,
                 max_backoff: float = MAX_BACKOFF, on_report: Callable[[Any], None] | None = None,
                 on_state: Callable[[AgentState], None] | None = None) -> None:
        self._factory = client_factory
        self._client: Any = None
        self.interval = interval
        self.max_backoff = max_backoff
        self._pause = interval
        self._on_report = on_report
        self._on_state = on_state
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._round_lock = threading.Lock()
        self._state = AgentState()
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run_forever, name="emr-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def nudge(self, *_: object) -> None:
        """Sync soon (called after each local save; cheap, from any thread)."""
        self._wake.set()

    @property
    def state(self) -> AgentState:
        return self._state

    def _set(self, **changes: Any) -> None:
        self._state = replace(self._state, **changes)
        if self._on_state is not None:
            try:
                self._on_state(self._state)
            except Exception:  # noqa: BLE001 - a listener must not stop sync
                log.exception("sync state listener failed")

    # -- rounds ------------------------------------------------------------------------------

    def sync_now(self) -> Any:
        """One round in the calling thread (serialised with the background rounds)."""
        with self._round_lock:
            self._set(syncing=True)
            try:
                if self._client is None:
                    self._client = self._factory()
                report = self._client.sync_once()
            except HubUnreachable as err:
                self._pause = min(max(self._pause * 2, self.interval), self.max_backoff)
                self._set(online=False, syncing=False, last_error=err.message)
                raise
            except HubError as err:
                self._pause = self.max_backoff
                self._set(online=False, syncing=False, last_error=err.message)
                raise
            except EmrError as err:
                self._pause = self.max_backoff
                self._set(syncing=False, last_error=err.message)
                raise
            except BaseException:
                self._set(syncing=False)
                raise
            self._pause = self.interval
            self._set(online=True, syncing=False, last_error="", last_sync=datetime.now(UTC),
                      rounds=self._state.rounds + 1, last_conflicts=report.conflicts)
            if self._on_report is not None:
                self._on_report(report)
            return report

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()   # a save during the round below wakes the next one at once
            try:
                self.sync_now()
            except EmrError:
                pass  # already in the state; retried after the pause
            except Exception as err:  # noqa: BLE001 - keep syncing; log the type only (no PHI)
                log.error("sync round failed: %s", type(err).__name__)
                self._pause = self.max_backoff
            self._wake.wait(self._pause)
