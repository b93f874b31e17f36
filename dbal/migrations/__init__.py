"""Core schema migrations (Alembic), run programmatically: `dbal.migrations.upgrade(engine)`.

Revisions live in `versions/`; `env.py` runs them on the connection we pass in, inside one
transaction that also holds a lock (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on
SQLite) so that several processes starting at once migrate exactly once. Tables that other
modules of the data layer attach to the core MetaData after the newest revision (for
example `dbal.accounts.tables`) are then created if missing; give them a revision when they
change shape. Package entity tables are not Alembic's business: see `dbal.schema`.

New revision: `.venv/bin/python -m dbal.migrations revision "message"` (autogenerate
against a scratch SQLite database).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

import dbal.accounts.tables  # noqa: F401 - registers the account tables on the core MetaData
from dbal import tables
from dbal.engine import write_tx

HERE = Path(__file__).resolve().parent
LOCK_KEY = 0x6D62_6462  # "mbdb"


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with write_tx(engine, "upgrade") as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        cfg = config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        tables.metadata.create_all(conn, checkfirst=True)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        exists = engine.dialect.has_table(conn, "alembic_version")
        if not exists:
            return None
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(value) if value is not None else None
