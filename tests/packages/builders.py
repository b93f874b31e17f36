"""Write small packages to disk for tests: `write_package(root, "pkg", package={...}, ...)`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def component(cid: str, name: str | None = None, template: Any = None) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name or "".join(p.title() for p in cid.split("_")),
        "props": [],
        "render": {"type": "element", "template": template or {"type": "Box", "children": cid}},
    }


def write_package(
    root: Path,
    package_id: str,
    *,
    version: str = "1.0.0",
    package: dict[str, Any] | None = None,
    components: list[dict[str, Any]] | None = None,
    pages: list[dict[str, Any]] | None = None,
    entities: dict[str, dict[str, Any]] | None = None,
    scripts: dict[str, tuple[dict[str, Any], str]] | None = None,
    workflows: dict[str, dict[str, Any]] | None = None,
    raw: dict[str, str] | None = None,
    dirname: str | None = None,
) -> Path:
    """A strictly valid package unless the arguments make it otherwise; returns its path."""
    path = root / (dirname or package_id)
    path.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "id": package_id,
        "name": package_id.replace("_", " ").title(),
        "version": version,
        "description": f"test package {package_id}",
        "minLevel": 0,
        "primary": True,
        "dependencies": {},
    }
    meta.update(package or {})
    _dump(path / "package.json", meta)
    comps = components if components is not None else [component(f"{package_id}_page")]
    _dump(path / "components" / "ui.json", {"components": comps})
    if pages is None and comps:
        pages = [
            {
                "id": f"page_{package_id}",
                "path": f"/{package_id}",
                "title": package_id,
                "component": comps[0]["id"],
                "level": 0,
            }
        ]
    if pages:
        _dump(path / "page-config" / "page-config.json", pages)
    for name, schema in (entities or {}).items():
        _dump(path / "entities" / f"{name}.json", schema)
    for name, (manifest, body) in (scripts or {}).items():
        _dump(path / "scripts" / f"{name}.json", manifest)
        (path / "scripts" / f"{name}.py").write_text(body, encoding="utf-8")
    for name, flow in (workflows or {}).items():
        _dump(path / "workflow" / f"{name}.json", flow)
    for rel, text in (raw or {}).items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return path


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
