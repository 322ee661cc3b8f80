"""The interim window: log in, search as you type, open a chart - all through the task runner."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from emr_desktop.services.registry import Services
from emr_desktop.ui.login import LoginDialog
from emr_desktop.ui.minimal_window import MinimalWindow
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD


def test_login_rejects_then_accepts(qtbot: Any, services: Services) -> None:
    tasks = TaskRunner()
    dialog = LoginDialog(services, tasks, "Test Family Practice")
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("wrong password")
    with qtbot.waitSignal(dialog.ok_button.clicked, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrong" in dialog.message.text(), timeout=10000)
    assert dialog.actor is None and dialog.password.text() == ""
    dialog.password.setText(TEST_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_search_and_open_chart(qtbot: Any, services: Services, provider: Any) -> None:
    p = services.patients.register(provider, family_name="Αλεξίου", given_name="Αλέξανδρος",
                                   birth_date=date(1970, 1, 1), sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="I10", display="Hypertension")
    services.allergies.create(provider, patient_id=p.id, substance="Sulfonamide", reaction="rash")
    tasks = TaskRunner()
    window = MinimalWindow(services, tasks, provider, "Test Family Practice")
    qtbot.addWidget(window)
    window.search.setText("αλεξ")
    qtbot.waitUntil(lambda: window.results.count() == 1, timeout=10000)
    assert "Αλεξίου" in window.results.item(0).text() and p.mrn in window.results.item(0).text()
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Hypertension" in window.chart.toPlainText(), timeout=10000)
    text = window.chart.toPlainText()
    assert "Sulfonamide" in text and p.mrn in text
    tasks.wait_for_idle()


def test_emergency_access_from_the_window(qtbot: Any, services: Services, provider: Any, admin: Any,
                                          monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QInputDialog

    p = services.patients.register(provider, family_name="Breakglass", given_name="Eve",
                                   birth_date=date(1950, 3, 3), sex="female")
    services.problems.create(provider, patient_id=p.id, icd10_code="I48.91", display="Atrial fibrillation")
    services.users.create_user(admin, username="desk", display_name="Front Desk", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk", TEST_PASSWORD)
    tasks = TaskRunner()
    window = MinimalWindow(services, tasks, desk, "Test Family Practice")
    qtbot.addWidget(window)
    window.show()
    window.search.setText("breakg")
    qtbot.waitUntil(lambda: window.results.count() == 1, timeout=10000)
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Not shown to your role" in window.chart.toPlainText(), timeout=10000)
    assert "Atrial fibrillation" not in window.chart.toPlainText() and window.emergency.isVisible()
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: ("patient collapsed at the desk, calling 911", True))
    qtbot.mouseClick(window.emergency, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Atrial fibrillation" in window.chart.toPlainText(), timeout=10000)
    assert not window.emergency.isVisible() and p.id in window.actor.emergency_patients
    tasks.wait_for_idle()
