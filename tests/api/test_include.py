"""Reverse includes (has-many): `?include=posts` on a thread reads the posts pointing at it.

Names come from `x-foreign-keys` (dbal/relations.py): a declared `related_name` (`posts`),
the child entity's name when unambiguous (`thread` on category), and always the dotted
`child.field` (`package.child.field` for another package's entity). One query per relation
and page, at most `include_limit` children per parent with the total shown, read with the
caller's scope: tenant, level and owner rules as for a direct list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from dbal.entity_model import parse_entity
from dbal.errors import SchemaError
from dbal.ids import new_id, utcnow
from engine.packages.lifecycle import PackageManager
from tests.api.conftest import FORUM, Api

NOTES = "/api/v1/acme/forum_notes/note"
NOTE_BY_THREAD = "forum_notes.note.thread_id"


def install_notes(api: Api) -> None:
    manager = PackageManager(api.h.db, api.services.catalog)
    for tenant in api.tenants.values():
        manager.install(tenant["id"], "forum_notes")


@contextmanager
def statements_on(engine: Engine, table: str) -> Iterator[list[str]]:
    """The SQL statements run on `engine` that name `table`, while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if table in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def add_posts(api: Api, thread: str, n: int, who: str = "user") -> list[dict[str, Any]]:
    client = await api.client(who)
    r = await client.post(
        f"{FORUM}/post/_bulk",
        json={"items": [{"thread_id": thread, "body": f"post {i}"} for i in range(n)]},
    )
    assert r.status_code == 201, r.text
    return list(r.json()["items"])


async def test_a_record_and_a_list_carry_the_rows_pointing_at_them(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    hello, rules = seeded["threads"]
    one = await user.get(f"{FORUM}/thread/{hello['id']}", params={"include": "posts"})
    assert one.status_code == 200, one.text
    posts = one.json()["_included"]["posts"]
    assert posts["total"] == 3 and posts["truncated"] is False
    assert [p["id"] for p in posts["items"]] == sorted(p["id"] for p in seeded["posts"])
    assert all("ip" not in p for p in posts["items"])  # sensitive fields stay out

    page = await user.get(
        f"{FORUM}/thread",
        params={"include": "posts,category_id,post.thread_id", "sort": "title", "fields": "title"},
    )
    assert page.status_code == 200, page.text
    rows = {r["id"]: r for r in page.json()["items"]}
    assert set(rows[hello["id"]]) == {"id", "title", "_included"}
    hello_inc, rules_inc = rows[hello["id"]]["_included"], rows[rules["id"]]["_included"]
    assert list(hello_inc) == ["posts", "category_id", "post.thread_id"]
    assert hello_inc["posts"] == hello_inc["post.thread_id"]  # two names, one relation
    assert hello_inc["category_id"]["id"] == seeded["category"]["id"]  # forward still works
    assert rules_inc["posts"] == {"items": [], "total": 0, "truncated": False}

    category = await user.get(f"{FORUM}/category", params={"include": "thread"})
    assert category.status_code == 200
    threads = category.json()["items"][0]["_included"]["thread"]
    assert {t["id"] for t in threads["items"]} == {hello["id"], rules["id"]}


@pytest.mark.parametrize(
    ("url", "include", "why"),
    [
        ("thread", "post", "a related_name replaces the derived short name"),
        ("thread", "nothing", "unknown name"),
        ("thread", "post.body", "not a foreign key of post"),
        ("thread", "note", "ambiguous: note has two keys aimed at thread"),
        ("thread", "note.thread_id", "another package's child is package.child.field"),
        ("category", "posts", "post points at thread, not category"),
        ("post", "thread", "thread is no relation of post (the forward key is thread_id)"),
    ],
)
async def test_include_refuses_names_that_are_no_relation(
    api: Api, url: str, include: str, why: str
) -> None:
    install_notes(api)
    admin = await api.client("admin")
    r = await admin.get(f"{FORUM}/{url}", params={"include": include})
    assert r.status_code == 422, why
    assert r.json()["details"]["fields"][0]["field"] == "include", why


async def test_one_query_per_relation_and_page_whatever_the_number_of_rows(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    category = seeded["category"]["id"]
    for i in range(6):
        r = await admin.post(f"{FORUM}/thread", json={"title": f"T{i}", "category_id": category})
        if i:
            await add_posts(api, r.json()["id"], i)
    table = api.h.db.schema.get("forum.post").table.name
    for limit in ("1", "8"):
        with statements_on(api.h.db.engine, table) as seen:
            r = await admin.get(f"{FORUM}/thread", params={"include": "posts", "limit": limit})
        assert r.status_code == 200
        assert len(r.json()["items"]) == int(limit)
        assert len(seen) == 1, seen  # never one query per thread
    totals = sorted(t["_included"]["posts"]["total"] for t in r.json()["items"])
    assert totals == [0, 0, 1, 2, 3, 3, 4, 5]


async def test_children_are_capped_per_parent_with_the_total_shown(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][1]["id"]
    made = await add_posts(api, thread, 15, who="admin")
    first = sorted(p["id"] for p in made)
    default = (await admin.get(f"{FORUM}/thread/{thread}", params={"include": "posts"})).json()
    posts = default["_included"]["posts"]
    assert (len(posts["items"]), posts["total"], posts["truncated"]) == (10, 15, True)
    assert [p["id"] for p in posts["items"]] == first[:10]  # the first by id
    four = await admin.get(f"{FORUM}/thread", params={"include": "posts", "include_limit": "4"})
    by_id = {t["id"]: t["_included"]["posts"] for t in four.json()["items"]}
    assert [p["id"] for p in by_id[thread]["items"]] == first[:4] and by_id[thread]["total"] == 15
    everything = {"include": "posts", "include_limit": "100"}
    r = await admin.get(f"{FORUM}/thread/{thread}", params=everything)
    assert r.json()["_included"]["posts"]["truncated"] is False
    for params in (
        {"include": "posts", "include_limit": "0"},
        {"include": "posts", "include_limit": "101"},
        {"include": "category_id", "include_limit": "5"},  # no reverse relation to limit
        {"include_limit": "5"},
        {"include": "posts,post.thread_id", "include_limit": "100", "limit": "1000"},
    ):
        refused = await admin.get(f"{FORUM}/thread", params=params)
        assert refused.status_code == 422, params
        assert refused.json()["details"]["fields"][0]["field"] == "include_limit", params


async def test_a_child_entity_below_the_callers_level_is_refused(api: Api) -> None:
    seeded = await api.seed()
    thread = seeded["threads"][0]["id"]
    for who in ("public", "anonymous"):
        client = await api.client(who)
        assert (await client.get(f"{FORUM}/thread/{thread}")).status_code == 200  # read: 0
        for url in (f"{FORUM}/thread/{thread}", f"{FORUM}/thread"):
            r = await client.get(url, params={"include": "posts"})  # post read: 1
            assert r.status_code == 403, (who, url)
            assert r.json()["error"] == "FORBIDDEN" and "posts" in r.json()["message"]
    # refused by level even when no row would have had children
    empty = await (await api.client("public")).get(
        f"{FORUM}/thread", params={"include": "posts", "filter[title]": "no such title"}
    )
    assert empty.status_code == 403


async def test_owner_rules_of_the_child_entity_hold_inside_the_include(api: Api) -> None:
    """Notes (package forum_notes) point at forum's threads; a user reads their own notes
    only, an admin every note of the tenant."""
    install_notes(api)
    seeded = await api.seed()
    thread = seeded["threads"][0]["id"]
    url = f"{FORUM}/thread/{thread}"
    mine = {}
    for who in ("user", "moderator", "admin"):
        client = await api.client(who)
        r = await client.post(NOTES, json={"thread_id": thread, "text": f"{who}'s note"})
        assert r.status_code == 201, r.text
        mine[who] = r.json()["id"]
    for who, expected in (
        ("user", {mine["user"]}),
        ("moderator", {mine["moderator"]}),  # level 2: own notes only
        ("admin", set(mine.values())),  # level 3: every note of the tenant
    ):
        client = await api.client(who)
        r = await client.get(url, params={"include": f"notes,{NOTE_BY_THREAD}"})
        assert r.status_code == 200, r.text
        for name in ("notes", NOTE_BY_THREAD):
            notes = r.json()["_included"][name]
            assert {n["id"] for n in notes["items"]} == expected, who
            assert notes["total"] == len(expected), who  # the total counts visible rows only
        direct = await client.get(NOTES, params={"filter[thread_id]": thread})
        assert {n["id"] for n in direct.json()["items"]} == expected, who
    public = await api.client("public")
    assert (await public.get(url, params={"include": "notes"})).status_code == 403
    assert (await public.get(url, params={"include": "category_id"})).status_code == 200


def crafted_post(api: Api, database_url: str, tenant: str, thread: str) -> str:
    """A post of `tenant` pointing at `thread` of another tenant, written past the composite
    foreign key (which the database would enforce): what a bug or a restore might leave."""
    table = api.h.db.schema.get("forum.post").table
    id = new_id()
    now = utcnow()
    engine = create_engine(database_url, poolclass=NullPool)  # SQLite: no foreign_keys pragma
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.execute(
                table.insert().values(
                    id=id, tenant_id=tenant, created_at=now, updated_at=now,
                    thread_id=thread, body="from another tenant", status="draft",
                )
            )  # fmt: skip
    finally:
        engine.dispose()
    return id


async def test_children_of_another_tenant_never_appear(api: Api, database_url: str) -> None:
    seeded = await api.seed()
    thread = seeded["threads"][0]["id"]
    rival = api.tenants["rival"]["id"]
    stray = crafted_post(api, database_url, rival, thread)
    rival_admin = await api.client("rival-admin")
    there = await rival_admin.get("/api/v1/rival/forum/post", params={"filter[thread_id]": thread})
    assert [p["id"] for p in there.json()["items"]] == [stray]  # the row is real
    for who in ("user", "admin"):
        client = await api.client(who)
        r = await client.get(f"{FORUM}/thread/{thread}", params={"include": "posts"})
        posts = r.json()["_included"]["posts"]
        assert stray not in {p["id"] for p in posts["items"]} and posts["total"] == 3, who
        listed = await client.get(f"{FORUM}/thread", params={"include": "posts"})
        for row in listed.json()["items"]:
            assert stray not in {p["id"] for p in row["_included"]["posts"]["items"]}


async def test_the_openapi_document_names_the_relations(api: Api) -> None:
    install_notes(api)
    doc = (await (await api.client("admin")).get("/api/v1/acme/openapi.json")).json()
    params = {p["name"]: p for p in doc["paths"][f"{FORUM}/thread"]["get"]["parameters"]}
    assert params["include_limit"]["schema"]["maximum"] == 100
    assert params["include"]["description"].endswith(
        "category_id, forum_notes.note.see_also, forum_notes.note.thread_id, notes, "
        "post.thread_id, posts"
    )
    category = {p["name"] for p in doc["paths"][f"{FORUM}/category/{{id}}"]["get"]["parameters"]}
    assert {"include", "include_limit"} <= category
    assert "_included" in doc["components"]["schemas"]["forum.category"]["properties"]
    public = (await (await api.client("anonymous")).get("/api/v1/acme/openapi.json")).json()
    one = {p["name"]: p for p in public["paths"][f"{FORUM}/thread/{{id}}"]["get"]["parameters"]}
    assert "posts" not in one["include"]["description"]  # anonymous callers may not read posts
    assert "include_limit" not in one


@pytest.mark.parametrize(
    ("related_name", "accepted"),
    [("posts", True), ("Posts_2", True), ("", False), ("has space", False), ("2x", False),
     ("a.b", False), (7, False)],
)  # fmt: skip
def test_a_related_name_is_an_entity_style_name(related_name: Any, accepted: bool) -> None:
    schema = {
        "properties": {"thread_id": {"type": "string"}},
        "x-foreign-keys": [
            {"field": "thread_id", "entity": "thread", "related_name": related_name}
        ],
    }
    if accepted:
        model = parse_entity("forum", schema, "post")
        assert model.foreign_keys[0].related_name == related_name
    else:
        with pytest.raises(SchemaError, match="related_name"):
            parse_entity("forum", schema, "post")
