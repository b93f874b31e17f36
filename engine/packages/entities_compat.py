"""Convert the original project's entity descriptions into our entity format (a JSON Schema
document with ``x-`` extensions): the ``entities/schema.json`` of three Jan-8 packages and
the DBAL entity YAML (``dbal/shared/api/schema/entities/**.yaml``)."""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, dict[str, Any]] = {
    "uuid": {"type": "string", "format": "uuid"},
    "cuid": {"type": "string"},
    "string": {"type": "string"},
    "text": {"type": "string", "x-text": True},
    "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"},
    "integer": {"type": "integer"},
    "int": {"type": "integer"},
    "bigint": {"type": "integer", "x-bigint": True},
    "number": {"type": "number"},
    "float": {"type": "number"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "json": {"type": ["object", "array", "string", "number", "boolean", "null"]},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "datetime": {"type": "string", "format": "date-time"},
    "timestamp": {"type": "integer", "x-bigint": True},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
}


_LEVELS = {"public": 0, "user": 1, "moderator": 2, "admin": 3, "god": 4, "supergod": 5}
_SYSTEM_ONLY = 6
# tenancy and the system columns are the data layer's own; original descriptions of them drop
_DROPPED_FIELDS = {"id", "tenantId", "tenant_id", "createdAt", "updatedAt"}
_ROW_LEVEL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\$user\.id\s*$")


def _acl_rule(spec: Any) -> tuple[int, bool, str | None]:
    """(minimum level for all rows, whether own rows are allowed, owner field)."""
    levels: list[int] = []
    own = False
    owner = None
    if isinstance(spec, dict):
        roles = spec.get("role") or spec.get("roles")
        if isinstance(roles, list):
            levels += [_LEVELS[r] for r in roles if r in _LEVELS]
        for flag, value in spec.items():
            if value is True and flag in _LEVELS:
                levels.append(_LEVELS[flag])
            if value is True and flag == "self":
                own = True
        row_level = spec.get("row_level")
        if isinstance(row_level, str) and (m := _ROW_LEVEL.match(row_level)):
            owner = m[1]
    return (min(levels) if levels else _SYSTEM_ONLY), own, owner


def convert_acl(acl: Any) -> tuple[dict[str, Any], str | None]:
    """DBAL YAML acl (role lists or flags, `self` with a row_level) -> our x-acl and x-owner."""
    out: dict[str, Any] = {}
    owner: str | None = None
    if not isinstance(acl, dict):
        return out, None
    for op in ("create", "read", "update", "delete"):
        if op not in acl:
            continue
        level, own, field_name = _acl_rule(acl[op])
        owner = owner or field_name
        out[op] = {"level": level, "owner": 1} if own and field_name else level
    if owner is None:
        out = {op: (r["level"] if isinstance(r, dict) else r) for op, r in out.items()}
    return out, owner


def _field(spec: Any) -> tuple[dict[str, Any], bool, bool]:
    """Return (JSON Schema of the field, required, unique)."""
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        return {}, False, False
    kind = str(spec.get("type", "string")).lower()
    out: dict[str, Any] = dict(_TYPES.get(kind, {"type": "string", "x-original-type": kind}))
    values = spec.get("values") or spec.get("enum")
    if isinstance(values, list):
        out["enum"] = list(values)
    for src, dst in (
        ("max_length", "maxLength"),
        ("maxLength", "maxLength"),
        ("min_length", "minLength"),
        ("minLength", "minLength"),
        ("min", "minimum"),
        ("max", "maximum"),
        ("pattern", "pattern"),
        ("default", "default"),
        ("description", "description"),
    ):
        if src in spec:
            out[dst] = spec[src]
    if (spec.get("nullable") or spec.get("optional")) and "type" in out:
        declared = out["type"]
        if isinstance(declared, list):
            out["type"] = declared if "null" in declared else [*declared, "null"]
        else:
            out["type"] = [declared, "null"]
    for flag in ("primary", "generated", "index", "sensitive"):
        if spec.get(flag):
            out[f"x-{flag}"] = True
    if isinstance(spec.get("foreign_key"), dict):
        out["x-foreign-key"] = dict(spec["foreign_key"])
    required = bool(spec.get("required")) and not spec.get("generated")
    return out, required, bool(spec.get("unique"))


def convert_entity(
    name: str,
    fields: dict[str, Any],
    *,
    description: str | None = None,
    indexes: list[Any] | None = None,
    acl: Any = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One original entity description as our entity document (`x-entity` names it)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    x_indexes: list[dict[str, Any]] = []
    x_unique: list[list[str]] = []
    for fname, spec in fields.items():
        if str(fname) in _DROPPED_FIELDS:
            continue
        schema, is_required, unique = _field(spec)
        properties[str(fname)] = schema
        if is_required:
            required.append(str(fname))
        if unique:
            x_unique.append([str(fname)])
        elif schema.get("x-index") and schema.get("type") not in ("object", "array", None):
            x_indexes.append({"fields": [str(fname)]})
    for index in indexes or []:
        if isinstance(index, dict) and isinstance(index.get("fields"), list):
            cols = [str(f) for f in index["fields"] if str(f) not in _DROPPED_FIELDS]
            if not cols or any(c not in properties for c in cols):
                continue
            entry: dict[str, Any] = {"fields": cols}
            if index.get("name"):
                entry["name"] = re.sub(r"[^A-Za-z0-9_]", "_", str(index["name"]))[:40]
            if index.get("unique"):
                entry["unique"] = True
            x_indexes.append(entry)
    entity = re.sub(r"[^A-Za-z0-9_]", "", name) or "Entity"
    doc: dict[str, Any] = {"x-entity": entity, "title": entity, "type": "object"}
    if description:
        doc["description"] = str(description)
    doc["properties"] = properties
    if required:
        doc["required"] = required
    if x_indexes:
        doc["x-indexes"] = x_indexes
    if x_unique:
        doc["x-unique"] = x_unique
    x_acl, owner = convert_acl(acl)
    if owner is not None and owner in properties:
        doc["x-owner"] = owner
    elif owner is not None:
        x_acl = {op: (r["level"] if isinstance(r, dict) else r) for op, r in x_acl.items()}
    if x_acl:
        doc["x-acl"] = x_acl
    if extra:
        doc.update(extra)
    return doc


def from_schema_json(document: Any) -> list[dict[str, Any]]:
    """``entities/schema.json``: ``{entities: [{name, version, primaryKey, fields: {...}}]}``."""
    out = []
    entities = document.get("entities") if isinstance(document, dict) else None
    for entity in entities or []:
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            continue
        extra: dict[str, Any] = {"x-source": "entities/schema.json"}
        if isinstance(entity.get("version"), str):
            extra["x-version"] = entity["version"]
        if isinstance(entity.get("timestamps"), bool):
            extra["x-timestamps"] = entity["timestamps"]
        if isinstance(entity.get("softDelete"), bool):
            extra["x-soft-delete"] = entity["softDelete"]
        fields: dict[str, Any] = entity["fields"] if isinstance(entity.get("fields"), dict) else {}
        out.append(
            convert_entity(
                entity["name"],
                fields,
                description=entity.get("description"),
                indexes=entity.get("indexes"),
                extra=extra,
            )
        )
    return out


def from_dbal_yaml(document: Any) -> dict[str, Any] | None:
    """One DBAL entity YAML document: ``{entity, version, package?, fields, indexes, acl}``,
    or the HEAD layout ``{name, displayName, tenantId, fields, ...}``."""
    if not isinstance(document, dict) or not isinstance(document.get("fields"), dict):
        return None
    name = document.get("entity")
    if not isinstance(name, str):
        shown, raw = document.get("displayName"), document.get("name")
        name = shown if isinstance(shown, str) else raw
        if not isinstance(name, str):
            return None
        name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))
    fields: dict[str, Any] = document["fields"]
    extra: dict[str, Any] = {"x-source": "dbal-yaml"}
    if document.get("version") is not None:
        extra["x-version"] = str(document["version"])
    if isinstance(document.get("package"), str):
        extra["x-package"] = document["package"]
    return convert_entity(
        name,
        fields,
        description=document.get("description"),
        indexes=document.get("indexes"),
        acl=document.get("acl"),
        extra=extra,
    )
