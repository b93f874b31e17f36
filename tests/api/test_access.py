"""Levels and tenants: each entity operation answers as the entity's `x-acl` says for an
anonymous visitor, a member of `acme` at each level 0..5 and users of `rival` (an admin, who
has no reach here, and a god, who acts across tenants); owner rules; tenant isolation."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.api.conftest import FORUM, ROLES, Api


@dataclass(frozen=True)
class Caller:
    who: str
    level_here: int
    authenticated: bool


CALLERS = [
    Caller("anonymous", 0, False),
    *(Caller(role, level, True) for level, role in enumerate(ROLES)),
    Caller("rival-admin", 0, True),
    Caller("rival-god", 4, True),
]
# (entity, operation) -> the level x-acl asks for all rows (tests/api/packages/forum)
RULES = {
    ("category", "read"): 0, ("category", "create"): 3, ("category", "update"): 3,
    ("category", "delete"): 3,
    ("thread", "read"): 0, ("thread", "create"): 1, ("thread", "update"): 2,
    ("thread", "delete"): 3,
    ("post", "read"): 1, ("post", "create"): 1, ("post", "update"): 3, ("post", "delete"): 3,
}  # fmt: skip


OWN_ROWS = {("thread", "update"): 1, ("thread", "delete"): 1, ("post", "update"): 1,
            ("post", "delete"): 1}  # fmt: skip


def expected(caller: Caller, entity: str, op: str, ok: int) -> int:
    if caller.level_here >= RULES[(entity, op)]:
        return ok
    own = OWN_ROWS.get((entity, op))
    if own is not None and caller.authenticated and caller.level_here >= own:
        # allowed on their own rows only: someone else's row is not there for them
        return 404 if op == "update" else ok
    return 403  # FORBIDDEN from the DBAL whether signed in or not; the body says the level


async def observe(client: httpx.AsyncClient, seeded: dict, entity: str) -> dict[str, int]:
    """Try each operation on a row someone else owns; count what answered."""
    row = {"category": seeded["category"], "thread": seeded["threads"][1],
           "post": seeded["admin_post"]}[entity]  # fmt: skip
    url = f"{FORUM}/{entity}"
    new = {"category": {"name": "N", "slug": f"n-{id(client)}"},
           "thread": {"title": "T", "category_id": seeded["category"]["id"]},
           "post": {"thread_id": seeded["threads"][1]["id"], "body": "B"}}[entity]  # fmt: skip
    change = {"category": {"position": 3}, "thread": {"views": 3}, "post": {"score": 3}}[entity]
    seen = {
        "read": (await client.get(f"{url}/{row['id']}")).status_code,
        "list": (await client.get(url)).status_code,
        "create": (await client.post(url, json=new)).status_code,
        "update": (await client.patch(f"{url}/{row['id']}", json=change)).status_code,
    }
    # delete is probed without deleting: a refused level is 403 before the ids are looked at
    probe = await client.request("DELETE", f"{url}/_bulk", json={"ids": ["no-such-row"]})
    seen["delete"] = 403 if probe.status_code == 403 else 204
    return seen


async def test_every_entity_operation_answers_as_its_level_says(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    post = {"thread_id": seeded["threads"][1]["id"], "body": "by admin"}
    seeded["admin_post"] = (await admin.post(f"{FORUM}/post", json=post)).json()
    observed, wanted = {}, {}
    for caller in CALLERS:
        client = await api.client(caller.who)
        for entity in ("category", "thread", "post"):
            key = f"{caller.who} {entity}"
            observed[key] = await observe(client, seeded, entity)
            wanted[key] = {
                "read": expected(caller, entity, "read", 200),
                "list": expected(caller, entity, "read", 200),
                "create": expected(caller, entity, "create", 201),
                "update": expected(caller, entity, "update", 200),
                "delete": expected(caller, entity, "delete", 204),
            }
    assert observed == wanted


async def test_owners_change_their_own_rows_only(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    own, other = seeded["threads"]  # the first is the user's, the second the admin's
    assert (
        await user.patch(f"{FORUM}/thread/{own['id']}", json={"title": "mine"})
    ).status_code == 200
    assert (
        await user.patch(f"{FORUM}/thread/{other['id']}", json={"title": "x"})
    ).status_code == 404
    assert (await user.delete(f"{FORUM}/thread/{other['id']}")).status_code == 404
    steal = await user.patch(f"{FORUM}/thread/{own['id']}", json={"author": api.users["admin"]})
    assert steal.status_code == 403
    forged = await user.post(
        f"{FORUM}/thread",
        json={"title": "t", "category_id": seeded["category"]["id"], "author": api.users["admin"]},
    )
    assert forged.status_code == 403
    bulk = await user.patch(
        f"{FORUM}/thread/_bulk", json={"filter": {"views": 0}, "data": {"views": 9}}
    )
    assert [t["id"] for t in bulk.json()["items"]] == [own["id"]]


async def test_tenants_never_see_each_others_rows(api: Api) -> None:
    seeded = await api.seed()
    rival = await api.client("rival-admin")
    rival_cat = await rival.post(
        "/api/v1/rival/forum/category", json={"name": "Theirs", "slug": "general"}
    )
    assert rival_cat.status_code == 201  # the same unique slug: unique per tenant
    mine = seeded["category"]["id"]
    theirs = rival_cat.json()["id"]
    admin = await api.client("admin")
    assert (await admin.get(f"{FORUM}/category/{theirs}")).status_code == 404
    assert (
        await admin.patch(f"{FORUM}/category/{theirs}", json={"position": 1})
    ).status_code == 404
    assert (await admin.delete(f"{FORUM}/category/{theirs}")).status_code == 404
    listed = (await admin.get(f"{FORUM}/category")).json()["items"]
    assert [c["id"] for c in listed] == [mine]
    # a member of acme addressing rival's URLs is a visitor there (level 0)
    assert (await admin.get(f"/api/v1/rival/forum/category/{theirs}")).status_code == 200
    assert (
        await admin.post("/api/v1/rival/forum/category", json={"name": "x", "slug": "x"})
    ).status_code == 403
    # rows written into acme by a god of rival belong to acme
    god = await api.client("rival-god")
    made = await god.post(f"{FORUM}/category", json={"name": "By god", "slug": "god"})
    assert made.status_code == 201
    assert (await rival.get(f"/api/v1/rival/forum/category/{made.json()['id']}")).status_code == 404
    # a foreign key cannot point into another tenant's rows
    cross = await admin.post(f"{FORUM}/thread", json={"title": "x", "category_id": theirs})
    assert cross.status_code in (404, 409, 422) or cross.json()["category_id"] != theirs


async def test_unknown_tenants_packages_and_entities_are_404(api: Api) -> None:
    admin = await api.client("admin")
    manager_uninstalled = api.h.tenant("empty")
    assert manager_uninstalled["slug"] == "empty"
    for url in (
        "/api/v1/nowhere/forum/post",
        "/api/v1/empty/forum/post",
        f"{FORUM}/nope",
        "/api/v1/acme/hello_world/post",
        "/api/v1/acme/forum/post.x",
    ):
        r = await admin.get(url)
        assert r.status_code == 404, (url, r.text)
        assert r.json()["error"] == "NOT_FOUND"
