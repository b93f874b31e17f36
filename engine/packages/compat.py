"""Normalisation of the original project's package quirks (tolerant mode only).

Each change is reported as a warning so `import-original` can say what it changed:
``packageId`` -> ``id``; ``dependencies`` as an array -> an object of ``"*"`` ranges;
``minLevel`` on the 1..6 scale -> 0..5; the ui_pages ``pages`` array with inline layouts ->
routes plus synthetic page components.
"""

from __future__ import annotations

import re
from typing import Any

from engine.packages.levels import from_one_based
from engine.packages.model import ComponentDef, Package, PageRoute
from engine.packages.problems import Problems, pointer

ORIGINAL_SCHEMA_HOST = "metabuilder.dev/schemas"


def snake_id(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9_]", "_", s.lower()).strip("_") or "component"


def is_original(meta: dict[str, Any]) -> bool:
    """The original format names the package `packageId` and tags the metadata schema."""
    schema = meta.get("$schema")
    return "id" not in meta and (
        "packageId" in meta or (isinstance(schema, str) and ORIGINAL_SCHEMA_HOST in schema)
    )


def normalise_metadata(meta: dict[str, Any], file: str, problems: Problems) -> dict[str, Any]:
    out = dict(meta)
    original = is_original(meta)
    if "id" not in out and isinstance(out.get("packageId"), str):
        out["id"] = out.pop("packageId")
    elif "packageId" in out and out.get("packageId") == out.get("id"):
        out.pop("packageId")
    for key in ("dependencies", "devDependencies"):
        deps = out.get(key)
        if isinstance(deps, list):
            out[key] = {str(d): "*" for d in deps if isinstance(d, str)}
            problems.warning(
                "dependencies_array",
                f"{key} given as an array; read as {{id: '*'}} ranges",
                file,
                pointer(key),
            )
        elif deps is not None and not isinstance(deps, dict):
            problems.warning(
                "bad_dependencies", f"{key} ignored: not an object", file, pointer(key)
            )
            out[key] = {}
    level = out.get("minLevel")
    if original and isinstance(level, int) and not isinstance(level, bool):
        normalised = from_one_based(level)
        out["minLevel"] = normalised
        if normalised != level:
            problems.warning(
                "level_normalised",
                f"minLevel {level} on the original 1..6 scale normalised to {normalised}",
                file,
                "/minLevel",
            )
    out["x-original-format"] = original
    return out


def normalise_permission_levels(doc: dict[str, Any], file: str, problems: Problems) -> None:
    permissions = doc.get("permissions")
    if not isinstance(permissions, list):
        return
    changed = 0
    for item in permissions:
        if isinstance(item, dict) and isinstance(item.get("minLevel"), int):
            before = item["minLevel"]
            item["minLevel"] = from_one_based(before)
            changed += item["minLevel"] != before
    if changed:
        problems.warning(
            "level_normalised",
            f"{changed} permission minLevel values normalised from the 1..6 scale to 0..5",
            file,
            "/permissions",
        )


def pages_from_ui_json(package: Package, pages: list[Any], file: str, problems: Problems) -> None:
    """ui_pages keeps routes with inline layout trees in components/ui.json."""
    for index, raw in enumerate(pages):
        ptr = pointer("pages", index)
        if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
            problems.warning("route_without_path", "a page needs a string path", file, ptr)
            continue
        page_id = str(raw.get("id") or f"page_{index}")
        component = raw.get("component")
        if not isinstance(component, str) and isinstance(raw.get("layout"), dict):
            component = f"page_{snake_id(page_id)}"
            definition = {
                "id": component,
                "name": component,
                "description": f"layout of page {raw['path']}",
                "props": [],
                "render": {"type": "element", "template": raw["layout"]},
            }
            package.components.append(ComponentDef(component, component, definition, file, ptr))
        level = raw.get("level", 1)
        package.pages.append(
            PageRoute(
                id=page_id,
                path=raw["path"],
                title=str(raw.get("title", "")),
                component=str(component or ""),
                level=from_one_based(level) if isinstance(level, int) else 0,
                requires_auth=raw.get("requiresAuth") is True,
                is_published=raw.get("isPublished", True) is not False,
                file=file,
                pointer=ptr,
            )
        )
        problems.warning(
            "page_from_components",
            f"route {raw['path']} read from the `pages` array (level {level} on the 1..6 scale)",
            file,
            ptr,
        )


def normalise_template(definition: dict[str, Any], file: str, ptr: str, problems: Problems) -> None:
    """A node with no ``type`` but a ``ref`` (css_designer) is a ComponentRef."""
    stack: list[tuple[Any, str]] = [(definition.get("render"), ptr + "/render")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if "type" not in node and "$ref" not in node and isinstance(node.get("ref"), str):
                node["type"] = "ComponentRef"
                problems.warning(
                    "untyped_ref_node",
                    f"a node with `ref` {node['ref']!r} and no type is read as a ComponentRef",
                    file,
                    where,
                )
            stack.extend((v, where + pointer(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, where + pointer(i)) for i, v in enumerate(node))
