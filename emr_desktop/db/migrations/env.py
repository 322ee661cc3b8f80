"""Alembic environment. The connection is always handed in by emr_desktop.db.migrate (the key
must never be in a URL), so there is no offline mode."""

from __future__ import annotations

from alembic import context

from emr_desktop.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("emr-desktop migrations run through emr_desktop.db.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
