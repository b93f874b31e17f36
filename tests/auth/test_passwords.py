"""Passwords: argon2id at rest, the original's SHA-512 hashes upgraded on first login, policy."""

from __future__ import annotations

import pytest

from engine.accounts.errors import PasswordRejected
from engine.accounts.password_policy import PasswordPolicy
from engine.accounts.passwords import Passwords, is_argon2id, legacy_sha512
from tests.auth.harness import FAST_HASHING, PASSWORD, Harness, login


@pytest.fixture
def legacy_user(harness: Harness) -> str:
    harness.tenant("acme")
    user_id = harness.user("acme", "olduser", "user")
    harness.accounts.store.users.set_password_hash(user_id, legacy_sha512(PASSWORD))
    return user_id


async def test_a_legacy_sha512_hash_logs_in_once_and_is_stored_as_argon2id(
    harness: Harness, legacy_user: str
) -> None:
    users = harness.accounts.store.users
    async with harness.client() as client:
        assert (await login(client, "acme", "olduser")).status_code == 200
    upgraded = users.password_hash(legacy_user)
    assert upgraded is not None and is_argon2id(upgraded)
    assert PASSWORD not in upgraded and legacy_sha512(PASSWORD) not in upgraded
    async with harness.client() as client:  # and the argon2id hash works from now on
        assert (await login(client, "acme", "olduser")).status_code == 200
    assert users.password_hash(legacy_user) == upgraded  # no second rehash
    audit = [r for r in harness.accounts.store.audit.recent() if r["operation"] == "login"]
    assert [r["changed_fields"].get("legacyHashUpgraded") for r in audit] == [None, True]


async def test_a_wrong_password_against_a_legacy_hash_changes_nothing(
    harness: Harness, legacy_user: str
) -> None:
    async with harness.client() as client:
        assert (await login(client, "acme", "olduser", "not the password")).status_code == 401
    assert harness.accounts.store.users.password_hash(legacy_user) == legacy_sha512(PASSWORD)


def test_new_passwords_are_salted_argon2id() -> None:
    passwords = Passwords(FAST_HASHING)
    one, two = passwords.hash(PASSWORD), passwords.hash(PASSWORD)
    assert one != two and is_argon2id(one)
    assert passwords.verify(one, PASSWORD).ok
    assert not passwords.verify(one, PASSWORD + "x").ok


@pytest.mark.parametrize(
    "stored", [None, "", "plaintext", "$2b$12$notargon", "ab" * 63, legacy_sha512("other")]
)
def test_anything_else_never_verifies(stored: str | None) -> None:
    assert not Passwords(FAST_HASHING).verify(stored, PASSWORD).ok


def test_a_cheaper_hash_is_flagged_for_rehash() -> None:
    weak = Passwords(FAST_HASHING).hash(PASSWORD)
    assert Passwords().verify(weak, PASSWORD).needs_rehash


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("", None, "A password is required."),
        ("short1", None, "Use at least 10 characters."),
        ("x" * 300, None, "Use at most 256 characters."),
        ("aaaaaaaaaaaa", None, "Do not repeat a single character."),
        ("password123", None, "This password is too common; choose another."),
        ("alice-is-great", "alice", "The password must not contain the username."),
    ],
)
def test_the_policy_says_what_is_wrong(password: str, username: str | None, problem: str) -> None:
    with pytest.raises(PasswordRejected) as caught:
        PasswordPolicy().check(password, username=username)
    assert problem in caught.value.problems


def test_a_long_passphrase_passes() -> None:
    PasswordPolicy().check("correct horse battery staple", username="alice")


async def test_registration_answers_policy_problems_as_422(harness: Harness) -> None:
    harness.tenant("open", allowSelfRegistration=True)
    async with harness.client() as client:
        response = await client.post(
            "/api/v1/auth/register",
            json={"tenant": "open", "username": "newbie", "password": "short"},
        )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "WEAK_PASSWORD"
    assert "Use at least 10 characters." in body["details"]["problems"]
