"""The detail view: one record, its foreign keys as links, and the records that point at it.

Related records are those of entities (of packages installed in the tenant) that declare an
`x-foreign-keys` entry aimed at this entity; each group shows the first RELATED_MAX rows the
visitor may read and links to the list filtered on the key. Groups the visitor may not read
are left out, as are references the visitor may not follow (shown as the bare id).
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import urlencode

from dbal.database import Database
from dbal.entity_model import EntityModel
from dbal.errors import DataError
from dbal.relations import pointing_keys
from dbal.scope import Scope
from web.views.fields import display_text, foreign_key, label_of, row_label
from web.views.listing import label_of_entity, may

RELATED_MAX: Final = 10
BLOCK_KINDS: Final = ("json",)


def detail_view(
    db: Database,
    scope: Scope,
    model: EntityModel,
    row: dict[str, Any],
    *,
    slug: str,
    base: str,
    installed: set[str],
) -> dict[str, Any]:
    """`data.view` of the detail component (web/views/README.md describes every key)."""
    fields = []
    for name in model.visible:
        spec = model.fields[name]
        value = row.get(name)
        text = display_text(value, spec) if spec.kind != "json" else _json_text(value)
        href = ""
        fk = foreign_key(model, name)
        if fk is not None and value:
            try:
                target = db.schema.get(fk.entity, model.package_id).model
                linked = db.entities(scope, package=target.package_id).read(target.name, value)
                href = f"/{slug}/{target.package_id}/{target.name}/{value}"
                text = row_label(target, linked)
            except DataError:
                pass  # not readable by this visitor: the bare id stays
        fields.append(
            {
                "name": name,
                "label": label_of(spec),
                "text": text,
                "href": href,
                "block": spec.kind in BLOCK_KINDS and value is not None,
            }
        )
    record_id = str(row["id"])
    return {
        "title": row_label(model, row),
        "id": record_id,
        "entity": model.name,
        "package": model.package_id,
        "fields": fields,
        "related": related(db, scope, model, record_id, slug=slug, installed=installed),
        "editHref": f"{base}/{record_id}/edit" if may(model, scope, "update", row) else "",
        "canDelete": may(model, scope, "delete", row),
        "listHref": base,
        "listTitle": label_of_entity(model),
    }


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)


def related(
    db: Database,
    scope: Scope,
    model: EntityModel,
    record_id: str,
    *,
    slug: str,
    installed: set[str],
) -> list[dict[str, Any]]:
    groups = []
    for other, field, _ in pointing_keys(db.schema, model, installed):
        try:
            page = db.entities(scope, package=other.package_id).list(
                other.name, filter={field: record_id}, limit=RELATED_MAX, total=True
            )
        except DataError:
            continue  # not readable at this level
        other_base = f"/{slug}/{other.package_id}/{other.name}"
        query = urlencode([("ff", field), ("fo", "eq"), ("fv", record_id)])
        groups.append(
            {
                "entity": other.qualified_name,
                "title": f"{label_of_entity(other)} by {label_of(other.fields[field])}",
                "total": page["total"] or 0,
                "href": f"{other_base}?{query}",
                "rows": [
                    {"href": f"{other_base}/{r['id']}", "label": row_label(other, r)}
                    for r in page["items"]
                ],
            }
        )
    return groups
