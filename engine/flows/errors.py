"""Errors of the flows layer, and validation issues as data.

EngineError (engine.errors)
└── FlowError
    ├── FlowNotFound     no such flow in an installed package, or not startable this way
    ├── FlowDenied       the caller's level is below what the flow or its trigger needs
    └── FlowInvalid      the definition fails validation; `issues` says where (node, field)

Failures *inside* a run are Temporal `ApplicationError`s of type `FlowFailed` (see
engine.workflows.flow_run), with `{code, message, node}` details.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.errors import EngineError


@dataclass(frozen=True)
class Issue:
    """One validation problem: what, and where (node id and parameter path)."""

    code: str
    message: str
    node: str | None = None
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class FlowError(EngineError):
    pass


class FlowNotFound(FlowError):
    pass


class FlowDenied(FlowError):
    pass


class FlowInvalid(FlowError):
    def __init__(self, flow_id: str, issues: list[Issue]) -> None:
        first = issues[0] if issues else None
        where = f" (node {first.node!r})" if first and first.node else ""
        detail = f": {first.message}{where}" if first else ""
        super().__init__(f"flow {flow_id!r} is not valid{detail}")
        self.flow_id = flow_id
        self.issues = issues
