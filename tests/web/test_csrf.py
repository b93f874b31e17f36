"""CSRF: state-changing browser requests need the double-submit token; others pass."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from web.middleware.csrf import CSRFMiddleware, csrf_token


async def echo(request: Request) -> PlainTextResponse:
    body = await request.body()
    return PlainTextResponse(f"{csrf_token(request.scope)}|{body.decode()}")


APP = Starlette(
    routes=[Route("/x", echo, methods=["GET", "POST"])], middleware=[Middleware(CSRFMiddleware)]
)


def http() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://testserver")


async def token_of(client: httpx.AsyncClient) -> str:
    response = await client.get("/x")
    token = response.cookies["mb_csrf"]
    assert response.text.startswith(token)
    return token


async def test_the_token_cookie_is_set_once_and_http_only() -> None:
    async with http() as client:
        first = await client.get("/x")
        assert (
            "HttpOnly" in first.headers["set-cookie"]
            and "SameSite=Lax" in first.headers["set-cookie"]
        )
        second = await client.get("/x")
        assert "set-cookie" not in second.headers


async def test_a_request_with_the_header_token_passes() -> None:
    async with http() as client:
        token = await token_of(client)
        response = await client.post("/x", headers={"X-CSRF-Token": token}, content=b"{}")
    assert response.status_code == 200


async def test_a_plain_form_with_the_token_field_passes_and_keeps_its_body() -> None:
    async with http() as client:
        token = await token_of(client)
        response = await client.post("/x", data={"csrf_token": token, "name": "x"})
    assert response.status_code == 200
    assert response.text.endswith(f"csrf_token={token}&name=x")


@pytest.mark.parametrize(
    "headers",
    [
        {},  # cookie but no token
        {"X-CSRF-Token": "wrong"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
async def test_browser_requests_without_a_matching_token_are_refused(
    headers: dict[str, str],
) -> None:
    async with http() as client:
        await token_of(client)
        response = await client.post("/x", headers=headers, content=b"{}")
    assert response.status_code == 403
    assert response.json()["error"] == "CSRF_FAILED"


async def test_a_cross_site_form_post_without_cookies_is_refused() -> None:
    async with http() as client:
        response = await client.post(
            "/x", data={"a": "1"}, headers={"Origin": "https://evil.example"}
        )
    assert response.status_code == 403


async def test_bearer_clients_and_cookieless_scripts_are_exempt() -> None:
    async with http() as client:
        bearer = await client.post("/x", headers={"Authorization": "Bearer abc"}, content=b"{}")
    assert bearer.status_code == 200
    async with http() as client:
        script = await client.post("/x", content=b"{}")
    assert script.status_code == 200


async def test_same_origin_requests_with_the_token_pass() -> None:
    async with http() as client:
        token = await token_of(client)
        response = await client.post(
            "/x", headers={"Origin": "http://testserver", "X-CSRF-Token": token}, content=b"{}"
        )
    assert response.status_code == 200
