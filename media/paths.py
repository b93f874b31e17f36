"""The media directory: references (relative POSIX paths) in, absolute paths out, no escapes.

Payloads carry references such as `t1/a42/source.bin`, never bytes and never absolute paths,
so a job can move between workers that mount the same directory at different places. Every
reference is resolved here, and one that would leave the directory (absolute, `..`, a symlink
pointing outside) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from media.errors import UnsafePath


@dataclass(frozen=True)
class MediaRoot:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.resolve())

    def resolve(self, ref: str) -> Path:
        pure = PurePosixPath(ref)
        if not ref or pure.is_absolute() or ".." in pure.parts or "\\" in ref or "\x00" in ref:
            raise UnsafePath(f"media reference {ref!r} is not a relative path", path=ref)
        path = (self.root / pure).resolve()
        if path != self.root and self.root not in path.parents:
            raise UnsafePath(f"media reference {ref!r} leaves the media directory", path=ref)
        return path

    def resolve_for(self, tenant_id: str, ref: str) -> Path:
        """Resolve a reference that must lie inside the tenant's own folder `{tenant_id}/`."""
        if not tenant_id or tenant_id in (".", "..") or "/" in tenant_id or "\\" in tenant_id:
            raise UnsafePath(f"tenant id {tenant_id!r} cannot name a folder", path=ref)
        path = self.resolve(ref)
        tenant_dir = self.resolve(tenant_id)
        if path != tenant_dir and tenant_dir not in path.parents:
            raise UnsafePath(f"media reference {ref!r} is outside the tenant's folder", path=ref)
        return path

    def ref(self, path: Path) -> str:
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError as exc:
            raise UnsafePath(f"{path} is outside the media directory", path=str(path)) from exc


def join_ref(*parts: str) -> str:
    return PurePosixPath(*parts).as_posix()
