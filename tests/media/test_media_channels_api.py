"""Channels through the real wiring: two uploads transcoded by the worker, a channel over them
started by an admin (ChannelRun on the same worker), its EPG and its live playlist, whose
segments are signed for their own asset only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from media.m3u8 import parse_media_playlist
from tests.media.clips import Clips
from tests.media.stack import MediaStack, csrf, media_stack, upload, wait_for_job

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


@pytest.fixture
async def stack(
    tmp_path: Path, temporal_client: Client, task_queue: str
) -> AsyncIterator[MediaStack]:
    async with media_stack(
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path / "data",
        temporal_client,
        task_queue,
        worker=True,
    ) as made:
        yield made


async def test_a_channel_plays_its_schedule_live_with_now_and_next(
    stack: MediaStack, clips: Clips, temporal_client: Client
) -> None:
    slug = stack.tenants["a"]["slug"]
    admin, viewer = stack.user("a", 3), stack.user("a", 1)
    ids = []
    async with stack.client(admin) as c:
        for clip, name in ((clips.video, "news.mkv"), (clips.silent_video, "weather.mkv")):
            body = (await upload(c, slug, clip, name)).json()
            ids.append(body["asset"]["id"])
            assert (await wait_for_job(stack, "a", body["job"]["id"]))["status"] == "completed"
        created = await c.post(
            f"/api/v1/{slug}/media/channels",
            json={"name": "Channel One", "kind": "tv", "assetIds": ids},
            headers=csrf(c),
        )
    assert created.status_code == 201, created.text
    channel = created.json()
    try:
        async with stack.client(viewer) as c:
            listed = (await c.get(f"/api/v1/{slug}/media/channels")).json()["items"]
            info = (await c.get(f"/api/v1/{slug}/media/channels/{channel['id']}")).json()
            for _ in range(100):
                if info["guide"]:
                    break
                await asyncio.sleep(0.1)
                info = (await c.get(f"/api/v1/{slug}/media/channels/{channel['id']}")).json()
            live = await c.get(info["liveUrl"])
            for _ in range(100):
                if live.status_code == 200:
                    break
                await asyncio.sleep(0.1)
                live = await c.get(info["liveUrl"])
        assert [ch["name"] for ch in listed] == ["Channel One"]
        assert info["onAir"] is True
        assert [a["title"] for a in info["guide"]] == ["news.mkv", "weather.mkv"]
        assert info["guide"][0]["endsAt"] == pytest.approx(info["guide"][1]["startsAt"])
        assert live.status_code == 200, live.text
        playlist = parse_media_playlist(live.text)
        first = playlist.segments[0].uri
        assert f"/media/files/{ids[0]}/derived/hls/" in first and "sig=" in first

        async with stack.client(None) as anonymous:
            segment = await anonymous.get(first)
            forged = await anonymous.get(first.replace(ids[0], ids[1]))
        assert (segment.status_code, segment.headers["content-type"]) == (200, "video/mp2t")
        assert forged.status_code == 404

        url = f"/api/v1/{slug}/media/channels/{channel['id']}"
        async with stack.client(viewer) as c:
            assert (await c.delete(url)).status_code == 403
        async with stack.client(admin) as c:
            assert (await c.delete(url, headers=csrf(c))).status_code == 204
        handle = temporal_client.get_workflow_handle(channel["workflowId"])
        assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
        assert stack.rows("a", "MediaChannel") == []
        assert not any(f.startswith("channels/") for f in stack.files("a"))
    except BaseException:
        await temporal_client.get_workflow_handle(channel["workflowId"]).terminate("test over")
        raise


@pytest.mark.parametrize(
    ("who", "status"),
    [("user of a", 403), ("admin of b", 403), ("anonymous", 401)],
)
async def test_only_an_admin_of_the_tenant_starts_a_channel(
    stack: MediaStack, who: str, status: int
) -> None:
    caller = {
        "user of a": stack.user("a", 1),
        "admin of b": stack.user("b", 3),
        "anonymous": None,
    }[who]
    async with stack.client(caller) as c:
        response = await c.post(
            f"/api/v1/{stack.tenants['a']['slug']}/media/channels",
            json={"name": "Pirate", "kind": "radio", "assetIds": ["x"]},
        )
    assert response.status_code == status
    assert stack.rows("a", "MediaChannel") == []


async def test_a_channel_cannot_schedule_another_tenants_asset(
    stack: MediaStack, clips: Clips
) -> None:
    async with stack.client(stack.user("b", 3)) as c:
        body = (await upload(c, stack.tenants["b"]["slug"], clips.audio)).json()
    foreign = body["asset"]["id"]
    await wait_for_job(stack, "b", body["job"]["id"])  # no run left behind at worker shutdown
    async with stack.client(stack.user("a", 3)) as c:
        response = await c.post(
            f"/api/v1/{stack.tenants['a']['slug']}/media/channels",
            json={"name": "Borrowed", "kind": "radio", "assetIds": [foreign]},
        )
    assert response.status_code == 404
    assert stack.rows("a", "MediaChannel") == []
