"""Flow validation, before save and before run: every problem with its node id and field.

Checks: the definition parses (see `engine.flows.parse`); every node type is known and its
operation supported; required parameters are present; every `{{ }}` compiles; connections
name existing nodes and outputs; the graph has no cycle except through a loop node (edges
into a loop node are its iteration ends); a sub-flow names a flow that exists (when the
caller knows the package's flows).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from engine.flows.errors import FlowInvalid, Issue
from engine.flows.expressions import syntax_errors
from engine.flows.model import Flow, Node
from engine.flows.nodetypes import SPECS, UNSUPPORTED_OPERATIONS
from engine.flows.parse import UNKNOWN, parse_flow
from engine.flows.timing import parse_duration_ms

LOOP = "metabuilder.loop"


def validate_definition(
    doc: Any, *, known_flows: Collection[str] | None = None, fallback_id: str = "flow"
) -> tuple[Flow, list[Issue]]:
    flow, issues = parse_flow(doc, fallback_id)
    for node in flow.nodes.values():
        issues.extend(_node_issues(node, known_flows))
    issues.extend(_cycle_issues(flow))
    return flow, issues


def checked_flow(doc: Any, *, known_flows: Collection[str] | None = None) -> Flow:
    """The parsed flow, or FlowInvalid with every issue."""
    flow, issues = validate_definition(doc, known_flows=known_flows)
    if issues:
        raise FlowInvalid(flow.id, issues)
    return flow


def _node_issues(node: Node, known_flows: Collection[str] | None) -> list[Issue]:
    issues: list[Issue] = []
    spec = SPECS.get(node.kind)
    if node.kind == UNKNOWN or spec is None:
        return [Issue("unknown_type", f"unknown node type {node.type!r}", node.id, "type")]
    required: list[str | tuple[str, ...]] = list(spec.required)
    if spec.operations:
        field = f"parameters.{spec.operation_key}"
        op = node.operation
        if op is None:
            issues.append(
                Issue("missing_parameter", f"{spec.operation_key} is required", node.id, field)
            )
        elif op in UNSUPPORTED_OPERATIONS:
            issues.append(
                Issue(
                    "unsupported_operation", f"{op}: {UNSUPPORTED_OPERATIONS[op]}", node.id, field
                )
            )
        elif op not in spec.operations:
            issues.append(
                Issue("unknown_operation", f"unknown {spec.operation_key} {op!r}", node.id, field)
            )
        else:
            required.extend(spec.operations[op])
    for need in required:
        names = need if isinstance(need, tuple) else (need,)
        if not any(node.parameters.get(n) is not None for n in names):
            issues.append(
                Issue(
                    "missing_parameter",
                    f"{' or '.join(names)} is required",
                    node.id,
                    f"parameters.{names[0]}",
                )
            )
    for path, message in syntax_errors(node.parameters):
        issues.append(Issue("bad_expression", message, node.id, f"parameters.{path}"))
    issues.extend(_specific_issues(node, known_flows))
    return issues


def _specific_issues(node: Node, known_flows: Collection[str] | None) -> list[Issue]:
    params = node.parameters
    issues: list[Issue] = []
    if node.kind == "metabuilder.switch":
        cases = params.get("cases")
        if not isinstance(cases, list) or not all(
            isinstance(c, Mapping)
            and isinstance(c.get("output"), str)
            and ("value" in c or "when" in c)
            for c in cases
        ):
            issues.append(
                Issue(
                    "bad_parameter",
                    "cases is a list of {output, value|when}",
                    node.id,
                    "parameters.cases",
                )
            )
    elif node.kind == "metabuilder.wait":
        raw = params.get("duration", params.get("seconds", params.get("ms")))
        if isinstance(raw, str) and "{{" in raw:
            pass
        elif "seconds" in params and not isinstance(params["seconds"], int | float):
            issues.append(
                Issue("bad_parameter", "seconds must be a number", node.id, "parameters.seconds")
            )
        elif "duration" in params and parse_duration_ms(params["duration"]) is None:
            issues.append(
                Issue(
                    "bad_parameter",
                    "duration is like 500ms, 30s, 5m, 2h or 1d",
                    node.id,
                    "parameters.duration",
                )
            )
    elif node.kind == "metabuilder.approval":
        level = params.get("minLevel", 3)
        if not isinstance(level, int) or not 1 <= level <= 5:
            issues.append(
                Issue("bad_level", "minLevel must be 1..5", node.id, "parameters.minLevel")
            )
    elif node.kind == "metabuilder.subflow" and known_flows is not None:
        target = params.get("flow")
        if isinstance(target, str) and target not in known_flows:
            issues.append(
                Issue(
                    "unknown_flow",
                    f"no flow {target!r} in this package",
                    node.id,
                    "parameters.flow",
                )
            )
    elif node.kind == "metabuilder.operation" and node.operation == "parallel":
        tasks = params.get("tasks")
        if not isinstance(tasks, list) or not all(
            (isinstance(t, Mapping) and t.get("op") in SPECS["metabuilder.operation"].operations)
            or (isinstance(t, Mapping) and t.get("op") in SPECS["metabuilder.database"].operations)
            for t in tasks
        ):
            issues.append(
                Issue(
                    "bad_parameter",
                    "tasks are {id, op, entity, params} database ops",
                    node.id,
                    "parameters.tasks",
                )
            )
    return issues


def _cycle_issues(flow: Flow) -> list[Issue]:
    """Cycles that do not pass through a loop node (edges into loops end an iteration)."""
    graph: dict[str, list[str]] = {n: [] for n in flow.nodes}
    for edge in flow.edges:
        if flow.nodes[edge.target].kind != LOOP:
            graph[edge.source].append(edge.target)
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(graph, white)
    for start in graph:
        if color[start] != white:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        color[start] = grey
        while stack:
            node, index = stack[-1]
            if index < len(graph[node]):
                stack[-1] = (node, index + 1)
                nxt = graph[node][index]
                if color[nxt] == grey:
                    return [
                        Issue(
                            "cycle",
                            f"cycle through {nxt!r} without a loop node",
                            nxt,
                            "connections",
                        )
                    ]
                if color[nxt] == white:
                    color[nxt] = grey
                    stack.append((nxt, 0))
            else:
                color[node] = black
                stack.pop()
    return []
