from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from media.errors import UnsafePath
from media.ingest import (
    QuotaExceeded,
    UploadLimits,
    UploadTooLarge,
    receive_upload,
    upload_ref,
)
from media.paths import MediaRoot

CHUNK = b"x" * 1000


async def body(count: int, chunk: bytes = CHUNK) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield chunk


def stored_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def test_upload_is_stored_with_size_and_checksum(tmp_path: Path) -> None:
    stored = await receive_upload(
        body(5), root=MediaRoot(tmp_path), tenant_id="t1", asset_id="a1",
        limits=UploadLimits(max_bytes=10_000),
    )  # fmt: skip
    assert (stored.ref, stored.size) == ("t1/a1/source", 5000)
    assert stored.sha256 == hashlib.sha256(CHUNK * 5).hexdigest()
    assert stored_files(tmp_path) == ["t1/a1/source"]


async def used(tenant: str) -> int:
    return {"t1": 9_000}.get(tenant, 0)


@pytest.mark.parametrize(
    ("chunks", "declared", "limits", "error"),
    [
        (20, None, UploadLimits(max_bytes=10_000), UploadTooLarge),  # found while streaming
        (1, 20_000, UploadLimits(max_bytes=10_000), UploadTooLarge),  # Content-Length says so
        (2, None, UploadLimits(max_bytes=10_000, quota_bytes=10_000), QuotaExceeded),
        (1, 5_000, UploadLimits(max_bytes=10_000, quota_bytes=10_000), QuotaExceeded),
    ],
)
async def test_refused_uploads_leave_nothing_stored(
    tmp_path: Path,
    chunks: int,
    declared: int | None,
    limits: UploadLimits,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await receive_upload(
            body(chunks), root=MediaRoot(tmp_path), tenant_id="t1", asset_id="a1",
            limits=limits, usage=used, declared_size=declared,
        )  # fmt: skip
    assert stored_files(tmp_path) == []


async def test_quota_is_per_tenant(tmp_path: Path) -> None:
    stored = await receive_upload(
        body(2), root=MediaRoot(tmp_path), tenant_id="t2", asset_id="a1",
        limits=UploadLimits(max_bytes=10_000, quota_bytes=10_000), usage=used,
    )  # fmt: skip
    assert stored.size == 2000


async def test_an_aborted_upload_leaves_nothing(tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield CHUNK
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await receive_upload(
            broken(), root=MediaRoot(tmp_path), tenant_id="t1", asset_id="a1",
            limits=UploadLimits(max_bytes=10_000),
        )  # fmt: skip
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize(("tenant", "asset"), [("..", "a1"), ("t1", "../t2"), ("t1/x", "a")])
async def test_ids_cannot_steer_the_path(tmp_path: Path, tenant: str, asset: str) -> None:
    with pytest.raises(UnsafePath):
        await receive_upload(
            body(1), root=MediaRoot(tmp_path / "media"), tenant_id=tenant, asset_id=asset,
            limits=UploadLimits(max_bytes=10_000),
        )  # fmt: skip
    assert stored_files(tmp_path) == []


def test_stored_name_ignores_the_client_file_name() -> None:
    assert upload_ref("t1", "a1") == "t1/a1/source"
