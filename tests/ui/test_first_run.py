"""First run: with no chart in the data folder, start-up shows the set-up wizard. A new practice
gets an encrypted chart and its recovery key (shown once, must be acknowledged); joining a hub
downloads the practice's chart with an enrollment code; failures leave nothing behind. Then the
normal log-in works."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWizard

from emr_desktop.app import StartedApp, start_gui
from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.security.keystore import KeyStore, key_from_recovery_code
from emr_desktop.ui.setup import wizard as wizard_mod
from emr_desktop.ui.setup.wizard import SetupWizard
from tests.conftest import TEST_PASSWORD
from tests.sync.harness import first_workstation, make_hub


def _next(qtbot: Any, wizard: SetupWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _commit(qtbot: Any, wizard: SetupWizard) -> None:
    button = wizard.button(QWizard.WizardButton.CommitButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _started_wizard(qtbot: Any, settings: Settings) -> tuple[StartedApp, SetupWizard]:
    started = start_gui(settings)
    wizard = started.wizard
    assert wizard is not None and wizard.isVisible() and started.login is None
    return started, wizard


def _log_in(qtbot: Any, started: StartedApp, username: str, password: str) -> None:
    login = started.login
    assert login is not None and login.isVisible()
    if not login.ready:
        with qtbot.waitSignal(started.sig_store_opened, timeout=20000):
            pass
    login.username.setText(username)
    login.password.setText(password)
    with qtbot.waitSignal(started.sig_logged_in, timeout=10000):
        qtbot.mouseClick(login.ok_button, Qt.MouseButton.LeftButton)
    assert started.window is not None and started.window.isVisible()


def test_new_practice_then_recovery_key_then_log_in(qtbot: Any, settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    started, wizard = _started_wizard(qtbot, settings)
    try:
        assert wizard.currentId() == wizard_mod.CHOOSE_PAGE and wizard.choose.new_practice.isChecked()
        _next(qtbot, wizard)
        page = wizard.new_page
        assert wizard.currentId() == wizard_mod.NEW_PAGE
        qtbot.keyClicks(page.practice_name, "Harbour Family Clinic")
        page.workstation_name.setText("front-desk")
        page.admin_name.setText("Robin Admin")
        qtbot.keyClicks(page.password, "short")
        assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
        assert "at least 8 characters" in page.message.text()
        page.password.setText(TEST_PASSWORD)
        qtbot.keyClicks(page.password_again, TEST_PASSWORD + "x")
        assert "not the same" in page.message.text()
        page.password_again.setText(TEST_PASSWORD)
        assert page.message.text() == ""
        _commit(qtbot, wizard)
        qtbot.waitUntil(lambda: wizard.currentId() == wizard_mod.KEY_PAGE, timeout=20000)
        assert settings.db_path.exists() and page.password.text() == ""

        key_page = wizard.key_page
        shown = key_page.key.text().replace("\n", "")
        assert wizard.created is not None and shown == wizard.created.recovery_code
        assert "log in as 'admin'" in key_page.note.text()
        qtbot.mouseClick(key_page.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == shown
        # Printing goes to the printer the dialog returns (a PDF here; the app writes no file).
        from PySide6.QtPrintSupport import QPrinter

        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        monkeypatch.setattr("emr_desktop.ui.setup.new_practice.ask_printer", lambda _parent: printer)
        qtbot.mouseClick(key_page.print_button, Qt.MouseButton.LeftButton)
        assert (tmp_path / "printed.pdf").stat().st_size > 0
        assert shown in key_page.document().toPlainText()
        # The key cannot be skipped: no Finish until it is acknowledged, and Escape does nothing.
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert not finish.isEnabled()
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
        assert wizard.isVisible()
        key_page.stored.setChecked(True)
        assert finish.isEnabled()
        # The key really opens the chart.
        store = ChartStore.open(settings, KeyStore())
        store.close()
        assert key_from_recovery_code(shown)

        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
        assert not wizard.isVisible() and key_page.key.text() == ""
        login = started.login
        assert login is not None and login.username.text() == "admin"
        _log_in(qtbot, started, "admin", TEST_PASSWORD)
        assert started.practice_name == "Harbour Family Clinic"
        assert started.session is not None and started.session.actor.display_name == "Robin Admin"
    finally:
        started.close()


def test_join_a_hub_then_log_in_as_practice_staff(qtbot: Any, settings: Settings,
                                                  tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    first = first_workstation(hub, tmp_path / "first")  # the hub holds the practice now
    first.close()
    started, wizard = _started_wizard(qtbot, settings)
    try:
        wizard.choose.join.setChecked(True)
        _next(qtbot, wizard)
        page = wizard.join_page
        assert wizard.currentId() == wizard_mod.JOIN_PAGE
        page.address.setText(f"sqlite:///{tmp_path / 'hub.db'}")
        page.code.setText(hub.create_enroll_code("exam-2"))
        page.workstation_name.setText("exam-2")
        seen: list[tuple[int, object]] = []
        page._relay.sig_progress_reported.connect(lambda done, total: seen.append((done, total)))
        _commit(qtbot, wizard)
        assert page.progress.isVisible() and not page.address.isEnabled()
        qtbot.waitUntil(lambda: wizard.currentId() == wizard_mod.KEY_PAGE, timeout=30000)
        assert seen and seen[-1][0] > 0
        assert "Sync Test Practice" in wizard.key_page.note.text()
        assert wizard.key_page.key.text()
        wizard.key_page.stored.setChecked(True)
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
        _log_in(qtbot, started, "doc", TEST_PASSWORD)
        assert started.agent is not None  # enrolled: background sync runs
    finally:
        started.close()


def _keyring_entries() -> set[tuple[str, str]]:
    path = Path(keyring.get_keyring().file_path)
    kept = configparser.ConfigParser()
    if path.exists():
        kept.read(path, encoding="utf-8")
    return {(s, name) for s in kept.sections() if s != "keyring-setting" for name in kept[s]}


def _nothing_left(settings: Settings, keyring_before: set[tuple[str, str]]) -> None:
    """No file in the data folder (or no folder); no new chart key or hub credential in the keyring."""
    left = sorted(p.name for p in settings.data_dir.iterdir()) if settings.data_dir.exists() else []
    assert left == []
    assert _keyring_entries() == keyring_before


def test_a_wrong_code_or_an_unreachable_hub_is_explained_and_leaves_nothing(
        qtbot: Any, settings: Settings, tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    started, wizard = _started_wizard(qtbot, settings)
    before = _keyring_entries()
    try:
        wizard.choose.join.setChecked(True)
        _next(qtbot, wizard)
        page = wizard.join_page
        page.address.setText(f"sqlite:///{tmp_path / 'hub.db'}")
        page.code.setText("AAAA-BBBB-CCCC-DDDD")
        _commit(qtbot, wizard)
        qtbot.waitUntil(lambda: "not valid for this hub" in page.message.text(), timeout=20000)
        assert wizard.currentId() == wizard_mod.JOIN_PAGE and page.address.isEnabled()
        assert not page.progress.isVisible()
        _nothing_left(settings, before)

        page.address.setText("https://127.0.0.1:9")  # nothing listens there
        page.code.setText(hub.create_enroll_code("exam-3"))
        _commit(qtbot, wizard)
        qtbot.waitUntil(lambda: "cannot be reached" in page.message.text(), timeout=30000)
        assert wizard.currentId() == wizard_mod.JOIN_PAGE
        _nothing_left(settings, before)
        with qtbot.waitSignal(wizard.rejected, timeout=1000):
            qtbot.mouseClick(wizard.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    finally:
        started.close()


def test_a_download_that_breaks_off_removes_the_part_made_chart(
        qtbot: Any, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from emr_desktop.domain.errors import EmrError
    from emr_desktop.sync.client import SyncClient

    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    first_workstation(hub, tmp_path / "first").close()

    def broken(self: SyncClient, progress: Any = None) -> int:
        raise EmrError("The practice hub stopped answering.")

    monkeypatch.setattr(SyncClient, "bootstrap", broken)
    started, wizard = _started_wizard(qtbot, settings)
    before = _keyring_entries()
    try:
        wizard.choose.join.setChecked(True)
        _next(qtbot, wizard)
        page = wizard.join_page
        page.address.setText(f"sqlite:///{tmp_path / 'hub.db'}")
        page.code.setText(hub.create_enroll_code("exam-4"))
        _commit(qtbot, wizard)
        qtbot.waitUntil(lambda: "stopped answering" in page.message.text(), timeout=30000)
        assert "ask the administrator for a new one" in page.message.text()
        _nothing_left(settings, before)
    finally:
        started.close()
