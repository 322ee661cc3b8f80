"""The Encounters tab: start a visit, write and sign its SOAP note, add an addendum, finish it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import EncounterStatus, EncounterType, NoteStatus
from emr_desktop.domain.records import EncounterDTO, NoteDTO
from emr_desktop.models import new_id
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart import encounters_tab as tab_module
from emr_desktop.ui.chart.base import ChartContext, selected_row
from emr_desktop.ui.chart.encounters_tab import EncountersTab
from emr_desktop.ui.encounters import note_editor as editor_module
from emr_desktop.ui.encounters.labels import when_text
from emr_desktop.ui.encounters.start_dialog import StartEncounterDialog
from emr_desktop.ui.qt_models.encounters import (
    EncounterColumn,
    EncounterTableModel,
    NoteColumn,
    NoteTableModel,
    thread_notes,
)
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

Button = QMessageBox.StandardButton


class Answers:
    """Stands in for QMessageBox.question: records each question and gives a scripted answer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: Button) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        monkeypatch.setattr(editor_module.QMessageBox, "question", self)
        monkeypatch.setattr(tab_module.QMessageBox, "question", self)

    def __call__(self, _parent: Any, _title: str, text: str, *_args: Any) -> Button:
        self.asked.append(text)
        assert self.answers, f"unexpected question: {text}"
        return self.answers.pop(0)


def _patient(services: Services, actor: Actor) -> uuid.UUID:
    return services.patients.register(actor, family_name="Testperson", given_name="Ana",
                                      birth_date=date(1980, 6, 15), sex="female").id


def _open_tab(qtbot: Any, services: Services, actor: Actor,
              patient_id: uuid.UUID) -> tuple[ChartContext, EncountersTab]:
    """The tab as the chart view drives it: a save asks for a reload, the reload refills the tab."""
    ctx = ChartContext(services, TaskRunner(), actor)
    qtbot.waitUntil(lambda: ctx.staff_known)
    tab = EncountersTab(ctx)
    qtbot.addWidget(tab)
    ctx.sig_chart_changed.connect(
        lambda pid: ctx.run(lambda a: services.chart.load(a, pid), tab.set_chart))
    tab.resize(1100, 600)
    tab.show()
    tab.activateWindow()
    qtbot.waitActive(tab)
    tab.set_chart(services.chart.load(actor, patient_id))
    return ctx, tab


def test_start_write_sign_addendum_and_finish(qtbot: Any, services: Services, provider: Actor,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _patient(services, provider)
    services.vitals.record(provider, pid, systolic=128, diastolic=82, pulse=72, temperature=36.8, spo2=98)
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    editor = tab.editor
    assert tab.encounter_model.rowCount() == 0 and not tab.finish_button.isEnabled()
    when = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    monkeypatch.setattr(StartEncounterDialog, "ask", classmethod(
        lambda cls, parent=None: {"encounter_type": "acute", "reason": "Sore throat", "start_time": when}))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.encounter_model.rowCount() == 1, timeout=10000)
    [encounter] = services.encounters.list_for_patient(provider, pid)
    assert encounter.encounter_type == "acute" and encounter.status == EncounterStatus.IN_PROGRESS.value
    assert encounter.provider_id == provider.user_id and encounter.start_time == when
    assert selected_row(tab.encounter_table) == 0 and tab.finish_button.isEnabled()
    assert editor.is_new and editor.encounter_id == encounter.id
    model = tab.encounter_model
    assert model.index(0, EncounterColumn.TYPE).data() == "Acute visit"
    assert model.index(0, EncounterColumn.REASON).data() == "Sore throat"
    assert model.index(0, EncounterColumn.PROVIDER).data() == "Dana Smith, MD"  # from the staff directory
    assert model.index(0, EncounterColumn.STATUS).data() == "In progress"

    # template -> vitals -> edit -> save draft
    assert editor.template_combo.currentText() == "Acute visit - URI / sore throat"
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(editor.vitals_button, Qt.MouseButton.LeftButton)
    assert editor.edits["objective"].toPlainText().startswith(
        "Vitals: BP 128/82 mmHg, HR 72/min, Temp 36.8 °C (98.2 °F), SpO2 98%\n")
    editor.edits["assessment"].selectAll()
    qtbot.keyClicks(editor.edits["assessment"], "Viral pharyngitis (J02.9).")
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.keyClick(editor.edits["assessment"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.note_model.rowCount() == 1, timeout=10000)
    [draft] = services.notes.list_for_encounter(provider, encounter.id)
    assert draft.status == NoteStatus.DRAFT.value and draft.assessment == "Viral pharyngitis (J02.9)."
    assert draft.title == "Acute visit: upper respiratory symptoms" and "HR 72/min" in draft.objective
    assert editor.note_id == draft.id and selected_row(tab.note_table) == 0 and not editor.is_dirty()
    assert tab.note_model.index(0, NoteColumn.STATUS).data() == "Draft"

    # sign (confirmed) -> read-only, verified
    answers = Answers(monkeypatch, Button.Yes)
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(editor.sign_button, Qt.MouseButton.LeftButton)
    assert "Signing makes the note read-only" in answers.asked[0]
    qtbot.waitUntil(lambda: tab.note_model.index(0, NoteColumn.STATUS).data() == "Signed", timeout=10000)
    signed = services.notes.get(provider, draft.id)
    assert signed.status == NoteStatus.SIGNED.value and signed.signed_by_id == provider.user_id
    assert editor.is_signed and all(e.isReadOnly() for e in editor.edits.values())
    assert editor.signed_label.text().startswith("Signed by Dana Smith, MD at ")
    assert "verified" in editor.signature_label.text()
    assert tab.note_model.index(0, NoteColumn.SIGNED_AT).data() != ""
    assert editor.addendum_button.isVisible() and editor.addendum_button.isEnabled()

    # addendum: a draft under its note, then signed too
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("Strep test negative.", True))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(editor.addendum_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.note_model.rowCount() == 2, timeout=10000)
    addendum = tab.note_model.row_at(1)
    assert addendum.addendum_to_id == draft.id and addendum.plan == "Strep test negative."
    assert tab.note_model.index(1, NoteColumn.TITLE).data().startswith("↳ Addendum to ")
    assert editor.note_id == addendum.id and selected_row(tab.note_table) == 1 and not editor.is_signed
    answers.answers = [Button.Yes]
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.keyClick(editor.edits["plan"], Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: tab.note_model.index(1, NoteColumn.STATUS).data() == "Signed", timeout=10000)
    assert services.notes.get(provider, addendum.id).status == NoteStatus.SIGNED.value

    # the signed note is shown again when picked; finishing needs no question (all signed)
    tab.note_table.selectRow(0)
    assert editor.note_id == draft.id and editor.is_signed
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.finish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.encounter_model.index(0, EncounterColumn.STATUS).data() == "Finished",
                    timeout=10000)
    finished = services.encounters.get(provider, encounter.id)
    assert finished.status == EncounterStatus.FINISHED.value and finished.end_time is not None
    assert not tab.finish_button.isEnabled() and len(answers.asked) == 2
    tab.resize(1100, 600)
    tab.grab().save("/tmp/encounters_tab.png")
    ctx.tasks.wait_for_idle()


def test_switching_notes_guards_unsaved_changes(qtbot: Any, services: Services, provider: Actor,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _patient(services, provider)
    older = services.encounters.start(provider, pid, "follow-up", reason="BP check",
                                      start_time=datetime.now(UTC) - timedelta(days=30))
    newer = services.encounters.start(provider, pid, "acute", reason="Cough")
    first = services.notes.create(provider, patient_id=pid, encounter_id=newer.id, title="First",
                                  subjective="One.")
    second = services.notes.create(provider, patient_id=pid, encounter_id=newer.id, title="Second",
                                   subjective="Two.")
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    editor = tab.editor
    assert tab.encounter_model.row_at(0).id == newer.id  # newest first, selected on opening
    assert editor.note_id == first.id and selected_row(tab.note_table) == 0
    editor.edits["subjective"].setPlainText("One, edited.")
    answers = Answers(monkeypatch, Button.Cancel)
    tab.note_table.selectRow(1)
    assert editor.note_id == first.id and selected_row(tab.note_table) == 0  # stayed, selection restored
    assert editor.edits["subjective"].toPlainText() == "One, edited."
    answers.answers = [Button.Cancel]
    tab.encounter_table.selectRow(1)  # another encounter: asked too
    assert len(answers.asked) == 2 and selected_row(tab.encounter_table) == 0
    answers.answers = [Button.Discard]
    tab.note_table.selectRow(1)
    assert editor.note_id == second.id and editor.edits["subjective"].toPlainText() == "Two."
    assert services.notes.get(provider, first.id).subjective == "One."
    editor.edits["subjective"].setPlainText("Two, edited.")
    answers.answers = [Button.Save]
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        tab.encounter_table.selectRow(1)
    qtbot.waitUntil(lambda: editor.encounter_id == older.id, timeout=10000)
    assert services.notes.get(provider, second.id).subjective == "Two, edited."
    assert editor.is_new and tab.note_model.rowCount() == 0  # the older visit has no note: a new draft
    qtbot.waitUntil(lambda: selected_row(tab.encounter_table) == 1, timeout=10000)  # kept after reload
    assert len(answers.asked) == 4
    ctx.tasks.wait_for_idle()


def test_finishing_with_unsigned_notes_asks(qtbot: Any, services: Services, provider: Actor,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _patient(services, provider)
    encounter = services.encounters.start(provider, pid, "office-visit")
    services.notes.create(provider, patient_id=pid, encounter_id=encounter.id, subjective="Draft.")
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    answers = Answers(monkeypatch, Button.No)
    tab.finish_button.click()
    assert "not signed" in answers.asked[0]
    assert services.encounters.get(provider, encounter.id).status == EncounterStatus.IN_PROGRESS.value
    answers.answers = [Button.Yes]
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        tab.finish_button.click()
    assert services.encounters.get(provider, encounter.id).status == EncounterStatus.FINISHED.value
    ctx.tasks.wait_for_idle()


def test_a_tampered_signed_note_shows_a_warning(qtbot: Any, services: Services, provider: Actor) -> None:
    import dataclasses

    pid = _patient(services, provider)
    encounter = services.encounters.start(provider, pid, "office-visit")
    note = services.notes.create(provider, patient_id=pid, encounter_id=encounter.id, subjective="Well.")
    services.notes.sign(provider, note.id)
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    assert tab.editor.signature_label.objectName() == "signatureStatus"
    chart = services.chart.load(provider, pid)
    forged = tuple(dataclasses.replace(n, subjective="Unwell.") for n in chart.notes)
    tab.set_chart(dataclasses.replace(chart, notes=forged))
    assert tab.editor.signature_label.objectName() == "signatureWarning"
    assert "Signature check failed" in tab.editor.signature_label.text()
    ctx.tasks.wait_for_idle()


def test_names_come_from_the_staff_directory_for_every_role(qtbot: Any, services: Services,
                                                            provider: Actor) -> None:
    pid = _patient(services, provider)
    services.encounters.start(provider, pid, "office-visit")
    nurse_ctx, nurse_tab = _open_tab(qtbot, services, _user(services, "nurse"), pid)
    qtbot.waitUntil(lambda: nurse_tab.encounter_model.index(0, EncounterColumn.PROVIDER).data()
                    == "Dana Smith, MD", timeout=10000)
    assert not nurse_tab.editor.sign_button.isEnabled() and nurse_tab.start_button.isEnabled()
    nurse_ctx.tasks.wait_for_idle()


def _user(services: Services, role: str) -> Actor:
    admin = services.users.authenticate("admin", TEST_PASSWORD)
    services.users.create_user(admin, username=f"user-{role}", display_name=f"A {role}",
                               password=TEST_PASSWORD, roles=(role,))
    return services.users.authenticate(f"user-{role}", TEST_PASSWORD)


def test_roles_without_notes_or_encounters(qtbot: Any, services: Services, provider: Actor) -> None:
    pid = _patient(services, provider)
    encounter = services.encounters.start(provider, pid, "office-visit", reason="Check-up")
    services.notes.create(provider, patient_id=pid, encounter_id=encounter.id, subjective="Private.")
    ctx, tab = _open_tab(qtbot, services, _user(services, "billing"), pid)
    assert tab.encounter_model.rowCount() == 1 and tab.note_model.rowCount() == 0
    assert tab.notes_withheld.isVisible() and not tab.withheld_label.isVisible()
    assert not tab.start_button.isEnabled() and not tab.new_note_button.isEnabled()
    assert tab.editor.edits["subjective"].toPlainText() == ""
    desk_ctx, desk = _open_tab(qtbot, services, _user(services, "front_desk"), pid)
    assert desk.withheld_label.isVisible() and desk.encounter_model.rowCount() == 0
    assert not desk.start_button.isEnabled()
    for c in (ctx, desk_ctx):
        c.tasks.wait_for_idle()


def test_clear_tab_drops_patient_data(qtbot: Any, services: Services, provider: Actor) -> None:
    pid = _patient(services, provider)
    encounter = services.encounters.start(provider, pid, "office-visit", reason="Check-up")
    services.notes.create(provider, patient_id=pid, encounter_id=encounter.id, subjective="Private.")
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    assert tab.editor.edits["subjective"].toPlainText() == "Private."
    tab.clear_phi()
    assert tab.encounter_model.rowCount() == 0 and tab.note_model.rowCount() == 0
    assert all(e.toPlainText() == "" for e in tab.editor.edits.values()) and tab.editor.note is None
    assert not tab.start_button.isEnabled()
    ctx.tasks.wait_for_idle()


def test_start_dialog_defaults_to_an_office_visit_now(qtbot: Any) -> None:
    now = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    dialog = StartEncounterDialog(now=now)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.type_combo.currentText() == "Office visit"
    assert [dialog.type_combo.itemData(i) for i in range(dialog.type_combo.count())] == \
        [t.value for t in EncounterType]
    labels = [dialog.type_combo.itemText(i) for i in range(dialog.type_combo.count())]
    assert "Well-child visit" in labels and "Nurse visit" in labels  # readable, not "nurse-visit"
    assert all(label[0].isupper() and label not in EncounterType._value2member_map_ for label in labels)
    qtbot.keyClicks(dialog.reason, "  Sore throat ")
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("acute"))
    assert dialog.values() == {"encounter_type": "acute", "reason": "Sore throat", "start_time": now}
    with qtbot.waitSignal(dialog.finished, timeout=1000):
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    other = StartEncounterDialog(now=now)
    qtbot.addWidget(other)
    other.show()
    with qtbot.waitSignal(other.finished, timeout=1000):
        qtbot.keyClick(other.reason, Qt.Key.Key_Escape)
    assert other.result() == QDialog.DialogCode.Rejected


def _note(encounter_id: uuid.UUID, **values: Any) -> NoteDTO:
    base = dict(id=new_id(), patient_id=uuid.UUID(int=1), encounter_id=encounter_id,
                author_id=uuid.UUID(int=2),
                status=NoteStatus.DRAFT.value)
    base.update(values)
    return NoteDTO(**base)


def test_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    author, other = uuid.UUID(int=2), uuid.UUID(int=3)
    names = {author: "Dana Smith"}
    lookup = lambda uid: names.get(uid, "—")  # noqa: E731
    encounters = EncounterTableModel(lookup)
    qtmodeltester.check(encounters)
    e1 = EncounterDTO(id=new_id(), patient_id=uuid.UUID(int=1), encounter_type="well-child",
                      start_time=datetime(2026, 3, 2, 15, 30, tzinfo=UTC), provider_id=author,
                      reason="4-year check", status="in-progress")
    e2 = EncounterDTO(id=new_id(), patient_id=uuid.UUID(int=1), encounter_type="phone",
                      start_time=datetime(2026, 1, 2, 9, 0, tzinfo=UTC), provider_id=other,
                      status="cancelled", end_time=datetime(2026, 1, 2, 9, 10, tzinfo=UTC))
    encounters.set_rows([e1, e2])
    qtmodeltester.check(encounters)
    assert encounters.columnCount() == len(EncounterColumn) and encounters.row_of(e2.id) == 1
    assert encounters.index(0, EncounterColumn.TYPE).data() == "Well-child visit"
    assert encounters.index(1, EncounterColumn.PROVIDER).data() == "—"
    assert encounters.index(1, EncounterColumn.STATUS).data() == "Cancelled"
    assert encounters.index(1, EncounterColumn.DATE).data(Qt.ItemDataRole.ToolTipRole).startswith("Ended ")
    names[other] = "Lee Park"
    with qtbot_signal(encounters.dataChanged):
        encounters.names_changed()
    assert encounters.index(1, EncounterColumn.PROVIDER).data() == "Lee Park"

    notes = NoteTableModel(lookup)
    qtmodeltester.check(notes)
    main = _note(e1.id, title="Well child", status="signed",
                 signed_at=datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    second = _note(e1.id, title="Nurse note")
    addendum = _note(e1.id, title="Addendum to Well child", addendum_to_id=main.id, status="signed")
    nested = _note(e1.id, title="", addendum_to_id=addendum.id)
    notes.set_notes([nested, second, addendum, main])
    qtmodeltester.check(notes)
    assert [notes.row_at(i).id for i in range(4)] == [main.id, addendum.id, nested.id, second.id]
    assert notes.index(1, NoteColumn.TITLE).data() == "↳ Addendum to Well child"
    assert notes.index(2, NoteColumn.TITLE).data() == "    ↳ Addendum"
    assert notes.index(0, NoteColumn.STATUS).data() == "Signed"
    assert notes.index(3, NoteColumn.STATUS).data() == "Draft"
    assert notes.index(0, NoteColumn.AUTHOR).data() == "Dana Smith"
    assert notes.index(0, NoteColumn.SIGNED_AT).data() == when_text(main.signed_at)
    assert notes.index(3, NoteColumn.SIGNED_AT).data() == ""
    orphan = _note(e1.id, title="Addendum", addendum_to_id=new_id())
    assert [d for _n, d in thread_notes([orphan])] == [0]  # its note is elsewhere: listed at the top
    notes.clear()
    qtmodeltester.check(notes)


class qtbot_signal:  # noqa: N801 - a tiny context manager: the signal fired inside the block
    def __init__(self, signal: Any) -> None:
        self.fired: list[Any] = []
        self.signal = signal

    def __enter__(self) -> None:
        self.signal.connect(self._record)

    def _record(self, *args: Any) -> None:
        self.fired.append(args)

    def __exit__(self, *_exc: object) -> None:
        self.signal.disconnect(self._record)
        assert self.fired, "the signal was not emitted"


def test_a_stale_chart_does_not_replace_the_new_draft(qtbot: Any, services: Services, provider: Actor,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pid = _patient(services, provider)
    services.encounters.start(provider, pid, "follow-up", reason="Earlier visit",
                              start_time=datetime.now(UTC) - timedelta(days=7))
    ctx, tab = _open_tab(qtbot, services, provider, pid)
    before = services.chart.load(provider, pid)
    monkeypatch.setattr(StartEncounterDialog, "ask", classmethod(
        lambda cls, parent=None: {"encounter_type": "office-visit", "reason": "Today",
                                  "start_time": datetime.now(UTC)}))
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        tab.start_button.click()
    qtbot.waitUntil(lambda: tab.encounter_model.rowCount() == 2, timeout=10000)
    new_id_ = tab.editor.encounter_id
    tab.editor.edits["subjective"].setPlainText("Started typing.")
    tab.set_chart(before)  # a read that started before the encounter was saved
    assert tab.editor.encounter_id == new_id_ and tab.editor.is_new
    assert tab.editor.edits["subjective"].toPlainText() == "Started typing."
    tab.set_chart(services.chart.load(provider, pid))
    assert tab.encounter_model.row_at(selected_row(tab.encounter_table)).id == new_id_
    assert tab.editor.edits["subjective"].toPlainText() == "Started typing."
    ctx.tasks.wait_for_idle()
