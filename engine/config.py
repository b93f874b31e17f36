"""Typed settings, read once from the environment (and CLI flags), then passed down.

Nothing outside this module reads `os.environ` for METABUILDER_* settings: the CLI builds one
`Settings` and hands it to the web app, the worker and the embedded stack through constructors.

Environment (ARCHITECTURE.md section 5):
    METABUILDER_DATA_DIR          default ./var
    METABUILDER_DATABASE_URL      default SQLite in the data dir
    METABUILDER_REDIS_URL         unset = in-process cache, limits and pub/sub
    METABUILDER_TEMPORAL_ADDRESS  unset = the embedded dev server
    METABUILDER_SECRET_KEY        unset = a random key kept in the data dir (embedded use only)
    METABUILDER_MEDIA_MAX_UPLOAD_MB  largest media upload, default 2048
    METABUILDER_MEDIA_QUOTA_MB       media bytes per tenant, default 10240; 0 = unlimited
and for deployments (README.md, Configuration):
    METABUILDER_TEMPORAL_NAMESPACE  default "default"
    METABUILDER_TASK_QUEUE          default "metabuilder": the queue actions go to, workers poll
    METABUILDER_TEMPORAL_UI_URL     unset = the embedded UI; where run links point (a cluster's UI)
    METABUILDER_SECURE_COOKIES      true/false, default false: always mark cookies Secure
    METABUILDER_METRICS_TOKEN       unset = /metrics only from loopback, unproxied
    METABUILDER_SMTP_HOST           unset = no outgoing mail; then SMTP_PORT, SMTP_FROM,
    METABUILDER_SMTP_TLS            none | starttls (default) | tls, SMTP_USERNAME, SMTP_PASSWORD
A value that cannot be parsed is a ConfigError naming the variable, never a silent default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from engine.errors import ConfigError

ENV_PREFIX = "METABUILDER_"
DEFAULT_WEB_PORT = 8000
DEFAULT_TEMPORAL_PORT = 7233
DEFAULT_TEMPORAL_UI_PORT = 8233
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "metabuilder"
DEFAULT_MEDIA_MAX_UPLOAD_MB = 2048
DEFAULT_MEDIA_QUOTA_MB = 10240
MB = 1024 * 1024

SmtpTls = Literal["none", "starttls", "tls"]
SMTP_TLS_MODES: tuple[SmtpTls, ...] = ("none", "starttls", "tls")
# The port each TLS mode is served on by convention (RFC 8314: implicit TLS on 465).
SMTP_DEFAULT_PORTS: dict[SmtpTls, int] = {"none": 25, "starttls": 587, "tls": 465}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class SmtpSettings:
    """Where email nodes send mail; `Settings.smtp` is None when no host is configured."""

    host: str
    sender: str  # the From address (METABUILDER_SMTP_FROM)
    port: int = SMTP_DEFAULT_PORTS["starttls"]
    tls: SmtpTls = "starttls"
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # keeps the password out of logs and tracebacks
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, tls={self.tls!r}, "
            f"sender={self.sender!r}, username={self.username!r})"
        )


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
    secure_cookies: bool = False
    metrics_token: str | None = None
    smtp: SmtpSettings | None = None
    # `metabuilder worker --health-port`: /healthz and /readyz of a worker process.
    worker_health_host: str = "127.0.0.1"
    worker_health_port: int | None = None
    media_max_upload_bytes: int = DEFAULT_MEDIA_MAX_UPLOAD_MB * MB
    media_quota_bytes: int | None = DEFAULT_MEDIA_QUOTA_MB * MB  # None: unlimited
    temporal_ui_base: str | None = None  # METABUILDER_TEMPORAL_UI_URL; None: the embedded UI

    @property
    def media_dir(self) -> Path:
        """Uploads and derived media, one folder per tenant id (the worker uses the same)."""
        return self.data_dir / "media"

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
        if self.temporal_ui_base is not None:
            return self.temporal_ui_base.rstrip("/")
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
    quota_mb = _megabytes(get("MEDIA_QUOTA_MB"), "MEDIA_QUOTA_MB", DEFAULT_MEDIA_QUOTA_MB)
    max_upload_mb = _megabytes(
        get("MEDIA_MAX_UPLOAD_MB"), "MEDIA_MAX_UPLOAD_MB", DEFAULT_MEDIA_MAX_UPLOAD_MB
    )
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=get("REDIS_URL"),
        temporal_address=get("TEMPORAL_ADDRESS"),
        secret_key=get("SECRET_KEY"),
        temporal_namespace=get("TEMPORAL_NAMESPACE") or DEFAULT_NAMESPACE,
        task_queue=get("TASK_QUEUE") or DEFAULT_TASK_QUEUE,
        secure_cookies=parse_bool("SECURE_COOKIES", get("SECURE_COOKIES"), default=False),
        metrics_token=get("METRICS_TOKEN"),
        smtp=smtp_settings(get),
        packages_dirs=(builtin_packages_dir(),),
        media_max_upload_bytes=max_upload_mb * MB,
        media_quota_bytes=quota_mb * MB if quota_mb else None,
        temporal_ui_base=_http_url("TEMPORAL_UI_URL", get("TEMPORAL_UI_URL")),
    )


def _http_url(name: str, value: str | None) -> str | None:
    if value is None or value.startswith(("http://", "https://")):
        return value
    raise ConfigError(
        f"{ENV_PREFIX}{name} must be an http:// or https:// URL, not {value!r}",
        hint="e.g. https://temporal.example.com",
    )


def parse_bool(name: str, value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    if value.strip().lower() in TRUE_WORDS:
        return True
    if value.strip().lower() in FALSE_WORDS:
        return False
    raise ConfigError(
        f"{ENV_PREFIX}{name} must be true or false, not {value!r}",
        hint=f"one of {', '.join(TRUE_WORDS + FALSE_WORDS)}",
    )


def parse_port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a port number, not {value!r}")
    return port


def smtp_settings(get: Callable[[str], str | None]) -> SmtpSettings | None:
    """SMTP for email nodes: none without METABUILDER_SMTP_HOST; with it, a sender is required."""
    host = get("SMTP_HOST")
    if host is None:
        return None
    tls = (get("SMTP_TLS") or "starttls").lower()
    if tls not in SMTP_TLS_MODES:
        raise ConfigError(
            f"{ENV_PREFIX}SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {tls!r}"
        )
    mode: SmtpTls = tls  # narrowed by the membership test above
    sender = get("SMTP_FROM")
    if sender is None or "@" not in sender:
        raise ConfigError(
            f"{ENV_PREFIX}SMTP_FROM must be an email address when {ENV_PREFIX}SMTP_HOST is set",
            hint="e.g. METABUILDER_SMTP_FROM=MetaBuilder <noreply@example.com>",
        )
    port = get("SMTP_PORT")
    return SmtpSettings(
        host=host,
        sender=sender,
        port=parse_port("SMTP_PORT", port) if port else SMTP_DEFAULT_PORTS[mode],
        tls=mode,
        username=get("SMTP_USERNAME"),
        password=get("SMTP_PASSWORD"),
    )


def _megabytes(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number of megabytes, not {value!r}")
    return number


def builtin_packages_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "packages"


def prepare_data_dir(settings: Settings) -> Settings:
    """Create the data dir, check it is writable, and settle the secret key.

    Without METABUILDER_SECRET_KEY the embedded stack keeps a random key in the data dir
    (mode 0600) so sessions survive a restart; production sets the variable. Safe when
    several processes start at once on one data dir (replicas on a shared volume): each
    probes with its own file, and the first key written complete is the one all read.
    """
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / f".write-test-{os.getpid()}-{secrets.token_hex(4)}"
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
        # Written whole under a private name, then linked into place: a reader never sees
        # a half-written key, and of two racing writers the first link wins.
        draft = settings.data_dir / f".secret_key-{os.getpid()}-{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return replace(settings, secret_key=key_file.read_text().strip())
