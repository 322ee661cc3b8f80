"""Command line for the practice hub and workstation sync.

    emr-desktop hub init DB_URL                 create the hub schema (postgresql+psycopg://... or sqlite:///path)
    emr-desktop hub serve DB_URL [--host H --port P --tls-cert F --tls-key F]
    emr-desktop hub enroll-code DB_URL [--site NAME] [--hours N]
    emr-desktop hub revoke DB_URL SITE          stop a workstation from syncing (audited)
    emr-desktop hub status DB_URL               workstations, op counts, quarantine
    emr-desktop hub quarantine DB_URL           ops kept but not applied, with the reason
    emr-desktop hub export DB_URL [--out F]     the hub's canonical export (compare with a workstation's)
    emr-desktop --data-dir D enroll HUB CODE [--ca FILE] [--name NAME]
    emr-desktop --data-dir D sync [--once]

The hub commands talk to the hub database directly (run them on the practice server); the
workstation commands use the chart in --data-dir and the credential in the OS keyring.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from emr_desktop.domain.errors import EmrError

SettingsOf = Callable[[argparse.Namespace], Any]


def _hub(url: str) -> Any:
    from emr_desktop.server.service import HubService
    from emr_desktop.server.store import HubStore

    return HubService(HubStore.open(url))


def cmd_hub_init(args: argparse.Namespace) -> int:
    from emr_desktop.server.store import HubStore

    store = HubStore.init(args.db_url)
    store.close()
    print("Hub database ready. Next: `emr-desktop hub enroll-code DB_URL` for each workstation.")
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_hub_serve(args: argparse.Namespace) -> int:
    from emr_desktop.server.serve import serve

    if not args.tls_cert and not _is_loopback(args.host):
        raise EmrError("The hub only serves plain HTTP on this computer's loopback address.",
                       "Give --tls-cert and --tls-key to serve the practice network over HTTPS.")
    service = _hub(args.db_url)
    scheme = "https" if args.tls_cert else "http"
    print(f"Hub serving on {scheme}://{args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    serve(service, args.host, args.port, args.tls_cert, args.tls_key)
    return 0


def cmd_hub_enroll_code(args: argparse.Namespace) -> int:
    hub = _hub(args.db_url)
    code = hub.create_enroll_code(args.site or "", ttl=timedelta(hours=args.hours))
    print(code)
    print(f"(one use, valid for {args.hours} h)", file=sys.stderr)
    return 0


def cmd_hub_revoke(args: argparse.Namespace) -> int:
    if not _hub(args.db_url).revoke(args.site):
        raise EmrError(f"No enrolled, unrevoked workstation '{args.site}'.",
                       "`emr-desktop hub status DB_URL` lists the workstations.")
    print(f"Workstation {args.site} revoked; it can no longer sync.")
    return 0


def cmd_hub_status(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from emr_desktop.server import schema as s

    hub = _hub(args.db_url)
    with hub.store.read() as conn:
        stations = conn.execute(select(s.hub_workstation.c.site_code, s.hub_workstation.c.name,
                                       s.hub_workstation.c.revoked_at, s.hub_workstation.c.last_seen_at)
                                .order_by(s.hub_workstation.c.enrolled_at)).all()
        quarantined = conn.execute(select(func.count()).select_from(s.hub_quarantine)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(s.hub_row)).scalar_one()
        seq = conn.execute(select(func.coalesce(func.max(s.hub_change.c.seq), 0))).scalar_one()
    print(f"hub {hub.hub_id}: {rows} rows, change feed at {seq}")
    for site, name, revoked, seen in stations:
        state = "revoked" if revoked else "enrolled"
        print(f"  {site:14} {state:9} last seen {seen or 'never'}  ({name})")
    counts = hub.op_counts()
    print("ops: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts else "ops: none")
    print(f"quarantined ops kept for review: {quarantined}")
    return 0


def cmd_hub_quarantine(args: argparse.Namespace) -> int:
    """Ops the hub kept but did not apply: when, from which workstation, what kind, and why (no
    record contents are printed: they may hold patient data)."""
    import json as _json

    from sqlalchemy import select

    from emr_desktop.server import schema as s

    hub = _hub(args.db_url)
    with hub.store.read() as conn:
        recs = conn.execute(select(s.hub_quarantine).order_by(s.hub_quarantine.c.received_at)).mappings().all()
    for rec in recs:
        op = _json.loads(rec["op"])
        print(f"{rec['received_at']:%Y-%m-%d %H:%M}  {rec['site']:12} {str(op.get('entity'))[:40]:20} "
              f"op {rec['op_id']}  {rec['reason']}")
    print(f"{len(recs)} quarantined op(s)")
    return 0


def cmd_hub_export(args: argparse.Namespace) -> int:
    hub = _hub(args.db_url)
    out = open(args.out, "w", encoding="utf-8", newline="\n") if args.out else sys.stdout  # noqa: SIM115
    try:
        for line in hub.export_lines():
            out.write(line)
            out.write("\n")
    finally:
        if args.out:
            out.close()
    return 0


def _print_report(report: Any) -> None:
    print(f"pushed {report.pushed} ops ({report.applied} applied, {report.conflicts} with conflicts, "
          f"{report.quarantined} quarantined); pulled {report.pulled} rows; "
          f"{report.pending} changes waiting")


def cmd_enroll(args: argparse.Namespace, settings_of: SettingsOf) -> int:
    from emr_desktop.cli import _print_recovery
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.sync.enroll import enroll

    settings = settings_of(args)

    joining = settings.db_path.exists()

    def progress(done: int, total: int | None) -> None:
        if sys.stderr.isatty() or os.environ.get("EMR_PROGRESS") == "1":
            verb = "uploaded" if joining else "downloaded"
            print(f"\r  {verb} {done:,}" + (f" of {total:,} records" if total else " records"),
                  end="", file=sys.stderr, flush=True)

    result = enroll(settings, KeyStore(), args.hub, args.code, ca_file=args.ca,
                    name=args.name or "", progress=progress)
    if sys.stderr.isatty() or os.environ.get("EMR_PROGRESS") == "1":
        print(file=sys.stderr)
    try:
        if result.joined:
            print(f"Joined the hub as {result.site_code}; pushed this workstation's chart "
                  f"({result.rows:,} records).")
        else:
            print(f"\nEnrolled as {result.site_code}; downloaded the practice chart ({result.rows:,} rows) "
                  f"into an encrypted store in {settings.data_dir}.")
            assert result.recovery_code is not None
            _print_recovery(result.recovery_code)
        if result.report is not None:
            _print_report(result.report)
    finally:
        result.store.close()
    return 0


def cmd_sync(args: argparse.Namespace, settings_of: SettingsOf) -> int:
    from emr_desktop.db.store import ChartStore
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.sync.agent import SyncAgent
    from emr_desktop.sync.enroll import client_for

    store = ChartStore.open(settings_of(args), KeyStore())
    try:
        if args.once:
            client = client_for(store, KeyStore())
            report = client.sync_once()
            _print_report(report)
            return 0 if report.pending == 0 else 2
        agent = SyncAgent(lambda: client_for(store, KeyStore()), interval=args.interval,
                          on_report=_print_report)
        print("Syncing continuously (Ctrl+C stops).", flush=True)
        agent.run_forever()
        return 0
    finally:
        store.close()


def register(sub: Any, settings_of: SettingsOf) -> None:
    hub = sub.add_parser("hub", help="the practice hub: init, serve, enroll-code, revoke, status, export")
    hsub = hub.add_subparsers(dest="hub_command", required=True)
    p = hsub.add_parser("init", help="create the hub schema")
    p.add_argument("db_url")
    p.set_defaults(func=cmd_hub_init)
    p = hsub.add_parser("serve", help="run the hub's HTTPS service")
    p.add_argument("db_url")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.set_defaults(func=cmd_hub_serve)
    p = hsub.add_parser("enroll-code", help="print a one-time workstation enrollment code")
    p.add_argument("db_url")
    p.add_argument("--site", help="a name for the workstation (shown in hub status)")
    p.add_argument("--hours", type=float, default=24.0, help="validity (default 24 h)")
    p.set_defaults(func=cmd_hub_enroll_code)
    p = hsub.add_parser("revoke", help="revoke a workstation's enrollment")
    p.add_argument("db_url")
    p.add_argument("site")
    p.set_defaults(func=cmd_hub_revoke)
    p = hsub.add_parser("status", help="workstations, op counts and quarantine")
    p.add_argument("db_url")
    p.set_defaults(func=cmd_hub_status)
    p = hsub.add_parser("quarantine", help="list ops the hub kept but did not apply, with the reason")
    p.add_argument("db_url")
    p.set_defaults(func=cmd_hub_quarantine)
    p = hsub.add_parser("export", help="canonical export of the hub's chart")
    p.add_argument("db_url")
    p.add_argument("--out")
    p.set_defaults(func=cmd_hub_export)

    p = sub.add_parser("enroll", help="enroll this workstation with a practice hub")
    p.add_argument("hub", help="https://server:port or sqlite:///path/to/hub.db (embedded)")
    p.add_argument("code", help="one-time code from `emr-desktop hub enroll-code`")
    p.add_argument("--ca", help="the practice CA certificate (PEM) to pin")
    p.add_argument("--name", help="this workstation's name at the hub")
    p.set_defaults(func=lambda a: cmd_enroll(a, settings_of))

    p = sub.add_parser("sync", help="sync with the practice hub")
    p.add_argument("--once", action="store_true", help="one round, then exit (0 = in sync)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between rounds")
    p.set_defaults(func=lambda a: cmd_sync(a, settings_of))


__all__ = ["register", "Path"]
