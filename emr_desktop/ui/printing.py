"""Print preview and printing: a PDF held in memory (QtPdf over a QBuffer), sent to a printer or
saved where the user chooses. No PDF is ever written to a temp folder or the data folder.

Printing: on Linux and macOS the chosen printer is a CUPS queue and the ORIGINAL PDF bytes go to
``lp`` on stdin, so the page prints exactly as built; on Windows each page is rasterised at up to
300 dpi and painted onto the QPrinter.
Printing and saving run on a worker thread; results come back on the GUI thread. Each successful
output is reported through ``on_output(how, printer)`` - the caller audits it through the service.

``PrintController`` connects the chart to this: it builds the document through
``services.printing`` (background), opens the preview and records every output.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QPageSize, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.errors import EmrError
from emr_desktop.security.files import atomic_write
from emr_desktop.ui.chart.base import ChartContext, error_text

#: Document kinds the printing service builds, with a title and a file name free of PHI.
DOCUMENTS: dict[str, str] = {"visit-summary": "Visit summary", "prescription": "Prescription"}
#: Rasterised printing never renders finer than this (a letter page at 300 dpi is ~34 MB).
MAX_RASTER_DPI = 300
#: How long ``lp`` may take to accept a job before the user is told.
LP_TIMEOUT_S = 60
ZOOM_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("Fit width", None), ("Whole page", 0.0), ("50%", 0.5), ("75%", 0.75), ("100%", 1.0),
    ("125%", 1.25), ("150%", 1.5), ("200%", 2.0), ("300%", 3.0))


class PrintFailed(EmrError):
    """The document could not be printed or saved (no PHI in the message)."""


# --- the work done on a worker thread (no widgets) -------------------------------------------------


def job_title(document: str) -> str:
    """What the print queue shows for the job: the kind of document, never a patient's name."""
    return f"emr-desktop {document}"


def lp_command(printer: str, copies: int, title: str, pages: tuple[int, int] | None = None,
               media: str = "") -> list[str]:
    """``lp`` reading the PDF from stdin: no file on disk. ``media``: the paper chosen in the print
    dialog ("Letter", "A4"); without it the queue's default paper is used (pages are fitted)."""
    command = ["lp", "-d", printer, "-n", str(max(1, copies)), "-t", title]
    if pages is not None:
        command += ["-P", f"{pages[0]}-{pages[1]}"]
    if media:
        command += ["-o", f"media={media}"]
    return [*command, "-"]


def on_windows() -> bool:
    return sys.platform == "win32"


def lp_available() -> bool:
    return shutil.which("lp") is not None


NO_LP = PrintFailed("The print command (lp) was not found on this computer.",
                    "Install the CUPS client (Debian: apt-get install cups-client) or ask your administrator.")


def submit_to_cups(pdf: bytes, printer: str, copies: int, title: str,
                   pages: tuple[int, int] | None = None, media: str = "") -> str:
    """Send the PDF bytes to a CUPS queue with ``lp``; returns the job id ("EMR_PDF-12", or "")."""
    try:
        done = subprocess.run(lp_command(printer, copies, title, pages, media), input=pdf,
                              capture_output=True, timeout=LP_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise PrintFailed(NO_LP.message, NO_LP.hint) from exc
    except subprocess.TimeoutExpired as exc:
        raise PrintFailed(f"The print system did not accept the document for {printer} within "
                          f"{LP_TIMEOUT_S} seconds.", "Check that the print service is running.") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().removeprefix("lp:").strip()
        raise PrintFailed(f"The printer {printer} did not take the document"
                          + (f": {reason}" if reason else "."),
                          "Check that the printer is on, connected and accepting jobs, or choose another.")
    found = re.search(r"request id is (\S+)", done.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else ""


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to the file the user chose, owner-only, replacing it in one step."""
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise PrintFailed(f"The PDF could not be saved to {path.name}: {exc.strerror or exc}.",
                          "Choose another folder, or check there is space left.") from exc


def open_document(pdf: bytes, parent: QObject | None = None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument reading from an in-memory buffer (kept with it: the document reads it)."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    return document, buffer


def paint_to_printer(pdf: bytes, printer: QPrinter) -> None:
    """Rasterise every page (at the printer's resolution, at most ``MAX_RASTER_DPI``) and paint it
    onto ``printer``, one page per sheet, scaled to the paper keeping its proportions. Runs on a
    worker thread: it reads its own QPdfDocument (QPainter on a QPrinter is allowed off the GUI thread)."""
    document, buffer = open_document(pdf)
    try:
        if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
            raise PrintFailed("The document could not be read for printing.")
        pages = range(document.pageCount())
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            pages = range(printer.fromPage() - 1, min(printer.toPage(), document.pageCount()))
        printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintFailed(f"The printer {printer.printerName() or '(none chosen)'} could not be opened.",
                              "Check that it is on and connected, or choose another.")
        try:
            dpi = min(printer.resolution(), MAX_RASTER_DPI)
            for n, page in enumerate(pages):
                if n:
                    printer.newPage()
                points = document.pagePointSize(page)
                image = document.render(page, QSize(round(points.width() * dpi / 72),
                                                    round(points.height() * dpi / 72)))
                paper = printer.paperRect(QPrinter.Unit.DevicePixel)
                scale = min(paper.width() / points.width(), paper.height() / points.height())
                size = points * scale
                target = QRectF(QPointF((paper.width() - size.width()) / 2, (paper.height() - size.height()) / 2),
                                size)
                painter.drawImage(target, image)
        finally:
            painter.end()
    finally:
        document.close()
        buffer.close()


class _Relay(QObject):
    sig_finished = Signal(object)
    """The work returned; carries its result (delivered on the GUI thread)."""
    sig_failed = Signal(object)
    """The work raised; carries the exception (delivered on the GUI thread)."""


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_error: Callable[[BaseException], None]) -> threading.Thread:
    """Run ``fn`` on its own thread (printing and file writing must not wait behind the serial
    database runner, nor block it); the callbacks run on the GUI thread."""
    relay = _Relay()

    def deliver(callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except RuntimeError as exc:  # the dialog was closed and deleted meanwhile
            if "already deleted" not in str(exc):
                raise
        finally:
            relay.deleteLater()

    relay.sig_finished.connect(lambda result: deliver(on_done, result))
    relay.sig_failed.connect(lambda exc: deliver(on_error, exc))

    def work() -> None:
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            relay.sig_failed.emit(exc)
        else:
            relay.sig_finished.emit(result)

    thread = threading.Thread(target=work, name="emr-print", daemon=False)
    thread.start()
    return thread


# --- the preview -------------------------------------------------------------------------------


class PrintPreviewDialog(QDialog):
    """Shows a PDF from memory (all pages, zoom, page count) with Print..., Save as PDF... and Close.
    ``on_output(how, printer)`` is called after each successful print ("printer", its name) or save
    ("pdf-file", "")."""

    sig_output_done = Signal(str, str)
    """The document was printed or saved (how: "printer" or "pdf-file"; the printer's name)."""

    sig_output_failed = Signal(str)
    """Printing or saving failed; carries the message shown in the dialog."""

    def __init__(self, pdf_bytes: bytes, title: str, on_output: Callable[[str, str], None],
                 parent: QWidget | None = None, *, document: str = "document") -> None:
        super().__init__(parent)
        self.setObjectName("printPreview")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._pdf = bytes(pdf_bytes)
        self._on_output = on_output
        self._document_kind = document
        self._threads: list[threading.Thread] = []
        self.print_dialog: QPrintDialog | None = None
        #: The CUPS job id of the last print ("EMR_PDF-12"); "" when unknown or not through CUPS.
        self.last_job = ""
        self.document, self._buffer = open_document(self._pdf, self)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName("Print preview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.zoom = QComboBox(self)
        self.zoom.setObjectName("zoomCombo")
        for text, factor in ZOOM_CHOICES:
            self.zoom.addItem(text, factor)
        zoom_label = QLabel("&Zoom:", self)
        zoom_label.setBuddy(self.zoom)
        self.page_label = QLabel(self)
        self.page_label.setObjectName("pageCount")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("printStatus")
        self.status_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.print_button = QPushButton("&Print...", self)
        self.print_button.setDefault(True)
        self.save_button = QPushButton("Save as &PDF...", self)
        self.close_button = QPushButton("&Close", self)
        self.print_button.setToolTip("Choose a printer and the number of copies")
        self.save_button.setToolTip("Save the document as a PDF file where you choose")
        top = QHBoxLayout()
        top.addWidget(zoom_label)
        top.addWidget(self.zoom)
        top.addStretch(1)
        top.addWidget(self.page_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(bottom)
        self.setTabOrder(self.zoom, self.view)
        self.setTabOrder(self.view, self.print_button)
        self.setTabOrder(self.print_button, self.save_button)
        self.setTabOrder(self.save_button, self.close_button)

        self.zoom.currentIndexChanged.connect(self._zoom_chosen)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.zoom_by(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.zoom_by(0.8))
        self.view.pageNavigator().currentPageChanged.connect(self._show_page_number)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as_pdf)
        self.close_button.clicked.connect(self.reject)
        if self.page_count() == 0:
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            self._show_error("The document could not be shown.")
        self._show_page_number()
        self.resize(900, 700)
        self.view.setFocus()

    # --- looking ----------------------------------------------------------------------------

    def page_count(self) -> int:
        return self.document.pageCount() if self.document.status() == QPdfDocument.Status.Ready else 0

    def document_media(self) -> str:
        """The CUPS media name of the first page's size ("Letter", "A4"), or "" when unusual."""
        if not self.page_count():
            return ""
        size = self.document.pagePointSize(0)
        match = QPageSize(QSizeF(size.width(), size.height()), QPageSize.Unit.Point,
                          matchPolicy=QPageSize.SizeMatchPolicy.FuzzyMatch)
        return match.key() if match.id() in (QPageSize.PageSizeId.Letter, QPageSize.PageSizeId.A4) else ""

    def _show_page_number(self, *_args: object) -> None:
        count = self.page_count()
        current = self.view.pageNavigator().currentPage() + 1
        self.page_label.setText(f"Page {min(current, count)} of {count}" if count else "No pages")

    def _zoom_chosen(self, index: int) -> None:
        factor = self.zoom.itemData(index)
        if factor is None:
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        elif factor == 0.0:
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        else:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(factor)

    def zoom_by(self, step: float) -> None:
        """Ctrl++ / Ctrl+-: zoom from what is shown now (fit modes included)."""
        factor = max(0.25, min(4.0, self.view.zoomFactor() * step))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(factor)

    # --- printing ---------------------------------------------------------------------------

    def make_printer(self) -> QPrinter:
        """A printer set up for this document: its paper size, all pages, a title without PHI."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(job_title(self._document_kind))
        if self.page_count():
            points = self.document.pagePointSize(0)
            printer.setPageSize(QPageSize(points, QPageSize.Unit.Point, "",
                                          QPageSize.SizeMatchPolicy.FuzzyMatch))
        printer.setFromTo(1, max(1, self.page_count()))
        return printer

    def print_document(self) -> None:
        """Ask for the printer and copies (window-modal), then print."""
        if not self.print_button.isEnabled():
            return
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)  # "Save as PDF" does that
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, False)
        dialog.setMinMax(1, max(1, self.page_count()))
        dialog.setWindowTitle("Print")
        self.print_dialog = dialog

        def chosen() -> None:
            self.print_dialog = None
            self.print_to(printer)

        dialog.accepted.connect(chosen)
        dialog.rejected.connect(lambda: setattr(self, "print_dialog", None))
        QDialog.open(dialog)  # window-modal; QPrintDialog.open() in PySide wants a receiver

    def print_to(self, printer: QPrinter) -> None:
        """Print on the printer chosen. Linux and macOS: the exact bytes go to its CUPS queue with
        ``lp``; without ``lp`` printing is refused with a message, because Qt's own CUPS engine
        spools a PDF through a temp file. Windows, or a printer writing a file: rasterised."""
        name = printer.printerName()
        pages = None
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            pages = (printer.fromPage(), printer.toPage())
            if pages == (1, self.page_count()):
                pages = None
        if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat and not on_windows():
            if not name:
                self._failed(PrintFailed("No printer was chosen.", "Add a printer to this computer first."))
            elif not lp_available():
                self._failed(NO_LP)
            else:
                size = printer.pageLayout().pageSize()
                media = size.key() if size.isValid() and size.id() != QPageSize.PageSizeId.Custom else ""
                self.print_to_queue(name, printer.copyCount(), pages, media)
            return
        pdf = self._pdf
        self._start(f"Printing on {name or 'the printer'}...",
                    lambda: paint_to_printer(pdf, printer), lambda _r: self._printed(name, ""))

    def print_to_queue(self, printer_name: str, copies: int = 1, pages: tuple[int, int] | None = None,
                       media: str = "") -> None:
        """Send the original PDF bytes to the CUPS queue ``printer_name`` with ``lp`` (background).
        Without a paper chosen, the document's own (Letter or A4) is asked for, so the printer
        neither shrinks nor shifts it onto its default paper."""
        pdf, title = self._pdf, job_title(self._document_kind)
        media = media or self.document_media()
        self._start(f"Sending to {printer_name}...",
                    lambda: submit_to_cups(pdf, printer_name, copies, title, pages, media),
                    lambda job: self._printed(printer_name, job))

    def _printed(self, printer_name: str, job: str) -> None:
        self.last_job = job
        self._done("printer", printer_name,
                   f"Sent to {printer_name}" + (f" (job {job})." if job else ".") if printer_name
                   else "Sent to the printer.")

    # --- saving -----------------------------------------------------------------------------

    def suggested_path(self) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"{self._document_kind}.pdf"
        return str(Path(folder) / name) if folder else name

    def save_as_pdf(self) -> None:
        """Ask where to save (a name without PHI is suggested), then write the bytes (background)."""
        if not self.save_button.isEnabled():
            return
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save as PDF", self.suggested_path(),
                                                      "PDF documents (*.pdf)")
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        pdf = self._pdf
        self._start("Saving...", lambda: write_private_file(path, pdf),
                    lambda _r: self._done("pdf-file", "", f"Saved as {path.name}."))

    # --- background work --------------------------------------------------------------------

    def _start(self, status: str, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self._show_error("")
        self.status_label.setText(status)
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(run_in_thread(work, then, self._failed))

    def _idle(self) -> None:
        self.print_button.setEnabled(self.page_count() > 0)
        self.save_button.setEnabled(self.page_count() > 0)

    def _done(self, how: str, printer: str, status: str) -> None:
        self._idle()
        self.status_label.setText(status)
        self._on_output(how, printer)
        self.sig_output_done.emit(how, printer)

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        self.status_label.setText("")
        message = error_text(exc, "The document could not be printed or saved. Try again, or choose "
                                  "another printer or folder.")
        self._show_error(message)
        self.sig_output_failed.emit(message)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def wait_for_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait for printing or saving started here (tests; results still arrive via the event loop)."""
        for thread in self._threads:
            thread.join(timeout_s)
        return not any(t.is_alive() for t in self._threads)

    def release(self) -> None:
        """Drop the document (PHI) from memory: at close, at the idle lock."""
        if self.print_dialog is not None:
            self.print_dialog.reject()
            self.print_dialog = None
        self.document.close()  # the view shows nothing from now on
        self._buffer.close()
        self._buffer.setData(QByteArray())
        self._pdf = b""

    def done(self, result: int) -> None:  # noqa: D401 - QDialog override: closing releases the PDF
        super().done(result)
        self.release()


# --- the chart's side: build, preview, audit -------------------------------------------------------


class PrintController(QObject):
    """Builds documents through ``services.printing`` on the task runner, opens the preview and
    audits each print or save (``record_output``). One preview at a time; ``clear_phi`` closes it."""

    sig_preview_opened = Signal(object)
    """A preview dialog was opened (carries the PrintPreviewDialog)."""

    def __init__(self, ctx: ChartContext, parent: QWidget,
                 current_patient: Callable[[], uuid.UUID | None] = lambda: None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent
        self._current_patient = current_patient
        self._generation = 0
        self.preview: PrintPreviewDialog | None = None

    def print_requested(self, kind: str, record_ids: object) -> None:
        """Build the document ``kind`` ("visit-summary", "prescription") for ``record_ids``."""
        many = isinstance(record_ids, list | tuple | set | frozenset)
        ids: tuple[uuid.UUID, ...] = tuple(record_ids) if many else (record_ids,)  # type: ignore[arg-type]
        if kind not in DOCUMENTS or not ids:
            return
        svc = self.ctx.services.printing
        if kind == "visit-summary":
            def build(actor: Any) -> bytes:
                return svc.visit_summary_pdf(actor, ids[0])
        else:
            def build(actor: Any) -> bytes:
                return svc.prescriptions_pdf(actor, ids)
        generation, patient_id = self._generation, self._current_patient()
        self.ctx.sig_message_posted.emit(f"Preparing the {DOCUMENTS[kind].lower()}...")
        self.ctx.run(build, lambda pdf: self._built(kind, ids, pdf, generation, patient_id))

    def _built(self, kind: str, ids: tuple[uuid.UUID, ...], pdf: bytes, generation: int,
               patient_id: uuid.UUID | None) -> None:
        if generation != self._generation:
            return  # the screen locked or the chart closed meanwhile
        self.close_preview()
        svc = self.ctx.services.printing
        changes = kind == "prescription"  # record_output marks prescriptions printed

        def record(how: str, printer: str) -> None:
            """Audit the output; a printed prescription changed status, so its chart reloads."""
            self.ctx.run(lambda actor: svc.record_output(actor, kind, ids, how, printer),
                         saved="Prescription marked printed." if changes else None,
                         changed_patient=patient_id if changes else None)

        dialog = PrintPreviewDialog(pdf, f"{DOCUMENTS[kind]} - print preview", record, self._parent,
                                    document=kind)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.preview = dialog
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()
        self.sig_preview_opened.emit(dialog)

    def _forget(self, dialog: PrintPreviewDialog) -> None:
        if self.preview is dialog:
            self.preview = None
        dialog.deleteLater()

    def close_preview(self) -> None:
        if self.preview is not None:
            self.preview.reject()

    def clear_phi(self) -> None:
        """The idle lock or a closed chart: forget pending documents and close the preview."""
        self._generation += 1
        self.close_preview()
