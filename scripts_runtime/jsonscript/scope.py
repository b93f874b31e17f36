"""Name resolution for translated JSON-script: which identifiers are locals, parameters,
constants, functions or JavaScript globals, and which closures must say `nonlocal`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scripts_runtime.jsonscript.stdlib import GLOBAL_NAMES


@dataclass
class Scope:
    declared: set[str] = field(default_factory=set)
    parent: Scope | None = None
    nonlocals: set[str] = field(default_factory=set)

    def child(self, declared: Iterable[str]) -> Scope:
        return Scope(set(declared), self)

    def owner(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.declared:
                return scope
            scope = scope.parent
        return None

    def note_assignment(self, name: str) -> None:
        """Assigning a name owned by an enclosing function needs `nonlocal` here; a name
        owned by nobody becomes a local of this function (JavaScript would make a global)."""
        owner = self.owner(name)
        if owner is None:
            self.declared.add(name)
        elif owner is not self:
            self.nonlocals.add(name)


def declared_names(statements: Any) -> set[str]:
    """Names a statement list declares (not descending into arrow functions)."""
    names: set[str] = set()
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        kind = statement.get("type")
        if kind in ("const_declaration", "let_declaration", "var_declaration"):
            names.update(pattern_names(statement.get("name")))
        elif kind == "for_each_loop":
            for key in ("iterator", "indexVar"):
                if isinstance(statement.get(key), str):
                    names.add(statement[key])
        elif kind == "try_catch":
            catch = statement.get("catch")
            if isinstance(catch, dict) and isinstance(catch.get("param"), str):
                names.add(catch["param"])
        for key in ("then", "else", "body", "try", "finally", "default"):
            names |= declared_names(statement.get(key))
        if kind == "try_catch" and isinstance(statement.get("catch"), dict):
            names |= declared_names(statement["catch"].get("body"))
        if kind == "switch_statement":
            for case in statement.get("cases") or []:
                if isinstance(case, dict):
                    names |= declared_names(case.get("consequent"))
    return names


def pattern_names(pattern: Any) -> list[str]:
    if isinstance(pattern, str):
        return [pattern]
    if isinstance(pattern, dict):
        if pattern.get("type") == "object_pattern":
            properties = pattern.get("properties") or {}
            if isinstance(properties, dict):
                return [str(v) for v in properties.values()]
            return [str(p.get("value", p.get("key"))) for p in properties if isinstance(p, dict)]
        if pattern.get("type") == "array_pattern":
            return [str(e).removeprefix("...") for e in pattern.get("elements") or [] if e]
    return []


def is_js_global(name: str) -> bool:
    return name in GLOBAL_NAMES
