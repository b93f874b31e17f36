"""Media jobs end to end through the real wiring: the upload endpoint starts MediaJob, the
worker built by `worker.main.run_worker` (its COMPONENTS, the DBAL asset store, the heartbeat
throttle) runs it, and the API serves what it made.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import CancelledError

from media.m3u8 import parse_master_playlist
from tests.media.clips import Clips
from tests.media.procs import alive, ffmpeg_pids
from tests.media.stack import MediaStack, csrf, eventually, media_stack, upload, wait_for_job

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


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


async def test_an_upload_is_transcoded_by_the_worker_and_played_from_a_signed_url(
    stack: MediaStack, clips: Clips
) -> None:
    owner = stack.user("a")
    slug = stack.tenants["a"]["slug"]
    async with stack.client(owner) as c:
        body = (await upload(c, slug, clips.video, "clip.mkv")).json()
        job_id = body["job"]["id"]
        # the job's run events: progress while it works, then done (read to the end)
        events = (await c.get(f"/api/v1/{slug}/media/jobs/{job_id}/events")).text
        asset = (await c.get(f"/api/v1/{slug}/media/assets/{body['asset']['id']}")).json()
        jobs = (await c.get(f"/api/v1/{slug}/media/jobs")).json()["items"]
    assert "event: progress" in events
    assert events.rstrip().splitlines()[-1].startswith('data: {"status":"completed"')
    assert asset["job"]["status"] == "completed" and asset["job"]["progress"] == 100
    assert asset["job"]["params"]["stage"] == "completed"
    assert [(j["id"], j["name"], j["status"]) for j in jobs] == [(job_id, "clip.mkv", "completed")]
    assert (asset["mimeType"], asset["width"], asset["height"], asset["duration"]) == (
        "video/x-matroska", 320, 240, 3,
    )  # fmt: skip
    assert [r["name"] for r in asset["metadata"]["renditions"]] == ["240p", "audio-aac"]
    assert asset["thumbnailPath"].endswith("/thumbs/poster.jpg")

    async with stack.client(None) as anonymous:  # the signed URL needs no session
        master = await anonymous.get(asset["playUrl"])
        poster = await anonymous.get(asset["posterUrl"])
    assert master.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    variants = parse_master_playlist(master.text)
    assert [v.uri.split("?")[0] for v in variants] == ["240p/index.m3u8"]


def bytes_on_disk(stack: MediaStack, tenant: str, asset_id: str) -> tuple[int, int]:
    """(the upload's size, the size of everything else in the asset's folder)."""
    folder = stack.media_dir / stack.tenants[tenant]["id"] / asset_id
    files = [p for p in folder.rglob("*") if p.is_file()]
    source = sum(p.stat().st_size for p in files if p == folder / "source")
    return source, sum(p.stat().st_size for p in files) - source


async def test_what_a_job_makes_is_recorded_and_counts_against_the_quota(
    tmp_path: Path, clips: Clips, temporal_client: Client, task_queue: str
) -> None:
    source = clips.video.stat().st_size
    # Room for two uploads if only uploads counted; not once the first one's renditions do.
    async with media_stack(
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path / "data",
        temporal_client,
        task_queue,
        worker=True,
        media_quota_bytes=int(source * 2.05),
    ) as stack:
        slug = stack.tenants["a"]["slug"]
        async with stack.client(stack.user("a")) as c:
            body = (await upload(c, slug, clips.video, "clip.mkv")).json()
            asset_id = body["asset"]["id"]
            assert body["asset"]["derivedSize"] is None  # nothing made yet
            await wait_for_job(stack, "a", body["job"]["id"], within=60)
            asset = (await c.get(f"/api/v1/{slug}/media/assets/{asset_id}")).json()
            uploaded, made = bytes_on_disk(stack, "a", asset_id)
            assert (asset["size"], asset["derivedSize"]) == (uploaded, made)
            assert made > source * 0.05
            refused = await upload(c, slug, clips.video, "again.mkv")
        assert (refused.status_code, refused.json()["error"]) == (413, "MEDIA_QUOTA_EXCEEDED")
        assert len(stack.rows("a", "MediaAsset")) == 1
        # Tenant b's usage is its own.
        async with stack.client(stack.user("b")) as c:
            assert (await upload(c, stack.tenants["b"]["slug"], clips.video)).status_code == 201


async def test_cancelling_from_the_api_kills_ffmpeg_within_two_seconds_and_leaves_no_files(
    stack: MediaStack, clips: Clips, temporal_client: Client
) -> None:
    owner = stack.user("a")
    slug = stack.tenants["a"]["slug"]
    tenant_dir = str(stack.media_dir / stack.tenants["a"]["id"])
    async with stack.client(owner) as c:
        body = (await upload(c, slug, clips.long_video)).json()
        job_id, asset_id = body["job"]["id"], body["asset"]["id"]
        await eventually(lambda: len(ffmpeg_pids(tenant_dir)) == 2, within=30)
        pids = ffmpeg_pids(tenant_dir)
        await eventually(
            lambda: next(j for j in stack.rows("a", "MediaJob"))["progress"] > 0, within=30
        )
        started = time.monotonic()
        cancel = await c.post(f"/api/v1/{slug}/media/jobs/{job_id}/cancel", headers=csrf(c))
        assert cancel.status_code == 202
        await eventually(lambda: not any(alive(pid) for pid in pids), within=5)
        gone_after = time.monotonic() - started
        job = await wait_for_job(stack, "a", job_id, within=30)
        with pytest.raises(WorkflowFailureError) as info:
            await temporal_client.get_workflow_handle(body["job"]["workflowId"]).result()
        again = await c.post(f"/api/v1/{slug}/media/jobs/{job_id}/cancel", headers=csrf(c))
    print(f"FFmpeg gone {gone_after:.2f}s after the cancel request")
    assert gone_after < 2.0
    assert isinstance(info.value.cause, CancelledError)
    assert (job["status"], job["params"]["stage"]) == ("cancelled", "cancelled")
    assert again.status_code == 409
    # No partial rendition is left. A rendition that finished before the cancel arrived (the
    # short audio one, on a quiet machine) stays whole with its done marker, for a retry.
    files = stack.files("a")
    done = [f for f in files if f.rsplit("/", 1)[-1].startswith(".") and f.endswith(".done")]
    whole = {f"{d.rsplit('/', 1)[0]}/{d.rsplit('/', 1)[1][1:-5]}" for d in done}
    assert len(done) < 2, files  # the cancel stopped at least one rendition
    assert sorted(files) == sorted([f"{asset_id}/source", *done, *whole]), files


async def test_another_user_cannot_cancel_a_job_but_an_admin_can(
    stack: MediaStack, clips: Clips
) -> None:
    slug = stack.tenants["a"]["slug"]
    async with stack.client(stack.user("a")) as c:
        job_id = (await upload(c, slug, clips.long_video)).json()["job"]["id"]
    url = f"/api/v1/{slug}/media/jobs/{job_id}/cancel"
    async with stack.client(stack.user("a", 1)) as other:
        assert (await other.post(url)).status_code == 404
    async with stack.client(stack.user("b", 3)) as foreign_admin:
        assert (await foreign_admin.post(url)).status_code == 403
    async with stack.client(stack.user("a", 3)) as admin:
        assert (await admin.post(url)).status_code == 202
    assert (await wait_for_job(stack, "a", job_id, within=30))["status"] == "cancelled"
