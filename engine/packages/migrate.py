"""Entity tables for installed packages, applied inside the caller's transaction.

`EntityMigrator` is the seam the lifecycle uses. `DbalEntityMigrator` hands the work to the
data layer's migrator (`dbal.schema.SchemaManager.apply_entities`, with the installer's
connection), so package installs get the same tables, indexes, foreign keys, full-text
indexes and registry as any other schema change. Installs are additive: entity tables are
shared by all tenants (rows carry tenant_id), so when tenants run different versions of a
package the applied schema is the union of the versions' entities and properties; a change
the union cannot absorb (a field changing type) is refused with DestructiveChangeError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Table, select

from dbal import tables
from dbal.entity_model import EntityModel, parse_entity
from dbal.entity_tables import build_table, new_metadata
from dbal.schema import SchemaManager

__all__ = ["DbalEntityMigrator", "EntityMigrator", "MigrationStep"]


@dataclass(frozen=True)
class MigrationStep:
    action: str  # dbal.schema.Change kinds: add_table, add_column, add_index, ...
    table: str
    detail: str = ""

    def __str__(self) -> str:
        return self.detail or f"{self.action} {self.table}"


class EntityMigrator(Protocol):
    def migrate(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> list[MigrationStep]: ...

    def tables(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> dict[str, Table]: ...


def merge_schemas(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The new schema, keeping properties only an older version declared (additive)."""
    merged = dict(new)
    old_props: dict[str, Any] = old["properties"] if isinstance(old.get("properties"), dict) else {}
    new_props: dict[str, Any] = new["properties"] if isinstance(new.get("properties"), dict) else {}
    merged["properties"] = {**old_props, **new_props}
    return merged


class DbalEntityMigrator:
    registry = tables.entity_schemas

    def __init__(self, schema: SchemaManager) -> None:
        self.schema = schema

    def _registered(self, conn: Connection, package_id: str) -> dict[str, dict[str, Any]]:
        rows = conn.execute(
            select(self.registry.c.name, self.registry.c.schema).where(
                self.registry.c.package_id == package_id
            )
        ).mappings()
        return {r["name"]: dict(r["schema"]) for r in rows}

    def _union(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """name -> schema: this version's entities, widened by what other versions declared."""
        union = self._registered(conn, package_id)
        for schema in entities:
            name = parse_entity(package_id, schema).name
            old = union.get(name)
            union[name] = merge_schemas(old, dict(schema)) if old is not None else dict(schema)
        return union

    def _models(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> list[EntityModel]:
        union = self._union(conn, package_id, entities)
        names = [parse_entity(package_id, schema).name for schema in entities]
        return [parse_entity(package_id, union[name], name) for name in names]

    def tables(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> dict[str, Table]:
        models = self._models(conn, package_id, entities)
        metadata = new_metadata()
        by_name = {m.name: m for m in models}
        return {
            m.name: build_table(m, metadata, by_name.get, dialect=conn.dialect.name) for m in models
        }

    def migrate(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> list[MigrationStep]:
        if not entities:
            return []
        union = self._union(conn, package_id, entities)
        plan = self.schema.apply_entities(package_id, union, connection=conn)
        return [MigrationStep(c.kind, c.table, c.detail) for c in plan.changes]
