"""Bulk-load a chart into an empty PostgreSQL hub, as if its workstation had joined and pushed it.

A real join pushes one insert op per synced row (``SyncClient.queue_whole_chart``): at 20,000
patients that is ~3.9 million ops, which would take the benchmark longer than the bootstrap it is
there to measure. This loader writes what those pushes leave in the hub directly, with PostgreSQL
``COPY``:

- ``hub_row``: one row state per chart row, ``row_version`` 1, ``seq`` its change;
- ``hub_change``: one change per row, ``seq`` 1..n in foreign-key order (``ENTITIES`` order, then
  row id - the order ``queue_whole_chart`` queues them), the site of the chart, the row's HLC and
  all its non-bookkeeping fields as changed fields;
- ``hub_unique``, ``hub_slot``, ``hub_mrn_block``, a ``hub_workstation`` for the source chart's
  site, the ``hub_change_seq`` sequence and the hub clock (``hub_meta.hlc``).

Each payload is built as ``HubService._apply_op`` builds the row of an insert op from a joining
workstation (``Entity.complete``, ``updated_by`` as recorded, ``row_version`` 1) and serialised with
``domain.canonical.dumps``; tests/benchmarks/test_sync_bench_smoke.py checks that a seeded hub
exports byte for byte what a real join push leaves. Op ids are not recorded (``hub_op`` stays
empty): nobody will ever repeat these pushes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine, make_url

from emr_desktop.domain.canonical import dumps, json_value
from emr_desktop.domain.enums import RecordStatus
from emr_desktop.server.service import SLOT_FREE_STATUSES
from emr_desktop.sync.capture import BOOKKEEPING, SITE_STATE_KEY
from emr_desktop.sync.hlc import HybridLogicalClock
from emr_desktop.sync.rows import ENTITIES, Entity, Row

READ_CHUNK = 5000


@dataclass
class SeedResult:
    rows: int = 0
    seconds: float = 0.0
    payload_bytes: int = 0
    per_entity: dict[str, int] = field(default_factory=dict)
    site: str = ""


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as a libpq URI for ``psycopg.connect``."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def chart_site(conn: Connection) -> str:
    site = conn.exec_driver_sql("SELECT value FROM sync_state WHERE key = ?", (SITE_STATE_KEY,)).scalar()
    return str(site or "")


def hub_rows(conn: Connection, ent: Entity, site: str, clock: HybridLogicalClock) -> Iterator[Row]:
    """The hub's row state after a joining workstation's insert op of each row of ``ent``, in the
    order queue_whole_chart queues them (row id).

    Rows are read as ``sync.rows.canonical_rows`` reads them (the same typed select of every column,
    each value through ``json_value``) but in one streaming scan instead of id lists: about three
    times faster at 3.9 million rows, and the smoke test checks the result against a real push."""
    columns = ent.columns
    stmt = select(*(ent.table.c[c] for c in columns)).order_by(ent.table.c.id)
    result = conn.execution_options(yield_per=READ_CHUNK).execute(stmt)
    try:
        for rec in result:
            incoming = {c: json_value(v) for c, v in zip(columns, rec, strict=True)}
            hlc = incoming["updated_hlc"] or clock.now().encode()
            row = ent.complete(incoming)               # rules.decide of an insert
            row["updated_hlc"] = hlc                   # max(op hlc, no previous row)
            row["updated_by"] = incoming.get("updated_by")   # the hub keeps who made the change
            row["origin_site"] = incoming.get("origin_site") or site
            row["row_version"] = 1
            yield row
    finally:
        result.close()


def seed_hub(url: str, chart: Engine, *, log: Callable[[str], None] = print) -> SeedResult:
    """Load every synced row of ``chart`` (a plain or encrypted chart engine) into the initialised,
    empty hub at ``url`` (HubStore.init done, no HubService running on it yet).

    The changes go in with one COPY; the row states are then made from them inside PostgreSQL
    (every row has exactly one change), and both tables are vacuumed and analysed, as autovacuum
    would have done on a hub that took the join push some time ago."""
    started = time.perf_counter()
    result = SeedResult()
    now = datetime.now(UTC)
    with chart.connect() as src, psycopg.connect(libpq_url(url)) as pg:
        site = chart_site(src) or "seed"
        result.site = site
        clock = HybridLogicalClock(site)
        if pg.execute("SELECT count(*) FROM hub_change").fetchone() != (0,):
            raise RuntimeError("the hub to seed already holds changes")
        unique: dict[tuple[str, str, str], str] = {}
        slots: list[tuple[Any, ...]] = []
        top_hlc = ""
        seq = 0
        with pg.cursor() as cur:
            with cur.copy("COPY hub_change (seq, entity, row_id, row_version, site, op_id, hlc, "
                          "changed_fields, payload) FROM STDIN") as copy:
                for ent in sorted(ENTITIES.values(), key=lambda e: e.order):
                    fields = json.dumps(sorted(set(ent.columns) - BOOKKEEPING))
                    count = 0
                    for row in hub_rows(src, ent, site, clock):
                        seq += 1
                        count += 1
                        payload = dumps(row)
                        result.payload_bytes += len(payload)
                        row_id = row["id"]
                        copy.write_row((seq, ent.name, row_id, 1, site, None, row["updated_hlc"], fields,
                                        payload))
                        if row["updated_hlc"] > top_hlc:
                            top_hlc = row["updated_hlc"]
                        for col in ent.unique:
                            if row.get(col) not in (None, ""):
                                unique[(ent.name, col, str(row[col]))] = row_id
                        if (ent.name == "appointment"
                                and row.get("record_status") == RecordStatus.ACTIVE.value
                                and row.get("status") not in SLOT_FREE_STATUSES and row.get("provider_id")):
                            slots.append((row_id, str(row["provider_id"]), row["start_time"],
                                          row["end_time"], site, seq))
                    result.per_entity[ent.name] = count
                    if count:
                        log(f"  seeded {ent.name}: {count:,} rows ({time.perf_counter() - started:.0f} s)")
            result.rows = seq
            order = " ".join(f"WHEN '{e.name}' THEN {e.order}" for e in ENTITIES.values())
            cur.execute("INSERT INTO hub_row (entity, row_id, entity_order, row_version, seq, payload) "
                        f"SELECT entity, row_id, CASE entity {order} END, row_version, seq, payload "
                        "FROM hub_change ORDER BY seq")
            with cur.copy("COPY hub_unique (entity, field, value, row_id) FROM STDIN") as copy:
                for (entity, col, value), row_id in unique.items():
                    copy.write_row((entity, col, value, row_id))
            with cur.copy("COPY hub_slot (row_id, provider_id, start_time, end_time, site, seq) "
                          "FROM STDIN") as copy:
                for slot in slots:
                    copy.write_row(slot)
            blocks = src.exec_driver_sql('SELECT "first", "last" FROM mrn_block').all()
            cur.executemany('INSERT INTO hub_mrn_block ("first", "last", site, reserved_at) '
                            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                            [(first, last, site, now) for first, last in blocks])
            cur.execute("INSERT INTO hub_workstation (site_code, name, credential_hash, enrolled_at, "
                        "joining, pulled_seq) VALUES (%s, %s, %s, %s, false, %s)",
                        (site, "bulk-seeded source chart",
                         hashlib.sha256(secrets.token_bytes(32)).hexdigest(), now, seq))
            if seq:
                cur.execute("SELECT setval('hub_change_seq', %s)", (seq,))
            if top_hlc:
                cur.execute("INSERT INTO hub_meta (key, value) VALUES ('hlc', %s) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (top_hlc,))
        pg.commit()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        log("  VACUUM ANALYZE of the seeded hub tables ...")
        for table in ("hub_change", "hub_row", "hub_unique", "hub_slot"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    result.seconds = time.perf_counter() - started
    return result
