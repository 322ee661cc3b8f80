"""Imaging reports: the list (newest first) and the selected report's impression and full text.
Reports that arrive on paper are typed in with "Add report…"."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QTextBrowser, QWidget

from emr_desktop.domain.records import ChartDTO, ImagingReportDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, selected_record
from emr_desktop.ui.chart.imaging_dialog import ImagingReportDialog
from emr_desktop.ui.qt_models.imaging import (
    Column,
    ImagingTableModel,
    modality_label,
    performed_text,
    status_label,
)


def report_html(report: ImagingReportDTO) -> str:
    """The report as the viewer shows it: what and where, the impression in bold, then the text."""
    details = [f"Performed {performed_text(report)}"]
    details += [escape(x) for x in (report.body_site, report.facility) if x]
    if report.radiologist:
        details.append(f"Read by {escape(report.radiologist)}")
    details.append(f"Status: {escape(status_label(report.status))}")
    parts = [f"<h3>{escape(report.study)} &mdash; {escape(modality_label(report.modality))}</h3>",
             f"<p>{' &middot; '.join(details)}</p>"]
    if report.impression:
        parts.append(f"<p><b>Impression:</b></p><p style='white-space: pre-wrap'><b>"
                     f"{escape(report.impression)}</b></p>")
    if report.report_text:
        parts.append(f"<p><b>Report:</b></p>"
                     f"<p style='white-space: pre-wrap'>{escape(report.report_text)}</p>")
    return "".join(parts)


class ImagingTab(ChartTab):
    title = "I&maging"
    sections = ("imaging",)

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("imagingTab")
        self.model = ImagingTableModel(self)
        self.table = make_table(self.model, stretch_column=Column.STUDY)
        self.table.setObjectName("imagingTable")
        self.viewer = QTextBrowser()
        self.viewer.setObjectName("imagingReportViewer")
        self.viewer.setReadOnly(True)
        self.viewer.setOpenLinks(False)
        self.viewer.setPlaceholderText("Select a report to read it.")
        self.add_button = QPushButton("&Add report…")
        self.add_button.setToolTip("Type in a report received on paper (fax or letter)")
        self.add_button.clicked.connect(self.add_report)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = self.layout_with_notice()
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.setTabOrder(self.add_button, self.table)
        self.setTabOrder(self.table, self.viewer)

    # --- ChartTab ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        keep = self.selected_report()
        reports = sorted(chart.imaging, key=lambda r: r.performed_at, reverse=True)
        self.model.set_rows(reports)
        row = next((i for i, r in enumerate(reports) if keep is not None and r.id == keep.id), 0)
        if reports:
            self.table.selectionModel().select(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show_selected()
        self.add_button.setEnabled("imaging" not in chart.withheld and allows(
            self.ctx.actor, Category.IMAGING, Verb.WRITE, chart.patient.id))

    def clear_tab(self) -> None:
        self.model.clear()
        self.viewer.clear()

    # --- actions -------------------------------------------------------------------------------

    def selected_report(self) -> ImagingReportDTO | None:
        return selected_record(self.table)

    def _show_selected(self) -> None:
        report = self.selected_report()
        if report is None:
            self.viewer.clear()
        else:
            self.viewer.setHtml(report_html(report))

    def add_report(self) -> None:
        patient_id = self.patient_id
        if patient_id is None or self.dialog is not None:
            return
        dialog = ImagingReportDialog(self)

        def save() -> None:
            values = dialog.values()
            self.save(lambda actor: self.ctx.services.imaging.create(actor, patient_id=patient_id, **values),
                      saved="Imaging report added.", dialog=dialog)

        self.open_dialog(dialog, save)
