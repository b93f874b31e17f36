"""Sessions: cookie flags, idle and absolute expiry, rotation, revocation, fixation, logout."""

from __future__ import annotations

import pytest

from engine.accounts.tokens import token_hash
from tests.auth.harness import PASSWORD, Harness, login

ME = "/api/v1/auth/me"


def set_cookie(response: object, name: str = "mb_session") -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {headers}"
    return str(found[-1])


@pytest.fixture
def acme(harness: Harness) -> Harness:
    harness.tenant("acme")
    harness.user("acme", "alice", "user")
    return harness


async def test_login_sets_an_httponly_lax_cookie_and_me_answers(acme: Harness) -> None:
    async with acme.client() as client:
        response = await login(client, "acme", "alice")
        assert response.status_code == 200, response.text
        cookie = set_cookie(response)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http
        me = await client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "alice" and me.json()["level"] == 1


async def test_the_cookie_is_secure_over_https(acme: Harness) -> None:
    async with acme.client(https=True) as client:
        response = await login(client, "acme", "alice")
    assert "; Secure" in set_cookie(response)


async def test_the_session_token_is_stored_only_as_a_hash(acme: Harness) -> None:
    async with acme.client() as client:
        response = await login(client, "acme", "alice")
    token = response.cookies["mb_session"]
    rows = acme.accounts.store.sessions.list_for_user(response.json()["user"]["id"])
    assert len(rows) == 1
    assert acme.accounts.store.sessions.find(token_hash(token)) is not None
    assert acme.accounts.store.sessions.find(token) is None


async def test_anonymous_me_is_401_json(acme: Harness) -> None:
    async with acme.client() as client:
        response = await client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"] == "UNAUTHORIZED"


async def test_idle_expiry_ends_the_session(acme: Harness) -> None:
    async with acme.client() as client:
        await login(client, "acme", "alice")
        acme.clock.advance(seconds=1799)
        assert (await client.get(ME)).status_code == 200  # use refreshes the idle timer
        acme.clock.advance(seconds=1799)
        assert (await client.get(ME)).status_code == 200
        acme.clock.advance(seconds=1800)
        response = await client.get(ME)
    assert response.status_code == 401
    assert "mb_session=;" in set_cookie(response)  # the stale cookie is cleared


async def test_absolute_expiry_ends_an_active_session(acme: Harness) -> None:
    async with acme.client() as client:
        await login(client, "acme", "alice")
        for _ in range(49):  # active every 29 minutes (idle limit 30) for 23h41
            acme.clock.advance(minutes=29)
            assert (await client.get(ME)).status_code == 200
        acme.clock.advance(minutes=29)  # 24h10 after login: past the absolute limit
        assert (await client.get(ME)).status_code == 401


async def test_login_rotates_the_session_and_a_planted_token_never_authenticates(
    acme: Harness,
) -> None:
    planted = "mbs_attacker-chosen-value"
    async with acme.client() as client:
        client.cookies.set("mb_session", planted)
        response = await login(client, "acme", "alice")
        issued = response.cookies["mb_session"]
    assert issued != planted
    async with acme.client() as attacker:
        attacker.cookies.set("mb_session", planted)
        assert (await attacker.get(ME)).status_code == 401


async def test_logging_in_again_replaces_the_previous_session(acme: Harness) -> None:
    async with acme.client() as client:
        first = (await login(client, "acme", "alice")).cookies["mb_session"]
        second = (await login(client, "acme", "alice")).cookies["mb_session"]
    assert first != second
    async with acme.client() as old:
        old.cookies.set("mb_session", first)
        assert (await old.get(ME)).status_code == 401


async def test_logout_invalidates_the_session_on_the_server(acme: Harness) -> None:
    async with acme.client() as client:
        token = (await login(client, "acme", "alice")).cookies["mb_session"]
        response = await client.post("/api/v1/auth/logout")
        assert response.status_code == 200
        assert "Max-Age=0" in set_cookie(response)
    async with acme.client() as replay:  # the old cookie, replayed, is dead
        replay.cookies.set("mb_session", token)
        assert (await replay.get(ME)).status_code == 401
    assert acme.accounts.store.sessions.find(token_hash(token)) is None


async def test_listing_and_revoking_own_sessions(acme: Harness) -> None:
    async with acme.client() as laptop, acme.client(ip="10.0.0.2") as phone:
        await login(laptop, "acme", "alice")
        await login(phone, "acme", "alice")
        listed = (await laptop.get("/api/v1/auth/sessions")).json()["sessions"]
        assert len(listed) == 2
        assert sorted(s["current"] for s in listed) == [False, True]
        other = next(s for s in listed if not s["current"])
        assert other["ipAddress"] == "10.0.0.2"
        revoked = await laptop.delete(f"/api/v1/auth/sessions/{other['id']}")
        assert revoked.status_code == 200
        assert (await phone.get(ME)).status_code == 401
        assert (await laptop.get(ME)).status_code == 200


async def test_nobody_revokes_someone_elses_session(acme: Harness) -> None:
    acme.user("acme", "bob", "user")
    async with acme.client() as alice, acme.client() as bob:
        await login(alice, "acme", "alice")
        await login(bob, "acme", "bob")
        bobs = (await bob.get("/api/v1/auth/sessions")).json()["sessions"][0]["id"]
        response = await alice.delete(f"/api/v1/auth/sessions/{bobs}")
        assert response.status_code == 404
        assert (await bob.get(ME)).status_code == 200


async def test_a_level_change_rotates_the_session_token(acme: Harness) -> None:
    async with acme.client() as client:
        old = (await login(client, "acme", "alice")).cookies["mb_session"]
        acme.accounts.set_level("acme", "alice", "moderator", actor=None)
        response = await client.get(ME)
        assert response.status_code == 200 and response.json()["level"] == 2
        new = response.cookies["mb_session"]
        assert new != old
        assert (await client.get(ME)).status_code == 200
    async with acme.client() as replay:
        replay.cookies.set("mb_session", old)
        assert (await replay.get(ME)).status_code == 401


async def test_a_password_change_revokes_every_session_but_issues_a_fresh_one(
    acme: Harness,
) -> None:
    async with acme.client() as laptop, acme.client() as phone:
        await login(laptop, "acme", "alice")
        await login(phone, "acme", "alice")
        response = await laptop.post(
            "/api/v1/auth/password",
            json={"currentPassword": PASSWORD, "newPassword": "a much better passphrase"},
        )
        assert response.status_code == 200, response.text
        assert (await phone.get(ME)).status_code == 401
        assert (await laptop.get(ME)).status_code == 200
    async with acme.client() as fresh:
        assert (await login(fresh, "acme", "alice")).status_code == 401
        assert (await login(fresh, "acme", "alice", "a much better passphrase")).status_code == 200


async def test_dead_sessions_are_deleted_when_the_user_signs_in_again(acme: Harness) -> None:
    async with acme.client() as laptop, acme.client() as phone:
        user_id = (await login(laptop, "acme", "alice")).json()["user"]["id"]
        acme.clock.advance(hours=1)  # the laptop's session is past the idle limit
        await login(phone, "acme", "alice")
    rows = acme.accounts.store.sessions.list_for_user(user_id)
    assert len(rows) == 1 and rows[0]["created_at"] == acme.clock()
