"""Named events start flows: `{"kind": "event", "event": ...}` triggers, exactly once, within
the emitting run's tenant, among its installed and enabled packages, with a depth limit.

The listeners live in test packages written to a temporary directory: `event_demo` (installed
in both tenants), `event_off` (installed but disabled in acme, enabled in globex) and
`event_absent` (in the catalog, installed nowhere). Each listening flow writes a `signal` row
saying what it received and as whom it ran, so a start is seen in the database, per tenant.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Replayer

from dbal.database import Database
from dbal.scope import Scope
from engine.config import builtin_packages_dir
from engine.flows.dispatch import FlowRequest
from engine.flows.errors import FlowDenied
from engine.flows.events import MAX_EVENT_DEPTH, EventBatch, event_key
from engine.flows.parse import parse_flow
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.workflows.flow_run import FlowRun, FlowRunInput, FlowRunResult
from engine.workflows.script_run import ScriptRun, ScriptRunInput, ScriptRunResult
from scripts_runtime.sandbox import SandboxPool
from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import Mailbox, Stack, World, running_stack
from web.api.run_view import close_event, outcome
from worker.flow_events import EventActivities

pytestmark = pytest.mark.temporal

ORDER = "order.placed"
SIGNAL = {
    "title": "signal",
    "type": "object",
    "properties": {
        "flow": {"type": "string"},
        **{k: {"type": ["string", "null"]} for k in ("event", "ref", "source", "actor", "trigger")},
        "level": {"type": ["integer", "null"]},
        "n": {"type": ["integer", "null"]},
    },
    "required": ["flow"],
    "x-acl": {"read": 0, "create": 0, "update": 3, "delete": 3},
}


def recorder(flow_id: str, trigger: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    """A listening flow: write what it got ($json, $context) as a signal row."""
    record = node(
        "record",
        "database",
        operation="database_create",
        entity="signal",
        data={
            "flow": flow_id,
            "event": "{{ $json.event }}",
            "ref": "{{ $json.data.ref }}",
            "n": "{{ $json.data.n }}",
            "source": "{{ $json.source.workflowId }}",
            "actor": "{{ $context.user.id }}",
            "level": "{{ $context.user.level }}",
            "trigger": "{{ $context.trigger }}",
        },
    )
    edges = [f"record>{extra[0]['id']}"] if extra else []
    return flow(record, *extra, id=flow_id, triggers=[trigger], edges=edges)


def write_package(root: Path, package_id: str, flows: list[dict[str, Any]]) -> None:
    base = root / package_id
    (base / "workflow").mkdir(parents=True)
    (base / "entities").mkdir()
    (base / "scripts").mkdir()
    manifest = {
        "id": package_id,
        "name": package_id,
        "version": "1.0.0",
        "description": "Event trigger test package.",
        "minLevel": 0,
        "primary": False,
        "dependencies": {},
        "exports": {"scripts": ["announce"]},
    }
    (base / "package.json").write_text(json.dumps(manifest))
    (base / "entities" / "signal.json").write_text(json.dumps(SIGNAL))
    for doc in flows:
        (base / "workflow" / f"{doc['id']}.json").write_text(json.dumps(doc))
    script = {"name": "announce", "kind": "action", "minLevel": 0, "timeout": 5,
              "input": {"type": "object"}, "body": "announce.py"}  # fmt: skip
    (base / "scripts" / "announce.json").write_text(json.dumps(script))
    (base / "scripts" / "announce.py").write_text(
        "def main(ctx):\n"
        f"    ctx.emit({ORDER!r}, {{'ref': ctx.input.get('ref')}})\n"
        "    return {'announced': ctx.input.get('ref')}\n"
    )


def write_packages(root: Path) -> None:
    ping = recorder(
        "ping",
        {"kind": "event", "event": "ping"},
        node(
            "again",
            "action",
            action="emit_event",
            event="ping",
            data={"n": "{{ $json.data.n + 1 }}"},
        ),
    )
    write_package(
        root,
        "event_demo",
        [
            recorder("on_order", {"kind": "event", "event": ORDER}),
            recorder("on_order_admin", {"kind": "event", "event": ORDER, "minLevel": 3}),
            recorder("on_order_elevated", {"kind": "event", "event": ORDER, "runAsLevel": 2}),
            recorder("on_other", {"kind": "event", "event": "order.cancelled"}),
            ping,
        ],
    )
    write_package(root, "event_off", [recorder("off_order", {"kind": "event", "event": ORDER})])
    write_package(
        root, "event_absent", [recorder("absent_order", {"kind": "event", "event": ORDER})]
    )


def populate(db: Database, catalog: Catalog) -> dict[str, dict[str, Any]]:
    """acme: flow_demo, event_demo, event_off (disabled); globex: the three, all enabled."""
    packages = PackageManager(db, catalog)
    tenants = {}
    for slug in ("acme", "globex"):
        row = db.tenants.create(Scope.system(), slug, slug.title(), {})
        for package_id in ("flow_demo", "event_demo", "event_off"):
            packages.install(row["id"], package_id)
        tenants[slug] = row
    packages.disable(tenants["acme"]["id"], "event_off")
    return tenants


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("event-packages")
    write_packages(root)
    found = Catalog([builtin_packages_dir(), root])
    assert {"event_demo", "event_off", "event_absent"} <= set(found.ids()), found.problems
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[World]:
    path = tmp_path_factory.mktemp("events") / "events.db"
    db = Database.connect(f"sqlite:///{path}")
    db.upgrade()
    try:
        yield World(db, catalog, populate(db, catalog), Mailbox(), 0)
    finally:
        db.close()


def signals(db: Database, tenant_id: str, **where: Any) -> list[dict[str, Any]]:
    rows = db.entities(Scope.system(tenant_id), package="event_demo").list("signal", limit=1000)
    found = [r for r in rows["items"] if all(r.get(k) == v for k, v in where.items())]
    return sorted(found, key=lambda r: (str(r["flow"]), r.get("n") or 0))


async def start(
    stack: Stack,
    definition: dict[str, Any],
    *,
    package: str = "flow_demo",
    tenant: str = "acme",
    user: str | None = "u1",
    level: int = 1,
    subflows: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, FlowRunResult]:
    """Run an inline flow as if it belonged to `package`; its id and result."""
    params = stack.flow_input(definition, tenant=tenant, user=user, level=level, subflows=subflows)
    params.package_id = package
    workflow_id = f"{tenant}/{package}/flow:{params.flow_id}/{uuid.uuid4()}"
    handle = await stack.client.start_workflow(
        "FlowRun", params, id=workflow_id, task_queue=stack.task_queue, result_type=FlowRunResult
    )
    return workflow_id, await asyncio.wait_for(handle.result(), timeout=30)


async def finish(client: Client, triggered: list[dict[str, Any]]) -> list[FlowRunResult]:
    """Wait for every run an emitting run started."""
    handles = [
        client.get_workflow_handle(t["workflowId"], result_type=FlowRunResult) for t in triggered
    ]
    return list(await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 30))


async def describe(client: Client, triggered: dict[str, Any]) -> Any:
    return await client.get_workflow_handle(triggered["workflowId"]).describe()


def started(triggered: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(t["package"], t["flow"]) for t in triggered}


def emitter(event: str = ORDER, ref: str = "A1") -> dict[str, Any]:
    return flow(
        node("emit", "action", action="emit_event", event=event, channel="shop", data={"ref": ref}),
        id="emitter",
    )


# -- a run's events start the tenant's listening flows --------------------------------------


async def test_an_emitted_event_starts_each_listening_flow_of_the_tenant_once(
    stack: Stack,
) -> None:
    source, result = await start(stack, emitter(ref="A1"))
    assert result.events == [{"name": ORDER, "data": {"ref": "A1"}, "channel": "shop"}]
    assert started(result.triggered) == {
        ("event_demo", "on_order"),
        ("event_demo", "on_order_elevated"),
    }
    assert all(
        t["workflowId"].startswith(f"acme/event_demo/flow:{t['flow']}/") for t in result.triggered
    )
    await finish(stack.client, result.triggered)
    acme = stack.tenant("acme")["id"]
    got = signals(stack.db, acme, source=source)
    assert [(s["flow"], s["event"], s["ref"], s["trigger"]) for s in got] == [
        ("on_order", ORDER, "A1", "event"),
        ("on_order_elevated", ORDER, "A1", "event"),
    ]
    # The run browser's detail lists them (web.api.run_view reads the close event).
    shown = await outcome(stack.client, await close_event(stack.client.get_workflow_handle(source)))
    assert shown["triggered"] == result.triggered


async def test_the_started_run_gets_the_event_and_its_source(stack: Stack) -> None:
    source, result = await start(stack, emitter(ref="B2"))
    on_order = next(t for t in result.triggered if t["flow"] == "on_order")
    await finish(stack.client, result.triggered)
    history = await stack.client.get_workflow_handle(on_order["workflowId"]).fetch_history()
    attrs = history.events[0].workflow_execution_started_event_attributes
    [params] = await DataConverter.default.decode(attrs.input.payloads, [FlowRunInput])
    assert params.input == {
        "event": ORDER,
        "data": {"ref": "B2"},
        "channel": "shop",
        "source": {"workflowId": source, "package": "flow_demo", "flow": "emitter"},
    }
    assert (params.trigger, params.event_depth, params.user_id) == ("event", 1, "u1")


async def test_the_started_run_acts_as_the_emitter_or_at_its_trigger_run_as_level(
    stack: Stack,
) -> None:
    source, result = await start(stack, emitter(ref="C3"), user="u-77", level=1)
    await finish(stack.client, result.triggered)
    rows = signals(stack.db, stack.tenant()["id"], source=source)
    got = {s["flow"]: (s["actor"], s["level"]) for s in rows}
    assert got == {"on_order": ("u-77", 1), "on_order_elevated": (None, 2)}


async def test_a_trigger_min_level_ignores_lower_emitters_and_says_so(stack: Stack) -> None:
    _, low = await start(stack, emitter(ref="D4"), level=1)
    assert ("event_demo", "on_order_admin") not in started(low.triggered)
    assert {
        "node": "emit",
        "level": "warning",
        "event": ORDER,
        "message": f"event {ORDER!r}: flow 'on_order_admin' of package 'event_demo' was not "
        "started: its trigger needs level 3, the event was emitted at level 1",
    } in low.logs
    await finish(stack.client, low.triggered)
    source, high = await start(stack, emitter(ref="D5"), level=3)
    assert ("event_demo", "on_order_admin") in started(high.triggered)
    await finish(stack.client, high.triggered)
    assert [s["flow"] for s in signals(stack.db, stack.tenant()["id"], source=source)] == [
        "on_order",
        "on_order_admin",
        "on_order_elevated",
    ]


async def test_only_flows_naming_the_event_are_started(stack: Stack) -> None:
    _, result = await start(stack, emitter(event="order.cancelled"))
    assert started(result.triggered) == {("event_demo", "on_other")}
    await finish(stack.client, result.triggered)
    _, nobody = await start(stack, emitter(event="nobody.listens"))
    assert nobody.triggered == [] and nobody.logs == []


# -- scope: the emitting tenant, its installed and enabled packages -------------------------


async def test_another_tenants_listeners_are_never_started(stack: Stack) -> None:
    globex = stack.tenant("globex")["id"]
    before = signals(stack.db, globex)
    source, result = await start(stack, emitter(ref="E6"), tenant="acme")
    await finish(stack.client, result.triggered)
    assert all(t["workflowId"].startswith("acme/") for t in result.triggered)
    assert signals(stack.db, globex) == before
    assert signals(stack.db, globex, source=source) == []


async def test_a_disabled_or_uninstalled_package_is_not_triggered(stack: Stack) -> None:
    _, acme = await start(stack, emitter(ref="F7"), tenant="acme")
    assert not {p for p, _ in started(acme.triggered)} & {"event_off", "event_absent"}
    await finish(stack.client, acme.triggered)
    # the same package, enabled in globex, does listen: the rule above is what kept it out
    _, globex = await start(stack, emitter(ref="F8"), tenant="globex")
    assert ("event_off", "off_order") in started(globex.triggered)
    assert all(t["workflowId"].startswith("globex/") for t in globex.triggered)
    await finish(stack.client, globex.triggered)


# -- scripts --------------------------------------------------------------------------------


async def test_a_script_run_ctx_emit_starts_listening_flows(stack: Stack) -> None:
    tenant = stack.tenant("acme")
    workflow_id = f"acme/event_demo/announce/{uuid.uuid4()}"
    result = await stack.client.execute_workflow(
        "ScriptRun",
        ScriptRunInput(
            tenant["id"],
            "acme",
            "event_demo",
            "announce",
            input={"ref": "G9"},
            user_id="u-5",
            user_level=1,
        ),
        id=workflow_id,
        task_queue=stack.task_queue,
        result_type=ScriptRunResult,
    )
    assert result.value == {"announced": "G9"}
    assert result.events == [{"name": ORDER, "data": {"ref": "G9"}}]
    assert started(result.triggered) == {
        ("event_demo", "on_order"),
        ("event_demo", "on_order_elevated"),
    }
    assert any("on_order_admin" in str(entry.get("message")) for entry in result.logs)
    await finish(stack.client, result.triggered)
    got = signals(stack.db, tenant["id"], source=workflow_id)
    assert [(s["flow"], s["ref"], s["actor"], s["level"]) for s in got] == [
        ("on_order", "G9", "u-5", 1),
        ("on_order_elevated", "G9", None, 2),
    ]
    history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
    await Replayer(workflows=[ScriptRun]).replay_workflow(history)
    assert len(signals(stack.db, tenant["id"], source=workflow_id)) == 2


async def test_a_script_node_in_a_flow_publishes_the_scripts_events(stack: Stack) -> None:
    doc = flow(node("call", "script", script="announce", input={"ref": "H1"}), id="caller")
    source, result = await start(stack, doc, package="event_demo")
    assert result.output == {"announced": "H1"}
    assert started(result.triggered) == {
        ("event_demo", "on_order"),
        ("event_demo", "on_order_elevated"),
    }
    await finish(stack.client, result.triggered)
    assert len(signals(stack.db, stack.tenant()["id"], source=source, flow="on_order")) == 1


async def test_a_subflows_events_are_published_by_the_subflow_only(stack: Stack) -> None:
    child = flow(
        node("emit", "action", action="emit_event", event=ORDER, data={"ref": "I2"}), id="child"
    )
    parent = flow(node("sub", "subflow", flow="child"), id="parent")
    _, result = await start(stack, parent, subflows={"child": child})
    assert result.events == [{"name": ORDER, "data": {"ref": "I2"}}]
    assert result.triggered == []
    acme = stack.tenant()["id"]
    for _ in range(100):  # the child's starts are its own: wait for them in the database
        rows = [s for s in signals(stack.db, acme, ref="I2")]
        if len(rows) >= 2:
            break
        await asyncio.sleep(0.1)
    assert sorted(s["flow"] for s in signals(stack.db, acme, ref="I2")) == [
        "on_order",
        "on_order_elevated",
    ]


# -- exactly once ---------------------------------------------------------------------------


async def test_replaying_an_emitting_run_starts_nothing_again(stack: Stack) -> None:
    source, result = await start(stack, emitter(ref="J3"))
    await finish(stack.client, result.triggered)
    history = await stack.client.get_workflow_handle(source).fetch_history()
    await Replayer(workflows=[FlowRun]).replay_workflow(history)
    acme = stack.tenant()["id"]
    assert len(signals(stack.db, acme, source=source)) == 2


@pytest_asyncio.fixture
async def db_stack(
    database: Database,
    catalog: Catalog,
    temporal_client: Client,
    task_queue: str,
    sandbox_pool: SandboxPool,
) -> AsyncIterator[Stack]:
    """A stack on the `database` fixture: SQLite and PostgreSQL."""
    world = World(database, catalog, populate(database, catalog), Mailbox(), 0)
    async with running_stack(world, temporal_client, task_queue, sandbox_pool) as running:
        yield running


async def test_the_fan_out_activity_run_again_starts_each_flow_once(db_stack: Stack) -> None:
    stack = db_stack
    acme = stack.tenant("acme")
    source = f"acme/flow_demo/flow:emitter/{uuid.uuid4()}"
    batch = EventBatch(
        tenant_id=acme["id"],
        tenant_slug="acme",
        source={"workflowId": source, "package": "flow_demo", "flow": "emitter"},
        events=[{"name": ORDER, "data": {"ref": "K4"}, "key": event_key(source, "emit", 0)}],
        user_id="u1",
        user_level=1,
    )
    acts = EventActivities(
        client=stack.client, task_queue=stack.task_queue, catalog=stack.world.catalog, db=stack.db
    )
    env = ActivityEnvironment()
    first = await env.run(acts.fan_out, batch)
    again = await env.run(acts.fan_out, batch)  # a retried attempt, while the runs are running
    assert first == again and len(first.started) == 2
    runs = [
        await stack.client.get_workflow_handle(t["workflowId"]).describe() for t in first.started
    ]
    await finish(stack.client, first.started)
    later = await env.run(acts.fan_out, batch)  # after they completed
    assert later == first
    after = [
        await stack.client.get_workflow_handle(t["workflowId"]).describe() for t in first.started
    ]
    assert [r.run_id for r in runs] == [r.run_id for r in after]
    assert [s["flow"] for s in signals(stack.db, acme["id"], source=source)] == [
        "on_order",
        "on_order_elevated",
    ]


# -- loops ----------------------------------------------------------------------------------


async def test_the_depth_limit_stops_a_self_triggering_flow(stack: Stack) -> None:
    kick = flow(node("emit", "action", action="emit_event", event="ping", data={"n": 1}))
    _, result = await start(stack, kick)
    chain: list[FlowRunResult] = []
    triggered = result.triggered
    for _ in range(MAX_EVENT_DEPTH + 2):  # bounded: without the limit the chain never ends
        if not triggered:
            break
        assert [t["flow"] for t in triggered] == ["ping"]
        chain += await finish(stack.client, triggered)
        triggered = chain[-1].triggered
    assert len(chain) == MAX_EVENT_DEPTH
    last = chain[-1]
    assert last.events == [{"name": "ping", "data": {"n": MAX_EVENT_DEPTH + 1}}]
    assert last.logs == [
        {
            "node": "again",
            "level": "warning",
            "event": "ping",
            "message": f"event 'ping': no flow was started: event chains stop at depth "
            f"{MAX_EVENT_DEPTH}",
        }
    ]
    acme = stack.tenant()["id"]
    assert [s["n"] for s in signals(stack.db, acme, flow="ping")] == list(
        range(1, MAX_EVENT_DEPTH + 1)
    )


# -- definitions ----------------------------------------------------------------------------


async def test_an_event_flow_cannot_be_started_by_hand(stack: Stack) -> None:
    req = FlowRequest(stack.tenant()["id"], "acme", "event_demo", "on_order", user_level=5)
    with pytest.raises(FlowDenied):
        stack.dispatcher.prepare(req)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ({"kind": "event", "event": ORDER}, ("event", ORDER, None, 0, False, 0)),
        ({"kind": "event", "entity": "note"}, ("entity", None, "note", 0, False, 0)),
        (
            {"kind": "event", "event": ORDER, "minLevel": 2, "runAsLevel": 1},
            ("event", ORDER, None, 2, True, 1),
        ),
        ({"kind": "event", "event": ORDER, "runAsLevel": 0}, ("event", ORDER, None, 0, True, 0)),
        ({"kind": "event", "eventType": ORDER}, ("event", ORDER, None, 0, False, 0)),
    ],
)
def test_event_triggers_parse(trigger: dict[str, Any], expected: tuple[Any, ...]) -> None:
    parsed, issues = parse_flow(flow(node("a", "transform", output=1), triggers=[trigger]))
    assert issues == []
    [t] = parsed.triggers
    assert (t.kind, t.event, t.entity, t.min_level, t.run_as_declared, t.run_as_level) == expected


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"kind": "event"}, "triggers[0].event"),
        ({"kind": "event", "event": ""}, "triggers[0].event"),
        ({"kind": "event", "event": " padded"}, "triggers[0].event"),
        ({"kind": "event", "event": 7}, "triggers[0].event"),
        ({"kind": "event", "event": "x" * 201}, "triggers[0].event"),
        ({"kind": "event", "event": ORDER, "entity": "note"}, "triggers[0].event"),
        ({"kind": "event", "eventType": "", "nodeId": "a"}, "triggers[0].eventType"),
        ({"kind": "event", "eventType": ORDER, "entity": "note"}, "triggers[0].eventType"),
        ({"kind": "event", "event": ORDER, "runAsLevel": 4}, "triggers[0].runAsLevel"),
        ({"kind": "event", "event": ORDER, "minLevel": "3"}, "triggers[0].minLevel"),
    ],
)
def test_a_bad_event_trigger_names_its_field(trigger: dict[str, Any], field: str) -> None:
    _, issues = parse_flow(flow(node("a", "transform", output=1), triggers=[trigger]))
    assert field in {i.field for i in issues}, issues
