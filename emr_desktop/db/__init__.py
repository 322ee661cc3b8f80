"""The encrypted workstation store: engine, units of work, migrations, backups."""
