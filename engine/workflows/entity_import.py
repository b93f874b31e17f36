"""EntityImport: a large import of entity rows as one durable run, with progress.

The web app stores the uploaded file in the data directory and starts this workflow; its one
activity (worker/entity_import.py) runs `dbal.entity_import.import_rows` over the file in one
transaction, heartbeating the records read so far (visible on the pending activity, in
Temporal UI and through `GET .../_imports/{run}`), and returns the import report. The
activity is not retried: a second attempt could not know how far the first one got, and the
transaction makes a failed attempt leave nothing behind; a bad file is a report, not an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from engine import search_attributes

IMPORT_ACTIVITY = "entity_import_rows"
KIND = "import"


@dataclass
class EntityImportInput:
    tenant_id: str
    tenant_slug: str
    package_id: str
    entity: str
    file: str  # relative to the data directory
    format: str
    mode: str = "all"
    dry_run: bool = False
    user_id: str | None = None
    user_level: int = 0


@workflow.defn(name="EntityImport")
class EntityImport:
    @workflow.run
    async def run(self, params: EntityImportInput) -> dict[str, Any]:
        report: dict[str, Any] = await workflow.execute_activity(
            IMPORT_ACTIVITY,
            params,
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        return report


def run_id(params: EntityImportInput, key: str) -> str:
    """The readable workflow id of an import: {tenant}/{package}/import-{entity}/{key}."""
    return f"{params.tenant_slug}/{params.package_id}/import-{params.entity}/{key}"


async def start_import(
    client: Client, task_queue: str, params: EntityImportInput
) -> tuple[str, WorkflowHandle[Any, dict[str, Any]]]:
    """Start the run; returns its key (the last part of the id) and its handle."""
    key = str(uuid.uuid4())
    handle = await client.start_workflow(
        EntityImport.run,
        params,
        id=run_id(params, key),
        task_queue=task_queue,
        search_attributes=search_attributes.run_attributes(
            tenant=params.tenant_slug,
            package=params.package_id,
            action=f"import-{params.entity}",
            user=params.user_id,
            kind=KIND,
        ),
    )
    return key, handle
