"""Deterministic ids, the row buffer the generator fills, and the batches written in bulk.

Ids are shaped as UUIDv7 (RFC 9562): the 48-bit millisecond timestamp is the record's clinical
time (visit, collection, recording), the remaining 74 bits come from the patient's seeded random
generator. The same seed therefore gives the same ids, and ids still sort by clinical time.

Rows are written with SQLAlchemy Core: the INSERT statement is compiled from the model's table,
every value goes through the column type's bind processor for the dialect (UUIDs, UTC instants,
dates, booleans are stored exactly as the ORM stores them; the two hottest types use an
equivalent shortcut, checked against SQLAlchemy's own processor), and each table's rows of a
batch go to the driver in one ``executemany`` (``Connection.exec_driver_sql``). Measured on the
2-core reference machine, handing dict rows to ``session.execute(insert(Model), rows)`` instead
costs about 23 us per row in SQLAlchemy's per-row parameter handling alone (three times the
encrypted database's own cost); converting column by column here takes about 6 us per row.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Dialect, insert
from sqlalchemy.orm import Session

from emr_desktop.domain.enums import RecordStatus
from emr_desktop.models import (
    Allergy,
    Appointment,
    ClinicalNote,
    Document,
    DocumentContent,
    Encounter,
    FamilyHistory,
    ImagingReport,
    Immunization,
    InsuranceCoverage,
    LabOrder,
    LabResult,
    Medication,
    Patient,
    Prescription,
    Problem,
    SocialHistory,
    SyncedMixin,
    VitalSign,
)
from emr_desktop.sync.hlc import MAX_COUNTER, HybridLogicalClock, Stamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MS_PER_DAY = 86_400_000
_MAX_MS = (1 << 48) - 1
_RAND_B_MASK = (1 << 62) - 1
_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62

#: Every table the generator writes, parents before children (foreign keys are enforced).
GENERATED_MODELS: tuple[type[SyncedMixin], ...] = (
    Patient, InsuranceCoverage, Appointment, Encounter, ClinicalNote, VitalSign, Medication,
    Prescription, Allergy, Immunization, LabOrder, LabResult, ImagingReport, Problem,
    FamilyHistory, SocialHistory, Document, DocumentContent,
)


def uuid7_from_ms(rng: random.Random, ms: int) -> uuid.UUID:
    """A version 7 UUID for the millisecond ``ms`` with 74 seeded random bits."""
    rand = rng.getrandbits(74)
    ms = 0 if ms < 0 else _MAX_MS if ms > _MAX_MS else ms
    return uuid.UUID(int=(ms << 80) | _VERSION_7 | ((rand >> 62) << 64) | _VARIANT
                     | (rand & _RAND_B_MASK))


def ms_of(when: datetime | date) -> int:
    """Milliseconds since the Unix epoch of an aware instant, or of midnight UTC of a date."""
    if isinstance(when, datetime):
        return int(when.timestamp() * 1000)
    return (when.toordinal() - _EPOCH_ORDINAL) * _MS_PER_DAY


Processor = Callable[[Any], Any]


_PROBE_UUID = uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
_PROBE_INSTANT = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)


_uuid_hex: Processor = attrgetter("hex")


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _fast_processor(type_: Any, dialect: Dialect) -> Processor | None:
    """The column type's bind processor, or an equivalent that skips SQLAlchemy's layers for the
    two hottest types (UUIDs, UTC instants). The shortcut is used only when it gives exactly
    what SQLAlchemy gives for a probe value; otherwise SQLAlchemy's own processor is kept."""
    processor = type_.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return None
    for fast, probe in ((_uuid_hex, _PROBE_UUID), (_utc_text, _PROBE_INSTANT)):
        try:
            if processor(probe) == fast(probe):  # type: ignore[arg-type]
                return fast  # type: ignore[return-value]
        except (AttributeError, TypeError, ValueError):
            continue
    return processor


class _TableWriter:
    """The compiled INSERT of one table and, per column in parameter order: key, default and the
    type's bind processor for this dialect."""

    def __init__(self, model: type[SyncedMixin], dialect: Dialect) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        keys = [c.key for c in table.columns]
        compiled = insert(table).compile(dialect=dialect, column_keys=keys)
        self.sql: str = compiled.string
        order = list(compiled.positiontup or keys)
        #: Column -> value when the generator leaves it out (the model's scalar default or NULL).
        self.template: dict[str, Any] = {}
        #: (position, bind processor) of the columns whose values need converting.
        self.processors: list[tuple[int, Processor]] = []
        for position, key in enumerate(order):
            column = table.c[key]
            default = column.default
            self.template[key] = default.arg if default is not None and default.is_scalar else None
            processor = _fast_processor(column.type, dialect)
            if processor is not None:
                self.processors.append((position, processor))
        self.template["record_status"] = RecordStatus.ACTIVE.value
        self._order = order
        self._values = itemgetter(*order)
        self.rows: list[list[Any]] = []

    def position(self, key: str) -> int:
        return self._order.index(key) if key in self._order else -1

    def convert(self, values: dict[str, Any]) -> list[Any]:
        row = list(self._values({**self.template, **values}))
        for position, processor in self.processors:
            value = row[position]
            if value is not None:
                row[position] = processor(value)
        return row


class RowBuffer:
    """Rows of one batch of patients, per table, converted for the driver as they are added.

    ``origin_site`` is this workstation's site code and ``updated_by`` stays empty (the system
    loaded the data, not a person); HLC stamps and MRNs are filled in by ``Batch.prepare`` in the
    transaction that writes the batch.
    """

    def __init__(self, dialect: Dialect, site: str) -> None:
        self._site = site
        self._writers = {m: _TableWriter(m, dialect) for m in GENERATED_MODELS}

    def add(self, model: type[SyncedMixin], values: dict[str, Any]) -> dict[str, Any]:
        """Queue one row; ``values`` must hold ``id`` and the table's required columns."""
        values["origin_site"] = self._site
        writer = self._writers[model]
        writer.rows.append(writer.convert(values))
        return values

    def take(self) -> Batch:
        """Hand over the queued rows; the buffer starts empty again."""
        tables = []
        for model in GENERATED_MODELS:
            writer = self._writers[model]
            if writer.rows:
                tables.append(_TableRows(model.__tablename__, writer.sql, writer.rows,
                                         writer.position("updated_hlc"), writer.position("mrn")))
                writer.rows = []
        return Batch(tables)


def insert_statements(dialect: Dialect) -> dict[str, str]:
    """Table -> the INSERT the generator uses, compiled for ``dialect``."""
    return {m.__tablename__: _TableWriter(m, dialect).sql for m in GENERATED_MODELS}


@dataclass(slots=True)
class _TableRows:
    table: str
    sql: str
    rows: list[list[Any]]
    hlc_position: int
    mrn_position: int  # -1 when the table has no MRN


class Batch:
    """Converted rows of some patients, ready to insert. Plain values only (no ORM objects), so a
    batch may be generated in another process than the one that writes it."""

    def __init__(self, tables: list[_TableRows]) -> None:
        self._tables = tables

    @property
    def patients(self) -> int:
        return sum(len(t.rows) for t in self._tables if t.table == Patient.__tablename__)

    def counts(self) -> dict[str, int]:
        return {t.table: len(t.rows) for t in self._tables}

    def check(self, statements: dict[str, str]) -> None:
        """Refuse rows prepared for another INSERT than this store's (a mismatched dialect)."""
        for t in self._tables:
            if statements.get(t.table) != t.sql:
                raise RuntimeError(f"demo rows for {t.table} do not match this store's schema")

    def prepare(self, mrns: list[str], clock: HybridLogicalClock) -> None:
        """Fill in the patients' MRNs (in patient order) and a run of HLC stamps from ``clock``,
        in table order and, within a table, in generation order: a chart's later rows carry
        later stamps. The clock then moves past the last stamp handed out."""
        first = clock.now()
        ms, counter, site = first.ms, first.counter, first.site
        numbers = iter(mrns)
        for t in self._tables:
            for row in t.rows:
                counter += 1
                if counter > MAX_COUNTER:
                    ms, counter = ms + 1, 0
                row[t.hlc_position] = f"{ms:015d}-{counter:05d}-{site}"
                if t.mrn_position >= 0:
                    row[t.mrn_position] = next(numbers)
        clock.observe(Stamp(ms, counter, site))

    def write(self, session: Session) -> None:
        """Insert every table's rows, parents first, in the caller's unit of work."""
        connection = session.connection()
        for t in self._tables:
            connection.exec_driver_sql(t.sql, [tuple(row) for row in t.rows])
