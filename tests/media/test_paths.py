from __future__ import annotations

from pathlib import Path

import pytest

from media.errors import UnsafePath
from media.paths import MediaRoot


@pytest.mark.parametrize(
    "ref",
    ["", "/etc/passwd", "../outside", "t1/../../outside", "t1\\..\\x", "t1/a\x00b"],
)
def test_references_that_leave_the_media_directory_are_refused(tmp_path: Path, ref: str) -> None:
    with pytest.raises(UnsafePath):
        MediaRoot(tmp_path).resolve(ref)


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "t1").mkdir(parents=True)
    (root / "t1" / "escape").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        MediaRoot(root).resolve("t1/escape/secret")


@pytest.mark.parametrize(
    ("tenant", "ref", "allowed"),
    [
        ("t1", "t1/a/source.mp4", True),
        ("t1", "t2/a/source.mp4", False),  # another tenant's media
        ("t1", "t1x/a/source.mp4", False),  # a prefix is not the folder
        ("..", "t1/a/source.mp4", False),
        ("t1/a", "t1/a/source.mp4", False),
    ],
)
def test_jobs_reach_only_their_own_tenant_folder(
    tmp_path: Path, tenant: str, ref: str, allowed: bool
) -> None:
    root = MediaRoot(tmp_path)
    if allowed:
        assert root.resolve_for(tenant, ref) == tmp_path.resolve() / ref
    else:
        with pytest.raises(UnsafePath):
            root.resolve_for(tenant, ref)


def test_ref_round_trips(tmp_path: Path) -> None:
    root = MediaRoot(tmp_path)
    assert root.ref(root.resolve("t1/a/b.mp4")) == "t1/a/b.mp4"
