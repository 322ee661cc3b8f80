"""Files the app writes on a user's say-so (exports, reports, saved PDFs) and its own small state
files: written whole or not at all, and readable by their owner only where the OS has permissions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

OWNER_ONLY = 0o600


def _owner_only(fd: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, OWNER_ONLY)  # also when the file already existed with a wider mode


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, owner_only: bool = True) -> None:
    """Write ``data`` next to ``path`` and rename it into place, so no half-written file is ever
    left under that name; fsynced, owner-only unless said otherwise."""
    part = path.with_name(path.name + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     OWNER_ONLY if owner_only else 0o666)
        try:
            if owner_only:
                _owner_only(fd)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


@contextmanager
def open_private(path: Path, mode: str = "w", **options: Any) -> Iterator[IO[Any]]:
    """``open(path, mode)`` for a file created (or truncated) readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), OWNER_ONLY)
    _owner_only(fd)
    with open(fd, mode, **options) as fh:
        yield fh
