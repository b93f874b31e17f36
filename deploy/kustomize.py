"""A small, strict kustomize: renders the subset of kustomization.yaml that deploy/k8s uses.

    python -m deploy.kustomize deploy/k8s/overlays/production > rendered.yaml

Supported fields, with kustomize's semantics: `resources` (files and directories holding a
kustomization), `namespace`, `labels` (pairs, includeSelectors, includeTemplates),
`commonAnnotations`, `images` (newName, newTag, digest), `replicas`, and `patches` (strategic
merge patches, by file or inline, and JSON 6902 patches with a target). Anything else raises
`KustomizeError`: a field silently ignored here would render something other than what
`kubectl apply -k` applies. Strategic merge follows Kubernetes' merge keys for the lists it
knows (containers by name, ports by containerPort, ...); other lists are replaced.
"""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = frozenset(
    {"apiVersion", "kind", "resources", "namespace", "labels", "commonAnnotations", "images",
     "replicas", "patches"}
)  # fmt: skip
CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
     "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
     "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
)  # fmt: skip
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
# Kubernetes' patchMergeKey of the lists a MetaBuilder patch may touch.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "tolerations": "key",
}


class KustomizeError(Exception):
    """A kustomization this renderer cannot render faithfully, or a patch without a target."""


def render(directory: Path) -> list[Resource]:
    """The resources of the kustomization in `directory`, transformed, in input order."""
    directory = directory.resolve()
    kustomization = load_kustomization(directory)
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += render(path)
        elif path.is_file():
            resources += load_documents(path)
        else:
            raise KustomizeError(f"{directory}: resource {entry!r} does not exist")
    for patch in kustomization.get("patches", []):
        apply_patch(resources, patch, directory)
    if "namespace" in kustomization:
        set_namespace(resources, kustomization["namespace"])
    for label in kustomization.get("labels", []):
        add_labels(resources, label)
    if "commonAnnotations" in kustomization:
        add_annotations(resources, kustomization["commonAnnotations"])
    for image in kustomization.get("images", []):
        set_image(resources, image)
    for replica in kustomization.get("replicas", []):
        set_replicas(resources, replica)
    check_unique(resources)
    return resources


def load_kustomization(directory: Path) -> dict[str, Any]:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            data = yaml.safe_load((directory / name).read_text()) or {}
            break
    else:
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    unknown = set(data) - SUPPORTED_FIELDS
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    return dict(data)


def load_documents(path: Path) -> list[Resource]:
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc or "metadata" not in doc:
            raise KustomizeError(f"{path}: every document needs kind and metadata")
    return docs


def identity(resource: Resource) -> tuple[str, str, str]:
    meta = resource["metadata"]
    return resource["kind"], meta.get("namespace", ""), meta["name"]


def check_unique(resources: Iterable[Resource]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for resource in resources:
        key = identity(resource)
        if key in seen:
            raise KustomizeError(f"resource {'/'.join(key)} is declared twice")
        seen.add(key)


# ---- patches --------------------------------------------------------------------------


def apply_patch(resources: list[Resource], patch: dict[str, Any], directory: Path) -> None:
    if "path" in patch:
        text = (directory / patch["path"]).read_text()
    elif "patch" in patch:
        text = patch["patch"]
    else:
        raise KustomizeError(f"{directory}: a patch needs `path` or `patch`")
    docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    target = patch.get("target")
    if len(docs) == 1 and isinstance(docs[0], list):
        if target is None:
            raise KustomizeError(f"{directory}: a JSON 6902 patch needs a target")
        matched = [r for r in resources if matches(r, target)]
        if not matched:
            raise KustomizeError(f"{directory}: patch target {target} matches nothing")
        for resource in matched:
            json6902(resource, docs[0])
        return
    for doc in docs:
        matched = [r for r in resources if matches(r, target or selector_of(doc))]
        if not matched:
            raise KustomizeError(f"{directory}: no resource for patch {selector_of(doc)}")
        for resource in matched:
            merged = strategic_merge(resource, doc)
            resource.clear()
            resource.update(merged)


def selector_of(doc: Resource) -> dict[str, str]:
    return {"kind": doc["kind"], "name": doc["metadata"]["name"]}


def matches(resource: Resource, target: dict[str, Any]) -> bool:
    meta = resource["metadata"]
    checks = {
        "kind": resource["kind"],
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
        "group": resource["apiVersion"].rpartition("/")[0],
        "version": resource["apiVersion"].rpartition("/")[2],
    }
    for key, wanted in target.items():
        if key == "labelSelector":
            labels = meta.get("labels", {})
            for term in str(wanted).split(","):
                name, _, value = term.partition("=")
                if labels.get(name.strip()) != value.strip():
                    return False
        elif key in checks:
            if not re.fullmatch(str(wanted), checks[key]):
                return False
        else:
            raise KustomizeError(f"unsupported patch target field {key!r}")
    return True


def strategic_merge(base: Any, patch: Any, field: str | None = None) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)  # `key: null` deletes, as in kustomize
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value, key)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and field in MERGE_KEYS:
        return merge_list(base, patch, MERGE_KEYS[field])
    return copy.deepcopy(patch)


def merge_list(base: list[Any], patch: list[Any], key: str) -> list[Any]:
    merged = copy.deepcopy(base)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise KustomizeError(f"a patch list item needs its merge key {key!r}: {item}")
        index = next((i for i, old in enumerate(merged) if old.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[index] = strategic_merge(merged[index], item)
    return merged


def json6902(resource: Resource, operations: list[dict[str, Any]]) -> None:
    for op in operations:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent: Any = resource
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        kind = op["op"]
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if kind == "add":
                parent.insert(index, copy.deepcopy(op["value"]))
            elif kind == "replace":
                parent[index] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[index]
            else:
                raise KustomizeError(f"unsupported JSON patch op {kind!r}")
        else:
            if kind in ("replace", "remove") and last not in parent:
                raise KustomizeError(f"JSON patch path {op['path']} does not exist")
            if kind in ("add", "replace"):
                parent[last] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[last]
            else:
                raise KustomizeError(f"unsupported JSON patch op {kind!r}")


# ---- transformers ----------------------------------------------------------------------


def set_namespace(resources: list[Resource], namespace: str) -> None:
    for resource in resources:
        if resource["kind"] not in CLUSTER_SCOPED_KINDS:
            resource["metadata"]["namespace"] = namespace


def pod_template(resource: Resource) -> Resource | None:
    if resource["kind"] in WORKLOAD_KINDS:
        template = resource.get("spec", {}).get("template")
        return template if isinstance(template, dict) else None
    if resource["kind"] == "CronJob":
        template = resource["spec"]["jobTemplate"]["spec"].get("template")
        return template if isinstance(template, dict) else None
    return None


def add_labels(resources: list[Resource], label: dict[str, Any]) -> None:
    pairs: dict[str, str] = label.get("pairs", {})
    for resource in resources:
        resource["metadata"].setdefault("labels", {}).update(pairs)
        template = pod_template(resource)
        into_template = label.get("includeTemplates") or label.get("includeSelectors")
        if template is not None and into_template:
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if label.get("includeSelectors"):
            add_selector_labels(resource, pairs)


def add_selector_labels(resource: Resource, pairs: dict[str, str]) -> None:
    spec = resource.get("spec", {})
    if resource["kind"] == "Service":
        spec.setdefault("selector", {}).update(pairs)
    elif resource["kind"] in WORKLOAD_KINDS - {"Job"} or resource["kind"] == "PodDisruptionBudget":
        spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)


def add_annotations(resources: list[Resource], annotations: dict[str, str]) -> None:
    for resource in resources:
        resource["metadata"].setdefault("annotations", {}).update(annotations)
        template = pod_template(resource)
        if template is not None:
            template.setdefault("metadata", {}).setdefault("annotations", {}).update(annotations)


def set_image(resources: list[Resource], image: dict[str, str]) -> None:
    name = image["name"]
    for resource in resources:
        template = pod_template(resource)
        if template is None:
            continue
        spec = template.get("spec", {})
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            if image_name(container["image"]) != name:
                continue
            new = image.get("newName", name)
            if "digest" in image:
                container["image"] = f"{new}@{image['digest']}"
            elif "newTag" in image:
                container["image"] = f"{new}:{image['newTag']}"
            else:
                container["image"] = new + image_suffix(container["image"])


def image_name(reference: str) -> str:
    without_digest = reference.split("@", 1)[0]
    slash = without_digest.rfind("/")
    colon = without_digest.rfind(":")
    return without_digest[:colon] if colon > slash else without_digest


def image_suffix(reference: str) -> str:
    return reference[len(image_name(reference)) :]


def set_replicas(resources: list[Resource], replica: dict[str, Any]) -> None:
    found = False
    for resource in resources:
        if (
            resource["kind"] in WORKLOAD_KINDS - {"Job"}
            and resource["metadata"]["name"] == (replica["name"])
        ):
            resource["spec"]["replicas"] = int(replica["count"])
            found = True
    if not found:
        raise KustomizeError(f"replicas: no workload named {replica['name']!r}")


def dump(resources: Iterable[Resource]) -> str:
    return yaml.safe_dump_all(list(resources), sort_keys=False, explicit_start=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m deploy.kustomize DIRECTORY", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(dump(render(Path(args[0]))))
    except KustomizeError as exc:
        print(f"kustomize: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
