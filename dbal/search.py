"""Full-text search: a tsvector column + GIN index on PostgreSQL, an FTS5 index on SQLite.

On PostgreSQL the entity table gets a stored generated `search_vector` column (see
`entity_tables`); on SQLite an external-content FTS5 table `<table>__fts`, kept in sync by
triggers. Both use simple, non-stemming tokenisation. A query is reduced to its word tokens
(at most 32) which must all occur, so query syntax from callers (quotes, NEAR, column
filters, `:*`) is never interpreted. Results rank by relevance, then id.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Select,
    Table,
    column,
    func,
    literal_column,
    table,
    text,
)

from dbal.entity_model import EntityModel
from dbal.entity_tables import SEARCH_COLUMN, quote

MAX_TOKENS = 32
WORD = re.compile(r"\w+", re.UNICODE)


def tokens(query: str) -> list[str]:
    return [t.lower() for t in WORD.findall(query)[:MAX_TOKENS] if len(t) <= 100]


def fts_name(model: EntityModel) -> str:
    return f"{model.table_name}__fts"


def drop_sqlite_index(conn: Connection, table_name: str) -> None:
    fts = f"{table_name}__fts"
    for suffix in ("ai", "ad", "au"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {quote(fts + '_' + suffix)}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(fts)}")


def create_sqlite_index(conn: Connection, model: EntityModel) -> None:
    """(Re)create the FTS5 table and its triggers, and index the existing rows.

    DDL cannot bind identifiers; every name here passed the entity model's name patterns
    and is quoted, hence the S608 exemptions.
    """
    drop_sqlite_index(conn, model.table_name)
    t, fts = quote(model.table_name), quote(fts_name(model))
    cols = ", ".join(quote(f) for f in model.search_fields)
    new = ", ".join(f"new.{quote(f)}" for f in model.search_fields)
    old = ", ".join(f"old.{quote(f)}" for f in model.search_fields)
    trig = fts_name(model)
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={t}, content_rowid='rowid', "
        "tokenize='unicode61')"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {quote(trig + '_ai')} AFTER INSERT ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {quote(trig + '_ad')} AFTER DELETE ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {quote(trig + '_au')} AFTER UPDATE ON {t} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new}); END"
    )
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def apply_search(
    query: Select[Any], model: EntityModel, entity_table: Table, words: list[str], dialect: str
) -> tuple[Select[Any], list[Any]]:
    """Restrict `query` to matching rows; returns it and the relevance order clauses."""
    if dialect == "postgresql":
        tsquery = func.plainto_tsquery(literal_column("'simple'::regconfig"), " ".join(words))
        vector: ColumnElement[Any] = entity_table.c[SEARCH_COLUMN]
        rank = func.ts_rank(vector, tsquery)
        return query.where(vector.op("@@")(tsquery)), [rank.desc()]
    fts: FromClause = table(fts_name(model), column("rowid"), column("rank"))
    match = " ".join('"' + w.replace('"', "") + '"' for w in words)
    rowid: ColumnElement[Any] = literal_column(f"{quote(model.table_name)}.rowid")
    joined = query.join_from(entity_table, fts, rowid == fts.c.rowid)
    condition = literal_column(quote(fts_name(model))).op("MATCH")(
        text(":fts_q").bindparams(fts_q=match)
    )
    return joined.where(condition), [fts.c.rank.asc()]
