"""A small line chart of values over time: one or more named series of (datetime, value), an optional
reference band (shaded when both limits are known, a dashed line for a one-sided limit) and dashed
threshold lines, on a date axis. Generic: vitals and lab results both use it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtCharts import (
    QAreaSeries,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QStackedLayout, QToolTip, QWidget

_BAND_FILL = QColor(34, 197, 94, 40)
_BAND_EDGE = QColor(22, 163, 74, 140)
_THRESHOLD = QColor("#b45309")
_SERIES_COLOURS = (QColor("#1d4ed8"), QColor("#7c3aed"), QColor("#0f766e"), QColor("#be185d"))


@dataclass(frozen=True)
class TrendSeries:
    """One line: ``points`` are (when, value); they are drawn in time order."""

    name: str
    points: Sequence[tuple[datetime, float]] = field(default_factory=tuple)


def _ms(when: datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() * 1000.0


def _when(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)


class TrendChart(QWidget):
    """``set_trend(series, band=..., thresholds=..., unit=...)`` draws; ``clear()`` empties it.
    With no points it shows ``empty_text`` instead of an empty plot."""

    def __init__(self, parent: QWidget | None = None, *, empty_text: str = "Nothing to chart yet.") -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self._chart = QChart()
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._chart.setBackgroundRoundness(0)
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._view = QChartView(self._chart)
        self._view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._view.setMinimumHeight(180)
        self._empty = QLabel(empty_text)
        self._empty.setObjectName("trendChartEmpty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self._view)
        self._lines: dict[str, QLineSeries] = {}
        self._band: tuple[float | None, float | None] | None = None
        self._unit = ""

    # --- drawing --------------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every series (e.g. at the idle lock: no PHI stays behind)."""
        self._chart.removeAllSeries()
        for axis in self._chart.axes():
            self._chart.removeAxis(axis)  # hands the axis back to us: delete it
            axis.deleteLater()
        self._chart.setTitle("")
        self._lines = {}
        self._band = None
        self._unit = ""
        self._stack.setCurrentWidget(self._empty)
        self.setAccessibleDescription("")

    def set_trend(self, series: Sequence[TrendSeries], *, title: str = "", unit: str = "",
                  band: tuple[float | None, float | None] | None = None,
                  thresholds: Sequence[tuple[str, float]] = ()) -> None:
        """Draw ``series`` against time. ``band`` = (low, high) reference range (either may be
        None); ``thresholds`` = dashed horizontal lines (label, value), e.g. a BP goal."""
        self.clear()
        drawn = [s for s in series if s.points]
        if not drawn:
            return
        self._unit = unit
        self._band = band
        self._chart.setTitle(title)
        times = [_ms(w) for s in drawn for w, _v in s.points]
        values = [float(v) for s in drawn for _w, v in s.points]
        x_min, x_max = min(times), max(times)
        if x_max - x_min < 3_600_000:  # one visit: give the axis a day either side
            x_min -= 86_400_000
            x_max += 86_400_000
        else:
            pad = (x_max - x_min) * 0.03
            x_min, x_max = x_min - pad, x_max + pad

        x_axis = QDateTimeAxis()
        span_days = (x_max - x_min) / 86_400_000
        x_axis.setFormat("MM/dd" if span_days <= 120 else ("MMM yy" if span_days <= 1100 else "yyyy"))
        x_axis.setTickCount(4 if span_days > 2 else 3)
        x_axis.setLabelsFont(self._small_font())
        x_axis.setRange(QDateTime.fromMSecsSinceEpoch(int(x_min)), QDateTime.fromMSecsSinceEpoch(int(x_max)))
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%g")
        y_axis.setLabelsFont(self._small_font())
        if unit:
            y_axis.setTitleText(unit)
        self._chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)

        limits = list(values)
        if band is not None:
            limits += [v for v in band if v is not None]
            self._add_band(band, x_min, x_max, x_axis, y_axis)
        for label, value in thresholds:
            limits.append(value)
            self._add_level(label, value, x_min, x_max, x_axis, y_axis, _THRESHOLD)

        for i, s in enumerate(drawn):
            line = QLineSeries()
            line.setName(s.name)
            line.setPointsVisible(True)
            pen = QPen(_SERIES_COLOURS[i % len(_SERIES_COLOURS)])
            pen.setWidthF(2.0)
            line.setPen(pen)
            for when, value in sorted(s.points, key=lambda p: _ms(p[0])):
                line.append(_ms(when), float(value))
            line.hovered.connect(lambda point, state, name=s.name: self._show_point(name, point, state))
            self._chart.addSeries(line)
            line.attachAxis(x_axis)
            line.attachAxis(y_axis)
            self._lines[s.name] = line

        low, high = min(limits), max(limits)
        span = (high - low) or max(abs(high) * 0.1, 1.0)
        y_axis.setRange(low - span * 0.1, high + span * 0.1)
        y_axis.applyNiceNumbers()
        legend = self._chart.legend()
        legend.setFont(self._small_font())
        legend.setVisible(len(self._chart.series()) > 1)
        self._stack.setCurrentWidget(self._view)
        self.setAccessibleDescription(self._describe(drawn))

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        return font

    def _add_band(self, band: tuple[float | None, float | None], x_min: float, x_max: float,
                  x_axis: QDateTimeAxis, y_axis: QValueAxis) -> None:
        low, high = band
        if low is not None and high is not None:
            upper, lower = QLineSeries(), QLineSeries()
            for x in (x_min, x_max):
                upper.append(x, high)
                lower.append(x, low)
            area = QAreaSeries(upper, lower)
            upper.setParent(area)  # the area only borrows its edges: keep them alive with it
            lower.setParent(area)
            area.setName(f"Reference {low:g}–{high:g}")
            area.setBrush(QBrush(_BAND_FILL))
            area.setPen(QPen(_BAND_EDGE, 1.0, Qt.PenStyle.DashLine))
            self._chart.addSeries(area)
            area.attachAxis(x_axis)
            area.attachAxis(y_axis)
        elif low is not None:
            self._add_level(f"Lower limit {low:g}", low, x_min, x_max, x_axis, y_axis, _BAND_EDGE)
        elif high is not None:
            self._add_level(f"Upper limit {high:g}", high, x_min, x_max, x_axis, y_axis, _BAND_EDGE)

    def _add_level(self, label: str, value: float, x_min: float, x_max: float, x_axis: QDateTimeAxis,
                   y_axis: QValueAxis, colour: QColor) -> None:
        line = QLineSeries()
        line.setName(label)
        line.setPen(QPen(colour, 1.5, Qt.PenStyle.DashLine))
        line.append(x_min, value)
        line.append(x_max, value)
        self._chart.addSeries(line)
        line.attachAxis(x_axis)
        line.attachAxis(y_axis)

    def _show_point(self, name: str, point: QPointF, state: bool) -> None:
        if not state:
            QToolTip.hideText()
            return
        when = _when(point.x()).astimezone()
        QToolTip.showText(self.cursor().pos(),
                          f"{name}: {point.y():g} {self._unit}".rstrip() + f"\n{when:%m/%d/%Y %H:%M}", self)

    def _describe(self, drawn: Sequence[TrendSeries]) -> str:
        parts = []
        for s in drawn:
            last_when, last_value = max(s.points, key=lambda p: _ms(p[0]))
            parts.append(f"{s.name}: {len(s.points)} values, latest {last_value:g} {self._unit} "
                         f"on {last_when.astimezone():%m/%d/%Y}")
        return "; ".join(parts)

    # --- for callers and tests ------------------------------------------------------------------

    @property
    def chart(self) -> QChart:
        return self._chart

    @property
    def band(self) -> tuple[float | None, float | None] | None:
        return self._band

    def series_names(self) -> list[str]:
        """The data series (not the band or threshold lines), in drawing order."""
        return list(self._lines)

    def points(self, name: str) -> list[tuple[datetime, float]]:
        """The points drawn for one series as (UTC datetime, value), oldest first."""
        line = self._lines[name]
        return [(_when(p.x()), p.y()) for p in line.points()]

    def has_data(self) -> bool:
        return bool(self._lines)

