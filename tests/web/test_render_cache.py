"""The render cache: hits while nothing changed; misses after writes to what the page reads,
package changes and tenant invalidation, also across two app instances sharing one Redis;
and never another viewer's or tenant's personalised HTML or CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from dbal.database import Database
from dbal.scope import Scope
from tests.packages.builders import write_package
from tests.web.app import client
from tests.web.pages_harness import app_over, install, new_tenant, svc_of
from web.identity import Identity
from web.pages import CACHE_HEADER

REDIS_URL = "redis://127.0.0.1:6379/0"
SYSTEM = Scope.system()
THREAD: dict[str, Any] = {
    "type": "object",
    "x-entity": "thread",
    "properties": {"title": {"type": "string"}},
    "required": ["title"],
    "x-acl": {"read": 0, "create": 1},
}


def component(cid: str, template: Any, data: Any = None, **extra: Any) -> dict[str, Any]:
    found = {"id": cid, "name": cid.title(), "render": {"type": "element", "template": template}}
    return {**found, **({"data": data} if data else {}), **extra}


COMPONENTS = [
    component(
        "board_page",
        {
            "type": "Box",
            "children": [
                {"type": "Typography", "children": "greeting={{data.greeting}}"},
                {
                    "type": "loop",
                    "items": "{{data.threads}}",
                    "template": {"type": "Typography", "children": "thread={{item.title}}"},
                },
            ],
        },
        {
            "greeting": {"source": "kv", "key": "greeting", "default": "none"},
            "threads": {"source": "entity", "entity": "thread", "sort": "title"},
        },
    ),
    component("me_page", {"type": "Typography", "children": "me={{user?.username ?? 'guest'}}"}),
    component(
        "form_page",
        {"type": "form", "children": [{"type": "input", "name": "title"}]},
    ),
    component("live_page", {"type": "Typography", "children": "live"}, **{"x-cache": False}),
    component("clock_page", {"type": "Typography", "children": "{{Date.now()}}"}),
]
PAGES = [
    {"id": "p1", "path": "/board", "title": "Board", "component": "board_page"},
    {"id": "p2", "path": "/me", "title": "Me", "component": "me_page"},
    {"id": "p3", "path": "/form", "title": "Form", "component": "form_page"},
    {"id": "p4", "path": "/live", "title": "Live", "component": "live_page"},
    {"id": "p5", "path": "/clock", "title": "Clock", "component": "clock_page"},
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    pkgs = tmp_path / "pkgs"
    write_package(pkgs, "board", components=COMPONENTS, pages=PAGES, entities={"thread": THREAD})
    return pkgs


@pytest.fixture
def app(database: Database, tmp_path: Path, root: Path) -> Starlette:
    return app_over(database, tmp_path, root)


def tenant_with_board(app: Starlette, database: Database, slug: str) -> str:
    tenant_id = new_tenant(database, slug)
    install(app, tenant_id, "board")
    return tenant_id


async def get(http: httpx.AsyncClient, path: str) -> tuple[str, str]:
    response = await http.get(path)
    assert response.status_code == 200, response.text
    return response.headers[CACHE_HEADER], response.text


async def test_a_page_is_rendered_once_until_its_data_changes(
    app: Starlette, database: Database
) -> None:
    acme = tenant_with_board(app, database, "acme")
    async with client(app) as http:
        assert (await get(http, "/acme/board"))[0] == "miss"
        status, html = await get(http, "/acme/board")
        assert (status, "greeting=none" in html) == ("hit", True)
        # written outside the web process (as a worker's script would): the key changes
        database.kv(Scope.public(acme)).set("greeting", "hello")
        status, html = await get(http, "/acme/board")
        assert (status, "greeting=hello" in html) == ("miss", True)
        database.entities(Scope.system(acme), package="board").create("thread", {"title": "T1"})
        status, html = await get(http, "/acme/board")
        assert (status, "thread=T1" in html) == ("miss", True)
        assert (await get(http, "/acme/board"))[0] == "hit"


async def test_tenant_invalidation_and_package_changes_drop_entries(
    app: Starlette, database: Database
) -> None:
    acme = tenant_with_board(app, database, "acme")
    svc = svc_of(app)
    dropped: list[bool] = []
    original = svc.renderer.invalidate

    def spy() -> None:
        dropped.append(True)
        original()

    svc.renderer.invalidate = spy  # type: ignore[method-assign]
    async with client(app) as http:
        await get(http, "/acme/board")
        assert (await get(http, "/acme/board"))[0] == "hit"
        svc.render_cache.invalidate_tenant(acme)
        assert (await get(http, "/acme/board"))[0] == "miss"
        assert dropped == []
        # an upgrade or config change by any process shows in installed_packages
        database.installed_packages.upsert(SYSTEM, acme, "board", "1.0.0", config={"x": 1})
        assert (await get(http, "/acme/board"))[0] == "miss"
        assert dropped == [True]
        assert (await get(http, "/acme/board"))[0] == "hit"


async def test_personalised_html_never_reaches_another_viewer(
    app: Starlette, database: Database
) -> None:
    acme = tenant_with_board(app, database, "acme")
    ann = Identity(user_id="u-ann", username="ann", level=1, tenant_id=acme)
    bob = Identity(user_id="u-bob", username="bob", level=1, tenant_id=acme)
    ann_admin = Identity(user_id="u-ann", username="ann-admin", level=3, tenant_id=acme)
    async with client(app, ann) as http:
        assert (await get(http, "/acme/me"))[0] == "miss"
        status, html = await get(http, "/acme/me")
        assert (status, "me=ann" in html) == ("hit", True)
    for viewer, name in [(bob, "bob"), (None, "guest"), (ann_admin, "ann-admin")]:
        async with client(app, viewer) as http:
            status, html = await get(http, "/acme/me")
            assert status == "miss", name
            assert f"me={name}<" in html
            assert "me=ann<" not in html


async def test_tenants_never_share_entries(app: Starlette, database: Database) -> None:
    acme = tenant_with_board(app, database, "acme")
    tenant_with_board(app, database, "umbrella")
    database.kv(Scope.public(acme)).set("greeting", "acme-only")
    async with client(app) as http:
        await get(http, "/acme/board")
        status, html = await get(http, "/umbrella/board")
    assert status == "miss"
    assert "greeting=none" in html
    assert "acme-only" not in html


async def test_each_viewer_gets_their_own_csrf_token_from_a_cached_form(
    app: Starlette, database: Database
) -> None:
    tenant_with_board(app, database, "acme")
    seen = []
    for token in ("first-token-" + "a" * 26, "second-token-" + "b" * 26):
        async with client(app) as http:
            http.cookies.set("mb_csrf", token)
            status, html = await get(http, "/acme/form")
        assert f'name="csrf_token" value="{token}"' in html
        assert "mb-csrf-" not in html
        seen.append((status, html))
    assert [s for s, _ in seen] == ["miss", "hit"]
    assert "first-token" not in seen[1][1]


@pytest.mark.parametrize("path", ["/acme/live", "/acme/clock"])
async def test_pages_that_opt_out_or_read_the_clock_are_never_cached(
    app: Starlette, database: Database, path: str
) -> None:
    tenant_with_board(app, database, "acme")
    async with client(app) as http:
        assert [(await get(http, path))[0] for _ in range(2)] == ["off", "off"]


async def test_pages_still_render_when_redis_is_down(
    database: Database, tmp_path: Path, root: Path
) -> None:
    app = app_over(database, tmp_path, root, redis_url="redis://127.0.0.1:1/0")
    tenant_with_board(app, database, "acme")
    async with client(app) as http:
        statuses = [(await get(http, "/acme/board"))[0] for _ in range(2)]
    assert statuses == ["miss", "miss"]


@pytest.mark.redis
async def test_two_app_instances_share_the_cache_and_its_invalidation_through_redis(
    database: Database, tmp_path: Path, root: Path
) -> None:
    one = app_over(database, tmp_path / "one", root, redis_url=REDIS_URL)
    two = app_over(database, tmp_path / "two", root, redis_url=REDIS_URL)
    acme = tenant_with_board(one, database, "acme")
    admin = Identity(user_id="u-admin", username="admin", level=3, tenant_id=acme)
    async with client(one) as first, client(two) as second, client(one, admin) as writer:
        assert (await get(first, "/acme/board"))[0] == "miss"
        assert (await get(second, "/acme/board"))[0] == "hit"  # rendered by the other process
        created = await writer.post("/api/v1/acme/board/thread", json={"title": "Via one"})
        assert created.status_code == 201, created.text
        status, html = await get(second, "/acme/board")
        assert (status, "thread=Via one" in html) == ("miss", True)
        assert (await get(first, "/acme/board"))[0] == "hit"
        svc_of(one).render_cache.invalidate_tenant(acme)  # e.g. a theme change made on one
        assert (await get(second, "/acme/board"))[0] == "miss"
