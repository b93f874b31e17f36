"""Crash recovery through the real wiring: the worker of `worker.main.run_worker` runs in its
own process (tests/media/worker_process.py) and is killed with SIGKILL mid-job; a new one
finishes the job and reuses the rendition that had already finished."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from temporalio.client import Client

from engine.temporal_server import TemporalDevServer
from engine.workflows.media_job import MediaJob, MediaJobResult
from media.probe import probe
from tests.media.clips import Clips
from tests.media.procs import alive, ffmpeg_pids
from tests.media.stack import eventually, media_stack, upload, wait_for_job

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


async def test_a_killed_worker_is_replaced_and_finished_renditions_are_reused(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    task_queue: str,
    clips: Clips,
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    data_dir = tmp_path / "data"
    async with media_stack(database_url, data_dir, temporal_client, task_queue) as stack:
        first = await start_worker(temporal_server.target, task_queue, database_url, data_dir)
        try:
            async with stack.client(stack.user("a")) as c:
                body = (await upload(c, stack.tenants["a"]["slug"], clips.long_video)).json()
            handle = temporal_client.get_workflow_handle_for(
                MediaJob.run, body["job"]["workflowId"]
            )
            renditions = (
                stack.media_dir / stack.tenants["a"]["id"] / body["asset"]["id"] / "derived"
                / "renditions"
            )  # fmt: skip
            part = renditions / ".360p.mp4.part"
            for _ in range(600):  # the audio rendition is done and recorded in the history
                if (await handle.query(MediaJob.status)).finished == ["audio-aac"]:
                    break
                await asyncio.sleep(0.1)
            await eventually(lambda: part.exists() and part.stat().st_size > 0, within=60)
            status = await handle.query(MediaJob.status)
            assert status.finished == ["audio-aac"]
            kept = next(renditions.glob("audio-aac.*")).stat()
            orphans = ffmpeg_pids(str(renditions))
            first.send_signal(signal.SIGKILL)
            await first.wait()
            # FFmpeg dies with its worker (PR_SET_PDEATHSIG) instead of writing on as an orphan
            await eventually(lambda: not any(alive(pid) for pid in orphans), within=2)
        finally:
            await stop(first)

        killed_at = time.monotonic()
        second = await start_worker(temporal_server.target, task_queue, database_url, data_dir)
        try:
            result: MediaJobResult = await asyncio.wait_for(handle.result(), 180)
            print(f"replacement worker finished {time.monotonic() - killed_at:.1f}s after the kill")
        finally:
            await stop(second)
        job = await wait_for_job(stack, "a", body["job"]["id"], within=10)

    done = {r.name: r for r in result.renditions}
    assert done["audio-aac"].attempt == 1 and done["360p"].attempt >= 2
    after = next(renditions.glob("audio-aac.*")).stat()
    assert (after.st_ino, after.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    made = await probe(renditions / "360p.mp4")
    assert result.probe is not None
    assert made.height == 360
    assert made.duration_s == pytest.approx(result.probe.duration_s, abs=0.1)
    assert (job["status"], job["progress"]) == ("completed", 100)
    assert not [name for name in os.listdir(renditions) if name.endswith(".part")]


async def start_worker(
    target: str, task_queue: str, database_url: str, data_dir: Path
) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.media.worker_process",
        target,
        task_queue,
        database_url,
        str(data_dir),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.strip() == b"ready"
    return proc


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()
