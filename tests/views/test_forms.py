"""Generated create/edit forms over HTTP: a control per field type with the schema's browser
constraints, typed values on save, and server errors next to the field they belong to."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.views.site import Site

NEW = "/acme/crud_demo/item/new"


def field_box(html: str, name: str) -> str:
    """The HTML of the form box of one field (up to the next field's box)."""
    start = html.index(f'data-field="{name}"')
    end = html.find('data-field="', start + 1)
    return html[start : end if end != -1 else len(html)]


CONTROLS = [
    ("title", [r'<input[^>]*type="text"[^>]*name="title"[^>]*required', r'maxlength="100"', r'minlength="2"']),  # noqa: E501
    ("code", [r'type="text"', r'pattern="\(\?:\[A-Z\]\{3\}-\[0-9\]\+\)"', "Three capitals"]),
    ("count", [r'type="number"', r'min="0"', r'max="1000"', r'step="1"']),
    ("price", [r'type="number"', r'min="0"', r'step="any"']),
    ("active", [r'type="hidden" name="active" value="false"', r'type="checkbox" name="active" value="true" checked']),  # noqa: E501
    ("released", [r'type="date" name="released"']),
    ("due_at", [r'type="datetime-local" name="due_at"', r'step="1"']),
    ("status", [r'<select[^>]*name="status"', r'<option value="draft" selected>', r'<option value="archived">']),  # noqa: E501
    ("contact", [r'type="email" name="contact"']),
    ("homepage", [r'type="url" name="homepage"']),
    ("meta", [r'data-view-validate="json"', r'<textarea[^>]*name="meta"']),
    ("notes", [r'<textarea[^>]*name="notes"[^>]*maxlength="2000"']),
    ("category_id", [r'data-view-fk="/acme/crud_demo/category\?format=options"', r'<select[^>]*name="category_id"', r'type="search"', ">Tools</option>"]),  # noqa: E501
    ("tags", [r'data-view-validate="array:string"', r'<textarea[^>]*name="tags"', "One value per line"]),  # noqa: E501
    ("scores", [r'data-view-validate="array:integer"', r'<textarea[^>]*name="scores"']),
]  # fmt: skip


async def test_every_field_type_gets_its_control_and_constraints(site: Site) -> None:
    site.entities("acme").create("category", {"name": "Tools"})
    async with site.client_as("acme", "ada") as http:
        response = await http.get(NEW)
    assert response.status_code == 200
    for name, patterns in CONTROLS:
        box = field_box(response.text, name)
        for pattern in patterns:
            assert re.search(pattern, box), f"{name}: {pattern!r} not in {box[:600]}"
    assert 'name="csrf_token"' in response.text


def full_form(category_id: str) -> dict[str, Any]:
    return {
        "title": "Hammer",
        "code": "HAM-1",
        "count": "7",
        "price": "12.5",
        "active": ["false", "true"],
        "released": "2026-01-02",
        "due_at": "2026-03-04T05:06:07",
        "status": "published",
        "contact": "shop@example.com",
        "homepage": "https://example.com/hammer",
        "meta": '{"weight": 2, "unit": "kg"}',
        "notes": "  Heavy.\nHandle with care.",
        "category_id": category_id,
        "tags": "steel\n\nwood\n",
        "scores": "3\n4",
    }


async def test_a_record_with_every_field_type_is_created_and_edited(site: Site) -> None:
    ents = site.entities("acme")
    tools = ents.create("category", {"name": "Tools"})
    garden = ents.create("category", {"name": "Garden"})
    async with site.client_as("acme", "ada") as http:
        created = await http.post(NEW, data=full_form(tools["id"]))
        assert created.status_code == 303, created.text[:2000]
        url = created.headers["location"].split("?")[0]
        row = ents.read("item", url.rsplit("/", 1)[1])
        assert row["count"] == 7 and row["price"] == 12.5 and row["active"] is True
        assert row["released"] == "2026-01-02" and row["status"] == "published"
        assert row["due_at"] == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        assert row["meta"] == {"weight": 2, "unit": "kg"}
        assert row["notes"] == "  Heavy.\nHandle with care."
        assert row["tags"] == ["steel", "wood"] and row["scores"] == [3, 4]
        assert row["category_id"] == tools["id"]

        detail = await http.get(created.headers["location"])
        assert "Record created." in detail.text
        assert f'href="/acme/crud_demo/category/{tools["id"]}">Tools</a>' in detail.text

        form = await http.get(url + "/edit")
        assert re.search(r'name="tags"[^>]*>steel\nwood</textarea>', form.text)
        assert 'value="2026-03-04T05:06:07"' in form.text
        assert f'<option value="{tools["id"]}" selected>Tools</option>' in form.text

        changes = {**full_form(garden["id"]), "active": "false", "scores": "", "price": ""}
        saved = await http.post(url + "/edit", data=changes)
        assert saved.status_code == 303
    row = ents.read("item", row["id"])
    assert row["active"] is False and row["price"] is None and row["scores"] is None
    assert row["category_id"] == garden["id"]


ERROR_TEXT = r'class="mb-field__helper mb-field__helper--error"[^>]*>([^<]*)<'
SERVER_ERRORS = [
    ("code", {"code": "TAK-1"}, "is already in use"),
    ("code", {"code": "lower-1"}, "does not match the pattern"),
    ("title", {"title": "X"}, "shorter than 2"),
    ("count", {"count": "5000"}, "1000"),
    ("count", {"count": "2.5"}, "not a whole number"),
    ("scores", {"scores": "1\nmany"}, "line 2"),
    ("meta", {"meta": "{broken"}, "not valid JSON"),
    ("meta", {"meta": "[1, 2]"}, "not of type"),
    ("contact", {"contact": "nobody"}, "not an email"),
    ("status", {"status": "lost"}, "not one of the choices"),
]


async def test_a_server_side_error_appears_next_to_its_field(site: Site) -> None:
    site.entities("acme").create("item", {"title": "Taken", "code": "TAK-1"})
    async with site.client_as("acme", "alice") as http:
        for field, data, message in SERVER_ERRORS:
            case = f"{field} {data}"
            response = await http.post(NEW, data={"title": "Fine title", **data})
            assert response.status_code == 422, case
            box = field_box(response.text, field)
            helper = re.search(
                r'class="mb-field__helper mb-field__helper--error"[^>]*>([^<]*)<', box
            )
            assert helper is not None and message in helper.group(1), case
            assert "mb-field--error" in box, case
            if field != "status":  # what was typed is shown again (a select has only its choices)
                shown = f'value="{data[field]}"' in box or f">{data[field]}</textarea>" in box
                assert shown, case
            for other in ("title", "notes"):
                if other != field:
                    assert "mb-field__helper--error" not in field_box(response.text, other), case
    assert site.entities("acme").count("item") == 1


async def test_the_unique_clash_is_found_when_editing_too(site: Site) -> None:
    ents = site.entities("acme")
    ents.create("item", {"title": "First", "code": "ONE-1"})
    second = ents.create("item", {"title": "Second", "code": "TWO-2"})
    async with site.client_as("acme", "mona") as http:
        url = f"/acme/crud_demo/item/{second['id']}/edit"
        same = await http.post(url, data={"title": "Second", "code": "TWO-2"})
        clash = await http.post(url, data={"title": "Second", "code": "ONE-1"})
    assert same.status_code == 303
    assert clash.status_code == 422
    assert "is already in use" in field_box(clash.text, "code")


async def test_forms_need_the_csrf_token(site: Site) -> None:
    async with site.client_as("acme", "ada") as http:
        bare = httpx.AsyncClient(transport=http._transport, base_url="http://testserver")
        bare.cookies.update(http.cookies)
        bare.cookies.delete("mb_csrf")
        async with bare:
            response = await bare.post(NEW, data={"title": "Sneaky"})
    assert response.status_code == 403
    assert site.entities("acme").count("item") == 0
