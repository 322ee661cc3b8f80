"""A read-only QAbstractTableModel over a list of DTOs, described by columns (header + accessor)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


class Emphasis(Enum):
    """How a cell stands out: out-of-range values, critical results, inactive records."""

    NONE = "none"
    ABNORMAL = "abnormal"      # outside the reference or target range
    CRITICAL = "critical"      # panic values: bold red
    MUTED = "muted"            # stopped, resolved, entered in error


_FOREGROUND = {Emphasis.ABNORMAL: QColor("#b45309"), Emphasis.CRITICAL: QColor("#b91c1c"),
               Emphasis.MUTED: QColor("#6b7280")}
_BACKGROUND = {Emphasis.ABNORMAL: QColor("#fff7e6"), Emphasis.CRITICAL: QColor("#fde8e8")}

#: Data role that returns the row's DTO itself (for delegates and tests).
DTO_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class ColumnSpec(Generic[T]):
    header: str
    text: Callable[[T], str]
    tooltip: Callable[[T], str] | None = None
    #: How this cell stands out; colour is never the only signal (the text says "H", "L", "stopped").
    emphasis: Callable[[T], Emphasis] | None = None
    align_right: bool = False


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
            return spec.tooltip(item) or None
        if role == DTO_ROLE:
            return item
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if spec.emphasis is not None and role in (Qt.ItemDataRole.ForegroundRole,
                                                  Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole):
            return self._emphasis(spec.emphasis(item), role)
        return None

    @staticmethod
    def _emphasis(emphasis: Emphasis, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and emphasis in _FOREGROUND:
            return QBrush(_FOREGROUND[emphasis])
        if role == Qt.ItemDataRole.BackgroundRole and emphasis in _BACKGROUND:
            return QBrush(_BACKGROUND[emphasis])
        if role == Qt.ItemDataRole.FontRole and emphasis in (Emphasis.ABNORMAL, Emphasis.CRITICAL):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._columns):
            return self._columns[section].header
        return None
