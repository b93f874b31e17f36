"""Tenant backup and restore: one tar.gz archive of a tenant's rows, restorable as a new tenant.

    manifest = backup_tenant(db, "acme", Path("acme.tar.gz"), progress=print_progress)
    report = restore_tenant(db, Path("acme.tar.gz"), "acme-copy", progress=print_progress)

Archive layout (written atomically: FILE.partial, then renamed):

    manifest.json             {"format": "metabuilder-tenant-backup", "version": 1,
                               "created_at", "backend", "tenant": {id, slug, name, settings},
                               "schemas": {package_id: {entity: JSON Schema}},
                               "tables": [{"table", "kind", "package_id", "entity", "file",
                                           "rows", "sha256"}]}
    tables/<table>.ndjson     one JSON object per row, datetimes as ISO 8601

What is in it: the tenant's rows of every entity table, and the (possibly empty) tables of
every package installed in the tenant, with their entity schemas, so a database that lacks a
package's tables gets them; kv entries, page configs, component nodes and
configs, workflows, installed packages with their config, package data, the tenant's name and
settings, and the tenant's members: memberships plus those users' profiles and password
hashes. What is not: sessions, API tokens and password-reset tokens (secrets that must not
outlive their tenant), login throttling, the audit log and run records (history of the
original tenant, not state), and anything of other tenants.

Restore (`restore_tenant`) creates a new tenant in one transaction; any error (a corrupted or
truncated archive, a checksum or row-count mismatch, an unknown table or column, a clash)
rolls all of it back and raises BackupError, so nothing is half restored. Ids:

* every row id (entity rows, page configs, component nodes/configs, workflows) gets a new id,
  so a copy can live next to its original; every column or JSON value that is exactly one of
  the archive's old row ids is rewritten to the new id (foreign keys, `child_ids`, ids kept in
  JSON fields); tenant_id is the new tenant's; kv keys and package ids stay;
* users are instance-wide and keep their ids: a member whose id exists is linked as is; one
  whose id, username and email are all free is created with its password hash; any other is
  skipped (listed in the report). Restored memberships are capped at admin level: god and
  supergod act across tenants, which an archive must not be able to grant.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

import orjson
from sqlalchemy import Connection, Table, func, insert, select

from dbal import tables
from dbal.database import Database
from dbal.engine import read_tx, write_tx
from dbal.entity_model import EntityModel, parse_entity
from dbal.entity_tables import build_table, new_metadata
from dbal.errors import DataError, NotFoundError, SchemaError, ValidationError
from dbal.ids import new_id, utcnow
from dbal.scope import ADMIN
from dbal.tenants import SLUG
from dbal.types import UTCDateTime

FORMAT: Final = "metabuilder-tenant-backup"
VERSION: Final = 1
MANIFEST: Final = "manifest.json"
MAX_MANIFEST: Final = 64 * 1024 * 1024
CHUNK: Final = 500
ADMIN_ROLE: Final = "admin"

# Tenant-owned core tables, in an order that satisfies their foreign keys.
CORE: Final[tuple[Table, ...]] = (
    tables.installed_packages,
    tables.package_data,
    tables.page_configs,
    tables.component_nodes,
    tables.component_configs,
    tables.workflows,
    tables.kv,
)
ACCOUNTS: Final[tuple[Table, ...]] = (tables.users, tables.credentials, tables.memberships)
REMAPPED: Final = frozenset(
    {"page_configs", "component_nodes", "component_configs", "workflows"}
)  # core tables whose `id` is a row id (the others are keyed by tenant + name)

Progress = Callable[[str, int, int], None]
"""progress(table, rows done, rows in the table)."""


class BackupError(DataError):
    code = "BACKUP_INVALID"
    http_status = 422
    default_message = "The backup archive is not usable"


@dataclass
class RestoreReport:
    tenant: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)
    users_linked: list[str] = field(default_factory=list)
    users_skipped: list[str] = field(default_factory=list)
    roles_capped: list[str] = field(default_factory=list)


def _quiet(table: str, done: int, total: int) -> None:
    return None


# -- backup ------------------------------------------------------------------------------------


def backup_tenant(
    db: Database, slug: str, target: Path, *, progress: Progress = _quiet
) -> dict[str, Any]:
    """Write the tenant's archive to `target`; returns the manifest."""
    tenant = db.tenants.get_by_slug(slug)
    if tenant is None:
        raise NotFoundError(f"no tenant {slug!r}")
    tenant_id = tenant["id"]
    models = list(db.schema.models())
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": utcnow().isoformat(),
        "backend": db.backend,
        "tenant": {k: tenant[k] for k in ("id", "slug", "name", "settings")},
        "schemas": {},
        "tables": [],
    }
    with (
        tempfile.TemporaryDirectory(prefix="mb-backup-") as scratch,
        read_tx(db.engine, "back up tenant") as conn,
    ):
        folder = Path(scratch)
        installed = {
            row.package_id
            for row in conn.execute(
                select(tables.installed_packages.c.package_id).where(
                    tables.installed_packages.c.tenant_id == tenant_id
                )
            )
        }
        members = select(tables.memberships.c.user_id).where(
            tables.memberships.c.tenant_id == tenant_id
        )
        sources: list[tuple[Table, Any, dict[str, Any]]] = []
        for table in CORE:
            sources.append((table, table.c.tenant_id == tenant_id, {"kind": "core"}))
        sources.append((tables.users, tables.users.c.id.in_(members), {"kind": "core"}))
        sources.append(
            (tables.credentials, tables.credentials.c.user_id.in_(members), {"kind": "core"})
        )
        sources.append(
            (tables.memberships, tables.memberships.c.tenant_id == tenant_id, {"kind": "core"})
        )
        for model in _in_fk_order(models):
            table = db.schema.get(model.qualified_name).table
            meta = {"kind": "entity", "package_id": model.package_id, "entity": model.name}
            sources.append((table, table.c.tenant_id == tenant_id, meta))
        for table, where, meta in sources:
            columns = _columns(table, models)
            entry = _dump(conn, table, columns, where, folder, progress)
            if (
                meta["kind"] == "entity"
                and entry["rows"] == 0
                and (meta["package_id"] not in installed)
            ):
                continue  # an empty table of a package the tenant does not use
            if meta["kind"] == "entity":
                package = manifest["schemas"].setdefault(meta["package_id"], {})
                model = db.schema.get(f"{meta['package_id']}.{meta['entity']}").model
                package[model.name] = dict(model.schema)
            manifest["tables"].append({**entry, **meta})
        _write_archive(target, manifest, folder)
    return manifest


def _columns(table: Table, models: Sequence[EntityModel]) -> list[str]:
    model = next((m for m in models if m.table_name == table.name), None)
    if model is None:
        return [c.name for c in table.columns]
    return ["id", "tenant_id", "created_at", "updated_at", *model.data_fields]


def _dump(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    where: Any,
    folder: Path,
    progress: Progress,
) -> dict[str, Any]:
    name = f"tables/{table.name}.ndjson"
    path = folder / f"{table.name}.ndjson"
    digest = hashlib.sha256()
    count = 0
    order = [table.c[c] for c in table.primary_key.columns.keys()]  # noqa: SIM118
    query = select(*(table.c[c] for c in columns)).where(where).order_by(*order)
    total = int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())
    with path.open("wb") as out:
        for row in conn.execute(query.execution_options(yield_per=CHUNK)).mappings():
            line = orjson.dumps({str(k): v for k, v in row.items()}, default=_encode) + b"\n"
            digest.update(line)
            out.write(line)
            count += 1
            if count % 1000 == 0:
                progress(table.name, count, total)
    progress(table.name, count, count)
    return {"table": table.name, "file": name, "rows": count, "sha256": digest.hexdigest()}


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        raise TypeError("binary values are not supported in backups")
    return float(value)  # Decimal from a numeric column


def _write_archive(target: Path, manifest: Mapping[str, Any], folder: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as tar:
            data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(utcnow().timestamp())
            tar.addfile(info, io.BytesIO(data))
            for entry in manifest["tables"]:
                tar.add(folder / Path(entry["file"]).name, arcname=entry["file"])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _in_fk_order(models: Sequence[EntityModel]) -> list[EntityModel]:
    """Entities with the ones foreign keys point at first (parents before children)."""
    by_name = {m.qualified_name: m for m in models}
    done: dict[str, EntityModel] = {}

    def visit(model: EntityModel, path: frozenset[str]) -> None:
        if model.qualified_name in done or model.qualified_name in path:
            return
        for fk in model.foreign_keys:
            name = fk.entity if "." in fk.entity else f"{model.package_id}.{fk.entity}"
            parent = by_name.get(name)
            if parent is not None:
                visit(parent, path | {model.qualified_name})
        done[model.qualified_name] = model

    for model in sorted(models, key=lambda m: m.qualified_name):
        visit(model, frozenset())
    return list(done.values())


# -- restore -----------------------------------------------------------------------------------


def restore_tenant(
    db: Database,
    source: Path,
    slug: str,
    *,
    name: str | None = None,
    progress: Progress = _quiet,
) -> RestoreReport:
    """Create tenant `slug` from the archive at `source`, all or nothing."""
    if not SLUG.match(slug):
        raise BackupError(f"{slug!r} is not a tenant slug (lower-case letters, digits, '-')")
    if db.tenants.get_by_slug(slug) is not None:
        raise BackupError(f"tenant {slug!r} already exists; restore creates a new tenant")
    try:
        with tarfile.open(source, "r:gz") as tar:
            manifest = _read_manifest(tar)
            return _restore(db, tar, manifest, slug, name, progress)
    except (tarfile.TarError, EOFError, OSError, orjson.JSONDecodeError, zlib.error) as exc:
        raise BackupError(f"the archive is corrupted or truncated: {exc}") from None
    finally:
        db.schema.load()  # entity tables created by a rolled-back restore are gone again


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile():
        raise BackupError("not a tenant backup: manifest.json must come first")
    if member.size > MAX_MANIFEST:
        raise BackupError("manifest.json is too large")
    handle = tar.extractfile(member)
    assert handle is not None
    manifest = orjson.loads(handle.read())
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a tenant backup (unknown format)")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup version {manifest.get('version')!r} is not supported")
    if not isinstance(manifest.get("tables"), list) or not isinstance(manifest.get("tenant"), dict):
        raise BackupError("the manifest lacks its tenant or table list")
    return manifest


@dataclass
class _Plan:
    """Target tables by archive table name, and the models of entity tables."""

    tables: dict[str, Table]
    models: dict[str, EntityModel]
    missing: dict[str, dict[str, Any]]  # package -> entity schemas to create


def _plan(db: Database, manifest: Mapping[str, Any]) -> _Plan:
    core = {t.name: t for t in (*CORE, *ACCOUNTS)}
    plan = _Plan({}, {}, {})
    schemas = manifest.get("schemas") or {}
    for entry in manifest["tables"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
            raise BackupError("a table entry of the manifest is malformed")
        table_name = entry["table"]
        if entry.get("kind") == "core":
            if table_name not in core:
                raise BackupError(f"table {table_name!r} is not part of a tenant backup")
            plan.tables[table_name] = core[table_name]
            continue
        package_id, entity = str(entry.get("package_id")), str(entry.get("entity"))
        schema = (schemas.get(package_id) or {}).get(entity)
        try:
            model = db.schema.get(entity, package_id).model
        except (NotFoundError, ValidationError):
            if not isinstance(schema, dict):
                raise BackupError(f"no schema for entity {package_id}.{entity}") from None
            try:
                model = parse_entity(package_id, schema, entity)
            except SchemaError as exc:
                raise BackupError(f"entity {package_id}.{entity}: {exc.message}") from None
            plan.missing.setdefault(package_id, {})[entity] = schema
        if model.table_name != table_name:
            raise BackupError(f"table {table_name!r} does not belong to {package_id}.{entity}")
        plan.models[table_name] = model
    return plan


def _restore(
    db: Database,
    tar: tarfile.TarFile,
    manifest: dict[str, Any],
    slug: str,
    name: str | None,
    progress: Progress,
) -> RestoreReport:
    plan = _plan(db, manifest)
    old = manifest["tenant"]
    tenant = {
        "id": new_id(),
        "slug": slug,
        "name": (name or str(old.get("name") or slug))[:200],
        "settings": old.get("settings") if isinstance(old.get("settings"), dict) else {},
        "created_at": utcnow(),
    }
    report = RestoreReport(tenant=tenant)
    ids: dict[str, str] = {}
    with write_tx(db.engine, "restore tenant") as conn:
        conn.execute(insert(tables.tenants).values(**tenant))
        for package_id, schemas in plan.missing.items():
            known = {m.name: dict(m.schema) for m in db.schema.models(package_id)}
            db.schema.apply_entities(package_id, {**known, **schemas}, connection=conn)
        users = _Users(conn, report)
        for entry in manifest["tables"]:
            table_name = entry["table"]
            member = _member(tar, entry)
            rows = _rows(member, entry)
            if table_name in plan.models:
                table = build_table(
                    plan.models[table_name], new_metadata(), _no_fk, dialect=db.backend
                )
                _insert(conn, table, _remapped(rows, tenant["id"], ids, True), entry, progress)
            elif table_name in ("users", "credentials", "memberships"):
                users.take(table_name, rows, tenant["id"])
            else:
                table = plan.tables[table_name]
                fresh = table_name in REMAPPED
                _insert(conn, table, _remapped(rows, tenant["id"], ids, fresh), entry, progress)
            report.rows[table_name] = entry["rows"]
    return report


def _member(tar: tarfile.TarFile, entry: Mapping[str, Any]) -> IO[bytes]:
    expected = entry.get("file")
    member = tar.next()
    if member is None or member.name != expected or not member.isfile():
        raise BackupError(f"{expected} is missing or out of order in the archive")
    handle = tar.extractfile(member)
    assert handle is not None
    return handle


def _rows(handle: IO[bytes], entry: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The file's rows; the checksum and count are verified when the last row was read."""
    digest = hashlib.sha256()
    count = 0
    for line in handle:
        digest.update(line)
        row = orjson.loads(line)
        if not isinstance(row, dict):
            raise BackupError(f"{entry['file']}: line {count + 1} is not an object")
        count += 1
        yield row
    if count != entry.get("rows") or digest.hexdigest() != entry.get("sha256"):
        raise BackupError(f"{entry['file']}: the checksum or row count does not match")


def _remapped(
    rows: Iterator[dict[str, Any]], tenant_id: str, ids: dict[str, str], fresh_ids: bool
) -> Iterator[dict[str, Any]]:
    for row in rows:
        if "tenant_id" in row:
            row["tenant_id"] = tenant_id
        if fresh_ids and isinstance(row.get("id"), str):
            ids.setdefault(row["id"], new_id())
        yield {k: (v if k == "tenant_id" else _swap(v, ids)) for k, v in row.items()}


def _swap(value: Any, ids: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_swap(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, ids) for k, v in value.items()}
    return value


def _no_fk(entity: str) -> None:
    return None  # inserting needs the columns only; the database holds the constraints


def _insert(
    conn: Connection,
    table: Table,
    rows: Iterator[dict[str, Any]],
    entry: Mapping[str, Any],
    progress: Progress,
) -> None:
    total = int(entry.get("rows") or 0)
    dates = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}
    known = {c.name for c in table.columns}
    batch: list[dict[str, Any]] = []
    done = 0
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise BackupError(f"{table.name}: unknown columns {sorted(unknown)[:5]}")
        for column in dates & set(row):
            row[column] = _datetime(row[column], table.name)
        batch.append(row)
        if len(batch) >= CHUNK:
            conn.execute(insert(table), batch)
            done += len(batch)
            batch = []
            progress(table.name, done, total)
    if batch:
        conn.execute(insert(table), batch)
        done += len(batch)
    progress(table.name, done, total)


def _datetime(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BackupError(f"{where}: {str(value)[:40]!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise BackupError(f"{where}: timestamp {str(value)[:40]!r} has no time zone")
    return parsed


class _Users:
    """Members: link existing users, create free ones, skip clashing ones (see module doc)."""

    def __init__(self, conn: Connection, report: RestoreReport) -> None:
        self.conn = conn
        self.report = report
        self.present: set[str] = set()
        self.created: set[str] = set()

    def take(self, table: str, rows: Iterator[dict[str, Any]], tenant_id: str) -> None:
        u = tables.users
        for row in rows:
            user_id = str(row.get("user_id") or row.get("id"))
            if table == "users":
                self._user(row, u)
            elif table == "credentials" and user_id in self.created:
                row["changed_at"] = _datetime(row.get("changed_at"), "credentials")
                self.conn.execute(insert(tables.credentials).values(**row))
            elif table == "memberships" and user_id in self.present:
                row["tenant_id"] = tenant_id
                row["created_at"] = _datetime(row.get("created_at"), "memberships")
                if not isinstance(row.get("level"), int) or row["level"] > ADMIN:
                    self.report.roles_capped.append(user_id)
                    row.update(role=ADMIN_ROLE, level=ADMIN)
                self.conn.execute(insert(tables.memberships).values(**row))

    def _user(self, row: dict[str, Any], u: Table) -> None:
        user_id = str(row.get("id"))
        label = str(row.get("username") or user_id)
        if self.conn.execute(select(u.c.id).where(u.c.id == user_id)).first() is not None:
            self.present.add(user_id)
            self.report.users_linked.append(label)
            return
        clash = u.c.username == row.get("username")
        if row.get("email"):
            clash = clash | (u.c.email == row["email"])
        if self.conn.execute(select(u.c.id).where(clash)).first() is not None:
            self.report.users_skipped.append(label)
            return
        for column in ("created_at", "updated_at"):
            row[column] = _datetime(row.get(column), "users")
        row["is_instance_owner"] = False  # never granted by an archive
        self.conn.execute(insert(u).values(**row))
        self.present.add(user_id)
        self.created.add(user_id)
        self.report.users_created.append(label)
