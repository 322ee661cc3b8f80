"""Read an attached document inside the app. The bytes come from the encrypted database (in the
background) and stay in memory: images and plain text are shown here, PDFs with Qt's PDF viewer
from an in-memory buffer when QtPdf is available. Nothing is written to a temporary file; "Save a
copy…" writes only where the user explicitly chooses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QCloseEvent, QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import DocumentDTO
from emr_desktop.ui.chart.base import ChartContext, error_text
from emr_desktop.ui.qt_models.documents import category_label, size_text

_TEXT_TYPES = ("application/json", "application/xml", "application/hl7-v2", "application/csv")
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def pdf_support() -> tuple[Any, Any] | None:
    """(QPdfDocument, QPdfView) when this Qt build ships QtPdf, else None."""
    try:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView
    except ImportError:
        return None
    return QPdfDocument, QPdfView


@dataclass(frozen=True)
class LoadedDocument:
    """What the worker hands back: the bytes, their SHA-256, and how to show them."""

    data: bytes
    sha256: str
    kind: str                  # "image", "text", "pdf" or "other"
    image: QImage | None = None
    text: str = ""


def classify(document: DocumentDTO, data: bytes) -> LoadedDocument:
    """Decode off the GUI thread (QImage is safe to build in a worker; QPixmap is not)."""
    digest = hashlib.sha256(data).hexdigest()
    mime = document.mime_type.lower()
    if mime.startswith("image/") or data.startswith(_IMAGE_MAGIC):
        image = QImage.fromData(data)
        if not image.isNull():
            return LoadedDocument(data, digest, "image", image=image)
    if mime == "application/pdf" or data.startswith(b"%PDF-"):
        return LoadedDocument(data, digest, "pdf")
    if mime.startswith("text/") or mime in _TEXT_TYPES:
        return LoadedDocument(data, digest, "text", text=data.decode("utf-8", errors="replace"))
    if b"\x00" not in data[:4096]:
        try:
            return LoadedDocument(data, digest, "text", text=data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return LoadedDocument(data, digest, "other")


class DocumentViewer(QDialog):
    """One document: what it is, whether its checksum holds, and its content."""

    def __init__(self, ctx: ChartContext, document: DocumentDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.document = document
        self.loaded: LoadedDocument | None = None
        self._closed = False
        self._pdf_keep: tuple[Any, ...] = ()
        self.setObjectName("documentViewer")
        self.setWindowTitle(f"Document: {document.title}")
        self.resize(900, 680)

        self.header = QLabel(self._header_text())
        self.header.setObjectName("documentHeader")
        self.header.setWordWrap(True)
        self.check = QLabel("Loading…")
        self.check.setObjectName("documentCheck")
        self.check.setWordWrap(True)

        self.stack = QStackedWidget()
        self.loading_page = QLabel("Loading the document…")
        self.loading_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_page = QScrollArea()
        self.image_page.setWidget(self.image_label)
        self.image_page.setWidgetResizable(True)
        self.text_page = QPlainTextEdit()
        self.text_page.setReadOnly(True)
        self.text_page.setObjectName("documentText")
        self.other_page = QLabel()
        self.other_page.setWordWrap(True)
        self.other_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pdf_page: QWidget | None = None
        for page in (self.loading_page, self.image_page, self.text_page, self.other_page):
            self.stack.addWidget(page)

        self.save_copy_button = QPushButton("&Save a copy…")
        self.save_copy_button.setToolTip("Write the file where you choose. The copy is not encrypted:"
                                         " keep it only where patient data may be stored.")
        self.save_copy_button.setEnabled(False)
        self.save_copy_button.clicked.connect(self.save_copy)
        self.fit_button = QPushButton("&Fit to window")
        self.fit_button.setCheckable(True)
        self.fit_button.setChecked(True)
        self.fit_button.hide()  # images only
        self.fit_button.toggled.connect(self._show_image)
        self.close_button = QPushButton("&Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_copy_button)
        buttons.addWidget(self.fit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.check)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)
        self.close_button.setDefault(True)

    def _header_text(self) -> str:
        d = self.document
        parts = [category_label(d.category), d.filename or "(no file name)", size_text(d.size_bytes),
                 f"{d.document_date.astimezone():%m/%d/%Y}"]
        return f"<b>{escape(d.title)}</b><br>{escape(' · '.join(parts))}"

    # --- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Fetch the content in the background (the service checks access and audits the read)."""
        document = self.document
        services = self.ctx.services

        def fetch(actor: Actor) -> LoadedDocument:
            return classify(document, services.documents.content(actor, document.id))

        self.ctx.run(fetch, self._loaded, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        if self._closed:
            return
        self._set_check(f"⚠ {error_text(exc)}", warning=True)
        self.loading_page.setText("The document could not be shown.")

    def _set_check(self, text: str, *, warning: bool) -> None:
        self.check.setTextFormat(Qt.TextFormat.RichText)
        self.check.setText(f"<b>{escape(text)}</b>" if warning else escape(text))
        self.check.setProperty("warning", warning)  # the stylesheet may colour it
        self.check.style().unpolish(self.check)
        self.check.style().polish(self.check)

    def _loaded(self, loaded: LoadedDocument) -> None:
        if self._closed:
            return
        self.loaded = loaded
        self.save_copy_button.setEnabled(True)
        if loaded.sha256 == self.document.sha256:
            self._set_check(f"✓ SHA-256 checksum verified ({loaded.sha256[:16]}…)", warning=False)
        else:
            self._set_check("⚠ Warning: this file does not match the SHA-256 checksum recorded when it "
                            "was attached. It may be damaged or altered; do not rely on it.", warning=True)
        if loaded.kind == "image" and loaded.image is not None:
            self.fit_button.show()
            self.stack.setCurrentWidget(self.image_page)
            self._show_image()
        elif loaded.kind == "text":
            self.text_page.setPlainText(loaded.text)
            self.stack.setCurrentWidget(self.text_page)
        elif loaded.kind == "pdf":
            if not self._show_pdf(loaded.data):
                self._show_other("PDF preview is not available on this computer.")
        else:
            self._show_other(f"This kind of file ({self.document.mime_type}) cannot be shown here.")
        self.save_copy_button.setFocus()

    def _show_image(self) -> None:
        """At full size, or scaled down (never up) to fit the window."""
        image = self.loaded.image if self.loaded is not None else None
        if image is None:
            return
        pixmap = QPixmap.fromImage(image)
        room = self.image_page.viewport().size()
        if self.fit_button.isChecked() and (pixmap.width() > room.width() or pixmap.height() > room.height()):
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.image_label.setPixmap(pixmap)

    def _show_pdf(self, data: bytes) -> bool:
        support = pdf_support()
        if support is None:
            return False
        pdf_document_cls, pdf_view_cls = support
        buffer = QBuffer(self)  # in memory only: the document never touches the disk
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        pdf = pdf_document_cls(self)
        error = pdf_document_cls.Status.Error
        unreadable = "This PDF could not be opened here (it may be damaged or password-protected)."
        pdf.statusChanged.connect(lambda status: status == error and self._show_other(unreadable))
        pdf.load(buffer)  # may finish asynchronously
        self._pdf_keep = (buffer, pdf)  # both must outlive the view
        if pdf.status() == error:
            self._show_other(unreadable)
            return True
        view = pdf_view_cls(self)
        view.setPageMode(pdf_view_cls.PageMode.MultiPage)
        view.setZoomMode(pdf_view_cls.ZoomMode.FitToWidth)
        view.setDocument(pdf)
        self.pdf_page = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        return True

    def _show_other(self, why: str) -> None:
        if self._closed:
            return
        self.other_page.setText(f"{why}\nUse “Save a copy…” to open it in another program.")
        self.stack.setCurrentWidget(self.other_page)

    # --- save a copy ---------------------------------------------------------------------------

    def save_copy(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        suggested = self.document.filename or self.document.title
        path, _filter = QFileDialog.getSaveFileName(self, "Save a copy (not encrypted)", suggested)
        if not path:
            return
        data = loaded.data
        self.ctx.run(lambda _actor: write_copy(Path(path), data), saved="Copy saved.")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit_button.isChecked() and self.loaded is not None and self.loaded.image is not None:
            self._show_image()

    # --- closing: drop the content -------------------------------------------------------------

    def done(self, result: int) -> None:
        self._discard()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._discard()
        super().closeEvent(event)

    def _discard(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.loaded = None
        self.image_label.clear()
        self.text_page.clear()
        if self.pdf_page is not None:
            self.pdf_page.setDocument(None)  # type: ignore[attr-defined]
        self._pdf_keep = ()


def write_copy(path: Path, data: bytes) -> None:
    """Write the user's copy (in the background); a failure says why, not a traceback."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        reason = exc.strerror or "the folder is not writable"
        raise ValidationError(f"The copy could not be saved ({reason}). Choose another folder.") from exc
