"""Administration from the command line: staff accounts and the practice's security settings.

    emr-desktop user list
    emr-desktop user add NAME --display-name "..." --role nurse [--role ...] [--npi N] [--dea D]
    emr-desktop user roles NAME --role provider [--role admin]
    emr-desktop user unlock NAME | deactivate NAME | activate NAME
    emr-desktop user password NAME          (new password from EMR_NEW_PASSWORD)
    emr-desktop user totp-enroll NAME | totp-confirm NAME CODE | totp-disable NAME
    emr-desktop practice set [--idle-lock-minutes N] [--lockout-threshold N] [--lockout-minutes N]
    emr-desktop practice set [--paper letter|a4] [--margin-top-mm MM] [--margin-bottom-mm MM]
                             [--margin-left-mm MM] [--margin-right-mm MM] [--prescriptions-per-page N]

All act as --user (password from EMR_PASSWORD) and are checked and audited by the services.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from emr_desktop.domain.errors import EmrError, NotFound

NEW_PASSWORD_ENV = "EMR_NEW_PASSWORD"
PRINT_OPTIONS = ("paper", "margin_top_mm", "margin_bottom_mm", "margin_left_mm", "margin_right_mm",
                 "prescriptions_per_page")
OpenLoggedIn = Callable[[argparse.Namespace], AbstractContextManager[tuple[Any, Any]]]


def _user_id(services: Any, actor: Any, username: str) -> Any:
    for user in services.users.list_users(actor, include_inactive=True):
        if user.username == username.strip().lower():
            return user.id
    raise NotFound("user", username)


def cmd_user(args: argparse.Namespace, open_logged_in: OpenLoggedIn) -> int:
    from emr_desktop.services.registry import Services

    with open_logged_in(args) as (store, actor):
        svc = Services.build(store.db)
        users = svc.users
        if args.action == "list":
            for u in users.list_users(actor, include_inactive=True):
                state = "" if u.record_status == "active" else f" ({u.record_status})"
                print(f"{u.username:<20} {','.join(u.roles):<28} {u.display_name}{state}")
            return 0
        if args.action == "add":
            password = os.environ.get(NEW_PASSWORD_ENV)
            if not password:
                raise EmrError(f"Give the new user's first password in {NEW_PASSWORD_ENV}.")
            users.create_user(actor, username=args.name, display_name=args.display_name or args.name,
                              password=password, roles=tuple(args.role or ()), credentials=args.credentials,
                              npi=args.npi, dea_number=args.dea, must_change_password=True)
            print(f"Created {args.name}; they must choose a new password at first log-in.")
            return 0
        user_id = _user_id(svc, actor, args.name)
        if args.action == "roles":
            print(", ".join(users.set_roles(actor, user_id, tuple(args.role or ())).roles))
        elif args.action == "unlock":
            users.unlock(actor, user_id)
        elif args.action in ("activate", "deactivate"):
            users.set_active(actor, user_id, args.action == "activate", reason="by administrator")
        elif args.action == "password":
            password = os.environ.get(NEW_PASSWORD_ENV)
            if not password:
                raise EmrError(f"Give the new password in {NEW_PASSWORD_ENV}.")
            users.set_password(actor, user_id, password)
        elif args.action == "totp-enroll":
            enrollment = users.begin_totp_enrollment(actor, user_id)
            print("Add this account to the authenticator app (scan as a QR code or type the key):")
            print(f"  {enrollment.provisioning_uri}")
            print(f"  key: {enrollment.secret}")
            print("Then confirm with: emr-desktop user totp-confirm NAME CODE")
        elif args.action == "totp-confirm":
            users.confirm_totp(actor, user_id, args.code or "")
            print("Two-step log-in is on.")
        elif args.action == "totp-disable":
            users.disable_totp(actor, user_id)
        print("done")
    return 0


def cmd_practice(args: argparse.Namespace, open_logged_in: OpenLoggedIn) -> int:
    from emr_desktop.services.registry import Services

    changes = {k: v for k, v in (("idle_lock_minutes", args.idle_lock_minutes),
                                 ("lockout_threshold", args.lockout_threshold),
                                 ("lockout_minutes", args.lockout_minutes)) if v is not None}
    print_changes = {k: v for k in PRINT_OPTIONS if (v := getattr(args, k, None)) is not None}
    with open_logged_in(args) as (store, actor):
        svc = Services.build(store.db)
        practice = svc.practice.update_security(actor, **changes) if changes else svc.practice.current()
        if print_changes:
            practice = svc.practice.update_print_settings(actor, **print_changes)
    if practice is not None:
        print(f"{practice.name}: idle lock {practice.idle_lock_minutes} min, lockout after "
              f"{practice.lockout_threshold} failures for {practice.lockout_minutes} min")
        print(f"printing: {practice.print_paper}, margins (mm) top {practice.print_margin_top_mm:g} "
              f"bottom {practice.print_margin_bottom_mm:g} left {practice.print_margin_left_mm:g} "
              f"right {practice.print_margin_right_mm:g}, "
              f"{practice.print_prescriptions_per_page} prescription(s) per page")
    return 0


def register(subparsers: Any, open_logged_in: OpenLoggedIn) -> None:
    p = subparsers.add_parser("user", help="staff accounts (administrators)")
    p.add_argument("action", choices=["list", "add", "roles", "unlock", "activate", "deactivate",
                                      "password", "totp-enroll", "totp-confirm", "totp-disable"])
    p.add_argument("name", nargs="?", default="")
    p.add_argument("code", nargs="?", help="for totp-confirm: the code shown by the app")
    p.add_argument("--role", action="append", help="repeat for several roles")
    p.add_argument("--display-name", default="")
    p.add_argument("--credentials", default="")
    p.add_argument("--npi", default="")
    p.add_argument("--dea", default="")
    p.set_defaults(func=lambda a: cmd_user(a, open_logged_in))

    p = subparsers.add_parser("practice", help="show or set the practice's security and print settings")
    p.add_argument("set", nargs="?", choices=["set"])
    p.add_argument("--idle-lock-minutes", type=int)
    p.add_argument("--lockout-threshold", type=int)
    p.add_argument("--lockout-minutes", type=int)
    p.add_argument("--paper", choices=["letter", "a4"], help="paper size for printed documents")
    for side in ("top", "bottom", "left", "right"):
        p.add_argument(f"--margin-{side}-mm", type=float, metavar="MM", help=f"{side} print margin (0-50 mm)")
    p.add_argument("--prescriptions-per-page", type=int, metavar="N",
                   help="prescriptions printed per page (1-4; controlled drugs always alone)")
    p.set_defaults(func=lambda a: cmd_practice(a, open_logged_in))
