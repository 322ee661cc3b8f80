"""Canonical JSON export of the synced chart tables: stable table, row and key order, so two
replicas in the same state export byte-identical files.

Secrets are not written out: password hashes and TOTP secrets appear as SHA-256 digests, and
document bytes as their SHA-256 (the document row already carries it), which still compares
replicas exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select

from emr_desktop.db.migrate import head_revision
from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.canonical import dumps, json_value
from emr_desktop.models import SYNCED_MODELS
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access

FORMAT = "emr-desktop-export"
VERSION = 1
_DIGESTED = {("user_account", "password_hash"), ("user_account", "totp_secret"),
             ("document_content", "data")}


def _value(table: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if (table, column) in _DIGESTED:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    return json_value(value)


def iter_export_lines(db: Database) -> Iterator[str]:
    models = sorted(SYNCED_MODELS, key=lambda m: m.__tablename__)
    yield "{" + f'"format":"{FORMAT}","version":{VERSION},"schema":"{head_revision()}","tables":' + "{"
    with db.read() as session:
        for t_index, model in enumerate(models):
            table = model.__table__
            columns = sorted(table.columns.keys())
            yield ("," if t_index else "") + dumps(table.name) + ":["
            stmt = select(*(table.c[c] for c in columns)).order_by(table.c.id)
            for r_index, row in enumerate(session.execute(stmt)):
                record = {c: _value(table.name, c, v) for c, v in zip(columns, row, strict=True)}
                yield ("," if r_index else "") + dumps(record)
            yield "]"
    yield "}}"


def export_json(db: Database, out: IO[str]) -> None:
    for line in iter_export_lines(db):
        out.write(line)
        out.write("\n")


class ExportService:
    """Whole-chart export (a disclosure): needs chart-export permission and is audited first, so
    the file records its own export."""

    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.db = db
        self.access = access or Access(db)

    def export_json(self, actor: Actor, out: IO[str]) -> None:
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.CHART_EXPORT, Verb.READ, None)
            ctx.audit(Category.CHART_EXPORT, "export", None, "", "format=json")
        export_json(self.db, out)
