"""The SOAP note editor: templates, the unsaved-changes guard, signing, addenda, signature checks."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from emr_desktop.clinical.note_templates import PLACEHOLDER, TEMPLATES_BY_KEY
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import NoteStatus
from emr_desktop.domain.records import EncounterDTO, NoteDTO
from emr_desktop.models import new_id
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.encounters import note_editor as note_editor_module
from emr_desktop.ui.encounters.note_editor import NoteEditor
from emr_desktop.ui.tasks import TaskRunner

Button = QMessageBox.StandardButton


class Answers:
    """Stands in for QMessageBox.question: records each question and gives a scripted answer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: Button) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        monkeypatch.setattr(note_editor_module.QMessageBox, "question", self)

    def __call__(self, _parent: Any, _title: str, text: str, *_args: Any) -> Button:
        self.asked.append(text)
        assert self.answers, f"unexpected question: {text}"
        return self.answers.pop(0)


@pytest.fixture
def setup(qtbot: Any, services: Services, provider: Actor) -> Any:
    patient = services.patients.register(provider, family_name="Testperson", given_name="Ana",
                                         birth_date=date(1980, 6, 15), sex="female")
    encounter = services.encounters.start(provider, patient.id, "acute", reason="Sore throat")
    tasks = TaskRunner()
    ctx = ChartContext(services, tasks, provider)
    editor = NoteEditor(ctx, lambda uid: "Dana Smith" if uid == provider.user_id else "—")
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitActive(editor)  # shortcuts (Ctrl+S) work in the active window
    yield ctx, editor, encounter
    tasks.wait_for_idle()


def _names(note: NoteDTO) -> dict[str, str]:
    return {k: getattr(note, k) for k in ("title", "subjective", "objective", "assessment", "plan")}


def test_a_new_draft_is_saved_then_updated(qtbot: Any, setup: Any, services: Services,
                                           provider: Actor) -> None:
    ctx, editor, encounter = setup
    editor.new_draft(encounter)
    assert editor.is_new and not editor.is_dirty() and not editor.save_button.isEnabled()
    assert editor.template_combo.currentData() == "acute-uri"  # suggested for an acute visit
    qtbot.keyClicks(editor.title_edit, "Sore throat visit")
    qtbot.keyClicks(editor.edits["subjective"], "Sore throat for 2 days.")
    assert editor.is_dirty() and editor.save_button.isEnabled()
    with qtbot.waitSignal(editor.sig_note_saved, timeout=10000) as saved:
        qtbot.keyClick(editor.edits["subjective"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    first = saved.args[0]
    assert editor.note_id == first.id and not editor.is_dirty() and first.status == NoteStatus.DRAFT.value
    qtbot.keyClicks(editor.edits["plan"], "Fluids and rest.")
    with qtbot.waitSignal(editor.sig_note_saved, timeout=10000):
        editor.save_button.click()
    [stored] = services.notes.list_for_encounter(provider, encounter.id)
    assert stored.id == first.id and stored.author_id == provider.user_id
    assert _names(stored) == {"title": "Sore throat visit", "subjective": "Sore throat for 2 days.",
                              "objective": "", "assessment": "", "plan": "Fluids and rest."}
    assert "Draft saved" in editor.message.text()


def test_tab_moves_between_the_sections(qtbot: Any, setup: Any) -> None:
    _ctx, editor, encounter = setup
    editor.new_draft(encounter)
    editor.edits["subjective"].setFocus()
    qtbot.waitUntil(editor.edits["subjective"].hasFocus)
    qtbot.keyClick(editor.edits["subjective"], Qt.Key.Key_Tab)
    qtbot.waitUntil(editor.edits["objective"].hasFocus)
    assert editor.edits["subjective"].toPlainText() == ""  # Tab moved focus, typed nothing
    assert all(edit.tabChangesFocus() for edit in editor.edits.values())


def test_applying_a_template_asks_before_replacing_text(qtbot: Any, setup: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _ctx, editor, encounter = setup
    editor.new_draft(encounter)
    answers = Answers(monkeypatch)  # an empty note is filled without a question
    editor.apply_button.click()
    template = TEMPLATES_BY_KEY["acute-uri"]
    assert editor.edits["plan"].toPlainText() == template.plan and editor.title_edit.text() == template.title
    assert editor.edits["subjective"].textCursor().selectedText() == PLACEHOLDER  # first *** selected
    assert answers.asked == []
    editor.edits["subjective"].setPlainText("Patient's own words.")
    editor.template_combo.setCurrentIndex(editor.template_combo.findData("medication-review"))
    answers.answers = [Button.No]
    editor.apply_button.click()
    assert editor.edits["subjective"].toPlainText() == "Patient's own words." and len(answers.asked) == 1
    answers.answers = [Button.Yes]
    editor.apply_button.click()
    review = TEMPLATES_BY_KEY["medication-review"]
    assert editor.edits["subjective"].toPlainText() == review.subjective
    assert editor.title_edit.text() == review.title  # a template's title follows the template
    editor.title_edit.setText("My own title")
    answers.answers = [Button.Yes]
    editor.template_combo.setCurrentIndex(editor.template_combo.findData("annual-physical"))
    editor.apply_button.click()
    assert editor.title_edit.text() == "My own title"  # a title the user typed is kept


def test_ctrl_j_walks_the_placeholders(qtbot: Any, setup: Any) -> None:
    _ctx, editor, encounter = setup
    editor.new_draft(encounter)
    editor.edits["assessment"].setPlainText("Stable.")
    editor.edits["plan"].setPlainText(f"Return in {PLACEHOLDER} weeks.")
    editor.edits["subjective"].setFocus()
    qtbot.waitUntil(editor.edits["subjective"].hasFocus)
    qtbot.keyClick(editor.edits["subjective"], Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(editor.edits["plan"].hasFocus)
    assert editor.edits["plan"].textCursor().selectedText() == PLACEHOLDER


def test_insert_vitals_fills_the_template_slot_or_the_cursor(qtbot: Any, setup: Any, services: Services,
                                                             provider: Actor) -> None:
    _ctx, editor, encounter = setup
    editor.new_draft(encounter)
    assert not editor.vitals_button.isEnabled()  # no vitals yet
    vitals = services.vitals.record(provider, encounter.patient_id, systolic=128, diastolic=82, pulse=72,
                                    weight=80.0, height=175.0)
    editor.set_vitals(vitals)
    assert editor.vitals_button.isEnabled()
    editor.vitals_button.click()
    assert editor.edits["objective"].toPlainText() == \
        "Vitals: BP 128/82 mmHg, HR 72/min, Wt 80.0 kg (176.4 lb), BMI 26.1 kg/m2\n"
    editor.edits["objective"].setPlainText(TEMPLATES_BY_KEY["acute-uri"].objective)
    editor.vitals_button.click()
    text = editor.edits["objective"].toPlainText()
    assert text.startswith("Vitals: BP 128/82 mmHg") and text.count("Vitals:") == 1


def test_sign_asks_then_seals_the_note_and_an_addendum_follows(qtbot: Any, setup: Any, services: Services,
                                                              provider: Actor,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _ctx, editor, encounter = setup
    editor.new_draft(encounter)
    editor.apply_button.click()
    answers = Answers(monkeypatch, Button.No)
    editor.sign_button.click()
    assert "read-only" in answers.asked[0] and PLACEHOLDER in answers.asked[0]  # warns of unfilled ***
    assert editor.is_new  # declined: nothing saved
    editor.edits["subjective"].setPlainText("Sore throat for 2 days, no cough.")
    answers.answers = [Button.Yes]
    with qtbot.waitSignal(editor.sig_note_signed, timeout=10000) as signed:
        qtbot.keyClick(editor.edits["subjective"], Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    note = signed.args[0]
    stored = services.notes.get(provider, note.id)  # saved first, then signed
    assert stored.status == NoteStatus.SIGNED.value
    assert stored.subjective == "Sore throat for 2 days, no cough."
    assert editor.is_signed and all(e.isReadOnly() for e in editor.edits.values())
    assert editor.title_edit.isReadOnly() and not editor.save_button.isEnabled()
    assert not editor.sign_button.isEnabled() and not editor.template_combo.isEnabled()
    assert editor.signed_label.text().startswith("Signed by Dana Smith at ")
    assert "verified" in editor.signature_label.text()
    assert editor.signature_label.objectName() == "signatureStatus"
    assert not editor.is_dirty()
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("Rapid strep negative; no antibiotics.", True))
    with qtbot.waitSignal(editor.sig_addendum_added, timeout=10000) as added:
        editor.addendum_button.click()
    addendum = added.args[0]
    assert addendum.addendum_to_id == note.id and addendum.status == NoteStatus.DRAFT.value
    assert editor.note_id == addendum.id and not editor.is_signed
    assert editor.edits["plan"].toPlainText() == "Rapid strep negative; no antibiotics."
    assert not editor.edits["plan"].isReadOnly()


def test_a_failed_signature_check_is_shown(qtbot: Any, setup: Any, provider: Actor) -> None:
    _ctx, editor, encounter = setup
    note = NoteDTO(id=new_id(), patient_id=encounter.patient_id, encounter_id=encounter.id,
                   author_id=provider.user_id, title="Visit", subjective="Well.",
                   status=NoteStatus.SIGNED.value,
                   signed_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC), signed_by_id=provider.user_id,
                   signature_hash="0" * 64)
    editor.open_note(note, encounter)
    assert editor.signature_label.objectName() == "signatureWarning"
    assert "Signature check failed" in editor.signature_label.text()
    assert editor.edits["subjective"].isReadOnly()


def test_a_tampered_signed_note_fails_the_check(qtbot: Any, setup: Any, services: Services,
                                                provider: Actor) -> None:
    _ctx, editor, encounter = setup
    draft = services.notes.create(provider, patient_id=encounter.patient_id, encounter_id=encounter.id,
                                  subjective="Well.")
    signed = services.notes.sign(provider, draft.id)
    editor.open_note(signed, encounter)
    assert editor.signature_label.objectName() == "signatureStatus"
    editor.open_note(dataclasses.replace(signed, subjective="Unwell."), encounter)
    assert editor.signature_label.objectName() == "signatureWarning"


def test_leaving_with_unsaved_changes_asks(qtbot: Any, setup: Any, services: Services, provider: Actor,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _ctx, editor, encounter = setup
    other = services.notes.create(provider, patient_id=encounter.patient_id, encounter_id=encounter.id,
                                  title="Other note", subjective="Other.")
    went: list[str] = []
    editor.new_draft(encounter)
    editor.leave(lambda: went.append("clean"))  # nothing typed: no question
    assert went == ["clean"]
    editor.edits["subjective"].setPlainText("Typed, not saved.")
    answers = Answers(monkeypatch, Button.Cancel, Button.Discard, Button.Save)
    editor.leave(lambda: went.append("cancel"), lambda: went.append("stayed"))
    assert went[-1] == "stayed" and editor.edits["subjective"].toPlainText() == "Typed, not saved."
    editor.leave(lambda: went.append("discarded"))
    assert went[-1] == "discarded"
    assert services.notes.list_for_encounter(provider, encounter.id) == [other]
    with qtbot.waitSignal(editor.sig_note_saved, timeout=10000):
        editor.leave(lambda: editor.open_note(other, encounter))
    assert editor.note_id == other.id and len(answers.asked) == 3
    notes = services.notes.list_for_encounter(provider, encounter.id)
    assert sorted(n.subjective for n in notes) == ["Other.", "Typed, not saved."]


def test_without_a_note_everything_is_disabled(qtbot: Any, setup: Any) -> None:
    _ctx, editor, _encounter = setup
    assert not editor.is_dirty() and not editor.save_button.isEnabled() and not editor.sign_button.isEnabled()
    assert all(e.isReadOnly() for e in editor.edits.values())
    assert not editor.addendum_button.isVisible()


def test_a_nurse_writes_drafts_but_cannot_sign(qtbot: Any, services: Services, admin: Actor,
                                               provider: Actor) -> None:
    from tests.conftest import TEST_PASSWORD

    services.users.create_user(admin, username="nurse1", display_name="Nora Nurse", password=TEST_PASSWORD,
                               roles=("nurse",))
    nurse = services.users.authenticate("nurse1", TEST_PASSWORD)
    patient = services.patients.register(provider, family_name="Testperson", given_name="Bo",
                                         birth_date=date(1990, 1, 1), sex="male")
    encounter = services.encounters.start(nurse, patient.id, "nurse-visit")
    assert isinstance(encounter, EncounterDTO)
    editor = NoteEditor(ChartContext(services, TaskRunner(), nurse), lambda uid: "—")
    qtbot.addWidget(editor)
    editor.new_draft(encounter)
    editor.edits["subjective"].setPlainText("BP check.")
    assert editor.save_button.isEnabled() and not editor.sign_button.isEnabled()
