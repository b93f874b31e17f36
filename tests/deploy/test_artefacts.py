"""Acceptance 1: CI validates every deployment artefact, and each check can fail.

Each valid artefact passes its validator (compose-spec JSON Schema, kubernetes-validate on
the rendered overlay, `nginx -t`, hadolint), and a table of broken variants shows that the
same validator refuses what it must refuse.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import kustomize, validate

PROD: dict[str, Any] = yaml.safe_load(validate.COMPOSE_PROD.read_text())
DEV: dict[str, Any] = yaml.safe_load(validate.COMPOSE_DEV.read_text())


@pytest.mark.parametrize("document", [DEV, PROD], ids=["dev", "prod"])
def test_compose_files_match_the_compose_spec_schema(document: dict[str, Any]) -> None:
    assert validate.compose_schema_errors(document) == []
    assert validate.compose_graph_problems(document) == []


def test_production_compose_follows_the_production_rules() -> None:
    assert validate.production_compose_problems(PROD) == []


def test_production_compose_has_the_topology_of_the_issue() -> None:
    services = PROD["services"]
    assert {"nginx", "web", "worker", "postgresql", "redis", "temporal"} <= set(services)
    assert [name for name, s in services.items() if "ports" in s] == ["nginx"]
    for name in ("web", "worker"):
        assert services[name]["deploy"]["replicas"] >= 2
        assert any("env" in str(f) for f in services[name]["env_file"])
    assert services["migrate"]["command"] == ["db", "upgrade"]


def test_dev_compose_has_the_services_of_the_issue() -> None:
    services = DEV["services"]
    assert {"app", "worker", "postgresql", "redis", "temporal", "temporal-ui", "mailpit"} <= set(
        services
    )
    assert services["temporal"]["environment"]["DB"] == "postgres12"


def mutated(path: str, value: Any) -> dict[str, Any]:
    """PROD with `value` set at the slash-separated `path` (None deletes the key)."""
    document = copy.deepcopy(PROD)
    *parents, last = path.split("/")
    node = document
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (mutated("services/web/depends_on/migrate/condition", "whenever"), "depends_on"),
        (mutated("services/web/healthcheck/test", 5), "healthcheck"),
        (mutated("services/worker/replicas_typo", 3), "replicas_typo"),
    ],
    ids=["unknown-depends-on-condition", "non-command-healthcheck", "unknown-key"],
)
def test_the_compose_schema_refuses_invalid_files(document: dict[str, Any], expected: str) -> None:
    errors = validate.compose_schema_errors(document)
    assert errors, "the schema accepted an invalid compose file"
    assert any(expected in error for error in errors), errors


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (mutated("services/web/ports", ["8000:8000"]), "services/web: publishes ports"),
        (mutated("services/worker/healthcheck", None), "services/worker: no health check"),
        (mutated("services/redis/restart", None), "services/redis: no restart policy"),
        (mutated("services/web/deploy/resources", {}), "services/web: no cpu and memory limits"),
        (
            mutated("services/postgresql/environment", {"POSTGRES_PASSWORD": "hunter2"}),
            "POSTGRES_PASSWORD is set inline",
        ),
        (mutated("services/redis/volumes", ["/srv/redis:/data"]), "redis: data not in a named"),
        (mutated("networks/backend", {}), "networks/backend: must be internal"),
    ],
    ids=["web-published", "no-healthcheck", "no-restart", "no-limits", "inline-secret",
         "bind-mounted-data", "open-backend"],
)  # fmt: skip
def test_the_production_rules_refuse_unsafe_files(document: dict[str, Any], expected: str) -> None:
    problems = validate.production_compose_problems(document)
    assert any(expected in problem for problem in problems), problems


def test_depends_on_cycles_and_unknown_services_are_refused() -> None:
    document = copy.deepcopy(PROD)
    document["services"]["postgresql"]["depends_on"] = {"web": {"condition": "service_healthy"}}
    document["services"]["redis"]["depends_on"] = ["nowhere"]
    problems = validate.compose_graph_problems(document)
    assert any("cycle" in p and "postgresql" in p for p in problems), problems
    assert "services/redis: depends_on unknown service 'nowhere'" in problems


# ---- Kubernetes -------------------------------------------------------------------------

RENDERED = kustomize.render(validate.K8S_PRODUCTION)


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in RENDERED if r["kind"] == kind}


@pytest.mark.parametrize("directory", [validate.K8S_BASE, validate.K8S_PRODUCTION])
def test_kubernetes_manifests_pass_kubernetes_validate(directory: Path) -> None:
    assert validate.kubernetes_errors(kustomize.render(directory)) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("spec/template/spec/containers/0/readinessProbe/httpGet/port", [8000], "port"),
        ("spec/template/spec/containers/0/imagePullPolicy", 3, "imagePullPolicy"),
        ("spec/template/spec/containerz", [], "containerz"),
        ("spec/strategy/rollingUpdate/maxUnavailable", {"n": 1}, "maxUnavailable"),
    ],
    ids=["port-list", "wrong-type", "unknown-field-strict", "wrong-object"],
)
def test_kubernetes_validate_refuses_broken_manifests(path: str, value: Any, expected: str) -> None:
    deployment = copy.deepcopy(by_kind("Deployment")["metabuilder-web"])
    node: Any = deployment
    *parents, last = path.split("/")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value
    errors = validate.kubernetes_errors([deployment])
    assert errors and any(expected in e or "Additional properties" in e for e in errors), errors


def test_web_pods_are_probed_on_readyz_and_healthz() -> None:
    container = by_kind("Deployment")["metabuilder-web"]["spec"]["template"]["spec"]["containers"][
        0
    ]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["args"][0] == "web"


def test_worker_pods_are_probed_on_their_health_port() -> None:
    spec = by_kind("Deployment")["metabuilder-worker"]["spec"]["template"]["spec"]
    container = spec["containers"][0]
    args = container["args"]
    assert args[0] == "worker"
    port = int(args[args.index("--health-port") + 1])
    # The kubelet dials the pod IP, so the port listens on every interface.
    assert args[args.index("--health-host") + 1] == "0.0.0.0"  # noqa: S104
    assert {"name": "health", "containerPort": port, "protocol": "TCP"} in container["ports"]
    probes = {kind: container[kind]["httpGet"] for kind in
              ("startupProbe", "livenessProbe", "readinessProbe")}  # fmt: skip
    assert probes == {
        "startupProbe": {"path": "/healthz", "port": "health"},
        "livenessProbe": {"path": "/healthz", "port": "health"},
        "readinessProbe": {"path": "/readyz", "port": "health"},
    }
    assert spec["terminationGracePeriodSeconds"] >= 30


@pytest.mark.parametrize("document", [DEV, PROD], ids=["dev", "prod"])
def test_compose_workers_are_health_checked_on_their_health_port(document: dict[str, Any]) -> None:
    worker = document["services"]["worker"]
    port = worker["command"][worker["command"].index("--health-port") + 1]
    assert worker["environment"]["MB_HEALTHCHECK_PORT"] == port
    assert worker["healthcheck"]["test"] == ["CMD", "mb-healthcheck", "ready"]


def test_every_deployment_has_an_hpa_a_pdb_and_rolls_without_downtime() -> None:
    deployments = by_kind("Deployment")
    hpas = by_kind("HorizontalPodAutoscaler").values()
    hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in hpas}
    pdbs = by_kind("PodDisruptionBudget").values()
    pdb_selectors = [p["spec"]["selector"]["matchLabels"] for p in pdbs]
    for name, deployment in deployments.items():
        assert name in hpa_targets
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(sel.items() <= labels.items() for sel in pdb_selectors), name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"


def test_no_secret_is_committed_only_referenced() -> None:
    assert by_kind("Secret") == {}
    refs = [
        source["secretRef"]["name"]
        for r in RENDERED
        if (template := kustomize.pod_template(r)) is not None
        for c in template["spec"]["containers"]
        for source in c.get("envFrom", [])
        if "secretRef" in source
    ]
    assert set(refs) == {"metabuilder-secrets"}


def test_jobs_migrate_the_database_and_register_search_attributes() -> None:
    jobs = by_kind("Job")
    migrate = jobs["metabuilder-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert migrate["args"] == ["db", "upgrade"]
    setup = jobs["metabuilder-temporal-setup"]["spec"]["template"]["spec"]["containers"][0]
    assert setup["args"][:2] == ["temporal", "setup"] and "command" not in setup
    assert PROD["services"]["temporal-setup"]["command"][:2] == ["temporal", "setup"]
    assert "metabuilder temporal setup" in " ".join(DEV["services"]["bootstrap"]["command"])


# ---- the artefacts and the code agree -------------------------------------------------------


def test_every_metabuilder_command_in_the_artefacts_parses_with_the_real_cli() -> None:
    assert validate.check_commands() == []
    found = dict(validate.compose_commands(PROD))
    assert found["services/worker"][0] == "worker"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["worker", "--health-prot", "8001"], "No such option"),
        (["worker", "--health-port", "http"], "not a valid integer"),
        (["worker", "--health-port", "70000"], "range"),
        (["temporal", "set-up"], "No such command"),
        (["temporal", "setup", "--retention-days", "0"], "range"),
        (["db"], "Usage"),
    ],
)
def test_the_command_check_refuses_what_the_cli_would(args: list[str], expected: str) -> None:
    problems = validate.cli_problems(args)
    assert len(problems) == 1 and expected in problems[0], problems


def test_shell_lines_are_split_into_their_metabuilder_commands() -> None:
    line = "metabuilder db upgrade && (metabuilder tenant create x || true) && echo done"
    assert list(validate.shell_commands(line)) == [["db", "upgrade"], ["tenant", "create", "x"]]


def test_every_variable_the_artefacts_set_is_a_setting() -> None:
    assert validate.check_settings() == []
    wanted = {"METABUILDER_TASK_QUEUE", "METABUILDER_SECURE_COOKIES", "METABUILDER_SMTP_HOST",
              "METABUILDER_SMTP_TLS", "METABUILDER_METRICS_TOKEN"}  # fmt: skip
    assert wanted <= validate.settings_env_names()


def test_a_variable_no_setting_reads_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "compose.yaml").write_text("environment:\n  METABUILDER_TASK_QEUE: fast\n")
    monkeypatch.setattr(validate, "DEPLOY_DIR", tmp_path)
    assert validate.check_settings() == [
        "compose.yaml: METABUILDER_TASK_QEUE is not a setting MetaBuilder reads"
    ]


def test_the_readmes_document_every_setting() -> None:
    readme = (validate.DEPLOY_DIR.parent / "README.md").read_text()
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in validate.settings_env_names() if f"`{name}`" not in configuration]
    assert missing == []
    deploy_readme = (validate.DEPLOY_DIR / "README.md").read_text()
    for command in ("metabuilder temporal setup", "--health-port", "METABUILDER_TASK_QUEUE"):
        assert command in deploy_readme


def test_the_overlay_sets_namespace_image_host_and_runs_as_non_root() -> None:
    for resource in RENDERED:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == "metabuilder"
        template = kustomize.pod_template(resource)
        if template is None:
            continue
        assert template["spec"]["securityContext"]["runAsNonRoot"] is True
        for container in template["spec"]["containers"]:
            assert container["image"] == "registry.example.com/metabuilder:0.1.0"
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert "memory" in container["resources"]["limits"]
    hosts = {rule["host"] for i in by_kind("Ingress").values() for rule in i["spec"]["rules"]}
    assert hosts == {"metabuilder.example.org"}


# ---- nginx and the Dockerfile -----------------------------------------------------------


def test_nginx_accepts_the_site_config_without_warnings() -> None:
    assert validate.check_nginx() == []


def test_hadolint_accepts_the_dockerfile() -> None:
    assert validate.check_dockerfile() == []


def test_hadolint_refuses_a_careless_dockerfile(tmp_path: Path) -> None:
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN cd /app && pip install flask\nUSER root\n")
    problems = validate.hadolint(careless)
    codes = {p.split()[1] for p in problems}
    assert {"DL3006", "DL3003", "DL3013"} <= codes, problems


def test_the_dockerfile_builds_a_non_root_image_with_a_health_check() -> None:
    text = validate.DOCKERFILE.read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 3, "multi-stage: esbuild, build, runtime"
    runtime = text.split("AS runtime", 1)[1]
    assert "USER ${UID}:${UID}" in runtime
    assert "HEALTHCHECK" in runtime and "ffmpeg" in runtime
    assert "build-client web/static/build" in text
