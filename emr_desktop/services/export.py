"""Canonical JSON export of the synced chart tables: stable table, row and key order, so two
replicas in the same state export byte-identical files.

Secrets are not written out: password hashes and TOTP secrets appear as SHA-256 digests, and
document bytes as their SHA-256 (the document row already carries it), which still compares
replicas exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from sqlalchemy import select

from emr_desktop.db.migrate import head_revision
from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.canonical import json_value
from emr_desktop.models import SYNCED_MODELS
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.access import Access
from emr_desktop.sync.rows import iter_canonical_export


def iter_export_lines(db: Database) -> Iterator[str]:
    with db.read() as session:
        def tables() -> Iterator[tuple[str, Iterator[dict[str, object]]]]:
            for model in sorted(SYNCED_MODELS, key=lambda m: m.__tablename__):
                table = model.__table__
                columns = sorted(table.columns.keys())
                stmt = select(*(table.c[c] for c in columns)).order_by(table.c.id)
                yield table.name, ({c: json_value(v) for c, v in zip(columns, row, strict=True)}
                                   for row in session.execute(stmt))
        yield from iter_canonical_export(head_revision(), tables())


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
