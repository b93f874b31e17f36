"""Definition JSON -> `Flow`, collecting problems as `Issue`s instead of raising.

Two shapes are read:

- the original n8n-like shape (HEAD `workflow/*.json`): `nodes[]` and
  `connections[source].<port>[slot][] = {node}` keyed by node id (or name, as n8n does);
  `main[i]` feeds the node's i-th named output (a condition's `main[1]` is its false branch),
  any other port key names an output directly (`"error"`, `"true"`, a switch case);
- the original's linked-list dialect (email_client, `startNode` + `nextNode` /
  `onSuccess` / `onError`), converted to edges; its plugin nodes map to our node types where
  one exists and otherwise stay unknown (validation then says so).

Node options beyond the original: `onError` (`stop | continue | error`, n8n spellings
accepted), `retry` (`{maxAttempts, backoff, initialIntervalMs, maxIntervalMs}`; n8n's
`retryOnFail`/`maxTries`/`waitBetweenTries` accepted), `disabled`. Flow options: `minLevel`,
`triggers[]` (`{kind: manual|page|webhook|schedule|entity|event, ...}`). `kind: "event"`
with an `event` key (or the original v3 schema's `eventType`) listens to a named event
(`engine.flows.events`); with an `entity` key it is an entity event, i.e. an `entity`
trigger.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from engine.flows.errors import Issue
from engine.flows.model import MAIN, Edge, Flow, Node, OnError, Retry, Trigger, TriggerKind
from engine.flows.nodetypes import SINGLE_OPERATION, SPECS, canonical, outputs_of

ON_ERROR: dict[str, OnError] = {
    "stop": "stop",
    "stopWorkflow": "stop",
    "continue": "continue",
    "continueRegularOutput": "continue",
    "skipNode": "continue",
    "error": "error",
    "continueErrorOutput": "error",
}
BACKOFFS = ("fixed", "linear", "exponential", "fibonacci")
TRIGGER_KINDS = ("manual", "page", "webhook", "schedule", "entity", "event")
MAX_EVENT_NAME = 200
MAX_ATTEMPTS = 20
UNKNOWN = "unknown"
LINKED_PLUGINS = {
    "dbal.read": ("metabuilder.database", "database_read"),
    "dbal.create": ("metabuilder.database", "database_create"),
    "dbal.update": ("metabuilder.database", "database_update"),
    "dbal.delete": ("metabuilder.database", "database_delete"),
}


def parse_flow(doc: Any, fallback_id: str = "flow") -> tuple[Flow, list[Issue]]:
    issues: list[Issue] = []
    if not isinstance(doc, Mapping):
        issues.append(Issue("not_an_object", "a flow definition must be a JSON object"))
        return Flow(fallback_id, fallback_id, {}, ()), issues
    flow_id = str(doc.get("id") or fallback_id)
    if "startNode" in doc or any(
        isinstance(n, Mapping) and ("nextNode" in n or "onSuccess" in n)
        for n in doc.get("nodes") or []
    ):
        doc = _from_linked(doc)
        dialect = "linked"
    else:
        dialect = "n8n"
    nodes = _nodes(doc.get("nodes"), issues)
    edges = _edges(doc.get("connections"), nodes, issues)
    triggers = _triggers(doc.get("triggers"), issues)
    min_level = doc.get("minLevel")
    if min_level is not None and (not isinstance(min_level, int) or not 0 <= min_level <= 5):
        issues.append(Issue("bad_level", "minLevel must be an integer 0..5", field="minLevel"))
        min_level = None
    flow = Flow(
        id=flow_id,
        name=str(doc.get("name") or flow_id),
        nodes=nodes,
        edges=tuple(edges),
        triggers=tuple(triggers),
        min_level=min_level,
        dialect=dialect,  # type: ignore[arg-type]
    )
    return flow, issues


def _nodes(raw: Any, issues: list[Issue]) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    if not isinstance(raw, list) or not raw:
        issues.append(Issue("no_nodes", "a flow needs a non-empty nodes list", field="nodes"))
        return nodes
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            issues.append(Issue("bad_node", "a node needs a string id", field=f"nodes[{index}]"))
            continue
        node_id = item["id"]
        if node_id in nodes:
            issues.append(Issue("duplicate_node", f"node id {node_id!r} is used twice", node_id))
            continue
        type_name = str(item.get("type") or "")
        kind = canonical(type_name) or UNKNOWN
        params = item.get("parameters")
        params = dict(params) if isinstance(params, Mapping) else {}
        spec = SPECS.get(kind)
        operation = SINGLE_OPERATION.get(kind)
        if spec is not None and spec.operations:
            op = params.get(spec.operation_key)
            operation = op if isinstance(op, str) else None
        nodes[node_id] = Node(
            id=node_id,
            kind=kind,
            type=type_name,
            name=str(item.get("name") or node_id),
            operation=operation,
            parameters=params,
            on_error=_on_error(item.get("onError"), node_id, issues),
            retry=_retry(item, node_id, issues),
            disabled=bool(item.get("disabled", False)),
        )
    return nodes


def _on_error(raw: Any, node_id: str, issues: list[Issue]) -> OnError:
    if raw is None:
        return "stop"
    found = ON_ERROR.get(raw) if isinstance(raw, str) else None
    if found is None:
        issues.append(
            Issue("bad_on_error", "onError is one of stop, continue, error", node_id, "onError")
        )
        return "stop"
    return found


def _retry(item: Mapping[str, Any], node_id: str, issues: list[Issue]) -> Retry:
    raw = item.get("retry")
    if raw is None and item.get("retryOnFail"):
        raw = {
            "maxAttempts": item.get("maxTries", 3),
            "backoff": "fixed",
            "initialIntervalMs": item.get("waitBetweenTries", 1000),
        }
    if raw is None:
        return Retry()
    if not isinstance(raw, Mapping):
        issues.append(Issue("bad_retry", "retry must be an object", node_id, "retry"))
        return Retry()
    attempts = raw.get("maxAttempts", 3)
    backoff = raw.get("backoff", "exponential")
    initial = raw.get("initialIntervalMs", 200)
    maximum = raw.get("maxIntervalMs", 30_000)
    if not isinstance(attempts, int) or not 1 <= attempts <= MAX_ATTEMPTS:
        issues.append(
            Issue(
                "bad_retry", f"maxAttempts must be 1..{MAX_ATTEMPTS}", node_id, "retry.maxAttempts"
            )
        )
        attempts = 1
    if backoff not in BACKOFFS:
        issues.append(
            Issue("bad_retry", f"backoff is one of {', '.join(BACKOFFS)}", node_id, "retry.backoff")
        )
        backoff = "exponential"
    for name, value in (("initialIntervalMs", initial), ("maxIntervalMs", maximum)):
        if not isinstance(value, int) or value < 0:
            issues.append(Issue("bad_retry", f"{name} must be >= 0", node_id, f"retry.{name}"))
    return Retry(
        max_attempts=attempts,
        backoff=backoff,
        initial_ms=initial if isinstance(initial, int) and initial >= 0 else 200,
        max_ms=maximum if isinstance(maximum, int) and maximum >= 0 else 30_000,
    )


def _edges(raw: Any, nodes: Mapping[str, Node], issues: list[Issue]) -> list[Edge]:
    edges: list[Edge] = []
    if raw is None:
        return edges
    if not isinstance(raw, Mapping):
        issues.append(
            Issue("bad_connections", "connections must be an object", field="connections")
        )
        return edges
    by_name = {n.name: n.id for n in nodes.values()}

    def resolve(ref: Any) -> str | None:
        if isinstance(ref, str) and ref in nodes:
            return ref
        return by_name.get(ref) if isinstance(ref, str) else None

    for source_ref, ports in raw.items():
        where = f"connections.{source_ref}"
        source = resolve(source_ref)
        if source is None:
            issues.append(
                Issue(
                    "dangling_connection",
                    f"connection from unknown node {source_ref!r}",
                    field=where,
                )
            )
            continue
        if not isinstance(ports, Mapping):
            issues.append(Issue("bad_connections", "ports must be an object", source, where))
            continue
        node = nodes[source]
        outputs = outputs_of(node.kind, node.parameters)
        for port, slots in ports.items():
            for s, slot in enumerate(slots if isinstance(slots, list) else []):
                output = _output_name(port, s, outputs)
                if output is None:
                    issues.append(
                        Issue(
                            "unknown_output",
                            f"node {source!r} has no output {port}[{s}]",
                            source,
                            f"{where}.{port}[{s}]",
                        )
                    )
                    continue
                for t, target_ref in enumerate(slot if isinstance(slot, list) else []):
                    ref = target_ref.get("node") if isinstance(target_ref, Mapping) else None
                    target = resolve(ref)
                    if target is None:
                        issues.append(
                            Issue(
                                "dangling_connection",
                                f"connection to unknown node {ref!r}",
                                source,
                                f"{where}.{port}[{s}][{t}].node",
                            )
                        )
                        continue
                    edges.append(Edge(source, output, target))
    return edges


def _output_name(port: str, slot: int, outputs: tuple[str, ...]) -> str | None:
    if port == MAIN:
        return outputs[slot] if slot < len(outputs) else None
    if port == "error" or port in outputs:
        return port
    return None


def _triggers(raw: Any, issues: list[Issue]) -> list[Trigger]:
    found: list[Trigger] = []
    if raw is None:
        return found
    if not isinstance(raw, list):
        issues.append(Issue("bad_triggers", "triggers must be a list", field="triggers"))
        return found
    for index, item in enumerate(raw):
        where = f"triggers[{index}]"
        kind = item.get("kind") or item.get("type") if isinstance(item, Mapping) else None
        event_key = "eventType" if isinstance(item, Mapping) and "eventType" in item else "event"
        if isinstance(item, Mapping) and kind == "event" and "entity" in item:
            if event_key in item:
                issues.append(
                    Issue(
                        "bad_trigger",
                        "an event trigger names either an event or an entity, not both",
                        field=f"{where}.{event_key}",
                    )
                )
            else:
                kind = "entity"  # `event` with an entity: an entity event
        if not isinstance(item, Mapping) or kind not in TRIGGER_KINDS:
            issues.append(
                Issue(
                    "bad_trigger",
                    f"kind is one of {', '.join(TRIGGER_KINDS)}",
                    field=f"{where}.kind",
                )
            )
            continue
        levels = {k: item.get(k, 0) for k in ("minLevel", "runAsLevel")}
        bad = [k for k, v in levels.items() if not isinstance(v, int) or not 0 <= v <= 5]
        for name in bad:
            issues.append(Issue("bad_level", f"{name} must be 0..5", field=f"{where}.{name}"))
        if levels["runAsLevel"] in range(4, 6):
            issues.append(
                Issue(
                    "bad_level",
                    "a trigger may run at most as admin (3)",
                    field=f"{where}.runAsLevel",
                )
            )
        ops = item.get("ops", ("create", "update", "delete"))
        if kind == "schedule" and not isinstance(item.get("schedule"), str):
            issues.append(
                Issue(
                    "bad_trigger", "a schedule trigger has a cron string", field=f"{where}.schedule"
                )
            )
        if kind == "entity" and not isinstance(item.get("entity"), str):
            issues.append(
                Issue("bad_trigger", "an entity trigger names its entity", field=f"{where}.entity")
            )
        event = item.get(event_key)
        if kind == "event" and not _event_name(event):
            issues.append(
                Issue(
                    "bad_trigger",
                    f"an event trigger names its event: a string of 1..{MAX_EVENT_NAME} "
                    "characters without surrounding spaces",
                    field=f"{where}.{event_key}",
                )
            )
        found.append(
            Trigger(
                kind=cast(TriggerKind, kind),
                min_level=levels["minLevel"] if "minLevel" not in bad else 5,
                entity=item.get("entity") if isinstance(item.get("entity"), str) else None,
                ops=tuple(str(o) for o in ops) if isinstance(ops, list | tuple) else (),
                secret_name=item.get("secret") if isinstance(item.get("secret"), str) else None,
                run_as_level=min(levels["runAsLevel"], 3) if "runAsLevel" not in bad else 0,
                schedule=item.get("schedule") if isinstance(item.get("schedule"), str) else None,
                timezone=item.get("timezone") if isinstance(item.get("timezone"), str) else None,
                event=event if kind == "event" and _event_name(event) else None,
                run_as_declared="runAsLevel" in item and "runAsLevel" not in bad,
            )
        )
    return found


def _event_name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_EVENT_NAME and value == value.strip()


def _from_linked(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The linked-list dialect as the n8n shape (conditions branch on onSuccess/onError)."""
    nodes: list[dict[str, Any]] = []
    connections: dict[str, dict[str, list[list[dict[str, str]]]]] = {}
    for raw in doc.get("nodes") or []:
        if not isinstance(raw, Mapping):
            continue
        params = dict(raw.get("params") or {})
        kind: str = f"linked:{raw.get('type')}:{raw.get('plugin') or raw.get('op')}"
        if raw.get("type") == "operation" and raw.get("op") == "condition":
            kind = "metabuilder.condition"
            params["condition"] = raw.get("condition")
        elif raw.get("plugin") in LINKED_PLUGINS:
            kind, operation = LINKED_PLUGINS[str(raw["plugin"])]
            params["operation"] = operation
            if "id" in params and "filter" not in params:
                params["filter"] = {"id": params.pop("id")}
        nodes.append({"id": raw.get("id"), "type": kind, "parameters": params})
        ports: dict[str, list[list[dict[str, str]]]] = {}

        def link(
            port: str, target: Any, ports: dict[str, list[list[dict[str, str]]]] = ports
        ) -> None:
            if isinstance(target, str) and target.strip():
                ports.setdefault(port, [[]])[0].append({"node": target.strip()})

        success = raw.get("onSuccess")
        failure = raw.get("onError")
        next_node = raw.get("nextNode") or (success or {}).get("nextNode")
        if kind == "metabuilder.condition":
            link("true", next_node)
            link("false", (failure or {}).get("nextNode"))
        else:
            link(MAIN, next_node)
            link("error", (failure or {}).get("nextNode"))
        if ports and isinstance(raw.get("id"), str):
            connections[raw["id"]] = ports
    return {**doc, "nodes": nodes, "connections": connections}
