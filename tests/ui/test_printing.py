"""Print preview and printing: the PDF is shown from memory, "Save as PDF" writes exactly its bytes
where the user chose, a CUPS printer gets exactly its bytes on lp's stdin, other printers get the
pages rasterised; failures are shown; every output is audited; nothing lands in a temp folder or
the data folder. The chart's Print buttons open the preview (prescriptions, visit summaries)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from reportlab.pdfgen import canvas
from sqlalchemy import select

from emr_desktop.config import Settings
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import PrescriptionStatus, Role
from emr_desktop.domain.records import AuditEventDTO
from emr_desktop.models import AuditEvent
from emr_desktop.services.registry import Services
from emr_desktop.ui import printing
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.encounters_tab import EncountersTab
from emr_desktop.ui.chart.medications_tab import MedicationsTab
from emr_desktop.ui.printing import PrintPreviewDialog, lp_command
from emr_desktop.ui.tasks import TaskRunner
from tests.ui.chart.helpers import open_tab, staff_user

LEFT = Qt.MouseButton.LeftButton


def make_pdf(pages: int = 3, marker: str = "") -> bytes:
    """A small uncompressed PDF (so a leaked copy is recognisable by its marker)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(612, 792), pageCompression=0)
    for n in range(pages):
        pdf.setFont("Helvetica", 28)
        pdf.drawString(72, 700, f"Synthetic page {n + 1} of {pages} {marker}")
        pdf.rect(72, 72, 468, 560, stroke=1, fill=0)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


class Outputs(list[tuple[str, str]]):
    """Records on_output calls."""

    def __call__(self, how: str, printer: str) -> None:
        self.append((how, printer))


def _dialog(qtbot: Any, pdf: bytes, document: str = "prescription") -> tuple[PrintPreviewDialog, Outputs]:
    outputs = Outputs()
    dialog = PrintPreviewDialog(pdf, "Prescription - print preview", outputs, document=document)
    qtbot.addWidget(dialog)
    return dialog, outputs


class FakeLp:
    """Stands in for subprocess.run of ``lp``: keeps the command and the bytes it got on stdin."""

    def __init__(self, returncode: int = 0, stderr: bytes = b"", job: str = "Front_Desk-42") -> None:
        self.calls: list[tuple[list[str], bytes]] = []
        self.returncode, self.stderr, self.job = returncode, stderr, job

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        assert "stdin" not in kwargs and kwargs.get("capture_output") and kwargs.get("timeout")
        self.calls.append((list(command), kwargs["input"]))
        out = f"request id is {self.job} (0 file(s))\n".encode() if self.returncode == 0 else b""
        return subprocess.CompletedProcess(command, self.returncode, out, self.stderr)


class StubPrinter:
    """What print_to reads of a QPrinter, for a named printer that need not exist."""

    def __init__(self, name: str, copies: int = 1) -> None:
        self.name, self.copies = name, copies

    def printerName(self) -> str:  # noqa: N802 - the QPrinter API
        return self.name

    def outputFormat(self) -> QPrinter.OutputFormat:  # noqa: N802
        return QPrinter.OutputFormat.NativeFormat

    def copyCount(self) -> int:  # noqa: N802
        return self.copies

    def printRange(self) -> QPrinter.PrintRange:  # noqa: N802
        return QPrinter.PrintRange.AllPages

    def fromPage(self) -> int:  # noqa: N802
        return 0

    def toPage(self) -> int:  # noqa: N802
        return 0

    def pageLayout(self) -> QPageLayout:  # noqa: N802 - no paper chosen: the queue's default
        return QPageLayout()


def _with_lp(monkeypatch: pytest.MonkeyPatch, fake: FakeLp) -> None:
    monkeypatch.setattr(printing.shutil, "which", lambda name: "/usr/bin/lp" if name == "lp" else None)
    monkeypatch.setattr(printing.subprocess, "run", fake)


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


# --- the preview -------------------------------------------------------------------------------


def test_preview_shows_every_page_from_memory(qtbot: Any) -> None:
    dialog, outputs = _dialog(qtbot, make_pdf(3))
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.page_count() == 3 and dialog.document.status() == QPdfDocument.Status.Ready
    assert dialog.document.pagePointSize(0).toSize() == QSize(612, 792)
    assert dialog.page_label.text() == "Page 1 of 3"
    assert dialog.view.pageMode() == QPdfView.PageMode.MultiPage
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitToWidth  # fit width by default
    assert [b.text() for b in (dialog.print_button, dialog.save_button, dialog.close_button)] == \
        ["&Print...", "Save as &PDF...", "&Close"]
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()
    assert not dialog.grab().isNull()  # pages render
    dialog.zoom.setCurrentIndex(dialog.zoom.findText("150%"))
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.Custom and dialog.view.zoomFactor() == 1.5
    dialog.zoom_by(0.8)
    assert abs(dialog.view.zoomFactor() - 1.2) < 1e-6
    dialog.zoom.setCurrentIndex(dialog.zoom.findText("Whole page"))
    assert dialog.view.zoomMode() == QPdfView.ZoomMode.FitInView
    dialog.view.pageNavigator().jump(2, dialog.view.pageNavigator().currentLocation())
    assert dialog.page_label.text() == "Page 3 of 3"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape closes, and the PDF is dropped
    assert not dialog.isVisible() and dialog.page_count() == 0 and outputs == []


def test_an_unreadable_document_is_said_so(qtbot: Any) -> None:
    dialog, _outputs = _dialog(qtbot, b"%PDF-1.4 this is not a real PDF")
    assert dialog.page_count() == 0 and dialog.page_label.text() == "No pages"
    assert not dialog.print_button.isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.error_label.text() == "The document could not be shown."


def test_print_opens_the_print_dialog_for_this_document(qtbot: Any) -> None:
    dialog, _outputs = _dialog(qtbot, make_pdf(2))
    dialog.show()
    qtbot.mouseClick(dialog.print_button, LEFT)
    chooser = dialog.print_dialog
    assert chooser is not None and chooser.isVisible()
    assert not chooser.testOption(chooser.PrintDialogOption.PrintToFile)  # "Save as PDF" does that
    assert (chooser.minPage(), chooser.maxPage()) == (1, 2)
    assert chooser.printer().docName() == "emr-desktop prescription"  # the job's title: no PHI
    assert chooser.printer().pageLayout().pageSize().id() == QPageSize.PageSizeId.Letter  # the PDF's paper
    chooser.reject()
    assert dialog.print_dialog is None


# --- save as PDF --------------------------------------------------------------------------------


def test_save_as_pdf_writes_exactly_the_bytes_where_the_user_chose(qtbot: Any, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = make_pdf(2)
    dialog, outputs = _dialog(qtbot, pdf)
    asked: list[tuple[Any, ...]] = []

    def choose(*args: Any, **_kw: Any) -> tuple[str, str]:
        asked.append(args)
        return str(tmp_path / "for the pharmacy"), "PDF documents (*.pdf)"  # no suffix typed

    monkeypatch.setattr(printing.QFileDialog, "getSaveFileName", choose)
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000) as done:
        qtbot.mouseClick(dialog.save_button, LEFT)
    saved = tmp_path / "for the pharmacy.pdf"
    assert done.args == ["pdf-file", ""] and outputs == [("pdf-file", "")]
    assert saved.read_bytes() == pdf
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # owner only
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]  # no partial file left
    assert Path(asked[0][2]).name == "prescription.pdf"  # the suggested name has no PHI
    assert dialog.status_label.text() == "Saved as for the pharmacy.pdf."
    assert dialog.save_button.isEnabled()
    dialog.wait_for_idle()


def test_cancelled_or_failed_save(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog, outputs = _dialog(qtbot, make_pdf(1))
    monkeypatch.setattr(printing.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    dialog.save_as_pdf()
    assert dialog.save_button.isEnabled() and not dialog.error_label.text()
    monkeypatch.setattr(printing.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "no such folder" / "x.pdf"), ""))
    with qtbot.waitSignal(dialog.sig_output_failed, timeout=10000) as failed:
        dialog.save_as_pdf()
    assert failed.args[0].startswith("The PDF could not be saved to x.pdf")
    assert dialog.error_label.text() == failed.args[0] and outputs == []
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()
    dialog.wait_for_idle()


# --- printing ----------------------------------------------------------------------------------


def test_a_cups_printer_gets_the_exact_bytes_on_lp_stdin(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = make_pdf(2)
    fake = FakeLp()
    _with_lp(monkeypatch, fake)
    dialog, outputs = _dialog(qtbot, pdf)
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000) as done:
        dialog.print_to(StubPrinter("Front_Desk", copies=2))  # what the print dialog chose
    [(command, sent)] = fake.calls
    assert command == ["lp", "-d", "Front_Desk", "-n", "2", "-t", "emr-desktop prescription",
                       "-o", "media=Letter", "-"]  # the document's own paper
    assert sent == pdf  # the original bytes, not a re-rendering
    assert done.args == ["printer", "Front_Desk"] and outputs == [("printer", "Front_Desk")]
    assert dialog.status_label.text() == "Sent to Front_Desk (job Front_Desk-42)."
    assert lp_command("P", 1, "t", (2, 3)) == ["lp", "-d", "P", "-n", "1", "-t", "t", "-P", "2-3", "-"]
    dialog.wait_for_idle()


@pytest.mark.parametrize(("fake", "message"), [
    (FakeLp(returncode=1, stderr=b'lp: The printer or class does not exist.\n'),
     "The printer Front_Desk did not take the document: The printer or class does not exist."),
    (FileNotFoundError, "The print command (lp) was not found on this computer."),
    (subprocess.TimeoutExpired(["lp"], 60), "The print system did not accept the document for Front_Desk"),
], ids=["refused", "no-lp", "timeout"])
def test_printer_failures_are_shown(qtbot: Any, monkeypatch: pytest.MonkeyPatch, fake: Any, message: str) -> None:
    if isinstance(fake, type | BaseException):
        error = fake

        def fake(*_a: Any, **_k: Any) -> None:
            raise error if isinstance(error, BaseException) else error("lp")

    _with_lp(monkeypatch, fake)
    dialog, outputs = _dialog(qtbot, make_pdf(1))
    with qtbot.waitSignal(dialog.sig_output_failed, timeout=10000) as failed:
        dialog.print_to_queue("Front_Desk")
    assert failed.args[0].startswith(message) and not dialog.error_label.isHidden()
    assert outputs == [] and dialog.print_button.isEnabled()  # nothing audited; try again
    dialog.wait_for_idle()


def test_on_windows_the_pages_are_rasterised_onto_the_printer(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = make_pdf(3)
    monkeypatch.setattr(printing, "on_windows", lambda: True)
    monkeypatch.setattr(printing.shutil, "which", lambda _name: None)
    painted: list[str] = []
    monkeypatch.setattr(printing, "paint_to_printer", lambda data, p: painted.append(p.printerName()))
    dialog, outputs = _dialog(qtbot, pdf)
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000):
        dialog.print_to(StubPrinter("Office_Laser"))
    assert painted == ["Office_Laser"] and outputs == [("printer", "Office_Laser")]
    dialog.wait_for_idle()


def test_elsewhere_without_lp_printing_is_refused(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Qt's own CUPS engine would spool a PDF through a temp file: without lp, say what is missing."""
    monkeypatch.setattr(printing, "on_windows", lambda: False)
    monkeypatch.setattr(printing.shutil, "which", lambda _name: None)
    monkeypatch.setattr(printing, "paint_to_printer", lambda *_a: pytest.fail("must not rasterise"))
    dialog, outputs = _dialog(qtbot, make_pdf(1))
    with qtbot.waitSignal(dialog.sig_output_failed, timeout=1000) as failed:
        dialog.print_to(StubPrinter("Office_Laser"))
    assert failed.args[0].startswith("The print command (lp) was not found") and outputs == []
    with qtbot.waitSignal(dialog.sig_output_failed, timeout=1000) as failed:
        dialog.print_to(StubPrinter(""))
    assert failed.args[0].startswith("No printer was chosen.")


def test_rasterised_pages_match_the_preview(qtbot: Any, tmp_path: Path) -> None:
    """The Windows path, for real: paint every page onto a QPrinter (here one writing a PDF file so
    the result can be read back) and compare its pixels with the preview's rendering."""
    pdf = make_pdf(3)
    dialog, outputs = _dialog(qtbot, pdf)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "raster.pdf"))
    printer.setPageSize(dialog.make_printer().pageLayout().pageSize())
    with qtbot.waitSignal(dialog.sig_output_done, timeout=30000):
        dialog.print_to(printer)
    assert outputs == [("printer", "")]
    printed = (tmp_path / "raster.pdf").read_bytes()
    assert len(PdfReader(io.BytesIO(printed)).pages) == 3
    original, _b1 = printing.open_document(pdf)
    copy, _b2 = printing.open_document(printed)
    for page in range(3):
        a = original.render(page, QSize(102, 132)).convertToFormat(QImage.Format.Format_Grayscale8)
        b = copy.render(page, QSize(102, 132)).convertToFormat(QImage.Format.Format_Grayscale8)
        diff = sum(abs(a.pixelColor(x, y).value() - b.pixelColor(x, y).value())
                   for x in range(0, 102, 2) for y in range(0, 132, 2)) / (51 * 66)
        assert diff < 6, f"page {page + 1} differs from the preview by {diff:.1f} grey levels on average"
    dialog.wait_for_idle()


# --- from the chart ---------------------------------------------------------------------------------


def _signed_prescription(services: Services, actor: Actor) -> tuple[Any, uuid.UUID]:
    p = services.patients.register(actor, family_name="Ordóñez", given_name="Lucía",
                                   birth_date=date(1958, 3, 2), sex="female",
                                   address_line1="4 Alder Way", city="Springfield", state="IL",
                                   postal_code="62704")
    med = services.medications.create(actor, patient_id=p.id, display="atorvastatin 20 MG Oral Tablet",
                                      sig="Take 1 tablet by mouth at bedtime.", start_date=date(2024, 5, 1),
                                      form="tablet", strength="20 mg", prescriber_id=actor.user_id)
    rx = services.prescriptions.prescribe(actor, med.id, quantity=30, refills=2)
    services.prescriptions.sign(actor, rx.id)
    return p, rx.id


def _chart_view(qtbot: Any, services: Services, actor: Actor, patient_id: uuid.UUID) -> ChartView:
    ctx = ChartContext(services, TaskRunner(), actor)
    view = ChartView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    with qtbot.waitSignal(view.sig_chart_shown, timeout=10000):
        view.open_patient(patient_id)
    return view


def _audits(services: Services, action: str) -> list[AuditEventDTO]:
    with services.db.read() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
        return [AuditEventDTO.from_row(r) for r in rows]


def test_a_signed_prescription_prints_from_the_medications_tab(
        qtbot: Any, services: Services, provider: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p, rx_id = _signed_prescription(services, provider)
    view = _chart_view(qtbot, services, provider, p.id)
    tab = view.show_tab(MedicationsTab)
    assert isinstance(tab, MedicationsTab)
    tab.rx_table.selectRow(0)
    with qtbot.waitSignal(view.printing.sig_preview_opened, timeout=10000) as opened:
        qtbot.mouseClick(tab.print_button, LEFT)
    dialog: PrintPreviewDialog = opened.args[0]
    assert dialog.isVisible() and dialog.page_count() == 1 and dialog.parent() is view
    assert "Ordóñez" not in dialog.windowTitle()  # window titles reach the task bar: no PHI
    text = _pdf_text(dialog._pdf)
    assert "atorvastatin" in text and "Ordóñez" in text and "Lucía" in text
    fake = FakeLp(job="Front_Desk-7")
    _with_lp(monkeypatch, fake)
    with qtbot.waitSignal(view.ctx.sig_chart_changed, timeout=10000):  # audited, then reloaded
        dialog.print_to(StubPrinter("Front_Desk"))
    assert fake.calls[0][1] == dialog._pdf
    [audit] = _audits(services, "print")
    assert (audit.object_id, audit.patient_id, audit.category) == (str(rx_id), p.id, "prescription")
    assert "Front_Desk" in audit.detail and "Ordóñez" not in audit.detail
    qtbot.waitUntil(lambda: services.prescriptions.get(provider, rx_id).status == PrescriptionStatus.PRINTED.value)
    monkeypatch.setattr(printing.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "rx.pdf"), ""))
    with qtbot.waitSignal(view.ctx.sig_chart_changed, timeout=10000):
        dialog.save_as_pdf()
    [saved] = _audits(services, "save-pdf")
    assert saved.detail.endswith("pdf-file") and "rx.pdf" not in saved.detail and str(tmp_path) not in saved.detail
    view.ctx.tasks.wait_for_idle()
    dialog.wait_for_idle()
    view.clear_phi()  # the idle lock: the preview closes and lets go of the document
    assert not dialog.isVisible() and view.printing.preview is None and dialog._pdf == b""


def test_the_visit_summary_prints_from_the_encounters_tab(
        qtbot: Any, services: Services, provider: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    p = services.patients.register(provider, family_name="Nguyễn", given_name="Thảo",
                                   birth_date=date(1990, 8, 21), sex="female")
    enc = services.encounters.start(provider, p.id, "office-visit", reason="Cough for two weeks")
    view = _chart_view(qtbot, services, provider, p.id)
    tab = view.show_tab(EncountersTab)
    assert isinstance(tab, EncountersTab)
    qtbot.waitUntil(lambda: tab.encounter_model.rowCount() == 1)
    tab.encounter_table.selectRow(0)
    assert tab.print_button.isEnabled() and tab.print_button.text() == "Print &visit summary…"
    with qtbot.waitSignal(tab.sig_print_requested, timeout=1000) as asked, \
            qtbot.waitSignal(view.printing.sig_preview_opened, timeout=10000) as opened:
        qtbot.mouseClick(tab.print_button, LEFT)
    assert asked.args == ["visit-summary", (enc.id,)]
    dialog: PrintPreviewDialog = opened.args[0]
    text = _pdf_text(dialog._pdf)
    assert "Nguyễn" in text and "Cough for two weeks" in text
    fake = FakeLp()
    _with_lp(monkeypatch, fake)
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000):
        dialog.print_to(StubPrinter("Front_Desk"))
    assert fake.calls[0][0][-5:] == ["-t", "emr-desktop visit-summary", "-o", "media=Letter", "-"]
    view.ctx.tasks.wait_for_idle()
    qtbot.waitUntil(lambda: len(_audits(services, "print")) == 1)
    dialog.wait_for_idle()
    view.clear_phi()


def test_print_buttons_follow_the_record_and_the_role(qtbot: Any, services: Services, admin: Actor,
                                                      provider: Actor) -> None:
    p, _rx = _signed_prescription(services, provider)
    services.encounters.start(provider, p.id, "office-visit", reason="Check-up")
    billing = staff_user(services, admin, Role.BILLING)  # reads encounters, may not print them
    tab, ctx = open_tab(qtbot, EncountersTab, services, billing, p)
    tab.encounter_table.selectRow(0)
    assert not tab.print_button.isEnabled()
    ctx.tasks.wait_for_idle()
    tab, ctx = open_tab(qtbot, EncountersTab, services, provider, p)
    tab.encounter_table.clearSelection()
    assert not tab.print_button.isEnabled()  # nothing selected
    tab.encounter_table.selectRow(0)
    assert tab.print_button.isEnabled()
    ctx.tasks.wait_for_idle()


def test_no_pdf_lands_in_the_temp_or_data_folder(qtbot: Any, services: Services, provider: Actor,
                                                 settings: Settings, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Preview, print through lp, print rasterised and save: the only PDFs written are the ones the
    user chose. Python's and Qt's temp folder is redirected to an empty folder and scanned; the
    system temp folder is scanned for a copy of the document."""
    temp = tmp_path / "temp"
    temp.mkdir()
    system_temp = Path(tempfile.gettempdir())
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    start = time.time() - 1
    p, _rx = _signed_prescription(services, provider)
    view = _chart_view(qtbot, services, provider, p.id)
    tab = view.show_tab(MedicationsTab)
    tab.rx_table.selectRow(0)  # type: ignore[attr-defined]
    with qtbot.waitSignal(view.printing.sig_preview_opened, timeout=10000) as opened:
        tab.print_selected()  # type: ignore[attr-defined]
    dialog: PrintPreviewDialog = opened.args[0]
    document = dialog._pdf
    assert not dialog.grab().isNull()
    fake = FakeLp()
    _with_lp(monkeypatch, fake)
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000):
        dialog.print_to(StubPrinter("Front_Desk"))
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(chosen / "raster.pdf"))
    with qtbot.waitSignal(dialog.sig_output_done, timeout=30000):
        dialog.print_to(printer)
    monkeypatch.setattr(printing.QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen / "saved.pdf"), ""))
    with qtbot.waitSignal(dialog.sig_output_done, timeout=10000):
        dialog.save_as_pdf()
    view.ctx.tasks.wait_for_idle()
    dialog.wait_for_idle()
    view.clear_phi()

    def new_pdf(f: Path) -> bool:
        try:
            if not f.is_file() or f.stat().st_mtime < start:
                return False
            with f.open("rb") as stream:
                return f.suffix.lower() == ".pdf" or stream.read(5) == b"%PDF-"
        except OSError:
            return False  # another user's file, or gone meanwhile

    def new_pdfs(folder: Path, *, recursive: bool = True) -> list[Path]:
        return [f for f in (folder.rglob("*") if recursive else folder.glob("*")) if new_pdf(f)]

    assert new_pdfs(temp) == []
    assert new_pdfs(settings.data_dir) == []
    leaked = [f for f in new_pdfs(system_temp, recursive=False) if f.read_bytes() == document]
    assert leaked == []
    assert sorted(f.name for f in chosen.iterdir()) == ["raster.pdf", "saved.pdf"]
    assert (chosen / "saved.pdf").read_bytes() == document
    assert os.environ["TMPDIR"] == str(temp)


def test_the_queue_is_asked_for_the_document_paper(qtbot: Any) -> None:
    from emr_desktop.printing.data import PrintSettings
    from emr_desktop.printing.prescription import build_prescriptions
    from emr_desktop.printing.samples import prescription
    from emr_desktop.ui.printing import PrintPreviewDialog

    for paper, media in (("letter", "Letter"), ("a4", "A4")):
        pdf = build_prescriptions([prescription()], PrintSettings(paper=paper))
        dialog = PrintPreviewDialog(pdf, "Prescription", lambda _how, _printer: None)
        qtbot.addWidget(dialog)
        assert dialog.document_media() == media
