"""Entity tables for installed packages, applied inside the caller's transaction.

`EntityMigrator` is the seam the lifecycle uses; `DbalEntityMigrator` builds tables with the
data layer's own model (`dbal.entity_model`, `dbal.entity_tables`) and records each schema in
the `entity_schemas` registry the query core reads. Migrations are computed and additive:
missing tables, columns and indexes are created; nothing is dropped or retyped. Entity tables
are shared by all tenants (rows carry tenant_id), so when tenants run different versions of a
package the registry keeps the union of the versions' properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Table, inspect, select

from dbal import tables
from dbal.entity_model import EntityModel, parse_entity
from dbal.entity_tables import build_table, new_metadata
from dbal.ids import utcnow
from dbal.jsoncodec import dumps

__all__ = ["DbalEntityMigrator", "EntityMigrator", "MigrationStep"]


@dataclass(frozen=True)
class MigrationStep:
    action: str  # create_table | add_column | create_index | register
    table: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action} {self.table}{' ' + self.detail if self.detail else ''}"


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

    def _models(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> list[EntityModel]:
        models = []
        current = self._registered(conn, package_id)
        for schema in entities:
            model = parse_entity(package_id, schema)
            old = current.get(model.name)
            if old is not None and old["schema_hash"] != model.schema_hash:
                model = parse_entity(package_id, merge_schemas(old["schema"], dict(schema)))
            models.append(model)
        return models

    def _registered(self, conn: Connection, package_id: str) -> dict[str, dict[str, Any]]:
        rows = conn.execute(
            select(self.registry).where(self.registry.c.package_id == package_id)
        ).mappings()
        return {r["name"]: dict(r) for r in rows}

    def _build(
        self, conn: Connection, package_id: str, models: list[EntityModel]
    ) -> dict[str, Table]:
        metadata = new_metadata()
        by_name = {m.name: m for m in models}
        dialect = conn.dialect.name
        built: dict[str, Table] = {}
        for model in models:
            built[model.name] = build_table(model, metadata, by_name.get, dialect=dialect)
        return built

    def tables(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> dict[str, Table]:
        return self._build(conn, package_id, self._models(conn, package_id, entities))

    def migrate(
        self, conn: Connection, package_id: str, entities: Sequence[dict[str, Any]]
    ) -> list[MigrationStep]:
        if not entities:
            return []
        models = self._models(conn, package_id, entities)
        built = self._build(conn, package_id, models)
        steps: list[MigrationStep] = []
        inspector = inspect(conn)
        ops = Operations(MigrationContext.configure(conn))
        for model in models:
            table = built[model.name]
            if not inspector.has_table(table.name):
                table.create(conn)
                steps.append(MigrationStep("create_table", table.name))
            else:
                have = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in have and not column.computed:
                        ops.add_column(table.name, Column(column.name, column.type, nullable=True))
                        steps.append(MigrationStep("add_column", table.name, column.name))
                indexes = {i["name"] for i in inspector.get_indexes(table.name)}
                for index in table.indexes:
                    if index.name not in indexes:
                        index.create(conn)
                        steps.append(MigrationStep("create_index", table.name, str(index.name)))
            steps.extend(self._register(conn, model))
        return steps

    def _register(self, conn: Connection, model: EntityModel) -> list[MigrationStep]:
        reg = self.registry
        where = (reg.c.package_id == model.package_id) & (reg.c.name == model.name)
        found = conn.execute(select(reg.c.schema_hash).where(where)).first()
        values = {
            "table_name": model.table_name,
            "schema": dict(model.schema),
            "schema_hash": model.schema_hash,
            "updated_at": utcnow(),
        }
        if found is None:
            conn.execute(
                reg.insert().values(package_id=model.package_id, name=model.name, **values)
            )
        elif found[0] != model.schema_hash:
            conn.execute(reg.update().where(where).values(**values))
        else:
            return []
        return [MigrationStep("register", model.table_name, dumps(model.name))]
