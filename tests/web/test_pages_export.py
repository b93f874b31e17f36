"""`metabuilder pages export DIR --tenant SLUG`: public pages as static HTML with their assets;
pages behind a login, with route parameters or outside DIR are skipped; no CSRF token leaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.main import cli
from engine.cli.pages import pages_group
from engine.cli.services import build_catalog
from engine.config import Settings, load_settings
from engine.packages.lifecycle import PackageManager

SYSTEM = Scope.system()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings({}, data_dir=tmp_path / "var").with_overrides(database_url=database_url)


@pytest.fixture
def acme(settings: Settings, database: Database) -> str:
    tenant_id = str(database.tenants.create(SYSTEM, "acme", "Acme")["id"])
    PackageManager(database, build_catalog(settings)).install_many(
        tenant_id, ["hello_world", "ui_login"]
    )
    database.kv(Scope.public(tenant_id)).set("counter", 41)
    extras: list[tuple[str, dict[str, Any]]] = [
        ("/thread/:id", {}),
        ("/members", {"requires_auth": True}),
        ("/staff", {"level": 3}),
        ("/../../escape", {}),
    ]
    for path, extra in extras:
        page = {"path": path, "package_id": "hello_world", "component": "hello_page", **extra}
        database.page_configs.upsert(SYSTEM, tenant_id, page)
    return tenant_id


def export(settings: Settings, out: Path, tenant: str = "acme") -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(pages_group, ["export", str(out), "--tenant", tenant], obj=settings)
    return result.exit_code, result.stdout, result.stderr


def test_public_pages_are_written_with_their_assets(
    settings: Settings, acme: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    code, stdout, stderr = export(settings, out)
    assert code == 0, stderr
    hello = (out / "acme" / "hello" / "index.html").read_text()
    assert "Count: 41" in hello
    assert '<link rel="stylesheet" href="/static/render/base.css">' in hello
    assert (out / "acme" / "login" / "index.html").is_file()
    assert (out / "acme" / "hello_world" / "index.html").is_file()  # the package home
    assert ":root" in (out / "static" / "render" / "base.css").read_text()
    runtime = out / "static" / "build" / "runtime.js"
    assert runtime.is_file() and (out / "static" / "build" / "runtime.js.map").is_file()
    assert '<meta name="mb-csrf" content="">' in hello  # no visitor's token in a static file
    assert "exported 3 pages and 3 assets of acme" in stdout
    assert "[1/" in stderr and "-> acme/hello/index.html" in stderr


def test_pages_that_need_a_login_or_parameters_are_skipped(
    settings: Settings, acme: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    code, _, stderr = export(settings, out)
    assert code == 0
    assert "skipped /thread/:id: has route parameters" in stderr
    assert "skipped /members: needs a login (level 0)" in stderr
    assert "skipped /staff: needs a login (level 3)" in stderr
    assert not (out / "acme" / "members").exists()
    assert not (out / "acme" / "staff").exists()
    assert "skipped /../../escape" in stderr
    assert not (tmp_path / "escape").exists()
    assert {p.name for p in out.iterdir()} == {"acme", "static"}


def test_the_default_tenant_root_is_the_site_root(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    tenant_id = str(database.tenants.create(SYSTEM, "default", "Default")["id"])
    PackageManager(database, build_catalog(settings)).install(tenant_id, "hello_world")
    database.page_configs.upsert(
        SYSTEM, tenant_id, {"path": "/", "package_id": "hello_world", "component": "hello_page"}
    )
    out = tmp_path / "site"
    code, _, stderr = export(settings, out, "default")
    assert code == 0, stderr
    assert "Count: 0" in (out / "index.html").read_text()
    assert (out / "default" / "index.html").read_text() == (out / "index.html").read_text()


def test_an_unknown_tenant_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    code, _, stderr = export(settings, tmp_path / "site", "nobody")
    assert code == 2
    assert "no tenant 'nobody'" in stderr


def test_the_command_is_part_of_the_cli() -> None:
    result = CliRunner().invoke(cli, ["pages", "export", "--help"])
    assert result.exit_code == 0
    assert "--tenant" in result.stdout
