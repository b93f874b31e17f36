"""Every node type on the real Temporal dev server, with the real worker components."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import Stack

pytestmark = pytest.mark.temporal


def failure(exc: WorkflowFailureError) -> dict[str, Any]:
    cause = exc.cause
    assert isinstance(cause, ApplicationError)
    return {"message": cause.message, "type": cause.type, **cause.details[0]}


async def test_transform_reads_json_context_env_and_steps(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node(
                "a",
                "transform",
                operation="transform_data",
                output={
                    "name": "{{ $json.name.toUpperCase() }}",
                    "tenant": "{{ $context.tenantSlug }}",
                    "url": "{{ $env.APP_URL }}/x",
                    "level": "{{ $context.user.level }}",
                },
            ),
            node("b", "transform", output="{{ $steps.a.output.name + '!' }}"),
            edges=["a>b"],
        ),
        input={"name": "ada"},
    )
    assert result.output == "ADA!"


async def test_a_falsy_original_condition_stops_its_path(stack: Stack) -> None:
    definition = flow(
        node("check", "condition", operation="condition", condition="{{ $json.go }}"),
        node("after", "transform", output="ran"),
        edges=["check>after"],
    )
    handle = await stack.start(definition, input={"go": False})
    result = await handle.result()
    progress = await handle.query("progress")
    assert progress["nodes"]["check"]["status"] == "done"
    assert progress["nodes"]["after"]["status"] == "skipped"
    assert result.output is False
    assert (await stack.run(definition, input={"go": True})).output == "ran"


@pytest.mark.parametrize(("value", "taken"), [("a", "A"), ("b", "B"), ("zzz", "other")])
async def test_switch_fires_the_named_output_of_the_matching_case(
    stack: Stack, value: str, taken: str
) -> None:
    result = await stack.run(
        flow(
            node(
                "sw",
                "switch",
                value="{{ $json.v }}",
                cases=[
                    {"output": "first", "value": "a"},
                    {"output": "second", "when": "{{ $value === 'b' }}"},
                ],
            ),
            node("A", "transform", output="A"),
            node("B", "transform", output="B"),
            node("other", "transform", output="other"),
            edges=["sw:first>A", "sw:second>B", "sw:default>other"],
        ),
        input={"v": value},
    )
    assert result.output == taken


async def test_branch_parallel_and_merge(stack: Stack) -> None:
    """Both branches of a parallel node run; the merge waits for both; a dead branch is skipped."""
    definition = flow(
        node("fan", "parallel"),
        node("left", "transform", output="{{ $json.n + 1 }}"),
        node("right", "script", script="double", input={"n": "{{ $json.n }}"}),
        node("gate", "branch", condition="{{ $json.n > 100 }}"),
        node("never", "transform", output="big"),
        node("join", "merge"),
        edges=[
            "fan>left",
            "fan>right",
            "fan>gate",
            "gate:true>never",
            "left>join",
            "right>join",
            "never>join",
        ],
    )
    handle = await stack.start(definition, input={"n": 20})
    result = await handle.result()
    assert result.output == {"left": 21, "right": {"n": 40}}
    nodes = (await handle.query("progress"))["nodes"]
    assert nodes["never"]["status"] == "skipped" and nodes["join"]["status"] == "done"


async def test_loop_runs_its_body_per_item_and_then_done(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node("each", "loop", items="{{ $json.items }}"),
            node("twice", "script", script="double", input={"n": "{{ $item }}"}),
            node("label", "transform", output="{{ $index + ':' + $steps.twice.output.n }}"),
            node("total", "transform", output="{{ $steps.each.output.join(',') }}"),
            edges=["each:item>twice", "twice>label", "label>each", "each:done>total"],
        ),
        input={"items": [1, 2, 3]},
    )
    assert result.output == "0:2,1:4,2:6"


async def test_nested_loops_run_their_own_bodies(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node("rows", "loop", items="{{ $json.rows }}"),
            node("cells", "loop", items="{{ $item }}"),
            node("cell", "transform", output="{{ $item * 10 }}"),
            node("row", "transform", output="{{ $steps.cells.output.join('+') }}"),
            node("all", "transform", output="{{ $steps.rows.output.join(' | ') }}"),
            edges=[
                "rows:item>cells",
                "cells:item>cell",
                "cell>cells",
                "cells:done>row",
                "row>rows",
                "rows:done>all",
            ],
        ),
        input={"rows": [[1, 2], [3]]},
    )
    assert result.output == "10+20 | 30"


async def test_database_nodes_create_read_update_count_and_delete(stack: Stack) -> None:
    title = f"note-{uuid.uuid4().hex[:8]}"
    result = await stack.run(
        flow(
            node(
                "create",
                "database",
                operation="database_create",
                entity="note",
                data={"title": title, "tenantId": "{{ $context.tenantId }}"},
            ),
            node(
                "read",
                "database",
                operation="database_read",
                entity="note",
                filter={"title": title, "tenantId": "{{ $context.tenantId }}"},
            ),
            node(
                "update",
                "database",
                operation="database_update",
                entity="note",
                filter={"id": "{{ $steps.create.output.id }}"},
                data={"count": 5},
            ),
            node(
                "count",
                "operation",
                operation="database_count",
                entity="note",
                filter={"count": {"$gte": 5}, "title": title},
            ),
            node(
                "delete",
                "database",
                operation="database_delete",
                entity="note",
                filter={"id": "{{ $steps.create.output.id }}"},
            ),
            node(
                "out",
                "transform",
                output={
                    "read": "{{ $steps.read.output.title }}",
                    "count": "{{ $steps.count.output }}",
                    "deleted": "{{ $steps.delete.output }}",
                    "updated": "{{ $steps.update.output.count }}",
                },
            ),
            edges=["create>read", "read>update", "update>count", "count>delete", "delete>out"],
        ),
        level=3,
    )
    assert result.output == {"read": title, "count": 1, "deleted": True, "updated": 5}
    assert not [n for n in stack.notes() if n["title"] == title]


async def test_database_nodes_act_under_the_callers_level(stack: Stack) -> None:
    """Deleting notes needs level 3 (x-acl): a level-1 run fails on that node."""
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(
            flow(
                node(
                    "del",
                    "operation",
                    operation="database_delete_many",
                    entity="note",
                    filter={"title": "x"},
                )
            ),
            level=1,
        )
    assert failure(caught.value)["node"] == "del"
    assert failure(caught.value)["code"] == "FORBIDDEN"


async def test_validate_node_rejects_bad_input_with_field_messages(stack: Stack) -> None:
    definition = flow(
        node(
            "v",
            "validate",
            operation="validate",
            input="{{ $json }}",
            rules={"email": "required|email", "name": "string|minLength:3"},
        ),
    )
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(definition, input={"email": "nope", "name": "al"})
    details = failure(caught.value)
    assert details["code"] == "VALIDATION_FAILED" and details["node"] == "v"
    assert set(details["details"]) == {"email", "name"}
    ok = await stack.run(definition, input={"email": "a@b.co", "name": "alan"})
    assert ok.output == {"email": "a@b.co", "name": "alan"}


async def test_actions_emit_events_log_and_set_the_http_response(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node(
                "ev",
                "action",
                action="emit_event",
                event="thing_done",
                channel="{{ 'c:' + $json.id }}",
                data={"id": "{{ $json.id }}"},
            ),
            node("ev2", "emitEvent", event="second"),
            node("log", "action", action="log", message="done {{ $json.id }}"),
            node(
                "reply", "action", action="http_response", status=201, body={"id": "{{ $json.id }}"}
            ),
            edges=["ev>ev2", "ev2>log", "log>reply"],
        ),
        input={"id": "7"},
    )
    assert result.events == [
        {"name": "thing_done", "data": {"id": "7"}, "channel": "c:7"},
        {"name": "second", "data": None},
    ]
    assert result.logs == [{"node": "log", "level": "info", "message": "done 7"}]
    assert result.response == {"status": 201, "body": {"id": "7"}, "headers": {}}


async def test_operations_hash_and_token(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node("h", "operation", operation="sha256", input="abc"),
            node("t", "operation", operation="generate_random_token", length=24),
            node(
                "out",
                "transform",
                output={"h": "{{ $steps.h.output }}", "t": "{{ $steps.t.output.length }}"},
            ),
            edges=["h>t", "t>out"],
        )
    )
    assert result.output["h"].startswith("ba7816bf")
    assert result.output["t"] == 24


async def test_parallel_operation_runs_database_tasks_together(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node(
                "p",
                "operation",
                operation="parallel",
                tasks=[
                    {
                        "id": "all",
                        "op": "database_count",
                        "entity": "note",
                        "params": {"filter": {}},
                    },
                    {
                        "id": "none",
                        "op": "database_count",
                        "entity": "note",
                        "params": {"filter": {"title": "no such title"}},
                    },
                ],
            )
        )
    )
    assert result.output["none"] == 0 and isinstance(result.output["all"], int)


async def test_http_node_calls_an_allow_listed_host(stack: Stack) -> None:
    port = stack.world.http_port
    result = await stack.run(
        flow(node("get", "httpRequest", url=f"http://127.0.0.1:{port}/ok", method="GET"))
    )
    assert result.output["status"] == 200 and result.output["body"]["ok"] is True


async def test_http_node_refuses_hosts_outside_the_allow_list(stack: Stack) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(flow(node("get", "httpRequest", url="http://localhost:9/x")))
    assert failure(caught.value)["code"] == "NOT_ALLOWED"


async def test_email_node_sends_through_the_tenants_smtp_server(stack: Stack) -> None:
    to = f"{uuid.uuid4().hex[:8]}@example.com"
    result = await stack.run(
        flow(
            node(
                "mail", "email", to=to, subject="Hello {{ $json.name }}", text="Hi {{ $json.name }}"
            )
        ),
        input={"name": "Ada"},
    )
    assert result.output["to"] == [to]
    received = [m for m in stack.world.mailbox.messages if m["to"] == [to]]
    assert len(received) == 1
    assert "Subject: Hello Ada" in received[0]["data"] and "Hi Ada" in received[0]["data"]


async def test_original_email_send_renders_its_template_name_and_data(stack: Stack) -> None:
    to = f"{uuid.uuid4().hex[:8]}@example.com"
    await stack.run(
        flow(
            node(
                "mail",
                "operation",
                operation="email_send",
                to="{{ $json.email }}",
                subject="Reset",
                template="password_reset",
                data={"link": "{{ $env.APP_URL }}/reset/abc"},
            )
        ),
        input={"email": to},
    )
    received = [m for m in stack.world.mailbox.messages if m["to"] == [to]]
    assert len(received) == 1
    assert "password_reset" in received[0]["data"]
    assert "link: https://app.example/reset/abc" in received[0]["data"]


async def test_rate_limit_node_refuses_over_the_limit(stack: Stack) -> None:
    definition = flow(
        node(
            "rl",
            "rateLimit",
            operation="rate_limit",
            key=f"k-{uuid.uuid4()}",
            limit=1,
            window=60_000,
            errorMessage="slow down",
        ),
    )
    assert (await stack.run(definition)).output["allowed"] is True
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(definition)
    assert failure(caught.value)["code"] == "RATE_LIMITED"
    assert failure(caught.value)["message"] == "slow down"


async def test_subflow_runs_as_a_child_workflow(stack: Stack) -> None:
    child = flow(node("inc", "transform", output="{{ $json.n + 1 }}"), id="child")
    parent = flow(
        node("call", "subflow", flow="child", input={"n": "{{ $json.n }}"}),
        node("out", "transform", output="{{ $steps.call.output * 10 }}"),
        edges=["call>out"],
        id="parent",
    )
    result = await stack.run(parent, input={"n": 4}, subflows={"child": child})
    assert result.output == 50


async def test_a_subflow_that_was_not_pinned_fails_validation(stack: Stack) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(flow(node("call", "subflow", flow="missing")))
    details = failure(caught.value)
    assert details["code"] == "FLOW_INVALID"
    assert details["issues"][0] == {
        "code": "unknown_flow",
        "message": "no flow 'missing' in this package",
        "node": "call",
        "field": "parameters.flow",
    }


async def test_wait_node_sleeps_on_a_durable_timer(stack: Stack) -> None:
    handle = await stack.start(
        flow(
            node("w", "wait", duration="300ms"),
            node("after", "transform", output="woke"),
            edges=["w>after"],
        )
    )
    result = await handle.result()
    assert result.output == "woke"
    history = (await handle.fetch_history()).events
    assert any(e.HasField("timer_started_event_attributes") for e in history)


async def test_progress_reports_every_node_with_times_and_outputs(stack: Stack) -> None:
    handle = await stack.start(
        flow(node("a", "transform", output=1), node("b", "transform", output=2), edges=["a>b"])
    )
    await handle.result()
    progress = await handle.query("progress")
    assert progress["status"] == "completed"
    assert set(progress["nodes"]) == {"a", "b"}
    for entry in progress["nodes"].values():
        assert entry["status"] == "done" and entry["startedAt"] and entry["endedAt"]
    assert progress["nodes"]["b"]["output"] == 2
