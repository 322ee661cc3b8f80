"""A minimal window until the desktop-client issue lands: search patients, read a chart summary
(log-in is emr_desktop.ui.login). Everything that touches the database runs through TaskRunner."""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import VITALS_BY_LOINC
from emr_desktop.domain.errors import EmrError
from emr_desktop.domain.records import ChartDTO, PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.conflicts.review import ConflictReviewDialog
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.sync_status import SyncStatusWidget


class MinimalWindow(QMainWindow):
    def __init__(self, services: Services, tasks: TaskRunner, actor: Actor, practice_name: str) -> None:
        super().__init__()
        self._services, self._tasks, self._actor = services, tasks, actor
        self._practice_name = practice_name
        self.locked = False
        self._set_title()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search: name, date of birth, MRN or phone")
        self.results = QListWidget()
        self.chart = QTextBrowser()
        self.emergency = QPushButton("Emergency access...")
        self.emergency.setToolTip("Open the sections your role may not see, for this chart and session. "
                                  "You must give a reason; it is audited.")
        self.emergency.hide()
        self.emergency.clicked.connect(self._ask_emergency_access)
        self._open_patient: uuid.UUID | None = None
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.chart)
        right_layout.addWidget(self.emergency)
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([350, 650])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage("Type to search.")
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._open_first)
        self.results.itemActivated.connect(self._open_item)
        self.sync_status = SyncStatusWidget(services.sync_status, tasks, self)
        self.sync_status.sig_review_requested.connect(self.open_conflict_review)
        self.statusBar().addPermanentWidget(self.sync_status)
        self._review: ConflictReviewDialog | None = None
        self.resize(1100, 700)

    def open_conflict_review(self) -> None:
        """The conflict review screen (non-modal; closed at the idle lock)."""
        if self._review is None:
            self._review = ConflictReviewDialog(self._services, self._tasks, self._actor, self)
            self._review.sig_conflict_resolved.connect(lambda _c: self.sync_status.refresh())
            self._review.finished.connect(self._forget_review)
        self._review.show()
        self._review.raise_()

    def _forget_review(self) -> None:
        if self._review is not None:
            self._review.clear_phi()
            self._review.deleteLater()
            self._review = None

    @property
    def actor(self) -> Actor:
        return self._actor

    def _set_title(self) -> None:
        who = self._actor.display_name or self._actor.username
        self.setWindowTitle(f"emr-desktop - {self._practice_name} - {who}")

    def clear_phi(self) -> None:
        """Remove every patient detail from the widgets (idle lock, user switch)."""
        self._debounce.stop()
        self._open_patient = None
        self.emergency.hide()
        self.search.clear()
        self.results.clear()
        self.chart.clear()
        self.statusBar().clearMessage()
        if self._review is not None:
            self._review.close()
            self._forget_review()

    def lock(self) -> None:
        """Idle lock: clear PHI, hide the window, log the session out, ask for a log-in."""
        if self.locked:
            return
        self.locked = True
        self.clear_phi()
        self.hide()
        previous = self._actor
        self._tasks.run(lambda: self._services.users.logout(previous, reason="idle"),
                        lambda _r: None, lambda _e: None)

    def unlock(self, actor: Actor) -> None:
        """The same user resumes; a different user starts a session of their own."""
        if actor.user_id != self._actor.user_id:
            self.clear_phi()
        self._actor = actor
        self._set_title()
        self.locked = False
        self.show()

    def _run_search(self) -> None:
        query = self.search.text()
        self._tasks.run(lambda: self._services.patients.search(self._actor, query),
                        self._show_results, self._error)

    def _show_results(self, patients: list[PatientDTO]) -> None:
        self.results.clear()
        for p in patients:
            item = QListWidgetItem(f"{p.display_name}   {p.birth_date:%m/%d/%Y}   MRN {p.mrn}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.results.addItem(item)
        self.statusBar().showMessage(f"{len(patients)} patient(s)")

    def _open_first(self) -> None:
        if self.results.count():
            self._open_item(self.results.item(0))

    def _open_item(self, item: QListWidgetItem) -> None:
        self._load_chart(item.data(Qt.ItemDataRole.UserRole))

    def _load_chart(self, patient_id: uuid.UUID) -> None:
        actor = self._actor
        self._tasks.run(lambda: self._services.chart.load(actor, patient_id), self._show_chart, self._error)

    def _show_chart(self, chart: ChartDTO) -> None:
        self._open_patient = chart.patient.id
        self.chart.setHtml(chart_summary_html(chart))
        self.emergency.setVisible(bool(chart.withheld))

    def _ask_emergency_access(self) -> None:
        patient_id = self._open_patient
        if patient_id is None:
            return
        reason, ok = QInputDialog.getText(self, "Emergency access",
                                          "Why do you need this chart now? (recorded in the audit trail)")
        if not ok:
            return
        actor = self._actor
        self._tasks.run(lambda: self._services.access.grant_emergency_access(actor, patient_id, reason),
                        lambda granted: self._emergency_granted(granted, patient_id), self._error)

    def _emergency_granted(self, actor: Actor, patient_id: uuid.UUID) -> None:
        self._actor = actor
        self.statusBar().showMessage("Emergency access granted for this chart; it is audited.")
        self._load_chart(patient_id)

    def _error(self, exc: BaseException) -> None:
        self.statusBar().showMessage(exc.message if isinstance(exc, EmrError) else "Something went wrong.")


def chart_summary_html(chart: ChartDTO) -> str:
    from html import escape

    p = chart.patient
    latest: dict[str, str] = {}
    for v in chart.vitals:  # newest first
        kind = VITALS_BY_LOINC.get(v.loinc)
        if kind and kind.display not in latest:
            latest[kind.display] = f"{v.value:g} {kind.unit}"
    parts = [f"<h2>{escape(p.display_name)}</h2>",
             f"<p>DOB {p.birth_date:%m/%d/%Y} (age {p.age_on(date.today())}) &middot; {escape(p.sex)}"
             f" &middot; MRN {escape(p.mrn)}</p>"]

    def section(title: str, items: list[str]) -> None:
        body = "".join(f"<li>{escape(i)}</li>" for i in items) or "<li><i>none</i></li>"
        parts.append(f"<h3>{title}</h3><ul>{body}</ul>")

    section("Allergies", [f"{a.substance} {a.reaction}".strip() for a in chart.allergies if a.status == "active"])
    section("Active problems", [f"{x.display} ({x.icd10_code})" for x in chart.problems if x.status == "active"])
    section("Current medications", [f"{m.display} - {m.sig}" for m in chart.medications if m.status == "active"])
    section("Last vitals", [f"{k}: {v}" for k, v in latest.items()])
    if chart.withheld:
        parts.append("<p><i>Not shown to your role: " + escape(", ".join(sorted(
            name.replace("_", " ") for name in chart.withheld))) + ".</i></p>")
    section("Recent encounters", [f"{e.start_time:%Y-%m-%d} {e.encounter_type}: {e.reason}"
                                  for e in chart.encounters[:10]])
    return "".join(parts)
