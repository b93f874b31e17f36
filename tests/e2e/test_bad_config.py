"""Bad configuration stops `metabuilder up` with one clear line and a non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.stack import METABUILDER
from tests.fixtures.ports import free_port


def run_up(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METABUILDER_")}
    env.update(env_extra)
    return subprocess.run(
        [METABUILDER, "up", "--temporal-port", str(free_port()),
         "--temporal-ui-port", str(free_port()), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def assert_one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("metabuilder: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = run_up(
        {
            "METABUILDER_DATA_DIR": str(tmp_path / "var"),
            "METABUILDER_DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing",
        },
        "--port", str(free_port()),
    )  # fmt: skip
    assert_one_clear_line(result, "database")


def test_a_taken_web_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_up({"METABUILDER_DATA_DIR": str(tmp_path / "var")}, "--port", str(port))
    assert_one_clear_line(result, f"port {port}")


def test_an_unwritable_data_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_up({"METABUILDER_DATA_DIR": str(blocker / "var")}, "--port", str(free_port()))
    assert_one_clear_line(result, "not writable")


@pytest.mark.parametrize("value", ["not-a-url", "mysql://x@127.0.0.1/db"])
def test_a_malformed_database_url_is_one_line(tmp_path: Path, value: str) -> None:
    result = run_up(
        {"METABUILDER_DATA_DIR": str(tmp_path / "var"), "METABUILDER_DATABASE_URL": value},
        "--port", str(free_port()),
    )  # fmt: skip
    assert_one_clear_line(result, "database")
