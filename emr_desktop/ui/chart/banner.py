"""The chart banner: who this is (name, age, sex, date of birth, MRN), allergies, alerts, the
primary insurance and when the chart was last synced. Always visible above the chart tabs so the
patient's identity and allergies are never out of sight."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from emr_desktop.domain.enums import AllergyStatus, CoveragePriority, RecordStatus
from emr_desktop.domain.records import AllergyDTO, ChartDTO, CoverageDTO, PatientDTO
from emr_desktop.ui.patients.registration import LANGUAGES

#: Display names of the language tags the registration dialog offers (others are shown as typed).
LANGUAGE_NAMES = {tag: label for label, tag in LANGUAGES}

_STATE_COLOURS = {"allergies": QColor("#b91c1c"), "unknown": QColor("#b45309")}


def age_text(birth: date, on: date) -> str:
    """Age as clinicians write it: days under a month, months under two years, else years."""
    days = (on - birth).days
    if days < 0:
        return ""
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    if months < 1:
        return f"{days} d"
    if months < 24:
        return f"{months} mo"
    return f"{months // 12} y"


def active_allergies(chart: ChartDTO) -> list[AllergyDTO]:
    return [a for a in chart.allergies if a.status == AllergyStatus.ACTIVE.value
            and a.record_status == RecordStatus.ACTIVE.value and not a.no_known_allergies]


def has_nka(chart: ChartDTO) -> bool:
    return any(a.no_known_allergies and a.status == AllergyStatus.ACTIVE.value
               and a.record_status == RecordStatus.ACTIVE.value for a in chart.allergies)


def allergy_text(a: AllergyDTO) -> str:
    extra = ", ".join(x for x in (a.reaction, a.severity) if x)
    return f"{a.substance} ({extra})" if extra else a.substance


def primary_coverage(chart: ChartDTO, today: date) -> CoverageDTO | None:
    current = [c for c in chart.coverages if c.record_status == RecordStatus.ACTIVE.value
               and (c.effective_from is None or c.effective_from <= today)
               and (c.effective_to is None or c.effective_to >= today)]
    order = {p.value: i for i, p in enumerate(CoveragePriority)}
    current.sort(key=lambda c: order.get(c.priority, len(order)))
    return current[0] if current else None


def _label(name: str, accessible: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ChartBanner(QWidget):
    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.setObjectName("chartBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Patient banner")
        self._today = today
        self.name = _label("bannerName", "Patient name")
        font = self.name.font()  # the stylesheet sets the real size; this is the fallback
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.name.setFont(font)
        self.details = _label("bannerDetails", "Age, sex and date of birth")
        self.mrn = _label("bannerMrn", "Medical record number")
        self.allergies = _label("bannerAllergies", "Allergies")
        self.allergies.setWordWrap(True)
        self.alerts = _label("bannerAlert", "Alerts")
        self.alerts.setWordWrap(True)
        self.coverage = _label("bannerCoverage", "Primary insurance")
        self.sync = _label("bannerSync", "Last synced")
        self.sync.setProperty("role", "hint")
        self.sync.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.coverage.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for label in (self.allergies, self.alerts):
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.details, 0, 1)
        grid.addWidget(self.mrn, 0, 2)
        grid.addWidget(self.sync, 0, 3)
        grid.addWidget(self.allergies, 1, 0, 1, 2)
        grid.addWidget(self.alerts, 1, 2)
        grid.addWidget(self.coverage, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        self.clear()

    # --- public ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        p = chart.patient
        today = self._today()
        self.name.setText(p.display_name)
        self.details.setText(self._details(p, today))
        self.mrn.setText(f"MRN {p.mrn}")
        self._show_allergies(chart)
        alerts = []
        if p.deceased_date is not None:
            alerts.append(f"Deceased {p.deceased_date:%m/%d/%Y}")
        if p.alert_note.strip():
            alerts.append(p.alert_note.strip())
        self.alerts.setText("Alert: " + " · ".join(alerts) if alerts else "")
        self.alerts.setToolTip(self.alerts.text())
        self.alerts.setVisible(bool(alerts))
        self._show_coverage(chart, today)
        self.setVisible(True)

    def set_sync_text(self, text: str) -> None:
        """E.g. "Last synced: 10:42" - set by whoever tracks sync; kept across charts."""
        self.sync.setText(text)

    def clear(self) -> None:
        """No patient: empty every part (the sync text carries no PHI and stays)."""
        for label in (self.name, self.details, self.mrn, self.allergies, self.alerts, self.coverage):
            label.clear()
            label.setToolTip("")
        self._set_state(self.allergies, "")
        self.alerts.hide()

    # --- parts -------------------------------------------------------------------------------

    @staticmethod
    def _details(p: PatientDTO, today: date) -> str:
        end = p.deceased_date or today
        parts = [age_text(p.birth_date, end), p.sex.capitalize(), f"DOB {p.birth_date:%m/%d/%Y}"]
        if p.pronouns:
            parts.append(p.pronouns)
        if p.interpreter_needed:
            language = LANGUAGE_NAMES.get(p.language, p.language)
            parts.append(f"Interpreter: {language}")
        return " · ".join(x for x in parts if x)

    def _show_allergies(self, chart: ChartDTO) -> None:
        if "allergies" in chart.withheld:
            self.allergies.setText("Allergies: not available to your role")
            self._set_state(self.allergies, "unknown")
            self.allergies.setToolTip("")
            return
        found = active_allergies(chart)
        if found:
            self.allergies.setText("Allergies: " + ", ".join(a.substance for a in found))
            self.allergies.setToolTip("\n".join(allergy_text(a) for a in found))
            self._set_state(self.allergies, "allergies")
        elif has_nka(chart):
            self.allergies.setText("NKA (no known allergies)")
            self.allergies.setToolTip("")
            self._set_state(self.allergies, "nka")
        else:
            self.allergies.setText("Allergies not recorded")
            self.allergies.setToolTip("Ask about allergies and record them, or record "
                                      "\"no known allergies\".")
            self._set_state(self.allergies, "unknown")

    def _show_coverage(self, chart: ChartDTO, today: date) -> None:
        if "coverages" in chart.withheld:
            self.coverage.clear()
            self.coverage.setToolTip("")
            return
        primary = primary_coverage(chart, today)
        if primary is None:
            self.coverage.setText("No insurance on file")
            self.coverage.setToolTip("")
            return
        plan = f" - {primary.plan_name}" if primary.plan_name else ""
        self.coverage.setText(f"{primary.payer_name}{plan}")
        self.coverage.setToolTip(f"{primary.priority.capitalize()} insurance: {primary.payer_name}{plan}"
                                 f"\nMember ID {primary.member_id}")

    @staticmethod
    def _set_state(label: QLabel, state: str) -> None:
        """The stylesheet colours #bannerAllergies by state (allergies red, unknown amber)."""
        label.setProperty("state", state)
        palette = label.parentWidget().palette() if label.parentWidget() else label.palette()
        colour = _STATE_COLOURS.get(state)
        if colour is not None:  # without the stylesheet (tests, a missing file) the colour still shows
            palette.setColor(QPalette.ColorRole.WindowText, colour)
        label.setPalette(palette)
        label.style().unpolish(label)
        label.style().polish(label)
