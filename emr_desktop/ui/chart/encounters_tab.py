"""The Encounters tab: the patient's visits (newest first), the notes of the selected visit with
their addenda, and the SOAP note editor."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget

from emr_desktop.domain.enums import EncounterStatus, NoteStatus
from emr_desktop.domain.records import ChartDTO, EncounterDTO, NoteDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, ChartTab, make_table, selected_row
from emr_desktop.ui.encounters.note_editor import NoteEditor
from emr_desktop.ui.encounters.start_dialog import StartEncounterDialog
from emr_desktop.ui.qt_models.encounters import (
    EncounterColumn,
    EncounterTableModel,
    NoteColumn,
    NoteTableModel,
    thread_notes,
)

OPEN_STATUSES = (EncounterStatus.PLANNED.value, EncounterStatus.IN_PROGRESS.value)


class EncountersTab(ChartTab):
    title = "&Encounters"
    sections = ("encounters", "notes")

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("encountersTab")
        layout = self.layout_with_notice()
        self._syncing = False                       # selection changes made by code, not the user
        self.encounter_model = EncounterTableModel(self.user_name, self)
        self.note_model = NoteTableModel(self.user_name, self)

        self.start_button = QPushButton("Sta&rt encounter…")
        self.start_button.setObjectName("startEncounterButton")
        self.start_button.clicked.connect(self.start_encounter)
        self.new_note_button = QPushButton("&New note")
        self.new_note_button.clicked.connect(self.new_note)
        self.finish_button = QPushButton("&Finish encounter")
        self.finish_button.clicked.connect(self.finish_encounter)
        self.print_button = QPushButton("Print &visit summary…")
        self.print_button.setObjectName("printVisitSummaryButton")
        self.print_button.setToolTip("Preview and print the after-visit summary of the selected encounter")
        self.print_button.clicked.connect(self.print_visit_summary)
        self.encounter_table = make_table(self.encounter_model, stretch_column=EncounterColumn.REASON)
        self.encounter_table.setObjectName("encounterTable")
        self.encounter_table.selectionModel().selectionChanged.connect(self._encounter_clicked)
        self.note_table = make_table(self.note_model, stretch_column=NoteColumn.TITLE)
        self.note_table.setObjectName("noteTable")
        self.note_table.selectionModel().selectionChanged.connect(self._note_clicked)
        self.notes_label = QLabel("Notes of the selected encounter")
        self.notes_label.setObjectName("sectionHeading")
        self.notes_withheld = QLabel("Notes are not available to your role.")
        self.notes_withheld.hide()
        self.editor = NoteEditor(ctx, self.user_name)

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.finish_button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.new_note_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.encounter_table, 3)
        left_layout.addWidget(self.notes_label)
        left_layout.addWidget(self.notes_withheld)
        left_layout.addWidget(self.note_table, 2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([500, 600])
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.start_button, self.finish_button)
        self.setTabOrder(self.finish_button, self.print_button)
        self.setTabOrder(self.print_button, self.new_note_button)
        self.setTabOrder(self.new_note_button, self.encounter_table)
        self.setTabOrder(self.encounter_table, self.note_table)
        self.setTabOrder(self.note_table, self.editor.template_combo)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        # A narrow list keeps the visit's reason readable; who saw the patient is in the notes list.
        self.encounter_table.setColumnHidden(EncounterColumn.PROVIDER, self.encounter_table.width() < 560)

    # --- user names (not PHI): from the chart context's staff directory ----------------------

    def user_name(self, user_id: uuid.UUID | None) -> str:
        return self.ctx.staff_name(user_id)

    # --- the chart --------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        self.editor.set_vitals(chart.vitals)
        notes_withheld = "notes" in chart.withheld
        self.notes_withheld.setVisible(notes_withheld)
        self.note_table.setVisible(not notes_withheld)
        wanted = self.editor.encounter_id or self._selected_encounter_id()
        with _Syncing(self):
            self.encounter_model.set_rows(chart.encounters)
        if self.encounter_model.row_of(wanted) is None and (self.editor.is_new or self.editor.is_dirty()):
            with _Syncing(self):
                self.note_model.clear()
            self._update_buttons()  # e.g. a chart read before the new encounter was saved: keep typing
            return
        encounter = self._encounter(wanted) or (chart.encounters[0] if chart.encounters else None)
        if encounter is None:
            self.note_model.clear()
            self.editor.show_empty("No encounters yet. Start one to write a note.")
        elif notes_withheld:
            self._show_encounter_rows(encounter)
            self.editor.show_empty("Notes are not available to your role.")
        elif self.editor.encounter_id == encounter.id and (self.editor.is_dirty() or self.editor.is_new):
            self._show_encounter_rows(encounter)  # keep what is being typed
        else:
            shown = self.editor.note_id
            self._show_encounter(encounter, shown if self._note(shown, encounter) else None)
        self._update_buttons()

    def clear_tab(self) -> None:
        with _Syncing(self):
            self.encounter_model.clear()
            self.note_model.clear()
        self.editor.clear()
        self._update_buttons()

    def has_unsaved_changes(self) -> bool:
        return self.editor.is_dirty()

    def save_unsaved(self) -> None:
        if self.editor.is_dirty():
            self.editor.save_draft()

    # --- lookups --------------------------------------------------------------------------------

    def _encounter(self, encounter_id: uuid.UUID | None) -> EncounterDTO | None:
        row = self.encounter_model.row_of(encounter_id)
        return self.encounter_model.row_at(row) if row is not None else None

    def _notes_of(self, encounter: EncounterDTO) -> list[NoteDTO]:
        notes = self.chart.notes if self.chart is not None else ()
        return [n for n, _depth in thread_notes(n for n in notes if n.encounter_id == encounter.id)]

    def _note(self, note_id: uuid.UUID | None, encounter: EncounterDTO) -> NoteDTO | None:
        return next((n for n in self._notes_of(encounter) if n.id == note_id), None)

    def _selected_encounter_id(self) -> uuid.UUID | None:
        row = selected_row(self.encounter_table)
        return self.encounter_model.row_at(row).id if row is not None else None

    # --- selection ------------------------------------------------------------------------------

    def _show_encounter_rows(self, encounter: EncounterDTO) -> None:
        """Select ``encounter``, list its notes and select the note in the editor."""
        with _Syncing(self):
            row = self.encounter_model.row_of(encounter.id)
            if row is not None:
                self.encounter_table.selectRow(row)
            self.note_model.set_notes(self._notes_of(encounter))
            note_row = self.note_model.row_of(self.editor.note_id)
            if note_row is not None:
                self.note_table.selectRow(note_row)
            else:
                self.note_table.clearSelection()
        self._update_buttons()

    def _show_encounter(self, encounter: EncounterDTO, note_id: uuid.UUID | None = None) -> None:
        """Show ``encounter`` and open a note of it: ``note_id``, else its first draft, else its
        first note, else a new draft (for roles that write notes)."""
        notes = self._notes_of(encounter)
        note = next((n for n in notes if n.id == note_id), None) \
            or next((n for n in notes if n.status == NoteStatus.DRAFT.value), None) \
            or (notes[0] if notes else None)
        if note is not None and note.id == self.editor.note_id:
            self.editor.refresh_note(note, encounter)
        elif note is not None:
            self.editor.open_note(note, encounter)
        elif allows(self.ctx.actor, Category.NOTE, Verb.WRITE, encounter.patient_id):
            self.editor.new_draft(encounter)
        else:
            self.editor.show_empty("No notes for this encounter.")
        self._show_encounter_rows(encounter)

    def _restore_selection(self) -> None:
        encounter = self._encounter(self.editor.encounter_id)
        if encounter is not None:
            self._show_encounter_rows(encounter)

    def _encounter_clicked(self) -> None:
        if self._syncing:
            return
        encounter = self._encounter(self._selected_encounter_id())
        if encounter is None or encounter.id == self.editor.encounter_id:
            self._update_buttons()
            return
        self.editor.leave(lambda: self._show_encounter(encounter), self._restore_selection)

    def _note_clicked(self) -> None:
        if self._syncing:
            return
        row = selected_row(self.note_table)
        if row is None:
            return
        note = self.note_model.row_at(row)
        if note.id == self.editor.note_id:
            return
        encounter = self._encounter(note.encounter_id)
        self.editor.leave(lambda: self._open(note, encounter), self._restore_selection)

    def _open(self, note: NoteDTO, encounter: EncounterDTO | None) -> None:
        self.editor.open_note(note, encounter)
        self._update_buttons()

    def _update_buttons(self) -> None:
        actor, patient_id = self.ctx.actor, self.patient_id
        has_chart = patient_id is not None
        encounter = self._encounter(self._selected_encounter_id())
        may_write_encounters = has_chart and allows(actor, Category.ENCOUNTER, Verb.WRITE, patient_id)
        self.start_button.setEnabled(may_write_encounters)
        self.finish_button.setEnabled(may_write_encounters and encounter is not None
                                      and encounter.status in OPEN_STATUSES)
        self.new_note_button.setEnabled(has_chart and encounter is not None
                                        and allows(actor, Category.NOTE, Verb.WRITE, patient_id))
        self.print_button.setEnabled(has_chart and encounter is not None
                                     and allows(actor, Category.NOTE, Verb.PRINT, patient_id))

    # --- actions --------------------------------------------------------------------------------

    def start_encounter(self) -> None:
        if self.chart is not None:
            self.editor.leave(self._ask_start)

    def _ask_start(self) -> None:
        chart = self.chart
        values = StartEncounterDialog.ask(self)
        if values is None or chart is None:
            return
        patient_id = chart.patient.id
        encounters = self.ctx.services.encounters
        self.save(lambda actor: encounters.start(actor, patient_id, **values), saved="Encounter started.",
                  on_done=self._started)

    def _started(self, encounter: EncounterDTO) -> None:
        """Its first note opens right away; the reload that follows selects the encounter."""
        if self.chart is None or encounter.patient_id != self.chart.patient.id:
            return
        with _Syncing(self):
            self.note_model.clear()
        self.editor.new_draft(encounter)
        self.editor.edits["subjective"].setFocus()

    def new_note(self) -> None:
        encounter = self._encounter(self._selected_encounter_id())
        if encounter is not None:
            self.editor.leave(lambda: self._new_draft(encounter))

    def _new_draft(self, encounter: EncounterDTO) -> None:
        self.editor.new_draft(encounter)
        with _Syncing(self):
            self.note_table.clearSelection()
        self.editor.title_edit.setFocus()

    def print_visit_summary(self) -> None:
        """Ask the chart view to preview and print the selected encounter's visit summary."""
        encounter = self._encounter(self._selected_encounter_id())
        if encounter is not None and self.print_button.isEnabled():
            self.sig_print_requested.emit("visit-summary", (encounter.id,))

    def finish_encounter(self) -> None:
        encounter = self._encounter(self._selected_encounter_id())
        if encounter is None or encounter.status not in OPEN_STATUSES:
            return
        drafts = [n for n in self._notes_of(encounter) if n.status == NoteStatus.DRAFT.value]
        unsaved = self.editor.encounter_id == encounter.id and self.editor.is_dirty()
        if drafts or unsaved:
            answer = QMessageBox.question(
                self, "Finish encounter",
                "This encounter has notes that are not signed yet. Finish it anyway? "
                "(The notes stay open for editing and signing.)",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        encounters = self.ctx.services.encounters
        self.save(lambda actor: encounters.finish(actor, encounter.id), saved="Encounter finished.")


class _Syncing:
    """Selection changes inside this block are the tab's own, not the user's."""

    def __init__(self, tab: EncountersTab) -> None:
        self._tab = tab

    def __enter__(self) -> None:
        self._tab._syncing = True

    def __exit__(self, *_exc: object) -> None:
        self._tab._syncing = False
