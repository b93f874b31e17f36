from __future__ import annotations

import os
from pathlib import Path

import pytest

from media.probe import probe
from media.profiles import Rendition, audio_rendition, plan, video_rendition
from media.transcode import finished_output, marker_path, transcode
from tests.media.clips import Clips


@pytest.mark.parametrize(
    ("rendition", "size", "codecs"),
    [
        (video_rendition(240, 320, True), (320, 240), ("h264", "aac")),
        (video_rendition(144, 192, True), (192, 144), ("h264", "aac")),
        (audio_rendition("aac"), None, (None, "aac")),
        (audio_rendition("opus"), None, (None, "opus")),
        (audio_rendition("mp3"), None, (None, "mp3")),
    ],
    ids=lambda v: getattr(v, "name", None),
)
async def test_each_profile_produces_playable_output(
    clips: Clips,
    tmp_path: Path,
    rendition: object,
    size: tuple[int, int] | None,
    codecs: tuple[str | None, str | None],
) -> None:
    assert isinstance(rendition, Rendition)
    source = await probe(clips.video)
    outcome = await transcode(clips.video, rendition, tmp_path, duration_s=source.duration_s)
    made = await probe(outcome.path)
    assert outcome.path == tmp_path / rendition.filename and not outcome.reused
    assert (made.width, made.height) == (size or (None, None))
    video_codec = made.video[0].codec if made.video else None
    audio_codec = made.audio[0].codec if made.audio else None
    assert (video_codec, audio_codec) == codecs
    assert made.duration_s == pytest.approx(source.duration_s, abs=0.1)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [rendition.filename, marker_path(tmp_path, rendition).name]
    )


async def test_video_without_audio_gets_a_video_only_rendition(
    clips: Clips, tmp_path: Path
) -> None:
    src = await probe(clips.silent_video)
    (r,) = plan("video", width=320, height=240, has_audio=False, heights=[240])
    made = await probe((await transcode(clips.silent_video, r, tmp_path, duration_s=2.0)).path)
    assert (len(made.video), len(made.audio)) == (1, 0)
    assert made.duration_s == pytest.approx(src.duration_s, abs=0.1)


async def test_progress_is_reported_until_done(clips: Clips, tmp_path: Path) -> None:
    seen: list[float] = []
    await transcode(
        clips.video,
        video_rendition(240, 320, True),
        tmp_path,
        duration_s=3.0,
        on_progress=lambda p: seen.append(p.percent),
    )
    assert seen[-1] == 100.0
    assert seen == sorted(seen)


async def test_a_finished_rendition_is_reused_not_encoded_again(
    clips: Clips, tmp_path: Path
) -> None:
    source = tmp_path / "source.mkv"
    os.link(clips.video, source)
    rendition = video_rendition(144, 192, True)
    first = await transcode(source, rendition, tmp_path / "out", duration_s=3.0)
    mtime = first.path.stat().st_mtime_ns
    again = await transcode(source, rendition, tmp_path / "out", duration_s=3.0)
    assert again.reused and again.path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("change", ["source_touched", "output_truncated", "marker_missing"])
async def test_a_stale_rendition_is_encoded_again(
    clips: Clips, tmp_path: Path, change: str
) -> None:
    source = tmp_path / "source.mkv"
    source.write_bytes(clips.video.read_bytes())
    rendition = video_rendition(144, 192, True)
    out_dir = tmp_path / "out"
    first = await transcode(source, rendition, out_dir, duration_s=3.0)
    if change == "source_touched":
        os.utime(source, ns=(1, 1))
    elif change == "output_truncated":
        with first.path.open("r+b") as f:
            f.truncate(100)
    else:
        marker_path(out_dir, rendition).unlink()
    assert finished_output(source, rendition, out_dir) is None
    again = await transcode(source, rendition, out_dir, duration_s=3.0)
    assert not again.reused
    assert finished_output(source, rendition, out_dir) == again.__class__(
        again.path, again.size, reused=True
    )
