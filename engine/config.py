"""Typed settings, read once from the environment (and CLI flags), then passed down.

Nothing outside this module reads `os.environ` for METABUILDER_* settings: the CLI builds one
`Settings` and hands it to the web app, the worker and the embedded stack through constructors.

Environment (ARCHITECTURE.md section 5):
    METABUILDER_DATA_DIR          default ./var
    METABUILDER_DATABASE_URL      default SQLite in the data dir
    METABUILDER_REDIS_URL         unset = in-process cache, limits and pub/sub
    METABUILDER_TEMPORAL_ADDRESS  unset = the embedded dev server
    METABUILDER_SECRET_KEY        unset = a random key kept in the data dir (embedded use only)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.errors import ConfigError

ENV_PREFIX = "METABUILDER_"
DEFAULT_WEB_PORT = 8000
DEFAULT_TEMPORAL_PORT = 7233
DEFAULT_TEMPORAL_UI_PORT = 8233
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "metabuilder"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    temporal_address: str | None
    secret_key: str | None
    web_host: str = "127.0.0.1"
    web_port: int = DEFAULT_WEB_PORT
    temporal_port: int = DEFAULT_TEMPORAL_PORT
    temporal_ui_port: int = DEFAULT_TEMPORAL_UI_PORT
    temporal_namespace: str = DEFAULT_NAMESPACE
    task_queue: str = DEFAULT_TASK_QUEUE
    packages_dirs: tuple[Path, ...] = ()

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def temporal_target(self) -> str:
        """The gRPC address clients dial: the configured cluster or the embedded server."""
        if self.temporal_address is not None:
            return self.temporal_address
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def temporal_http_port(self) -> int:
        return self.temporal_port + 10

    @property
    def temporal_metrics_port(self) -> int:
        return self.temporal_port + 11

    @property
    def temporal_ui_url(self) -> str:
        return f"http://127.0.0.1:{self.temporal_ui_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.web_host}:{self.web_port}"

    def with_overrides(self, **overrides: Any) -> Settings:
        """Apply CLI flags; `None` means "flag not given" and keeps the current value."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)


def load_settings(
    environ: Mapping[str, str] | None = None, *, data_dir: Path | None = None
) -> Settings:
    """Settings from the environment; `data_dir` (a CLI flag) wins over METABUILDER_DATA_DIR
    and moves the default SQLite database with it."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(ENV_PREFIX + name)
        return value if value not in (None, "") else None

    data_dir = (data_dir or Path(get("DATA_DIR") or "./var")).resolve()
    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'metabuilder.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=get("REDIS_URL"),
        temporal_address=get("TEMPORAL_ADDRESS"),
        secret_key=get("SECRET_KEY"),
        packages_dirs=(builtin_packages_dir(),),
    )


def builtin_packages_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "packages"


def prepare_data_dir(settings: Settings) -> Settings:
    """Create the data dir, check it is writable, and settle the secret key.

    Without METABUILDER_SECRET_KEY the embedded stack keeps a random key in the data dir
    (mode 0600) so sessions survive a restart; production sets the variable.
    """
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"data dir {settings.data_dir} is not writable ({exc.strerror or exc})",
            hint="set METABUILDER_DATA_DIR to a writable directory",
        ) from exc
    if settings.secret_key is not None:
        return settings
    key_file = settings.data_dir / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return replace(settings, secret_key=key_file.read_text().strip())
