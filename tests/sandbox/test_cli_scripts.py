"""`metabuilder scripts run`: files through the real sandbox and the real DBAL, as JSON.

The whole adversarial corpus also runs through this path (one invocation, one manifest per
case for its limits), and every case must meet the same refusal as through the pool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.scripts import scripts_group
from engine.config import Settings
from tests.dbal.conftest import POST
from tests.sandbox.escape_corpus import CORPUS

COUNTER = """
def main(ctx):
    count = ctx.kv.incr("counter")
    ctx.log("counter is now", count)
    return {"count": count}
"""


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db = Database.connect(url)
    db.upgrade()
    db.tenants.create(Scope.system(), "acme", "Acme")
    db.close()
    yield Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        redis_url=None,
        temporal_address=None,
        secret_key="test-secret-key",
    )


def invoke(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(scripts_group, ["run", *args], obj=settings, catch_exceptions=False)


def lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_walking_skeleton_counter_persists_between_runs(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "counter.py"
    script.write_text(COUNTER)
    first = invoke(settings, str(script), "--tenant", "acme")
    second = invoke(settings, str(script), "--tenant", "acme")
    assert first.exit_code == 0, first.output
    assert lines(first)[0]["value"] == {"count": 1}
    assert lines(second)[0]["value"] == {"count": 2}
    assert lines(second)[0]["logs"] == [{"level": "info", "message": "counter is now 2"}]


def test_a_script_error_exits_1_with_the_scripts_file_and_line(
    settings: Settings, tmp_path: Path
) -> None:
    script = tmp_path / "broken.py"
    script.write_text("def main(ctx):\n    x = ctx.input['n']\n    return 10 / x\n")
    result = invoke(settings, str(script), "--tenant", "acme", "--input", '{"n": 0}')
    assert result.exit_code == 1
    error = lines(result)[0]["error"]
    assert error == {
        "code": "runtime_error",
        "message": "ZeroDivisionError: division by zero",
        "filename": str(script),
        "line": 3,
    }


def test_input_level_and_user_reach_ctx(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "who.py"
    script.write_text(
        "def main(ctx):\n    return [ctx.input, ctx.user.id, ctx.user.level, ctx.tenant.slug]\n"
    )
    result = invoke(
        settings,
        str(script),
        "--tenant",
        "acme",
        "--input",
        "[1, 2]",
        "--level",
        "3",
        "--user",
        "u-7",
    )
    assert lines(result)[0]["value"] == [[1, 2], "u-7", 3, "acme"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope"], "metabuilder: no tenant 'nope'"),
        (["--tenant", "acme", "--input", "{bad"], "metabuilder: --input is not valid JSON"),
    ],
)
def test_setup_problems_exit_2_with_one_line(
    settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    script = tmp_path / "ok.py"
    script.write_text("def main(ctx):\n    return 1\n")
    result = invoke(settings, str(script), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_json_script_files_run_translated(settings: Settings, tmp_path: Path) -> None:
    document = {
        "schemaVersion": "2.2.0",
        "package": "demo",
        "functions": [
            {
                "name": "greet",
                "params": [{"name": "who"}],
                "body": [
                    {
                        "type": "return",
                        "value": {
                            "type": "template_literal",
                            "parts": ["Hello, ", {"type": "identifier", "name": "who"}],
                        },
                    }
                ],
            }
        ],
    }
    path = tmp_path / "greet.json"
    path.write_text(json.dumps(document))
    result = invoke(settings, str(path), "--tenant", "acme", "--input", '["Ada"]')
    assert lines(result)[0]["value"] == "Hello, Ada"
    path.write_text(
        json.dumps({**document, "functions": [{"name": "f", "body": [{"type": "nope"}]}]})
    )
    failed = invoke(settings, str(path), "--tenant", "acme")
    assert failed.exit_code == 1
    assert lines(failed)[0]["error"]["location"] == "/functions/0/body/0"


def test_manifests_apply_limits_input_schema_and_level(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "spin.py").write_text("def main(ctx):\n    while True:\n        pass\n")
    manifest = tmp_path / "spin.json"
    manifest.write_text(
        json.dumps({"name": "spin", "kind": "action", "body": "spin.py", "timeout": "300ms"})
    )
    timed_out = lines(invoke(settings, str(manifest), "--tenant", "acme"))[0]
    assert timed_out["error"]["code"] == "timeout"
    assert "0.3 s limit" in timed_out["error"]["message"]

    (tmp_path / "echo.py").write_text("def main(ctx):\n    return ctx.input\n")
    guarded = tmp_path / "echo.json"
    guarded.write_text(
        json.dumps(
            {
                "name": "echo",
                "body": "echo.py",
                "minLevel": 2,
                "inputSchema": {
                    "type": "object",
                    "required": ["n"],
                    "properties": {"n": {"type": "integer"}},
                },
            }
        )
    )
    low = lines(invoke(settings, str(guarded), "--tenant", "acme", "--input", '{"n": 1}'))[0]
    assert low["error"]["code"] == "forbidden"
    bad = lines(
        invoke(settings, str(guarded), "--tenant", "acme", "--level", "2", "--input", '{"n": "x"}')
    )[0]
    assert bad["error"]["code"] == "invalid_input"
    assert bad["error"]["location"] == "/n"
    good = lines(
        invoke(settings, str(guarded), "--tenant", "acme", "--level", "2", "--input", '{"n": 1}')
    )[0]
    assert good["value"] == {"n": 1}


def test_the_adversarial_corpus_through_the_cli(settings: Settings, tmp_path: Path) -> None:
    files = []
    for case in CORPUS:
        (tmp_path / f"{case.name}.py").write_text(case.script)
        manifest = tmp_path / f"{case.name}.json"
        manifest.write_text(
            json.dumps(
                {
                    "name": case.name,
                    "body": f"{case.name}.py",
                    "timeout": case.timeout_s,
                    "memory": case.memory_mb,
                }
            )
        )
        files.append(str(manifest))
    result = invoke(settings, *files, "--tenant", "acme")
    assert result.exit_code == 1
    outcomes = {Path(line["file"]).stem: line for line in lines(result)}
    assert len(outcomes) == len(CORPUS)
    for case in CORPUS:
        outcome = outcomes[case.name]
        if case.code is None:
            assert outcome["ok"], (case.name, outcome)
            assert outcome["value"] == case.value, case.name
        else:
            error = outcome["error"]
            assert error is not None, (case.name, outcome)
            assert error["code"] == case.code, (case.name, error)
            assert case.message in error["message"], (case.name, error)
            if case.host_code is not None:
                assert error.get("host_code") == case.host_code, (case.name, error)


def test_package_entities_through_ctx_db(settings: Settings, tmp_path: Path) -> None:
    db = Database.connect(settings.database_url)
    db.schema.apply_entities("forum", [POST])
    db.close()
    script = tmp_path / "post.py"
    script.write_text(
        "def main(ctx):\n"
        "    ctx.db.create('post', {'title': ctx.input, 'author': ctx.user.id})\n"
        "    return [r['title'] for r in ctx.db.list('post')]\n"
    )
    args = ["--tenant", "acme", "--package", "forum", "--user", "u1", "--level", "1"]
    result = invoke(settings, str(script), *args, "--input", '"hello"')
    assert result.exit_code == 0, result.output
    assert lines(result)[0]["value"] == ["hello"]
