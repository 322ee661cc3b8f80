"""The open chart: a banner that is always visible and one tab per part of the chart.

The whole chart is read in one background call (``ChartService.load``); the banner and the tab on
screen are filled at once, the other tabs when they are first shown (so opening a chart costs one
read plus one tab). A save in any tab asks for a reload, after which every tab shows the same state.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.records import ChartDTO
from emr_desktop.ui.chart.allergies_tab import AllergiesTab
from emr_desktop.ui.chart.banner import ChartBanner
from emr_desktop.ui.chart.base import ChartContext, ChartTab
from emr_desktop.ui.chart.documents_tab import DocumentsTab
from emr_desktop.ui.chart.encounters_tab import EncountersTab
from emr_desktop.ui.chart.history_tab import HistoryTab
from emr_desktop.ui.chart.imaging_tab import ImagingTab
from emr_desktop.ui.chart.immunizations_tab import ImmunizationsTab
from emr_desktop.ui.chart.labs_tab import LabsTab
from emr_desktop.ui.chart.medications_tab import MedicationsTab
from emr_desktop.ui.chart.problems_tab import ProblemsTab
from emr_desktop.ui.chart.summary_tab import SummaryTab
from emr_desktop.ui.chart.vitals_tab import VitalsTab
from emr_desktop.ui.printing import PrintController

#: The tabs in the order staff work through a visit.
TAB_CLASSES: tuple[type[ChartTab], ...] = (
    SummaryTab, EncountersTab, VitalsTab, MedicationsTab, AllergiesTab, ProblemsTab,
    ImmunizationsTab, LabsTab, ImagingTab, HistoryTab, DocumentsTab,
)


class ChartView(QWidget):
    sig_chart_shown = Signal(object)
    """A chart was loaded and the banner and the visible tab are filled (carries the ChartDTO)."""

    sig_chart_closed = Signal()
    """The chart was closed; nothing of it is left in the widgets."""

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chart: ChartDTO | None = None
        self._wanted: uuid.UUID | None = None      # the chart being loaded
        self._generation = 0                        # bumped at every open/close: stale loads are ignored
        self._stale: set[ChartTab] = set()         # tabs not yet filled with the current chart
        self.banner = ChartBanner(self)
        self.emergency_bar = QFrame(self)
        self.emergency_bar.setObjectName("emergencyBar")
        self.emergency_label = QLabel("Parts of this chart are not shown to your role.")
        self.emergency_button = QPushButton("&Emergency access...")
        self.emergency_button.setToolTip("Open the parts your role may not see, for this chart and this "
                                         "session. You must give a reason; it is audited.")
        self.emergency_button.clicked.connect(self.ask_emergency_access)
        bar = QHBoxLayout(self.emergency_bar)
        bar.setContentsMargins(8, 2, 8, 2)
        bar.addWidget(self.emergency_label, 1)
        bar.addWidget(self.emergency_button)
        self.emergency_bar.hide()
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("chartTabs")
        self.tabs.setDocumentMode(True)
        self.tab_widgets: list[ChartTab] = []
        self.printing = PrintController(ctx, self, lambda: self.patient_id)  # documents, print preview
        for number, cls in enumerate(TAB_CLASSES, start=1):
            tab = cls(ctx)
            self.tab_widgets.append(tab)
            tab.sig_print_requested.connect(self.printing.print_requested)
            # Alt+letter belongs to the buttons inside a tab (&Add, &Prescribe...): tabs are reached
            # with Ctrl+1..9 and Ctrl+PgUp/PgDown instead, so the two never clash.
            self.tabs.addTab(tab, cls.title.replace("&", ""))
            if number <= 10:
                key = f"Ctrl+{number % 10}"
                self.tabs.setTabToolTip(number - 1, key)
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(lambda t=tab: self.tabs.setCurrentWidget(t))
        self.tabs.currentChanged.connect(self._fill_current)
        self.tab(SummaryTab).sig_tab_requested.connect(self.show_tab_titled)  # type: ignore[attr-defined]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.emergency_bar)
        layout.addWidget(self.tabs, 1)
        ctx.sig_chart_changed.connect(self._chart_changed)

    # --- opening and reloading -------------------------------------------------------------------

    @property
    def patient_id(self) -> uuid.UUID | None:
        return self._wanted

    def open_patient(self, patient_id: uuid.UUID) -> None:
        """Load a chart in the background; the first tab (Summary) is shown for a new patient.
        Callers ask about unsaved text first (``confirm_leave``)."""
        if patient_id != self._wanted:
            self.clear_phi()
            self._wanted = patient_id
            self.tabs.setCurrentIndex(0)
        self.reload()

    def reload(self) -> None:
        patient_id = self._wanted
        if patient_id is None:
            return
        generation = self._generation
        self.ctx.run(lambda actor: self.ctx.services.chart.load(actor, patient_id),
                     lambda chart: self._loaded(chart, generation),
                     on_error=lambda _e: self._load_failed(patient_id))

    def _chart_changed(self, patient_id: object) -> None:
        if patient_id == self._wanted:
            self.reload()

    def _loaded(self, chart: ChartDTO, generation: int | None = None) -> None:
        if chart.patient.id != self._wanted or (generation is not None and generation != self._generation):
            return  # the user moved on (another chart, a lock, another user) meanwhile
        self.chart = chart
        self.banner.show_chart(chart)
        withheld = bool(chart.withheld)
        self.emergency_bar.setVisible(withheld)
        self._stale = set(self.tab_widgets)
        self._fill_current()
        self.sig_chart_shown.emit(chart)

    def _load_failed(self, patient_id: uuid.UUID) -> None:
        if patient_id == self._wanted and self.chart is None:
            self._wanted = None

    def _fill_current(self, *_args: object) -> None:
        tab = self.tabs.currentWidget()
        if self.chart is not None and isinstance(tab, ChartTab) and tab in self._stale:
            self._stale.discard(tab)
            tab.set_chart(self.chart)

    # --- navigation ----------------------------------------------------------------------------

    def tab(self, cls: type[ChartTab]) -> ChartTab:
        return next(t for t in self.tab_widgets if isinstance(t, cls))

    def show_tab(self, cls: type[ChartTab]) -> ChartTab:
        tab = self.tab(cls)
        self.tabs.setCurrentWidget(tab)
        return tab

    def show_tab_titled(self, key: str) -> None:
        """Switch to the tab whose title (without the mnemonic) starts with ``key``."""
        wanted = key.replace("&", "").lower()
        for tab in self.tab_widgets:
            if tab.title.replace("&", "").lower().startswith(wanted):
                self.tabs.setCurrentWidget(tab)
                return

    # --- emergency access ----------------------------------------------------------------------

    def ask_emergency_access(self) -> None:
        patient_id, asked_by, generation = self._wanted, self.ctx.actor, self._generation
        if patient_id is None or self.chart is None or not self.chart.withheld:
            return
        reason, ok = QInputDialog.getText(self, "Emergency access",
                                          "Why do you need this chart now? (recorded in the audit trail)")
        if not ok or not reason.strip():
            return
        if self.ctx.actor.session_id != asked_by.session_id or generation != self._generation:
            return  # the screen locked or the chart changed while the question was open

        def granted(actor: Actor) -> None:
            self.ctx.set_actor(actor)
            self.reload()

        self.ctx.run(lambda actor: self.ctx.services.access.grant_emergency_access(actor, patient_id, reason),
                     granted, saved="Emergency access granted for this chart; it is audited.")

    # --- unsaved text ----------------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return any(tab.has_unsaved_changes() for tab in self.tab_widgets)

    def save_unsaved(self) -> None:
        for tab in self.tab_widgets:
            tab.save_unsaved()

    def confirm_leave(self) -> bool:
        """Before the chart is closed or replaced: save, discard or stay when text is unsaved."""
        if not self.has_unsaved_changes():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved note", "The note you are writing has not been saved.\n\n"
            "Save it as a draft before leaving this chart?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Cancel:
            return False
        if answer == buttons.Save:
            self.save_unsaved()
        return True

    # --- closing -------------------------------------------------------------------------------

    def clear_phi(self) -> None:
        """Close the chart: no patient detail stays in any widget (idle lock, user switch)."""
        had_chart = self.chart is not None or self._wanted is not None
        self._generation += 1
        self.chart = None
        self._wanted = None
        self._stale.clear()
        self.banner.clear()
        self.emergency_bar.hide()
        self.printing.clear_phi()
        for tab in self.tab_widgets:
            tab.clear_phi()
        if had_chart:
            self.sig_chart_closed.emit()
