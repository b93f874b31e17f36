"""The parsed form of a flow definition: nodes, edges between named outputs, triggers.

A definition file (workflow/*.json) is parsed once into these frozen dataclasses
(`engine.flows.parse`); the FlowRun workflow interprets them. Nothing here does I/O, so the
model is safe inside workflow code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

OnError = Literal["stop", "continue", "error"]
Backoff = Literal["fixed", "linear", "exponential", "fibonacci"]
TriggerKind = Literal["manual", "page", "webhook", "schedule", "entity", "event"]

MAIN = "main"
ERROR_OUTPUT = "error"


@dataclass(frozen=True)
class Retry:
    """Per-node retries, run by the workflow itself (durable timers between attempts)."""

    max_attempts: int = 1
    backoff: Backoff = "exponential"
    initial_ms: int = 200
    max_ms: int = 30_000

    def delay_ms(self, attempt: int) -> int:
        """The wait after failed attempt number `attempt` (1-based)."""
        if self.backoff == "fixed":
            delay = self.initial_ms
        elif self.backoff == "linear":
            delay = self.initial_ms * attempt
        elif self.backoff == "fibonacci":
            a, b = 1, 1
            for _ in range(attempt - 1):
                a, b = b, a + b
            delay = self.initial_ms * a
        else:
            delay = self.initial_ms * 2 ** (attempt - 1)
        return min(delay, self.max_ms)


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    """Canonical node type (`metabuilder.database`, `metabuilder.branch`...)."""
    type: str
    """The type as written in the file (aliases keep their spelling for reports)."""
    name: str = ""
    operation: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    on_error: OnError = "stop"
    retry: Retry = field(default_factory=Retry)
    disabled: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    output: str
    target: str


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    min_level: int = 0
    entity: str | None = None
    ops: tuple[str, ...] = ("create", "update", "delete")
    secret_name: str | None = None
    run_as_level: int = 0
    schedule: str | None = None
    timezone: str | None = None
    event: str | None = None
    """The event name an `event` trigger listens to (`engine.flows.events`)."""
    run_as_declared: bool = False
    """`runAsLevel` was written: an event-started run then acts as no user at that level
    instead of as the emitting run's user."""


@dataclass(frozen=True)
class Flow:
    id: str
    name: str
    nodes: dict[str, Node]
    edges: tuple[Edge, ...]
    triggers: tuple[Trigger, ...] = ()
    min_level: int | None = None
    dialect: Literal["n8n", "linked"] = "n8n"

    def outgoing(self, node_id: str, output: str | None = None) -> list[Edge]:
        return [
            e for e in self.edges if e.source == node_id and (output is None or e.output == output)
        ]

    def incoming(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id]

    def trigger(self, kind: str) -> Trigger | None:
        return next((t for t in self.triggers if t.kind == kind), None)
