"""The generated views in a real Chromium: create, edit, filter, sort, paginate and delete
records; the browser checks the schema's constraints before posting, and an error only the
server can find (a unique clash) appears next to its field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.auth.harness import PASSWORD
from tests.fixtures.browser import artifact, browser, page  # noqa: F401
from tests.fixtures.serving import serve
from tests.views.site import Site, make_site

pytestmark = [pytest.mark.browser]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Site, str]]:
    async for site in make_site(f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "data"):
        async with serve(site.h.app) as base_url:
            yield site, base_url


async def sign_in(tab: Page, url: str, username: str) -> None:
    await tab.goto(f"{url}/acme/login")
    await tab.get_by_label("Username").fill(username)
    await tab.get_by_label("Password").fill(PASSWORD)
    await tab.get_by_role("button", name="Sign in").click()
    await tab.wait_for_load_state()


async def test_crud_through_the_generated_views(
    served: tuple[Site, str],
    page: Page,  # noqa: F811
) -> None:
    site, url = served
    ents = site.entities("acme")
    tools = ents.create("category", {"name": "Tools"})
    ents.create_many("item", [{"title": f"Stock {i:02d}", "count": i} for i in range(22)])
    ents.create("item", {"title": "Taken", "code": "TAK-1", "count": 500})
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await sign_in(page, url, "ada")
    items = f"{url}/acme/crud_demo/item"

    # create; the browser refuses what the schema forbids before anything is posted
    await page.goto(items)
    await page.locator("#mb-new").click()
    await page.wait_for_url(items + "/new")
    await page.locator("[name=title]").fill("X")
    await page.locator("#mb-save").click()
    assert page.url == items + "/new"  # minlength 2: not submitted
    assert not await page.locator("[name=title]").evaluate("e => e.validity.valid")
    await page.locator("[name=meta]").fill("{not json")
    assert not await page.locator("[name=meta]").evaluate("e => e.validity.valid")
    await page.locator("[name=meta]").fill('{"size": 3}')
    await page.locator("[name=title]").fill("Hammer")
    await page.locator("[name=code]").fill("TAK-1")
    await page.locator("[name=count]").fill("7")
    await page.locator("[data-view-fk] input[type=search]").fill("Too")
    await expect(page.locator("[name=category_id]")).to_have_value(tools["id"])
    await page.locator("[name=tags]").fill("steel\nwood")
    await page.locator("#mb-save").click()

    # only the server knows the code is taken: the error sits next to the code field
    error = page.locator("[data-field=code] .mb-field__helper--error")
    await expect(error).to_have_text("is already in use")
    await expect(page.locator("[data-field=title] .mb-field__helper--error")).to_have_count(0)
    await expect(page.locator("[name=title]")).to_have_value("Hammer")
    await page.screenshot(path=artifact("views-server-error.png"), full_page=True)
    await page.locator("[name=code]").fill("HAM-1")
    await page.locator("#mb-save").click()
    await expect(page.locator("#mb-notice")).to_have_text("Record created.")
    await expect(page.locator("[data-field=category_id] a")).to_have_text("Tools")

    # edit
    await page.locator("#mb-edit").click()
    await page.locator("[name=title]").fill("Claw hammer")
    await page.locator("#mb-save").click()
    await expect(page.locator("#mb-notice")).to_have_text("Changes saved.")
    await expect(page.locator("h1")).to_have_text("Claw hammer")

    # filter
    await page.goto(items)
    await page.locator("select[name=ff]").select_option("count")
    await page.locator("select[name=fo]").select_option("gte")
    await page.locator("input[name=fv]").fill("20")
    await page.locator("#mb-apply").click()
    await expect(page.locator("#mb-page-summary")).to_have_text("1 to 3 of 3")
    rows = page.locator("#mb-records tbody tr[data-id]")
    await expect(rows).to_have_count(3)

    # sort: by count ascending, then descending
    await page.locator("th[data-column=count] a").click()
    await expect(rows.first.locator("td[data-column=title]")).to_have_text("Stock 20")
    await page.locator("th[data-column=count] a").click()
    await expect(rows.first.locator("td[data-column=title]")).to_have_text("Taken")

    # paginate over everything
    await page.goto(items + "?sort=count")
    await expect(page.locator("#mb-page-summary")).to_have_text("1 to 20 of 24")
    await page.locator("#mb-next").click()
    await expect(page.locator("#mb-page-summary")).to_have_text("21 to 24 of 24")
    await expect(rows).to_have_count(4)
    await page.locator("#mb-prev").click()
    await expect(page.locator("#mb-page-summary")).to_have_text("1 to 20 of 24")

    # delete: two selected rows in bulk, then one from its detail page
    await page.goto(items + "?ff=count&fo=lt&fv=2&sort=count")
    await expect(rows).to_have_count(2)
    await page.locator("[data-view-select-all] input").check()
    await page.locator("#mb-delete-selected").click()
    await expect(page.locator("#mb-notice")).to_have_text("2 record(s) deleted.")
    await expect(rows).to_have_count(0)
    await page.goto(items + "?ff=title&fo=eq&fv=Claw hammer")
    await page.locator("td[data-column=title] a").click()
    await page.locator("#mb-delete").click()
    await expect(page.locator("#mb-notice")).to_have_text("1 record(s) deleted.")
    await page.screenshot(path=artifact("views-list.png"), full_page=True)
    assert ents.count("item") == 21
