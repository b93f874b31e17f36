"""Compact flow definitions for tests: `flow(node(...), ..., edges=["a>b", "c:true>d"])`."""

from __future__ import annotations

from typing import Any


def node(node_id: str, kind: str, /, **parameters: Any) -> dict[str, Any]:
    options = {k: parameters.pop(k) for k in ("onError", "retry", "disabled") if k in parameters}
    prefix = "" if "." in kind else "metabuilder."
    return {"id": node_id, "type": prefix + kind, "parameters": parameters, **options}


def flow(*nodes: dict[str, Any], edges: list[str] = (), **extra: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """Edges are `source>target` (main) or `source:output>target`."""
    connections: dict[str, dict[str, list[list[dict[str, Any]]]]] = {}
    for edge in edges:
        left, target = edge.split(">")
        source, _, port = left.partition(":")
        slots = connections.setdefault(source, {}).setdefault(port or "main", [[]])
        slots[0].append({"node": target, "type": "main", "index": 0})
    return {
        "id": extra.pop("id", "inline"),
        "nodes": list(nodes),
        "connections": connections,
        **extra,
    }
