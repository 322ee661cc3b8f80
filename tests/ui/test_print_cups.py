"""Printing through a real CUPS queue: a prescription built by the printing service is sent by the
preview's print path (``lp``, the PDF on stdin) to a cups-pdf printer; the job completes and the PDF
cups-pdf wrote matches what was sent: the same pages, the same text, and the same picture.

cups-pdf turns the job into PostScript and back (pdftops, then Ghostscript), which keeps ASCII text
extractable but loses the Unicode mapping of other glyphs (Ordóñez extracts as "Ord ez"; the page
still shows it). So the text is compared with non-ASCII characters blanked on both sides, and the
page is compared by pixels: a dropped or replaced word (e.g. a name in tofu boxes) fails.

Needs Debian's ``cups`` and ``printer-driver-cups-pdf``: in CI (CI=true) a missing CUPS fails the
test; elsewhere it is skipped."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter
from pytestqt.exceptions import TimeoutError as WaitTimeout

from emr_desktop.domain.actor import Actor
from emr_desktop.services.registry import Services
from emr_desktop.ui.printing import PrintPreviewDialog, open_document
from tests.support.cups import CupsMissing, CupsPdfQueue, diagnostics, ensure_pdf_queue

JOB_TIMEOUT_MS = 90_000
#: Pixel comparison at 100 dpi in 16x16 tiles: the most pixels (of 256) that may differ by more than
#: 96 grey levels in any tile. Measured: the printed page differs by at most 18 (a word moved by a
#: fraction of a pixel); a word missing or in another script differs by 70 to 90.
DPI, TILE, MAX_TILE_DIFF = 100, 16, 40


@pytest.fixture(scope="session")
def cups_pdf_queue() -> Iterator[CupsPdfQueue]:
    """The cups-pdf test printer, started and added when needed. Fails in CI without CUPS."""
    try:
        queue = ensure_pdf_queue()
    except CupsMissing as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CUPS is required in CI: {exc}", pytrace=False)
        pytest.skip(str(exc))
    yield queue


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def _ascii_text(pdf: bytes) -> str:
    """The text with everything but printable ASCII blanked (what survives cups-pdf's round trip)."""
    return " ".join(re.sub(r"[^\x20-\x7e]", " ", _text(pdf)).split())


def _grey(pdf: bytes, page: int) -> tuple[int, int, bytes]:
    """Page ``page`` rendered at ``DPI`` on white: width, height and one byte per pixel."""
    document, _buffer = open_document(pdf)
    points = document.pagePointSize(page)
    rendered = document.render(page, QSize(round(points.width() * DPI / 72), round(points.height() * DPI / 72)))
    image = QImage(rendered.size(), QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    raw = bytes(image.constBits())
    return width, height, b"".join(raw[y * line:y * line + width] for y in range(height))


def _worst_tile(sent: bytes, printed: bytes, page: int) -> int:
    width, height, a = _grey(sent, page)
    *size, b = _grey(printed, page)
    assert size == [width, height], "the printed page has another paper size"
    tiles: dict[tuple[int, int], int] = {}
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if abs(x - y) > 96:
            key = (i % width // TILE, i // width // TILE)
            tiles[key] = tiles.get(key, 0) + 1
    return max(tiles.values(), default=0)


def _prescription(services: Services, admin: Actor) -> tuple[bytes, Actor]:
    services.users.create_user(admin, username="drokafor", display_name="Ngozi Okafor",
                               password="correct horse battery", roles=("provider",), credentials="MD",
                               npi="1234567893")
    doctor = services.users.authenticate("drokafor", "correct horse battery")
    p = services.patients.register(doctor, family_name="Ordóñez", given_name="Lucía",
                                   birth_date=date(1958, 3, 2), sex="female", address_line1="4 Alder Way",
                                   city="Springfield", state="IL", postal_code="62704")
    med = services.medications.create(doctor, patient_id=p.id, display="atorvastatin 20 MG Oral Tablet",
                                      sig="Take 1 tablet by mouth at bedtime.", start_date=date(2024, 5, 1),
                                      form="tablet", strength="20 mg", prescriber_id=doctor.user_id)
    rx = services.prescriptions.prescribe(doctor, med.id, quantity=30, refills=2)
    services.prescriptions.sign(doctor, rx.id)
    return services.printing.prescriptions_pdf(doctor, [rx.id]), doctor


def test_a_prescription_prints_through_a_real_cups_queue(qtbot: Any, services: Services, admin: Actor,
                                                         cups_pdf_queue: CupsPdfQueue) -> None:
    pdf, _doctor = _prescription(services, admin)
    sent = _text(pdf)
    for wanted in ("atorvastatin", "Ordóñez", "Lucía", "Take 1 tablet by mouth at bedtime.", "Ngozi Okafor"):
        assert wanted in sent
    outputs: list[tuple[str, str]] = []
    dialog = PrintPreviewDialog(pdf, "Prescription - print preview", lambda *a: outputs.append(a),
                                document="prescription")
    qtbot.addWidget(dialog)
    # What the print dialog hands back when the user picks the queue (the dialog itself is skipped)
    printer = dialog.make_printer()
    printer.setPrinterName(cups_pdf_queue.name)
    assert printer.printerName() == cups_pdf_queue.name  # Qt sees the CUPS queue
    assert printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    sent_at = time.time() - 1
    with qtbot.waitSignal(dialog.sig_output_done, timeout=JOB_TIMEOUT_MS) as done:
        dialog.print_to(printer)
    assert done.args == ["printer", cups_pdf_queue.name] and outputs == [("printer", cups_pdf_queue.name)]
    job = dialog.last_job
    assert job.startswith(f"{cups_pdf_queue.name}-"), dialog.status_label.text()
    try:
        qtbot.waitUntil(lambda: cups_pdf_queue.output_of(job, sent_at) is not None, timeout=JOB_TIMEOUT_MS)
    except WaitTimeout:  # say what CUPS says
        pytest.fail(f"job {job} did not complete:\n{cups_pdf_queue.job_state(job)}\n{diagnostics()}")
    output = cups_pdf_queue.output_of(job, sent_at)
    assert output is not None
    printed = output.read_bytes()
    assert printed.startswith(b"%PDF")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert len(PdfReader(io.BytesIO(printed)).pages) == pages
    assert _ascii_text(printed) == _ascii_text(pdf)  # every word, in order
    assert "Ord ez, Luc a" in _ascii_text(printed) and "atorvastatin" in _ascii_text(printed)
    for page in range(pages):
        worst = _worst_tile(pdf, printed, page)
        assert worst <= MAX_TILE_DIFF, f"page {page + 1} differs from what was sent ({worst} pixels in a tile)"
    assert "emr-desktop" in output.name and "Ord" not in output.name  # the job title has no PHI
    output.unlink()  # the printed prescription is synthetic, but leave nothing behind
    dialog.wait_for_idle()
