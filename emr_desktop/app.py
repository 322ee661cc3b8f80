"""Composition root: builds settings, the store, services and the window, and passes them in."""

from __future__ import annotations

import sys

from emr_desktop.config import Settings


def run_gui(settings: Settings) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from emr_desktop.db.store import ChartStore
    from emr_desktop.domain.errors import EmrError
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.services.registry import Services
    from emr_desktop.ui.idle import IdleLock
    from emr_desktop.ui.minimal_window import LoginDialog, MinimalWindow
    from emr_desktop.ui.session import SessionController
    from emr_desktop.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("emr-desktop")
    try:
        store = ChartStore.open(settings, KeyStore())
    except EmrError as err:
        QMessageBox.critical(None, "emr-desktop", err.full_message())
        return 1
    agent = _start_sync(store)
    try:
        services = Services.build(store.db)
        services.sync_status.agent = agent
        tasks = TaskRunner()
        current = services.practice.current()
        name = current.name if current else "emr-desktop"
        login = LoginDialog(services, tasks, name)
        if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
            return 0
        window = MinimalWindow(services, tasks, login.actor, name)
        idle = IdleLock(60 * (current.idle_lock_minutes if current else settings.idle_lock_minutes))
        app.installEventFilter(idle)
        SessionController(services, tasks, window, idle, name)
        window.show()
        if not settings.wants_full_verify(settings.db_path.stat().st_size):
            # Large chart: pages were spot-checked at open; verify all of them in the background.
            def damaged(exc: BaseException) -> None:
                window.lock()
                text = exc.full_message() if isinstance(exc, EmrError) else "The chart could not be verified."
                QMessageBox.critical(None, "emr-desktop", text)
                app.quit()

            tasks.run(store.verify_pages, lambda _r: None, damaged)
        return app.exec()
    finally:
        if agent is not None:
            agent.stop()
        store.close()


def _start_sync(store: object) -> object | None:
    """Background sync when this workstation is enrolled with a hub: on a timer and after each save."""
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.sync.agent import SyncAgent
    from emr_desktop.sync.client import is_enrolled
    from emr_desktop.sync.enroll import client_for

    if not is_enrolled(store.db):  # type: ignore[attr-defined]
        return None
    agent = SyncAgent(lambda: client_for(store, KeyStore()))  # type: ignore[arg-type]
    store.db.change_listeners.append(agent.nudge)  # type: ignore[attr-defined]
    agent.start()
    return agent
