"""Hybrid logical clock: never backwards, survives restarts, refuses stamps from too far ahead."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.models import SyncState
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services
from emr_desktop.sync.hlc import ClockDriftError, HybridLogicalClock, Stamp


class FakeWall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@given(st.lists(st.tuples(st.integers(-10**9, 10**9), st.booleans(), st.integers(-10**6, 10**6)),
                max_size=60))
def test_stamps_strictly_increase_whatever_the_wall_clock_does(steps: list[tuple[int, bool, int]]) -> None:
    wall = FakeWall(1_700_000_000_000)
    clock = HybridLogicalClock("wsA", wall=wall, max_drift_ms=10**7)
    seen = [clock.now()]
    for jump, remote, offset in steps:
        wall.ms = max(0, wall.ms + jump)  # jumps backwards too
        if remote:
            try:
                seen.append(clock.observe(Stamp(max(0, wall.ms + offset), 3, "wsB")))
            except ClockDriftError:
                assert offset > 10**7
                continue
        else:
            seen.append(clock.now())
    encoded = [s.encode() for s in seen]
    assert [(s.ms, s.counter) for s in seen] == sorted((s.ms, s.counter) for s in seen)
    assert len(set(encoded)) == len(encoded) and encoded == sorted(encoded)


def test_observe_moves_past_remote_and_refuses_far_future() -> None:
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock("wsA", wall=wall, max_drift_ms=60_000)
    after = clock.observe(Stamp(1_030_000, 7, "wsB"))
    assert (after.ms, after.counter, after.site) == (1_030_000, 8, "wsA")
    assert clock.now() > after
    with pytest.raises(ClockDriftError, match="ahead"):
        clock.observe(Stamp(1_000_000 + 60_001, 0, "wsB"))


def test_restart_resumes_after_last_persisted_stamp() -> None:
    wall = FakeWall(5_000)
    first = HybridLogicalClock("wsA", wall=wall)
    last = [first.now() for _ in range(3)][-1]
    wall.ms = 10  # machine clock reset to the past after a restart
    restarted = HybridLogicalClock("wsA", wall=wall, last=Stamp.decode(last.encode()))
    assert restarted.now() > last


def test_decode_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        Stamp.decode("not-a-stamp")
    with pytest.raises(ValueError):
        Stamp.decode(f"{1 << 49}-00000-ws")


def test_clock_survives_reopening_the_store(store: ChartStore, services: Services, admin: Actor,
                                            settings: Settings) -> None:
    p = services.patients.register(admin, family_name="Clock", given_name="Test",
                                   birth_date=date(2000, 1, 1), sex="male")
    last = services.patients.update(admin, p.id, alert_note="x").updated_hlc
    with store.db.read() as s:
        assert s.get(SyncState, "hlc").value >= last  # persisted with the change (and its audit entry)
    store.close()
    reopened = ChartStore.open(settings, KeyStore())
    try:
        assert reopened.db.clock.now().encode() > last
    finally:
        reopened.close()
