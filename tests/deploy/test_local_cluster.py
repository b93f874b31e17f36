"""Acceptance 2 and 3 on the local cluster: PostgreSQL, Redis, Temporal, nginx with TLS, two
web processes and two workers, all real processes wired as production.

Through nginx: a page renders, a user signs in and the session holds on both web processes;
200 actions spread over both web processes and both workers while one web process and one
worker are killed (SIGKILL, children included) mid-load: no request fails (nginx's retry
policy resends a dropped action with the same idempotency key) and no run is lost. Straight
to the web processes: a session opened on one is valid on the other and a logout on either
ends it on both (PostgreSQL), and the login rate limit is one counter for both (Redis).
The health ports of web and worker processes answer the container probes.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from deploy.docker import healthcheck
from deploy.local_cluster import NAMESPACE, TENANT, LocalCluster, Process, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.temporal,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not any(Path(p).exists() for p in ("/usr/sbin/nginx", "/usr/bin/nginx")),
        reason="nginx is not installed (deploy/scripts/install-tools.sh installs it)",
    ),
]

ACTIONS = 200
CONCURRENCY_PER_USER = 4
KILL_AFTER = 60
ACTION_PATH = "/api/v1/default/hello_world/actions/increment"
PASSWORD = "cluster-" + secrets.token_urlsafe(12)
# Two loaders, so that each stays under the app's per-user action rate limit.
LOADERS = ["loader1", "loader2"]
USERS = ["alice", "bob", *LOADERS]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    instance = LocalCluster(
        tmp_path_factory.mktemp("cluster"), users=dict.fromkeys(USERS, PASSWORD)
    )
    instance.start(timeout_s=240)
    try:
        yield instance
    finally:
        instance.stop()


def tls(cluster: LocalCluster) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cluster.cert))


def access_log(cluster: LocalCluster) -> list[dict[str, Any]]:
    return [json.loads(line) for line in cluster.access_log.read_text().splitlines() if line]


def upstream_ports(entries: list[dict[str, Any]]) -> Counter[int]:
    """Which web process answered: the last address nginx tried for each request."""
    return Counter(int(e["upstream"].split(", ")[-1].rsplit(":", 1)[1]) for e in entries)


async def csrf_post(http: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
    token = http.cookies.get("mb_csrf")
    return await http.post(path, json=body, headers={"X-CSRF-Token": token} if token else {})


async def signed_in(cluster: LocalCluster, username: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=cluster.url, verify=tls(cluster), timeout=90)
    page = await http.get(f"/{TENANT}/hello")
    assert page.status_code == 200
    login = await csrf_post(
        http, "/api/v1/auth/login",
        {"tenant": TENANT, "username": username, "password": PASSWORD},
    )  # fmt: skip
    assert login.status_code == 200, login.text
    assert login.json()["user"]["username"] == username
    return http


async def test_a_page_renders_through_nginx_on_both_web_processes(cluster: LocalCluster) -> None:
    async with httpx.AsyncClient(base_url=cluster.url, verify=tls(cluster)) as http:
        pages = [await http.get(f"/{TENANT}/hello") for _ in range(8)]
        metrics = await http.get("/metrics")
    assert {p.status_code for p in pages} == {200}
    assert "Count:" in pages[0].text
    assert pages[0].headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in pages[0].headers["set-cookie"].lower()
    served = upstream_ports([e for e in access_log(cluster) if e["uri"] == f"/{TENANT}/hello"])
    assert set(served) == {web.port for web in cluster.web_processes}, served
    assert metrics.status_code == 404, "the public site never serves /metrics"


async def test_a_session_opened_on_one_web_process_holds_on_the_other(
    cluster: LocalCluster,
) -> None:
    http = await signed_in(cluster, "alice")
    try:
        answers = [await http.get("/api/v1/auth/me") for _ in range(8)]
    finally:
        await http.aclose()
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    assert {json.dumps(a.json(), sort_keys=True) for a in answers} == {
        json.dumps(answers[0].json(), sort_keys=True)
    }
    assert "alice" in answers[0].text
    served = upstream_ports([e for e in access_log(cluster) if e["uri"] == "/api/v1/auth/me"])
    assert set(served) == {web.port for web in cluster.web_processes}, served


async def test_a_session_opened_on_one_web_process_is_valid_on_the_other_until_logout(
    cluster: LocalCluster,
) -> None:
    first, second = (f"http://127.0.0.1:{web.port}" for web in cluster.web_processes[:2])
    async with httpx.AsyncClient(timeout=30) as http:
        login = await http.post(
            f"{first}/api/v1/auth/login",
            json={"tenant": TENANT, "username": "bob", "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        # METABUILDER_SECURE_COOKIES: Secure even on this plain-HTTP hop behind the proxy.
        assert "secure" in login.headers["set-cookie"].lower()
        session = {"Cookie": f"mb_session={login.cookies['mb_session']}"}
        http.cookies.clear()
        on_second = await http.get(f"{second}/api/v1/auth/me", headers=session)
        assert on_second.status_code == 200 and on_second.json()["username"] == "bob"
        with_csrf = {"Cookie": f"{session['Cookie']}; mb_csrf=t0ken", "X-CSRF-Token": "t0ken"}
        logout = await http.post(f"{second}/api/v1/auth/logout", headers=with_csrf)
        assert logout.status_code == 200, logout.text
        http.cookies.clear()
        on_first = await http.get(f"{first}/api/v1/auth/me", headers=session)
    assert on_first.status_code == 401, "a logout on one web process ends the session on all"


@pytest.mark.parametrize(
    ("mode", "target", "healthy"),
    [
        ("web", "web", True),
        ("ready", "web", True),
        ("web", "worker", True),
        ("ready", "worker", True),
        ("ready", "closed", False),
    ],
)
def test_the_container_health_checks_report_the_processes_state(
    cluster: LocalCluster, mode: str, target: str, healthy: bool
) -> None:
    ports = {
        "web": cluster.web_processes[0].port,
        "worker": cluster.worker_processes[0].port,
        "closed": free_port(),
    }
    assert healthcheck.main([mode], {"MB_HEALTHCHECK_PORT": str(ports[target])}) == (
        0 if healthy else 1
    )


def test_a_worker_reports_its_queue_and_checks_when_ready(cluster: LocalCluster) -> None:
    for worker in cluster.worker_processes:
        answer = httpx.get(f"http://127.0.0.1:{worker.port}/readyz", timeout=10)
        assert answer.json() == {
            "status": "ready",
            "taskQueue": "metabuilder",
            "checks": {"worker": "polling", "temporal": "ok"},
        }


async def test_the_login_rate_limit_is_one_counter_across_web_processes(
    cluster: LocalCluster,
) -> None:
    # Straight to the web processes (nginx's own login limit would answer first), as a client
    # whose address the proxy forwards: the web processes trust X-Forwarded-For from
    # 127.0.0.1 (FORWARDED_ALLOW_IPS), so this test's counter is its own.
    first, second = cluster.web_processes[:2]
    address = f"198.51.100.{secrets.randbelow(250) + 1}"
    tries = iter(range(100))

    async def login(web: Process, client_address: str) -> int:
        # A new unknown user each time: failures for one name would meet the account
        # lockout (a per-name counter in the database) before the address limit.
        body = {"tenant": TENANT, "username": f"nobody{next(tries)}", "password": "wrong"}
        answer = await http.post(
            f"http://127.0.0.1:{web.port}/api/v1/auth/login",
            json=body, headers={"X-Forwarded-For": client_address},
        )  # fmt: skip
        http.cookies.clear()  # cookie-less: no CSRF token needed
        return answer.status_code

    attempts: list[tuple[int | None, int]] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(25):
            web = first if n % 2 == 0 else second
            attempts.append((web.port, await login(web, address)))
            if attempts[-1][1] == 429:
                break
        other = second if attempts[-1][0] == first.port else first
        after = await login(other, address)
        elsewhere = await login(other, "203.0.113.77")
    # The app allows 10 logins a minute per address: with one shared counter the 11th attempt
    # is refused, whichever process gets it; per-process counters would allow ~20.
    assert [status for _, status in attempts] == [401] * 10 + [429], attempts
    assert {port for port, status in attempts if status == 401} == {first.port, second.port}
    assert after == 429, "the other process refuses the address too"
    assert elsewhere == 401, "another address has its own counter"


async def test_200_actions_survive_losing_a_web_process_and_a_worker(
    cluster: LocalCluster,
) -> None:
    users = LOADERS
    clients = [await signed_in(cluster, user) for user in users]
    before = len(access_log(cluster))
    identities = {cluster.worker_identity(w): w.name for w in cluster.worker_processes}
    killed_web, killed_worker = cluster.web_processes[0], cluster.worker_processes[0]

    results: list[httpx.Response] = []
    errors: list[str] = []
    # One queue per user: a shared one could hand one user more than its rate limit allows.
    queues: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in users]
    for n in range(ACTIONS):
        queues[n % len(users)].put_nowait(n)
    killed = asyncio.Event()

    async def load(http: httpx.AsyncClient, queue: asyncio.Queue[int]) -> None:
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                results.append(await csrf_post(http, ACTION_PATH, {"input": {}}))
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            if len(results) >= KILL_AFTER and not killed.is_set():
                killed.set()
                await asyncio.to_thread(cluster.kill_web, 0)
                await asyncio.to_thread(cluster.kill_worker, 0)

    started = time.monotonic()
    await asyncio.gather(
        *(load(http, queue) for http, queue in zip(clients, queues, strict=True)
          for _ in range(CONCURRENCY_PER_USER))
    )  # fmt: skip
    elapsed = time.monotonic() - started
    for http in clients:
        await http.aclose()

    assert killed.is_set() and not killed_web.alive() and not killed_worker.alive()
    assert errors == []
    failed = [(r.status_code, r.text[:200]) for r in results if r.status_code not in (200, 202)]
    assert failed == [], f"{len(failed)} failed requests, e.g. {failed[:3]}"
    bodies = [r.json() for r in results]
    workflow_ids = {b["workflowId"] for b in bodies}
    assert len(workflow_ids) == len(bodies) == ACTIONS, "each action is its own run"

    # Spread over both web processes: nginx's log names the replica that answered.
    entries = [e for e in access_log(cluster)[before:] if e["uri"] == ACTION_PATH]
    assert len(entries) == ACTIONS
    served = upstream_ports(entries)
    assert set(served) == {web.port for web in cluster.web_processes}, served
    retried = [e for e in entries if "," in e["upstream"]]

    # No run lost: every run completed in Temporal, and both workers executed runs.
    client = await Client.connect(cluster.temporal_address, namespace=NAMESPACE)
    gate = asyncio.Semaphore(16)

    async def outcome(workflow_id: str) -> tuple[WorkflowExecutionStatus | None, set[str]]:
        async with gate:
            handle = client.get_workflow_handle(workflow_id)
            deadline = time.monotonic() + 120
            while True:
                status = (await handle.describe()).status
                if status != WorkflowExecutionStatus.RUNNING or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            history = await handle.fetch_history()
            # The workers that took its workflow tasks (short scripts run there, as local
            # activities) and its activity tasks.
            ran_on = {
                e.workflow_task_started_event_attributes.identity
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
                else e.activity_task_started_event_attributes.identity
                for e in history.events
                if e.event_type
                in (EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
                    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
            }  # fmt: skip
            return status, ran_on

    outcomes = await asyncio.gather(*(outcome(w) for w in workflow_ids))
    statuses = Counter(status for status, _ in outcomes)
    assert statuses == {WorkflowExecutionStatus.COMPLETED: len(workflow_ids)}, statuses
    # Runs whose answer was lost count too: Temporal holds exactly one completed run per action.
    runs = await settled_count(client, 'MbAction = "increment"', ACTIONS)
    completed = 'MbAction = "increment" AND ExecutionStatus = "Completed"'
    done = await settled_count(client, completed, ACTIONS)
    assert (runs, done) == (ACTIONS, ACTIONS)
    workers = Counter(identities.get(i, i) for _, ran_on in outcomes for i in ran_on)
    assert set(identities.values()) <= set(workers), workers
    completed_late = sum(1 for b in bodies if b["status"] != "completed")

    async with httpx.AsyncClient(verify=tls(cluster)) as http:
        page = await http.get(f"{cluster.url}/{TENANT}/hello")
    count = int(re.search(r"Count:\s*(\d+)", page.text).group(1))  # type: ignore[union-attr]
    # At least once: an activity cut off by the killed worker is retried elsewhere.
    assert count >= ACTIONS

    # The surviving web process counted every action it answered (its /metrics, on loopback).
    survivor = cluster.web_processes[1]
    assert survivor.port is not None
    async with httpx.AsyncClient(timeout=10) as http:
        metrics = await http.get(f"http://127.0.0.1:{survivor.port}/metrics")
    dispatched = sum(
        sample.value
        for family in text_string_to_metric_families(metrics.text)
        for sample in family.samples
        if sample.name == "metabuilder_action_dispatches_total"
        and (sample.labels["package"], sample.labels["action"]) == ("hello_world", "increment")
        and sample.labels["status"] in ("200", "202")
    )
    assert dispatched == served[survivor.port]
    print(
        f"\n{ACTIONS} actions in {elapsed:.1f}s through nginx; web processes {dict(served)}; "
        f"resent by nginx after the kill: {len(retried)}; answered 'running': {completed_late}; "
        f"runs touched per worker {dict(workers)}; counter {count}"
    )


async def settled_count(client: Client, query: str, expected: int, timeout_s: float = 60.0) -> int:
    """The visibility count for `query`, given time to reach `expected` (visibility is
    eventually consistent); a count above it is returned as is."""
    deadline = time.monotonic() + timeout_s
    while True:
        count = (await client.count_workflows(query)).count
        if count >= expected or time.monotonic() > deadline:
            return count
        await asyncio.sleep(1)
