"""Encounters (date, type, reason, provider, status) and the notes of one encounter (title, status,
author, signed at), addenda listed right under the note they amend."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from emr_desktop.domain.enums import EncounterStatus, NoteStatus
from emr_desktop.domain.records import EncounterDTO, NoteDTO
from emr_desktop.ui.encounters.labels import (
    encounter_status_label,
    encounter_type_label,
    note_status_label,
    when_text,
)
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

#: Resolves a user id to a display name ("—" when unknown or not available to the role).
NameLookup = Callable[[uuid.UUID | None], str]


class EncounterColumn(IntEnum):
    DATE = 0
    TYPE = 1
    REASON = 2
    PROVIDER = 3
    STATUS = 4


def _encounter_emphasis(e: EncounterDTO) -> Emphasis:
    return Emphasis.MUTED if e.status == EncounterStatus.CANCELLED.value else Emphasis.NONE


class EncounterTableModel(DtoTableModel[EncounterDTO]):
    """Rows in the order given (the chart lists encounters newest first)."""

    Column = EncounterColumn

    def __init__(self, names: NameLookup, parent: Any = None) -> None:
        super().__init__([
            ColumnSpec("Date", lambda e: when_text(e.start_time),
                       lambda e: f"Ended {when_text(e.end_time)}" if e.end_time else ""),
            ColumnSpec("Type", lambda e: encounter_type_label(e.encounter_type)),
            ColumnSpec("Reason", lambda e: e.reason, lambda e: e.reason),
            ColumnSpec("Provider", lambda e: names(e.provider_id)),
            ColumnSpec("Status", lambda e: encounter_status_label(e.status), emphasis=_encounter_emphasis),
        ], parent)

    def row_of(self, encounter_id: uuid.UUID | None) -> int | None:
        return next((i for i in range(self.rowCount()) if self.row_at(i).id == encounter_id), None)

    def names_changed(self) -> None:
        """User names were resolved: repaint the provider column."""
        if self.rowCount():
            col = EncounterColumn.PROVIDER
            self.dataChanged.emit(self.index(0, col), self.index(self.rowCount() - 1, col),
                                  [Qt.ItemDataRole.DisplayRole])


class NoteColumn(IntEnum):
    TITLE = 0
    STATUS = 1
    AUTHOR = 2
    SIGNED_AT = 3


def thread_notes(notes: Iterable[NoteDTO]) -> list[tuple[NoteDTO, int]]:
    """Notes oldest first, each followed by its addenda (and theirs), with the nesting depth.
    An addendum whose note is not in ``notes`` is listed as a top-level note."""
    notes = sorted(notes, key=lambda n: n.id.bytes)  # UUIDv7: creation order
    ids = {n.id for n in notes}
    children: dict[uuid.UUID | None, list[NoteDTO]] = {}
    for note in notes:
        parent = note.addendum_to_id if note.addendum_to_id in ids else None
        children.setdefault(parent, []).append(note)
    ordered: list[tuple[NoteDTO, int]] = []

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        for child in children.get(parent, []):
            ordered.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    return ordered


class NoteTableModel(DtoTableModel[NoteDTO]):
    """The notes of one encounter; ``set_notes`` threads addenda under their notes."""

    Column = NoteColumn

    def __init__(self, names: NameLookup, parent: Any = None) -> None:
        self._depth: dict[uuid.UUID, int] = {}
        super().__init__([
            ColumnSpec("Title", self._title, lambda n: n.title),
            ColumnSpec("Status", lambda n: note_status_label(n.status),
                       emphasis=lambda n: Emphasis.NONE if n.status == NoteStatus.SIGNED.value
                       else Emphasis.ABNORMAL),
            ColumnSpec("Author", lambda n: names(n.author_id)),
            ColumnSpec("Signed at", lambda n: when_text(n.signed_at)),
        ], parent)

    def _title(self, note: NoteDTO) -> str:
        depth = self._depth.get(note.id, 0)
        title = note.title or ("Addendum" if note.addendum_to_id else "Untitled note")
        return f"{'    ' * (depth - 1)}↳ {title}" if depth else title

    def set_notes(self, notes: Iterable[NoteDTO]) -> None:
        threaded = thread_notes(notes)
        self._depth = {n.id: depth for n, depth in threaded}
        self.set_rows([n for n, _depth in threaded])

    def row_of(self, note_id: uuid.UUID | None) -> int | None:
        return next((i for i in range(self.rowCount()) if self.row_at(i).id == note_id), None)

    def names_changed(self) -> None:
        if self.rowCount():
            col = NoteColumn.AUTHOR
            self.dataChanged.emit(self.index(0, col), self.index(self.rowCount() - 1, col),
                                  [Qt.ItemDataRole.DisplayRole])
