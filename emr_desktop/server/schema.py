"""The hub's own tables (PostgreSQL in production, SQLite for the embedded hub).

Chart rows are kept as canonical JSON text per (entity, row id): the hub orders, checks and merges
them but never needs a column-per-field copy of every chart table, so a newer workstation schema
adds columns without a hub migration and an older op is upconverted with column defaults.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
)

metadata = MetaData()

SeqInt = BigInteger().with_variant(Integer, "sqlite")
#: PostgreSQL hands out change sequence numbers from this sequence, under an advisory lock.
change_seq = Sequence("hub_change_seq", metadata=metadata)

hub_meta = Table(
    "hub_meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

hub_workstation = Table(
    "hub_workstation", metadata,
    Column("site_code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("credential_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("joining", Boolean, nullable=False, default=False),   # may push its existing chart
    Column("last_seen_at", DateTime(timezone=True)),
    Column("pulled_seq", SeqInt, nullable=False, default=0),   # how far it has read the feed
)

hub_enroll_code = Table(
    "hub_enroll_code", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("site_name", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("used_by", String(40)),
)

hub_row = Table(
    "hub_row", metadata,
    Column("entity", String(40), primary_key=True),
    Column("row_id", String(36), primary_key=True),
    Column("entity_order", Integer, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("seq", SeqInt, nullable=False),            # change that produced this version
    Column("payload", Text, nullable=False),
    Index("ix_hub_row_snapshot", "entity_order", "row_id"),
)

hub_change = Table(
    "hub_change", metadata,
    Column("seq", SeqInt, primary_key=True, autoincrement=False),
    Column("entity", String(40), nullable=False),
    Column("row_id", String(36), nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("site", String(40), nullable=False),
    Column("op_id", String(36)),
    Column("hlc", String(40), nullable=False),
    Column("changed_fields", Text, nullable=False),   # JSON list
    Column("payload", Text, nullable=False),
    Index("ix_hub_change_row", "entity", "row_id", "row_version"),
)

hub_op = Table(
    "hub_op", metadata,
    Column("op_id", String(36), primary_key=True),
    Column("site", String(40), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("row_id", String(36), nullable=False),
    Column("status", String(12), nullable=False),     # applied | conflict | quarantined
    Column("row_version", Integer),
    Column("conflict_ids", Text, nullable=False),     # JSON list
    Column("message", String(500), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

hub_quarantine = Table(
    "hub_quarantine", metadata,
    Column("op_id", String(36), primary_key=True),
    Column("site", String(40), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("op", Text, nullable=False),               # the whole op as received, kept
    Column("received_at", DateTime(timezone=True), nullable=False),
)

hub_unique = Table(
    "hub_unique", metadata,
    Column("entity", String(40), primary_key=True),
    Column("field", String(40), primary_key=True),
    Column("value", String(300), primary_key=True),
    Column("row_id", String(36), nullable=False),
)

hub_slot = Table(
    "hub_slot", metadata,
    Column("row_id", String(36), primary_key=True),
    Column("provider_id", String(36), nullable=False, index=True),
    Column("start_time", String(40), nullable=False),
    Column("end_time", String(40), nullable=False),
    Column("site", String(40), nullable=False),       # workstation that booked it
    Column("seq", SeqInt, nullable=False),            # change that put it in this slot
)

hub_emergency = Table(
    "hub_emergency", metadata,
    Column("user_id", String(36), primary_key=True),
    Column("patient_id", String(36), primary_key=True),
)

hub_mrn_block = Table(
    "hub_mrn_block", metadata,
    Column("first", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
    Column("site", String(40), nullable=False),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
)

hub_audit = Table(
    "hub_audit", metadata,
    Column("id", SeqInt, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("site", String(40), nullable=False),
    Column("event", String(40), nullable=False),
    Column("detail", String(500), nullable=False),
)
