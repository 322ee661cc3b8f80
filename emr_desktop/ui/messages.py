"""What the user is told when an action fails: the typed error's own message and hint, or a plain
sentence for anything unexpected (never a traceback, never PHI)."""

from __future__ import annotations

from emr_desktop.domain.errors import EmrError

UNEXPECTED = "Something went wrong; nothing was saved. Try again, or ask your administrator."


def error_text(exc: BaseException, fallback: str = UNEXPECTED) -> str:
    return exc.full_message() if isinstance(exc, EmrError) else fallback
