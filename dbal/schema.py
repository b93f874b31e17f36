"""Package entity schemas -> tables: the registry and the migrator.

    plan = db.schema.apply_entities("forum", {"post": post_schema, "topic": topic_schema})
    plan.changes  # [Change(kind="add_table", table="e_forum__post", ...), ...]

`apply_entities(package_id, schemas, allow_destructive=False)` makes the database match the
package's entity schemas (a mapping name -> JSON Schema, or a list of schemas naming
themselves with `x-entity`/`title`). Entity tables belong to the package and are shared by
all tenants through their `tenant_id` column. The change set is computed by Alembic's
metadata comparison against the live database plus the previously registered schemas (for
type changes): new tables, columns and indexes are applied automatically; dropping a table or
column, or changing a field's type (drop + add) raises DestructiveChangeError and changes
nothing unless `allow_destructive=True`. Foreign keys are created with their table; later FK
changes are reported as skipped. Full-text indexes are rebuilt when `x-search` changes.
Everything runs in one transaction (PostgreSQL and SQLite both have transactional DDL).

Other processes pick up changes lazily: an unknown entity name, or the first use after
REFRESH_S seconds, compares the registry's schema hashes (one small query) and reloads the
registry when they changed. `load()` forces it, e.g. right after installing a package.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Column, Connection, Engine, Index, MetaData, Table, delete, select

from dbal import search, tables
from dbal.engine import read_tx, translated, upsert_insert, write_tx
from dbal.entity_model import EntityModel, parse_entity
from dbal.entity_tables import SEARCH_COLUMN, build_table, ident, new_metadata, tsvector_sql
from dbal.errors import DestructiveChangeError, NotFoundError, SchemaError, ValidationError
from dbal.ids import utcnow
from dbal.query import BoundEntity
from dbal.validation import EntityValidator

registry = tables.entity_schemas
log = logging.getLogger(__name__)
REFRESH_S = 5.0  # how stale another process's view of the registry may get


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    table: str
    detail: str = ""
    destructive: bool = False
    column: str | None = None


@dataclass
class SchemaPlan:
    package_id: str
    changes: list[Change] = field(default_factory=list)
    applied: bool = False

    @property
    def destructive(self) -> list[Change]:
        return [c for c in self.changes if c.destructive]


class SchemaManager:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._lock = threading.RLock()
        self._bound: dict[str, BoundEntity] = {}
        self._metadata = new_metadata()
        self._loaded = False
        self._seen: dict[tuple[str, str], str] = {}
        self._checked = 0.0

    # -- registry -------------------------------------------------------------------------

    def get(self, name: str, package_id: str | None = None) -> BoundEntity:
        """The entity called `pkg.entity`, or `entity` of `package_id`; NotFoundError if none."""
        qualified = self._qualify(name, package_id)
        bound = self._bound.get(qualified)
        if bound is None or time.monotonic() - self._checked > REFRESH_S:
            self.refresh()  # another process may have installed or changed it since
            bound = self._bound.get(qualified)
        if bound is None:
            raise NotFoundError(f"Unknown entity {str(name)[:100]!r}")
        return bound

    @staticmethod
    def _qualify(name: str, package_id: str | None) -> str:
        if not isinstance(name, str) or not name or len(name) > 200:
            raise ValidationError.for_field("entity", "an entity name")
        if "." in name:
            return name
        if package_id is None:
            raise ValidationError.for_field("entity", "qualify it as package.entity")
        return f"{package_id}.{name}"

    def models(self, package_id: str | None = None) -> list[EntityModel]:
        self._ensure_loaded()
        return [
            b.model
            for b in self._bound.values()
            if package_id is None or b.model.package_id == package_id
        ]

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()

    def refresh(self) -> None:
        """Reload the registry if any process changed it (one small query when nothing did)."""
        with read_tx(self._engine, "check entity schemas") as conn:
            rows = conn.execute(
                select(registry.c.package_id, registry.c.name, registry.c.schema_hash)
            ).all()
        self._checked = time.monotonic()
        if not self._loaded or {(p, n): h for p, n, h in rows} != self._seen:
            self.load()

    def load(self) -> None:
        """(Re)read every registered entity schema from the database."""
        with read_tx(self._engine, "load entity schemas") as conn:
            rows = conn.execute(
                select(
                    registry.c.package_id,
                    registry.c.name,
                    registry.c.schema,
                    registry.c.schema_hash,
                )
            ).all()
        self._seen = {(p, n): h for p, n, _, h in rows}
        self._checked = time.monotonic()
        models = []
        for package_id, name, schema, _ in rows:
            try:
                models.append(parse_entity(package_id, schema, name))
            except SchemaError as error:  # one broken package must not hide the others
                log.error("entity %s.%s is unusable: %s", package_id, name, error.message)
        with self._lock:
            self._rebind(models, replace_all=True)
            self._loaded = True

    def _rebind(self, models: Sequence[EntityModel], *, replace_all: bool = False,
                package_id: str | None = None) -> None:  # fmt: skip
        if replace_all:
            stale = list(self._bound)
        else:
            stale = [q for q, b in self._bound.items() if b.model.package_id == package_id]
        for qualified in stale:
            self._metadata.remove(self._bound.pop(qualified).table)
        by_name = {m.qualified_name: m for m in models}
        known = {**{b.model.qualified_name: b.model for b in self._bound.values()}, **by_name}
        for model in models:
            table = build_table(
                model, self._metadata, _resolver(model, known), dialect=self._dialect
            )
            self._bound[model.qualified_name] = BoundEntity(model, table, EntityValidator(model))

    # -- migrations -----------------------------------------------------------------------

    def plan_entities(self, package_id: str, schemas: Any) -> SchemaPlan:
        """What apply_entities would do, without changing anything."""
        return self._migrate(package_id, schemas, allow_destructive=True, dry_run=True)

    def apply_entities(
        self,
        package_id: str,
        schemas: Any,
        *,
        allow_destructive: bool = False,
        connection: Connection | None = None,
    ) -> SchemaPlan:
        """Migrate the package's entity tables to `schemas`; see the module docstring.

        With `connection`, everything runs inside the caller's transaction (the package
        installer's), which then decides whether it commits; if it rolls back, the
        registry notices at its next refresh."""
        return self._migrate(
            package_id, schemas, allow_destructive=allow_destructive, connection=connection
        )

    def drop_package(self, package_id: str, *, allow_destructive: bool = False) -> SchemaPlan:
        return self._migrate(package_id, {}, allow_destructive=allow_destructive)

    def _migrate(
        self,
        package_id: str,
        schemas: Any,
        *,
        allow_destructive: bool,
        dry_run: bool = False,
        connection: Connection | None = None,
    ) -> SchemaPlan:
        self._ensure_loaded()
        models = self._parse(package_id, schemas)
        plan = SchemaPlan(package_id)
        with self._lock, _transaction(self._engine, connection) as conn:
            old_rows = conn.execute(
                select(registry.c.name, registry.c.schema).where(
                    registry.c.package_id == package_id
                )
            ).all()
            old = {m.name: m for m in (parse_entity(package_id, s, n) for n, s in old_rows)}
            self._check_tables(package_id, models)
            target = self._target_metadata(package_id, models)
            names = {m.table_name for m in models} | {m.table_name for m in old.values()}
            diffs = _compare(conn, target, names)
            _plan(plan, diffs, old, {m.name: m for m in models})
            if plan.destructive and not allow_destructive:
                raise DestructiveChangeError(
                    details={"changes": [c.detail for c in plan.destructive]}
                )
            if dry_run:
                return plan  # nothing was written
            self._execute(conn, target, diffs, plan, old, models)
            conn.execute(delete(registry).where(registry.c.package_id == package_id))
            now = utcnow()
            for m in models:
                conn.execute(
                    upsert_insert(self._engine, registry).values(
                        package_id=package_id,
                        name=m.name,
                        table_name=m.table_name,
                        schema=dict(m.schema),
                        schema_hash=m.schema_hash,
                        updated_at=now,
                    )
                )
        with self._lock:
            self._rebind(models, package_id=package_id)
            self._seen = {k: h for k, h in self._seen.items() if k[0] != package_id}
            self._seen.update({(package_id, m.name): m.schema_hash for m in models})
        plan.applied = True
        return plan

    def _parse(self, package_id: str, schemas: Any) -> list[EntityModel]:
        if isinstance(schemas, Mapping):
            items = [(name, s) for name, s in schemas.items()]
        elif isinstance(schemas, Sequence) and not isinstance(schemas, str):
            items = [(None, s) for s in schemas]
        else:
            raise SchemaError("schemas must be a mapping name -> schema or a list of schemas")
        models = [parse_entity(package_id, s, name) for name, s in items]
        seen: set[str] = set()
        for m in models:
            if m.name in seen or m.table_name in seen:
                raise SchemaError(f"{package_id}: entity {m.name!r} is defined twice")
            seen |= {m.name, m.table_name}
        return models

    def _check_tables(self, package_id: str, models: Sequence[EntityModel]) -> None:
        core = set(tables.metadata.tables)
        others = {
            b.model.table_name: b.model.qualified_name
            for b in self._bound.values()
            if b.model.package_id != package_id
        }
        for m in models:
            if m.table_name in core or m.table_name.endswith("__fts"):
                raise SchemaError(f"{m.qualified_name}: table name {m.table_name!r} is reserved")
            if m.table_name in others:
                raise SchemaError(
                    f"{m.qualified_name}: table {m.table_name!r} belongs to {others[m.table_name]}"
                )

    def _target_metadata(self, package_id: str, models: Sequence[EntityModel]) -> MetaData:
        target = new_metadata()
        local = {m.qualified_name: m for m in models}
        known = {
            **{b.model.qualified_name: b.model for b in self._bound.values()},
            **local,
        }
        referenced: dict[str, EntityModel] = {}

        def reference(model: EntityModel) -> None:
            """Another package's table this one points at, and (transitively) the tables
            that one points at: its foreign keys need them in the metadata too."""
            if model.qualified_name in local or model.qualified_name in referenced:
                return
            referenced[model.qualified_name] = model
            for fk in model.foreign_keys:
                further = _resolver(model, known)(fk.entity)
                if further is not None:
                    reference(further)

        for m in models:
            for fk in m.foreign_keys:
                ref = _resolver(m, known)(fk.entity)
                if ref is None:
                    raise SchemaError(f"{m.qualified_name}: unknown FK entity {fk.entity!r}")
                reference(ref)
        for ref in referenced.values():
            if ref.table_name not in target.tables:
                build_table(ref, target, _resolver(ref, known), dialect=self._dialect)
        for m in models:
            build_table(m, target, _resolver(m, known), dialect=self._dialect)
        return target

    def _execute(
        self,
        conn: Connection,
        target: MetaData,
        diffs: list[Any],
        plan: SchemaPlan,
        old: Mapping[str, EntityModel],
        models: Sequence[EntityModel],
    ) -> None:
        ctx = MigrationContext.configure(conn)
        op = Operations(ctx)
        sqlite = self._dialect == "sqlite"
        new_by_table = {m.table_name: m for m in models}
        old_by_table = {m.table_name: m for m in old.values()}
        retyped = {(c.table, c.column) for c in plan.changes if c.column is not None}
        touched = {c.table for c in plan.changes if c.kind != "add_table"}
        if sqlite:  # FTS triggers name columns; drop them while columns change
            for name in touched & set(old_by_table):
                if old_by_table[name].search_fields:
                    search.drop_sqlite_index(conn, name)
        for kind, *args in _flat(diffs):
            if kind == "remove_index":
                op.drop_index(args[0].name, table_name=args[0].table.name)
        for m in _drop_order(old_by_table, new_by_table):
            op.drop_table(m.table_name)
        for kind, *args in _flat(diffs):
            if kind == "remove_column":
                op.drop_column(args[1], args[2].name)
        for table_name, column in sorted(retyped):
            op.drop_column(table_name, column)
            new_column = target.tables[table_name].c[column]
            op.add_column(table_name, Column(column, new_column.type, nullable=True))
        for kind, *args in _flat(diffs):
            if kind == "add_column" and args[2].name != SEARCH_COLUMN:
                col = args[2]
                op.add_column(args[1], Column(col.name, col.type, nullable=True))
        for t in target.sorted_tables:
            if any(k == "add_table" and a[0].name == t.name for k, *a in _flat(diffs)):
                t.create(conn)
        for kind, *args in _flat(diffs):
            if kind == "add_index" and args[0].table.name not in _added_tables(diffs):
                index: Index = args[0]
                if SEARCH_COLUMN not in index.columns:
                    index.create(conn)
        for m in models:
            previous = old_by_table.get(m.table_name)
            before = previous.search_fields if previous else ()
            fresh = m.table_name in _added_tables(diffs)
            if sqlite:
                if m.search_fields and (
                    fresh or before != m.search_fields or m.table_name in touched
                ):
                    search.create_sqlite_index(conn, m)
                elif not m.search_fields and before:
                    search.drop_sqlite_index(conn, m.table_name)
            elif not fresh and before != m.search_fields:
                self._rebuild_pg_search(conn, m)

    @staticmethod
    def _rebuild_pg_search(conn: Connection, model: EntityModel) -> None:
        t = model.table_name
        conn.exec_driver_sql(f'ALTER TABLE "{t}" DROP COLUMN IF EXISTS {SEARCH_COLUMN}')
        if model.search_fields:
            conn.exec_driver_sql(
                f'ALTER TABLE "{t}" ADD COLUMN {SEARCH_COLUMN} tsvector '
                f"GENERATED ALWAYS AS ({tsvector_sql(model)}) STORED"
            )
            index = ident("fts", t, "search")
            conn.exec_driver_sql(f'CREATE INDEX "{index}" ON "{t}" USING gin ({SEARCH_COLUMN})')


@contextmanager
def _transaction(engine: Engine, connection: Connection | None) -> Iterator[Connection]:
    if connection is None:
        with write_tx(engine, "apply entity schemas") as conn:
            yield conn
        return
    with translated("apply entity schemas"):
        yield connection


def _resolver(model: EntityModel, known: Mapping[str, EntityModel]) -> Any:
    def resolve(name: str) -> EntityModel | None:
        qualified = name if "." in name else f"{model.package_id}.{name}"
        return known.get(qualified)

    return resolve


def _compare(conn: Connection, target: MetaData, names: set[str]) -> list[Any]:
    def include_name(name: str | None, type_: str, parents: Mapping[str, Any]) -> bool:
        if type_ == "table":
            return name in names
        return True

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        if type_ == "table":
            return name in names
        if type_ == "column" and name == SEARCH_COLUMN:
            return False  # a generated column, managed by _rebuild_pg_search
        return not (type_ == "index" and name is not None and name.startswith("fts_"))

    ctx = MigrationContext.configure(
        conn,
        opts={
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": False,
            "compare_server_default": False,
        },
    )
    with warnings.catch_warnings():
        # Alembic warns about reflected expression indexes and computed columns it skips.
        warnings.simplefilter("ignore")
        return list(compare_metadata(ctx, target))


def _flat(diffs: list[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for d in diffs:
        if isinstance(d, list):
            out.extend(d)
        else:
            out.append(d)
    return out


def _added_tables(diffs: list[Any]) -> set[str]:
    return {a[0].name for k, *a in _flat(diffs) if k == "add_table"}


def _drop_order(
    old: Mapping[str, EntityModel], new: Mapping[str, EntityModel]
) -> list[EntityModel]:
    gone = [m for name, m in old.items() if name not in new]
    # referencing tables first, so foreign keys never block a drop
    referenced = {fk.entity for m in gone for fk in m.foreign_keys}
    return sorted(gone, key=lambda m: m.name in referenced or m.qualified_name in referenced)


def _plan(
    plan: SchemaPlan,
    diffs: list[Any],
    old: Mapping[str, EntityModel],
    new: Mapping[str, EntityModel],
) -> None:
    for kind, *args in _flat(diffs):
        if kind == "add_table":
            plan.changes.append(Change("add_table", args[0].name, f"create {args[0].name}"))
        elif kind == "remove_table":
            name = args[0].name
            plan.changes.append(Change("remove_table", name, f"drop table {name}", True))
        elif kind == "add_column" and args[2].name != SEARCH_COLUMN:
            plan.changes.append(Change("add_column", args[1], f"add {args[1]}.{args[2].name}"))
        elif kind == "remove_column" and args[2].name != SEARCH_COLUMN:
            detail = f"drop column {args[1]}.{args[2].name}"
            plan.changes.append(Change("remove_column", args[1], detail, True))
        elif kind in ("add_index", "remove_index"):
            index = args[0]
            plan.changes.append(Change(kind, index.table.name, f"{kind} {index.name}"))
        elif kind in ("add_fk", "remove_fk"):
            table = args[0].parent.name if kind == "add_fk" else args[0].table.name
            plan.changes.append(Change("skip_" + kind, table, f"{kind} skipped (FKs are fixed)"))
    for name, model in new.items():
        before = old.get(name)
        if before is None or before.table_name != model.table_name:
            continue
        for fname, spec in model.fields.items():
            prior = before.fields.get(fname)
            if prior is not None and not spec.system and prior.kind != spec.kind:
                detail = f"{model.table_name}.{fname} {prior.kind} -> {spec.kind}"
                change = Change("retype_column", model.table_name, detail, True, fname)
                plan.changes.append(change)
        if before.search_fields != model.search_fields:
            plan.changes.append(Change("rebuild_search", model.table_name, "full-text index"))


__all__ = ["Change", "SchemaManager", "SchemaPlan", "Table"]
