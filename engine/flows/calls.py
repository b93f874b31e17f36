"""What flow nodes send to the worker's flow activities (worker/flows.py), and how they fail.

One payload type for every flow activity (`FlowCall`): who calls (tenant, user, level,
package), from where (workflow id, node id) and the idempotency `key`, derived from the
workflow id, the node id and the loop position, never from the attempt: a retried activity
gets the same key, so a create writes its row once (the key becomes the row id).

A node failure crosses the activity boundary as a non-retryable `ApplicationError` of type
`FlowNodeError` with details `{code, message, retryable}`; the workflow then applies the
node's own retry policy and `onError`. Infrastructure failures (a worker killed mid-call,
a timeout) are retried by Temporal with `INFRA_RETRY` before the node sees them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

NODE_ERROR = "FlowNodeError"
DATABASE_ACTIVITY = "flow_database"
HTTP_ACTIVITY = "flow_http"
EMAIL_ACTIVITY = "flow_email"
RATE_LIMIT_ACTIVITY = "flow_rate_limit"

KEY_NAMESPACE = uuid.UUID("0b0e6a5e-57a7-4f8e-9a55-7c1f5d3e2a10")

INFRA_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=5),
    maximum_attempts=10,
    non_retryable_error_types=[NODE_ERROR],
)
# run_script's own business failure type is ScriptError (engine.workflows.script_run).
SCRIPT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_attempts=10,
    non_retryable_error_types=[NODE_ERROR, "ScriptError"],
)
LOCAL_TIMEOUT = timedelta(seconds=30)
REMOTE_TIMEOUT = timedelta(seconds=30)


@dataclass
class FlowCall:
    tenant_id: str
    tenant_slug: str
    package_id: str
    workflow_id: str
    node_id: str
    key: str
    op: str
    params: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    user_level: int = 0


def idempotency_key(workflow_id: str, position: str) -> str:
    """A stable 36-character id for one node execution (`position`: node id + loop path)."""
    return str(uuid.uuid5(KEY_NAMESPACE, f"{workflow_id}/{position}"))
