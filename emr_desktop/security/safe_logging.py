"""Logging and crash reports that cannot carry patient data.

Code logs events and ids, never names or values. As a second line of defence, records and crash
reports here never include exception *messages* or log-call arguments from database drivers (either
may quote patient data): only exception types and the code locations of the traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

LOG_FILE = "emr-desktop.log"
CRASH_FILE = "crash.log"
_DB_LOGGERS = ("sqlalchemy", "alembic", "sqlcipher3", "keyring")


def describe_exception(exc_type: type[BaseException], exc: BaseException | None,
                       tb: TracebackType | None) -> str:
    """Type and stack (file, line, function) of an exception and its causes - no messages."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    current_type: type[BaseException] | None = exc_type
    current_tb = tb
    while current_type is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(f"{current_type.__module__}.{current_type.__qualname__}")
        for frame in traceback.extract_tb(current_tb):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        nxt = (current.__cause__ or current.__context__) if current is not None else None
        if nxt is None:
            break
        lines.append("caused by / during handling of:")
        current, current_type, current_tb = nxt, type(nxt), nxt.__traceback__
    return "\n".join(lines)


class PhiSafeFormatter(logging.Formatter):
    def formatException(self, ei: object) -> str:  # noqa: N802 - logging API
        exc_type, exc, tb = ei  # type: ignore[misc]
        return describe_exception(exc_type, exc, tb)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging API
        return ""


class PhiFilter(logging.Filter):
    """Drops the arguments of records from database and keyring libraries (they may be bound
    values) and keeps only the message template."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(_DB_LOGGERS) and record.args:
            record.msg = f"{record.msg} [arguments withheld]"
            record.args = None
        return True


def configure(log_dir: Path | None, *, level: int = logging.INFO) -> None:
    """Console warnings, and a rotating file in the profile's logs folder when one is given."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    formatter = PhiSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setLevel(logging.WARNING)
    if log_dir is not None:
        log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(log_dir / LOG_FILE, maxBytes=2_000_000,
                                                            backupCount=5, encoding="utf-8", delay=True)
        file_handler.setLevel(logging.DEBUG)
        handlers.append(file_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(PhiFilter())
        root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: warnings only
    logging.getLogger("emr_desktop").setLevel(level)


def install_crash_handler(log_dir: Path | None) -> None:
    """Unhandled exceptions: a short notice on stderr and a crash report without messages."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        report = describe_exception(exc_type, exc, tb)
        if log_dir is not None:
            try:
                log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                with open(log_dir / CRASH_FILE, "a", encoding="utf-8") as fh:
                    fh.write(report + "\n\n")
            except OSError:
                pass
        print(f"emr-desktop stopped after an internal error ({exc_type.__name__}). Nothing saved was "
              "lost. The report (no patient data) is in the logs folder.", file=sys.stderr)

    sys.excepthook = hook
