"""The generated list: filters, sort, pagination, search, column choice, bulk delete and
export, foreign-key picker options, and a package's own list component (x-views)."""

from __future__ import annotations

import csv
import io
import re

from dbal.scope import Scope
from tests.views.site import Site

ITEM = "/acme/crud_demo/item"


def titles(html: str) -> list[str]:
    return re.findall(r'data-column="title"><a class="mb-link" href="[^"]+">([^<]+)</a>', html)


def seed(site: Site, n: int = 25) -> list[str]:
    rows = [{"title": f"Item {i:02d}", "count": i, "active": i % 2 == 0} for i in range(n)]
    return [r["id"] for r in site.entities("acme").create_many("item", rows)]


async def test_sort_filter_and_paginate(site: Site) -> None:
    seed(site)
    async with site.client_as("acme", "alice") as http:
        first = await http.get(ITEM + "?sort=-count&limit=10")
        second = await http.get(ITEM + "?sort=-count&limit=10&offset=10")
        filtered = await http.get(ITEM + "?ff=count&fo=gte&fv=20&ff=active&fo=eq&fv=true")
        posted = await http.post(
            ITEM, data={"op": "filter", "ff": "count", "fo": "lt", "fv": "3", "sort": "count"}
        )
        bad = await http.get(ITEM + "?ff=count&fo=gte&fv=many")
    assert titles(first.text) == [f"Item {i:02d}" for i in range(24, 14, -1)]
    assert "1 to 10 of 25" in first.text and 'id="mb-next"' in first.text
    assert titles(second.text) == [f"Item {i:02d}" for i in range(14, 4, -1)]
    assert 'aria-sort="descending"' in first.text
    assert titles(filtered.text) == ["Item 20", "Item 22", "Item 24"]
    assert posted.status_code == 303
    assert posted.headers["location"] == ITEM + "?ff=count&fo=lt&fv=3&sort=count"
    assert "not a whole number" in bad.text and bad.status_code == 200


async def test_search_and_column_choice(site: Site) -> None:
    ents = site.entities("acme")
    ents.create("item", {"title": "Blue hammer", "notes": "for nails", "code": "HAM-1"})
    ents.create("item", {"title": "Red saw", "notes": "for wood"})
    async with site.client_as("acme", "alice") as http:
        found = await http.get(ITEM + "?q=nails")
        cols = await http.get(ITEM + "?cols=code&cols=title")
    assert titles(found.text) == ["Blue hammer"]
    headers = re.findall(r'<th[^>]*data-column="(\w+)"', cols.text)
    assert headers == ["code", "title"]


async def test_bulk_delete_and_export(site: Site) -> None:
    ids = seed(site, 5)
    ents = site.entities("acme")
    ents.update("item", ids[0], {"title": "=cmd()"})
    async with site.client_as("acme", "ada") as http:
        export = await http.post(ITEM, data={"op": "export", "ids": ids[:2]})
        everything = await http.get(ITEM + "?format=json&ff=count&fo=gte&fv=3")
        deleted = await http.post(ITEM + "?sort=count", data={"op": "delete", "ids": ids[:3]})
        after = await http.get(deleted.headers["location"])
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert sorted(r["title"] for r in rows) == ["'=cmd()", "Item 01"]
    assert "attachment" in export.headers["content-disposition"]
    assert sorted(r["count"] for r in everything.json()) == [3, 4]
    assert deleted.headers["location"] == ITEM + "?sort=count&done=deleted&n=3"
    assert "3 record(s) deleted." in after.text
    assert ents.count("item") == 2


async def test_picker_options_search_the_target(site: Site) -> None:
    ents = site.entities("acme")
    for name in ("Tools", "Garden", "Toys"):
        ents.create("category", {"name": name})
    async with site.client_as("acme", "alice") as http:
        some = await http.get("/acme/crud_demo/category?format=options&q=To")
        anonymous = await http.get("/acme/crud_demo/category?format=options")
    assert sorted(o["label"] for o in some.json()) == ["Tools", "Toys"]
    assert anonymous.status_code == 200


async def test_detail_lists_related_records(site: Site) -> None:
    ents = site.entities("acme")
    tools = ents.create("category", {"name": "Tools"})
    for i in range(12):
        ents.create("item", {"title": f"Tool {i}", "category_id": tools["id"]})
    async with site.client_as("acme", "alice") as http:
        page = await http.get(f"/acme/crud_demo/category/{tools['id']}")
    assert "Item by Category (12)" in page.text
    assert page.text.count('href="/acme/crud_demo/item/') == 10
    assert f"ff=category_id&amp;fo=eq&amp;fv={tools['id']}" in page.text


async def test_package_components_replace_the_generated_views(site: Site) -> None:
    custom = site.h.db.entities(site.entities("acme").scope, package="crud_custom")
    note = custom.create("note", {"text": "remember the milk"})
    notes = "/acme/crud_custom/note"
    async with site.client_as("acme", "alice") as http:
        listing = await http.get(notes)
        detail = await http.get(f"{notes}/{note['id']}")
        form = await http.get(f"{notes}/new")
        saved = await http.post(f"{notes}/new", data={"text": "buy bread"})
    assert 'id="custom-notes"' in listing.text and "remember the milk" in listing.text
    assert 'id="mb-records"' not in listing.text
    assert "Note: remember the milk" in detail.text and 'id="mb-fields"' not in detail.text
    assert 'id="custom-note-form"' in form.text and 'name="csrf_token"' in form.text
    assert saved.status_code == 303 and custom.count("note") == 2


async def test_full_text_search_over_x_search_fields(site: Site) -> None:
    doc = {
        "title": "doc",
        "type": "object",
        "properties": {"heading": {"type": "string"}, "body": {"type": "string"}},
        "x-search": ["heading", "body"],
    }
    db = site.h.db
    db.schema.apply_entities("library", [doc])
    db.installed_packages.upsert(Scope.system(), site.tenants["acme"]["id"], "library", "1.0.0")
    docs = db.entities(Scope.system(site.tenants["acme"]["id"]), package="library")
    docs.create("doc", {"heading": "Gardening", "body": "roses and tulips"})
    docs.create("doc", {"heading": "Cooking", "body": "soup"})
    async with site.client_as("acme", "alice") as http:
        found = await http.get("/acme/library/doc?q=tulips")
    cell = r'data-column="heading"><a class="mb-link" href="[^"]+">([^<]+)<'
    headings = re.findall(cell, found.text)
    assert headings == ["Gardening"]
    assert "1 to 1" in found.text and 'id="mb-next"' not in found.text


async def test_deleting_a_row_others_point_at_is_refused_with_a_message(site: Site) -> None:
    ents = site.entities("acme")
    tools = ents.create("category", {"name": "Tools"})
    ents.create("item", {"title": "Hammer", "category_id": tools["id"]})
    async with site.client_as("acme", "ada") as http:
        single = await http.post(f"/acme/crud_demo/category/{tools['id']}", data={"op": "delete"})
        bulk = await http.post(
            "/acme/crud_demo/category", data={"op": "delete", "ids": tools["id"]}
        )
    assert single.status_code == 409 and 'id="mb-error"' in single.text
    assert bulk.status_code == 409 and 'id="mb-error"' in bulk.text
    assert ents.read("category", tools["id"])["name"] == "Tools"


async def test_hostile_values_are_shown_as_text(site: Site) -> None:
    hostile = '<script>alert(1)</script>{{user.id}}"onmouseover="x'
    item = site.entities("acme").create("item", {"title": hostile, "notes": hostile})
    async with site.client_as("acme", "ada") as http:
        pages = [
            await http.get(ITEM),
            await http.get(f"{ITEM}/{item['id']}"),
            await http.get(f"{ITEM}/{item['id']}/edit"),
            await http.get(ITEM + "?q=" + "%3Cscript%3E"),
        ]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text
        assert '"onmouseover="x' not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{user.id}}" in pages[1].text
