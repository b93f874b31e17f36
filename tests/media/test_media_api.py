"""The media HTTP API over the real DBAL and Temporal (no worker: jobs stay pending here).

Rules checked: uploads are classified by probing, not by name; the size limit and the tenant
quota refuse with 413 and leave nothing behind; files are served with ranges only to the
owner, an admin of the same tenant, or a valid unexpired signature for that very asset; a
tenant never reaches another tenant's media.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from temporalio.client import Client

from media.signing import sign_path
from tests.media.clips import Clips
from tests.media.stack import MediaStack, media_stack, upload
from web.api.media_access import signing_key

pytestmark = pytest.mark.temporal


@pytest.fixture
async def stack(tmp_path: Path, database_url: str, temporal_client: Client, task_queue: str):  # type: ignore[no-untyped-def]
    async with media_stack(
        database_url,
        tmp_path / "data",
        temporal_client,
        task_queue,
        media_quota_bytes=1_000_000,
        media_max_upload_bytes=900_000,
    ) as made:
        yield made


def derived(stack: MediaStack, tenant: str, asset_id: str) -> Path:
    """Pretend the job ran: a master playlist, a variant and a segment on disk."""
    folder: Path = stack.media_dir / stack.tenants[tenant]["id"] / asset_id / "derived" / "hls"
    (folder / "240p").mkdir(parents=True)
    (folder / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n240p/index.m3u8\n"
    )
    (folder / "240p" / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n"
    )
    (folder / "240p" / "seg_00000.ts").write_bytes(bytes(range(256)) * 4)
    return folder


async def uploaded(stack: MediaStack, clips: Clips, tenant: str = "a", level: int = 1):  # type: ignore[no-untyped-def]
    owner = stack.user(tenant, level)
    async with stack.client(owner) as c:
        response = await upload(c, stack.tenants[tenant]["slug"], clips.video, "holiday.mkv")
    assert response.status_code == 201, response.text
    return owner, response.json()


def file_url(stack: MediaStack, tenant: str, asset_id: str, path: str) -> str:
    return f"/api/v1/{stack.tenants[tenant]['slug']}/media/files/{asset_id}/{path}"


async def test_an_upload_is_stored_with_its_checksum_and_starts_a_job(
    stack: MediaStack, clips: Clips
) -> None:
    owner, body = await uploaded(stack, clips)
    asset, job = body["asset"], body["job"]
    assert asset["userId"] == owner.user_id and asset["originalName"] == "holiday.mkv"
    assert asset["size"] == clips.video.stat().st_size
    assert asset["metadata"]["kind"] == "video" and len(asset["metadata"]["sha256"]) == 64
    assert job["status"] == "pending" and job["workflowId"].endswith(f"/MediaJob/{job['id']}")
    assert stack.files("a") == [f"{asset['id']}/source"]  # no client-chosen name on disk


@pytest.mark.parametrize(
    ("clip", "name", "kind", "mime"),
    [
        ("audio", "cat.jpg", "audio", "audio/mpeg"),
        ("image", "song.mp3", "image", "image/png"),
        ("video", "notes.txt", "video", "video/x-matroska"),
    ],
)
async def test_a_disguised_file_is_classified_by_probing(
    stack: MediaStack, clips: Clips, clip: str, name: str, kind: str, mime: str
) -> None:
    async with stack.client(stack.user("a")) as c:
        response = await upload(c, stack.tenants["a"]["slug"], getattr(clips, clip), name)
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert (asset["metadata"]["kind"], asset["mimeType"]) == (kind, mime)


async def test_a_file_that_is_no_media_is_refused_and_nothing_is_kept(
    stack: MediaStack, tmp_path: Path
) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"#!/bin/sh\necho this is not a video\n" * 50)
    async with stack.client(stack.user("a")) as c:
        response = await upload(c, stack.tenants["a"]["slug"], fake)
    assert response.status_code == 422
    assert response.json()["error"].startswith("MEDIA_")
    assert stack.files("a") == [] and stack.rows("a", "MediaAsset") == []


async def test_an_upload_over_the_size_limit_is_refused_with_413(
    stack: MediaStack, tmp_path: Path
) -> None:
    big = tmp_path / "big.mkv"
    big.write_bytes(b"\0" * 900_001)
    async with stack.client(stack.user("a")) as c:
        response = await upload(c, stack.tenants["a"]["slug"], big)
    assert (response.status_code, response.json()["error"]) == (413, "MEDIA_UPLOAD_TOO_LARGE")
    assert stack.files("a") == [] and stack.rows("a", "MediaAsset") == []


async def test_an_over_quota_upload_is_refused_and_nothing_is_stored(
    stack: MediaStack, clips: Clips
) -> None:
    # quota 1 000 000 bytes; the test clip (~300 kB) is well under the 900 000 byte file limit
    sizes = []
    async with stack.client(stack.user("a")) as c:
        while True:
            response = await upload(c, stack.tenants["a"]["slug"], clips.video)
            if response.status_code != 201:
                break
            sizes.append(response.json()["asset"]["size"])
    assert sum(sizes) + clips.video.stat().st_size > 1_000_000 >= sum(sizes), response.text
    assert (response.status_code, response.json()["error"]) == (413, "MEDIA_QUOTA_EXCEEDED")
    assert len(stack.rows("a", "MediaAsset")) == len(sizes)
    assert len(stack.files("a")) == len(sizes)  # no partial file of the refused one
    # the quota is per tenant: tenant b still has all of it
    async with stack.client(stack.user("b")) as c:
        assert (await upload(c, stack.tenants["b"]["slug"], clips.video)).status_code == 201


async def test_an_upload_streamed_without_a_length_stops_at_the_limit(
    stack: MediaStack,
) -> None:
    async def endless() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"\0" * 100_000

    async with stack.client(stack.user("a")) as c:
        response = await c.post(
            f"/api/v1/{stack.tenants['a']['slug']}/media/assets", content=endless()
        )
    assert response.status_code == 413
    assert stack.files("a") == []


async def test_files_are_served_with_ranges_to_the_owner(stack: MediaStack, clips: Clips) -> None:
    owner, body = await uploaded(stack, clips)
    asset_id = body["asset"]["id"]
    derived(stack, "a", asset_id)
    url = file_url(stack, "a", asset_id, "derived/hls/240p/seg_00000.ts")
    async with stack.client(owner) as c:
        whole = await c.get(url)
        part = await c.get(url, headers={"Range": "bytes=10-19"})
        tail = await c.get(url, headers={"Range": "bytes=-4"})
        beyond = await c.get(url, headers={"Range": "bytes=5000-"})
        (stack.media_dir / stack.tenants["a"]["id"] / asset_id / "derived" / ".x.done").touch()
        hidden = await c.get(file_url(stack, "a", asset_id, "derived/.x.done"))
        escape = await c.get(file_url(stack, "a", asset_id, "derived/%2e%2e/%2e%2e/" + asset_id))
    assert (whole.status_code, whole.headers["content-type"]) == (200, "video/mp2t")
    assert len(whole.content) == 1024 and whole.headers["accept-ranges"] == "bytes"
    assert (part.status_code, part.content) == (206, bytes(range(10, 20)))
    assert part.headers["content-range"] == "bytes 10-19/1024"
    assert (tail.status_code, tail.content) == (206, bytes(range(252, 256)))
    assert (beyond.status_code, beyond.headers["content-range"]) == (416, "bytes */1024")
    assert hidden.status_code == escape.status_code == 404


@pytest.mark.parametrize(
    ("who", "where", "status"),
    [
        ("owner", "a", 200),
        ("admin of a", "a", 200),
        ("other user of a", "a", 404),
        ("anonymous", "a", 404),
        ("admin of b", "a", 404),
        ("admin of b", "b", 404),  # tenant b's URL with tenant a's asset id
        ("god of b", "b", 404),  # even god+ reaches a's files only under a's URL
    ],
)
async def test_media_of_one_tenant_is_never_served_to_another(
    stack: MediaStack, clips: Clips, who: str, where: str, status: int
) -> None:
    owner, body = await uploaded(stack, clips)
    asset_id = body["asset"]["id"]
    derived(stack, "a", asset_id)
    caller = {
        "owner": owner,
        "admin of a": stack.user("a", 3),
        "other user of a": stack.user("a", 1),
        "anonymous": None,
        "admin of b": stack.user("b", 3),
        "god of b": stack.user("b", 4),
    }[who]
    async with stack.client(caller) as c:
        served = await c.get(file_url(stack, where, asset_id, "derived/hls/master.m3u8"))
        listed = await c.get(f"/api/v1/{stack.tenants[where]['slug']}/media/assets/{asset_id}")
    assert served.status_code == status
    if status == 404:
        assert b"EXTM3U" not in served.content
        assert listed.status_code in (401, 403, 404)


async def test_a_signed_url_serves_the_asset_folder_until_it_expires(
    stack: MediaStack, clips: Clips
) -> None:
    owner, body = await uploaded(stack, clips)
    asset_id = body["asset"]["id"]
    derived(stack, "a", asset_id)
    async with stack.client(owner) as c:
        view = (await c.get(f"/api/v1/{stack.tenants['a']['slug']}/media/assets/{asset_id}")).json()
    # the row has no HLS yet (no worker): sign the master the way the API does
    key = signing_key(stack.app.state.services)
    scope = file_url(stack, "a", asset_id, "")
    master = sign_path(file_url(stack, "a", asset_id, "derived/hls/master.m3u8"), key, scope=scope)
    assert view["playUrl"] is None

    async with stack.client(None) as anonymous:
        playlist = await anonymous.get(master)
        assert playlist.status_code == 200
        variant_uri = next(line for line in playlist.text.splitlines() if "240p/" in line)
        assert "sig=" in variant_uri  # relative URIs carry the signature on
        base = master.split("?")[0].rsplit("/", 1)[0]
        variant = await anonymous.get(f"{base}/{variant_uri}")
        segment_uri = next(line for line in variant.text.splitlines() if line.startswith("seg"))
        segment = await anonymous.get(f"{base}/240p/{segment_uri}")
        assert (variant.status_code, segment.status_code, len(segment.content)) == (200, 200, 1024)

        expired = sign_path(
            file_url(stack, "a", asset_id, "derived/hls/master.m3u8"),
            key,
            scope=scope,
            ttl_s=300,
            now=time.time() - 301,
        )
        refused = await anonymous.get(expired)
        assert (refused.status_code, refused.json()["error"]) == (403, "MEDIA_SIGNATURE_EXPIRED")

        query = dict(parse_qsl(urlsplit(master).query))
        forged = await anonymous.get(
            file_url(stack, "a", asset_id, "derived/hls/master.m3u8"),
            params={**query, "exp": str(int(query["exp"]) + 3600)},
        )
        assert forged.status_code == 404
        # the signature of one asset opens no other asset, not even of the same owner
        _, second = await uploaded(stack, clips)
        derived(stack, "a", second["asset"]["id"])
        other = await anonymous.get(
            file_url(stack, "a", second["asset"]["id"], "derived/hls/master.m3u8"), params=query
        )
        assert other.status_code == 404


@pytest.mark.parametrize(("who", "status"), [("owner", 204), ("admin", 204), ("other", 404)])
async def test_deleting_an_asset_removes_its_rows_and_files(
    stack: MediaStack, clips: Clips, who: str, status: int
) -> None:
    owner, body = await uploaded(stack, clips)
    asset_id = body["asset"]["id"]
    derived(stack, "a", asset_id)
    caller = {"owner": owner, "admin": stack.user("a", 3), "other": stack.user("a", 1)}[who]
    async with stack.client(caller) as c:
        response = await c.delete(f"/api/v1/{stack.tenants['a']['slug']}/media/assets/{asset_id}")
    assert response.status_code == status
    if status == 204:
        assert stack.files("a") == []
        assert stack.rows("a", "MediaAsset") == stack.rows("a", "MediaJob") == []
    else:
        assert f"{asset_id}/source" in stack.files("a")
        assert len(stack.rows("a", "MediaAsset")) == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("public member", 403), ("admin of b", 403), ("god of b", 201)],
)
async def test_who_may_upload_into_a_tenant(
    stack: MediaStack, clips: Clips, who: str, status: int
) -> None:
    caller = {
        "anonymous": None,
        "public member": stack.user("a", 0),
        "admin of b": stack.user("b", 3),
        "god of b": stack.user("b", 4),  # god and supergod act across tenants
    }[who]
    async with stack.client(caller) as c:
        response = await upload(c, stack.tenants["a"]["slug"], clips.video)
    assert response.status_code == status
    assert len(stack.files("a")) == (1 if status == 201 else 0)
