from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError, FailureError

from engine.workflows.media_job import MEDIA_ERROR, MediaJob
from media.m3u8 import parse_master_playlist, parse_media_playlist
from media.probe import probe
from tests.media.clips import Clips, place
from tests.media.jobs import job_input, media_worker, start_job
from worker.media_store import MemoryAssetStore

pytestmark = pytest.mark.temporal


def media_failure(err: BaseException | None) -> BaseException | None:
    """The first ApplicationError of type MediaError in the cause chain."""
    while isinstance(err, FailureError | WorkflowFailureError):
        if isinstance(err, ApplicationError) and err.type == MEDIA_ERROR:
            return err
        err = err.cause
    return None


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


async def test_video_job_runs_every_stage_and_updates_the_asset(
    temporal_client: Client, task_queue: str, clips: Clips, media_root: Path, tenant: str
) -> None:
    store = MemoryAssetStore()
    source = place(clips.video, media_root, f"{tenant}/uploads/clip.bin")
    job = job_input(tenant, source, audio=["aac", "opus", "mp3"], segment_s=1.0)
    async with media_worker(temporal_client, task_queue, media_root, store):
        handle = await start_job(temporal_client, task_queue, job)
        result = await handle.result()
        status = await handle.query(MediaJob.status)

    assert result.status == "completed" and result.reused == []
    assert result.probe is not None and result.probe.kind == "video"
    assert [r.name for r in result.renditions] == [
        "240p", "144p", "audio-aac", "audio-opus", "audio-mp3",
    ]  # fmt: skip
    for rendition in result.renditions:
        made = await probe(media_root / rendition.path)
        assert made.duration_s == pytest.approx(result.probe.duration_s, abs=0.1)
        assert (rendition.video_codec, rendition.audio_codec) == (
            made.video[0].codec if made.video else None,
            made.audio[0].codec,
        )
    assert result.hls is not None
    master = parse_master_playlist((media_root / result.hls.master).read_text())
    assert [v.uri for v in master] == ["240p/index.m3u8", "144p/index.m3u8"]
    for playlist in result.hls.playlists:
        parsed = parse_media_playlist((media_root / playlist).read_text())
        assert parsed.duration_s == pytest.approx(3.0, abs=0.1)
    assert result.thumbnails is not None
    for ref in (result.thumbnails.poster, result.thumbnails.sprite, result.thumbnails.sprite_vtt):
        assert ref is not None and (media_root / ref).stat().st_size > 0

    state = store.jobs[job.job_id]
    assert state.history == ["processing", "completed"]
    assert (state.progress, state.stage, state.error) == (100, "completed", None)
    assert set(state.items) == {
        "transcode:240p", "transcode:144p", "transcode:audio-aac", "transcode:audio-opus",
        "transcode:audio-mp3", "package", "thumbnails",
    }  # fmt: skip
    assert store.assets[job.asset_id].hls == result.hls
    assert (status.stage, status.progress) == ("completed", 100)
    # nothing half-written anywhere
    derived = media_root / tenant / job.asset_id / "derived"
    assert not [name for name in listing(derived) if "/." in f"/{name}" and "done" not in name]


@pytest.mark.parametrize(
    ("clip", "audio", "renditions", "hls", "poster"),
    [
        ("audio", ["aac", "mp3"], ["audio-aac", "audio-mp3"], True, False),
        ("image", ["aac"], [], False, True),
        ("silent_video", ["aac"], ["240p", "144p"], True, True),
    ],
)
async def test_each_kind_gets_the_outputs_that_fit_it(
    temporal_client: Client,
    task_queue: str,
    clips: Clips,
    media_root: Path,
    tenant: str,
    clip: str,
    audio: list[str],
    renditions: list[str],
    hls: bool,
    poster: bool,
) -> None:
    store = MemoryAssetStore()
    source = place(getattr(clips, clip), media_root, f"{tenant}/uploads/{clip}.upload")
    job = job_input(tenant, source, audio=audio)
    async with media_worker(temporal_client, task_queue, media_root, store):
        result = await (await start_job(temporal_client, task_queue, job)).result()
    assert [r.name for r in result.renditions] == renditions
    assert (result.hls is not None) == hls
    assert (result.thumbnails is not None and result.thumbnails.poster is not None) == poster
    assert store.jobs[job.job_id].status == "completed"


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("{tenant}/uploads/notes.txt", "MEDIA_UNSUPPORTED"),
        ("{tenant}/uploads/empty.mp4", "MEDIA_PROBE_FAILED"),
        ("other-tenant/uploads/clip.mkv", "MEDIA_UNSAFE_PATH"),
        ("{tenant}/../other-tenant/uploads/clip.mkv", "MEDIA_UNSAFE_PATH"),
    ],
)
async def test_media_errors_fail_the_job_without_retries(
    temporal_client: Client,
    task_queue: str,
    clips: Clips,
    media_root: Path,
    tenant: str,
    source: str,
    code: str,
) -> None:
    (media_root / tenant / "uploads").mkdir(parents=True)
    (media_root / tenant / "uploads" / "notes.txt").write_text("not a video\n" * 50)
    (media_root / tenant / "uploads" / "empty.mp4").write_bytes(b"")
    place(clips.video, media_root, "other-tenant/uploads/clip.mkv")
    store = MemoryAssetStore()
    job = job_input(tenant, source.format(tenant=tenant))
    async with media_worker(temporal_client, task_queue, media_root, store):
        handle = await start_job(temporal_client, task_queue, job)
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    app_error = media_failure(info.value)
    assert isinstance(app_error, ApplicationError) and app_error.type == MEDIA_ERROR
    assert app_error.non_retryable
    assert app_error.details[0]["code"] == code
    state = store.jobs[job.job_id]
    assert state.status == "failed" and state.error
    assert not (media_root / tenant / job.asset_id).exists()


async def test_a_restarted_job_reuses_every_finished_rendition(
    temporal_client: Client, task_queue: str, clips: Clips, media_root: Path, tenant: str
) -> None:
    store = MemoryAssetStore()
    source = place(clips.video, media_root, f"{tenant}/uploads/clip.mkv")
    first = job_input(tenant, source, hls=False, thumbnails=False)
    again = job_input(tenant, source, hls=False, thumbnails=False, asset_id=first.asset_id)
    async with media_worker(temporal_client, task_queue, media_root, store):
        done = await (await start_job(temporal_client, task_queue, first)).result()
        mtimes = {r.name: os.stat(media_root / r.path).st_mtime_ns for r in done.renditions}
        redone = await (await start_job(temporal_client, task_queue, again)).result()
    assert done.reused == []
    assert redone.reused == ["240p", "144p", "audio-aac"]
    assert {r.name: os.stat(media_root / r.path).st_mtime_ns for r in redone.renditions} == mtimes
