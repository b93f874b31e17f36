"""The original project's DBAL entity YAML -> our entity JSON Schema (same EntityModel).

The original format (`dbal/shared/api/schema/entities/**.yaml`, one or more `---` documents
per file) declares `entity`, `package`, `fields` (type uuid|cuid|string|text|email|integer|
bigint|boolean|enum|json, required/optional/nullable, unique, index, default, values,
min/max(_length), pattern, sensitive, generated, primary, foreign_key), `indexes`, `acl` and
`security.never_expose`. The conversion:

* `id` and `tenantId` are dropped: every entity table has its own id and tenant_id;
  a non-`id` primary key (InstalledPackage.packageId) becomes a unique field.
* optional / nullable fields accept null; `required` stays required unless `generated`.
* `unique` / `index` and `indexes` become `x-unique` / `x-indexes` (tenantId is implicit).
* `acl` flags map to levels (public 0, user 1, moderator 2, admin 3, god 4, supergod 5,
  system 6 = system scope only; a role list takes its lowest); `self` with
  `row_level: "<field> = $user.id"` becomes `x-owner` and an owner rule at level 1.
* `sensitive` and `security.never_expose` become `x-sensitive`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

LEVELS = {"public": 0, "user": 1, "moderator": 2, "admin": 3, "god": 4, "supergod": 5,
          "system": 6}  # fmt: skip
ROW_LEVEL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*\$user\.id\b")
STRINGS = {"uuid", "cuid", "string", "text", "email"}


def load_documents(text: str) -> list[dict[str, Any]]:
    """Every entity document of a (multi-document) YAML file."""
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and "entity" in d]


def to_json_schema(document: Mapping[str, Any]) -> dict[str, Any]:
    """One original entity document as an entity JSON Schema with x- extensions."""
    name = str(document["entity"])
    fields: Mapping[str, Any] = document.get("fields") or {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    uniques: list[list[str]] = []
    plain_indexes: list[list[str]] = []
    sensitive: set[str] = set(document.get("security", {}).get("never_expose", []) or [])
    fks: list[dict[str, Any]] = []
    for fname, spec in fields.items():
        if not isinstance(spec, Mapping) or fname == "tenantId":
            continue
        if fname == "id" or (spec.get("primary") and fname == "id"):
            continue
        prop = _property(spec)
        properties[fname] = prop
        if spec.get("required") and not spec.get("generated") and not spec.get("optional"):
            required.append(fname)
        if spec.get("unique") or spec.get("primary"):
            uniques.append([fname])
        elif spec.get("index"):
            plain_indexes.append([fname])
        if spec.get("sensitive"):
            sensitive.add(fname)
        fk = spec.get("foreign_key")
        if isinstance(fk, Mapping) and fk.get("field", "id") == "id" and "entity" in fk:
            fks.append({"field": fname, "entity": str(fk["entity"]),
                        "on_delete": str(fk.get("on_delete", "restrict")).lower()})  # fmt: skip
    for index in document.get("indexes") or []:
        cols = [c for c in index.get("fields", []) if c in properties]
        if not cols:
            continue
        target = uniques if index.get("unique") else plain_indexes
        if cols not in target:
            target.append(cols)
    schema: dict[str, Any] = {
        "type": "object",
        "x-entity": name,
        "title": name,
        "properties": properties,
        "required": required,
        "x-unique": _dedupe(uniques),
        "x-indexes": [i for i in _dedupe(plain_indexes) if i not in uniques],
        "x-sensitive": sorted(s for s in sensitive if s in properties),
        "x-foreign-keys": fks,
    }
    if document.get("description"):
        schema["description"] = str(document["description"])
    acl, owner = _acl(document.get("acl") or {}, properties)
    schema["x-acl"] = acl
    if owner is not None:
        schema["x-owner"] = owner
    return schema


def _property(spec: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(spec.get("type", "string"))
    nullable = bool(spec.get("nullable") or spec.get("optional"))
    prop: dict[str, Any]
    if kind == "enum":
        values = list(spec.get("values") or spec.get("enum") or [])
        prop = {"enum": [*values, None] if nullable else values}
    elif kind in ("integer", "bigint", "int"):
        prop = {"type": "integer"}
    elif kind == "boolean":
        prop = {"type": "boolean"}
    elif kind == "json":
        prop = {"type": ["object", "array", "string", "number", "boolean"]}
    elif kind in ("number", "float", "double"):
        prop = {"type": "number"}
    else:
        prop = {"type": "string"}
        if kind == "email":
            prop["format"] = "email"
    if nullable and "type" in prop:
        prop["type"] = [*_as_list(prop["type"]), "null"]
    for ours, theirs in (("minLength", "min_length"), ("maxLength", "max_length"),
                         ("minimum", "min"), ("maximum", "max"), ("pattern", "pattern"),
                         ("default", "default"), ("description", "description")):  # fmt: skip
        if theirs in spec:
            prop[ours] = spec[theirs]
    if "maxLength" in spec:
        prop["maxLength"] = spec["maxLength"]
    return prop


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _dedupe(items: Iterable[list[str]]) -> list[list[str]]:
    out: list[list[str]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _acl(
    raw: Mapping[str, Any], properties: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    acl: dict[str, Any] = {}
    owner: str | None = None
    for op in ("create", "read", "update", "delete"):
        rule = raw.get(op)
        if not isinstance(rule, Mapping):
            continue
        levels = [LEVELS[k] for k, v in rule.items() if v is True and k in LEVELS]
        roles = rule.get("role")
        if isinstance(roles, list):
            levels += [LEVELS[r] for r in roles if r in LEVELS]
        level = min(levels) if levels else 6
        entry: dict[str, Any] = {"level": level}
        if rule.get("self") is True:
            match = ROW_LEVEL.match(str(rule.get("row_level", "")))
            field = match.group(1) if match else ("userId" if "userId" in properties else "id")
            if field == "id" or field in properties:
                owner = owner or field
                if field == owner and level > 1:
                    entry["owner"] = 1
        acl[op] = entry
    return acl, owner
