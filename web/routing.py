"""Data-driven routing: which component a tenant's URL path shows.

Order (the original's, made per tenant):
1. a published PageConfig row of the tenant whose path pattern matches (`/forum/thread/:threadId`);
   literal routes win over patterns, then `sort_order`;
2. an enabled installed package whose config `defaultRoute` equals the path;
3. `/{package}`: the home component of an enabled, primary installed package;
otherwise no match (the caller answers 404).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class RouteMatch:
    package_id: str
    component: str | None  # None: the package's home component
    title: str = ""
    level: int = 0
    requires_auth: bool = False
    params: Mapping[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def compile_path(pattern: str) -> tuple[re.Pattern[str], bool]:
    """`/a/:id/b` -> a regex with named groups, and whether the pattern is literal."""
    parts = []
    literal = True
    for segment in normalise(pattern).split("/"):
        match = PARAM.fullmatch(segment)
        if match:
            literal = False
            parts.append(f"(?P<{match.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/".join(parts) or "/"), literal


def normalise(path: str) -> str:
    path = "/" + path.strip("/")
    return path


def match_page_configs(rows: Iterable[Mapping[str, Any]], path: str) -> RouteMatch | None:
    path = normalise(path)
    candidates: list[tuple[int, int, RouteMatch]] = []
    for row in rows:
        regex, literal = compile_path(str(row["path"]))
        m = regex.fullmatch(path)
        if m is None:
            continue
        candidates.append(
            (
                0 if literal else 1,
                int(row.get("sort_order") or 0),
                RouteMatch(
                    package_id=str(row["package_id"]),
                    component=row.get("component"),
                    title=str(row.get("title") or ""),
                    level=int(row.get("level") or 0),
                    requires_auth=bool(row.get("requires_auth")),
                    params=m.groupdict(),
                ),
            )
        )
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]))
    return candidates[0][2]


def match_installed(
    installed: Iterable[Mapping[str, Any]], path: str, *, primary: Mapping[str, bool]
) -> RouteMatch | None:
    """Steps 2 and 3 over the tenant's enabled installed packages."""
    path = normalise(path)
    rows = [row for row in installed if row.get("enabled", True)]
    for row in rows:
        config = row.get("config") or {}
        if isinstance(config, Mapping) and config.get("defaultRoute") == path:
            return RouteMatch(package_id=str(row["package_id"]), component=None)
    segment = path.strip("/")
    if segment and "/" not in segment:
        for row in rows:
            if row["package_id"] == segment and primary.get(segment, False):
                return RouteMatch(package_id=segment, component=None)
    return None
