"""Entity data sources of pages: lists with filters, sort and limit, one record by id, counts;
read through the viewer's scope, so tenant, level and owner rules hold. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from dbal.database import Database
from dbal.scope import Scope
from tests.packages.builders import write_package
from tests.web.app import client
from tests.web.pages_harness import app_over, install, new_tenant
from web.identity import Identity
from web.page_data import (
    MAX_LIMIT,
    PageDataContext,
    PageDataInvalid,
    load_page_data,
)

THREAD: dict[str, Any] = {
    "type": "object",
    "x-entity": "thread",
    "properties": {
        "title": {"type": "string"},
        "category": {"type": "string"},
        "score": {"type": "integer", "default": 0},
        "secret": {"type": "string", "x-sensitive": True},
    },
    "required": ["title"],
    "x-acl": {"read": 0, "create": 1},
}
NOTE: dict[str, Any] = {
    "type": "object",
    "x-entity": "note",
    "properties": {"text": {"type": "string"}, "author": {"type": ["string", "null"]}},
    "required": ["text"],
    "x-owner": "author",
    "x-acl": {"read": {"level": 3, "owner": 1}, "create": 1},
}
LEDGER: dict[str, Any] = {
    "type": "object",
    "x-entity": "ledger",
    "properties": {"line": {"type": "string"}},
    "x-acl": {"read": 3, "create": 3},
}


def titles(source: str, field: str = "title") -> dict[str, Any]:
    loop = {"type": "Typography", "className": "row", "children": f"{{{{item.{field}}}}}"}
    return {"type": "Box", "children": {"type": "loop", "items": source, "template": loop}}


def page(cid: str, data: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    render = {"type": "element", "template": template}
    return {"id": cid, "name": cid.title(), "data": data, "render": render}


COMPONENTS = [
    page(
        "thread_list",
        {
            "threads": {
                "source": "entity",
                "entity": "thread",
                "filter": {"category": "{{params.cat}}"},
                "sort": "-score",
                "limit": 2,
            },
            "total": {
                "source": "entity",
                "entity": "thread",
                "filter": {"category": "{{params.cat}}"},
                "count": True,
            },
        },
        {
            "type": "Box",
            "children": [
                titles("{{data.threads}}"),
                {"type": "Typography", "children": "total={{data.total}}"},
            ],
        },
    ),
    page(
        "thread_view",
        {
            "thread": {
                "source": "entity",
                "entity": "thread",
                "id": "{{params.id}}",
                "required": True,
            }
        },
        {"type": "Typography", "children": "thread: {{data.thread.title}} {{data.thread.secret}}"},
    ),
    page(
        "top_thread",
        {"top": {"source": "entity", "entity": "thread", "sort": "-score", "one": True}},
        {"type": "Typography", "children": "top: {{data.top.title}}"},
    ),
    page(
        "by_score",
        {
            "rows": {
                "source": "entity",
                "entity": "thread",
                "filter": {"score": {"gte": "{{Number(params.n)}}"}},
            }
        },
        titles("{{data.rows}}"),
    ),
    page(
        "notes",
        {"notes": {"source": "entity", "entity": "note", "sort": "text"}},
        titles("{{data.notes}}", "text"),
    ),
    page(
        "ledger",
        {"lines": {"source": "entity", "entity": "ledger"}},
        titles("{{data.lines}}", "line"),
    ),
    page(
        "broken",
        {"x": {"source": "entity", "entity": "nope"}},
        {"type": "Typography", "children": "never"},
    ),
]
PAGES = [
    {"id": "p1", "path": "/threads/:cat", "title": "Threads", "component": "thread_list"},
    {"id": "p2", "path": "/thread/:id", "title": "Thread", "component": "thread_view"},
    {"id": "p3", "path": "/top", "title": "Top", "component": "top_thread"},
    {"id": "p4", "path": "/score/:n", "title": "Score", "component": "by_score"},
    {"id": "p5", "path": "/notes", "title": "Notes", "component": "notes"},
    {"id": "p6", "path": "/ledger", "title": "Ledger", "component": "ledger"},
    {"id": "p7", "path": "/broken", "title": "Broken", "component": "broken"},
]


@pytest.fixture
def app(database: Database, tmp_path: Path) -> Starlette:
    root = tmp_path / "pkgs"
    write_package(
        root,
        "board",
        components=COMPONENTS,
        pages=PAGES,
        entities={"thread": THREAD, "note": NOTE, "ledger": LEDGER},
    )
    return app_over(database, tmp_path, root)


@pytest.fixture
def tenants(app: Starlette, database: Database) -> dict[str, str]:
    ids = {slug: new_tenant(database, slug) for slug in ("acme", "other")}
    for tenant_id in ids.values():
        install(app, tenant_id, "board")
    acme = database.entities(Scope.system(ids["acme"]), package="board")
    for title, category, score in [
        ("Alpha", "news", 1),
        ("Beta", "news", 5),
        ("Gamma", "news", 3),
        ("Delta", "misc", 9),
    ]:
        acme.create("thread", {"title": title, "category": category, "score": score})
    acme.create("note", {"text": "mine-1", "author": "u1"})
    acme.create("note", {"text": "theirs", "author": "u2"})
    acme.create("ledger", {"line": "payroll"})
    other = database.entities(Scope.system(ids["other"]), package="board")
    other.create("thread", {"title": "Foreign", "category": "news", "score": 100})
    return ids


def texts(html: str) -> list[str]:
    out = []
    for chunk in html.split("row")[1:]:
        start = chunk.find(">")
        out.append(chunk[start + 1 : chunk.find("<", start)])
    return out


async def test_a_list_follows_the_route_filter_sort_and_limit_within_the_tenant(
    app: Starlette, tenants: dict[str, str]
) -> None:
    async with client(app) as http:
        response = await http.get("/acme/threads/news")
    assert response.status_code == 200
    assert texts(response.text) == ["Beta", "Gamma"]  # -score, limit 2; Foreign is another tenant
    assert "total=3" in response.text


async def test_one_record_by_id_and_a_missing_or_foreign_one_is_404(
    app: Starlette, database: Database, tenants: dict[str, str]
) -> None:
    acme = database.entities(Scope.system(tenants["acme"]), package="board")
    beta = acme.list("thread", filter={"title": "Beta"})["items"][0]
    foreign = database.entities(Scope.system(tenants["other"]), package="board")
    foreign_id = foreign.list("thread")["items"][0]["id"]
    acme.update("thread", beta["id"], {"secret": "s3cr3t"})
    async with client(app) as http:
        found = await http.get(f"/acme/thread/{beta['id']}")
        missing = await http.get("/acme/thread/does-not-exist")
        other_tenant = await http.get(f"/acme/thread/{foreign_id}")
    assert found.status_code == 200
    assert "thread: Beta" in found.text
    assert "s3cr3t" not in found.text  # sensitive fields never reach a page
    assert missing.status_code == 404
    assert other_tenant.status_code == 404
    assert "Foreign" not in other_tenant.text


async def test_one_takes_the_first_match(app: Starlette, tenants: dict[str, str]) -> None:
    async with client(app) as http:
        assert "top: Delta" in (await http.get("/acme/top")).text
        assert "top: Foreign" in (await http.get("/other/top")).text


async def test_owner_rows_only_for_users_all_rows_for_admins(
    app: Starlette, tenants: dict[str, str]
) -> None:
    user = Identity(user_id="u1", username="ann", level=1, tenant_id=tenants["acme"])
    admin = Identity(user_id="a1", username="root", level=3, tenant_id=tenants["acme"])
    async with client(app, user) as http:
        assert texts((await http.get("/acme/notes")).text) == ["mine-1"]
    async with client(app, admin) as http:
        assert texts((await http.get("/acme/notes")).text) == ["mine-1", "theirs"]


async def test_a_visitor_is_sent_to_login_when_the_data_needs_a_user(
    app: Starlette, tenants: dict[str, str]
) -> None:
    async with client(app) as http:
        response = await http.get("/acme/notes")
    assert response.status_code == 303
    assert response.headers["location"] == "/acme/login?next=/acme/notes"


@pytest.mark.parametrize(("level", "status"), [(1, 403), (2, 403), (3, 200), (5, 200)])
async def test_the_read_level_of_the_entity_applies(
    app: Starlette, tenants: dict[str, str], level: int, status: int
) -> None:
    viewer = Identity(user_id="u9", username="v", level=level, tenant_id=tenants["acme"])
    async with client(app, viewer) as http:
        response = await http.get("/acme/ledger")
    assert response.status_code == status
    if status == 403:
        assert "Required level: Admin (3)" in response.text
        assert "payroll" not in response.text
    else:
        assert texts(response.text) == ["payroll"]


async def test_a_route_value_that_does_not_fit_the_field_is_a_400_not_a_500(
    app: Starlette, tenants: dict[str, str]
) -> None:
    async with client(app) as http:
        good = await http.get("/acme/score/4")
        bad = await http.get("/acme/score/lots")
        hostile = await http.get("/acme/threads/news%27%20OR%20%271%27%3D%271")
    assert texts(good.text) == ["Beta", "Delta"]
    assert bad.status_code == 400
    assert hostile.status_code == 200
    assert "total=0" in hostile.text  # bound as a value, never SQL


async def test_an_unknown_entity_is_an_error_page_not_a_crash(
    app: Starlette, tenants: dict[str, str]
) -> None:
    async with client(app) as http:
        response = await http.get("/acme/broken")
    assert response.status_code == 500
    assert "Page unavailable" in response.text
    assert "Unknown entity" in response.text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"source": "entity", "entity": "route_demo.thing"}, "not of this package"),
        ({"source": "entity", "entity": "thread", "limits": 3}, "unknown keys limits"),
        ({"source": "entity", "entity": "thread", "filter": "x"}, '"filter" must be an object'),
        ({"source": "entity", "entity": "thread", "filter": {"nope": 1}}, "unknown"),
        ({"source": "entity", "entity": "thread", "sort": "secret"}, "sort"),
        ({"source": "entity"}, "must name an entity"),
        ({"source": "sql", "query": "select 1"}, "unknown source"),
        ({"source": "entity", "entity": "thread", "id": "{{params.__class__}}"}, "id"),
    ],
)
def test_bad_declarations_are_refused(
    database: Database, app: Starlette, tenants: dict[str, str], source: Any, message: str
) -> None:
    context = PageDataContext(package="board", params={"id": "x"})
    with pytest.raises(PageDataInvalid, match=message):
        load_page_data(database, Scope.public(tenants["acme"]), {"d": source}, context)


def test_a_dependency_entity_may_be_read_by_its_qualified_name(
    database: Database, app: Starlette, tenants: dict[str, str]
) -> None:
    context = PageDataContext(package="reader", dependencies=frozenset({"board"}))
    declared = {"n": {"source": "entity", "entity": "board.thread", "count": True}}
    assert load_page_data(database, Scope.public(tenants["acme"]), declared, context) == {"n": 4}


def test_limit_is_capped_and_dates_are_strings(
    database: Database, app: Starlette, tenants: dict[str, str]
) -> None:
    acme = database.entities(Scope.system(tenants["acme"]), package="board")
    bulk = [{"title": f"t{i}", "category": "bulk"} for i in range(MAX_LIMIT + 5)]
    acme.create_many("thread", bulk)
    context = PageDataContext(package="board")
    declared = {"all": {"source": "entity", "entity": "thread", "limit": 10_000}}
    data = load_page_data(database, Scope.public(tenants["acme"]), declared, context)
    assert len(data["all"]) == MAX_LIMIT
    assert all(isinstance(row["created_at"], str) for row in data["all"])
