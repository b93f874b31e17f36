from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import CancelledError

from engine.temporal_server import TemporalDevServer
from engine.workflows.media_job import MediaJob
from media.probe import probe
from tests.media.clips import Clips, place
from tests.media.jobs import job_input, media_worker, start_job
from tests.media.procs import alive, ffmpeg_pids
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


async def test_cancelling_a_job_kills_ffmpeg_within_two_seconds_and_removes_partial_files(
    temporal_client: Client, task_queue: str, clips: Clips, media_root: Path, tenant: str
) -> None:
    store = MemoryAssetStore()
    source = place(clips.long_video, media_root, f"{tenant}/uploads/long.mkv")
    job = job_input(tenant, source, heights=[360, 240], audio=[], max_parallel=2)
    tenant_dir = str(media_root / tenant)
    async with media_worker(temporal_client, task_queue, media_root, store):
        handle = await start_job(temporal_client, task_queue, job)
        await eventually(lambda: len(ffmpeg_pids(tenant_dir)) == 2, within=30)
        pids = ffmpeg_pids(tenant_dir)
        items = store.job(job.job_id).items
        await eventually(lambda: items.get("transcode:240p", (0, 0))[1] > 0, within=30)

        started = time.monotonic()
        await handle.cancel()
        await eventually(lambda: not any(alive(pid) for pid in pids), within=5)
        gone_after = time.monotonic() - started

        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    assert isinstance(info.value.cause, CancelledError)
    print(f"FFmpeg gone {gone_after:.2f}s after the cancel request")
    assert gone_after < 2.0
    state = store.jobs[job.job_id]
    assert (state.status, state.stage) == ("cancelled", "cancelled")
    assert files_under(media_root / tenant / job.asset_id) == []


async def test_a_killed_worker_is_replaced_and_finished_renditions_are_kept(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    task_queue: str,
    clips: Clips,
    media_root: Path,
    tenant: str,
) -> None:
    source = place(clips.long_video, media_root, f"{tenant}/uploads/long.mkv")
    job = job_input(
        tenant, source, heights=[240, 144], audio=[], max_parallel=1, hls=False, thumbnails=False
    )
    renditions = media_root / tenant / job.asset_id / "derived" / "renditions"

    first = await start_worker(temporal_server.target, task_queue, media_root)
    try:
        handle = await start_job(temporal_client, task_queue, job)
        part = renditions / ".144p.mp4.part"
        await eventually(lambda: part.exists() and part.stat().st_size > 0, within=60)
        status = await handle.query(MediaJob.status)
        assert status.finished == ["240p"]
        kept = (renditions / "240p.mp4").stat()
        orphans = ffmpeg_pids(str(media_root / tenant))
        assert len(orphans) == 1
        first.send_signal(signal.SIGKILL)
        await first.wait()
        # FFmpeg dies with its worker (PR_SET_PDEATHSIG) instead of writing on as an orphan.
        await eventually(lambda: not alive(orphans[0]), within=2)
    finally:
        await stop(first)

    killed_at = time.monotonic()
    second = await start_worker(temporal_server.target, task_queue, media_root)
    try:
        result = await asyncio.wait_for(handle.result(), 120)
        print(f"replacement worker finished {time.monotonic() - killed_at:.1f}s after the kill")
    finally:
        await stop(second)

    done = {r.name: r for r in result.renditions}
    assert done["240p"].attempt == 1 and done["144p"].attempt >= 2
    after = (renditions / "240p.mp4").stat()
    assert (after.st_ino, after.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    made = await probe(renditions / "144p.mp4")
    assert (made.height, made.duration_s) == (144, pytest.approx(result.probe.duration_s, abs=0.1))  # type: ignore[union-attr]
    assert sorted(os.listdir(renditions)) == [
        ".144p.mp4.done",
        ".240p.mp4.done",
        "144p.mp4",
        "240p.mp4",
    ]


async def start_worker(
    target: str, task_queue: str, media_root: Path
) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.media.worker_process",
        target,
        task_queue,
        str(media_root),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line.strip() == b"ready"
    return proc


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


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
