"""The log-in window: wrong password, lockout, the authenticator row, waiting for the chart to open,
keyboard, the remembered user name; and start-up showing it before the chart is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from PySide6.QtCore import Qt

from emr_desktop.app import StartedApp, start_gui
from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore, StoreMeta
from emr_desktop.security.keystore import KeyStore
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice
from emr_desktop.ui.login import OPENING_TEXT, LoginDialog, WorkstationMemory
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD


def _dialog(qtbot: Any, services: Services | None, memory: WorkstationMemory | None = None
            ) -> tuple[LoginDialog, TaskRunner]:
    tasks = TaskRunner()
    dialog = LoginDialog(services, tasks, "Test Family Practice", memory=memory)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, tasks


def _click_login(qtbot: Any, dialog: LoginDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_wrong_password_then_right_one_and_the_user_name_is_remembered(
        qtbot: Any, services: Services, settings: Settings) -> None:
    memory = WorkstationMemory(settings.data_dir)
    dialog, tasks = _dialog(qtbot, services, memory)
    assert dialog.username.text() == "" and "Test Family Practice" in dialog.practice_label.text()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "not the password")
    _click_login(qtbot, dialog)
    qtbot.waitUntil(lambda: "User name or password is wrong" in dialog.message.text(), timeout=10000)
    assert dialog.actor is None and dialog.password.text() == "" and dialog.ok_button.isEnabled()
    assert "Caps Lock" in dialog.message.text()  # the hint comes with it
    qtbot.keyClicks(dialog.password, TEST_PASSWORD)
    with qtbot.waitSignals([dialog.sig_logged_in, dialog.accepted], timeout=10000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter logs in
    assert dialog.actor is not None and dialog.actor.username == "admin"
    # The next log-in window at this workstation offers the same user name, and nothing else.
    again, _ = _dialog(qtbot, services, WorkstationMemory(settings.data_dir))
    assert again.username.text() == "admin" and again.password.text() == ""
    assert again.focusWidget() is again.password
    assert "admin" in memory.path.read_text(encoding="utf-8")
    tasks.wait_for_idle()


def test_locked_account_is_explained(qtbot: Any, services: Services, admin: Any) -> None:
    from emr_desktop.domain.errors import AuthenticationFailed

    for _ in range(5):
        try:
            services.users.authenticate("admin", "wrong")
        except AuthenticationFailed:
            pass
    dialog, tasks = _dialog(qtbot, services)
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    _click_login(qtbot, dialog)
    qtbot.waitUntil(lambda: "locked" in dialog.message.text(), timeout=10000)
    assert "minute" in dialog.message.text() and dialog.actor is None
    tasks.wait_for_idle()


def test_the_code_row_appears_only_when_the_account_needs_it(qtbot: Any, services: Services,
                                                              admin: Any) -> None:
    enrollment = services.users.begin_totp_enrollment(admin, admin.user_id)
    totp = pyotp.TOTP(enrollment.secret)
    now = datetime.now(UTC)
    services.users.confirm_totp(admin, admin.user_id, totp.at(now - timedelta(seconds=30)))
    dialog, tasks = _dialog(qtbot, services)
    assert not dialog.code.isVisible()
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    _click_login(qtbot, dialog)
    qtbot.waitUntil(dialog.code.isVisible, timeout=10000)
    assert "6-digit code" in dialog.message.text() and dialog.actor is None
    assert dialog.password.text() == TEST_PASSWORD  # only the code is asked for now
    qtbot.keyClicks(dialog.code, totp.at(datetime.now(UTC)))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "admin"
    tasks.wait_for_idle()


def test_log_in_waits_for_the_chart_and_escape_quits(qtbot: Any, services: Services) -> None:
    dialog, tasks = _dialog(qtbot, None)
    dialog.set_opening()
    assert not dialog.ok_button.isEnabled() and dialog.message.text() == OPENING_TEXT
    dialog.username.setText("admin")
    dialog.password.setText(TEST_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # nothing to log in to yet
    assert dialog.isVisible() and dialog.actor is None
    dialog.set_ready(services, "Test Family Practice")
    assert dialog.ok_button.isEnabled() and dialog.message.text() == ""
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    other, _ = _dialog(qtbot, services)
    with qtbot.waitSignal(other.rejected, timeout=1000):
        qtbot.keyClick(other.username, Qt.Key.Key_Escape)
    tasks.wait_for_idle()


# --- start-up --------------------------------------------------------------------------------


def _set_up_chart(settings: Settings) -> str:
    store, _code = ChartStore.create(settings, KeyStore())
    initialize_practice(store.db, practice_name="Start-up Practice", workstation_name="desk-1",
                        admin_password=TEST_PASSWORD)
    store.close()
    return StoreMeta.load(settings.store_meta_path).store_id


def test_start_up_shows_log_in_at_once_and_opens_the_chart_behind_it(qtbot: Any,
                                                                     settings: Settings) -> None:
    _set_up_chart(settings)
    started: StartedApp = start_gui(settings)
    try:
        login = started.login
        assert login is not None and login.isVisible() and started.wizard is None
        assert started.store is None and not login.ok_button.isEnabled()  # not open yet
        assert login.message.text() == OPENING_TEXT
        with qtbot.waitSignal(started.sig_store_opened, timeout=20000):
            pass
        assert login.ok_button.isEnabled() and "Start-up Practice" in login.practice_label.text()
        login.username.setText("admin")
        login.password.setText(TEST_PASSWORD)
        with qtbot.waitSignal(started.sig_logged_in, timeout=10000):
            qtbot.mouseClick(login.ok_button, Qt.MouseButton.LeftButton)
        assert started.window is not None and started.window.isVisible()
        assert started.session is not None and started.session.actor.username == "admin"
    finally:
        started.close()
    # The practice name is remembered for the next start (shown before the chart is open).
    assert WorkstationMemory(settings.data_dir).practice_name == "Start-up Practice"


def test_a_chart_that_cannot_be_opened_is_explained_in_the_log_in_window(
        qtbot: Any, settings: Settings) -> None:
    store_id = _set_up_chart(settings)
    KeyStore().delete_key(store_id)  # e.g. a new keyring on this computer
    started = start_gui(settings)
    try:
        with qtbot.waitSignal(started.sig_start_failed, timeout=20000) as failed:
            pass
        login = started.login
        assert login is not None and login.isVisible()
        text = login.message.text()
        assert text == failed.args[0] == started.error
        assert "is not in this computer's keyring" in text and "emr-desktop recover" in text
        assert not login.ok_button.isEnabled() and started.store is None
    finally:
        started.close()
