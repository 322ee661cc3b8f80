"""The main flows end to end, as staff drive them: log in -> search -> open the chart -> start an
encounter -> enter vitals -> write and sign a note -> add a medication and a prescription -> the
sync status changes as the background agent sends the visit to the practice hub; and resolving a
sync conflict from the status bar. Real encrypted charts, real services, an embedded hub."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from emr_desktop.domain.enums import EncounterStatus, NoteStatus, PrescriptionStatus
from emr_desktop.sync.agent import SyncAgent
from emr_desktop.ui.chart.encounters_tab import EncountersTab
from emr_desktop.ui.chart.medications_tab import MedicationsTab
from emr_desktop.ui.chart.summary_tab import SummaryTab
from emr_desktop.ui.chart.vitals_tab import VitalsTab
from emr_desktop.ui.encounters import note_editor as editor_module
from emr_desktop.ui.encounters.start_dialog import StartEncounterDialog
from emr_desktop.ui.login import LoginDialog
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.tasks import TaskRunner
from tests.sync.harness import PASSWORD, first_workstation, hub_export, make_hub, phone_conflict

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 15000


@pytest.fixture
def practice(tmp_path: Path) -> Any:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    ws = first_workstation(hub, tmp_path / "front")
    ws.hub = hub
    yield ws
    ws.close()


def _log_in(qtbot: Any, services: Any, tasks: TaskRunner, username: str) -> Any:
    login = LoginDialog(services, tasks, "Test Family Practice")
    qtbot.addWidget(login)
    login.show()
    qtbot.keyClicks(login.username, username)
    qtbot.keyClicks(login.password, PASSWORD)
    with qtbot.waitSignal(login.sig_logged_in, timeout=WAIT) as logged_in:
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    return logged_in.args[0]


def test_a_visit_from_log_in_to_the_hub(qtbot: Any, practice: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services = practice.services
    doc_setup = practice.login("doc")
    patient = services.patients.register(doc_setup, family_name="Endtoend", given_name="Elena",
                                         birth_date=date(1961, 6, 1), sex="female")
    practice.sync()
    agent = SyncAgent(lambda: practice.client, interval=0.2)
    services.sync_status.agent = agent
    tasks = TaskRunner()

    # log in
    actor = _log_in(qtbot, services, tasks, "doc")
    assert actor.username == "doc"
    window = MainWindow(services, tasks, actor, "Test Family Practice")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)

    # search: one keystroke away, results as you type, Enter opens the chart
    window.chart_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    assert window.panel.search.hasFocus()
    qtbot.keyClicks(window.panel.search, "endto")
    qtbot.waitUntil(lambda: window.panel.results_model.rowCount() == 1, timeout=WAIT)
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.keyClick(window.panel.search, Qt.Key.Key_Return)
    assert window.chart_view.chart.patient.id == patient.id
    assert window.chart_view.tabs.currentWidget() is window.chart_view.tab(SummaryTab)
    assert window.chart_view.banner.name.text().startswith("Endtoend, Elena")

    # start an encounter (Ctrl+2 = Encounters)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    encounters = window.chart_view.tabs.currentWidget()
    assert isinstance(encounters, EncountersTab)
    monkeypatch.setattr(StartEncounterDialog, "ask", classmethod(
        lambda cls, parent=None: {"encounter_type": "office-visit", "reason": "Blood pressure check"}))
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.mouseClick(encounters.start_button, LEFT)
    [encounter] = services.encounters.list_for_patient(actor, patient.id)
    assert encounter.status == EncounterStatus.IN_PROGRESS.value

    # vitals (Ctrl+3): typed, Enter saves, attached to the open encounter
    qtbot.keyClick(window, Qt.Key.Key_3, CTRL)
    vitals = window.chart_view.tabs.currentWidget()
    assert isinstance(vitals, VitalsTab)
    for key, text in (("systolic", "148"), ("diastolic", "92"), ("pulse", "76"), ("height", "165"),
                      ("weight", "70")):
        qtbot.keyClicks(vitals.fields[key], text)
    assert "25.7" in vitals.bmi_label.text()
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.keyClick(vitals.fields["weight"], Qt.Key.Key_Return)
    saved = services.vitals.list_for_patient(actor, patient.id)
    assert {v.encounter_id for v in saved} == {encounter.id} and len(saved) == 6  # + BMI
    assert vitals.model.rowCount() == 1 and "148/92" in vitals.model.index(0, 1).data()

    # write and sign the note (back to Encounters: the draft opened when the encounter started)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    editor = encounters.editor
    qtbot.waitUntil(lambda: editor.encounter_id == encounter.id, timeout=WAIT)
    qtbot.mouseClick(editor.vitals_button, LEFT)
    assert "BP 148/92" in editor.edits["objective"].toPlainText()
    for part, text in (("subjective", "Home readings 140s/90s."), ("assessment", "Hypertension, not at goal."),
                       ("plan", "Start lisinopril 10 mg daily. Recheck in 4 weeks.")):
        editor.edits[part].selectAll()
        qtbot.keyClicks(editor.edits[part], text)
    monkeypatch.setattr(editor_module.QMessageBox, "question",
                        lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.keyClick(editor.edits["plan"], Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: editor.is_signed, timeout=WAIT)
    [note] = services.notes.list_for_encounter(actor, encounter.id)
    assert note.status == NoteStatus.SIGNED.value and note.assessment == "Hypertension, not at goal."
    assert note.title == "Office visit: Blood pressure check"   # named after the visit, not "Untitled"
    assert services.notes.verify_signature(note) and all(e.isReadOnly() for e in editor.edits.values())

    # add a medication, prescribe it, sign the prescription (Ctrl+4 = Medications)
    qtbot.keyClick(window, Qt.Key.Key_4, CTRL)
    meds = window.chart_view.tabs.currentWidget()
    assert isinstance(meds, MedicationsTab)
    qtbot.mouseClick(meds.add_button, LEFT)
    dialog = meds.dialog
    qtbot.keyClicks(dialog.display, "lisinopril")
    qtbot.keyClicks(dialog.strength, "10 mg")
    dialog.form_combo.setCurrentText("tablet")
    qtbot.keyClicks(dialog.dose, "1")
    dialog.dose_unit.setCurrentText("tablet")
    dialog.route.setCurrentText("oral")
    dialog.frequency.setCurrentText("once daily")
    qtbot.keyClicks(dialog.indication, "hypertension")
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: meds.med_model.rowCount() == 1, timeout=WAIT)
    meds.med_table.selectRow(0)
    qtbot.mouseClick(meds.prescribe_button, LEFT)
    rx_dialog = meds.dialog
    assert rx_dialog.quantity.value() == 30 and rx_dialog.sig.text() == "Take 1 tablet by mouth once daily."
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.mouseClick(rx_dialog.save_button, LEFT)
    sign = next(b for b in meds.sign_box.buttons() if b.text() == "&Sign")
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):
        qtbot.mouseClick(sign, LEFT)
    [rx] = services.prescriptions.list_for_patient(actor, patient.id)
    assert rx.status == PrescriptionStatus.SIGNED.value and rx.drug_display == "lisinopril"
    assert rx.encounter_id in (None, encounter.id) and rx.prescriber_id == actor.user_id

    # the visit is waiting in the outbox; the agent sends it and the status bar follows
    status = window.sync_status
    with qtbot.waitSignal(status.sig_status_changed, timeout=WAIT):
        status.refresh()
    assert "change(s) waiting" in status.label.text()
    agent.start()
    try:
        def up_to_date() -> bool:
            status.refresh()
            return status.label.text().startswith("Up to date")

        qtbot.waitUntil(up_to_date, timeout=30000)
        assert "last sync" in status.label.text()
        qtbot.waitUntil(lambda: "Last synced" in window.chart_view.banner.sync.text(), timeout=WAIT)
    finally:
        agent.stop()
    hub_rows = hub_export(practice.hub)
    assert "Hypertension, not at goal." in hub_rows and "lisinopril" in hub_rows  # the visit reached the hub
    tasks.wait_for_idle()


def test_resolving_a_conflict_from_the_status_bar(qtbot: Any, tmp_path: Path) -> None:
    hub, a, b, patient = phone_conflict(tmp_path, ("555-0444", "555-0555"))
    try:
        tasks = TaskRunner()
        doc = b.login("doc")
        window = MainWindow(b.services, tasks, doc, "Test Family Practice")
        qtbot.addWidget(window)
        window.show()
        window.open_patient(patient.id)
        qtbot.waitUntil(lambda: window.chart_view.chart is not None, timeout=WAIT)
        qtbot.waitUntil(lambda: window.sync_status.review.isVisibleTo(window), timeout=WAIT)
        qtbot.mouseClick(window.sync_status.review, LEFT)
        review = window._review
        assert review is not None
        qtbot.waitUntil(lambda: review.model.rowCount() == 1, timeout=WAIT)
        other = review.selected()
        with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=WAIT):  # the open chart reloads
            qtbot.mouseClick(review.take_other, LEFT)
        kept = b.services.patients.get(doc, patient.id).phone_mobile
        assert kept in ("555-0444", "555-0555") and other.status == "open"
        assert window.chart_view.chart.patient.phone_mobile == kept
        qtbot.waitUntil(lambda: not window.sync_status.review.isVisibleTo(window), timeout=WAIT)
        with b.services.db.read() as s:
            from sqlalchemy import select

            from emr_desktop.models import AuditEvent
            audited = s.execute(select(AuditEvent.user_id, AuditEvent.patient_id, AuditEvent.detail).where(
                AuditEvent.action == "conflict-resolve")).all()
        assert [(u, p) for u, p, _d in audited] == [(doc.user_id, patient.id)]  # resolving is audited
        assert "take-other" in audited[0][2]
        tasks.wait_for_idle()
    finally:
        a.close()
        b.close()
