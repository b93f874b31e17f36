"""`metabuilder packages import-original DIR OUT`: the original project's packages in our format.

Each package is loaded tolerantly (HEAD page-config and workflow files merged in when a HEAD
directory is given, DBAL entity YAML attached to the package it names), normalised, written to
``OUT/<id>/`` and then validated strictly. Every normalisation is listed in the result, and
what still fails strict validation is reported per package, so the output either validates or
says exactly why not.

Normalisations: ``packageId`` -> ``id``; 1..6 levels -> 0..5; dependencies as an object;
duplicate ``type`` keys -> ``inputType``; missing commas repaired; the ui_pages ``pages``
array and media_center ``routes`` -> ``page-config/``; ``entities/schema.json`` and DBAL YAML ->
one entity document each; exported names without a definition dropped; handler references to
scripts that do not exist moved to ``x-original-<key>`` (they never had a body).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.packages.checks import resolves
from engine.packages.compat import snake_id
from engine.packages.entities_compat import from_dbal_yaml
from engine.packages.loader import load_package
from engine.packages.model import Package, PageRoute
from engine.packages.problems import Problem
from engine.packages.validate import package_dirs, validate_path

__all__ = ["ImportResult", "import_original"]

_HANDLER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
# files and folders the importer writes itself; everything else is copied as it is
_CONVERTED = {
    "package.json",
    "components",
    "page-config",
    "workflow",
    "entities",
    "permissions/roles.json",
    "styles/tokens.json",
}


@dataclass
class ImportResult:
    package_id: str
    source: Path
    out: Path | None = None
    components: int = 0
    pages: int = 0
    entities: int = 0
    workflows: int = 0
    tests: int = 0
    warnings: int = 0
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # strict validation of the output

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def valid(self) -> bool:
        return self.out is not None and not self.errors

    def summary(self) -> str:
        state = "valid" if self.valid else f"INVALID ({len(self.errors)} errors)"
        return (
            f"{self.package_id}: components={self.components} pages={self.pages} "
            f"entities={self.entities} workflows={self.workflows} tests={self.tests} "
            f"changes={len(self.changes)} warnings={self.warnings} strict={state}"
        )


def import_original(
    source: Path,
    out: Path,
    *,
    head: Path | None = None,
    dbal: Path | None = None,
    reference_dirs: list[Path] | None = None,
) -> list[ImportResult]:
    """Import every package under ``source`` into ``out``; see the module docstring."""
    dbal_entities = _dbal_entities(dbal) if dbal is not None else {}
    results: list[ImportResult] = []
    out.mkdir(parents=True, exist_ok=True)
    for directory in package_dirs(source):
        overlay = head / directory.name if head is not None else None
        loaded = load_package(directory, "tolerant", overlay=overlay)
        result = ImportResult(directory.name, directory, warnings=len(loaded.warnings))
        results.append(result)
        if loaded.package is None:
            result.problems = list(loaded.problems)
            continue
        package = loaded.package
        result.package_id = package.id
        result.changes.extend(
            f"{p.file}#{p.pointer}: {p.message}" for p in loaded.warnings if _is_change(p)
        )
        target = out / package.id
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        _write_package(package, directory, target, result, dbal_entities.get(package.id, []))
        result.out = target
    by_dir = {r.out.name: r for r in results if r.out is not None}
    for report in validate_path(out, "strict", reference_dirs=reference_dirs or []):
        found = by_dir.get(report.path.name)
        if found is not None:
            found.problems = report.problems
    return results


_CHANGE_CODES = {
    "json_repaired",
    "duplicate_key",
    "level_normalised",
    "dependencies_array",
    "entities_converted",
    "page_from_components",
    "legacy_metadata",
    "untyped_ref_node",
}


def _is_change(problem: Problem) -> bool:
    return problem.code in _CHANGE_CODES


def _dbal_entities(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Package-owned entities of the DBAL YAML tree, by the package they name."""
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(root.rglob("*.yaml")):
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue
        for document in documents:
            entity = from_dbal_yaml(document)
            owner = entity.get("x-package") if entity else None
            if entity is not None and isinstance(owner, str):
                entity["x-source"] = f"dbal-yaml:{path.relative_to(root).as_posix()}"
                found.setdefault(owner, []).append(entity)
    return found


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_package(
    package: Package,
    source: Path,
    target: Path,
    result: ImportResult,
    extra_entities: list[dict[str, Any]],
) -> None:
    _dump(target / "package.json", _metadata(package, result))
    components = [_component(c.definition, package, result) for c in package.components]
    _dump(target / "components" / "ui.json", _components_file(package, source, components))
    result.components = len(components)
    if package.pages:
        _dump(target / "page-config" / "page-config.json", [_route(r) for r in package.pages])
        result.pages = len(package.pages)
    entities = list(package.entities)
    known = {e.get("x-entity") for e in entities}
    for entity in extra_entities:
        if entity.get("x-entity") not in known:
            entities.append(entity)
            result.changes.append(f"entity {entity['x-entity']} from {entity['x-source']}")
    for entity in entities:
        _dump(target / "entities" / f"{snake_id(str(entity['x-entity']))}.json", entity)
    result.entities = len(entities)
    for flow in package.workflows:
        name = re.sub(r"[^a-z0-9_-]+", "_", str(flow.get("id", "flow")).lower())
        _dump(target / "workflow" / f"{name.removeprefix('workflow_') or name}.json", flow)
    result.workflows = len(package.workflows)
    if package.permissions:
        _dump(target / "permissions" / "roles.json", package.permissions)
    if package.tokens:
        _dump(target / "styles" / "tokens.json", package.tokens)
    result.tests = len(package.tests)
    _copy_rest(source, target)


def _metadata(package: Package, result: ImportResult) -> dict[str, Any]:
    meta = {k: v for k, v in package.metadata.items() if k not in ("packageId", "routes")}
    if "routes" in package.metadata:
        result.changes.append("package.json#/routes: moved to page-config/page-config.json")
    schema = meta.get("$schema")
    if isinstance(schema, str) and "metabuilder.dev" in schema:
        del meta["$schema"]
    meta["id"] = package.id
    meta["minLevel"] = package.min_level
    exports = dict(meta.get("exports") or {})
    components = exports.get("components")
    if isinstance(components, list):
        kept = [c for c in components if isinstance(c, str) and resolves(package, c)]
        if len(kept) != len(components):
            dropped = [c for c in components if c not in kept]
            result.changes.append(f"package.json#/exports/components: dropped undefined {dropped}")
        exports["components"] = kept
    scripts = exports.get("scripts")
    if isinstance(scripts, list):
        names = {s.name for s in package.scripts}
        kept = [s for s in scripts if s in names]
        if len(kept) != len(scripts):
            result.changes.append(
                f"package.json#/exports/scripts: dropped {len(scripts) - len(kept)} names "
                "without a script body"
            )
        exports["scripts"] = kept
    if exports:
        meta["exports"] = exports
    ordered = {"id": meta.pop("id")}
    ordered.update(meta)
    return ordered


def _component(
    definition: dict[str, Any], package: Package, result: ImportResult
) -> dict[str, Any]:
    out = dict(definition)
    scripts = {s.name for s in package.scripts}
    for key in ("handlers", "scripts", "events"):
        table = out.get(key)
        if not isinstance(table, dict):
            continue
        dangling = {
            event: ref
            for event, ref in table.items()
            if isinstance(ref, str)
            and _HANDLER_NAME.match(ref)
            and ref.split(".", 1)[0] not in scripts
            and ref.split(".", 1)[0] not in package.dependencies
        }
        if not dangling:
            continue
        remaining = {k: v for k, v in table.items() if k not in dangling}
        if remaining:
            out[key] = remaining
        else:
            del out[key]
        out[f"x-original-{key}"] = dangling
        result.changes.append(
            f"component {out.get('id')}: moved {len(dangling)} {key} references without "
            f"a script to x-original-{key}"
        )
    return out


def _components_file(
    package: Package, source: Path, components: list[dict[str, Any]]
) -> dict[str, Any]:
    envelope: dict[str, Any] = {}
    original = source / "components" / "ui.json"
    try:
        raw = json.loads(original.read_text(encoding="utf-8")) if original.is_file() else {}
    except (OSError, ValueError):
        raw = {}  # the tolerant loader repaired it; its components come from the package
    for key in ("$schema", "schemaVersion", "package", "description", "exports", "imports"):
        if isinstance(raw, dict) and key in raw:
            envelope[key] = raw[key]
    envelope["components"] = components
    return envelope


def _route(route: PageRoute) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": route.id,
        "path": route.path,
        "title": route.title,
        "component": route.component,
        "level": route.level,
        "requiresAuth": route.requires_auth,
        "isPublished": route.is_published,
        "sortOrder": route.sort_order,
    }
    if route.description is not None:
        out["description"] = route.description
    if route.icon is not None:
        out["icon"] = route.icon
    for key, value in route.meta.items():
        if key != "layout":
            out[key] = value
    return out


def _copy_rest(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(source).as_posix()
        top = rel.split("/", 1)[0]
        if rel in _CONVERTED or top in _CONVERTED:
            continue
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
