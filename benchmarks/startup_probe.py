"""One cold start of the desktop app, timed from inside (run by benchmarks/startup_bench.py).

The parent passes ``--t0``: its ``time.time()`` just before it spawned this process. This process
then does what ``emr-desktop --data-dir D gui`` does - the console script's imports
(``emr_desktop.cli``), its log set-up, then ``emr_desktop.app.start_gui`` (the path ``run_gui``
runs before the event loop) - and runs the event loop until the chart is open. It prints one JSON
line: seconds since t0 until

- ``interpreter_s``: this module's first line ran (Python itself started);
- ``shown_s``: the log-in window is visible and its first paint has been delivered;
- ``ready_s``: the chart is open and log-in is enabled (``StartedApp.sig_store_opened``).

Keyring: the parent points the environment at the data set's plaintext keyring file (synthetic
data only; see benchmarks/README.md).
"""

from __future__ import annotations

import time

ENTERED = time.time()

import argparse  # noqa: E402 - timed from the first line
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--t0", type=float, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    result: dict[str, object] = {"interpreter_s": ENTERED - args.t0, "shown_s": None,
                                 "ready_s": None, "error": None}

    import emr_desktop.cli  # noqa: F401 - the console script imports it before anything else
    from emr_desktop.config import Settings
    from emr_desktop.security.safe_logging import configure, install_crash_handler

    settings = Settings(data_dir=Path(args.data_dir))
    configure(settings.log_dir)
    install_crash_handler(settings.log_dir)

    from PySide6.QtCore import QEvent, QObject, QTimer

    from emr_desktop.app import start_gui

    started = start_gui(settings)
    login = started.login
    if login is None:
        print(json.dumps({**result, "error": "no log-in window (first-run wizard shown?)"}))
        return 1
    app = started.app

    def now() -> float:
        return time.time() - args.t0

    def record_shown() -> None:
        if result["shown_s"] is None and login.isVisible():
            result["shown_s"] = now()
            finish_if_done()

    class PaintWatcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint and result["shown_s"] is None:
                # Runs before the paint: record once the paint and this event are through.
                QTimer.singleShot(0, record_shown)
            return False

    def ready() -> None:
        result["ready_s"] = now()
        finish_if_done()

    def failed(text: str) -> None:
        result["error"] = text.splitlines()[0] if text else "start-up failed"
        app.quit()

    def finish_if_done() -> None:
        if result["shown_s"] is not None and result["ready_s"] is not None:
            app.quit()

    watcher = PaintWatcher()
    login.installEventFilter(watcher)
    if login.isVisible():
        login.update()
    started.sig_store_opened.connect(ready)
    started.sig_start_failed.connect(failed)
    QTimer.singleShot(int(args.timeout * 1000), app.quit)
    app.exec()
    started.close()
    if result["error"] is None and (result["shown_s"] is None or result["ready_s"] is None):
        result["error"] = f"timed out after {args.timeout:g} s"
    print(json.dumps(result))
    return 0 if result["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
