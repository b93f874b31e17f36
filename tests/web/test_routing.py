"""Routing from data: which route wins for a tenant's path."""

from __future__ import annotations

from typing import Any

import pytest

from web.routing import compile_path, match_installed, match_page_configs


def row(path: str, component: str = "c", **extra: Any) -> dict[str, Any]:
    return {"path": path, "package_id": "pkg", "component": component, **extra}


@pytest.mark.parametrize(
    ("pattern", "path", "params"),
    [
        ("/", "/", {}),
        ("/hello", "/hello", {}),
        ("/hello", "/hello/", {}),
        ("/forum/thread/:threadId", "/forum/thread/42", {"threadId": "42"}),
        ("/a/:x/b/:y", "/a/1/b/2", {"x": "1", "y": "2"}),
        ("/hello", "/hello/more", None),
        ("/forum/thread/:threadId", "/forum/thread", None),
        ("/forum/thread/:threadId", "/forum/thread/1/2", None),
        ("/a.b", "/aXb", None),
    ],
)
def test_a_path_pattern_matches_exactly_its_paths(
    pattern: str, path: str, params: dict[str, str] | None
) -> None:
    regex, _ = compile_path(pattern)
    m = regex.fullmatch("/" + path.strip("/"))
    assert (m.groupdict() if m else None) == params


def test_a_literal_route_wins_over_a_pattern_whatever_the_order() -> None:
    rows = [
        row("/forum/:section", "by_param", sort_order=0),
        row("/forum/new", "literal", sort_order=9),
    ]
    match = match_page_configs(rows, "/forum/new")
    assert match is not None and match.component == "literal"


def test_sort_order_breaks_ties_between_patterns() -> None:
    rows = [row("/x/:a", "second", sort_order=2), row("/x/:b", "first", sort_order=1)]
    match = match_page_configs(rows, "/x/1")
    assert match is not None and match.component == "first"


def test_route_fields_come_through() -> None:
    rows = [row("/admin", "panel", level=3, requires_auth=True, title="Admin")]
    match = match_page_configs(rows, "/admin")
    assert match is not None
    assert (match.level, match.requires_auth, match.title) == (3, True, "Admin")


def test_page_config_misses_give_none() -> None:
    assert match_page_configs([row("/a")], "/b") is None


INSTALLED = [
    {"package_id": "ui_home", "enabled": True, "config": {"defaultRoute": "/"}},
    {"package_id": "dashboard", "enabled": True, "config": {}},
    {"package_id": "widgets", "enabled": True, "config": {}},
    {"package_id": "hidden", "enabled": False, "config": {"defaultRoute": "/secret"}},
]
PRIMARY = {"ui_home": True, "dashboard": True, "widgets": False, "hidden": True}


@pytest.mark.parametrize(
    ("path", "package"),
    [
        ("/", "ui_home"),
        ("/dashboard", "dashboard"),
        ("/widgets", None),  # not primary: cannot own a /{package} route
        ("/secret", None),  # disabled packages route nothing
        ("/hidden", None),
        ("/dashboard/more", None),
        ("/nothing", None),
    ],
)
def test_installed_packages_route_by_default_route_then_by_id(
    path: str, package: str | None
) -> None:
    match = match_installed(INSTALLED, path, primary=PRIMARY)
    assert (match.package_id if match else None) == package
