"""`metabuilder user create` and `user set-role` (ARCHITECTURE.md section 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dbal.database import Database
from engine.accounts.service import Accounts
from engine.cli.main import cli

PASSWORD = "first supergod passphrase"


def run(data_dir: Path, database_url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(data_dir), "--database-url", database_url, *args],
        input=stdin,
        env={"METABUILDER_SECRET_KEY": "test-secret"},
    )
    return result.exit_code, result.output


@pytest.fixture
def tenant(tmp_path: Path, database_url: str) -> Path:
    code, out = run(tmp_path, database_url, "tenant", "create", "default")
    assert code == 0, out
    return tmp_path


def can_log_in(database_url: str, username: str, password: str, tenant: str = "default") -> int:
    db = Database.connect(database_url)
    try:
        return Accounts.for_database(db).login(tenant, username, password).principal.level
    finally:
        db.close()


def test_the_first_supergod_from_stdin(tenant: Path, database_url: str) -> None:
    code, out = run(
        tenant,
        database_url,
        *("user", "create", "--tenant", "default", "--username", "admin"),
        *("--role", "supergod", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    assert "user admin created in tenant default as supergod" in out
    assert can_log_in(database_url, "admin", PASSWORD) == 5


def test_the_password_is_prompted_twice_without_stdin_flag(tenant: Path, database_url: str) -> None:
    code, out = run(
        tenant,
        database_url,
        *("user", "create", "--tenant", "default", "--username", "mod", "--role", "moderator"),
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, out
    assert PASSWORD not in out  # hidden input
    assert can_log_in(database_url, "mod", PASSWORD) == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--tenant", "nowhere", "--role", "user"), PASSWORD, "No tenant 'nowhere'"),
        (("--tenant", "default", "--role", "user"), "short", "Use at least 10 characters."),
        (("--tenant", "default", "--role", "user"), "", "no password on standard input"),
    ],
)
def test_failures_are_one_line_and_exit_1(
    tenant: Path, database_url: str, args: tuple[str, ...], stdin: str, message: str
) -> None:
    code, out = run(
        tenant,
        database_url,
        *("user", "create", "--username", "someone", "--password-stdin", *args),
        stdin=stdin + "\n",
    )
    assert code == 1
    assert message in out and "Traceback" not in out


def test_set_role_changes_the_level(tenant: Path, database_url: str) -> None:
    create = ("user", "create", "--tenant", "default", "--username", "bob", "--role", "user")
    assert run(tenant, database_url, *create, "--password-stdin", stdin=PASSWORD)[0] == 0
    code, out = run(
        tenant,
        database_url,
        *("user", "set-role", "--tenant", "default", "--username", "bob", "--role", "admin"),
    )
    assert code == 0, out
    assert can_log_in(database_url, "bob", PASSWORD) == 3
