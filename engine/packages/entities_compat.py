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
    "json": {},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "datetime": {"type": "string", "format": "date-time"},
    "timestamp": {"type": "integer", "x-bigint": True},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
}


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return re.sub(r"[^a-z0-9_]", "_", s.lower())


def table_name(entity: str, package_id: str | None) -> str:
    base = snake(entity)
    return f"{package_id}_{base}" if package_id and not base.startswith(package_id) else base


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
        out["type"] = [out["type"], "null"]
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
    package_id: str | None,
    *,
    description: str | None = None,
    indexes: list[Any] | None = None,
    acl: Any = None,
    primary_key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    x_indexes: list[dict[str, Any]] = []
    for fname, spec in fields.items():
        schema, is_required, unique = _field(spec)
        properties[str(fname)] = schema
        if is_required:
            required.append(str(fname))
        if unique:
            x_indexes.append({"fields": [str(fname)], "unique": True})
        if schema.get("x-primary") and primary_key is None:
            primary_key = str(fname)
    for index in indexes or []:
        if isinstance(index, dict) and isinstance(index.get("fields"), list):
            entry: dict[str, Any] = {"fields": [str(f) for f in index["fields"]]}
            if index.get("unique"):
                entry["unique"] = True
            if index.get("name"):
                entry["name"] = str(index["name"])
            x_indexes.append(entry)
    doc: dict[str, Any] = {
        "title": re.sub(r"[^A-Za-z0-9]", "", name[:1].upper() + name[1:]),
        "type": "object",
        "properties": properties,
    }
    if description:
        doc["description"] = description
    if required:
        doc["required"] = required
    doc["x-table"] = table_name(name, package_id)
    if primary_key:
        doc["x-primary-key"] = primary_key
    if x_indexes:
        doc["x-indexes"] = x_indexes
    if isinstance(acl, dict):
        doc["x-acl"] = acl
    if extra:
        doc.update(extra)
    return doc


def from_schema_json(document: Any, package_id: str | None) -> list[dict[str, Any]]:
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
                package_id,
                description=entity.get("description"),
                indexes=entity.get("indexes"),
                primary_key=entity.get("primaryKey")
                if isinstance(entity.get("primaryKey"), str)
                else None,
                extra=extra,
            )
        )
    return out


def from_dbal_yaml(document: Any, package_id: str | None) -> dict[str, Any] | None:
    """One DBAL entity YAML document: ``{entity, version, package?, fields, indexes, acl}``."""
    if not isinstance(document, dict) or not isinstance(document.get("entity"), str):
        return None
    fields: dict[str, Any] = document["fields"] if isinstance(document.get("fields"), dict) else {}
    extra: dict[str, Any] = {"x-source": "dbal-yaml"}
    if document.get("version") is not None:
        extra["x-version"] = str(document["version"])
    owner = document.get("package") if isinstance(document.get("package"), str) else package_id
    return convert_entity(
        document["entity"],
        fields,
        owner,
        description=document.get("description"),
        indexes=document.get("indexes"),
        acl=document.get("acl"),
        extra=extra,
    )
