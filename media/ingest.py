"""Receiving an upload: stream to disk under the tenant's folder, with a size limit, a tenant
quota and a SHA-256, and nothing left behind when any of them says no.

Framework-free: the web layer hands in the request body as an async iterator of chunks
(`request.stream()` in Starlette) and maps the errors to HTTP (`UploadTooLarge` and
`QuotaExceeded` -> 413). Bytes go to a hidden `.part` file and are renamed into place only
when complete, so a probe or a job never sees half an upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from media.errors import MediaError
from media.paths import MediaRoot

# used bytes of a tenant, as the data layer counts them (sum of MediaAsset.size)
UsageLookup = Callable[[str], Awaitable[int]]


class UploadRefused(MediaError):
    code = "MEDIA_UPLOAD_REFUSED"


class UploadTooLarge(UploadRefused):
    code = "MEDIA_UPLOAD_TOO_LARGE"


class QuotaExceeded(UploadRefused):
    code = "MEDIA_QUOTA_EXCEEDED"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int  # per file
    quota_bytes: int | None = None  # per tenant, None = unlimited


@dataclass(frozen=True)
class StoredUpload:
    ref: str  # media reference of the stored file
    size: int
    sha256: str


def upload_ref(tenant_id: str, asset_id: str) -> str:
    # The original name is kept in the asset row only; on disk the name says nothing, so a
    # crafted name cannot steer a path or a demuxer.
    return f"{tenant_id}/{asset_id}/source"


def derived_bytes(root: MediaRoot, tenant_id: str, asset_id: str) -> int:
    """Bytes on disk in the asset's folder besides its upload: renditions, HLS, thumbnails
    (unfinished `.part` files not counted). With the upload's size, what the asset costs."""
    folder = root.resolve_for(tenant_id, f"{tenant_id}/{asset_id}")
    source = root.resolve_for(tenant_id, upload_ref(tenant_id, asset_id))
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            if path == source or name.endswith(".part"):
                continue
            try:
                total += path.lstat().st_size
            except FileNotFoundError:
                continue  # removed while we walked (a cancelled job's cleanup)
    return total


async def receive_upload(
    chunks: AsyncIterator[bytes],
    *,
    root: MediaRoot,
    tenant_id: str,
    asset_id: str,
    limits: UploadLimits,
    usage: UsageLookup | None = None,
    declared_size: int | None = None,
) -> StoredUpload:
    ref = upload_ref(tenant_id, asset_id)
    target = root.resolve_for(tenant_id, ref)
    allowed = limits.max_bytes
    if limits.quota_bytes is not None:
        used = await usage(tenant_id) if usage is not None else 0
        allowed = min(allowed, max(0, limits.quota_bytes - used))
    _refuse_early(declared_size, limits, allowed)
    part = target.with_name(f".{target.name}.part")
    digest = hashlib.sha256()
    size = 0
    fd = _open_part(part)
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > allowed:
                _refuse_early(size, limits, allowed)
            digest.update(chunk)
            _write_all(fd, chunk)
        await asyncio.to_thread(os.fsync, fd)
    except BaseException:
        os.close(fd)
        part.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(part, target)
    return StoredUpload(ref=ref, size=size, sha256=digest.hexdigest())


def _refuse_early(size: int | None, limits: UploadLimits, allowed: int) -> None:
    if size is None or size <= allowed:
        return
    if size > limits.max_bytes:
        raise UploadTooLarge(f"the file is larger than {limits.max_bytes} bytes")
    raise QuotaExceeded("the upload would exceed the tenant's media quota")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _open_part(part: Path) -> int:
    part.parent.mkdir(parents=True, exist_ok=True)
    return os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
