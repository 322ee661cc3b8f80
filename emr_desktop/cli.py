"""Command line: every command runs without a prompt when its inputs come from options and the
environment (EMR_DATA_DIR, EMR_PASSWORD), so scripts and CI can drive the app."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from emr_desktop import __version__, cli_admin, cli_audit, cli_sync
from emr_desktop.config import PASSWORD_ENV, Settings, default_data_dir
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import EmrError
from emr_desktop.security.files import atomic_write, open_private
from emr_desktop.security.keystore import KeyStore

if TYPE_CHECKING:
    from emr_desktop.db.store import ChartStore

log = logging.getLogger("emr_desktop")
DEMO_PASSWORD = "demo-password"
ENCRYPTION_CATEGORY = "encryption"
TOTP_CODE_ENV = "EMR_TOTP_CODE"  # the authenticator code, for accounts with two-step log-in


def _password(args: argparse.Namespace) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {args.user}: ")
    raise EmrError(f"No password for user {args.user!r}.",
                   f"Set {PASSWORD_ENV} in the environment, or run the command in a terminal.")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(data_dir=Path(args.data_dir).expanduser() if args.data_dir else default_data_dir())


def _open(args: argparse.Namespace) -> ChartStore:
    from emr_desktop.db.store import ChartStore

    return ChartStore.open(_settings(args), KeyStore())


def _login(args: argparse.Namespace, store: ChartStore) -> Actor:
    from emr_desktop.services.users import UserService

    return UserService(store.db).authenticate(args.user, _password(args),
                                              os.environ.get(TOTP_CODE_ENV) or None)


@contextmanager
def _logged_in_store(args: argparse.Namespace) -> Iterator[tuple[ChartStore, Actor]]:
    """Open the chart and log in as --user; closes the store afterwards."""
    store = _open(args)
    try:
        yield store, _login(args, store)
    finally:
        store.close()


def _audit_key_event(store: ChartStore, action: str) -> None:
    """Encryption-status events (key created, recovered; chart restored) in the audit trail."""
    from emr_desktop.security.audit import AuditTrail

    AuditTrail(store.db).record(Actor.system(), category=ENCRYPTION_CATEGORY, action=action)


def _print_recovery(code: str) -> None:
    print("\nRECOVERY KEY - shown only once. Print or write it down and keep it somewhere safe")
    print("(e.g. the practice safe). Without it, a lost keyring means a lost chart on this PC.\n")
    print(f"    {code}\n")


# --- commands -------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.security.passwords import generate_password
    from emr_desktop.services.setup import initialize_practice

    settings = _settings(args)
    password = os.environ.get(PASSWORD_ENV) or generate_password()
    store, code = ChartStore.create(settings, KeyStore())
    try:
        initialize_practice(store.db, practice_name=args.practice_name,
                            workstation_name=args.workstation_name, admin_password=password)
        _audit_key_event(store, "key-created")
    finally:
        store.close()
    print(f"Created an encrypted chart in {settings.data_dir}")
    _print_recovery(code)
    if os.environ.get(PASSWORD_ENV):
        print(f"Log in as 'admin' with the password from {PASSWORD_ENV}.")
    else:
        print(f"Log in as 'admin' with password: {password}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.demo import generate_demo_practice

    settings = _settings(args)
    password = os.environ.get(PASSWORD_ENV) or DEMO_PASSWORD
    store, code = ChartStore.create(settings, KeyStore())
    try:
        summary = generate_demo_practice(store, patients=args.patients, seed=args.seed,
                                         password=password, progress=_progress_printer())
        _audit_key_event(store, "key-created")
    finally:
        store.close()
    print(f"\nCreated a demo practice with {args.patients} synthetic patients in {settings.data_dir}")
    print(summary.describe())
    _print_recovery(code)
    if os.environ.get(PASSWORD_ENV):
        print(f"Staff accounts ({', '.join(summary.usernames)}) use the password from {PASSWORD_ENV}.")
    else:
        print(f"Staff accounts: {', '.join(summary.usernames)}; password for all: {password}")
    return 0


def _progress_printer() -> Callable[[int, int], None]:
    last = [-1]

    def report(done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct != last[0] and sys.stderr.isatty():
            last[0] = pct
            print(f"\r  {done}/{total} patients ({pct}%)", end="", file=sys.stderr, flush=True)

    return report


def cmd_recover(args: argparse.Namespace) -> int:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.security.keystore import key_from_recovery_code

    if sys.stdin.isatty():
        code = getpass.getpass("Recovery key (dashes optional): ")
    else:
        code = sys.stdin.readline()
    ChartStore.recover(_settings(args), KeyStore(), key_from_recovery_code(code))
    store = _open(args)
    try:
        _audit_key_event(store, "key-recovered")
    finally:
        store.close()
    print("The key is back in this computer's keyring; the chart opens again.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from emr_desktop.db.store import list_backups

    if args.list:
        for path in list_backups(_settings(args)):
            print(path)
        return 0
    if not args.file:
        raise EmrError("Name the backup file, e.g. `emr-desktop backup /media/usb/chart.db`.")
    from emr_desktop.services.maintenance import MaintenanceService

    with _logged_in_store(args) as (store, actor):
        dest = MaintenanceService(store).backup(actor, Path(args.file))
    print(f"Backup written and verified: {dest}")
    print("It is encrypted with this workstation's key; keep the recovery key to restore it elsewhere.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from emr_desktop.db.store import ChartStore

    kept = ChartStore.restore(_settings(args), KeyStore(), Path(args.file))
    store = _open(args)
    try:
        _audit_key_event(store, "chart-restored")
    finally:
        store.close()
    print(f"Restored the chart from {args.file}.")
    if kept is not None:
        print(f"The replaced chart file was kept as {kept}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        problems = store.check()
    finally:
        store.close()
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found. Restore a backup (`emr-desktop backup --list`).")
        return 1
    print("ok: every page decrypts and verifies, structure and foreign keys are intact.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from emr_desktop.services.export import ExportService

    with _logged_in_store(args) as (store, actor):
        exporter = ExportService(store.db)
        if args.out and args.out != "-":
            with open_private(Path(args.out), encoding="utf-8", newline="\n") as fh:
                exporter.export_json(actor, fh)
        else:
            exporter.export_json(actor, sys.stdout)
    return 0


def _record_ids(values: Sequence[str]) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value.strip()))
        except ValueError:
            raise EmrError(f"Not a record id: {value!r}.",
                           "Give the id shown in the app (e.g. 0190a4c2-...).") from None
    return ids


def cmd_print(args: argparse.Namespace) -> int:
    """Write a visit summary or prescriptions as a PDF file (mode 0600); the save is audited."""
    from emr_desktop.services.registry import Services

    ids = _record_ids(args.ids)
    if args.document == "visit-summary" and len(ids) != 1:
        raise EmrError("Give one encounter id for a visit summary.")
    out_path = Path(args.out).expanduser()
    with _logged_in_store(args) as (store, actor):
        printing = Services.build(store.db).printing
        if args.document == "visit-summary":
            pdf = printing.visit_summary_pdf(actor, ids[0])
        else:
            pdf = printing.prescriptions_pdf(actor, ids)
        try:
            atomic_write(out_path, pdf)
        except OSError as err:
            raise EmrError(f"Cannot write {out_path}: {err.strerror or err}.") from None
        try:
            printing.record_output(actor, args.document, ids, how="pdf-file")
        except BaseException:
            out_path.unlink(missing_ok=True)  # an unaudited copy must not stay behind
            raise
    print(f"Wrote {out_path}")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from emr_desktop.app import run_gui

    return run_gui(_settings(args))


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emr-desktop", description=__doc__)
    parser.add_argument("--version", action="version", version=f"emr-desktop {__version__}")
    parser.add_argument("--data-dir", help="workstation profile folder (env EMR_DATA_DIR)")
    parser.add_argument("--user", default="admin", help=f"act as this user (password from {PASSWORD_ENV})")
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("gui", help="start the desktop app (the default)").set_defaults(func=cmd_gui)

    p = sub.add_parser("init", help="set up this workstation with a new, empty practice chart")
    p.add_argument("--practice-name", default="My Practice")
    p.add_argument("--workstation-name", default=os.uname().nodename if hasattr(os, "uname") else "PC")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="create a demo practice with synthetic patients")
    p.add_argument("--patients", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)

    sub.add_parser("recover", help="put the chart key back from the recovery key (read from stdin)"
                   ).set_defaults(func=cmd_recover)

    p = sub.add_parser("backup", help="write a verified, encrypted copy of the chart")
    p.add_argument("file", nargs="?")
    p.add_argument("--list", action="store_true", help="list this profile's backups, newest first")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the chart with a backup (the old file is kept)")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)

    sub.add_parser("check", help="verify every page and the structure of the chart").set_defaults(func=cmd_check)

    p = sub.add_parser("export", help="canonical dump of the synced chart tables")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("print", help="write a visit summary or prescriptions as a PDF file")
    p.add_argument("document", choices=["visit-summary", "prescription"])
    p.add_argument("ids", nargs="+", metavar="ID", help="the encounter id, or one or more prescription ids")
    p.add_argument("--out", required=True, help="the PDF file to write (readable by you only)")
    p.set_defaults(func=cmd_print)
    cli_audit.register(sub, _logged_in_store)
    cli_admin.register(sub, _logged_in_store)
    cli_sync.register(sub, _settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from emr_desktop.security.safe_logging import configure, install_crash_handler

    parser = build_parser()
    args = parser.parse_args(argv)
    log_dir = _settings(args).log_dir if _settings(args).data_dir.exists() else None
    configure(log_dir)
    install_crash_handler(log_dir)
    func = getattr(args, "func", cmd_gui)
    try:
        return int(func(args))
    except EmrError as err:
        print(f"error: {err.message}", file=sys.stderr)
        if err.hint:
            print(err.hint, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - last resort: no exception text, it may hold PHI
        if os.environ.get("EMR_DEBUG") == "1":
            raise
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        return 70
