"""The production topology on one machine, without a container engine.

    python -m deploy.local_cluster [--run-dir DIR] [--webs 2] [--workers 2]
    deploy/local-cluster.sh                      (the same, from a shell)

Starts, all on 127.0.0.1 and free ports, wired as the compose and Kubernetes topologies are:
a fresh database on the local PostgreSQL server, a separate redis-server, the Temporal dev
server (standing in for the cluster: its namespace and search attributes are prepared by
`metabuilder temporal setup`, as the setup Job does), the migration (`metabuilder db
upgrade`), the default tenant with hello_world, N `metabuilder worker --health-port` and N
`metabuilder web` processes, and nginx (Debian) with the production site config in front of
the web processes. The processes get the environment production gives them (env file or
ConfigMap + Secret), Secure cookies included.
Every process runs in its own session, so killing one (`kill_web`, `kill_worker`) takes
its children (the sandbox pool) with it, like a crashed container. Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from deploy import nginx_config

BIN_DIR = Path(sys.executable).parent
METABUILDER = str(BIN_DIR / "metabuilder")
TEMPORAL = shutil.which("temporal", path=str(BIN_DIR)) or "temporal"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NAMESPACE = "default"
TENANT = "default"
BOOTSTRAP_PACKAGES = ("hello_world",)


class ClusterError(Exception):
    """A part of the local cluster did not start; the message ends with its log's tail."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ports:
    https: int = field(default_factory=free_port)
    http: int = field(default_factory=free_port)
    nginx_status: int = field(default_factory=free_port)
    redis: int = field(default_factory=free_port)
    temporal: int = field(default_factory=free_port)
    temporal_ui: int = field(default_factory=free_port)
    temporal_http: int = field(default_factory=free_port)
    temporal_metrics: int = field(default_factory=free_port)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class LocalCluster:
    def __init__(
        self,
        run_dir: Path,
        *,
        webs: int = 2,
        workers: int = 2,
        admin_url: str | None = None,
        packages: tuple[str, ...] = BOOTSTRAP_PACKAGES,
        users: Mapping[str, str] | None = None,
    ) -> None:
        """`users`: accounts (username -> password, role `user`) created at start-up."""
        self.run_dir = run_dir.resolve()
        self.webs = webs
        self.workers = workers
        self.admin_url = admin_url or os.environ.get(
            "METABUILDER_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL
        ).replace("postgresql+psycopg://", "postgresql://")
        self.packages = packages
        self.users = dict(users or {})
        self.ports = Ports()
        self.database = f"mb_lc_{uuid.uuid4().hex}"
        self.secret_key = secrets.token_urlsafe(48)
        self.processes: list[Process] = []
        self.web_processes: list[Process] = []
        self.worker_processes: list[Process] = []
        self.nginx: Process | None = None
        self.cert = self.run_dir / "nginx" / "tls" / "tls.crt"
        self._database_created = False

    # ---- addresses --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The public entry point: nginx over TLS."""
        return f"https://127.0.0.1:{self.ports.https}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.ports.temporal}"

    @property
    def database_url(self) -> str:
        base = self.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def access_log(self) -> Path:
        return self.run_dir / "nginx" / "logs" / "access.log"

    def app_env(self) -> dict[str, str]:
        """What the env file / ConfigMap + Secret give web and worker in production."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("METABUILDER_")}
        env.update(
            METABUILDER_DATABASE_URL=self.database_url,
            METABUILDER_REDIS_URL=self.redis_url,
            METABUILDER_TEMPORAL_ADDRESS=self.temporal_address,
            METABUILDER_SECRET_KEY=self.secret_key,
            METABUILDER_DATA_DIR=str(self.run_dir / "data"),
            METABUILDER_SECURE_COOKIES="true",
            FORWARDED_ALLOW_IPS="127.0.0.1",
        )
        return env

    # ---- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout_s: float = 90.0) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "logs").mkdir(exist_ok=True)
        try:
            self.create_database()
            self.start_redis(timeout_s)
            # Temporal and the database are prepared side by side, as the setup and
            # migration Jobs run in production (neither needs the other).
            with ThreadPoolExecutor(max_workers=1) as pool:
                temporal = pool.submit(self.prepare_temporal, timeout_s)
                self.migrate_and_bootstrap()
                temporal.result()
            for index in range(self.workers):
                self.start_worker(index)
            for index in range(self.webs):
                self.start_web(index)
            # While they start: the accounts asked for (CLI start-ups, side by side).
            self.create_users(list(self.users), self.users)
            self.wait_workers(timeout_s)
            for web in self.web_processes:
                self.wait_http(web, f"http://127.0.0.1:{web.port}/readyz", timeout_s)
            self.start_nginx(timeout_s)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM nginx, web and worker processes together, then the services they use
        (Temporal, Redis); SIGKILL what is still running after `timeout_s`."""
        services = [p for p in self.processes if p.name in ("redis", "temporal")]
        apps = [p for p in self.processes if p not in services]
        for group in (apps, services):
            for process in group:
                process.signal_group(signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            for process in group:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.popen.wait(max(0.1, deadline - time.monotonic()))
                process.signal_group(signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.popen.wait(5)
        self.processes.clear()
        self.drop_database()

    # ---- parts ------------------------------------------------------------------------

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        log = self.run_dir / "logs" / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.run_dir,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def run_once(self, name: str, argv: list[str], *, stdin: str | None = None) -> str:
        done = subprocess.run(
            argv,
            env=self.app_env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.run_dir,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterError(f"{name} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout

    def create_database(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        self._database_created = True

    def drop_database(self) -> None:
        if not self._database_created:
            return
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )
        self._database_created = False

    def start_redis(self, timeout_s: float) -> None:
        redis_dir = self.run_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        process = self.spawn(
            "redis",
            [shutil.which("redis-server") or "redis-server",
             "--bind", "127.0.0.1", "--port", str(self.ports.redis), "--save", "",
             "--appendonly", "no", "--dir", str(redis_dir), "--daemonize", "no"],
        )  # fmt: skip
        self.wait_until(process, lambda: tcp_open(self.ports.redis), timeout_s)

    def start_temporal(self, timeout_s: float) -> None:
        process = self.spawn(
            "temporal",
            [TEMPORAL, "server", "start-dev",
             "--ip", "127.0.0.1", "--port", str(self.ports.temporal),
             "--ui-port", str(self.ports.temporal_ui),
             "--http-port", str(self.ports.temporal_http),
             "--metrics-port", str(self.ports.temporal_metrics),
             "--db-filename", str(self.run_dir / "temporal.db"),
             "--namespace", NAMESPACE, "--log-level", "warn"],
        )  # fmt: skip
        self.wait_until(process, lambda: tcp_open(self.ports.temporal), timeout_s)

    def prepare_temporal(self, timeout_s: float) -> None:
        self.start_temporal(timeout_s)
        self.setup_temporal(timeout_s)

    def setup_temporal(self, timeout_s: float) -> None:
        self.run_once(
            "metabuilder temporal setup",
            [METABUILDER, "temporal", "setup", "--namespace", NAMESPACE, "--wait", str(timeout_s)],
        )

    def migrate_and_bootstrap(self) -> None:
        self.run_once("metabuilder db upgrade", [METABUILDER, "db", "upgrade"])
        self.run_once("metabuilder tenant create", [METABUILDER, "tenant", "create", TENANT])
        for package in self.packages:
            self.run_once(
                f"metabuilder packages install {package}",
                [METABUILDER, "packages", "install", package, "--tenant", TENANT],
            )

    def create_user(self, username: str, password: str, role: str = "user") -> None:
        self.run_once(
            "metabuilder user create",
            [METABUILDER, "user", "create", "--tenant", TENANT, "--username", username,
             "--role", role, "--password-stdin"],
            stdin=password + "\n",
        )  # fmt: skip

    def create_users(self, usernames: list[str], passwords: Mapping[str, str]) -> None:
        """Several `metabuilder user create` at once (each is a CLI start-up)."""
        with ThreadPoolExecutor(max_workers=len(usernames) or 1) as pool:
            futures = [pool.submit(self.create_user, n, passwords[n]) for n in usernames]
            for done in futures:
                done.result()

    def start_worker(self, index: int) -> Process:
        """A worker; `port` is its health port (/healthz, /readyz)."""
        port = free_port()
        process = self.spawn(
            f"worker-{index}",
            [METABUILDER, "worker", "--health-port", str(port)],
            self.app_env(),
        )
        process.port = port
        self.worker_processes.append(process)
        return process

    def start_web(self, index: int) -> Process:
        port = free_port()
        process = self.spawn(
            f"web-{index}",
            [METABUILDER, "web", "--host", "127.0.0.1", "--port", str(port)],
            self.app_env(),
        )
        process.port = port
        self.web_processes.append(process)
        return process

    def worker_identity(self, process: Process) -> str:
        """The Temporal SDK's default worker identity, `pid@hostname`."""
        return f"{process.pid}@{socket.gethostname()}"

    def wait_workers(self, timeout_s: float) -> None:
        """Until every worker's /readyz says it polls its task queue."""
        for worker in self.worker_processes:
            self.wait_http(worker, f"http://127.0.0.1:{worker.port}/readyz", timeout_s)

    def start_nginx(self, timeout_s: float) -> None:
        nginx_dir = self.run_dir / "nginx"
        nginx_config.prepare_run_dir(nginx_dir)
        cert, key = nginx_config.self_signed_certificate(nginx_dir / "tls", "localhost")
        site = nginx_config.SiteSettings(
            tls_cert=cert, tls_key=key, cache_dir=nginx_dir / "cache",
            server_name="localhost 127.0.0.1", http_port=self.ports.http,
            https_port=self.ports.https, status_port=self.ports.nginx_status,
        )  # fmt: skip
        upstream = nginx_config.upstream_block(
            [f"127.0.0.1:{web.port}" for web in self.web_processes]
        )
        main = nginx_config.local_main(nginx_dir, run_as_root=os.geteuid() == 0)
        main_file = nginx_config.write_conf_dir(
            nginx_dir / "conf", site, main=main, upstream=upstream
        )
        nginx_config.check_config(main_file)
        self.nginx = self.spawn(
            "nginx",
            [nginx_config.nginx_binary(), "-c", str(main_file), "-p", str(main_file.parent)],
        )
        self.wait_http(
            self.nginx, f"http://127.0.0.1:{self.ports.nginx_status}/nginx-health", timeout_s
        )

    # ---- failures on purpose ----------------------------------------------------------

    def kill_web(self, index: int) -> Process:
        """SIGKILL a web process and its children: a crash, not a graceful stop."""
        process = self.web_processes[index]
        process.signal_group(signal.SIGKILL)
        process.popen.wait(10)
        return process

    def kill_worker(self, index: int) -> Process:
        process = self.worker_processes[index]
        process.signal_group(signal.SIGKILL)
        process.popen.wait(10)
        return process

    # ---- waiting ----------------------------------------------------------------------

    def wait_until(self, process: Process, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not process.alive():
                raise ClusterError(f"{process.name} exited:\n{process.tail()}")
            if ready():
                return
            time.sleep(0.1)
        raise ClusterError(f"{process.name} not ready within {timeout_s}s:\n{process.tail()}")

    def wait_http(self, process: Process, url: str, timeout_s: float) -> None:
        def ok() -> bool:
            try:
                return httpx.get(url, timeout=2.0).status_code == 200
            except httpx.HTTPError:
                return False

        self.wait_until(process, ok, timeout_s)

    def describe(self) -> str:
        webs = ", ".join(f"{p.name} :{p.port} (pid {p.pid})" for p in self.web_processes)
        workers = ", ".join(
            f"{p.name} health :{p.port} (pid {p.pid})" for p in self.worker_processes
        )
        return "\n".join(
            [
                "MetaBuilder local cluster is running.",
                f"  App (nginx, TLS):  {self.url}/{TENANT}/hello   (self-signed: {self.cert})",
                f"  Temporal UI:       http://127.0.0.1:{self.ports.temporal_ui}/",
                f"  Temporal gRPC:     {self.temporal_address}",
                f"  Web processes:     {webs}",
                f"  Workers:           {workers}",
                f"  PostgreSQL:        {self.database_url}",
                f"  Redis:             {self.redis_url}",
                f"  Logs:              {self.run_dir / 'logs'}",
                "  Stop with Ctrl-C.",
            ]
        )


def tcp_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def run_dir_of(path: Path | None) -> Iterator[Path]:
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mb-cluster-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local_cluster")
    parser.add_argument("--run-dir", type=Path, help="keep state and logs here")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    stop = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with run_dir_of(args.run_dir) as run_dir:
        cluster = LocalCluster(run_dir, webs=args.webs, workers=args.workers)
        try:
            cluster.start()
        except ClusterError as exc:
            print(f"local-cluster: {exc}", file=sys.stderr)
            return 1
        try:
            print(cluster.describe(), flush=True)
            while not stop:
                time.sleep(0.5)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
