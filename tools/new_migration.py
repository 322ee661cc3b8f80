"""Developer tool: autogenerate the next Alembic revision from the models.

    .venv/bin/python tools/new_migration.py "add xyz column" 0002

It compares the models with a scratch database upgraded to the current head.
"""

from __future__ import annotations

import sys

from alembic import command
from sqlalchemy import create_engine

from emr_desktop.db.migrate import alembic_config


def main() -> None:
    message, rev_id = sys.argv[1], sys.argv[2]
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
        command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main()
