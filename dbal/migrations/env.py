"""Alembic environment: runs on the connection given by `dbal.migrations.upgrade`."""

from __future__ import annotations

from alembic import context

from dbal.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
    # Tables listed in attributes["skip"] are left to create_all (see dbal.migrations).
    include_object=lambda obj, name, type_, reflected, other: (
        not (type_ == "table" and name in context.config.attributes.get("skip", ()))
    ),
)
with context.begin_transaction():
    context.run_migrations()
