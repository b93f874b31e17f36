"""Sign in and out in a real Chromium against the real app served by uvicorn: the login
redirect, the form post with its CSRF field, the HttpOnly session cookie, and no CSP
violation on the way (the security headers are on)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.auth.harness import PASSWORD, Harness, build, close, install
from tests.fixtures.browser import artifact, browser, page  # noqa: F401
from tests.fixtures.serving import serve

pytestmark = [pytest.mark.browser]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Harness, str]]:
    for h in build(f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "data"):
        tenant = h.tenant("acme")
        for package_id in ("ui_login", "ui_auth", "hello_world"):
            install(h, tenant["id"], h.app.state.services.catalog.find(package_id))
        h.user("acme", "alice", "user")
        try:
            async with serve(h.app) as base_url:
                yield h, base_url
        finally:
            await close(h)


async def test_sign_in_and_out_in_a_browser(
    served: tuple[Harness, str],
    page: Page,  # noqa: F811
) -> None:
    _, url = served
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    await page.goto(url + "/acme/logout")
    assert page.url == url + "/acme/login?next=/acme/logout"
    await page.get_by_label("Username").fill("alice")
    await page.get_by_label("Password").fill("wrong password!")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Invalid username or password.")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Signed in as alice.")).to_be_visible()
    assert page.url == url + "/acme/logout"
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["mb_session"]["httpOnly"] and cookies["mb_session"]["sameSite"] == "Lax"
    await page.screenshot(path=artifact("auth-signed-in.png"), full_page=True)
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(url + "/acme")
    await page.goto(url + "/acme/logout")
    assert page.url.startswith(url + "/acme/login")
    assert violations == []
