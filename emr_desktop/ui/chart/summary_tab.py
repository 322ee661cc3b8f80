"""The Summary tab: the chart at a glance - active problems, current medications, allergies, the
last vitals, what is due, recent encounters, and what needs attention (unsigned notes, abnormal
lab results nobody has reviewed). Filled from the ChartDTO only; sections the role may not read
are named, not guessed.

Activating an entry (Enter or double-click) or clicking a panel's title asks the chart view for the
tab that holds the details (``sig_tab_requested`` with the start of that tab's title)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.codes import VITALS_BY_LOINC
from emr_desktop.domain.enums import (
    AbnormalFlag,
    MedicationStatus,
    NoteStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.records import ChartDTO, VitalSignDTO
from emr_desktop.domain.vitals_ranges import Assessment, Level, assess, assess_bp
from emr_desktop.ui.chart.banner import active_allergies, allergy_text, has_nka
from emr_desktop.ui.chart.base import ChartContext, ChartTab

RECENT_ENCOUNTERS = 5
ADULT_AGE = 18
_TAB_ROLE = Qt.ItemDataRole.UserRole
_RED, _AMBER, _GREY = QColor("#b91c1c"), QColor("#b45309"), QColor("#6b7280")
_ABNORMAL_FLAGS = frozenset(f.value for f in AbnormalFlag) - {AbnormalFlag.NORMAL.value}
_CRITICAL_FLAGS = frozenset({AbnormalFlag.CRITICAL_LOW.value, AbnormalFlag.CRITICAL_HIGH.value})

#: Vital sign key -> (short label, unit as people write it), in the order they are listed.
_VITAL_LABELS = {
    "pulse": ("Pulse", "/min"), "respiration": ("Resp", "/min"), "temperature": ("Temp", "°C"),
    "spo2": ("SpO₂", "%"), "weight": ("Weight", "kg"), "height": ("Height", "cm"),
    "bmi": ("BMI", "kg/m²"), "pain": ("Pain", "/10"), "head_circumference": ("Head circ.", "cm"),
}

#: Section names as the notice lists them.
_SECTION_NAMES = {"lab_results": "lab results", "lab_orders": "lab orders", "coverages": "insurance",
                  "social_history": "social history", "family_history": "family history"}


@dataclass(frozen=True)
class Entry:
    """One line of a panel: its text, how it stands out, and the tab with the details."""

    text: str
    tab: str = ""
    level: str = ""          # "", "abnormal", "critical", "muted"
    tooltip: str = ""


class SummaryPanel(QGroupBox):
    """A titled list. Clicking the title (or activating a line) asks for the tab with the details."""

    def __init__(self, title: str, tab: str, on_tab: Callable[[str], None], parent: QWidget | None = None):
        super().__init__(title, parent)
        self.base_title = title
        self.tab = tab
        self._on_tab = on_tab
        self.list = QListWidget()
        self.list.setAccessibleName(title)
        self.list.setWordWrap(True)
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        self.list.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.list.itemActivated.connect(self._activated)
        if tab:
            self.setToolTip(f"Click the title to open the {tab} tab.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)

    def set_entries(self, entries: list[Entry], empty: str) -> None:
        self.list.clear()
        for entry in entries or [Entry(empty, level="muted")]:
            item = QListWidgetItem(entry.text)
            item.setData(_TAB_ROLE, entry.tab or self.tab)
            if entry.tooltip:
                item.setToolTip(entry.tooltip)
            _style(item, entry.level)
            self.list.addItem(item)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def clear(self) -> None:
        self.list.clear()
        self.setTitle(self.base_title)

    def _activated(self, item: QListWidgetItem) -> None:
        tab = item.data(_TAB_ROLE)
        if tab:
            self._on_tab(tab)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self.tab and event.button() == Qt.MouseButton.LeftButton \
                and event.position().y() < self.list.geometry().top():
            self._on_tab(self.tab)
            return
        super().mouseReleaseEvent(event)


def _style(item: QListWidgetItem, level: str) -> None:
    colour = {"abnormal": _AMBER, "critical": _RED, "allergy": _RED, "muted": _GREY}.get(level)
    if colour is not None:
        item.setForeground(QBrush(colour))
    if level in ("abnormal", "critical", "allergy"):
        font = QFont()
        font.setBold(True)
        item.setFont(font)


def _local(when: datetime) -> datetime:
    return when.astimezone() if when.tzinfo is not None else when


def _level(assessment: Assessment) -> str:
    return {Level.ABNORMAL: "abnormal", Level.CRITICAL: "critical"}.get(assessment.level, "")


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


class SummaryTab(ChartTab):
    title = "S&ummary"
    sections = ()

    sig_tab_requested = Signal(str)
    """The user wants the details of a panel: carries the start of a tab title ("Problems")."""

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("summaryTab")
        self._today = today
        layout = self.layout_with_notice()
        self.notice = QLabel("")
        self.notice.setObjectName("summaryWithheld")
        self.notice.setProperty("role", "hint")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)
        emit = self.sig_tab_requested.emit
        self.problems = SummaryPanel("Active problems", "Problems", emit)
        self.medications = SummaryPanel("Current medications", "Medications", emit)
        self.allergies = SummaryPanel("Allergies", "Allergies", emit)
        self.vitals = SummaryPanel("Last vitals", "Vitals", emit)
        self.due = SummaryPanel("Due", "", emit)
        self.encounters = SummaryPanel("Recent encounters", "Encounters", emit)
        self.attention = SummaryPanel("Needs attention", "", emit)
        grid = QGridLayout()
        grid.setSpacing(8)
        grid.addWidget(self.problems, 0, 0)
        grid.addWidget(self.medications, 1, 0)
        grid.addWidget(self.attention, 2, 0)
        grid.addWidget(self.encounters, 3, 0)
        grid.addWidget(self.allergies, 0, 1)
        grid.addWidget(self.vitals, 1, 1)
        grid.addWidget(self.due, 2, 1, 2, 1)
        for column in (0, 1):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid, 1)
        self.panels = (self.problems, self.medications, self.allergies, self.vitals, self.due,
                       self.encounters, self.attention)

    # --- filling -------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        today = self._today()
        withheld = chart.withheld
        hidden = sorted(_SECTION_NAMES.get(n, n.replace("_", " ")) for n in withheld)
        self.notice.setText("Not shown to your role: " + ", ".join(hidden) + "." if hidden else "")
        self.notice.setVisible(bool(hidden))
        self._fill(self.problems, "problems", withheld, lambda: self._problems(chart), "No active problems")
        self._fill(self.medications, "medications", withheld, lambda: self._medications(chart),
                   "No current medications")
        self._fill(self.allergies, "allergies", withheld, lambda: self._allergies(chart), "")
        self._fill(self.vitals, "vitals", withheld, lambda: self._vitals(chart, today), "No vitals recorded")
        self._fill(self.encounters, "encounters", withheld, lambda: self._encounters(chart),
                   "No encounters yet")
        self.due.set_entries(self._due(chart, today), "Nothing due")
        self.attention.set_entries(self._attention(chart), "Nothing waiting")

    def clear_tab(self) -> None:
        self.notice.clear()
        self.notice.hide()
        for panel in self.panels:
            panel.clear()

    @staticmethod
    def _fill(panel: SummaryPanel, section: str, withheld: frozenset[str],
              entries: Callable[[], list[Entry]], empty: str) -> None:
        if section in withheld:
            panel.setTitle(panel.base_title)
            panel.set_entries([Entry("Not available to your role", level="muted")], "")
        else:
            panel.set_entries(entries(), empty)

    # --- the panels ----------------------------------------------------------------------------

    @staticmethod
    def _problems(chart: ChartDTO) -> list[Entry]:
        found = [p for p in chart.problems if p.status == ProblemStatus.ACTIVE.value
                 and p.record_status == RecordStatus.ACTIVE.value]
        return [Entry(f"{p.display} ({p.icd10_code})" + (f" · since {p.onset_date:%m/%Y}" if p.onset_date else ""),
                      tooltip=p.comment) for p in found]

    @staticmethod
    def _medications(chart: ChartDTO) -> list[Entry]:
        found = [m for m in chart.medications if m.status == MedicationStatus.ACTIVE.value
                 and m.record_status == RecordStatus.ACTIVE.value]
        entries = []
        for m in sorted(found, key=lambda m: m.display.casefold()):
            name = m.display if not m.strength or m.strength in m.display else f"{m.display} {m.strength}"
            entries.append(Entry(f"{name} — {m.sig}" if m.sig else name,
                                 tooltip=f"For: {m.indication}" if m.indication else ""))
        return entries

    def _allergies(self, chart: ChartDTO) -> list[Entry]:
        found = active_allergies(chart)
        if found:
            return [Entry(allergy_text(a), level="allergy") for a in found]
        if has_nka(chart):
            return [Entry("No known allergies (NKA)")]
        return [Entry("Allergies not recorded — ask and record them", level="abnormal")]

    def _vitals(self, chart: ChartDTO, today: date) -> list[Entry]:
        latest: dict[str, VitalSignDTO] = {}
        for v in chart.vitals:  # newest first
            kind = VITALS_BY_LOINC.get(v.loinc)
            if kind is not None and v.record_status == RecordStatus.ACTIVE.value and kind.key not in latest:
                latest[kind.key] = v
        if not latest:
            self.vitals.setTitle("Last vitals")
            return []
        newest = max(v.taken_at for v in latest.values())
        self.vitals.setTitle(f"Last vitals ({_local(newest):%m/%d/%Y %H:%M})")
        adult = chart.patient.age_on(today) >= ADULT_AGE
        newest_day = _local(newest).date()

        def when(*rows: VitalSignDTO) -> str:
            day = _local(rows[0].taken_at).date()
            return "" if day == newest_day else f"  ({day:%m/%d/%Y})"

        entries = []
        sys_, dia = latest.get("systolic"), latest.get("diastolic")
        if sys_ is not None and dia is not None:
            mark = assess_bp(sys_.value, dia.value) if adult else Assessment()
            entries.append(Entry(f"BP {sys_.value:g}/{dia.value:g} mmHg {mark.marker}".rstrip() + when(sys_),
                                 level=_level(mark)))
        for key, (label, unit) in _VITAL_LABELS.items():
            v = latest.get(key)
            if v is None:
                continue
            mark = assess(key, v.value) if adult else Assessment()
            entries.append(Entry(f"{label} {_number(v.value)} {unit} {mark.marker}".rstrip() + when(v),
                                 level=_level(mark)))
        return entries

    @staticmethod
    def _encounters(chart: ChartDTO) -> list[Entry]:
        return [Entry(f"{_local(e.start_time):%m/%d/%Y}  {e.encounter_type.replace('-', ' ').capitalize()}"
                      + (f" — {e.reason}" if e.reason else "")
                      + ("" if e.status == "finished" else f"  ({e.status.replace('-', ' ')})"))
                for e in chart.encounters[:RECENT_ENCOUNTERS]]

    def _due(self, chart: ChartDTO, today: date) -> list[Entry]:
        try:
            from emr_desktop.clinical.due import due_items
        except ImportError:
            return []
        try:
            items: list[Any] = due_items(chart, today)
        except Exception:  # noqa: BLE001 - a faulty rule must not take the chart summary down
            return [Entry("Reminders could not be worked out for this chart.", level="muted")]
        entries = []
        for item in items:
            status = getattr(item.status, "name", str(item.status)).upper()
            label = {"OVERDUE": "Overdue", "DUE": "Due", "SOON": "Soon"}.get(status, status.capitalize())
            if status != "OVERDUE" and item.due_date is not None:
                note = f"due {item.due_date:%m/%d/%Y}"
            else:
                note = item.detail
            due = f"Due date {item.due_date:%m/%d/%Y}" if item.due_date else ""
            entries.append(Entry(f"{label}: {item.title}" + (f" · {note}" if note else ""),
                                 level="abnormal" if status == "OVERDUE" else "",
                                 tooltip=" — ".join(x for x in (due, item.detail, item.source) if x)))
        return entries

    @staticmethod
    def _attention(chart: ChartDTO) -> list[Entry]:
        entries = []
        if "notes" not in chart.withheld:
            drafts = [n for n in chart.notes if n.status == NoteStatus.DRAFT.value
                      and n.record_status == RecordStatus.ACTIVE.value]
            if drafts:
                entries.append(Entry(f"{len(drafts)} unsigned note{'s' if len(drafts) != 1 else ''}",
                                     tab="Encounters", level="abnormal"))
        if "lab_results" not in chart.withheld:
            for r in chart.lab_results:
                if r.abnormal_flag in _ABNORMAL_FLAGS and r.reviewed_at is None \
                        and r.record_status == RecordStatus.ACTIVE.value:
                    value = f"{r.value_text} {r.unit}".strip()
                    entries.append(Entry(
                        f"Unreviewed: {r.display} {value} ({r.abnormal_flag}) · {_local(r.collected_at):%m/%d/%Y}",
                        tab="Labs", level="critical" if r.abnormal_flag in _CRITICAL_FLAGS else "abnormal"))
        return entries

    # --- for tests ------------------------------------------------------------------------------

    def panel_texts(self) -> dict[str, list[str]]:
        return {p.base_title: p.texts() for p in self.panels}
