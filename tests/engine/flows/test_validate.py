"""Flow validation: each rule as a case, with the node id and field it must name."""

from __future__ import annotations

from typing import Any

import pytest

from engine.flows.errors import FlowInvalid
from engine.flows.parse import parse_flow
from engine.flows.validate import checked_flow, validate_definition
from tests.engine.flows.defs import flow, node

OK = flow(node("a", "transform", output=1), node("b", "transform", output=2), edges=["a>b"])


def issues(doc: Any, **options: Any) -> set[tuple[str | None, str | None, str]]:
    _, found = validate_definition(doc, **options)
    return {(i.node, i.field, i.code) for i in found}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("not an object", (None, None, "not_an_object")),
        ({"nodes": []}, (None, "nodes", "no_nodes")),
        (flow(node("a", "nosuch")), ("a", "type", "unknown_type")),
        (
            flow(node("a", "database", entity="x")),
            ("a", "parameters.operation", "missing_parameter"),
        ),
        (
            flow(node("a", "database", operation="database_zap", entity="x")),
            ("a", "parameters.operation", "unknown_operation"),
        ),
        (
            flow(node("a", "operation", operation="bcrypt_hash", input="x")),
            ("a", "parameters.operation", "unsupported_operation"),
        ),
        (
            flow(node("a", "database", operation="database_create", entity="x")),
            ("a", "parameters.data", "missing_parameter"),
        ),
        (flow(node("a", "condition")), ("a", "parameters.condition", "missing_parameter")),
        (flow(node("a", "transform")), ("a", "parameters.output", "missing_parameter")),
        (
            flow(node("a", "transform", output={"x": ["{{ 1 + }}"]})),
            ("a", "parameters.output.x[0]", "bad_expression"),
        ),
        (
            flow(node("a", "transform", output="{{ $json.__proto__ }}")),
            ("a", "parameters.output", "bad_expression"),
        ),
        (
            flow(node("a", "transform", output=1), edges=["a>ghost"]),
            ("a", "connections.a.main[0][0].node", "dangling_connection"),
        ),
        (
            flow(node("a", "transform", output=1), edges=["ghost>a"]),
            (None, "connections.ghost", "dangling_connection"),
        ),
        (
            flow(
                node("a", "transform", output=1),
                node("b", "transform", output=1),
                edges=["a:nope>b"],
            ),
            ("a", "connections.a.nope[0]", "unknown_output"),
        ),
        (
            flow(
                node("a", "transform", output=1),
                node("b", "transform", output=1),
                edges=["a>b", "b>a"],
            ),
            ("a", "connections", "cycle"),
        ),
        (flow(node("a", "wait", duration="soon")), ("a", "parameters.duration", "bad_parameter")),
        (flow(node("a", "approval", minLevel=9)), ("a", "parameters.minLevel", "bad_level")),
        (
            flow(node("a", "switch", value=1, cases=[{"value": 1}])),
            ("a", "parameters.cases", "bad_parameter"),
        ),
        (
            flow(node("a", "transform", output=1, onError="explode")),
            ("a", "onError", "bad_on_error"),
        ),
        (
            flow(node("a", "transform", output=1, retry={"maxAttempts": 99})),
            ("a", "retry.maxAttempts", "bad_retry"),
        ),
        (
            flow(node("a", "transform", output=1), node("a", "transform", output=2)),
            ("a", None, "duplicate_node"),
        ),
        ({**OK, "triggers": [{"kind": "cron"}]}, (None, "triggers[0].kind", "bad_trigger")),
        ({**OK, "triggers": [{"kind": "schedule"}]}, (None, "triggers[0].schedule", "bad_trigger")),
        ({**OK, "triggers": [{"kind": "event"}]}, (None, "triggers[0].event", "bad_trigger")),
        (
            {**OK, "triggers": [{"kind": "event", "entity": 3}]},
            (None, "triggers[0].entity", "bad_trigger"),
        ),
        (
            {**OK, "triggers": [{"kind": "webhook", "runAsLevel": 5}]},
            (None, "triggers[0].runAsLevel", "bad_level"),
        ),
    ],
)
def test_each_problem_names_its_node_and_field(doc: Any, expected: tuple[Any, ...]) -> None:
    assert expected in issues(doc)


def test_a_valid_flow_has_no_issues() -> None:
    assert issues(OK) == set()


def test_a_cycle_through_a_loop_node_is_an_iteration_not_an_error() -> None:
    looped = flow(
        node("each", "loop", items="{{ [1, 2] }}"),
        node("body", "transform", output="{{ $item }}"),
        edges=["each:item>body", "body>each"],
    )
    assert issues(looped) == set()


def test_a_subflow_must_name_a_known_flow_when_the_package_is_known() -> None:
    doc = flow(node("call", "subflow", flow="child"))
    assert issues(doc) == set()
    assert ("call", "parameters.flow", "unknown_flow") in issues(doc, known_flows={"other"})


def test_checked_flow_raises_with_every_issue() -> None:
    with pytest.raises(FlowInvalid) as caught:
        checked_flow(flow(node("a", "nosuch"), node("b", "transform")))
    assert [i.node for i in caught.value.issues] == ["a", "b"]
    assert "node 'a'" in caught.value.message


def test_n8n_main_slots_map_to_named_outputs_and_names_resolve() -> None:
    doc = {
        "nodes": [
            {
                "id": "c",
                "name": "Check",
                "type": "metabuilder.condition",
                "parameters": {"condition": "{{ 1 }}"},
            },
            {
                "id": "y",
                "name": "Yes",
                "type": "metabuilder.transform",
                "parameters": {"output": 1},
            },
            {"id": "n", "name": "No", "type": "metabuilder.transform", "parameters": {"output": 0}},
        ],
        "connections": {"Check": {"main": [[{"node": "Yes"}], [{"node": "n"}]]}},
    }
    parsed, found = parse_flow(doc)
    assert not found
    assert {(e.source, e.output, e.target) for e in parsed.edges} == {
        ("c", "true", "y"),
        ("c", "false", "n"),
    }


def test_the_linked_list_dialect_becomes_edges() -> None:
    doc = {
        "id": "linked",
        "startNode": "check",
        "nodes": [
            {
                "id": "check",
                "type": "operation",
                "op": "condition",
                "condition": "{{ $json.ok }}",
                "onSuccess": {"nextNode": "read"},
                "onError": {"nextNode": "fail"},
            },
            {
                "id": "read",
                "type": "action",
                "plugin": "dbal.read",
                "params": {"entity": "x", "id": "1"},
            },
            {"id": "fail", "type": "output", "status": 400},
        ],
    }
    parsed, _ = parse_flow(doc)
    assert parsed.dialect == "linked"
    assert {(e.source, e.output, e.target) for e in parsed.edges} == {
        ("check", "true", "read"),
        ("check", "false", "fail"),
    }
    assert parsed.nodes["read"].parameters["filter"] == {"id": "1"}
    assert ("fail", "type", "unknown_type") in issues(doc)
