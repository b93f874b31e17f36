"""The sign-in, registration and sign-out pages (ui_login, ui_auth) as a browser without
JavaScript uses them: GET the page, POST the form back with its CSRF field, follow redirects."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.auth.harness import CSRF, PASSWORD, Harness, install


@pytest.fixture
def site(harness: Harness) -> Harness:
    for slug, settings in (("acme", {}), ("open", {"allowSelfRegistration": True})):
        tenant = harness.tenant(slug, **settings)
        for package_id in ("ui_login", "ui_auth", "hello_world"):
            package = harness.app.state.services.catalog.find(package_id)
            install(harness, tenant["id"], package)
    harness.user("acme", "alice", "user")
    return harness


def browser(h: Harness) -> httpx.AsyncClient:
    client = h.client(browser=False)
    client.cookies.set("mb_csrf", CSRF)
    return client


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form has no CSRF field"
    return found.group(1)


async def test_the_login_page_is_a_form_with_a_csrf_field(site: Harness) -> None:
    async with browser(site) as client:
        response = await client.get("/acme/login")
    assert response.status_code == 200
    assert 'type="password"' in response.text and form_token(response.text) == CSRF


async def test_a_protected_page_sends_to_login_and_back(site: Harness) -> None:
    async with browser(site) as client:
        bounced = await client.get("/acme/logout")
        assert bounced.status_code == 303
        login_url = bounced.headers["location"]
        assert login_url == "/acme/login?next=/acme/logout"
        signed = await client.post(
            login_url, data={"csrf_token": CSRF, "username": "alice", "password": PASSWORD}
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/acme/logout"
        page = await client.get("/acme/logout")
        assert page.status_code == 200 and "Signed in as alice." in page.text


async def test_a_failed_login_shows_the_form_again_with_the_reason(site: Harness) -> None:
    async with browser(site) as client:
        response = await client.post(
            "/acme/login",
            data={"csrf_token": CSRF, "username": "alice", "password": "wrong password!"},
        )
    assert response.status_code == 401
    assert "Invalid username or password." in response.text
    assert 'value="alice"' in response.text and "wrong password!" not in response.text
    assert "mb_session" not in response.cookies


async def test_the_login_form_without_its_csrf_field_is_refused(site: Harness) -> None:
    async with browser(site) as client:
        response = await client.post(
            "/acme/login", data={"username": "alice", "password": PASSWORD}
        )
    assert response.status_code == 403


async def test_next_never_leaves_the_site(site: Harness) -> None:
    async with browser(site) as client:
        response = await client.post(
            "/acme/login?next=//evil.example/x",
            data={"csrf_token": CSRF, "username": "alice", "password": PASSWORD},
        )
    assert response.status_code == 303 and response.headers["location"] == "/acme"


async def test_signing_out_ends_the_session(site: Harness) -> None:
    async with browser(site) as client:
        await client.post(
            "/acme/login", data={"csrf_token": CSRF, "username": "alice", "password": PASSWORD}
        )
        token = client.cookies["mb_session"]
        out = await client.post("/acme/logout", data={"csrf_token": CSRF})
        assert out.status_code == 303
    assert site.accounts.sessions.resolve(token, site.clock()) is None


async def test_registration_by_form(site: Harness) -> None:
    async with browser(site) as client:
        weak = await client.post(
            "/open/register",
            data={"csrf_token": CSRF, "username": "newbie", "password": "short"},
        )
        assert weak.status_code == 422
        assert "Use at least 10 characters." in weak.text and 'value="newbie"' in weak.text
        made = await client.post(
            "/open/register",
            data={"csrf_token": CSRF, "username": "newbie", "password": PASSWORD},
        )
        assert made.status_code == 303 and made.headers["location"] == "/open"
        me = await client.get("/api/v1/auth/me")
        assert me.json()["username"] == "newbie"


async def test_registration_is_refused_where_the_tenant_does_not_allow_it(site: Harness) -> None:
    async with browser(site) as client:
        response = await client.post(
            "/acme/register",
            data={"csrf_token": CSRF, "username": "newbie", "password": PASSWORD},
        )
    assert response.status_code == 403
    assert "does not allow self-registration" in response.text
