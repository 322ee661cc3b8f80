"""The problem list: active problems (resolved and inactive ones on request), add one with the
ICD-10-CM picker, resolve one, or mark one entered in error."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.domain.enums import ProblemStatus
from emr_desktop.domain.records import ChartDTO, ProblemDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.terminology import icd10
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, select_record, selected_record
from emr_desktop.ui.chart.problem_dialog import ProblemDialog, ResolveDialog
from emr_desktop.ui.qt_models.problems import Column, ProblemTableModel


class ProblemsTab(ChartTab):
    title = "&Problems"
    sections = ("problems",)

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("problemsTab")
        layout = self.layout_with_notice()

        self.add_button = QPushButton("&Add problem…")
        self.resolve_button = QPushButton("&Resolve…")
        self.error_button = QPushButton("Mark entered in &error…")
        self.show_resolved = QCheckBox("Sho&w resolved")
        self.show_resolved.setToolTip("Also list resolved and inactive problems")
        self.add_button.clicked.connect(self.add_problem)
        self.resolve_button.clicked.connect(self.resolve_problem)
        self.error_button.clicked.connect(self.mark_entered_in_error)
        self.show_resolved.toggled.connect(lambda _on: self._fill())
        bar = QHBoxLayout()
        for button in (self.add_button, self.resolve_button, self.error_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.show_resolved)
        layout.addLayout(bar)

        self.model = ProblemTableModel(self)
        self.table = make_table(self.model, self, stretch_column=Column.DESCRIPTION)
        self.table.setObjectName("problemsTable")
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel("No active problems recorded.")
        self.empty_label.setObjectName("emptyNotice")
        layout.addWidget(self.empty_label)
        self._update_buttons()

    # --- showing ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        icd10.warm_in_background()  # the ICD-10 picker's list, built while the user reads the tab

    def show_chart(self, chart: ChartDTO) -> None:
        self._fill()

    def clear_tab(self) -> None:
        self.model.clear()
        self._update_buttons()

    def _fill(self) -> None:
        keep = self.selected_problem()
        problems = self.chart.problems if self.chart is not None else ()
        rows = [p for p in problems
                if self.show_resolved.isChecked() or p.status == ProblemStatus.ACTIVE.value]
        self.model.set_rows(rows)
        hidden = len(problems) - len(rows)
        self.empty_label.setText(
            "" if rows else "No problems recorded." if not problems
            else f"No active problems ({hidden} resolved or inactive: tick “Show resolved”).")
        self.empty_label.setVisible(not rows and self.chart is not None
                                    and "problems" not in self.chart.withheld)
        select_record(self.table, keep.id if keep else None)
        self._update_buttons()

    def selected_problem(self) -> ProblemDTO | None:
        return selected_record(self.table)

    def _may_write(self) -> bool:
        return self.patient_id is not None and allows(self.ctx.actor, Category.PROBLEM, Verb.WRITE,
                                                      self.patient_id)

    def _update_buttons(self) -> None:
        writable = self._may_write()
        problem = self.selected_problem()
        self.add_button.setEnabled(writable)
        self.resolve_button.setEnabled(writable and problem is not None
                                       and problem.status != ProblemStatus.RESOLVED.value)
        self.error_button.setEnabled(writable and problem is not None)

    # --- actions ------------------------------------------------------------------------------

    def add_problem(self) -> None:
        patient_id = self.patient_id
        if patient_id is None:
            return
        dialog = ProblemDialog(self.ctx.tasks, self)

        def save() -> None:
            values = dialog.values()
            self.save(lambda actor: self.ctx.services.problems.create(actor, patient_id=patient_id, **values),
                      saved=f"Problem added: {values['icd10_code']}.", dialog=dialog)

        self.open_dialog(dialog, save)

    def resolve_problem(self) -> None:
        problem = self.selected_problem()
        if problem is None or not self.resolve_button.isEnabled():
            return
        dialog = ResolveDialog(f"{problem.icd10_code} {problem.display}", problem.onset_date, self)

        def save() -> None:
            values = dialog.values()
            self.save(lambda actor: self.ctx.services.problems.resolve(actor, problem.id, **values),
                      saved=f"Problem resolved: {problem.icd10_code}.", dialog=dialog)

        self.open_dialog(dialog, save)

    def mark_entered_in_error(self) -> None:
        problem = self.selected_problem()
        if problem is None:
            return
        self.mark_record_entered_in_error(
            self.ctx.services.problems.set_record_status, problem.id,
            f"Why is {problem.icd10_code} {problem.display} wrong for this patient?",
            saved=f"Problem marked entered in error: {problem.icd10_code}.")
