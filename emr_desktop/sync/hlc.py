"""Hybrid logical clock (DESIGN §3): 48-bit wall milliseconds + 16-bit counter + site id.

Stamps order and display changes; they never decide clinical conflicts. The clock never runs
backwards (it survives restarts through the value persisted with every change) and refuses
remote stamps too far in the future.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_MS = (1 << 48) - 1
MAX_COUNTER = (1 << 16) - 1
DEFAULT_MAX_DRIFT_MS = 5 * 60 * 1000


class ClockDriftError(ValueError):
    """A remote stamp is further ahead of this clock than the drift limit allows."""


@dataclass(frozen=True, order=True, slots=True)
class Stamp:
    ms: int
    counter: int
    site: str

    def encode(self) -> str:
        # Fixed-width decimal so string order equals time order.
        return f"{self.ms:015d}-{self.counter:05d}-{self.site}"

    @classmethod
    def decode(cls, text: str) -> Stamp:
        ms, counter, site = text.split("-", 2)
        stamp = cls(int(ms), int(counter), site)
        if not (0 <= stamp.ms <= MAX_MS and 0 <= stamp.counter <= MAX_COUNTER):
            raise ValueError("HLC stamp out of range")
        return stamp


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridLogicalClock:
    def __init__(
        self,
        site: str,
        *,
        last: Stamp | None = None,
        wall: Callable[[], int] = wall_ms,
        max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
    ) -> None:
        self.site = site
        self._wall = wall
        self._max_drift_ms = max_drift_ms
        self._ms, self._counter = (last.ms, last.counter) if last else (0, 0)
        self._lock = threading.Lock()

    @property
    def last(self) -> Stamp:
        return Stamp(self._ms, self._counter, self.site)

    def _advance(self, ms: int, counter: int) -> Stamp:
        if counter > MAX_COUNTER:
            ms, counter = ms + 1, 0
        self._ms, self._counter = ms, counter
        return Stamp(ms, counter, self.site)

    def now(self) -> Stamp:
        """Stamp a local event."""
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                return self._advance(wall, 0)
            return self._advance(self._ms, self._counter + 1)

    def observe(self, remote: Stamp) -> Stamp:
        """Merge a stamp received from elsewhere; refuse one beyond the drift limit."""
        with self._lock:
            wall = self._wall()
            if remote.ms - wall > self._max_drift_ms:
                raise ClockDriftError(
                    f"remote clock is {(remote.ms - wall) // 1000} s ahead of this workstation"
                )
            top = max(wall, self._ms, remote.ms)
            if top == self._ms == remote.ms:
                counter = max(self._counter, remote.counter) + 1
            elif top == self._ms:
                counter = self._counter + 1
            elif top == remote.ms:
                counter = remote.counter + 1
            else:
                counter = 0
            return self._advance(top, counter)
