"""CSRF refusal of cross-site browser posts, and the security headers on every answer."""

from __future__ import annotations

import pytest

from tests.auth.harness import CSRF, PASSWORD, Harness, login

LOGOUT = "/api/v1/auth/logout"


@pytest.fixture
def signed_in(harness: Harness) -> Harness:
    harness.tenant("acme")
    harness.user("acme", "alice", "admin")
    return harness


async def session_of(h: Harness) -> str:
    async with h.client() as client:
        response = await login(client, "acme", "alice")
    return response.cookies["mb_session"]


async def test_a_cross_site_form_post_riding_on_the_session_is_refused(signed_in: Harness) -> None:
    token = await session_of(signed_in)
    async with signed_in.client(browser=False) as browser:
        browser.cookies.set("mb_session", token)
        browser.cookies.set("mb_csrf", CSRF)  # the victim's browser holds both cookies
        response = await browser.post(
            LOGOUT,
            data={"next": "/"},
            headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        )
        assert response.status_code == 403
        assert response.json()["error"] == "CSRF_FAILED"
        assert (await browser.get("/api/v1/auth/me")).status_code == 200  # still signed in


async def test_a_same_site_form_post_without_the_token_is_refused(signed_in: Harness) -> None:
    token = await session_of(signed_in)
    async with signed_in.client(browser=False) as browser:
        browser.cookies.set("mb_session", token)
        browser.cookies.set("mb_csrf", CSRF)
        response = await browser.post(LOGOUT, data={"next": "/"})
    assert response.status_code == 403


async def test_a_form_post_with_the_csrf_field_passes(signed_in: Harness) -> None:
    token = await session_of(signed_in)
    async with signed_in.client(browser=False) as browser:
        browser.cookies.set("mb_session", token)
        browser.cookies.set("mb_csrf", CSRF)
        response = await browser.post(LOGOUT, data={"csrf_token": CSRF, "next": "/acme"})
    assert response.status_code == 303
    assert response.headers["location"] == "/acme"


async def test_the_client_runtime_style_request_passes(signed_in: Harness) -> None:
    token = await session_of(signed_in)
    async with signed_in.client() as runtime:  # X-CSRF-Token echoes the cookie
        runtime.cookies.set("mb_session", token)
        response = await runtime.post(
            "/api/v1/auth/tokens", json={"name": "ci"}, headers={"origin": "http://testserver"}
        )
    assert response.status_code == 201, response.text


async def test_a_bearer_client_needs_no_csrf_token(signed_in: Harness) -> None:
    token = await session_of(signed_in)
    async with signed_in.client() as browser:
        browser.cookies.set("mb_session", token)
        api = (await browser.post("/api/v1/auth/tokens", json={"name": "ci"})).json()["token"]
    async with signed_in.client(browser=False) as machine:
        response = await machine.get("/api/v1/auth/me", headers={"authorization": f"Bearer {api}"})
    assert response.status_code == 200 and response.json()["authMethod"] == "token"


async def test_a_cross_site_login_form_is_refused(signed_in: Harness) -> None:
    """Login CSRF: a foreign page must not sign the visitor in as someone else."""
    async with signed_in.client(browser=False) as browser:
        response = await browser.post(
            "/api/v1/auth/login",
            data={"tenant": "acme", "username": "alice", "password": PASSWORD},
            headers={"origin": "https://evil.example"},
        )
    assert response.status_code == 403
    assert "mb_session" not in response.cookies


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/auth/me", "/acme/nowhere"])
async def test_every_answer_carries_the_security_headers(signed_in: Harness, path: str) -> None:
    async with signed_in.client() as client:
        response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self' 'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # plain http


async def test_hsts_is_sent_over_https(signed_in: Harness) -> None:
    async with signed_in.client(https=True) as client:
        response = await client.get("/healthz")
    assert "max-age=" in response.headers["strict-transport-security"]
