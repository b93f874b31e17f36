"""The packages command group end to end: list, install by id and by path, render."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.packages import packages_group
from engine.config import builtin_packages_dir
from tests.packages.builders import component, write_package


def settings(url: str, *extra_dirs: Path) -> SimpleNamespace:
    dirs = (builtin_packages_dir(), *extra_dirs) if extra_dirs else None
    return SimpleNamespace(database_url=url, redis_url=None, data_dir=None, packages_dirs=dirs)


def test_list_shows_the_builtin_packages() -> None:
    result = CliRunner().invoke(packages_group, ["list"])
    assert result.exit_code == 0, result.output
    assert any(
        line.startswith("hello_world 1.0.0: components=1 pages=1")
        for line in result.output.splitlines()
    )


def test_install_by_id_and_by_path_into_a_tenant(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database.connect(url)
    db.upgrade()
    acme = db.tenants.create(Scope.system(), "acme", "Acme")
    runner = CliRunner()
    result = runner.invoke(
        packages_group, ["install", "hello_world", "--tenant", "acme"], obj=settings(url)
    )
    assert result.exit_code == 0, result.output
    assert "hello_world 1.0.0" in result.output
    extra = write_package(tmp_path / "more", "extra", components=[component("extra_page")])
    result = runner.invoke(
        packages_group, ["install", str(extra), "--tenant", "acme"], obj=settings(url)
    )
    assert result.exit_code == 0, result.output
    paths = [r["path"] for r in db.page_configs.list_published(acme["id"])]
    assert paths == ["/extra", "/hello"]
    db.close()


def test_install_reports_errors_and_exits_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database.connect(url)
    db.upgrade()
    db.tenants.create(Scope.system(), "acme", "Acme")
    db.close()
    broken = write_package(tmp_path / "b", "broken", package={"dependencies": {"ghost": "*"}})
    result = CliRunner().invoke(
        packages_group, ["install", str(broken), "--tenant", "acme"], obj=settings(url)
    )
    assert result.exit_code == 1
    assert "missing dependency: broken -> ghost (*) is not available" in result.output
    missing = CliRunner().invoke(
        packages_group, ["install", "hello_world", "--tenant", "nobody"], obj=settings(url)
    )
    assert missing.exit_code == 2
    assert "no tenant 'nobody'" in missing.output


def test_render_summary_is_json_lines_with_totals() -> None:
    result = CliRunner().invoke(packages_group, ["render", "hello_world", "--summary"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["component"] == "hello_page" and lines[0]["ok"] is True
    assert lines[-1] == {
        "totals": {
            "components": 1,
            "ok": 1,
            "placeholders": 0,
            "failed_expressions": 0,
            "errors": 0,
        }
    }


def test_render_prints_html() -> None:
    result = CliRunner().invoke(
        packages_group, ["render", "hello_world", "--component", "HelloPage"]
    )
    assert result.exit_code == 0, result.output
    assert "Hello, MetaBuilder" in result.output


def test_config_shows_and_validates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database.connect(url)
    db.upgrade()
    db.tenants.create(Scope.system(), "acme", "Acme")
    db.close()
    pkg = write_package(
        tmp_path / "p",
        "themed",
        package={
            "configSchema": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "defaultConfig": {"n": 1},
        },
    )
    runner = CliRunner()
    assert (
        runner.invoke(
            packages_group,
            ["install", str(pkg), "--tenant", "acme"],
            obj=settings(url, tmp_path / "p"),
        ).exit_code
        == 0
    )
    shown = runner.invoke(
        packages_group, ["config", "themed", "--tenant", "acme"], obj=settings(url, tmp_path / "p")
    )
    assert shown.output.strip() == '{"n": 1}'
    bad = runner.invoke(
        packages_group,
        ["config", "themed", "--tenant", "acme", "--set", '{"n": "x"}'],
        obj=settings(url, tmp_path / "p"),
    )
    assert bad.exit_code == 1
    assert "config of themed is invalid: /n:" in bad.output
    good = runner.invoke(
        packages_group,
        ["config", "themed", "--tenant", "acme", "--set", '{"n": 7}'],
        obj=settings(url, tmp_path / "p"),
    )
    assert good.output.strip() == '{"n": 7}'
