"""Settings: read once from the environment, overridden by flags, checked before use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.config import load_settings, prepare_data_dir
from engine.errors import ConfigError


def test_defaults_put_everything_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"METABUILDER_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'metabuilder.db'}"
    assert settings.redis_url is None and settings.temporal_address is None
    assert settings.embedded_temporal
    assert (settings.web_port, settings.temporal_port, settings.temporal_ui_port) == (
        8000,
        7233,
        8233,
    )


def test_environment_variables_are_read() -> None:
    settings = load_settings(
        {
            "METABUILDER_DATA_DIR": "/srv/mb",
            "METABUILDER_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "METABUILDER_REDIS_URL": "redis://127.0.0.1:6379/0",
            "METABUILDER_TEMPORAL_ADDRESS": "temporal:7233",
            "METABUILDER_SECRET_KEY": "k",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.temporal_target == "temporal:7233"
    assert not settings.embedded_temporal
    assert settings.secret_key == "k"


def test_a_data_dir_flag_moves_the_default_database(tmp_path: Path) -> None:
    settings = load_settings({"METABUILDER_DATA_DIR": "/elsewhere"}, data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'metabuilder.db'}"


def test_flags_override_only_what_they_set(tmp_path: Path) -> None:
    settings = load_settings({"METABUILDER_DATA_DIR": str(tmp_path)})
    changed = settings.with_overrides(web_port=9000, web_host=None)
    assert changed.web_port == 9000 and changed.web_host == "127.0.0.1"


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = load_settings({"METABUILDER_DATA_DIR": str(tmp_path)})
    first = prepare_data_dir(settings)
    second = prepare_data_dir(settings)
    assert first.secret_key and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_data_dir_is_a_config_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    settings = load_settings({"METABUILDER_DATA_DIR": str(locked / "var")})
    with pytest.raises(ConfigError, match="not writable"):
        prepare_data_dir(settings)


def test_a_data_dir_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings = load_settings({"METABUILDER_DATA_DIR": str(blocker / "var")})
    with pytest.raises(ConfigError, match="not writable"):
        prepare_data_dir(settings)
