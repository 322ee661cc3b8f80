"""Imaging tab: reports newest first, the selected report's impression (bold) and text, and a
paper report typed in through the dialog and saved by the service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from emr_desktop.domain.enums import Role
from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.imaging_tab import ImagingTab
from emr_desktop.ui.qt_models.dto_table import DTO_ROLE
from emr_desktop.ui.qt_models.imaging import Column, ImagingTableModel
from tests.ui.chart.helpers import open_tab, staff_user


def _patient(services: Services, actor: Any) -> PatientDTO:
    return services.patients.register(actor, family_name="Testcase", given_name="Ima",
                                      birth_date=date(1958, 4, 2), sex="female")


def _report(services: Services, actor: Any, patient: PatientDTO, study: str, when: datetime,
            **extra: Any) -> None:
    services.imaging.create(actor, patient_id=patient.id, modality="DX", study=study, performed_at=when,
                            status="final", **extra)


def test_reports_newest_first_and_selected_report_shown(qtbot: Any, services: Services,
                                                        provider: Any) -> None:
    p = _patient(services, provider)
    _report(services, provider, p, "Knee X-ray", datetime(2021, 3, 1, 9, tzinfo=UTC), body_site="Left knee",
            impression="Mild degenerative change.")
    _report(services, provider, p, "Chest X-ray", datetime(2024, 6, 5, 14, tzinfo=UTC), body_site="Chest",
            facility="Valley Imaging", impression="No acute cardiopulmonary process.",
            report_text="Lungs are clear.\nHeart size normal.")
    tab, _ctx = open_tab(qtbot, ImagingTab, services, provider, p)
    assert [tab.model.index(r, Column.STUDY).data() for r in range(2)] == ["Chest X-ray", "Knee X-ray"]
    assert tab.model.index(0, Column.MODALITY).data() == "X-ray"
    assert tab.model.index(0, Column.FACILITY).data() == "Valley Imaging"
    # the newest is selected and shown, impression in bold, full text below
    text = tab.viewer.toPlainText()
    assert "No acute cardiopulmonary process." in text and "Heart size normal." in text
    found = tab.viewer.document().find("No acute cardiopulmonary process.")
    assert found.charFormat().fontWeight() >= QFont.Weight.Bold
    tab.table.selectRow(1)
    assert "Mild degenerative change." in tab.viewer.toPlainText()
    tab.clear_phi()
    assert tab.model.rowCount() == 0 and tab.viewer.toPlainText() == ""


def test_add_paper_report(qtbot: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    tab, ctx = open_tab(qtbot, ImagingTab, services, provider, p)
    assert tab.model.rowCount() == 0
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    save = dialog.save_button
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)  # nothing typed yet: refused in the dialog
    assert "study" in dialog.error_label.text().lower() and dialog.isVisible()
    dialog.modality.setCurrentIndex(dialog.modality.findData("US"))
    qtbot.keyClicks(dialog.study, "Abdominal ultrasound")
    qtbot.keyClicks(dialog.body_site, "Abdomen")
    qtbot.keyClicks(dialog.facility, "Valley Imaging")
    qtbot.keyClicks(dialog.radiologist, "R. Reader, MD")
    qtbot.keyClicks(dialog.impression, "Cholelithiasis without cholecystitis.")
    qtbot.keyClicks(dialog.report_text, "Several gallstones. No wall thickening.")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.dialog is None, timeout=5000)
    saved = services.imaging.list_for_patient(provider, p.id)
    assert len(saved) == 1
    r = saved[0]
    assert (r.modality, r.study, r.body_site, r.status, r.radiologist, r.facility) == (
        "US", "Abdominal ultrasound", "Abdomen", "final", "R. Reader, MD", "Valley Imaging")
    assert r.impression == "Cholelithiasis without cholecystitis." and r.performed_at.tzinfo is not None
    assert tab.model.rowCount() == 1 and tab.model.index(0, 0).data(DTO_ROLE) == r
    assert "Cholelithiasis without cholecystitis." in tab.viewer.toPlainText()
    ctx.tasks.wait_for_idle()


def test_roles(qtbot: Any, services: Services, provider: Any, admin: Any) -> None:
    p = _patient(services, provider)
    _report(services, provider, p, "Chest X-ray", datetime(2024, 6, 5, tzinfo=UTC), impression="Clear.")
    nurse = staff_user(services, admin, Role.NURSE)
    tab, _ctx = open_tab(qtbot, ImagingTab, services, nurse, p)  # nurses read imaging, providers enter it
    assert tab.model.rowCount() == 1 and not tab.add_button.isEnabled()
    desk = staff_user(services, admin, Role.FRONT_DESK)
    tab, _ctx = open_tab(qtbot, ImagingTab, services, desk, p)
    assert tab.model.rowCount() == 0 and not tab.withheld_label.isHidden() and not tab.add_button.isEnabled()


def test_model(qtmodeltester: Any, services: Services, provider: Any) -> None:
    p = _patient(services, provider)
    _report(services, provider, p, "Chest X-ray", datetime(2024, 6, 5, tzinfo=UTC), impression="Clear.")
    model = ImagingTableModel()
    model.set_rows(services.imaging.list_for_patient(provider, p.id))
    assert model.rowCount() == 1
    qtmodeltester.check(model)
