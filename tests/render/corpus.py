"""The original 51 packages as renderer input: components per package, dependencies, resolver.

Reads `components/ui.json` with the package loader's tolerant JSON reader (missing comma,
duplicate `type` keys) and resolves refs by id then name, in the package then its dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.packages.jsonread import read_json
from web.render import ResolvedComponent


@dataclass
class Corpus:
    components: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def resolve(
        self, package_id: str, ref: str, versions: Mapping[str, str] | None = None
    ) -> ResolvedComponent | None:
        for pkg in [package_id, *self.dependencies.get(package_id, [])]:
            for comp in self.components.get(pkg, []):
                if comp.get("id") == ref:
                    return ResolvedComponent(pkg, comp)
            for comp in self.components.get(pkg, []):
                if comp.get("name") == ref:
                    return ResolvedComponent(pkg, comp)
        return None

    def all(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for package_id in sorted(self.components):
            for comp in self.components[package_id]:
                yield package_id, comp


def load_corpus(root: Path) -> Corpus:
    corpus = Corpus()
    for package_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        meta_path = package_dir / "package.json"
        package_id = package_dir.name
        deps: list[str] = []
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            package_id = str(meta.get("packageId") or meta.get("id") or package_id)
            raw_deps = meta.get("dependencies") or {}
            deps = list(raw_deps) if isinstance(raw_deps, dict | list) else []
        ui = package_dir / "components" / "ui.json"
        if ui.is_file():
            read = read_json(ui.read_text(), str(ui), "tolerant")
            document = read.value if isinstance(read.value, dict) else {}
            comps = [c for c in document.get("components", []) if isinstance(c, dict)]
            corpus.components[package_id] = comps
        corpus.dependencies[package_id] = [str(d) for d in deps]
        tokens = package_dir / "styles" / "tokens.json"
        if tokens.is_file():
            corpus.tokens[package_id] = json.loads(tokens.read_text())
    return corpus
