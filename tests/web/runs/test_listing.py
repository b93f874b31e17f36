"""GET /api/v1/{tenant}/runs on a real Temporal dev server: isolation, levels, filters, pages.

Rules checked here (web/api/run_view.py): a tenant's listing holds only runs whose MbTenant
is that tenant; users and moderators list only their own runs, admins every run of the
tenant; anonymous callers get 401 and people without a role in the tenant 403; filter values
that try to widen the visibility query are refused (422) and never return other runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import pytest_asyncio

from tests.web.runs.world import World, eventually

pytestmark = pytest.mark.temporal


@dataclass
class Seeded:
    world: World
    ids: dict[str, list[str]]  # username -> workflow ids they started
    before: datetime
    middle: datetime


@pytest_asyncio.fixture(scope="module")
async def seeded(world: World) -> Seeded:
    before = datetime.now(UTC)
    ids: dict[str, list[str]] = {name: [] for name in world.users}
    for n in range(3):
        ids["alice"].append((await world.action("alice", "echo", {"n": n})).workflow_id)
    middle = datetime.now(UTC)
    ids["bob"].append((await world.action("bob", "echo", {"n": 9})).workflow_id)
    ids["ada"].append((await world.action("ada", "broken", {})).workflow_id)
    ids["ada"].append((await world.action("ada", "admin_only", {})).workflow_id)
    for n in range(2):
        ids["carol"].append((await world.action("carol", "echo", {"n": n})).workflow_id)
    admin_a = await world.session("ada")
    admin_b = await world.session("cyd")

    async def indexed() -> bool:
        a = (await admin_a.get(f"/api/v1/{world.tenants['a']}/runs?status=running")).json()
        all_a = (await admin_a.get(f"/api/v1/{world.tenants['a']}/runs")).json()
        all_b = (await admin_b.get(f"/api/v1/{world.tenants['b']}/runs")).json()
        return not a["items"] and len(all_a["items"]) == 6 and len(all_b["items"]) == 2

    await eventually(indexed)
    return Seeded(world, ids, before, middle)


async def listed(world: World, username: str, query: str = "", tenant: str | None = None) -> Any:
    http = await world.session(username)
    slug = world.tenants[tenant or world.home[username]]
    answer = await http.get(f"/api/v1/{slug}/runs{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids_of(page: Any) -> set[str]:
    return {item["workflowId"] for item in page["items"]}


async def test_each_tenant_lists_only_its_own_runs(seeded: Seeded) -> None:
    ids, world = seeded.ids, seeded.world
    tenant_a = ids_of(await listed(world, "ada"))
    tenant_b = ids_of(await listed(world, "cyd"))
    assert tenant_a == {*ids["alice"], *ids["bob"], *ids["ada"]}
    assert tenant_b == set(ids["carol"])
    page = await listed(world, "cyd")
    assert {item["tenant"] for item in page["items"]} == {world.tenants["b"]}


async def test_users_list_their_own_runs_admins_all(seeded: Seeded) -> None:
    ids, world = seeded.ids, seeded.world
    assert ids_of(await listed(world, "alice")) == set(ids["alice"])
    assert ids_of(await listed(world, "bob")) == set(ids["bob"])
    assert ids_of(await listed(world, "mona")) == set()  # a moderator started nothing
    assert len(ids_of(await listed(world, "ada"))) == 6


async def test_a_user_may_not_list_another_users_runs(seeded: Seeded) -> None:
    world = seeded.world
    http = await world.session("alice")
    bob = world.users["bob"]
    answer = await http.get(f"/api/v1/{world.tenants['a']}/runs?user={bob}")
    assert answer.status_code == 403
    own = await http.get(f"/api/v1/{world.tenants['a']}/runs?user={world.users['alice']}")
    assert ids_of(own.json()) == set(seeded.ids["alice"])


async def test_anonymous_callers_and_other_tenants_members_are_refused(seeded: Seeded) -> None:
    world = seeded.world
    async with world.anonymous() as anonymous:
        answer = await anonymous.get(f"/api/v1/{world.tenants['a']}/runs")
        assert answer.status_code == 401
    carol = await world.session("carol")  # a member of b only
    answer = await carol.get(f"/api/v1/{world.tenants['a']}/runs")
    assert answer.status_code == 403
    assert "items" not in answer.json()


async def test_an_unknown_tenant_is_404(seeded: Seeded) -> None:
    http = await seeded.world.session("ada")
    assert (await http.get("/api/v1/no-such-tenant/runs")).status_code == 404


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("?package=runs_demo", {"alice", "bob", "ada"}),
        ("?package=other", set()),
        ("?action=broken", {"ada:broken"}),
        ("?kind=action", {"alice", "bob", "ada"}),
        ("?kind=flow", set()),
        ("?status=failed", {"ada:broken"}),
        ("?status=completed&action=echo", {"alice", "bob"}),
        ("?user={bob}", {"bob"}),
    ],
)
async def test_filters(seeded: Seeded, query: str, who: set[str]) -> None:
    world, ids = seeded.world, seeded.ids
    query = query.format(bob=world.users["bob"])
    expected: set[str] = set()
    for name in who:
        user, _, action = name.partition(":")
        expected |= {i for i in ids[user] if not action or f"/{action}/" in i}
    assert ids_of(await listed(world, "ada", query)) == expected


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def test_time_range_filters(seeded: Seeded) -> None:
    world, ids = seeded.world, seeded.ids
    after_middle = ids_of(await listed(world, "alice", f"?startedAfter={iso(seeded.middle)}"))
    assert after_middle == set()  # alice started all three before `middle`
    window = f"?startedAfter={iso(seeded.before)}&startedBefore={iso(seeded.middle)}"
    assert ids_of(await listed(world, "ada", window)) == set(ids["alice"])
    offset = seeded.before.astimezone(timezone(timedelta(hours=2))).isoformat()
    since = ids_of(await listed(world, "ada", "?startedAfter=" + offset.replace("+", "%2B")))
    assert len(since) == 6  # a time with an offset is the same instant
    future = iso(datetime.now(UTC) + timedelta(days=1))
    assert ids_of(await listed(world, "ada", f"?startedAfter={future}")) == set()


async def test_pages_walk_every_run_once_newest_first(seeded: Seeded) -> None:
    world = seeded.world
    seen: list[dict[str, Any]] = []
    token = ""
    for _ in range(10):
        page = await listed(world, "ada", f"?limit=2{'&pageToken=' + token if token else ''}")
        assert len(page["items"]) <= 2
        seen += page["items"]
        token = page["nextPageToken"] or ""
        if not token:
            break
    assert sorted(item["workflowId"] for item in seen) == sorted(
        [*seeded.ids["alice"], *seeded.ids["bob"], *seeded.ids["ada"]]
    )
    closed = [item["closedAt"] for item in seen]
    assert closed == sorted(closed, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "?package=x' OR MbTenant != 'none",
        '?package=x" OR MbTenant != "none',
        "?action=echo' OR '1'='1",
        "?kind=action) OR (MbTenant = 'x",
        "?user=u1 OR MbUser IS NOT NULL",
        "?user=%27%20OR%20%271%27%3D%271",
        "?package=a\\' OR 1=1 --",
        "?status=Running' OR 'x'='x",
        "?status=RUNNING",
        "?startedAfter=2020-01-01' OR MbTenant != 'x",
        "?startedBefore=yesterday",
        "?limit=0",
        "?limit=1000",
        "?limit=-1",
        "?pageToken=%%%",
        "?pageToken=" + "A" * 5000,
    ],
)
async def test_hostile_filters_are_refused(seeded: Seeded, query: str) -> None:
    world = seeded.world
    for username in ("alice", "ada"):
        http = await world.session(username)
        answer = await http.get(f"/api/v1/{world.tenants['a']}/runs{query}")
        assert answer.status_code == 422, (query, answer.text)
        assert answer.json()["error"] == "VALIDATION_ERROR"


async def test_a_forged_page_token_never_leaves_the_tenant(seeded: Seeded) -> None:
    """It denies widening the query through the token: the tenant clause is still ANDed."""
    import base64

    world = seeded.world
    forged = base64.urlsafe_b64encode(
        b'{"CloseTime":"2999-01-01T00:00:00Z","StartTime":"2999-01-01T00:00:00Z","RunID":""}'
    ).decode()
    http = await world.session("cyd")
    answer = await http.get(f"/api/v1/{world.tenants['b']}/runs?pageToken={forged}")
    if answer.status_code == 200:
        assert ids_of(answer.json()) <= set(seeded.ids["carol"])
    else:
        assert answer.status_code == 422
    garbage = base64.urlsafe_b64encode(b"not a token").decode()
    answer = await http.get(f"/api/v1/{world.tenants['b']}/runs?pageToken={garbage}")
    assert answer.status_code == 422
