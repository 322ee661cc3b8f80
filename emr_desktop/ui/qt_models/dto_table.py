"""A read-only QAbstractTableModel over a list of DTOs, described by columns (header + accessor)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ColumnSpec(Generic[T]):
    header: str
    text: Callable[[T], str]
    tooltip: Callable[[T], str] | None = None


class DtoTableModel(QAbstractTableModel, Generic[T]):
    """Rows are DTOs; ``set_rows`` replaces them (a reset, so views keep no stale indexes)."""

    def __init__(self, columns: Sequence[ColumnSpec[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def clear(self) -> None:
        """Drop every row (e.g. at the idle lock: no PHI stays in memory behind a lock screen)."""
        self.set_rows([])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default argument
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) \
                or not (0 <= index.column() < len(self._columns)):
            return None
        spec = self._columns[index.column()]
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.text(item)
        if role == Qt.ItemDataRole.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(item)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section].header
        return None
