"""deploy.kustomize renders the kustomize subset the manifests use, as kustomize does, and
refuses what it does not support instead of silently rendering something else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import kustomize
from deploy.kustomize import KustomizeError


def write(directory: Path, files: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, str):
            text = content
        elif isinstance(content, list):
            text = yaml.safe_dump_all(content)
        else:
            text = yaml.safe_dump(content)
        (directory / name).write_text(text)
    return directory


DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "metabuilder:latest",
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "sidecar", "image": "registry.local:5000/proxy:1.0"},
                ]
            },
        },
    },
}  # fmt: skip
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mb"}}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
}


def render(
    tmp_path: Path, kustomization: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    write(tmp_path / "base", {
        "kustomization.yaml": {"resources": ["deployment.yaml", "service.yaml"]},
        "deployment.yaml": [DEPLOYMENT],
        "service.yaml": [SERVICE],
    })  # fmt: skip
    overlay = write(
        tmp_path / "overlay",
        {"kustomization.yaml": {"resources": ["../base", "ns.yaml"], **kustomization},
         "ns.yaml": [NAMESPACE], **(extra or {})},
    )  # fmt: skip
    return {(r["kind"], r["metadata"]["name"]): r for r in kustomize.render(overlay)}


def containers(rendered: dict[Any, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = rendered["Deployment", "web"]["spec"]["template"]["spec"][
        "containers"
    ]
    return result


def test_namespace_applies_to_namespaced_kinds_only(tmp_path: Path) -> None:
    out = render(tmp_path, {"namespace": "mb"})
    assert out["Deployment", "web"]["metadata"]["namespace"] == "mb"
    assert out["Service", "web"]["metadata"]["namespace"] == "mb"
    assert "namespace" not in out["Namespace", "mb"]["metadata"]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ({"name": "metabuilder", "newTag": "1.2"}, "metabuilder:1.2"),
        ({"name": "metabuilder", "newName": "reg.io/mb", "newTag": "2"}, "reg.io/mb:2"),
        ({"name": "metabuilder", "newName": "reg.io/mb"}, "reg.io/mb:latest"),
        ({"name": "metabuilder", "digest": "sha256:abc"}, "metabuilder@sha256:abc"),
        ({"name": "other", "newTag": "9"}, "metabuilder:latest"),
    ],
)
def test_images_are_replaced_by_name(tmp_path: Path, image: dict[str, str], expected: str) -> None:
    web, sidecar = containers(render(tmp_path, {"images": [image]}))
    assert web["image"] == expected
    assert sidecar["image"] == "registry.local:5000/proxy:1.0"


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("metabuilder", "metabuilder"),
        ("metabuilder:1.0", "metabuilder"),
        ("registry.local:5000/proxy:1.0", "registry.local:5000/proxy"),
        ("registry.local:5000/proxy", "registry.local:5000/proxy"),
        ("reg.io/mb@sha256:abc", "reg.io/mb"),
    ],
)
def test_image_names_ignore_tags_digests_but_not_registry_ports(reference: str, name: str) -> None:
    assert kustomize.image_name(reference) == name


def test_labels_reach_templates_and_selectors_only_when_asked(tmp_path: Path) -> None:
    out = render(tmp_path, {"labels": [
        {"pairs": {"tier": "x"}, "includeTemplates": True},
        {"pairs": {"env": "prod"}, "includeSelectors": True},
    ]})  # fmt: skip
    deployment, service = out["Deployment", "web"], out["Service", "web"]
    assert deployment["metadata"]["labels"] == {"app": "web", "tier": "x", "env": "prod"}
    assert deployment["spec"]["template"]["metadata"]["labels"] == {
        "app": "web", "tier": "x", "env": "prod"
    }  # fmt: skip
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": "web", "env": "prod"}
    assert service["spec"]["selector"] == {"app": "web", "env": "prod"}


def test_strategic_merge_merges_containers_and_env_by_name(tmp_path: Path) -> None:
    patch = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}],
             "resources": {"limits": {"memory": "1Gi"}}},
            {"name": "sidecar", "$patch": "delete"},
        ]}}},
    }  # fmt: skip
    out = render(tmp_path, {"patches": [{"path": "p.yaml"}]}, {"p.yaml": [patch]})
    (web,) = containers(out)
    assert web["image"] == "metabuilder:latest"
    assert web["env"] == [
        {"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}
    ]  # fmt: skip
    assert web["resources"] == {"limits": {"memory": "1Gi"}}


def test_a_null_in_a_strategic_patch_deletes_the_key(tmp_path: Path) -> None:
    patch = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": None}}  # fmt: skip
    out = render(tmp_path, {"patches": [{"path": "p.yaml"}]}, {"p.yaml": [patch]})
    assert "selector" not in out["Service", "web"]["spec"]


def test_json6902_patches_apply_to_their_target(tmp_path: Path) -> None:
    ops = "- {op: replace, path: /spec/ports/0/port, value: 8080}\n- {op: add, path: /spec/type, value: NodePort}\n"  # noqa: E501
    out = render(tmp_path, {"patches": [{"target": {"kind": "Service"}, "patch": ops}]})
    assert out["Service", "web"]["spec"]["ports"] == [{"port": 8080}]
    assert out["Service", "web"]["spec"]["type"] == "NodePort"


def test_replicas_set_the_count_of_a_named_workload(tmp_path: Path) -> None:
    out = render(tmp_path, {"replicas": [{"name": "web", "count": 3}]})
    assert out["Deployment", "web"]["spec"]["replicas"] == 3


@pytest.mark.parametrize(
    ("kustomization", "message"),
    [
        ({"configMapGenerator": [{"name": "x"}]}, "unsupported kustomization fields"),
        ({"patches": [{"patch": "- {op: remove, path: /spec}"}]}, "needs a target"),
        ({"patches": [{"target": {"kind": "Ingress"}, "patch": "- {op: remove, path: /x}"}]},
         "matches nothing"),
        ({"replicas": [{"name": "nope", "count": 1}]}, "no workload named 'nope'"),
        ({"patches": [{"target": {"kind": "Service"},
                       "patch": "- {op: replace, path: /spec/missing, value: 1}"}]},
         "does not exist"),
    ],
    ids=["generator", "json-patch-without-target", "target-matches-nothing", "unknown-replicas",
         "replace-missing-path"],
)  # fmt: skip
def test_unsupported_or_dangling_input_is_refused(
    tmp_path: Path, kustomization: dict[str, Any], message: str
) -> None:
    with pytest.raises(KustomizeError, match=message):
        render(tmp_path, kustomization)


def test_a_resource_declared_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizeError, match="declared twice"):
        render(tmp_path, {"resources": ["../base", "ns.yaml", "again.yaml"]},
               {"again.yaml": [SERVICE]})  # fmt: skip


def test_the_command_line_prints_the_rendered_overlay(capsys: pytest.CaptureFixture[str]) -> None:
    assert kustomize.main(["deploy/k8s/overlays/production"]) == 0
    documents = list(yaml.safe_load_all(capsys.readouterr().out))
    assert {d["kind"] for d in documents} >= {"Deployment", "Ingress", "Job", "Namespace"}
