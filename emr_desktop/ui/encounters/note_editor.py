"""The SOAP note editor: a template picker, the title and the four sections of one note.

A draft is edited and saved (``NoteService.create`` / ``update``); signing seals it
(``NoteService.sign``) and from then on it is shown read-only with who signed it, when, and whether
its content still matches the signature (``NoteService.verify_signature``). A signed note is
amended only by an addendum, itself a draft that can be signed. Every service call runs in the
background through the chart context; the editor never touches the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.clinical.note_templates import (
    PLACEHOLDER,
    SECTIONS,
    TEMPLATES,
    TEMPLATES_BY_KEY,
    fill_vitals_slot,
    template_for,
    vitals_text,
)
from emr_desktop.domain.enums import NoteStatus
from emr_desktop.domain.records import EncounterDTO, NoteDTO, VitalSignDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.ui.chart.base import ChartContext, error_text
from emr_desktop.ui.encounters.labels import encounter_type_label, when_text
from emr_desktop.ui.encounters.signature_banner import SignatureBanner

NameLookup = Callable[[uuid.UUID | None], str]

#: Section field -> label with a mnemonic (Tab also moves from one section to the next).
SECTION_LABELS = {"subjective": "S&ubjective", "objective": "&Objective", "assessment": "Assess&ment",
                  "plan": "&Plan"}
TITLE_MAX = 200  # the title column's length


class NoteEditor(QWidget):
    sig_note_saved = Signal(object)
    """A draft was saved (carries the NoteDTO as stored)."""

    sig_note_signed = Signal(object)
    """The note was signed and is now read-only (carries the signed NoteDTO)."""

    sig_addendum_added = Signal(object)
    """An addendum draft was added to the signed note shown (carries the new NoteDTO)."""

    def __init__(self, ctx: ChartContext, names: NameLookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.ctx = ctx
        self._names = names
        self.note: NoteDTO | None = None            # the stored note shown (None: new draft or empty)
        self.encounter: EncounterDTO | None = None  # where the note belongs
        self._baseline: dict[str, str] = {}
        self._vitals_line = ""
        self._busy = False
        self._build()
        self.show_empty()

    # --- widgets -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel(self)
        self.heading.setObjectName("noteHeading")
        self.heading.setWordWrap(True)
        self.signature = SignatureBanner(self)
        self.signed_label = self.signature.signed_label
        self.signature_label = self.signature.signature_label
        self.template_combo = QComboBox(self)
        self.template_combo.setObjectName("noteTemplateCombo")
        for template in TEMPLATES:
            self.template_combo.addItem(template.name, template.key)
        self.apply_button = QPushButton("Appl&y template", self)
        self.apply_button.clicked.connect(self.apply_template)
        self.apply_button.setToolTip(
            f"Fill the note from the template; Ctrl+J jumps to the next {PLACEHOLDER}")
        self.title_edit = QLineEdit(self)
        self.title_edit.setObjectName("noteTitle")
        self.title_edit.setMaxLength(TITLE_MAX)
        self.edits: dict[str, QPlainTextEdit] = {}
        grid = QGridLayout()
        template_label = QLabel("&Template:", self)
        template_label.setBuddy(self.template_combo)
        title_label = QLabel("Tit&le:", self)
        title_label.setBuddy(self.title_edit)
        row = QHBoxLayout()
        row.addWidget(self.template_combo, 1)
        row.addWidget(self.apply_button)
        grid.addWidget(template_label, 0, 0)
        grid.addLayout(row, 0, 1)
        grid.addWidget(title_label, 1, 0)
        grid.addWidget(self.title_edit, 1, 1)
        for i, name in enumerate(SECTIONS, start=2):
            edit = QPlainTextEdit(self)
            edit.setObjectName(f"note_{name}")
            edit.setTabChangesFocus(True)
            edit.textChanged.connect(self._update_state)
            label = QLabel(SECTION_LABELS[name], self)
            label.setBuddy(edit)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, i, 0)
            grid.addWidget(edit, i, 1)
            grid.setRowStretch(i, 1)
            self.edits[name] = edit
        self.title_edit.textChanged.connect(self._update_state)
        self.vitals_button = QPushButton("&Insert vitals", self)
        self.vitals_button.clicked.connect(self.insert_vitals)
        self.save_button = QPushButton("&Save draft", self)
        self.save_button.setObjectName("saveNoteButton")
        self.save_button.setToolTip("Save the draft (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save_draft())
        self.sign_button = QPushButton("Si&gn…", self)
        self.sign_button.setObjectName("signNoteButton")
        self.sign_button.setToolTip("Sign the note; it becomes read-only (Ctrl+Shift+S)")
        self.sign_button.clicked.connect(self.sign)
        self.addendum_button = QPushButton("&Addendum…", self)
        self.addendum_button.setToolTip("Add an addendum to this signed note")
        self.addendum_button.clicked.connect(self.add_addendum)
        self.message = QLabel(self)
        self.message.setObjectName("noteMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.vitals_button)
        buttons.addStretch(1)
        buttons.addWidget(self.addendum_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.signature)
        layout.addLayout(grid, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        order = [self.template_combo, self.apply_button, self.title_edit, *self.edits.values(),
                 self.vitals_button, self.addendum_button, self.save_button, self.sign_button]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        for keys, button in (("Ctrl+S", self.save_button), ("Ctrl+Shift+S", self.sign_button)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(button.click)  # click() does nothing while disabled
        placeholder = QShortcut(QKeySequence("Ctrl+J"), self)
        placeholder.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        placeholder.activated.connect(self.next_placeholder)

    # --- what is shown -----------------------------------------------------------------------

    @property
    def note_id(self) -> uuid.UUID | None:
        return self.note.id if self.note is not None else None

    @property
    def encounter_id(self) -> uuid.UUID | None:
        return self.encounter.id if self.encounter is not None else None

    @property
    def is_new(self) -> bool:
        """A draft not saved yet."""
        return self.note is None and self.encounter is not None

    @property
    def is_signed(self) -> bool:
        return self.note is not None and self.note.status == NoteStatus.SIGNED.value

    def values(self) -> dict[str, str]:
        values = {"title": self.title_edit.text().strip()}
        values.update({name: edit.toPlainText() for name, edit in self.edits.items()})
        return values

    def is_dirty(self) -> bool:
        return (self.note is not None or self.encounter is not None) and not self.is_signed \
            and self.values() != self._baseline

    def set_vitals(self, vitals: Iterable[VitalSignDTO]) -> None:
        """The chart's vitals; "Insert vitals" quotes the most recent panel."""
        self._vitals_line = vitals_text(vitals, today=date.today())
        self.vitals_button.setToolTip(self._vitals_line or "No vitals recorded for this patient.")
        self._update_state()

    def show_empty(self, text: str = "Select an encounter to see its notes, or start one.") -> None:
        self.note = None
        self.encounter = None
        self._fill({"title": ""})
        self.heading.setText(text)
        self.message.clear()
        self._update_state()

    def clear(self) -> None:
        """Drop all patient data (idle lock, another chart): nothing is kept, nothing asked."""
        self._vitals_line = ""
        self.show_empty()

    def new_draft(self, encounter: EncounterDTO) -> None:
        """An empty, unsaved note for ``encounter`` (saved by "Save draft" or "Sign")."""
        self.note = None
        self.encounter = encounter
        self._fill({"title": ""})
        suggested = template_for(encounter.encounter_type)
        if suggested is not None:
            self.template_combo.setCurrentIndex(self.template_combo.findData(suggested.key))
        self.heading.setText(f"New note: {self._encounter_text()}")
        self.message.clear()
        self._update_state()

    def open_note(self, note: NoteDTO, encounter: EncounterDTO | None = None) -> None:
        self.note = note
        if encounter is not None or (self.encounter is not None and self.encounter.id != note.encounter_id):
            self.encounter = encounter
        self._fill(_stored(note))
        kind = "Addendum" if note.addendum_to_id else "Note"
        state = "signed" if self.is_signed else "draft"
        where = f": {self._encounter_text()}" if self.encounter is not None else ""
        self.heading.setText(f"{kind} ({state}){where}")
        self.message.clear()
        self._update_state()

    def refresh_note(self, note: NoteDTO, encounter: EncounterDTO | None = None) -> None:
        """The chart was reloaded: take the stored version of the note shown. When its text is what
        the editor holds (e.g. right after a save) nothing is refilled, so the cursor stays put."""
        shown = self.note
        same = shown is not None and shown.id == note.id and shown.status == note.status \
            and not self.is_dirty() and self.values() == _stored(note)
        if not same:
            self.open_note(note, encounter)
            return
        self.note = note
        if encounter is not None:
            self.encounter = encounter
        self._update_state()

    def _encounter_text(self) -> str:
        e = self.encounter
        return f"{encounter_type_label(e.encounter_type)}, {when_text(e.start_time)}" if e else ""

    def _fill(self, values: dict[str, str]) -> None:
        self.title_edit.setText(values.get("title", ""))
        for name, edit in self.edits.items():
            edit.setPlainText(values.get(name, ""))
        self._baseline = self.values()

    def _update_state(self) -> None:
        actor = self.ctx.actor
        patient_id = self._patient_id()
        has_note = self.note is not None or self.encounter is not None
        may_write = has_note and allows(actor, Category.NOTE, Verb.WRITE, patient_id)
        editable = may_write and not self.is_signed
        for edit in self.edits.values():
            edit.setReadOnly(not editable)
        self.title_edit.setReadOnly(not editable)
        self.template_combo.setEnabled(editable)
        self.apply_button.setEnabled(editable)
        self.vitals_button.setEnabled(editable and bool(self._vitals_line))
        self.save_button.setEnabled(editable and not self._busy and self.is_dirty())
        self.sign_button.setEnabled(editable and not self._busy
                                    and allows(actor, Category.NOTE, Verb.SIGN, patient_id))
        self.addendum_button.setVisible(self.is_signed)
        self.addendum_button.setEnabled(self.is_signed and may_write and not self._busy)
        self._show_signature()

    def _show_signature(self) -> None:
        note = self.note
        if note is None or not self.is_signed:
            self.signature.clear()
            return
        # verify_signature is a hash over the DTO in hand (no database), so it runs right here.
        verified = self.ctx.services.notes.verify_signature(note)
        self.signature.show_signature(self._names(note.signed_by_id), when_text(note.signed_at), verified)

    def names_changed(self) -> None:
        """User names were resolved: show the signer's name."""
        self._show_signature()

    # --- unsaved changes ---------------------------------------------------------------------

    def leave(self, then: Callable[[], None], cancelled: Callable[[], None] | None = None) -> None:
        """Before the editor shows something else: unsaved changes are saved, discarded or kept
        (the user chooses); ``then`` runs when the editor may move on, ``cancelled`` when not."""
        if not self.is_dirty():
            then()
            return
        if self._busy:
            self.message.setText("Still saving; try again in a moment.")
            if cancelled is not None:
                cancelled()
            return
        answer = QMessageBox.question(
            self, "Unsaved changes", "This note has changes that are not saved. Save them as a draft?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            self.save_draft(on_saved=then, on_failed=cancelled)
        elif answer == QMessageBox.StandardButton.Discard:
            then()
        elif cancelled is not None:
            cancelled()

    # --- editing -----------------------------------------------------------------------------

    def apply_template(self) -> None:
        template = TEMPLATES_BY_KEY.get(self.template_combo.currentData())
        if template is None or not self.apply_button.isEnabled():
            return
        if any(edit.toPlainText().strip() for edit in self.edits.values()):
            answer = QMessageBox.question(
                self, "Replace note text",
                f"Replace the text of this note with the template “{template.name}”? "
                "What is written now will be lost.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        for name, text in template.sections().items():
            self.edits[name].setPlainText(text)
        known_titles = {t.title for t in TEMPLATES}
        if not self.title_edit.text().strip() or self.title_edit.text().strip() in known_titles:
            self.title_edit.setText(template.title)
        self.edits["subjective"].setFocus()
        self.edits["subjective"].moveCursor(QTextCursor.MoveOperation.Start)
        self.next_placeholder()

    def next_placeholder(self) -> bool:
        """Select the next "***" after the cursor (Ctrl+J), across the sections in order."""
        edits = list(self.edits.values())
        start = edits.index(self.focusWidget()) if self.focusWidget() in edits else 0
        for i, edit in enumerate(edits[start:] + edits[:start]):
            from_pos = edit.textCursor().selectionEnd() if i == 0 and edit.hasFocus() else 0
            found = edit.document().find(PLACEHOLDER, from_pos)
            if not found.isNull():
                edit.setTextCursor(found)
                edit.setFocus()
                return True
        return False

    def insert_vitals(self) -> None:
        """Quote the latest vitals in Objective: into the template's "Vitals: ***" line when
        there is one, otherwise at the cursor."""
        if not self._vitals_line or self.is_signed:
            return
        objective = self.edits["objective"]
        filled = fill_vitals_slot(objective.toPlainText(), self._vitals_line)
        if filled is not None:
            objective.setPlainText(filled)
        else:
            objective.insertPlainText(f"Vitals: {self._vitals_line}\n")
        objective.setFocus()

    # --- saving, signing, addenda ------------------------------------------------------------

    def _patient_id(self) -> uuid.UUID | None:
        if self.note is not None:
            return self.note.patient_id
        return self.encounter.patient_id if self.encounter is not None else None

    def _run(self, fn: Callable[[Any], Any], done: Callable[[Any], None], *, saved: str,
             failed: Callable[[], None] | None = None) -> None:
        patient_id = self._patient_id()
        self._busy = True
        self._update_state()

        def finished(result: Any) -> None:
            self._busy = False
            done(result)
            self._update_state()

        def errored(exc: BaseException) -> None:
            self._busy = False
            self.message.setText(error_text(exc))
            self._update_state()
            if failed is not None:
                failed()

        self.ctx.run(fn, finished, saved=saved, changed_patient=patient_id, on_error=errored)

    def save_draft(self, on_saved: Callable[[], None] | None = None,
                   on_failed: Callable[[], None] | None = None) -> None:
        if self._busy or self.is_signed or (self.note is None and self.encounter is None):
            return
        if not self.title_edit.text().strip() and self.encounter is not None:
            # A note is found by its title later: name it after the visit rather than "Untitled".
            visit = encounter_type_label(self.encounter.encounter_type)
            reason = self.encounter.reason.strip()
            self.title_edit.setText(f"{visit}: {reason}"[:TITLE_MAX] if reason else visit)
        values = self.values()
        notes = self.ctx.services.notes
        note, encounter = self.note, self.encounter
        if note is None:
            assert encounter is not None
            fn = lambda actor: notes.create(actor, patient_id=encounter.patient_id,  # noqa: E731
                                            encounter_id=encounter.id, **values)
        else:
            fn = lambda actor: notes.update(actor, note.id, **values)  # noqa: E731

        def done(saved_note: NoteDTO) -> None:
            if self.note is note and self.encounter is encounter:  # still showing what was saved
                self.note = saved_note
                self._baseline = values
                self.heading.setText(self.heading.text().replace("New note", "Note (draft)", 1))
                self.message.setText(f"Draft saved at {when_text(datetime.now(UTC))}.")
            self.sig_note_saved.emit(saved_note)
            if on_saved is not None:
                on_saved()

        self._run(fn, done, saved="Draft saved.", failed=on_failed)

    def sign(self) -> None:
        if not self.sign_button.isEnabled():
            return
        text = "Signing makes the note read-only; later changes can only be added as addenda."
        if any(PLACEHOLDER in v for v in self.values().values()):
            text += f"\n\nThe note still contains {PLACEHOLDER} placeholders."
        answer = QMessageBox.question(self, "Sign note", text + "\n\nSign this note now?",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self.is_new or self.is_dirty():
            self.save_draft(on_saved=self._sign_saved)
        else:
            self._sign_saved()

    def _sign_saved(self) -> None:
        note = self.note
        if note is None:
            return
        notes = self.ctx.services.notes

        def done(signed: NoteDTO) -> None:
            if self.note is not None and self.note.id == signed.id:
                self.open_note(signed, self.encounter)
            self.sig_note_signed.emit(signed)

        self._run(lambda actor: notes.sign(actor, note.id), done, saved="Note signed.")

    def add_addendum(self) -> None:
        note = self.note
        if note is None or not self.is_signed or not self.addendum_button.isEnabled():
            return
        text, ok = QInputDialog.getMultiLineText(
            self, "Addendum", "Addendum text (saved as a draft that you can edit and sign):")
        if not ok or not text.strip():
            return
        notes = self.ctx.services.notes

        def done(addendum: NoteDTO) -> None:
            if self.note is note:
                self.open_note(addendum, self.encounter)
                self.edits["plan"].setFocus()  # the addendum's text is in Plan
            self.sig_addendum_added.emit(addendum)

        self._run(lambda actor: notes.add_addendum(actor, note.id, text.strip()), done,
                  saved="Addendum added as a draft.")


def _stored(note: NoteDTO) -> dict[str, str]:
    """A note's editable text as the editor holds it."""
    return {name: getattr(note, name) for name in ("title", *SECTIONS)}
