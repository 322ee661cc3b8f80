"""The Labs tab: results newest first with abnormal flags, a filter, the details and trend of the
selected test (same LOINC, with its reference band), and "Mark reviewed" for providers."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.enums import LabOrderStatus, RecordStatus, ResultStatus, Role
from emr_desktop.domain.records import ChartDTO, LabOrderDTO, LabResultDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, selected_row
from emr_desktop.ui.qt_models.labs import (
    FLAG_MEANING,
    Column,
    LabResultTableModel,
    filter_results,
    flag_text,
    is_abnormal,
    reference_text,
    result_flag,
    reviewed_text,
    value_text,
)
from emr_desktop.ui.widgets.trend_chart import TrendChart, TrendSeries

_DETAILS = ("Test", "Result", "Reference", "Collected", "Resulted", "Status", "Lab", "Ordered by",
            "Comment", "Reviewed")


def trend_points(results: tuple[LabResultDTO, ...] | list[LabResultDTO], loinc: str) -> list[LabResultDTO]:
    """The numeric, active, not-cancelled results of one test, oldest first."""
    rows = [r for r in results if r.loinc == loinc and r.value_numeric is not None
            and r.record_status == RecordStatus.ACTIVE.value and r.status != ResultStatus.CANCELLED.value]
    return sorted(rows, key=lambda r: r.collected_at)


class LabsTab(ChartTab):
    title = "&Labs"
    sections = ("lab_results", "lab_orders")

    sig_result_selected = Signal(object)
    """The selected result changed; carries the LabResultDTO, or None when nothing is selected."""

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("labsTab")
        self._orders: dict[uuid.UUID, LabOrderDTO] = {}
        layout = self.layout_with_notice()

        bar = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("labsFilter")
        self.filter.setPlaceholderText("Test name or LOINC")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter results by test")
        self.filter.textChanged.connect(lambda _t: self._refilter())
        find_label = QLabel("&Find test:")
        find_label.setBuddy(self.filter)
        self.only_abnormal = QCheckBox("Only a&bnormal")
        self.only_abnormal.setObjectName("labsOnlyAbnormal")
        self.only_abnormal.toggled.connect(lambda _c: self._refilter())
        self.count_label = QLabel("")
        self.count_label.setObjectName("labsCount")
        self.review_button = QPushButton("Mark &reviewed")
        self.review_button.setObjectName("labsMarkReviewed")
        self.review_button.clicked.connect(self.mark_reviewed)
        bar.addWidget(find_label)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.only_abnormal)
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.review_button)
        layout.addLayout(bar)

        self.model = LabResultTableModel(self)
        self.table = make_table(self.model, stretch_column=Column.TEST)
        self.table.setObjectName("labsTable")
        self.table.setAccessibleName("Lab results")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        details = QFrame()
        details.setObjectName("labDetails")
        form = QFormLayout(details)
        form.setContentsMargins(4, 0, 4, 0)
        self.detail_labels: dict[str, QLabel] = {}
        for name in _DETAILS:
            label = QLabel("")
            label.setTextFormat(Qt.TextFormat.PlainText)  # lab text is data, never markup
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.detail_labels[name] = label
            form.addRow(f"{name}:", label)
        self.trend = TrendChart(empty_text="Select a result to see the trend of that test.")
        self.trend.setAccessibleName("Lab result trend")
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(details)
        right_layout.addWidget(self.trend, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.pending_label = QLabel("")
        self.pending_label.setObjectName("labsPending")
        self.pending_label.setWordWrap(True)
        layout.addWidget(self.pending_label)
        QWidget.setTabOrder(self.filter, self.only_abnormal)
        QWidget.setTabOrder(self.only_abnormal, self.review_button)
        QWidget.setTabOrder(self.review_button, self.table)
        self._show_details(None)

    # --- filtering and selection ---------------------------------------------------------------

    def _refilter(self) -> None:
        keep = self.selected_result()
        results = self.chart.lab_results if self.chart is not None else ()
        shown = filter_results(results, self.filter.text(), only_abnormal=self.only_abnormal.isChecked())
        self.model.set_rows(shown)
        unreviewed = sum(1 for r in results if is_abnormal(r) and r.reviewed_at is None)
        noun = "result" if len(results) == 1 else "results"
        count = f"{len(shown)} of {len(results)} {noun}" if len(shown) != len(results) \
            else f"{len(results)} {noun}"
        self.count_label.setText(count + (f" · {unreviewed} abnormal not reviewed" if unreviewed else ""))
        if not (keep is not None and self.select_result(keep.id)) and self.model.rowCount():
            self.table.selectRow(0)  # the newest result, with its trend, without a click
        self._selection_changed()

    def select_result(self, result_id: uuid.UUID) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == result_id:
                self.table.selectRow(row)
                return True
        return False

    def selected_result(self) -> LabResultDTO | None:
        row = selected_row(self.table)
        return self.model.row_at(row) if row is not None else None

    def _selection_changed(self, *_args: object) -> None:
        result = self.selected_result()
        self._show_details(result)
        self._show_trend(result)
        self.review_button.setEnabled(result is not None and result.reviewed_at is None
                                      and self._may_review())
        self.sig_result_selected.emit(result)

    def _may_review(self) -> bool:
        actor = self.ctx.actor
        return (Role.PROVIDER.value in actor.roles
                and allows(actor, Category.LAB, Verb.WRITE, self.patient_id))

    # --- details and trend ---------------------------------------------------------------------

    def _show_details(self, result: LabResultDTO | None) -> None:
        if result is None:
            for label in self.detail_labels.values():
                label.setText("")
            return
        flag = result_flag(result)
        meaning = FLAG_MEANING.get(flag, flag)
        order = self._orders.get(result.order_id) if result.order_id else None
        texts = {
            "Test": f"{result.display} (LOINC {result.loinc})",
            "Result": value_text(result) + (f"  {flag_text(result) or flag} – {meaning}" if flag else ""),
            "Reference": reference_text(result) or "—",
            "Collected": f"{result.collected_at.astimezone():%m/%d/%Y %H:%M}",
            "Resulted": f"{result.resulted_at.astimezone():%m/%d/%Y %H:%M}" if result.resulted_at else "—",
            "Status": result.status.capitalize(),
            "Lab": result.performing_lab or (order.performing_lab if order else "") or "—",
            "Ordered by": self._ordered_by(order),
            "Comment": result.comment or "—",
            "Reviewed": reviewed_text(result) if result.reviewed_at else "Not yet reviewed",
        }
        for name, text in texts.items():
            self.detail_labels[name].setText(text)

    def _ordered_by(self, order: LabOrderDTO | None) -> str:
        if order is None:
            return "—"
        when = f"{order.ordered_at.astimezone():%m/%d/%Y}"
        return f"{self.ctx.staff_name(order.ordered_by_id)}, {when}"

    def _show_trend(self, result: LabResultDTO | None) -> None:
        if result is None or self.chart is None:
            self.trend.clear()
            return
        rows = trend_points(self.chart.lab_results, result.loinc)
        band = (result.reference_low, result.reference_high) \
            if result.reference_low is not None or result.reference_high is not None else None
        self.trend.set_trend([TrendSeries(result.display, [(r.collected_at, r.value_numeric) for r in rows])],
                             unit=result.unit, band=band)

    # --- actions -------------------------------------------------------------------------------

    def mark_reviewed(self) -> None:
        result = self.selected_result()
        if result is None or result.reviewed_at is not None:
            return
        service = self.ctx.services.lab_results
        result_id = result.id
        self.review_button.setEnabled(False)
        self.save(lambda actor: service.mark_reviewed(actor, result_id), saved="Result marked reviewed.",
                  on_error=lambda _exc: self._selection_changed())

    # --- ChartTab --------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        self._orders = {o.id: o for o in chart.lab_orders}
        self._refilter()
        pending = [o for o in chart.lab_orders
                   if o.status in (LabOrderStatus.ORDERED.value, LabOrderStatus.COLLECTED.value)]
        self.pending_label.setText(
            "Awaiting results: " + "; ".join(f"{o.display} (ordered {o.ordered_at.astimezone():%m/%d/%Y})"
                                             for o in pending) if pending else "")

    def clear_tab(self) -> None:
        self._orders = {}
        self.model.clear()
        self.filter.clear()
        self.only_abnormal.setChecked(False)
        self.trend.clear()
        self.count_label.setText("")
        self.pending_label.setText("")
        self._show_details(None)
