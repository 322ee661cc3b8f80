"""Registering a patient: the date of birth starts blank and must be typed whole, possible duplicates
show up as soon as name and date of birth are in (and can be opened instead), errors appear at the
field, and the service does the saving in the background."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from emr_desktop.services.registry import Services
from emr_desktop.ui.patients.birth_date_edit import DateState
from emr_desktop.ui.patients.registration import RegistrationDialog
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def tasks() -> Any:
    runner = TaskRunner()
    yield runner
    runner.wait_for_idle()


def _dialog(qtbot: Any, services: Services, tasks: TaskRunner, actor: Any) -> RegistrationDialog:
    dialog = RegistrationDialog(services, tasks, actor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def _fill(qtbot: Any, dialog: RegistrationDialog, family: str, given: str, dob_keys: str,
          sex: str = "female") -> None:
    qtbot.keyClicks(dialog.edits["family_name"], family)
    qtbot.keyClicks(dialog.edits["given_name"], given)
    dialog.birth_date.setFocus()
    qtbot.keyClicks(dialog.birth_date, dob_keys)
    dialog.sex.setCurrentIndex(dialog.sex.findData(sex))


def test_the_date_of_birth_starts_blank_and_only_counts_when_typed_whole(qtbot: Any, services: Services,
                                                                          provider: Any,
                                                                          tasks: TaskRunner) -> None:
    dialog = _dialog(qtbot, services, tasks, provider)
    field = dialog.birth_date
    assert field.text() == "MM/DD/YYYY" and field.state is DateState.BLANK and field.birth_date() is None
    assert field.calendarPopup()
    qtbot.keyClick(field, Qt.Key.Key_Up)  # arrows do not invent a date
    assert field.state is DateState.BLANK
    field.setFocus()
    for keys, expected in (("03151982", date(1982, 3, 15)), ("3/5/1982", date(1982, 3, 5)),
                           ("12/31/1999", date(1999, 12, 31)), ("03", None), ("03/15/82", None)):
        field.clear_date()
        qtbot.keyClicks(field, keys)
        assert field.birth_date() == expected, keys
    assert field.state is DateState.INCOMPLETE
    field.lineEdit().selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    assert field.state is DateState.BLANK and field.text() == "MM/DD/YYYY"
    # picking a day in the calendar counts as a whole date
    field.calendarWidget().setSelectedDate(field.calendarWidget().selectedDate().addDays(0))
    field.calendarWidget().clicked.emit(field.calendarWidget().selectedDate())
    assert field.state is DateState.COMPLETE


def test_missing_and_wrong_fields_are_shown_at_the_field(qtbot: Any, services: Services, provider: Any,
                                                         tasks: TaskRunner) -> None:
    dialog = _dialog(qtbot, services, tasks, provider)
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.error_for("family_name") == "Enter the family name."
    assert dialog.error_for("given_name") == "Enter the given name."
    assert dialog.error_for("birth_date").startswith("Enter the date of birth")
    assert dialog.error_for("sex").startswith("Choose the sex")
    assert QApplication.focusWidget() is dialog.edits["family_name"]
    qtbot.keyClicks(dialog.edits["family_name"], "Partial")
    assert dialog.error_for("family_name") == ""  # typing clears the message
    qtbot.keyClicks(dialog.edits["given_name"], "Pia")
    dialog.birth_date.setFocus()
    qtbot.keyClicks(dialog.birth_date, "0315")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.error_for("birth_date").startswith("Finish the date of birth")
    dialog.birth_date.set_birth_date(date.today() + timedelta(days=2))
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.error_for("birth_date") == "Date of birth cannot be in the future."
    assert dialog.isVisible() and dialog.registered is None
    assert services.patients.search(provider, "partial") == []


def test_possible_duplicate_can_be_opened_instead(qtbot: Any, services: Services, provider: Any,
                                                  tasks: TaskRunner) -> None:
    existing = services.patients.register(provider, family_name="Duplicate", given_name="Dora",
                                          birth_date=date(1982, 3, 15), sex="female")
    dialog = _dialog(qtbot, services, tasks, provider)
    _fill(qtbot, dialog, "duplicate", "Dorothea", "03151982")  # same family name and DOB
    qtbot.waitUntil(lambda: dialog.duplicates_box.isVisible(), timeout=10000)
    assert dialog.duplicates_label.text().startswith("Possible duplicate: 1 chart has the same date of birth")
    line = dialog.duplicates.item(0).text()
    assert "Duplicate, Dora" in line and "03/15/1982" in line and existing.mrn in line
    assert dialog.register_button.text() == "&Register anyway"
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(dialog.open_existing, Qt.MouseButton.LeftButton)
    assert dialog.open_existing_id == existing.id and dialog.registered is None
    assert len(services.patients.search(provider, "duplicate")) == 1


def test_register_anyway_after_the_warning(qtbot: Any, services: Services, provider: Any,
                                           tasks: TaskRunner) -> None:
    services.patients.register(provider, family_name="Twin", given_name="Tom",
                               birth_date=date(2001, 7, 4), sex="male")
    dialog = _dialog(qtbot, services, tasks, provider)
    _fill(qtbot, dialog, "Twin", "Tim", "07/04/2001", sex="male")
    qtbot.keyClicks(dialog.edits["phone_mobile"], "555-0142")
    qtbot.keyClicks(dialog.edits["emergency_contact_name"], "Tess Twin")
    dialog.language.setCurrentIndex(dialog.language.findData("es"))
    dialog.interpreter.setChecked(True)
    # Register before the duplicate check had a chance to run: it checks first and stops
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.duplicates_box.isVisible(), timeout=10000)
    tasks.wait_for_idle()
    assert dialog.isVisible() and dialog.registered is None
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    new = dialog.registered
    assert new is not None and dialog.open_existing_id is None and new.mrn
    saved = services.patients.get(provider, new.id)
    assert (saved.family_name, saved.given_name, saved.birth_date, saved.sex) == ("Twin", "Tim",
                                                                                date(2001, 7, 4), "male")
    assert saved.phone_mobile == "555-0142" and saved.emergency_contact_name == "Tess Twin"
    assert saved.language == "es" and saved.interpreter_needed


def test_no_duplicate_registers_at_once_with_enter(qtbot: Any, services: Services, provider: Any,
                                                   tasks: TaskRunner) -> None:
    dialog = _dialog(qtbot, services, tasks, provider)
    _fill(qtbot, dialog, "Unique", "Uma", "11221960")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.keyClick(dialog.edits["given_name"], Qt.Key.Key_Return)  # Enter = the default button
    assert dialog.registered is not None and dialog.registered.birth_date == date(1960, 11, 22)
    assert not dialog.duplicates_box.isVisible()


def test_a_refusal_from_the_service_is_shown(qtbot: Any, services: Services, admin: Any,
                                             tasks: TaskRunner) -> None:
    services.users.create_user(admin, username="billy", display_name="Bill Ing", password=TEST_PASSWORD,
                               roles=("billing",))
    billing = services.users.authenticate("billy", TEST_PASSWORD)
    dialog = _dialog(qtbot, services, tasks, billing)
    _fill(qtbot, dialog, "Nope", "Nora", "01021990")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "does not allow" in dialog.message.text(), timeout=10000)
    assert dialog.isVisible() and dialog.registered is None and dialog.register_button.isEnabled()


def test_tab_order_and_escape(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    dialog = _dialog(qtbot, services, tasks, provider)
    first = dialog.edits["family_name"]
    first.setFocus()
    expected = [dialog.edits["given_name"], dialog.edits["middle_name"], dialog.birth_date, dialog.sex,
                dialog.language]
    for widget in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        assert focus is widget or (focus is not None and focus.parent() is widget), widget.objectName()
    with qtbot.waitSignal(dialog.rejected, timeout=1000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.registered is None
