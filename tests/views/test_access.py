"""Level and tenant rules of the generated views: x-acl through the DBAL scope, the login
redirect for anonymous visitors, tenants that cannot see or touch each other's rows."""

from __future__ import annotations

from contextlib import AsyncExitStack

from tests.views.site import Site

ITEM = "/acme/crud_demo/item"

# (who, method, path, status): the item entity reads and creates at 1, updates at 2, deletes
# at 3; secret_note needs 3 for everything. "{id}" is an existing acme item.
RULES = [
    (None, "GET", ITEM, 303),
    (None, "GET", ITEM + "/{id}", 303),
    (None, "POST", ITEM + "/new", 303),
    ("alice", "GET", ITEM, 200),
    ("alice", "GET", ITEM + "/{id}", 200),
    ("alice", "GET", ITEM + "/new", 200),
    ("alice", "GET", ITEM + "/{id}/edit", 403),
    ("alice", "POST", ITEM + "/{id}/edit", 403),
    ("alice", "POST", ITEM + "/{id}", 403),
    ("mona", "GET", ITEM + "/{id}/edit", 200),
    ("mona", "POST", ITEM + "/{id}", 403),
    ("mona", "POST", ITEM, 403),
    ("ada", "POST", ITEM + "/{id}", 303),
    ("alice", "GET", "/acme/crud_demo/secret_note", 403),
    ("alice", "GET", "/acme/crud_demo/secret_note/new", 403),
    ("ada", "GET", "/acme/crud_demo/secret_note", 200),
]


async def test_levels_follow_the_entity_acl(site: Site) -> None:
    """Every case of RULES on one site (a site per case would cost a second each)."""
    ents = site.entities("acme")
    async with AsyncExitStack() as stack:
        clients = {
            who: await stack.enter_async_context(site.client_as("acme", who))
            for who in ("alice", "mona", "ada", None)
        }
        for who, method, path, status in RULES:
            case = f"{who} {method} {path}"
            item = ents.create("item", {"title": "Kept"})
            url = path.replace("{id}", item["id"])
            data = {"op": "delete", "ids": item["id"], "title": "Changed"}
            http = clients[who]
            response = await (http.get(url) if method == "GET" else http.post(url, data=data))
            assert response.status_code == status, case
            if who is None:
                assert response.headers["location"].startswith("/acme/login?next="), case
            if status == 403:
                assert "Access denied" in response.text, case
            if method == "POST" and status != 303:
                assert ents.read("item", item["id"])["title"] == "Kept", case


async def test_sensitive_fields_are_never_shown(site: Site) -> None:
    note = site.entities("acme").create("secret_note", {"body": "b", "pin": "4321"})
    async with site.client_as("acme", "ada") as http:
        pages = [
            await http.get(f"/acme/crud_demo/secret_note/{note['id']}"),
            await http.get(f"/acme/crud_demo/secret_note/{note['id']}/edit"),
            await http.get("/acme/crud_demo/secret_note?cols=pin&cols=body"),
            await http.get("/acme/crud_demo/secret_note?format=csv"),
        ]
    assert all(p.status_code == 200 for p in pages)
    assert not any("4321" in p.text for p in pages)


async def test_a_tenant_cannot_reach_another_tenants_rows(site: Site) -> None:
    acme_item = site.entities("acme").create("item", {"title": "Acme only"})
    site.entities("other").create("item", {"title": "Other only"})
    async with site.client_as("other", "otto") as http:
        listing = await http.get("/other/crud_demo/item")
        foreign = await http.get(f"/other/crud_demo/item/{acme_item['id']}")
        edit = await http.post(f"/other/crud_demo/item/{acme_item['id']}/edit", data={"title": "x"})
        drop = {"op": "delete", "ids": acme_item["id"]}
        bulk = await http.post("/other/crud_demo/item", data=drop)
        options = await http.get("/other/crud_demo/item?format=options")
        across = await http.get("/acme/crud_demo/item")
    assert "Other only" in listing.text and "Acme only" not in listing.text
    assert foreign.status_code == 404 and edit.status_code == 404
    assert bulk.status_code == 303 and "n=0" in bulk.headers["location"]
    assert [o["label"] for o in options.json()] == ["Other only"]
    assert across.status_code == 403  # otto has no role in acme: level 0 there
    assert site.entities("acme").read("item", acme_item["id"])["title"] == "Acme only"


async def test_entities_of_packages_not_installed_are_not_views(site: Site) -> None:
    site.h.tenant("bare")
    async with site.client_as("acme", "ada") as http:
        missing_package = await http.get("/bare/crud_demo/item")
        missing_entity = await http.get("/acme/crud_demo/nothing")
        bad_shape = await http.get("/acme/crud_demo/item/x/y/z")
    assert missing_package.status_code == 404
    assert missing_entity.status_code == 404
    assert bad_shape.status_code == 404


async def test_a_reference_to_another_tenants_row_is_a_field_error(site: Site) -> None:
    theirs = site.entities("other").create("category", {"name": "Theirs"})
    async with site.client_as("acme", "ada") as http:
        response = await http.post(
            ITEM + "/new", data={"title": "Sneaky", "category_id": theirs["id"]}
        )
    assert response.status_code == 422
    box = response.text[response.text.index('data-field="category_id"') :]
    assert "is not a category" in box[: box.index("data-field=", 5)]
    assert site.entities("acme").count("item") == 0


async def test_owner_rules_let_users_change_only_their_own_rows(site: Site) -> None:
    memos = "/acme/crud_demo/memo"
    async with site.client_as("acme", "alice") as alice, site.client_as("acme", "mona") as mona:
        form = await alice.get(memos + "/new")
        assert 'name="owner"' not in form.text  # the DBAL sets it to the author
        created = await alice.post(memos + "/new", data={"text": "alice's memo"})
        url = created.headers["location"].split("?")[0]
        own_page = await alice.get(url)
        other_page = await mona.get(url)
        other_edit = await mona.get(url + "/edit")
        other_post = await mona.post(url + "/edit", data={"text": "hijacked"})
        other_delete = await mona.post(url, data={"op": "delete"})
        own_edit = await alice.post(url + "/edit", data={"text": "still mine"})
    assert 'id="mb-edit"' in own_page.text and 'id="mb-delete"' in own_page.text
    assert 'id="mb-edit"' not in other_page.text and 'id="mb-delete"' not in other_page.text
    assert other_edit.status_code == 403
    assert other_post.status_code == 403 and other_delete.status_code == 403
    assert own_edit.status_code == 303
    memo = site.entities("acme").list("memo")["items"][0]
    assert memo["text"] == "still mine" and memo["owner"] is not None
