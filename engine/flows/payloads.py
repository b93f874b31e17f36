"""The FlowRun workflow's payloads: one dataclass in, one out, one per approval decision.

`FlowRunInput` carries the pinned definition itself (and the definitions of the sub-flows it
may start), so changing or uninstalling a flow never breaks a run in flight. A Temporal
Schedule can start a flow with a plain `FlowRunInput` (trigger "schedule"). `depth` counts
sub-flow nesting, `event_depth` the named events that led to this run (`engine.flows.events`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLOW_FAILED = "FlowFailed"
FLOW_INVALID = "FlowInvalid"
APPROVAL_REFUSED = "ApprovalRefused"
MAX_DEPTH = 8


@dataclass
class FlowRunInput:
    tenant_id: str
    tenant_slug: str
    package_id: str
    flow_id: str
    definition: dict[str, Any]
    input: Any = None
    user_id: str | None = None
    user_level: int = 0
    trigger: str = "manual"
    env: dict[str, Any] = field(default_factory=dict)
    subflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    depth: int = 0
    event_depth: int = 0


@dataclass
class FlowRunResult:
    output: Any = None
    response: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    triggered: list[dict[str, Any]] = field(default_factory=list)
    """The runs this run's own events started: `{event, package, flow, workflowId}`."""


@dataclass
class ApprovalDecision:
    """Who decides, as the web layer authenticated them; the workflow checks level and tenant."""

    approved: bool
    tenant_id: str
    user_id: str | None = None
    user_level: int = 0
    node_id: str | None = None
    comment: str | None = None
