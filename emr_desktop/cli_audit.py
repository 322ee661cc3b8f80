"""`emr-desktop audit ...`: verify the hash chains, report and export the audit log, review
emergency access. Every run is itself audited (category "audit")."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import AuditEventDTO
from emr_desktop.security.files import open_private

if TYPE_CHECKING:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.domain.actor import Actor

OpenLoggedIn = Callable[[argparse.Namespace], AbstractContextManager[tuple["ChartStore", "Actor"]]]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TABLE_FIELDS = (("occurred (local)", "occurred_at"), ("site", "workstation_site"), ("seq", "seq"),
                 ("user", "username"), ("patient", "patient_id"), ("category", "category"),
                 ("action", "action"), ("outcome", "outcome"), ("object", "object_id"),
                 ("detail", "detail"))


# --- input ----------------------------------------------------------------------------------


def parse_when(text: str, *, end: bool = False) -> datetime:
    """YYYY-MM-DD is a local calendar day: its start, or (``end``) the start of the next day;
    an ISO timestamp is taken as given (local time when it has no offset). Returns UTC."""
    text = text.strip()
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text)
            if end:
                day += timedelta(days=1)
            value = datetime(day.year, day.month, day.day)
        else:
            value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            value = value.astimezone()  # local time zone, DST-aware
        return value.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(
            "Dates for the audit report are written YYYY-MM-DD (a whole local day) or as an ISO "
            "timestamp such as 2024-05-01T13:30 or 2024-05-01T13:30:00Z.", "end" if end else "start"
        ) from exc


def _period(args: argparse.Namespace) -> tuple[datetime, datetime]:
    return parse_when(args.start), parse_when(args.end, end=True)


# --- output ---------------------------------------------------------------------------------


def _printable(text: str) -> str:
    """Control characters (terminal escapes, newlines) from stored text shown as \\xNN."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _table_cell(entry: AuditEventDTO, name: str) -> str:
    value = getattr(entry, name)
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone().isoformat(timespec="seconds")
    return _printable(str(value))


def write_table(entries: Sequence[AuditEventDTO], out: TextIO) -> None:
    if not entries:
        print("no entries", file=out)
        return
    rows = [[_table_cell(e, name) for _label, name in _TABLE_FIELDS] for e in entries]
    headers = [label for label, _name in _TABLE_FIELDS]
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]
    for cells in (headers, *rows):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip(), file=out)
    print(f"{len(entries)} entries", file=out)


@contextmanager
def _output(path: str | None, *, csv_format: bool) -> Iterator[TextIO]:
    """Standard output, or ``path`` created (or truncated) readable by its owner only."""
    if not path or path == "-":
        yield sys.stdout
        return
    # utf-8-sig: spreadsheet programs then read names with accents correctly.
    with open_private(Path(path), encoding="utf-8-sig" if csv_format else "utf-8",
                      newline="" if csv_format else "\n") as fh:
        yield fh


def _write(entries: list[AuditEventDTO], args: argparse.Namespace) -> None:
    from emr_desktop.security.audit import write_csv

    with _output(args.out, csv_format=args.csv) as out:
        if args.csv:
            write_csv(entries, out)
        else:
            write_table(entries, out)


# --- commands -------------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace, open_logged_in: OpenLoggedIn) -> int:
    from emr_desktop.services.audit_review import AuditService

    with open_logged_in(args) as (store, actor):
        result = AuditService(store.db).verify(actor)
    if result.ok:
        print(f"ok: {result.checked} entries, chains intact")
        return 0
    for site in result.failures:
        print(f"TAMPERED: workstation {_printable(str(site.site))}: first bad entry at seq "
              f"{site.first_bad_seq} ({site.reason})")
    print(f"{result.checked} entries checked; {len(result.failures)} of {len(result.sites)} "
          "chain(s) broken. Keep this chart file as evidence and compare with the hub's copy.")
    return 1


def cmd_report(args: argparse.Namespace, open_logged_in: OpenLoggedIn) -> int:
    from emr_desktop.security.audit import check_sort
    from emr_desktop.services.audit_review import AuditService
    from emr_desktop.services.patients import PatientService

    start, end = _period(args)
    check_sort(args.sort)  # before asking for a password
    with open_logged_in(args) as (store, actor):
        patient_id = None
        if args.patient:
            patient = PatientService(store.db).by_mrn(actor, args.patient)
            if patient is None:
                raise ValidationError("No patient has the MRN given with --patient.", "patient")
            patient_id = patient.id
        entries = AuditService(store.db).report(
            actor, start=start, end=end, username=args.filter_user, patient_id=patient_id,
            category=args.category, action=args.action, sort=args.sort, descending=args.desc,
            limit=args.limit, detail=_run_detail(args))
    _write(entries, args)
    return 0


def cmd_emergency_review(args: argparse.Namespace, open_logged_in: OpenLoggedIn) -> int:
    from emr_desktop.services.audit_review import AuditService

    start, end = _period(args)
    with open_logged_in(args) as (store, actor):
        entries = AuditService(store.db).emergency_review(actor, start, end, detail=_run_detail(args))
    _write(entries, args)
    return 0


def _run_detail(args: argparse.Namespace) -> str:
    output = "csv" if args.csv else "table"
    return f"format={output} to={'file' if args.out else 'stdout'}"


# --- parser ---------------------------------------------------------------------------------


def register(subparsers: Any, open_logged_in: OpenLoggedIn) -> None:
    """Add ``audit verify | report | emergency-review`` to the main parser's subcommands."""
    audit = subparsers.add_parser("audit", help="verify, report and export the audit log")
    commands = audit.add_subparsers(dest="audit_command", metavar="{verify,report,emergency-review}")
    commands.required = True

    def bind(command: Callable[[argparse.Namespace, OpenLoggedIn], int]) -> Callable[..., int]:
        return lambda args: command(args, open_logged_in)

    p = commands.add_parser("verify", help="check every workstation's hash chain for tampering")
    p.set_defaults(func=bind(cmd_verify))

    def period_and_output(p: argparse.ArgumentParser) -> None:
        p.add_argument("--from", dest="start", required=True, metavar="DATE",
                       help="first day YYYY-MM-DD (local), or an ISO timestamp")
        p.add_argument("--to", dest="end", required=True, metavar="DATE",
                       help="last day YYYY-MM-DD (included), or an ISO timestamp (excluded)")
        p.add_argument("--csv", action="store_true", help="CSV instead of a table")
        p.add_argument("--out", metavar="FILE", help="write to FILE (created readable by you only)")

    p = commands.add_parser("report", help="audit entries of a period, filtered and sorted")
    period_and_output(p)
    # dest differs from the global --user (who logs in): this one only filters.
    p.add_argument("--user", dest="filter_user", metavar="NAME", help="only entries by this user")
    p.add_argument("--patient", metavar="MRN", help="only entries about this patient")
    p.add_argument("--category", help="only this data category (e.g. note, demographics, emergency)")
    p.add_argument("--action", help="only this action (e.g. read, write, print, login)")
    p.add_argument("--sort", default="occurred_at", metavar="FIELD",
                   help="sort by one of: " + ", ".join(AuditEventDTO.field_names()))
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument("--limit", type=int, metavar="N", help="at most N entries")
    p.set_defaults(func=bind(cmd_report))

    p = commands.add_parser("emergency-review", help="emergency (break-glass) accesses of a period")
    period_and_output(p)
    p.set_defaults(func=bind(cmd_emergency_review))
