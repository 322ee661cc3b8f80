"""The background sync agent: offline status, growing pause, resuming by itself, nudge on save."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

from emr_desktop.services.sync_status import SyncStatusService
from emr_desktop.sync.agent import AgentState, SyncAgent
from emr_desktop.sync.client import SyncClient, SyncReport
from emr_desktop.sync.protocol import HubUnreachable
from emr_desktop.sync.transport import LocalTransport
from tests.sync.harness import first_workstation, hub_export, make_hub


class FlakyClient:
    """Fails with HubUnreachable for the first ``failures`` rounds, then reports success."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.rounds = 0
        self.done = threading.Event()

    def sync_once(self) -> SyncReport:
        self.rounds += 1
        if self.rounds <= self.failures:
            raise HubUnreachable("The practice hub cannot be reached.")
        self.done.set()
        return SyncReport()


def test_offline_then_resumes_by_itself() -> None:
    client = FlakyClient(failures=3)
    states: list[AgentState] = []
    agent = SyncAgent(lambda: client, interval=0.001, max_backoff=0.004, on_state=states.append)
    agent.start()
    try:
        assert client.done.wait(30)
    finally:
        agent.stop()
    offline = [s for s in states if s.online is False and not s.syncing]
    assert len(offline) == 3 and all("cannot be reached" in s.last_error for s in offline)
    assert agent.state.online is True and agent.state.last_error == "" and agent.state.last_sync is not None


def test_pause_grows_while_offline_and_resets_when_online() -> None:
    client = FlakyClient(failures=4)
    agent = SyncAgent(lambda: client, interval=1.0, max_backoff=8.0)
    pauses = []
    for _ in range(4):
        try:
            agent.sync_now()
        except HubUnreachable:
            pauses.append(agent._pause)
    assert pauses == [2.0, 4.0, 8.0, 8.0]
    agent.sync_now()
    assert agent._pause == 1.0


def test_a_save_wakes_the_agent_at_once(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    ws = first_workstation(hub, tmp_path / "a")
    rounds: list[Any] = []
    first, second = threading.Event(), threading.Event()

    def report(r: Any) -> None:
        rounds.append(r)
        (second if first.is_set() else first).set()

    client = SyncClient(ws.db, ws.client.transport)
    agent = SyncAgent(lambda: client, interval=3600.0, on_report=report)   # the timer alone would wait an hour
    ws.db.change_listeners.append(agent.nudge)
    doc = ws.login("doc")
    agent.start()
    try:
        assert first.wait(60)          # the start-up round
        ws.services.patients.register(doc, family_name="Nudge", given_name="Test",
                                      birth_date=date(1990, 1, 1), sex="female")
        assert second.wait(60)         # woken by the save, not by the hour-long timer
    finally:
        agent.stop()
    assert rounds[1].pushed > 0 and ws.client.pending_count() == 0
    ws.close()


class DownTransport(LocalTransport):
    def __init__(self, inner: LocalTransport) -> None:
        super().__init__(inner.service, inner.credential)
        self.down = True

    def handshake(self) -> dict[str, Any]:
        if self.down:
            raise HubUnreachable("The practice hub cannot be reached.")
        return super().handshake()


def test_status_says_offline_and_pending_grows_then_drains(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    ws = first_workstation(hub, tmp_path / "a")
    transport = DownTransport(ws.client.transport)
    client = SyncClient(ws.db, transport)
    agent = SyncAgent(lambda: client)
    status = SyncStatusService(ws.db, agent)
    doc = ws.login("doc")
    pending = []
    for name in ("One", "Two"):
        ws.services.patients.register(doc, family_name=name, given_name="Offline",
                                      birth_date=date(1980, 2, 2), sex="male")
        try:
            agent.sync_now()
        except HubUnreachable:
            pass
        current = status.status()
        assert current.online is False and current.label.startswith("Offline")
        pending.append(current.pending_changes)
    assert pending[0] > 0 and pending[1] > pending[0]
    transport.down = False
    agent.sync_now()
    current = status.status()
    assert current.online is True and current.pending_changes == 0 and current.label == "Up to date"
    assert current.enrolled and current.last_sync is not None
    assert ws.export() == hub_export(hub)
    ws.close()
