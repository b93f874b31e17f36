"""Value types of the renderer's public surface (imports nothing else from the renderer)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class ResolvedComponent(NamedTuple):
    """A component found by the resolver: the package that defines it and its raw definition."""

    package_id: str
    definition: Mapping[str, Any]


Resolver = Callable[[str, str, Mapping[str, str]], "ResolvedComponent | None"]
"""resolve(package_id, ref, versions) -> the component `ref` (an id or a name) as seen from
`package_id`, at the tenant's installed package `versions` (none given: the newest)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: str
    level: int
    username: str | None = None


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Per-request inputs. `data` is in scope as `data`, `params` as `params`."""

    tenant: str
    user: UserInfo | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    csrf_token: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    """The tenant's installed package versions: components resolve at these versions."""


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A node that could not be rendered; the page shows a visible marker instead."""

    package_id: str
    component: str
    node_type: str
    reason: str


@dataclass(frozen=True, slots=True)
class FailedExpression:
    package_id: str
    component: str
    expression: str
    error: str


@dataclass(slots=True)
class RenderResult:
    html: str
    css: str
    placeholders: list[Placeholder]
    failed_expressions: list[FailedExpression]
