"""Idle lock: after the practice's idle time with no keyboard or mouse input, the app locks.

The clock is injectable so tests can move time without waiting; the timer only decides *when to
look*, the clock decides whether the idle time has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_INPUT_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
}


class IdleLock(QObject):
    sig_idle_timeout = Signal()
    """No user input for the idle time; the window must lock now."""

    def __init__(self, timeout_seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 check_every_ms: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timeout = timeout_seconds
        self._clock = clock
        self._last_input = clock()
        self._armed = True
        self._timer = QTimer(self)
        self._timer.setInterval(check_every_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT_EVENTS:
            self._last_input = self._clock()
        return False

    def set_timeout(self, seconds: float) -> None:
        self._timeout = seconds

    def check(self) -> None:
        if self._armed and self._clock() - self._last_input >= self._timeout:
            self._armed = False
            self.sig_idle_timeout.emit()

    def rearm(self) -> None:
        """Call after the user logged in again."""
        self._last_input = self._clock()
        self._armed = True
