"""Review open sync conflicts and resolve each: keep the value the record holds, use the other
value, or discard an addendum draft made from an edit refused on a signed note. The service checks
permission and audits; this dialog only shows and asks (work runs through ui.tasks)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.services.conflicts import Resolution
from emr_desktop.ui.conflicts.merge_dialog import MergeDialog, merge_fields
from emr_desktop.ui.messages import error_text
from emr_desktop.ui.qt_models.conflicts import ConflictTableModel
from emr_desktop.ui.tasks import TaskRunner


class ConflictReviewDialog(QDialog):
    sig_conflict_resolved = Signal(object)
    """A conflict was resolved (the ConflictDTO after resolution)."""

    def __init__(self, services: Any, tasks: TaskRunner, actor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self._services, self._tasks, self._actor = services, tasks, actor
        self.model = ConflictTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.message = QLabel("")
        self.keep = QPushButton("&Keep the value kept")
        self.take_other = QPushButton("&Use the other value")
        self.merge = QPushButton("&Merge...")
        self.merge.setToolTip("Choose field by field; text can be edited to keep both versions.")
        self.discard = QPushButton("&Discard addendum draft")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        self.keep.clicked.connect(lambda: self._resolve(Resolution.KEEP))
        self.take_other.clicked.connect(lambda: self._resolve(Resolution.TAKE_OTHER))
        self.discard.clicked.connect(lambda: self._resolve(Resolution.DISCARD_ADDENDUM))
        self.merge.clicked.connect(self._ask_merge)
        buttons = QHBoxLayout()
        for button in (self.keep, self.take_other, self.merge, self.discard):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Both values are kept. Choose what the record should hold; "
                                "every decision is recorded."))
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.resize(1000, 420)
        self._update_buttons()
        self.reload()

    def reload(self) -> None:
        def show(rows: list[Any]) -> None:
            self.model.set_rows(rows)
            self.message.setText("" if rows else "No open conflicts.")
            if rows:
                self.table.selectRow(0)
            self._update_buttons()

        self._tasks.run(lambda: self._services.conflicts.list_open(self._actor), show, self._failed)

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        current = self.selected()
        self.keep.setEnabled(current is not None)
        self.take_other.setEnabled(current is not None and current.kind in ("field", "draft", "removal-edit"))
        self.merge.setEnabled(current is not None and current.kind in ("field", "draft")
                              and bool(merge_fields(current)))
        self.discard.setEnabled(current is not None and current.kind == "signed-edit")

    def _ask_merge(self) -> None:
        current = self.selected()
        if current is None:
            return
        dialog = MergeDialog(current, self)
        try:
            if dialog.exec() == MergeDialog.DialogCode.Accepted:
                self._resolve(Resolution.MERGE, dialog.values())
        finally:
            dialog.deleteLater()

    def _resolve(self, resolution: Resolution, values: dict[str, Any] | None = None) -> None:
        current = self.selected()
        if current is None:
            return
        for button in (self.keep, self.take_other, self.merge, self.discard):
            button.setEnabled(False)

        def done(result: Any) -> None:
            self.message.setText("Resolved.")
            self.sig_conflict_resolved.emit(result)
            self.reload()

        self._tasks.run(lambda: self._services.conflicts.resolve(self._actor, current.id, resolution,
                                                                values=values),
                        done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
        self._update_buttons()

    def clear_phi(self) -> None:
        self.model.clear()
