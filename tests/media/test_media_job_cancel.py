"""A failing rendition stops its siblings (cancel and crash recovery through the real worker
registration are in test_media_worker.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError

from engine.workflows.media_job import MediaJob
from tests.media.clips import Clips, place
from tests.media.jobs import job_input, media_worker, start_job
from tests.media.procs import ffmpeg_pids
from worker.media_store import MemoryAssetStore

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


async def eventually(check: Callable[[], bool], *, within: float, every: float = 0.02) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(every)


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


async def test_one_failed_rendition_stops_the_others_and_fails_the_job(
    temporal_client: Client, task_queue: str, clips: Clips, media_root: Path, tenant: str
) -> None:
    store = MemoryAssetStore()
    source = place(clips.long_video, media_root, f"{tenant}/uploads/long.mkv")
    job = job_input(tenant, source, heights=[360, 144], audio=[], max_parallel=2)
    renditions = media_root / tenant / job.asset_id / "derived" / "renditions"
    # FFmpeg cannot write the 144p output (a directory stands where its file must go).
    (renditions / ".144p.mp4.part").mkdir(parents=True)
    async with media_worker(temporal_client, task_queue, media_root, store):
        handle = await start_job(temporal_client, task_queue, job)
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        status = await handle.query(MediaJob.status)
    state = store.jobs[job.job_id]
    assert (state.status, status.finished) == ("failed", [])
    assert state.error and "ffmpeg exited" in state.error
    assert ffmpeg_pids(str(media_root / tenant)) == []
    assert files_under(media_root / tenant / job.asset_id) == []
