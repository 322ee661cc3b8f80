"""Background work. Database calls run one at a time on a dedicated worker thread (SQLite has one
writer; serial keeps ORM sessions off the GUI thread); results come back on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    sig_finished = Signal(object)
    """The task returned; carries its result (delivered on the GUI thread)."""
    sig_failed = Signal(object)
    """The task raised; carries the exception (delivered on the GUI thread)."""


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            self._relay.sig_failed.emit(exc)
        else:
            self._relay.sig_finished.emit(result)


def _deliver(callback: Callable[[Any], None], value: Any) -> None:
    """Hand a result to the GUI. A window closed while its work ran (e.g. the user quit, or the
    screen locked and the dialog went away) leaves nothing to show it in: the result is dropped."""
    try:
        callback(value)
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise
        log.debug("a background result arrived for a closed window; dropped")


class TaskRunner(QObject):
    """Owns the serial database executor. ``run(fn, on_done, on_error)`` never blocks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db_pool = QThreadPool(self)
        self._db_pool.setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        relay = _Relay()
        self._relays.add(relay)

        def finish(result: Any) -> None:
            self._relays.discard(relay)
            _deliver(on_done, result)

        def fail(exc: BaseException) -> None:
            self._relays.discard(relay)
            _deliver(on_error, exc)

        relay.sig_finished.connect(finish)
        relay.sig_failed.connect(fail)
        self._db_pool.start(_Job(fn, relay))

    @property
    def pending(self) -> int:
        """Tasks started whose result has not been delivered yet."""
        return len(self._relays)

    def wait_for_idle(self, msecs: int = 30000) -> bool:
        return self._db_pool.waitForDone(msecs)
