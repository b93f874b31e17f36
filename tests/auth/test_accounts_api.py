"""Registration, password reset by token, API tokens and level changes through the HTTP API."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from dbal.accounts.tables import api_tokens
from engine.accounts.delivery import LogDelivery
from engine.accounts.errors import AccountError
from engine.accounts.tokens import token_hash
from tests.auth.harness import PASSWORD, Harness, login

NEW = "another good passphrase"


@pytest.fixture
def acme(harness: Harness) -> Harness:
    harness.tenant("acme")
    harness.tenant("open", allowSelfRegistration=True)
    harness.user("acme", "alice", "admin")
    return harness


def register_body(tenant: str, username: str = "newbie") -> dict[str, str]:
    return {"tenant": tenant, "username": username, "password": PASSWORD}


async def test_self_registration_signs_in_as_a_user_where_the_tenant_allows_it(
    acme: Harness,
) -> None:
    async with acme.client() as client:
        response = await client.post("/api/v1/auth/register", json=register_body("open"))
        assert response.status_code == 201, response.text
        me = (await client.get("/api/v1/auth/me")).json()
    assert (me["username"], me["level"], me["role"]) == ("newbie", 1, "user")


async def test_registration_is_closed_by_default(acme: Harness) -> None:
    async with acme.client() as client:
        response = await client.post("/api/v1/auth/register", json=register_body("acme"))
    assert response.status_code == 403
    assert response.json()["error"] == "REGISTRATION_CLOSED"


async def test_a_taken_username_is_a_409(acme: Harness) -> None:
    async with acme.client() as client:
        response = await client.post("/api/v1/auth/register", json=register_body("open", "alice"))
    assert response.status_code == 409


async def test_password_reset_by_token_works_once_and_ends_sessions(acme: Harness) -> None:
    async with acme.client() as old_session:
        await login(old_session, "acme", "alice")
        async with acme.client() as client:
            asked = await client.post(
                "/api/v1/auth/password-reset/request", json={"tenant": "acme", "login": "alice"}
            )
            assert asked.status_code == 202
            token = acme.delivery.sent[-1]["token"]
            body = {"token": token, "newPassword": NEW}
            done = await client.post("/api/v1/auth/password-reset/confirm", json=body)
            assert done.status_code == 200, done.text
            again = await client.post("/api/v1/auth/password-reset/confirm", json=body)
            assert again.status_code == 400 and again.json()["error"] == "INVALID_TOKEN"
            assert (await login(client, "acme", "alice", NEW)).status_code == 200
        assert (await old_session.get("/api/v1/auth/me")).status_code == 401


async def test_a_reset_request_reveals_nothing_about_the_account(acme: Harness) -> None:
    async with acme.client() as client:
        real = await client.post(
            "/api/v1/auth/password-reset/request", json={"tenant": "acme", "login": "alice"}
        )
        ghost = await client.post(
            "/api/v1/auth/password-reset/request", json={"tenant": "acme", "login": "ghost"}
        )
    assert (real.status_code, real.json()) == (ghost.status_code, ghost.json())
    assert len(acme.delivery.sent) == 1


async def test_an_expired_reset_token_is_refused(acme: Harness) -> None:
    acme.accounts.request_reset("acme", "alice")
    token = acme.delivery.sent[-1]["token"]
    acme.clock.advance(hours=2)
    async with acme.client() as client:
        response = await client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "newPassword": NEW}
        )
    assert response.status_code == 400


async def test_api_tokens_are_hashed_capped_scoped_and_revocable(acme: Harness) -> None:
    async with acme.client() as browser:
        await login(browser, "acme", "alice")
        created = await browser.post("/api/v1/auth/tokens", json={"name": "ci", "maxLevel": 1})
        assert created.status_code == 201, created.text
        token, token_id = created.json()["token"], created.json()["id"]
        too_high = await browser.post("/api/v1/auth/tokens", json={"name": "x", "maxLevel": 4})
        assert too_high.status_code == 422
        listed = (await browser.get("/api/v1/auth/tokens")).json()["tokens"]
        assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    with acme.db.engine.connect() as conn:
        at_rest = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    assert at_rest == [token_hash(token)]  # only the hash is stored
    bearer = {"authorization": f"Bearer {token}"}
    async with acme.client(browser=False) as machine:
        me = (await machine.get("/api/v1/auth/me", headers=bearer)).json()
        assert (me["level"], me["authMethod"]) == (1, "token")  # capped below admin
        denied = await machine.post("/api/v1/auth/tokens", json={"name": "y"}, headers=bearer)
        assert denied.status_code == 403  # a token cannot mint tokens
        async with acme.client() as browser:
            await login(browser, "acme", "alice")
            assert (await browser.delete(f"/api/v1/auth/tokens/{token_id}")).status_code == 200
        gone = await machine.get("/api/v1/auth/me", headers=bearer)
        assert gone.status_code == 401
    operations = [r["operation"] for r in acme.accounts.store.audit.recent()]
    assert "token_create" in operations and "token_revoke" in operations


async def test_a_wrong_bearer_token_is_a_401_with_www_authenticate(acme: Harness) -> None:
    async with acme.client(browser=False) as machine:
        response = await machine.get(
            "/api/v1/auth/me", headers={"authorization": "Bearer mbt_not-a-real-token"}
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("actor_role", "target_role", "new_role", "status"),
    [
        ("admin", "user", "moderator", 200),
        ("admin", "user", "admin", 200),
        ("admin", "user", "god", 403),  # only a supergod grants god
        ("god", "user", "god", 403),
        ("supergod", "user", "god", 200),
        ("supergod", "user", "supergod", 200),
        ("moderator", "user", "moderator", 403),  # needs admin
        ("admin", "admin", "user", 403),  # not someone at your own level
        ("user", "user", "moderator", 403),
    ],
)
async def test_who_may_set_whose_level(
    acme: Harness, actor_role: str, target_role: str, new_role: str, status: int
) -> None:
    acme.user("acme", "actor", actor_role)
    acme.user("acme", "target", target_role)
    async with acme.client() as client:
        await login(client, "acme", "actor")
        response = await client.put(
            "/api/v1/auth/memberships",
            json={"tenant": "acme", "username": "target", "role": new_role},
        )
    assert response.status_code == status, response.text
    changes = [r for r in acme.accounts.store.audit.recent() if r["operation"] == "level_change"]
    assert len(changes) == (4 if status == 200 else 3)  # three creations, then the change


@pytest.mark.parametrize("role", ["admin", "god", "supergod"])
async def test_nobody_raises_their_own_level(acme: Harness, role: str) -> None:
    acme.user("acme", "self", role)
    async with acme.client() as client:
        await login(client, "acme", "self")
        response = await client.put(
            "/api/v1/auth/memberships",
            json={"tenant": "acme", "username": "self", "role": "supergod"},
        )
    assert response.status_code == (200 if role == "supergod" else 403)


async def test_an_admin_of_another_tenant_cannot_set_levels_here(acme: Harness) -> None:
    acme.tenant("rival")
    acme.user("rival", "rivaladmin", "admin")
    acme.user("acme", "victim", "user")
    async with acme.client() as client:
        await login(client, "rival", "rivaladmin")
        response = await client.put(
            "/api/v1/auth/memberships",
            json={"tenant": "acme", "username": "victim", "role": "admin"},
        )
    assert response.status_code == 403


async def test_login_and_logout_are_audited(acme: Harness) -> None:
    async with acme.client() as client:
        await login(client, "acme", "alice", "wrong password!")
        await login(client, "acme", "alice")
        await client.post("/api/v1/auth/logout")
    operations = [r["operation"] for r in reversed(acme.accounts.store.audit.recent())]
    assert operations[-3:] == ["login_failed", "login", "logout"]


async def test_an_api_token_stops_working_when_it_expires(acme: Harness) -> None:
    async with acme.client() as browser:
        await login(browser, "acme", "alice")
        created = await browser.post("/api/v1/auth/tokens", json={"name": "ci", "expiresInDays": 1})
    bearer = {"authorization": f"Bearer {created.json()['token']}"}
    async with acme.client(browser=False) as machine:
        assert (await machine.get("/api/v1/auth/me", headers=bearer)).status_code == 200
        acme.clock.advance(days=1)
        assert (await machine.get("/api/v1/auth/me", headers=bearer)).status_code == 401


def test_the_embedded_default_prints_the_reset_token_to_the_log(
    acme: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    acme.accounts.delivery = LogDelivery()
    with caplog.at_level(logging.WARNING, logger="metabuilder.auth"):
        acme.accounts.request_reset("acme", "alice")
    line = next(r.getMessage() for r in caplog.records if "password reset" in r.getMessage())
    token = line.split("token ")[1].split(" ")[0]
    acme.accounts.confirm_reset(token, NEW)
    assert acme.accounts.login("acme", "alice", NEW).principal.level == 3


def test_sweep_deletes_only_what_is_dead(acme: Harness) -> None:
    accounts = acme.accounts
    accounts.login("acme", "alice", PASSWORD)
    with pytest.raises(AccountError):
        accounts.login("acme", "ghost", "wrong password!")
    accounts.request_reset("acme", "alice")
    assert accounts.sweep() == {"sessions": 0, "throttle": 0, "resets": 0}
    acme.clock.advance(days=2)
    assert accounts.sweep() == {"sessions": 1, "throttle": 1, "resets": 1}
