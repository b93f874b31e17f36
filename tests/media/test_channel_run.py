from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from engine.workflows.channel_run import ChannelRun, ChannelRunInput, ScheduledAsset
from media import hls
from media.m3u8 import parse_media_playlist
from media.profiles import video_rendition
from media.transcode import transcode
from tests.media.clips import Clips
from worker.channel_activities import ChannelActivities

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


async def package(clips: Clips, media_root: Path, tenant: str, asset: str) -> str:
    folder = media_root / tenant / asset
    made = await transcode(clips.video, video_rendition(144, 192, True), folder, duration_s=3.0)
    await hls.segment(made.path, folder / "hls" / "144p", duration_s=3.0, segment_s=1.0)
    return f"{tenant}/{asset}/hls/144p/index.m3u8"


def sequence_map(text: str, into: dict[int, str]) -> int:
    parsed = parse_media_playlist(text)
    for offset, seg in enumerate(parsed.segments):
        number = parsed.media_sequence + offset
        assert into.setdefault(number, seg.uri) == seg.uri  # numbers never change meaning
    return parsed.media_sequence


async def test_a_channel_stays_on_air_across_a_worker_restart(
    temporal_client: Client, task_queue: str, clips: Clips, media_root: Path, tenant: str
) -> None:
    schedule = [
        ScheduledAsset(name, name.title(), await package(clips, media_root, tenant, name),
                       f"/media/{tenant}/{name}/hls/144p/index.m3u8")
        for name in ("news", "music")
    ]  # fmt: skip
    spec = ChannelRunInput(
        tenant_id=tenant,
        channel_id="tv1",
        schedule=schedule,
        output=f"{tenant}/channels/tv1/live.m3u8",
        started_at=time.time(),
        window=3,
    )
    live = media_root / spec.output
    seen: dict[int, str] = {}
    activities = ChannelActivities(media_root=media_root)

    def worker() -> Worker:
        return Worker(
            temporal_client, task_queue=task_queue, workflows=[ChannelRun],
            activities=activities.all(),
        )  # fmt: skip

    async with worker():
        handle = await temporal_client.start_workflow(
            ChannelRun.run, spec, id=f"{tenant}/media_center/ChannelRun/tv1",
            task_queue=task_queue, execution_timeout=timedelta(minutes=2),
        )  # fmt: skip
        for _ in range(100):
            if live.exists() and sequence_map(live.read_text(), seen) >= 1:
                break
            await asyncio.sleep(0.1)
        guide = await handle.query(ChannelRun.guide)
    before = sequence_map(live.read_text(), seen)
    assert guide.on_air
    assert [a.asset_id for a in guide.guide] in (["news", "music"], ["music", "news"])

    await asyncio.sleep(2.0)  # off air for a moment: no worker at all
    async with worker():
        for _ in range(100):
            if sequence_map(live.read_text(), seen) >= before + 3:
                break
            await asyncio.sleep(0.1)
        guide = await handle.query(ChannelRun.guide)
        await handle.terminate("test over")
    after = sequence_map(live.read_text(), seen)
    assert after >= before + 3
    # the stream kept following the clock: each 3 s item is a 2 s and a 1 s segment (keyframes
    # every 2 s), so segments start at 2/3 per second; the window of 3 trails the newest one
    published = (time.time() - spec.started_at) * 2 / 3
    assert abs(after - (published - 3)) < 2.5
    assert {seen[n].split("/")[3] for n in seen} == {"news", "music"}
    assert guide.guide[0].ends_at == pytest.approx(guide.guide[1].starts_at)
