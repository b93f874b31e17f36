"""EntityModel -> SQLAlchemy Table (tenant_id, system columns, indexes, tenant-safe foreign keys).

Every index starts with tenant_id, because every query the core builds filters on it. Foreign
keys are composite, (tenant_id, field) -> (tenant_id, id), so a row can never point at (or be
cascaded away by) a row of another tenant; each entity table carries the unique constraint
on (tenant_id, id) they need.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from dbal import tables
from dbal.entity_model import EntityModel, FieldSpec
from dbal.types import JSONValue, UTCDateTime

SEARCH_COLUMN = "search_vector"


def column_type(spec: FieldSpec) -> TypeEngine[Any]:
    kinds: dict[str, TypeEngine[Any]] = {
        "string": Text(),
        "integer": BigInteger(),
        "number": Double(),
        "boolean": Boolean(),
        "datetime": UTCDateTime(),
        "json": JSONValue,
    }
    return kinds[spec.kind]


def ident(prefix: str, table: str, name: str) -> str:
    """An identifier of at most 63 characters (PostgreSQL's limit), unique by hashing."""
    full = f"{prefix}_{table}_{name}"
    if len(full) <= 63:
        return full
    return f"{full[:54]}_{hashlib.sha256(full.encode()).hexdigest()[:8]}"


def new_metadata() -> MetaData:
    metadata = MetaData()
    tables.tenants.to_metadata(metadata)
    return metadata


def build_table(
    model: EntityModel,
    metadata: MetaData,
    resolve: Callable[[str], EntityModel | None],
    *,
    dialect: str,
) -> Table:
    """Add the entity's table to `metadata`; `resolve` finds FK target entities by name."""
    t = model.table_name
    columns: list[SchemaItem] = [
        Column("id", String(36), primary_key=True),
        Column(
            "tenant_id",
            String(36),
            ForeignKey("tenants.id", ondelete="CASCADE", name=ident("fk", t, "tenant")),
            nullable=False,
        ),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
    ]
    for name in model.data_fields:
        columns.append(Column(name, column_type(model.fields[name]), nullable=True))
    if model.search_fields and dialect == "postgresql":
        columns.append(
            Column(SEARCH_COLUMN, TSVECTOR, Computed(tsvector_sql(model), persisted=True))
        )
    # inline (a constraint, not an index) so that a self-referencing FK can use it at once
    extras: list[SchemaItem] = [
        UniqueConstraint("tenant_id", "id", name=ident("ux", t, "tenant_id"))
    ]
    for spec in model.indexes:
        prefix = "ux" if spec.unique else "ix"
        extras.append(
            Index(ident(prefix, t, spec.name), "tenant_id", *spec.fields, unique=spec.unique)
        )
    for fk in model.foreign_keys:
        target = resolve(fk.entity)
        if target is None:
            continue  # reported by the schema manager before tables are built
        extras.append(
            ForeignKeyConstraint(
                ["tenant_id", fk.field],
                [f"{target.table_name}.tenant_id", f"{target.table_name}.id"],
                ondelete=fk.on_delete,
                name=ident("fk", t, fk.field),
            )
        )
    if model.search_fields and dialect == "postgresql":
        extras.append(Index(ident("fts", t, "search"), SEARCH_COLUMN, postgresql_using="gin"))
    return Table(t, metadata, *columns, *extras)


def tsvector_sql(model: EntityModel) -> str:
    parts = " || ' ' || ".join(f"coalesce({quote(f)}, '')" for f in model.search_fields)
    return f"to_tsvector('simple'::regconfig, {parts})"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def system_index_names(model: EntityModel) -> Iterable[str]:
    yield ident("ux", model.table_name, "tenant_id")
