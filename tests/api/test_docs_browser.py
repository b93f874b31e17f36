"""The interactive docs page in a real Chromium against the app under uvicorn: Swagger UI
(from the swagger-ui-bundle-v2 wheel, our origin) renders the tenant's operations and runs
one from the page, with the security headers on and no CSP violation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from engine.packages.lifecycle import PackageManager
from tests.api.conftest import PACKAGES
from tests.auth.harness import BUILTIN, Harness, build, close
from tests.fixtures.browser import artifact, browser, page  # noqa: F401
from tests.fixtures.serving import serve

pytestmark = [pytest.mark.browser]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Harness, str]]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for h in build(url, tmp_path / "data", packages_dirs=(BUILTIN, PACKAGES)):
        tenant = h.tenant("acme")
        PackageManager(h.db, h.app.state.services.catalog).install(tenant["id"], "forum")
        try:
            async with serve(h.app) as base_url:
                yield h, base_url
        finally:
            await close(h)


async def test_swagger_ui_shows_and_runs_the_tenant_api(
    served: tuple[Harness, str],
    page: Page,  # noqa: F811
) -> None:
    _, url = served
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    await page.goto(url + "/api/v1/acme/docs")
    await expect(page.get_by_text("/api/v1/acme/forum/category").first).to_be_visible(
        timeout=20_000
    )
    await expect(page.get_by_text("forum.post")).to_have_count(0)  # posts need level 1
    await page.get_by_text("List forum.category", exact=True).click()
    await page.get_by_role("button", name="Try it out").click()
    await page.get_by_role("button", name="Execute").click()
    await expect(
        page.locator(".live-responses-table .response .response-col_status").first
    ).to_contain_text("200", timeout=10_000)
    await page.screenshot(path=artifact("api-docs.png"), full_page=True)
    assert problems == []
