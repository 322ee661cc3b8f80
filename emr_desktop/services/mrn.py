"""Medical record numbers: 7 digits from a block reserved for this workstation, plus a Luhn check
digit so a mistyped MRN is caught at the desk. Blocks come from the hub once enrolled (the sync
issue); a stand-alone workstation reserves a local block at set-up."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import luhn

from emr_desktop.domain.errors import EmrError, ValidationError
from emr_desktop.models.sync import MrnBlock

LOCAL_BLOCK = (1_000_000, 1_999_999)


class MrnExhausted(EmrError):
    def __init__(self) -> None:
        super().__init__(
            "This workstation has no medical record numbers left to give out.",
            "Connect to the practice network and sync; a new block is reserved automatically.",
        )


def format_mrn(number: int) -> str:
    body = f"{number:07d}"
    return body + luhn.calc_check_digit(body)


def is_valid_mrn(text: str) -> bool:
    return len(text) == 8 and text.isdigit() and luhn.is_valid(text)


def validate_mrn(text: str) -> str:
    text = text.strip()
    if not is_valid_mrn(text):
        raise ValidationError("That MRN is not valid (8 digits; the last one is a check digit).", "mrn")
    return text


def reserve_block(session: Session, first: int, last: int, source: str) -> None:
    session.add(MrnBlock(first=first, last=last, next_value=first, source=source,
                         reserved_at=datetime.now(UTC)))


def allocate(session: Session, count: int = 1) -> list[str]:
    """Take ``count`` MRNs in the caller's unit of work."""
    out: list[str] = []
    blocks = session.scalars(
        select(MrnBlock).where(MrnBlock.next_value <= MrnBlock.last).order_by(MrnBlock.id)
    )
    for block in blocks:
        while block.next_value <= block.last and len(out) < count:
            out.append(format_mrn(block.next_value))
            block.next_value += 1
        if len(out) == count:
            return out
    raise MrnExhausted()
