"""The node types a flow may use: canonical names, aliases, operations, required parameters,
named outputs. Validation reads this table; the interpreter dispatches on `NodeSpec.kind`.

Original types (`metabuilder.database`, `.action`, `.transform`, `.validate`, `.operation`,
`.condition`, `.rateLimit`) keep their `operation`/`action` parameter; our extensions are
types of their own. Operations of the original corpus that we deliberately do not run (bcrypt,
JWT, file deletion, media analysis, SSE streams) are listed in `UNSUPPORTED_OPERATIONS` so a
flow using them fails validation with a clear reason instead of misbehaving at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.flows.model import MAIN


@dataclass(frozen=True)
class NodeSpec:
    kind: str
    required: tuple[str | tuple[str, ...], ...] = ()
    """Parameters every use needs; a tuple inside means "one of these"."""
    operations: Mapping[str, tuple[str | tuple[str, ...], ...]] = field(default_factory=dict)
    """Operation name -> its required parameters (empty mapping: no operation parameter)."""
    outputs: tuple[str, ...] = (MAIN,)
    """Named outputs; `connections[id].main[i]` feeds `outputs[i]`."""
    operation_key: str = "operation"


_DB = "entity"
SPECS: dict[str, NodeSpec] = {
    spec.kind: spec
    for spec in (
        NodeSpec(
            "metabuilder.database",
            operations={
                "database_read": (_DB,),
                "database_create": (_DB, "data"),
                "database_update": (_DB, "filter", "data"),
                "database_delete": (_DB, "filter"),
            },
        ),
        NodeSpec(
            "metabuilder.operation",
            operations={
                "database_count": (_DB,),
                "database_aggregate": (_DB, "aggregations"),
                "database_delete_many": (_DB, "filter"),
                "database_update_many": (_DB, "filter", "data"),
                "email_send": ("to", "subject"),
                "parallel": ("tasks",),
                "generate_random_token": (),
                "sha256": ("input",),
            },
        ),
        NodeSpec(
            "metabuilder.action",
            operation_key="action",
            operations={
                "http_response": (),
                "emit_event": ("event",),
                "log": ("message",),
            },
        ),
        NodeSpec("metabuilder.transform", required=(("output", "input"),)),
        NodeSpec("metabuilder.validate", required=("input", ("rules", "validator"))),
        NodeSpec("metabuilder.condition", required=("condition",), outputs=("true", "false")),
        NodeSpec("metabuilder.rateLimit", required=("key", "limit", "window")),
        NodeSpec("metabuilder.script", required=("script",)),
        NodeSpec("metabuilder.httpRequest", required=("url",)),
        NodeSpec("metabuilder.switch", required=("value", "cases")),
        NodeSpec("metabuilder.merge"),
        NodeSpec("metabuilder.parallel"),
        NodeSpec("metabuilder.loop", required=("items",), outputs=("item", "done")),
        NodeSpec("metabuilder.wait", required=(("seconds", "ms", "duration"),)),
        NodeSpec("metabuilder.approval", outputs=("approved", "rejected")),
        NodeSpec("metabuilder.subflow", required=("flow",)),
        NodeSpec("metabuilder.email", required=("to", "subject")),
        NodeSpec("metabuilder.emitEvent", required=("event",)),
    )
}

ALIASES = {
    "metabuilder.branch": "metabuilder.condition",
    "metabuilder.if": "metabuilder.condition",
    "n8n-nodes-base.httpRequest": "metabuilder.httpRequest",
    "smtp-relay-send": "metabuilder.email",
    "metabuilder.sendEmail": "metabuilder.email",
    "metabuilder.waitForApproval": "metabuilder.approval",
    "metabuilder.subFlow": "metabuilder.subflow",
}

# Original operations that validation refuses, with the reason shown to the author.
UNSUPPORTED_OPERATIONS = {
    "bcrypt_hash": "password hashing belongs to the accounts service, not to flows",
    "bcrypt_compare": "password checks belong to the accounts service, not to flows",
    "generate_jwt": "signing tokens needs a server secret flows must not hold",
    "delete_recursive": "flows have no file system access",
    "analyze_image": "media analysis runs as a media job, not a flow node",
    "analyze_video": "media analysis runs as a media job, not a flow node",
    "sse_stream": "streams are served by the run browser, not by a flow node",
}

# `operation` values of the original that spell the type (no separate operation table).
SINGLE_OPERATION = {
    "metabuilder.transform": "transform_data",
    "metabuilder.validate": "validate",
    "metabuilder.condition": "condition",
    "metabuilder.rateLimit": "rate_limit",
    "metabuilder.httpRequest": "http_request",
}


def canonical(type_name: str) -> str | None:
    """The canonical kind of a node type, or None when unknown."""
    if type_name in SPECS:
        return type_name
    return ALIASES.get(type_name)


def outputs_of(kind: str, parameters: Mapping[str, Any]) -> tuple[str, ...]:
    """Named outputs of a node; a switch has one per case plus `default`."""
    if kind == "metabuilder.switch":
        cases = parameters.get("cases")
        names = [
            str(c.get("output"))
            for c in (cases if isinstance(cases, list) else [])
            if isinstance(c, dict) and c.get("output")
        ]
        return (*names, "default")
    spec = SPECS.get(kind)
    return spec.outputs if spec is not None else (MAIN,)
