"""Documents tab: attach files (read in the background, title from the file name), list them,
view images and text inside the app with the checksum verified, refuse oversize files, and never
write a document to a temporary file."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog

from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.charting import MAX_DOCUMENT_BYTES
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.document_viewer import DocumentViewer
from emr_desktop.ui.chart.documents_tab import AttachDialog, DocumentsTab
from emr_desktop.ui.qt_models.documents import Column, DocumentTableModel
from tests.ui.chart.helpers import open_tab


def _patient(services: Services, actor: Any) -> PatientDTO:
    return services.patients.register(actor, family_name="Testcase", given_name="Doc",
                                      birth_date=date(1975, 2, 20), sex="female")


@pytest.fixture
def no_temp_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to create a temporary file (where a document would sit unencrypted) fails."""
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a temporary file was requested while handling a document")

    for name in ("NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp", "mkdtemp",
                 "TemporaryDirectory"):
        monkeypatch.setattr(tempfile, name, refuse)


def _png(path: Path) -> bytes:
    image = QImage(6, 4, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    assert image.save(str(path), "PNG")
    return path.read_bytes()


def _attach(qtbot: Any, tab: DocumentsTab, ctx: ChartContext, monkeypatch: Any, path: Path,
            title: str | None = None, category: str | None = None) -> AttachDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(tab.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is not None, timeout=10000)  # the file is read in the background
    dialog = tab.dialog
    assert dialog is not None and dialog.title_edit.text() == path.name
    if title is not None:
        dialog.title_edit.setText(title)
    if category is not None:
        dialog.category.setCurrentIndex(dialog.category.findData(category))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=5000)
    return dialog


def _open_viewer(qtbot: Any, tab: DocumentsTab, title: str) -> DocumentViewer:
    row = next(r for r in range(tab.model.rowCount()) if tab.model.row_at(r).title == title)
    tab.table.selectRow(row)
    qtbot.mouseClick(tab.view_button, Qt.MouseButton.LeftButton)
    viewer = tab.viewers[-1]
    qtbot.waitUntil(lambda: viewer.loaded is not None, timeout=10000)
    return viewer


def test_attach_png_and_text_then_view_them(qtbot: Any, services: Services, provider: Any,
                                            tmp_path: Path, monkeypatch: Any, no_temp_files: None) -> None:
    p = _patient(services, provider)
    png = _png(tmp_path / "wound-photo.png")
    letter = "Dear colleague,\nThank you for seeing this synthetic patient.\nRegards, Dr Test\n"
    (tmp_path / "letter.txt").write_text(letter, encoding="utf-8")
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    assert tab.model.rowCount() == 0 and not tab.view_button.isEnabled()

    _attach(qtbot, tab, ctx, monkeypatch, tmp_path / "wound-photo.png")  # title defaults to the file name
    _attach(qtbot, tab, ctx, monkeypatch, tmp_path / "letter.txt", title="Referral letter",
            category="referral")
    stored = {d.title: d for d in services.documents.list_for_patient(provider, p.id)}
    assert set(stored) == {"wound-photo.png", "Referral letter"}
    photo, letter_doc = stored["wound-photo.png"], stored["Referral letter"]
    assert (photo.mime_type, photo.size_bytes) == ("image/png", len(png))
    assert (letter_doc.category, letter_doc.filename) == ("referral", "letter.txt")
    assert services.documents.content(provider, photo.id) == png
    assert tab.model.rowCount() == 2
    titles = {tab.model.index(r, Column.TITLE).data(): r for r in range(2)}
    assert tab.model.index(titles["Referral letter"], Column.CATEGORY).data() == "Referral"
    assert tab.model.index(titles["wound-photo.png"], Column.FILE_NAME).data() == "wound-photo.png"

    image_viewer = _open_viewer(qtbot, tab, "wound-photo.png")
    assert image_viewer.stack.currentWidget() is image_viewer.image_page
    pixmap = image_viewer.image_label.pixmap()
    assert (pixmap.width(), pixmap.height()) == (6, 4)
    assert "verified" in image_viewer.check.text()

    text_viewer = _open_viewer(qtbot, tab, "Referral letter")
    assert text_viewer.stack.currentWidget() is text_viewer.text_page
    assert text_viewer.text_page.toPlainText() == letter
    assert "verified" in text_viewer.check.text()
    assert len(tab.viewers) == 2

    tab.clear_phi()  # idle lock: viewers close and forget the content
    assert tab.viewers == [] and tab.model.rowCount() == 0
    assert text_viewer.loaded is None and text_viewer.text_page.toPlainText() == ""
    ctx.tasks.wait_for_idle()


def test_double_click_or_enter_opens_viewer_and_checksum_mismatch_warns(qtbot: Any, services: Services,
                                                               provider: Any) -> None:
    p = _patient(services, provider)
    services.documents.attach(provider, p.id, title="Lab letter", data=b"Synthetic lab letter\n",
                              filename="lab.txt", mime_type="text/plain")
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    tab.show()
    qtbot.waitExposed(tab)
    rect = tab.table.visualRect(tab.model.index(0, Column.TITLE))
    # a real double-click presses first
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: bool(tab.viewers) and tab.viewers[0].loaded is not None, timeout=10000)
    assert tab.viewers[0].text_page.toPlainText().startswith("Synthetic lab letter")
    tab.viewers[0].reject()
    assert tab.viewers == []
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)  # Enter opens it too
    qtbot.waitUntil(lambda: bool(tab.viewers) and tab.viewers[0].loaded is not None, timeout=10000)
    tab.viewers[0].reject()

    # the record says another checksum than the content has (e.g. a stale copy): the viewer warns
    from dataclasses import replace

    stale = replace(tab.model.row_at(0), sha256="0" * 64)
    viewer = DocumentViewer(ctx, stale)
    qtbot.addWidget(viewer)
    viewer.load()
    qtbot.waitUntil(lambda: viewer.loaded is not None, timeout=10000)
    assert "does not match" in viewer.check.text()
    viewer.reject()
    ctx.tasks.wait_for_idle()


def test_large_image_fits_the_window(qtbot: Any, services: Services, provider: Any, tmp_path: Path) -> None:
    image = QImage(2400, 1600, QImage.Format.Format_RGB32)
    image.fill(QColor("#cccccc"))
    assert image.save(str(tmp_path / "scan.png"), "PNG")
    p = _patient(services, provider)
    services.documents.attach(provider, p.id, title="Scan", data=(tmp_path / "scan.png").read_bytes(),
                              filename="scan.png", mime_type="image/png")
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    viewer = _open_viewer(qtbot, tab, "Scan")
    fitted = viewer.image_label.pixmap()
    assert fitted.width() < 2400 and abs(fitted.width() / fitted.height() - 1.5) < 0.01
    viewer.fit_button.click()  # actual size
    assert viewer.image_label.pixmap().width() == 2400
    viewer.reject()
    ctx.tasks.wait_for_idle()


def test_oversize_file_is_refused(qtbot: Any, services: Services, provider: Any, tmp_path: Path,
                                  monkeypatch: Any) -> None:
    p = _patient(services, provider)
    big = tmp_path / "huge-scan.tif"
    with big.open("wb") as f:  # sparse: takes no disk space
        f.truncate(MAX_DOCUMENT_BYTES + 1)
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    messages: list[str] = []
    ctx.sig_message_posted.connect(messages.append)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(big), ""))
    qtbot.mouseClick(tab.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be attached" in tab.notice.text(), timeout=10000)
    assert "50.0 MB" in tab.notice.text() and tab.dialog is None
    assert messages and "cannot be attached" in messages[-1]
    assert services.documents.list_for_patient(provider, p.id) == []
    ctx.tasks.wait_for_idle()


def test_pdf_is_shown_in_memory_or_offered_as_a_copy(qtbot: Any, services: Services, provider: Any,
                                                     tmp_path: Path, monkeypatch: Any,
                                                     no_temp_files: None) -> None:
    p = _patient(services, provider)
    data = b"%PDF-1.4\n% synthetic, not a renderable PDF\n%%EOF\n"
    services.documents.attach(provider, p.id, title="Discharge summary", data=data,
                              filename="discharge.pdf", mime_type="application/pdf")
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    viewer = _open_viewer(qtbot, tab, "Discharge summary")
    if viewer.pdf_page is None:
        assert viewer.stack.currentWidget() is viewer.other_page
        assert "Save a copy" in viewer.other_page.text()
    target = tmp_path / "chosen" / "copy.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(ctx.sig_message_posted, timeout=10000) as posted:
        qtbot.mouseClick(viewer.save_copy_button, Qt.MouseButton.LeftButton)
    assert posted.args == ["Copy saved."] and target.read_bytes() == data
    viewer.reject()
    ctx.tasks.wait_for_idle()


def test_model(qtmodeltester: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    services.documents.attach(provider, p.id, title="Insurance card", data=b"x" * 2048,
                              filename="card.jpg", mime_type="image/jpeg", category="insurance")
    services.documents.attach(provider, p.id, title="Note", data=b"hello", filename="n.txt")
    model = DocumentTableModel()
    model.set_rows(services.documents.list_for_patient(provider, p.id))
    assert model.rowCount() == 2
    sizes = {model.index(r, Column.TITLE).data(): model.index(r, Column.SIZE).data() for r in range(2)}
    assert sizes == {"Insurance card": "2.0 KB", "Note": "5 B"}
    qtmodeltester.check(model)


def test_pdf_shown_with_qtpdf_from_memory(qtbot: Any, services: Services, provider: Any,
                                          no_temp_files: None) -> None:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "Synthetic discharge summary")
    canvas.save()
    p = _patient(services, provider)
    services.documents.attach(provider, p.id, title="Discharge summary", data=out.getvalue(),
                              filename="discharge.pdf", mime_type="application/pdf")
    tab, ctx = open_tab(qtbot, DocumentsTab, services, provider, p)
    viewer = _open_viewer(qtbot, tab, "Discharge summary")
    assert viewer.pdf_page is not None and viewer.stack.currentWidget() is viewer.pdf_page
    qtbot.waitUntil(lambda: viewer.pdf_page.document().pageCount() == 1, timeout=10000)
    viewer.reject()
    ctx.tasks.wait_for_idle()
