"""The generic trend chart: the points it draws, its reference band and threshold lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCharts import QAreaSeries, QDateTimeAxis, QLineSeries, QValueAxis

from emr_desktop.ui.widgets.trend_chart import TrendChart, TrendSeries

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _chart(qtbot: Any) -> TrendChart:
    chart = TrendChart(empty_text="Nothing yet")
    qtbot.addWidget(chart)
    chart.resize(500, 300)
    return chart


def test_points_are_drawn_in_time_order(qtbot: Any) -> None:
    chart = _chart(qtbot)
    points = [(T0 + timedelta(days=60), 7.4), (T0, 6.1), (T0 + timedelta(days=30), 8.2)]
    chart.set_trend([TrendSeries("A1c", points)], unit="%", band=(4.0, 5.6))
    assert chart.has_data() and chart.series_names() == ["A1c"]
    drawn = chart.points("A1c")
    assert [v for _w, v in drawn] == [6.1, 8.2, 7.4]
    assert [w for w, _v in drawn] == [T0, T0 + timedelta(days=30), T0 + timedelta(days=60)]
    # the band is a shaded area between the two limits, and the y axis shows it whole
    areas = [s for s in chart.chart.series() if isinstance(s, QAreaSeries)]
    assert len(areas) == 1
    assert {p.y() for p in areas[0].upperSeries().points()} == {5.6}
    assert {p.y() for p in areas[0].lowerSeries().points()} == {4.0}
    y_axis = next(a for a in chart.chart.axes() if isinstance(a, QValueAxis))
    assert y_axis.min() <= 4.0 and y_axis.max() >= 8.2 and y_axis.titleText() == "%"
    x_axis = next(a for a in chart.chart.axes() if isinstance(a, QDateTimeAxis))
    assert x_axis.min().toMSecsSinceEpoch() <= T0.timestamp() * 1000
    assert "A1c: 3 values, latest 7.4 %" in chart.accessibleDescription()


def test_two_series_thresholds_and_a_one_sided_band(qtbot: Any) -> None:
    chart = _chart(qtbot)
    chart.set_trend([TrendSeries("Systolic", [(T0, 152), (T0 + timedelta(days=7), 138)]),
                     TrendSeries("Diastolic", [(T0, 96), (T0 + timedelta(days=7), 84)])],
                    unit="mm Hg", thresholds=[("Limit 140", 140), ("Limit 90", 90)])
    assert chart.series_names() == ["Systolic", "Diastolic"]
    assert [v for _w, v in chart.points("Diastolic")] == [96, 84]
    lines = {s.name(): s for s in chart.chart.series() if isinstance(s, QLineSeries)}
    assert {p.y() for p in lines["Limit 140"].points()} == {140}
    assert chart.chart.legend().isVisible()

    chart.set_trend([TrendSeries("SpO2", [(T0, 95)])], band=(92, None))
    assert chart.series_names() == ["SpO2"] and chart.band == (92, None)
    lines = {s.name(): s for s in chart.chart.series() if isinstance(s, QLineSeries)}
    assert {p.y() for p in lines["Lower limit 92"].points()} == {92}
    assert not any(isinstance(s, QAreaSeries) for s in chart.chart.series())
    # one visit: the date axis still has a width
    x_axis = next(a for a in chart.chart.axes() if isinstance(a, QDateTimeAxis))
    assert x_axis.max().toMSecsSinceEpoch() - x_axis.min().toMSecsSinceEpoch() >= 86_400_000


def test_redrawing_with_a_band_many_times_is_stable(qtbot: Any) -> None:
    """The band's edge lines are kept alive with the area (a dangling edge used to crash Qt)."""
    chart = _chart(qtbot)
    chart.show()
    for i in range(5):
        chart.set_trend([TrendSeries("K", [(T0, 4.0 + i / 10), (T0 + timedelta(days=1), 5.5)])],
                        band=(3.5, 5.1), unit="mmol/L")
        chart.grab()
    assert [v for _w, v in chart.points("K")] == [pytest.approx(4.4), 5.5]


def test_empty_and_clear(qtbot: Any) -> None:
    chart = _chart(qtbot)
    chart.set_trend([TrendSeries("Weight", [])])
    assert not chart.has_data() and chart._stack.currentWidget() is chart._empty
    chart.set_trend([TrendSeries("Weight", [(T0, 80.0)])], band=(None, None))
    assert chart.has_data() and chart._stack.currentWidget() is chart._view
    chart.clear()
    assert not chart.has_data() and chart.chart.series() == [] and chart.chart.axes() == []
    assert chart.accessibleDescription() == ""
    with pytest.raises(KeyError):
        chart.points("Weight")
