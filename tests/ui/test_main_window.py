"""The main window: log in, search as you type and open a chart, emergency access, the keyboard
(Ctrl+F, Ctrl+1..0, F5, Ctrl+W), the delayed busy indicator, stale chart loads, registration - all
through the task runner."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui import main_window as main_window_module
from emr_desktop.ui.chart.chart_view import TAB_CLASSES
from emr_desktop.ui.chart.problems_tab import ProblemsTab
from emr_desktop.ui.chart.summary_tab import SummaryTab
from emr_desktop.ui.login import LoginDialog
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.patients.registration import RegistrationDialog
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

PRACTICE = "Test Family Practice"
_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
_FLAT = (QAbstractTableModel, QAbstractListModel)  # no children (and hasChildren is private there)


# --- helpers shared with test_session.py and test_idle_lock.py ---------------------------------


def _model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> list[str]:
    parent = parent if parent is not None else QModelIndex()
    texts: list[str] = []
    for row in range(model.rowCount(parent)):
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)
        for column in range(columns):
            index = model.index(row, column, parent)
            texts += [str(value) for role in _ROLES if (value := model.data(index, role)) is not None]
            if column == 0 and not isinstance(model, _FLAT) and model.rowCount(index) > 0:
                texts += _model_texts(model, index)
    return texts


def window_texts(window: QWidget) -> list[str]:
    """Every text a user could read in the window: labels (and their tooltips), line edits, text
    edits, group box titles, the status bar message and every row of every item model."""
    texts = [window.windowTitle()]
    if hasattr(window, "statusBar"):
        texts.append(window.statusBar().currentMessage())
    models: dict[int, QAbstractItemModel] = {}
    for w in window.findChildren(QWidget):
        if isinstance(w, QLabel):
            texts += [w.text(), w.toolTip()]
        elif isinstance(w, QLineEdit):
            texts.append(w.text())
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            texts.append(w.toPlainText())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            models[id(w.model())] = w.model()
    for model in window.findChildren(QAbstractItemModel):
        models[id(model)] = model
    for model in models.values():
        texts += _model_texts(model)
    return texts


def shows_any(window: QWidget, *needles: str) -> list[str]:
    """The texts in the window that contain any of ``needles`` (case-insensitive)."""
    lowered = [n.casefold() for n in needles]
    return [t for t in window_texts(window) if any(n in t.casefold() for n in lowered)]


def open_by_search(qtbot: Any, window: MainWindow, query: str, patient: PatientDTO) -> None:
    """Type in the search field, wait for the results, press Enter, wait for the chart."""
    panel = window.panel
    window.panel.search.setText(query)
    qtbot.waitUntil(lambda: panel.showing_results and panel.results_model.rowCount() == 1, timeout=10000)
    assert panel.result_ids() == [patient.id]
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: chart.patient.id == patient.id):
        qtbot.keyClick(panel.search, Qt.Key.Key_Return)


def settle(qtbot: Any, tasks: TaskRunner) -> None:
    """Wait until no background work is running or waiting to be delivered (a result may start
    more work, e.g. a chart shown refreshes the recent patients), so none reaches a closed window."""
    tasks.wait_for_idle()
    qtbot.waitUntil(lambda: tasks.wait_for_idle() and not tasks._relays, timeout=10000)


def summary(window: MainWindow) -> dict[str, list[str]]:
    return window.chart_view.tab(SummaryTab).panel_texts()  # type: ignore[attr-defined]


# --- fixtures and local helpers ------------------------------------------------------------


@pytest.fixture
def tasks() -> Any:
    runner = TaskRunner()
    yield runner
    runner.wait_for_idle()


def _window(qtbot: Any, services: Services, tasks: TaskRunner, actor: Any, *, show: bool = True) -> MainWindow:
    window = MainWindow(services, tasks, actor, PRACTICE, sync_autostart=False)
    qtbot.addWidget(window)
    if show:
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window


def _register(services: Services, actor: Any, family: str, given: str, born: date = date(1970, 1, 1),
              sex: str = "female") -> PatientDTO:
    return services.patients.register(actor, family_name=family, given_name=given, birth_date=born, sex=sex)


def _open(qtbot: Any, window: MainWindow, patient: PatientDTO) -> None:
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: chart.patient.id == patient.id):
        window.open_patient(patient.id)


# --- log in, search, open ------------------------------------------------------------------


def test_log_in_then_the_window_belongs_to_that_user(qtbot: Any, services: Services, tasks: TaskRunner) -> None:
    dialog = LoginDialog(services, tasks, PRACTICE)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("wrong password")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrong" in dialog.message.text(), timeout=10000)
    assert dialog.actor is None and dialog.password.text() == ""
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.actor.username == "admin"
    window = _window(qtbot, services, tasks, dialog.actor)
    assert window.actor.username == "admin" and not window.locked
    assert window.windowTitle() == f"emr-desktop - {PRACTICE} - Practice Administrator"
    assert window.stack.currentWidget() is window.welcome and window.chart_view.chart is None
    assert QApplication.focusWidget() is window.panel.search
    settle(qtbot, tasks)


def test_search_as_you_type_and_enter_opens_the_chart(qtbot: Any, services: Services, provider: Any,
                                                      tasks: TaskRunner) -> None:
    p = _register(services, provider, "Αλεξίου", "Αλέξανδρος", sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="I10", display="Hypertension")
    services.allergies.create(provider, patient_id=p.id, substance="Sulfonamide", reaction="rash")
    window = _window(qtbot, services, tasks, provider)
    open_by_search(qtbot, window, "αλεξ", p)
    model = window.panel.results_model
    row = " ".join(_model_texts(model))
    assert "Αλεξίου" in row and p.mrn in row
    view = window.chart_view
    assert window.stack.currentWidget() is view and view.chart is not None and view.chart.patient.id == p.id
    assert view.tabs.currentIndex() == 0  # the Summary tab
    assert view.banner.name.text() == p.display_name and view.banner.mrn.text() == f"MRN {p.mrn}"
    assert "Sulfonamide" in view.banner.allergies.text()
    texts = summary(window)
    assert any("Hypertension (I10)" in t for t in texts["Active problems"])
    assert any("Sulfonamide" in t and "rash" in t for t in texts["Allergies"])
    assert not view.emergency_bar.isVisible()
    # Opening the chart makes the patient one of the user's recent patients.
    window.panel.search.clear()
    qtbot.waitUntil(lambda: window.panel.recent.count() == 1, timeout=10000)
    assert "Αλεξίου" in window.panel.recent.item(0).text()
    settle(qtbot, tasks)


def test_emergency_access_from_the_window(qtbot: Any, services: Services, provider: Any, admin: Any,
                                          tasks: TaskRunner, monkeypatch: Any) -> None:
    p = _register(services, provider, "Breakglass", "Eve", date(1950, 3, 3))
    services.problems.create(provider, patient_id=p.id, icd10_code="I48.91", display="Atrial fibrillation")
    services.users.create_user(admin, username="desk", display_name="Front Desk", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk", TEST_PASSWORD)
    window = _window(qtbot, services, tasks, desk)
    view = window.chart_view
    open_by_search(qtbot, window, "breakg", p)
    assert view.emergency_bar.isVisible() and view.emergency_button.isVisible()
    assert "not shown to your role" in view.emergency_label.text()
    assert "problems" in view.chart.withheld  # type: ignore[union-attr]
    assert summary(window)["Active problems"] == ["Not available to your role"]
    assert not shows_any(window, "Atrial fibrillation")

    asked: list[str] = []

    def get_text(_parent: Any, title: str, *_a: Any, **_k: Any) -> tuple[str, bool]:
        asked.append(title)
        return "patient collapsed at the desk, calling 911", True

    monkeypatch.setattr("emr_desktop.ui.chart.chart_view.QInputDialog.getText", get_text)
    with qtbot.waitSignal(view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: "problems" not in chart.withheld):
        qtbot.mouseClick(view.emergency_button, Qt.MouseButton.LeftButton)
    assert asked == ["Emergency access"]
    assert any("Atrial fibrillation" in t for t in summary(window)["Active problems"])
    assert not view.emergency_bar.isVisible()
    assert p.id in window.actor.emergency_patients and p.id in window.ctx.actor.emergency_patients
    assert "Emergency access granted" in window.statusBar().currentMessage()
    settle(qtbot, tasks)


def test_emergency_access_cancelled_changes_nothing(qtbot: Any, services: Services, provider: Any,
                                                   admin: Any, tasks: TaskRunner, monkeypatch: Any) -> None:
    p = _register(services, provider, "Breakglass", "Eve", date(1950, 3, 3))
    services.users.create_user(admin, username="desk", display_name="Front Desk", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk", TEST_PASSWORD)
    window = _window(qtbot, services, tasks, desk)
    _open(qtbot, window, p)
    monkeypatch.setattr("emr_desktop.ui.chart.chart_view.QInputDialog.getText", lambda *a, **k: ("", True))
    window.chart_view.ask_emergency_access()  # an empty reason is no reason
    monkeypatch.setattr("emr_desktop.ui.chart.chart_view.QInputDialog.getText", lambda *a, **k: ("x", False))
    window.chart_view.ask_emergency_access()  # cancelled
    tasks.wait_for_idle()
    assert not window.actor.emergency_patients and window.chart_view.emergency_bar.isVisible()
    settle(qtbot, tasks)


# --- keyboard ------------------------------------------------------------------------------


def test_ctrl_f_from_anywhere_focuses_the_search_field(qtbot: Any, services: Services, provider: Any,
                                                       tasks: TaskRunner) -> None:
    p = _register(services, provider, "Findme", "Fay")
    window = _window(qtbot, services, tasks, provider)
    _open(qtbot, window, p)
    window.panel.search.setText("findme")
    qtbot.waitUntil(lambda: window.panel.showing_results, timeout=10000)
    problems = window.chart_view.show_tab(ProblemsTab)
    for start in (window.chart_view.tabs.tabBar(), problems, window.panel.new_patient):
        start.setFocus(Qt.FocusReason.OtherFocusReason)
        qtbot.waitUntil(lambda s=start: QApplication.focusWidget() is s or s.isAncestorOf(
            QApplication.focusWidget()), timeout=1000)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert QApplication.focusWidget() is window.panel.search
        assert window.panel.search.selectedText() == "findme"  # typing replaces the old query
    window.chart_view.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F3)
    assert QApplication.focusWidget() is window.panel.search
    settle(qtbot, tasks)


def test_ctrl_digit_switches_chart_tabs(qtbot: Any, services: Services, provider: Any,
                                        tasks: TaskRunner) -> None:
    p = _register(services, provider, "Tabby", "Tom", sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="E78.5", display="Hyperlipidemia")
    window = _window(qtbot, services, tasks, provider)
    _open(qtbot, window, p)
    view = window.chart_view
    focus = view.tabs.tabBar()
    focus.setFocus()
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6,
            Qt.Key.Key_7, Qt.Key.Key_8, Qt.Key.Key_9, Qt.Key.Key_0]
    assert len(TAB_CLASSES) >= len(keys)
    for index in reversed(range(len(keys))):  # from the end so every key changes the tab
        qtbot.keyClick(QApplication.focusWidget() or focus, keys[index], Qt.KeyboardModifier.ControlModifier)
        assert view.tabs.currentIndex() == index, f"Ctrl+{(index + 1) % 10}"
        assert isinstance(view.tabs.currentWidget(), TAB_CLASSES[index])
        assert view.tab_widgets[index].chart is view.chart  # the tab is filled when shown
    # The tab opened with Ctrl+6 shows the same chart as the summary.
    problems = view.tab(ProblemsTab)
    assert problems.chart is not None and problems.chart.patient.id == p.id
    assert any("Hyperlipidemia" in t for t in _model_texts(problems.findChild(QAbstractItemView).model()))
    settle(qtbot, tasks)


def test_f5_reloads_the_open_chart(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    p = _register(services, provider, "Reload", "Ray", sex="male")
    window = _window(qtbot, services, tasks, provider)
    _open(qtbot, window, p)
    assert summary(window)["Active problems"] == ["No active problems"]
    # Another workstation's change arrives (or is saved elsewhere): F5 reads the chart afresh.
    services.problems.create(provider, patient_id=p.id, icd10_code="J30.9", display="Allergic rhinitis")
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)
    assert any("Allergic rhinitis" in t for t in summary(window)["Active problems"])
    assert window.chart_view.chart is not None and window.chart_view.chart.patient.id == p.id
    settle(qtbot, tasks)


def _open_then_close(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner,
                     key: Qt.Key) -> None:
    p = _register(services, provider, "Closeable", "Cora")
    services.allergies.create(provider, patient_id=p.id, substance="Latex", reaction="hives")
    window = _window(qtbot, services, tasks, provider)
    _open(qtbot, window, p)
    view = window.chart_view
    view.tabs.tabBar().setFocus()
    with qtbot.waitSignal(view.sig_chart_closed, timeout=1000):
        qtbot.keyClick(QApplication.focusWidget() or window, key, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.welcome and window.welcome.isVisible()
    assert view.chart is None and view.patient_id is None
    banner = view.banner
    assert [banner.name.text(), banner.details.text(), banner.mrn.text(), banner.allergies.text(),
            banner.alerts.text(), banner.coverage.text()] == [""] * 6
    assert all(t.chart is None for t in view.tab_widgets)
    assert all(texts in ([], [""]) for texts in summary(window).values())
    assert QApplication.focusWidget() is window.panel.search
    settle(qtbot, tasks)
    # Nothing of the chart is left anywhere but in the user's own recent-patients list.
    assert [window.panel.recent.item(i).text() for i in range(window.panel.recent.count())] == [
        f"{p.display_name}   {p.birth_date:%m/%d/%Y} ({p.age_on(date.today())} y)   MRN {p.mrn}"]
    window.panel.recent.clear()
    assert not shows_any(window, "Closeable", "Latex", p.mrn)
    # F5 with no chart open does nothing.
    qtbot.keyClick(window.panel.search, Qt.Key.Key_F5)
    tasks.wait_for_idle()
    assert view.chart is None and window.stack.currentWidget() is window.welcome
    settle(qtbot, tasks)


def test_ctrl_f4_closes_the_chart(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    _open_then_close(qtbot, services, provider, tasks, Qt.Key.Key_F4)


def test_ctrl_w_closes_the_chart(qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    _open_then_close(qtbot, services, provider, tasks, Qt.Key.Key_W)


# --- busy indicator, stale loads, registration --------------------------------------------------


def test_busy_indicator_only_for_work_longer_than_the_delay(qtbot: Any, services: Services, provider: Any,
                                                           tasks: TaskRunner, monkeypatch: Any) -> None:
    assert main_window_module.BUSY_INDICATOR_DELAY_MS == 1000
    monkeypatch.setattr(main_window_module, "BUSY_INDICATOR_DELAY_MS", 30)
    window = _window(qtbot, services, tasks, provider)
    tasks.wait_for_idle()
    qtbot.waitUntil(lambda: not window._busy_timer.isActive(), timeout=5000)  # start-up reads are done
    window.busy.hide()
    assert window._busy_timer.interval() == 30 and window._busy_timer.isSingleShot()
    # Short work: finished before the delay, so the indicator never shows.
    window._busy_changed(True)
    assert not window.busy.isVisible()
    window._busy_changed(False)
    assert not window._busy_timer.isActive() and not window.busy.isVisible()
    # Long work: the indicator appears after the delay and goes away when the work is done.
    window._busy_changed(True)
    assert not window.busy.isVisible() and window._busy_timer.isActive()
    qtbot.waitUntil(window.busy.isVisible, timeout=5000)
    window._busy_changed(False)
    assert not window.busy.isVisible() and not window._busy_timer.isActive()
    # Real work reports through the chart context.
    p = _register(services, provider, "Busy", "Bea")
    with qtbot.waitSignals([(window.ctx.sig_busy_changed, "started"), (window.ctx.sig_busy_changed, "done")],
                           timeout=10000, check_params_cbs=[lambda b: b is True, lambda b: b is False]):
        window.open_patient(p.id)
    tasks.wait_for_idle()
    qtbot.waitUntil(lambda: not window.busy.isVisible() and not window._busy_timer.isActive(), timeout=5000)
    settle(qtbot, tasks)


def test_a_chart_load_that_finishes_after_another_patient_was_opened_is_ignored(
        qtbot: Any, services: Services, provider: Any, tasks: TaskRunner) -> None:
    a = _register(services, provider, "Stalechart", "Alma")
    b = _register(services, provider, "Freshchart", "Bert", sex="male")
    services.problems.create(provider, patient_id=a.id, icd10_code="K21.9", display="Reflux")
    window = _window(qtbot, services, tasks, provider)
    view = window.chart_view
    chart_of_a = services.chart.load(provider, a.id)
    _open(qtbot, window, a)
    window.open_patient(b.id)
    view._loaded(chart_of_a)  # A's load comes back after the user chose B
    assert view.chart is None and view.banner.name.text() == ""
    assert not shows_any(window, "Stalechart", "Reflux")
    qtbot.waitUntil(lambda: view.chart is not None and view.chart.patient.id == b.id, timeout=10000)
    with qtbot.assertNotEmitted(view.sig_chart_shown):
        view._loaded(chart_of_a)  # ... or even after B is on screen
    assert view.chart is not None and view.chart.patient.id == b.id
    assert view.banner.name.text() == b.display_name
    settle(qtbot, tasks)
    window.panel.recent.clear()  # A is one of the user's recent patients, rightly
    assert not shows_any(window, "Stalechart", "Reflux")
    settle(qtbot, tasks)


def test_registration_from_the_window_opens_the_new_chart(qtbot: Any, services: Services, provider: Any,
                                                          tasks: TaskRunner, monkeypatch: Any) -> None:
    window = _window(qtbot, services, tasks, provider)
    new = _register(services, provider, "Newcomer", "Nia")
    seen: list[RegistrationDialog] = []

    def accept(dialog: RegistrationDialog) -> int:
        seen.append(dialog)
        dialog.registered = new
        return QDialog.DialogCode.Accepted.value  # what exec() returns: an int

    monkeypatch.setattr(RegistrationDialog, "exec", accept)
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: chart.patient.id == new.id):
        qtbot.mouseClick(window.panel.new_patient, Qt.MouseButton.LeftButton)
    assert len(seen) == 1 and window.stack.currentWidget() is window.chart_view
    assert window.chart_view.banner.name.text() == new.display_name

    # Ctrl+N does the same; choosing a possible duplicate opens that chart instead.
    def open_existing(dialog: RegistrationDialog) -> int:
        seen.append(dialog)
        dialog.open_existing_id = other.id
        return QDialog.DialogCode.Accepted.value

    other = _register(services, provider, "Existing", "Ezra", sex="male")
    monkeypatch.setattr(RegistrationDialog, "exec", open_existing)
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: chart.patient.id == other.id):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 2

    # Cancelled: the open chart stays.
    monkeypatch.setattr(RegistrationDialog, "exec", lambda _d: QDialog.DialogCode.Rejected.value)
    window.register_patient()
    tasks.wait_for_idle()
    assert window.chart_view.chart is not None and window.chart_view.chart.patient.id == other.id
    settle(qtbot, tasks)


# --- leaving a chart with a note half written; locking with a dialog open ---------------------


def _start_note(qtbot: Any, services: Services, provider: Any, window: MainWindow, patient: PatientDTO,
                text: str) -> Any:
    from emr_desktop.ui.chart.encounters_tab import EncountersTab

    services.encounters.start(provider, patient.id, "office-visit", reason="Follow-up")
    _open(qtbot, window, patient)
    tab = window.chart_view.show_tab(EncountersTab)
    editor = tab.editor
    qtbot.waitUntil(lambda: editor.encounter_id is not None, timeout=10000)
    editor.edits["subjective"].setPlainText(text)
    assert window.chart_view.has_unsaved_changes()
    return tab


def test_opening_another_chart_asks_about_the_unsaved_note(qtbot: Any, services: Services, provider: Any,
                                                           tasks: TaskRunner, monkeypatch: Any) -> None:
    from emr_desktop.ui.chart import chart_view as chart_view_module

    a = _register(services, provider, "Halfwritten", "Hana")
    b = _register(services, provider, "Nextpatient", "Ned", sex="male")
    window = _window(qtbot, services, tasks, provider)
    _start_note(qtbot, services, provider, window, a, "Knee pain for two weeks.")
    buttons = QMessageBox.StandardButton
    answers = [buttons.Cancel, buttons.Save]
    monkeypatch.setattr(chart_view_module.QMessageBox, "question", lambda *_a, **_k: answers.pop(0))
    window.open_patient(b.id)                     # Cancel: stay on A with the text
    assert window.chart_view.patient_id == a.id and window.chart_view.has_unsaved_changes()
    with qtbot.waitSignal(window.chart_view.sig_chart_shown, timeout=10000,
                          check_params_cb=lambda chart: chart.patient.id == b.id):
        window.open_patient(b.id)                 # Save: the draft is kept, then B opens
    settle(qtbot, tasks)
    [note] = services.notes.list_for_patient(provider, a.id)
    assert note.status == "draft" and note.subjective == "Knee pain for two weeks."
    assert not answers


def test_idle_lock_keeps_the_note_as_a_draft_and_closes_open_dialogs(qtbot: Any, services: Services,
                                                                    provider: Any, tasks: TaskRunner) -> None:
    from emr_desktop.ui.patients.registration import RegistrationDialog

    a = _register(services, provider, "Lockdraft", "Lena")
    window = _window(qtbot, services, tasks, provider)
    _start_note(qtbot, services, provider, window, a, "Dizzy when standing up.")
    dialog = RegistrationDialog(services, tasks, window.actor, window)
    dialog.edits["family_name"].setText("Lockdraft")
    dialog.show()
    window.lock()
    assert not dialog.isVisible() and not window.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected   # its owner drops it once exec() returns
    dialog.setParent(None)
    dialog.deleteLater()
    assert not shows_any(window, "Lockdraft", "Dizzy")
    settle(qtbot, tasks)
    [note] = services.notes.list_for_patient(provider, a.id)   # saved before the session ended
    assert note.status == "draft" and note.subjective == "Dizzy when standing up."
    assert note.author_id == provider.user_id


def test_emergency_access_is_dropped_when_the_user_changed_during_the_question(
        qtbot: Any, services: Services, provider: Any, admin: Any, tasks: TaskRunner, monkeypatch: Any) -> None:
    from emr_desktop.ui.chart import chart_view as chart_view_module

    p = _register(services, provider, "Askedwhile", "Ari")
    services.users.create_user(admin, username="desk2", display_name="Desk Two", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk2", TEST_PASSWORD)
    window = _window(qtbot, services, tasks, desk)
    _open(qtbot, window, p)
    assert window.chart_view.chart.withheld

    def answer_after_a_user_switch(*_a: Any, **_k: Any) -> tuple[str, bool]:
        window.lock()
        window.unlock(provider)                  # someone else logged in meanwhile
        return ("patient unresponsive", True)

    monkeypatch.setattr(chart_view_module.QInputDialog, "getText", answer_after_a_user_switch)
    window.chart_view.ask_emergency_access()
    settle(qtbot, tasks)
    assert not window.actor.emergency_patients and window.actor.user_id == provider.user_id
    assert not desk.emergency_patients


def test_an_idle_window_checkpoints_the_database_and_a_busy_one_waits(
        qtbot: Any, services: Services, provider: Any, tasks: TaskRunner, monkeypatch: Any) -> None:
    calls: list[str] = []
    monkeypatch.setattr(services.db, "checkpoint", lambda: calls.append("checkpoint") or (1, 1))
    window = _window(qtbot, services, tasks, provider)
    settle(qtbot, tasks)
    assert window._checkpoint_timer.isActive()
    assert window.checkpoint_when_idle()
    qtbot.waitUntil(lambda: calls == ["checkpoint"], timeout=5000)
    window.panel.refresh()                       # background reads pending: not now
    assert tasks.pending and not window.checkpoint_when_idle()
    settle(qtbot, tasks)
    assert calls == ["checkpoint"]
