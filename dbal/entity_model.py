"""Package entities: a JSON Schema document with `x-` extensions, parsed into an EntityModel.

An entity schema looks like this (every `x-` key is optional):

    {
      "type": "object",
      "x-entity": "post",                       # name; defaults to the title / the file stem
      "x-table": "forum_posts",                 # table name; default e_<package>__<entity>
      "properties": {
        "title":   {"type": "string", "maxLength": 200},
        "body":    {"type": "string"},
        "score":   {"type": "integer", "minimum": 0, "default": 0},
        "author":  {"type": ["string", "null"]},
        "api_key": {"type": "string", "x-sensitive": true},     # written, never returned
        "meta":    {"type": "object"},                          # stored as JSON
        "at":      {"type": "string", "format": "date-time"}    # a real timestamp column
      },
      "required": ["title"],
      "x-indexes": [["score"], {"fields": ["author", "score"], "name": "by_author"}],
      "x-unique": [["title"]],                  # unique per tenant
      "x-foreign-keys": [{"field": "category_id", "entity": "category", "on_delete": "cascade",
                          "related_name": "posts"}],   # related_name: optional, see below
      "x-search": ["title", "body"],            # full-text search fields
      "x-owner": "author",                      # "own rows" rules compare it to the user id
      "x-acl": {"create": 1, "read": 0, "update": {"level": 3, "owner": 1}, "delete": 3}
    }

A foreign key may name the reverse relation (the rows of this entity that point at one row
of the target) with `related_name`; without it the relation is named after this entity
(`dbal.relations` derives the names; the REST API's `include` follows them).

`x-acl` gives, per operation (create, read, update, delete; read also covers list, count,
search and aggregate), the minimum level for all rows of the tenant (`level`, 0..5; 6 means
the system scope only) and optionally the minimum level for the caller's own rows (`owner`).
A bare integer is `{"level": n}`. Defaults: create 1, read 1, update 3, delete 3, and owner 1
for update and delete when `x-owner` is set.

Every entity table also has the system columns id, tenant_id, created_at and updated_at.
Columns other than those are nullable in the database: `required` is enforced by the
validator, which keeps adding a required field an additive migration.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dbal import jsoncodec
from dbal.errors import SchemaError
from dbal.scope import ADMIN, USER

Kind = Literal["string", "integer", "number", "boolean", "datetime", "json"]
Operation = Literal["create", "read", "update", "delete"]
OPERATIONS: tuple[Operation, ...] = ("create", "read", "update", "delete")
SYSTEM_ONLY = 6
SYSTEM_FIELDS = ("id", "tenant_id", "created_at", "updated_at")
RESERVED = {*SYSTEM_FIELDS, "search_vector", "rowid", "oid", "ctid", "xmin", "xmax"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
TABLE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ON_DELETE = {"cascade": "CASCADE", "restrict": "RESTRICT", "no action": "NO ACTION"}
UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    schema: Mapping[str, Any]
    required: bool = False
    nullable: bool = True
    sensitive: bool = False
    default: Any = UNSET
    system: bool = False

    @property
    def scalar(self) -> bool:
        """Filterable and sortable (JSON fields and sensitive fields are neither)."""
        return self.kind != "json" and not self.sensitive


@dataclass(frozen=True, slots=True)
class Rule:
    level: int
    owner: int | None = None


@dataclass(frozen=True, slots=True)
class IndexSpec:
    name: str
    fields: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True, slots=True)
class ForeignKeySpec:
    field: str
    entity: str
    on_delete: str = "RESTRICT"
    related_name: str | None = None


@dataclass(frozen=True)
class EntityModel:
    package_id: str
    name: str
    table_name: str
    fields: dict[str, FieldSpec]
    acl: dict[Operation, Rule]
    owner: str | None
    indexes: tuple[IndexSpec, ...]
    foreign_keys: tuple[ForeignKeySpec, ...]
    search_fields: tuple[str, ...]
    schema: Mapping[str, Any]
    schema_hash: str
    data_fields: tuple[str, ...] = field(default=())
    visible: tuple[str, ...] = field(default=())

    @property
    def qualified_name(self) -> str:
        return f"{self.package_id}.{self.name}"


def table_name_for(package_id: str, entity: str) -> str:
    base = f"e_{_snake(package_id)}__{_snake(entity)}"
    if len(base) <= 63:
        return base
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return f"{base[:54]}_{digest}"


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "x"


def schema_hash(schema: Mapping[str, Any]) -> str:
    canonical = jsoncodec.dumps(_sorted(schema))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def parse_entity(
    package_id: str, schema: Mapping[str, Any], name: str | None = None
) -> EntityModel:
    """Parse one entity JSON Schema; raises SchemaError listing every problem found."""
    problems: list[str] = []
    if not isinstance(schema, Mapping):
        raise SchemaError("an entity schema must be a JSON object")
    name = schema.get("x-entity") or name or schema.get("title")
    if not isinstance(name, str) or not NAME.match(name):
        raise SchemaError(f"entity name {name!r} must match {NAME.pattern}")
    table = schema.get("x-table") or table_name_for(package_id, name)
    if not isinstance(table, str) or not TABLE.match(table):
        problems.append(f"x-table {table!r} must match {TABLE.pattern}")
    properties = schema.get("properties", {})
    if schema.get("type", "object") != "object" or not isinstance(properties, Mapping):
        raise SchemaError(f"{name}: an entity schema is an object schema with properties")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        problems.append("required must be a list of field names")
        required = []
    fields: dict[str, FieldSpec] = {
        "id": FieldSpec("id", "string", {"type": "string"}, nullable=False, system=True),
        "created_at": FieldSpec("created_at", "datetime", {}, nullable=False, system=True),
        "updated_at": FieldSpec("updated_at", "datetime", {}, nullable=False, system=True),
    }
    sensitive_list = schema.get("x-sensitive", [])
    for fname, sub in properties.items():
        if fname in SYSTEM_FIELDS:
            continue  # system columns may be described for documentation; we own them
        if not isinstance(fname, str) or not NAME.match(fname) or fname.lower() in RESERVED:
            problems.append(f"field name {fname!r} is not allowed")
            continue
        if not isinstance(sub, Mapping):
            problems.append(f"{fname}: the field schema must be an object")
            continue
        kind, nullable = _kind(sub)
        if kind is None:
            problems.append(f"{fname}: unsupported type {sub.get('type')!r}")
            continue
        fields[fname] = FieldSpec(
            name=fname,
            kind=kind,
            schema=dict(sub),
            required=fname in required,
            nullable=nullable,
            sensitive=bool(sub.get("x-sensitive")) or fname in sensitive_list,
            default=sub.get("default", UNSET),
        )
    for r in required:
        if r not in fields:
            problems.append(f"required field {r!r} is not a property")
    owner = schema.get("x-owner")
    if owner is not None and (
        not isinstance(owner, str) or owner not in fields or fields[owner].kind != "string"
    ):
        problems.append(f"x-owner {owner!r} must name a string property")
        owner = None
    acl = _acl(schema.get("x-acl", {}), owner, problems)
    indexes = _indexes(schema, fields, problems)
    fks = _foreign_keys(schema.get("x-foreign-keys", []), fields, problems)
    search = schema.get("x-search", [])
    if not isinstance(search, list) or not all(
        isinstance(s, str) and s in fields and fields[s].kind == "string" for s in search
    ):
        problems.append("x-search must list string properties")
        search = []
    if problems:
        raise SchemaError(
            f"entity {package_id}.{name}: " + "; ".join(problems),
        )
    data_fields = tuple(f for f in fields if not fields[f].system)
    visible = tuple(f for f in fields if not fields[f].sensitive)
    return EntityModel(
        package_id=package_id,
        name=name,
        table_name=str(table),
        fields=fields,
        acl=acl,
        owner=owner,
        indexes=indexes,
        foreign_keys=fks,
        search_fields=tuple(search),
        schema=schema,
        schema_hash=schema_hash(schema),
        data_fields=data_fields,
        visible=visible,
    )


def _kind(sub: Mapping[str, Any]) -> tuple[Kind | None, bool]:
    declared = sub.get("type")
    types = declared if isinstance(declared, list) else [declared]
    nullable = "null" in types
    types = [t for t in types if t is not None and t != "null"]
    if not types and "enum" in sub:
        values = [v for v in sub["enum"] if v is not None]
        types = ["string"] if all(isinstance(v, str) for v in values) else ["integer"]
    if len(types) != 1:
        return ("json", True) if len(types) > 1 else (None, nullable)
    kind = types[0]
    if kind == "string":
        fmt = sub.get("format")
        return ("datetime" if fmt == "date-time" else "string"), nullable
    if kind in ("integer", "number", "boolean"):
        return kind, nullable
    if kind in ("object", "array"):
        return "json", nullable
    return None, nullable


def _rule(value: Any) -> Rule | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SYSTEM_ONLY:
        return Rule(value)
    if isinstance(value, Mapping) and set(value) <= {"level", "owner"}:
        level = value.get("level", SYSTEM_ONLY)
        owner = value.get("owner")
        ok_level = isinstance(level, int) and 0 <= level <= SYSTEM_ONLY
        ok_owner = owner is None or (isinstance(owner, int) and 0 <= owner <= SYSTEM_ONLY)
        if ok_level and ok_owner:
            return Rule(level, owner)
    return None


def _acl(raw: Any, owner: str | None, problems: list[str]) -> dict[Operation, Rule]:
    defaults: dict[Operation, Rule] = {
        "create": Rule(USER),
        "read": Rule(USER),
        "update": Rule(ADMIN, USER if owner else None),
        "delete": Rule(ADMIN, USER if owner else None),
    }
    if not isinstance(raw, Mapping):
        problems.append("x-acl must be an object")
        return defaults
    acl = dict(defaults)
    for op, value in raw.items():
        if op not in OPERATIONS:
            problems.append(f"x-acl: unknown operation {op!r}")
            continue
        rule = _rule(value)
        if rule is None:
            problems.append(f"x-acl.{op}: a level 0..6 or {{level, owner}}")
            continue
        if rule.owner is not None and owner is None:
            problems.append(f"x-acl.{op}: an owner rule needs x-owner")
        acl[op] = rule
    return acl


def _indexes(
    schema: Mapping[str, Any], fields: Mapping[str, FieldSpec], problems: list[str]
) -> tuple[IndexSpec, ...]:
    out: list[IndexSpec] = []
    for key, unique in (("x-indexes", False), ("x-unique", True)):
        raw = schema.get(key, [])
        if not isinstance(raw, list):
            problems.append(f"{key} must be a list")
            continue
        for item in raw:
            spec = item if isinstance(item, Mapping) else {"fields": item}
            cols = spec.get("fields")
            if (
                not isinstance(cols, list)
                or not cols
                or not all(
                    isinstance(c, str) and c in fields and fields[c].kind != "json" for c in cols
                )
            ):
                problems.append(f"{key}: {item!r} must list non-JSON properties")
                continue
            name = spec.get("name") or "_".join(cols)
            if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_]{1,40}$", name):
                problems.append(f"{key}: index name {name!r} is not allowed")
                continue
            out.append(
                IndexSpec(name=name, fields=tuple(cols), unique=unique or bool(spec.get("unique")))
            )
    return tuple(out)


def _foreign_keys(
    raw: Any, fields: Mapping[str, FieldSpec], problems: list[str]
) -> tuple[ForeignKeySpec, ...]:
    out: list[ForeignKeySpec] = []
    if not isinstance(raw, list):
        problems.append("x-foreign-keys must be a list")
        return ()
    for item in raw:
        if not isinstance(item, Mapping):
            problems.append("x-foreign-keys: each item is an object")
            continue
        fname, entity = item.get("field"), item.get("entity")
        on_delete = str(item.get("on_delete", "restrict")).lower()
        if (
            not isinstance(fname, str)
            or fname not in fields
            or fields[fname].kind != "string"
            or not isinstance(entity, str)
        ):
            problems.append(f"x-foreign-keys: {item!r} needs a string field and an entity")
            continue
        if on_delete not in ON_DELETE:
            problems.append(f"x-foreign-keys: on_delete must be one of {sorted(ON_DELETE)}")
            continue
        related = item.get("related_name")
        if related is not None and (not isinstance(related, str) or not NAME.match(related)):
            problems.append(f"x-foreign-keys: related_name {related!r} must match {NAME.pattern}")
            continue
        out.append(ForeignKeySpec(fname, entity, ON_DELETE[on_delete], related))
    return tuple(out)
