"""The code picker: results as you type (in the background, stale answers dropped), arrows move in
the results from the search field, Enter takes the highlighted code, Escape cancels."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from emr_desktop.domain.codes import CVX, ICD10CM
from emr_desktop.terminology import Code, cvx, icd10
from emr_desktop.ui.qt_models.codes import CodeTableModel, Column
from emr_desktop.ui.qt_models.dto_table import Emphasis
from emr_desktop.ui.tasks import TaskRunner
from emr_desktop.ui.widgets.code_picker import CodePickerDialog

CODES = [Code(ICD10CM, "I10", "Essential (primary) hypertension", True),
         Code(ICD10CM, "I11.9", "Hypertensive heart disease without heart failure", True),
         Code(ICD10CM, "I11", "Hypertensive heart disease", False, "Category: choose a more specific code")]


def fake_search(text: str) -> list[Code]:
    words = text.lower().split()
    return [c for c in CODES if words and all(w in c.display.lower() or c.code.lower().startswith(w)
                                              for w in words)]


@pytest.fixture
def tasks() -> Any:
    runner = TaskRunner()
    yield runner
    runner.wait_for_idle()


def _picker(qtbot: Any, tasks: TaskRunner, search: Any = fake_search, **kw: Any) -> CodePickerDialog:
    dialog = CodePickerDialog(search, tasks, "Choose a code", **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.pending, timeout=5000)
    return dialog


def test_code_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = CodeTableModel()
    qtmodeltester.check(model)
    model.set_rows(CODES)
    qtmodeltester.check(model)
    assert model.columnCount() == len(Column)
    assert model.index(0, Column.CODE).data() == "I10"
    assert model.index(2, Column.NOTE).data() == "Category: choose a more specific code"
    assert model.index(2, Column.DESCRIPTION).data(Qt.ItemDataRole.ToolTipRole).endswith("specific code")
    assert model.index(2, Column.CODE).data(Qt.ItemDataRole.ForegroundRole) is not None  # muted
    assert model.index(0, Column.CODE).data(Qt.ItemDataRole.ForegroundRole) is None
    assert Emphasis.MUTED  # the emphasis used for codes not meant for a new record


def test_typing_searches_and_enter_selects(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks)
    assert dialog.model.rowCount() == 0 and not dialog.select_button.isEnabled()
    with qtbot.waitSignal(dialog.sig_results_shown, timeout=5000) as shown:
        qtbot.keyClicks(dialog.field, "hypert")
    assert shown.args == [3] and dialog.table.currentIndex().row() == 0
    assert dialog.select_button.isEnabled()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Down)
    assert dialog.table.currentIndex().row() == 1 and dialog.field.hasFocus()
    qtbot.keyClick(dialog.field, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Down)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.selected == CODES[1] and dialog.result() == QDialog.DialogCode.Accepted


def test_escape_cancels(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks)
    with qtbot.waitSignal(dialog.sig_results_shown, timeout=5000):
        qtbot.keyClicks(dialog.field, "I10")
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.field, Qt.Key.Key_Escape)
    assert dialog.selected is None


def test_double_click_accepts(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks)
    with qtbot.waitSignal(dialog.sig_results_shown, timeout=5000):
        dialog.field.setText("heart")
    index = dialog.model.index(1, Column.DESCRIPTION)
    rect = dialog.table.visualRect(index)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.selected == CODES[2]


def test_enter_before_the_results_takes_the_first_match(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks)
    dialog.field.setText("I10")  # debounce timer running, nothing searched yet
    assert dialog.pending
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.selected == CODES[0]


def test_stale_answers_are_dropped_and_searches_debounced(qtbot: Any, tasks: TaskRunner) -> None:
    release = threading.Event()
    asked: list[str] = []

    def search(text: str) -> list[Code]:
        asked.append(text)
        if text == "heart":
            release.wait(5)
        return fake_search(text)

    dialog = _picker(qtbot, tasks, search)
    dialog.field.setText("heart")
    qtbot.waitUntil(lambda: "heart" in asked, timeout=5000)  # running, blocked
    shown: list[int] = []
    dialog.sig_results_shown.connect(shown.append)
    qtbot.keyClicks(dialog.field, "X")  # "heartX": no match
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Backspace)  # "hea"
    release.set()
    qtbot.waitUntil(lambda: not dialog.pending, timeout=5000)
    assert asked == ["", "heart", "hea"]  # the keystrokes in between never searched
    assert shown == [2] and dialog.model.rowCount() == 2


def test_loading_message_while_the_list_is_built(qtbot: Any, tasks: TaskRunner) -> None:
    release = threading.Event()
    ready: list[bool] = []

    def search(text: str) -> list[Code]:
        if text:
            release.wait(5)
            ready.append(True)
        return fake_search(text)

    dialog = _picker(qtbot, tasks, search, is_ready=lambda: bool(ready))
    dialog.field.setText("I10")
    qtbot.waitUntil(lambda: dialog.status.text() == "Loading code list…", timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    assert dialog.status.text().startswith("1 code ")


def test_search_error_is_shown_not_raised(qtbot: Any, tasks: TaskRunner) -> None:
    def broken(text: str) -> list[Code]:
        if text:
            raise OSError("disk gone")
        return []

    dialog = _picker(qtbot, tasks, broken)
    dialog.field.setText("x")
    qtbot.waitUntil(lambda: not dialog.pending, timeout=5000)
    assert "went wrong" in dialog.status.text() and dialog.model.rowCount() == 0


def test_real_icd10_search(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks, icd10.search, is_ready=icd10.is_ready)
    with qtbot.waitSignal(dialog.sig_results_shown, timeout=20000):
        dialog.field.setText("type 2 diab")
    assert dialog.model.row_at(0).code.startswith("E11")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.selected is not None and dialog.selected.system == ICD10CM


def test_real_cvx_lists_vaccines_at_once(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = _picker(qtbot, tasks, cvx.search)
    assert dialog.model.rowCount() == 50  # an empty query lists the active vaccines (up to the limit)
    with qtbot.waitSignal(dialog.sig_results_shown, timeout=5000):
        qtbot.keyClicks(dialog.field, "mmr")
    assert dialog.model.row_at(0) == cvx.by_code("03").as_code()  # type: ignore[union-attr]
    assert dialog.model.row_at(0).system == CVX
