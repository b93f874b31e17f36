"""`metabuilder user ...`: create users and set their role, as the operator (no level checks).

    metabuilder user create --tenant default --username admin --role supergod --password-stdin
    metabuilder user set-role --tenant default --username bob --role moderator

Without `--password-stdin` the password is prompted for twice, hidden. The password policy
applies; failures are one line on stderr and exit status 1.
"""

from __future__ import annotations

import sys

import click

from dbal.errors import DataError
from engine.accounts.errors import AccountError
from engine.accounts.levels import ROLES
from engine.accounts.service import Accounts
from engine.cli import services
from engine.config import Settings, prepare_data_dir
from engine.errors import EngineError


class UserCommandError(click.ClickException):
    exit_code = 1

    def format_message(self) -> str:
        return self.message


def _accounts(ctx: click.Context) -> Accounts:
    settings = ctx.find_object(Settings)
    if settings is None:
        raise UserCommandError("metabuilder: settings are missing")
    try:
        db = services.open_database(prepare_data_dir(settings))
    except (EngineError, DataError) as exc:
        message = exc.one_line() if isinstance(exc, EngineError) else str(exc)
        raise UserCommandError(f"metabuilder: {message}") from exc
    ctx.call_on_close(db.close)
    return Accounts.for_database(db)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserCommandError("metabuilder: no password on standard input")
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group("user")
def user_group() -> None:
    """Users and their roles."""


@user_group.command("create")
@click.option("--tenant", "tenant", required=True, help="Tenant slug.")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES, case_sensitive=False))
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def create(
    ctx: click.Context,
    tenant: str,
    username: str,
    role: str,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create a user with a role in a tenant (the first supergod, for instance)."""
    accounts = _accounts(ctx)
    password = _read_password(password_stdin)
    try:
        row = accounts.create_user(tenant, username, password, role, email=email)
    except (AccountError, DataError) as exc:
        raise UserCommandError(f"metabuilder: {exc}") from exc
    click.echo(f"user {row['username']} created in tenant {row['tenant']} as {row['role']}")


@user_group.command("set-role")
@click.option("--tenant", "tenant", required=True, help="Tenant slug.")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES, case_sensitive=False))
@click.pass_context
def set_role(ctx: click.Context, tenant: str, username: str, role: str) -> None:
    """Give an existing user a role in a tenant (their sessions get new tokens)."""
    accounts = _accounts(ctx)
    try:
        row = accounts.set_level(tenant, username, role, actor=None)
    except (AccountError, DataError) as exc:
        raise UserCommandError(f"metabuilder: {exc}") from exc
    click.echo(f"user {row['username']} is now level {row['level']} in tenant {row['tenant']}")
