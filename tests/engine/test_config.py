"""Settings: read once from the environment, overridden by flags, checked before use."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.config import Settings, load_settings, prepare_data_dir
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


def test_deployment_settings_are_read() -> None:
    settings = load_settings(
        {
            "METABUILDER_TASK_QUEUE": "interactive",
            "METABUILDER_TEMPORAL_NAMESPACE": "acme-prod",
            "METABUILDER_SECURE_COOKIES": "true",
            "METABUILDER_METRICS_TOKEN": "scrape-me",
        }
    )
    assert settings.task_queue == "interactive"
    assert settings.temporal_namespace == "acme-prod"
    assert settings.secure_cookies is True
    assert settings.metrics_token == "scrape-me"


def test_deployment_settings_default_to_the_embedded_stack() -> None:
    settings = load_settings({})
    assert (settings.task_queue, settings.temporal_namespace) == ("metabuilder", "default")
    assert settings.secure_cookies is False and settings.metrics_token is None
    assert settings.smtp is None and settings.worker_health_port is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("YES", True), (" on ", True),
     ("false", False), ("0", False), ("no", False), ("Off", False), ("", False)],
)  # fmt: skip
def test_booleans_take_the_usual_words(value: str, expected: bool) -> None:
    assert load_settings({"METABUILDER_SECURE_COOKIES": value}).secure_cookies is expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"METABUILDER_SECURE_COOKIES": "sure"}, "SECURE_COOKIES must be true or false"),
        ({"METABUILDER_SMTP_HOST": "mail"}, "METABUILDER_SMTP_FROM must be an email address"),
        ({"METABUILDER_SMTP_HOST": "mail", "METABUILDER_SMTP_FROM": "nobody"}, "SMTP_FROM"),
        ({"METABUILDER_SMTP_HOST": "mail", "METABUILDER_SMTP_FROM": "a@b",
          "METABUILDER_SMTP_PORT": "smtp"}, "METABUILDER_SMTP_PORT must be a port number"),
        ({"METABUILDER_SMTP_HOST": "mail", "METABUILDER_SMTP_FROM": "a@b",
          "METABUILDER_SMTP_PORT": "70000"}, "METABUILDER_SMTP_PORT must be a port number"),
        ({"METABUILDER_SMTP_HOST": "mail", "METABUILDER_SMTP_FROM": "a@b",
          "METABUILDER_SMTP_TLS": "ssl"}, "SMTP_TLS must be one of none, starttls, tls"),
    ],
    ids=["bool", "smtp-no-from", "smtp-bad-from", "smtp-port-word", "smtp-port-range",
         "smtp-tls-mode"],
)  # fmt: skip
def test_a_value_that_does_not_parse_is_a_config_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


@pytest.mark.parametrize(
    ("tls", "port", "expected_port"),
    [(None, None, 587), ("starttls", None, 587), ("tls", None, 465), ("none", None, 25),
     ("TLS", "2465", 2465), ("none", "1025", 1025)],
)  # fmt: skip
def test_smtp_settings_follow_the_tls_mode(
    tls: str | None, port: str | None, expected_port: int
) -> None:
    env = {"METABUILDER_SMTP_HOST": "smtp.example.com",
           "METABUILDER_SMTP_FROM": "MetaBuilder <noreply@example.com>"}  # fmt: skip
    if tls:
        env["METABUILDER_SMTP_TLS"] = tls
    if port:
        env["METABUILDER_SMTP_PORT"] = port
    smtp = load_settings(env).smtp
    assert smtp is not None
    mode = (tls or "starttls").lower()
    assert (smtp.host, smtp.port, smtp.tls) == ("smtp.example.com", expected_port, mode)
    assert smtp.sender == "MetaBuilder <noreply@example.com>"


def test_the_smtp_password_stays_out_of_reprs() -> None:
    settings = load_settings(
        {"METABUILDER_SMTP_HOST": "smtp.example.com", "METABUILDER_SMTP_FROM": "a@example.com",
         "METABUILDER_SMTP_USERNAME": "mb", "METABUILDER_SMTP_PASSWORD": "hunter2-secret"}
    )  # fmt: skip
    assert settings.smtp is not None and settings.smtp.password == "hunter2-secret"
    assert "hunter2-secret" not in repr(settings)
    assert "username='mb'" in repr(settings.smtp)


def test_processes_starting_together_share_one_data_dir_and_one_key(tmp_path: Path) -> None:
    """Replicas on a shared volume start at once: none may fail the writability probe, and
    all must settle on the same complete key."""
    for round_ in range(10):
        settings = load_settings({"METABUILDER_DATA_DIR": str(tmp_path / f"var{round_}")})
        start = threading.Barrier(8)
        with ThreadPoolExecutor(max_workers=8) as pool:
            keys = set(pool.map(prepare_after, [start] * 8, [settings] * 8))
        assert len(keys) == 1 and len(next(iter(keys)) or "") > 40, keys
        assert sorted(p.name for p in settings.data_dir.iterdir()) == ["secret_key"]


def prepare_after(start: threading.Barrier, settings: Settings) -> str | None:
    start.wait()
    return prepare_data_dir(settings).secret_key
