"""Synced entities and their one canonical row form.

A row travels as ``{column: canonical value}`` (domain.canonical.json_value of what the chart
stores: UUIDs as text, instants as UTC ISO text with microseconds, dates as ISO text, bytes as
base64). The same dict is the outbox payload, the hub's stored state and the export record, so
two replicas in the same state compare equal byte for byte.

For speed, pulled rows are written with plain executemany: each column has a converter from the
canonical value to what SQLAlchemy would have stored in SQLite (uuid hex, 'YYYY-MM-DD HH:MM:SS.ffffff').
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, Table, Uuid, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.type_api import TypeEngine

from emr_desktop.domain.canonical import dumps, json_value
from emr_desktop.models import SYNCED_MODELS
from emr_desktop.models.base import UTCDateTime

Row = dict[str, Any]


def _bytes_to_db(v: str) -> bytes:
    return base64.b64decode(v)


def _sql_value(type_: TypeEngine[Any]) -> str:
    """The VALUES expression turning a canonical value into what SQLAlchemy stores in SQLite, done
    by SQLite itself (a pulled page holds hundreds of thousands of values)."""
    if isinstance(type_, Uuid):
        return "replace(?, '-', '')"                     # uuid text -> 32 hex digits
    if isinstance(type_, UTCDateTime | DateTime):
        return "replace(substr(?, 1, 26), 'T', ' ')"     # ISO instant (UTC) -> 'YYYY-MM-DD HH:MM:SS.ffffff'
    return "?"                                           # text, numbers, ISO dates; bools bind as 0/1


def _default_of(column: Any) -> Any:
    """The canonical value a column takes when an (older) op does not carry it."""
    default = column.default
    if default is not None and default.is_scalar:
        return json_value(getattr(default.arg, "value", default.arg))
    if column.server_default is not None:
        text = str(column.server_default.arg)
        if isinstance(column.type, Integer):
            return int(text)
        return text
    return None


@dataclass(frozen=True)
class Entity:  # noqa: B903 - cached properties need __dict__ (no slots)
    name: str
    table: Table
    order: int                                  # foreign-key order among synced tables
    columns: tuple[str, ...]                    # sorted
    sql_values: tuple[str, ...]                 # per column, in ``columns`` order
    foreign_keys: Mapping[str, str]             # column -> referenced synced table
    unique: tuple[str, ...]                     # single-column unique keys besides id
    defaults: Mapping[str, Any]
    nullable: frozenset[str] = field(default_factory=frozenset)
    binary: frozenset[str] = field(default_factory=frozenset)

    def complete(self, row: Mapping[str, Any]) -> Row:
        """Fill columns an older schema did not send with their defaults; drop nothing."""
        if row.keys() >= self.column_set:
            return {c: row[c] for c in self.columns}
        return {c: row[c] if c in row else self.defaults.get(c) for c in self.columns}

    @functools.cached_property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.columns)

    @functools.cached_property
    def content_fields(self) -> tuple[str, ...]:
        """Every column but the sync bookkeeping ones, sorted (the fields an insert sets)."""
        from emr_desktop.sync.capture import BOOKKEEPING

        return tuple(c for c in self.columns if c not in BOOKKEEPING)

    def db_params(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """Parameters for the ``sql_values`` expressions (only bytes are converted here)."""
        if not self.binary:
            return tuple(map(row.get, self.columns))
        return tuple(_bytes_to_db(v) if c in self.binary and v is not None else v
                     for c, v in zip(self.columns, map(row.get, self.columns), strict=True))

    def unknown_fields(self, row: Mapping[str, Any]) -> list[str]:
        return sorted(set(row) - set(self.columns))


def _build() -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    names = {m.__tablename__ for m in SYNCED_MODELS}
    for order, model in enumerate(SYNCED_MODELS):
        table: Table = model.__table__  # type: ignore[assignment]
        cols = sorted(table.columns.keys())
        fks = {}
        for col in table.columns:
            for fk in col.foreign_keys:
                if fk.column.table.name in names:
                    fks[col.name] = fk.column.table.name
        unique = tuple(sorted(
            next(iter(uc.columns)).name for uc in table.constraints
            if uc.__class__.__name__ == "UniqueConstraint" and len(uc.columns) == 1
        ) + sorted(c.name for c in table.columns if c.unique))
        out[table.name] = Entity(
            name=table.name, table=table, order=order, columns=tuple(cols),
            sql_values=tuple(_sql_value(table.c[c].type) for c in cols),
            foreign_keys=fks, unique=tuple(dict.fromkeys(unique)),
            defaults={c: _default_of(table.c[c]) for c in cols},
            nullable=frozenset(c for c in cols if table.c[c].nullable),
            binary=frozenset(c for c in cols if isinstance(table.c[c].type, LargeBinary)),
        )
    return out


ENTITIES: dict[str, Entity] = _build()


def entity(name: str) -> Entity:
    return ENTITIES[name]


def canonical_rows(conn: Connection, ent: Entity, ids: Iterable[Any]) -> dict[str, Row]:
    """Read rows as the chart stores them and return them in canonical form, keyed by id text."""
    id_list = list(ids)
    out: dict[str, Row] = {}
    table = ent.table
    cols = [table.c[c] for c in ent.columns]
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        for rec in conn.execute(select(*cols).where(table.c.id.in_(chunk))):
            row = {c: json_value(v) for c, v in zip(ent.columns, rec, strict=True)}
            out[row["id"]] = row
    return out


# --- export ------------------------------------------------------------------------------------

DIGESTED = {("user_account", "password_hash"), ("user_account", "totp_secret"),
            ("document_content", "data")}


def export_value(table: str, column: str, value: Any) -> Any:
    """What the canonical export writes for one canonical value: secrets and document bytes as
    their SHA-256, everything else unchanged."""
    if value is None or (table, column) not in DIGESTED:
        return value
    ent = ENTITIES[table]
    raw = base64.b64decode(value) if column in ent.binary else str(value).encode("utf-8")
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def export_record(table: str, row: Mapping[str, Any]) -> Row:
    return {c: export_value(table, c, row.get(c)) for c in ENTITIES[table].columns}


FORMAT = "emr-desktop-export"
VERSION = 1


def iter_canonical_export(schema: str,
                          tables: Iterable[tuple[str, Iterable[Mapping[str, Any]]]]) -> Iterable[str]:
    """The canonical export as text lines, from canonical rows given per table in name order and
    row id order. Workstations and the hub both export through this, so equal states give equal
    bytes."""
    yield "{" + f'"format":"{FORMAT}","version":{VERSION},"schema":"{schema}","tables":' + "{"
    for t_index, (name, rows) in enumerate(tables):
        yield ("," if t_index else "") + dumps(name) + ":["
        for r_index, row in enumerate(rows):
            yield ("," if r_index else "") + dumps(export_record(name, row))
        yield "]"
    yield "}}"


def from_canonical(table: str, column: str, value: Any) -> Any:
    """A canonical value back to what the ORM attribute holds (uuid, aware datetime, date, bytes)."""
    import uuid as _uuid
    from datetime import date as _date
    from datetime import datetime as _datetime

    if value is None:
        return None
    type_ = ENTITIES[table].table.c[column].type
    if isinstance(type_, Uuid):
        return _uuid.UUID(str(value))
    if isinstance(type_, UTCDateTime | DateTime):
        return _datetime.fromisoformat(value)
    if isinstance(type_, LargeBinary):
        return _bytes_to_db(value)
    if type_.python_type is _date:
        return _date.fromisoformat(value)
    return value
