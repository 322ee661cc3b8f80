"""Attached documents: the list, attaching a file (read in the background, kept in the encrypted
database) and viewing one inside the app."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import ChartDTO, DocumentDTO
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.services.charting import MAX_DOCUMENT_BYTES
from emr_desktop.ui.chart.base import (
    ChartContext,
    ChartTab,
    error_text,
    make_table,
    select_record,
    selected_record,
)
from emr_desktop.ui.chart.document_viewer import DocumentViewer
from emr_desktop.ui.qt_models.documents import (
    DOCUMENT_CATEGORIES,
    Column,
    DocumentTableModel,
    size_text,
)
from emr_desktop.ui.widgets.forms import FormDialog, date_field, line_field

_SNIFF = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF8", "image/gif"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


@dataclass(frozen=True)
class PickedFile:
    """A file read from disk for attaching (its bytes stay in memory until saved)."""

    name: str
    data: bytes
    mime_type: str


def read_attachment(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> PickedFile:
    """Read a file to attach (runs in the background). Files over the limit are refused before
    they are read; the service enforces the same limit."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ValidationError(
                f"This file is {size_text(size)}; files larger than {size_text(limit)} cannot be attached. "
                "Scan it at a lower resolution or split it into parts.", "data")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"The file could not be read ({exc.strerror or 'not accessible'}).") from exc
    if not data:
        raise ValidationError("The file is empty.", "data")
    if len(data) > limit:  # it grew while being read
        raise ValidationError(f"Files larger than {size_text(limit)} cannot be attached.", "data")
    mime = next((m for magic, m in _SNIFF if data.startswith(magic)), None)
    mime = mime or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return PickedFile(path.name, data, mime)


class AttachDialog(FormDialog):
    """Title (defaults to the file name), category and date of the document being attached. Attach
    emits the values; the tab saves them and closes the dialog (or shows the service's error)."""

    stays_open = True

    def __init__(self, picked: PickedFile, parent: QWidget | None = None) -> None:
        super().__init__("Attach file", parent)
        self.setObjectName("attachDialog")
        self.setMinimumWidth(460)
        self.file_label = QLabel(f"{picked.name} ({size_text(len(picked.data))}, {picked.mime_type})")
        self.file_label.setWordWrap(True)
        self.title_edit = line_field(picked.name[:200], 200)
        self.title_edit.selectAll()
        self.category = QComboBox()
        for value, label in DOCUMENT_CATEGORIES.items():
            self.category.addItem(label, value)
        self.category.setCurrentIndex(self.category.findData("other"))
        self.document_date = date_field(allow_unknown=False, latest=date.today())
        self.form.addRow("File:", self.file_label)
        self.form.addRow("&Title:", self.title_edit)
        self.form.addRow("&Category:", self.category)
        self.form.addRow("&Date of the document:", self.document_date)
        self.finish_layout("&Attach")
        self.first_field = self.title_edit
        self.title_edit.setFocus()

    def check(self) -> tuple[str, QWidget] | None:
        if not self.title_edit.text().strip():
            return "Enter a title (e.g. Referral letter from cardiology).", self.title_edit
        return None

    def values(self) -> dict[str, Any]:
        day = self.document_date.date().toPython()
        when = None if day == QDate.currentDate().toPython() else datetime.combine(day, time(12)).astimezone()
        return {"title": self.title_edit.text().strip(), "category": self.category.currentData(),
                "document_date": when}


class DocumentsTab(ChartTab):
    title = "&Documents"
    sections = ("documents",)

    def __init__(self, ctx: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("documentsTab")
        self.model = DocumentTableModel(self)
        self.table = make_table(self.model, stretch_column=Column.TITLE)
        self.table.setObjectName("documentsTable")
        self.table.activated.connect(lambda _index: self.view_selected())  # double-click or Enter
        self.attach_button = QPushButton("&Attach file…")
        self.attach_button.clicked.connect(self.attach_file)
        self.view_button = QPushButton("&View")
        self.view_button.clicked.connect(self.view_selected)
        self.notice = QLabel()
        self.notice.setObjectName("tabMessage")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.viewers: list[DocumentViewer] = []

        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.view_button)
        buttons.addStretch(1)
        layout = self.layout_with_notice()
        layout.addLayout(buttons)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.setTabOrder(self.attach_button, self.view_button)
        self.setTabOrder(self.view_button, self.table)
        self._update_buttons()

    # --- ChartTab ------------------------------------------------------------------------------

    def show_chart(self, chart: ChartDTO) -> None:
        keep = self.selected_document()
        documents = sorted(chart.documents, key=lambda d: d.document_date, reverse=True)
        self.model.set_rows(documents)
        select_record(self.table, keep.id if keep else None)
        self._update_buttons()

    def clear_tab(self) -> None:
        """Close every open viewer (the attach dialog is closed too): no document stays on screen or
        in memory."""
        for viewer in list(self.viewers):
            viewer.reject()
        self.model.clear()
        self.notice.hide()
        self._update_buttons()

    # --- helpers -------------------------------------------------------------------------------

    def selected_document(self) -> DocumentDTO | None:
        return selected_record(self.table)

    def _update_buttons(self) -> None:
        chart = self.chart
        self.attach_button.setEnabled(chart is not None and allows(
            self.ctx.actor, Category.DOCUMENT, Verb.WRITE, chart.patient.id))
        self.view_button.setEnabled(self.selected_document() is not None)

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # --- attach --------------------------------------------------------------------------------

    def attach_file(self) -> None:
        patient_id = self.patient_id
        if patient_id is None or self.dialog is not None:
            return
        path, _filter = QFileDialog.getOpenFileName(self, "Attach a file to the chart")
        if not path:
            return
        self._say("Reading the file…")
        self.ctx.run(lambda _actor: read_attachment(Path(path)),
                     lambda picked: self._file_read(patient_id, picked),
                     on_error=lambda exc: self._say(error_text(exc)))

    def _file_read(self, patient_id: Any, picked: PickedFile) -> None:
        self._say("")
        if self.patient_id != patient_id or self.dialog is not None:
            return  # the chart changed (or was locked) meanwhile: drop the bytes
        dialog = AttachDialog(picked, self)

        def save() -> None:
            values = dialog.values()
            self.save(lambda actor: self.ctx.services.documents.attach(
                actor, patient_id, data=picked.data, filename=picked.name, mime_type=picked.mime_type,
                **values), saved="Document attached.", dialog=dialog)

        self.open_dialog(dialog, save)

    # --- view ----------------------------------------------------------------------------------

    def view_selected(self) -> None:
        document = self.selected_document()
        if document is None:
            return
        viewer = DocumentViewer(self.ctx, document, self)
        self.viewers.append(viewer)

        def closed(_result: int) -> None:
            if viewer in self.viewers:
                self.viewers.remove(viewer)
            viewer.deleteLater()

        viewer.finished.connect(closed)
        viewer.show()
        viewer.load()
