"""The original project's 49 workflow files (HEAD `packages/*/workflow/`): validated, and run
on the real stack where their nodes allow, with a report of which and why not.

The original packages are imported into our format (`import_original`, which brings their
DBAL entities along) and installed into a tenant; every file is validated as it is, and
every valid one is run once with the same sample request (level 3 user). The report goes to
`test-artifacts/flows-original.json`; engine/flows/README.md summarises it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from dbal.database import Database
from dbal.scope import Scope
from engine.flows.dispatch import attributes
from engine.flows.validate import validate_definition
from engine.packages import Catalog
from engine.packages.importer import import_original
from engine.packages.lifecycle import PackageManager
from engine.workflows.flow_run import FlowRunInput, FlowRunResult
from scripts_runtime.sandbox import SandboxPool
from tests.engine.flows.harness import Mailbox, World, worker

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
ORIGINAL = ROOT.parent / "shared" / "compat" / "original"
HEAD = ORIGINAL / "head" / "packages"
ARTIFACT = ROOT / "test-artifacts" / "flows-original.json"
SAMPLE = {
    "title": "Hello flows",
    "content": "A first post with enough words",
    "name": "Ada",
    "email": "ada@example.com",
    "password": "correct horse battery",
    "username": "ada",
    "data": [{"id": "2", "name": "b", "createdAt": 2}, {"id": "1", "name": "a", "createdAt": 1}],
    "filters": {},
    "page": 1,
    "limit": 10,
    "sortBy": "name",
    "sortOrder": "asc",
    "channel": "general",
    "message": "hi",
}


def files() -> list[Path]:
    return sorted(HEAD.glob("*/workflow/*.json"))


async def run_one(client: Client, queue: str, params: FlowRunInput) -> dict[str, Any]:
    handle = await client.start_workflow(
        "FlowRun",
        params,
        id=f"orig/{params.package_id}/flow:{params.flow_id}/{uuid.uuid4()}",
        task_queue=queue,
        result_type=FlowRunResult,
        search_attributes=attributes(params),
    )
    try:
        await asyncio.wait_for(handle.result(), timeout=20)
    except WorkflowFailureError as exc:
        cause = exc.cause
        details = cause.details[0] if isinstance(cause, ApplicationError) and cause.details else {}
        return {
            "status": "failed",
            "node": details.get("node"),
            "code": details.get("code"),
            "message": str(details.get("message") or cause)[:300],
        }
    except TimeoutError:
        progress = await handle.query("progress")
        await handle.terminate()
        return {"status": "timeout", "progress": progress}
    progress = await handle.query("progress")
    ran = sum(1 for n in progress["nodes"].values() if n["status"] == "done")
    return {"status": "completed", "nodesDone": ran, "nodesSkipped": len(progress["nodes"]) - ran}


@pytest.mark.skipif(not HEAD.is_dir(), reason="the original corpus is not in this workspace")
async def test_original_workflows_validate_and_run_where_their_nodes_allow(
    tmp_path: Path, temporal_client: Client, task_queue: str, sandbox_pool: SandboxPool
) -> None:
    out = tmp_path / "imported"
    import_original(ORIGINAL / "jan8" / "packages", out, head=HEAD, dbal=ORIGINAL / "head" / "dbal")
    catalog = Catalog([out], mode="tolerant")
    db = Database.connect(f"sqlite:///{tmp_path / 'orig.db'}")
    db.upgrade()
    tenant = db.tenants.create(Scope.system(), "orig", "Original")
    installed: dict[str, str | None] = {}
    for package in sorted({p.parent.parent.name for p in files()}):
        try:
            PackageManager(db, catalog).install(tenant["id"], package)
            installed[package] = None
        except Exception as exc:  # the report says why a package could not be installed
            installed[package] = f"{type(exc).__name__}: {str(exc)[:200]}"
    world = World(db, catalog, {"orig": tenant}, Mailbox(), 0)
    report: list[dict[str, Any]] = []
    async with worker(world, temporal_client, task_queue, sandbox_pool):
        for path in files():
            package = path.parent.parent.name
            doc = json.loads(path.read_text())
            flow, issues = validate_definition(doc, fallback_id=path.stem)
            entry: dict[str, Any] = {
                "package": package,
                "file": f"{package}/workflow/{path.name}",
                "id": flow.id,
                "dialect": flow.dialect,
                "nodes": len(flow.nodes),
                "valid": not issues,
                "issues": [i.to_json() for i in issues],
            }
            if issues:
                entry["run"] = {"status": "not run", "reason": "does not validate"}
            elif installed[package] is not None:
                entry["run"] = {
                    "status": "not run",
                    "reason": f"install failed: {installed[package]}",
                }
            else:
                params = FlowRunInput(
                    tenant["id"], "orig", package, flow.id, doc, dict(SAMPLE), "orig-user", 3
                )
                entry["run"] = await run_one(temporal_client, task_queue, params)
            report.append(entry)
    db.close()
    summary = {
        "files": len(report),
        "valid": sum(e["valid"] for e in report),
        "run": Counter(e["run"]["status"] for e in report),
        "issue_codes": Counter(i["code"] for e in report for i in e["issues"]),
        "failure_codes": Counter(
            str(e["run"].get("code")) for e in report if e["run"]["status"] == "failed"
        ),
    }
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(json.dumps({"summary": summary, "flows": report}, indent=2, default=str))
    assert len(report) == 49
    # a file fails validation only for operations we refuse on purpose, the linked-list
    # dialect's plugins we have no node for, or an expression the original got wrong
    refused = {"unsupported_operation", "unknown_type", "bad_expression"}
    assert all(i["code"] in refused for e in report for i in e["issues"]), summary
    assert summary["run"]["completed"] >= 7, summary
    # a run never hangs or crashes the worker: it completes or fails at a named node
    assert all(e["run"]["status"] != "timeout" for e in report)
    assert all(e["run"].get("node") for e in report if e["run"]["status"] == "failed"), summary
