"""The run browser's visibility query: URL filters -> one Temporal list filter, tenant first.

Every value that reaches the query is checked against a pattern first (identifiers, user ids,
kinds), taken from a fixed list (status) or parsed and printed again (times), so no value can
close its quotes, add `OR` or comment the rest out; a bad value is a 422 naming the filter.
The tenant clause comes from the tenant the URL names, after the caller was checked against
it, and every other clause is ANDed to it. Viewers below admin get their own user id ANDed too.

Temporal's SQL visibility (the dev server, SQL clusters) refuses `ORDER BY`; its own order is
newest first (running runs, then by close time), which is the order the API promises.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from temporalio.client import WorkflowExecutionStatus

from engine import search_attributes

# Identifiers as packages, actions and kinds spell them; user ids are UUIDs or similar tokens.
IDENTIFIER: Final = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$")
TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]+$")
TENANT_SLUG: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
STATUSES: Final[dict[str, WorkflowExecutionStatus]] = {
    "running": WorkflowExecutionStatus.RUNNING,
    "completed": WorkflowExecutionStatus.COMPLETED,
    "failed": WorkflowExecutionStatus.FAILED,
    "cancelled": WorkflowExecutionStatus.CANCELED,
    "terminated": WorkflowExecutionStatus.TERMINATED,
    "continued_as_new": WorkflowExecutionStatus.CONTINUED_AS_NEW,
    "timed_out": WorkflowExecutionStatus.TIMED_OUT,
}
# The names visibility queries use for ExecutionStatus values.
_QUERY_STATUS: Final = {
    WorkflowExecutionStatus.RUNNING: "Running",
    WorkflowExecutionStatus.COMPLETED: "Completed",
    WorkflowExecutionStatus.FAILED: "Failed",
    WorkflowExecutionStatus.CANCELED: "Canceled",
    WorkflowExecutionStatus.TERMINATED: "Terminated",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "ContinuedAsNew",
    WorkflowExecutionStatus.TIMED_OUT: "TimedOut",
}
DEFAULT_LIMIT: Final = 25
MAX_LIMIT: Final = 100
MAX_TOKEN_CHARS: Final = 4096
_ATTRIBUTE_FILTERS: Final = (
    ("package", search_attributes.PACKAGE.name),
    ("action", search_attributes.ACTION.name),
    ("kind", search_attributes.KIND.name),
    ("user", search_attributes.USER.name),
)


class FilterInvalid(Exception):
    """A filter value the run browser refuses; `field` names the query parameter."""

    def __init__(self, field: str, expected: str) -> None:
        super().__init__(f"{field}: expected {expected}")
        self.field = field
        self.expected = expected


@dataclass(frozen=True)
class RunFilters:
    package: str | None = None
    action: str | None = None
    kind: str | None = None
    user: str | None = None
    status: WorkflowExecutionStatus | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    token: bytes | None = None


def status_name(status: WorkflowExecutionStatus | None) -> str:
    for name, value in STATUSES.items():
        if value == status:
            return name
    return "unknown"


def parse_filters(params: Mapping[str, str]) -> RunFilters:
    """The filters of `GET /runs`; unknown parameters are ignored, bad values refused."""
    values: dict[str, str | None] = {}
    for field, _ in _ATTRIBUTE_FILTERS:
        raw = params.get(field) or None
        if raw is not None and not IDENTIFIER.match(raw):
            raise FilterInvalid(field, "letters, digits and '_', '.', ':', '-' (at most 128)")
        values[field] = raw
    status = None
    if params.get("status"):
        status = STATUSES.get(params["status"])
        if status is None:
            raise FilterInvalid("status", "one of " + ", ".join(STATUSES))
    return RunFilters(
        package=values["package"],
        action=values["action"],
        kind=values["kind"],
        user=values["user"],
        status=status,
        started_after=parse_time(params, "startedAfter"),
        started_before=parse_time(params, "startedBefore"),
    )


def parse_time(params: Mapping[str, str], field: str) -> datetime | None:
    raw = params.get(field)
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise FilterInvalid(field, "an ISO 8601 time, e.g. 2026-01-05T09:00:00Z") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_page(params: Mapping[str, str]) -> PageRequest:
    limit = DEFAULT_LIMIT
    if params.get("limit"):
        raw = params["limit"]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
            raise FilterInvalid("limit", f"an integer 1..{MAX_LIMIT}")
        limit = int(raw)
    return PageRequest(limit=limit, token=decode_token(params.get("pageToken")))


def encode_token(token: bytes | None) -> str | None:
    """Temporal's next-page token, opaque to the client (URL-safe base64)."""
    if not token:
        return None
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode_token(raw: str | None) -> bytes | None:
    if not raw:
        return None
    if len(raw) > MAX_TOKEN_CHARS or not TOKEN.match(raw):
        raise FilterInvalid("pageToken", "a token from a previous page")
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise FilterInvalid("pageToken", "a token from a previous page") from None


def _literal(value: str) -> str:
    # Values were checked against IDENTIFIER / TENANT_SLUG, so they hold no quote or backslash;
    # this check keeps it so if a caller ever forgets.
    if not IDENTIFIER.match(value):
        raise FilterInvalid("value", "an identifier")
    return f"'{value}'"


def _time(value: datetime) -> str:
    return "'" + value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "'"


def build_query(tenant_slug: str, filters: RunFilters, *, only_user: str | None = None) -> str:
    """The list filter for one tenant; `only_user` (viewers below admin) is ANDed last."""
    if not TENANT_SLUG.match(tenant_slug):
        raise FilterInvalid("tenant", "a tenant slug")
    clauses = [f"{search_attributes.TENANT.name} = {_literal(tenant_slug)}"]
    for field, attribute in _ATTRIBUTE_FILTERS:
        value = getattr(filters, field)
        if value is not None:
            clauses.append(f"{attribute} = {_literal(value)}")
    if filters.status is not None:
        clauses.append(f"ExecutionStatus = '{_QUERY_STATUS[filters.status]}'")
    if filters.started_after is not None:
        clauses.append(f"StartTime >= {_time(filters.started_after)}")
    if filters.started_before is not None:
        clauses.append(f"StartTime < {_time(filters.started_before)}")
    if only_user is not None:
        clauses.append(f"{search_attributes.USER.name} = {_literal(only_user)}")
    return " AND ".join(clauses)
