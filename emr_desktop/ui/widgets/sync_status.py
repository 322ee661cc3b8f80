"""The status-bar sync indicator: online/offline, last sync, changes waiting, open conflicts.

It reads the status in the background (ui.tasks) on a timer and never pops anything up when the
network comes or goes; the "Review" button appears while conflicts are open.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.ui.tasks import TaskRunner


class SyncStatusWidget(QWidget):
    sig_review_requested = Signal()
    """The user asked to review open sync conflicts."""

    sig_status_changed = Signal(object)
    """A fresh SyncStatusDTO was shown."""

    def __init__(self, status_source: Any, tasks: TaskRunner, parent: QWidget | None = None,
                 interval_ms: int = 3000, autostart: bool = True) -> None:
        super().__init__(parent)
        self._source = status_source
        self._tasks = tasks
        self.label = QLabel("")
        self.label.setObjectName("syncStatus")
        self.review = QPushButton("Review conflicts")
        self.review.setObjectName("syncReview")
        self.review.hide()
        self.review.clicked.connect(self.sig_review_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.review)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.refresh)
        if autostart:
            self._timer.start()
            self.refresh()

    def refresh(self) -> None:
        self._tasks.run(self._source.status, self.show_status, lambda _e: None)

    def show_status(self, status: Any) -> None:
        parts = [status.label]
        if status.enrolled and status.last_sync is not None:
            parts.append(f"last sync {status.last_sync.astimezone():%H:%M}")
        if status.not_accepted:
            parts.append(f"{status.not_accepted} change(s) not accepted by the hub")
        text = " · ".join(parts)
        if status.open_conflicts:
            text += f" · {status.open_conflicts} conflict(s) to review"
        self.label.setText(text)
        self.label.setProperty("state", "offline" if status.online is False else "online")
        self.label.setToolTip(status.message or "")
        self.review.setVisible(status.open_conflicts > 0)
        self.sig_status_changed.emit(status)
