from __future__ import annotations

from pathlib import Path

import pytest

from media.errors import ProbeError, UnsupportedMedia
from media.probe import parse_probe, probe
from tests.media.clips import Clips


def size_of(path: Path) -> int:
    return path.stat().st_size


@pytest.mark.parametrize(
    ("clip", "kind", "mime", "width", "height", "codecs", "duration"),
    [
        ("video", "video", "video/x-matroska", 320, 240, ("h264", "aac"), 3.0),
        ("silent_video", "video", "video/x-matroska", 320, 240, ("h264", None), 2.0),
        ("audio", "audio", "audio/mpeg", None, None, (None, "mp3"), 3.0),
        ("image", "image", "image/png", 320, 200, ("png", None), 0.0),
    ],
)
async def test_probe_reports_kind_streams_and_duration(
    clips: Clips,
    clip: str,
    kind: str,
    mime: str,
    width: int | None,
    height: int | None,
    codecs: tuple[str | None, str | None],
    duration: float,
) -> None:
    path: Path = getattr(clips, clip)
    result = await probe(path)
    assert result.kind == kind
    assert result.mime_type == mime
    assert (result.width, result.height) == (width, height)
    video_codec = result.video[0].codec if result.video else None
    audio_codec = result.audio[0].codec if result.audio else None
    assert (video_codec, audio_codec) == codecs
    assert result.duration_s == pytest.approx(duration, abs=0.1)
    assert result.size == size_of(path)


@pytest.mark.parametrize(
    ("clip", "disguise", "kind"),
    [
        ("audio", "song.mp4", "audio"),
        ("image", "picture.mp3", "image"),
        ("video", "movie.jpg", "video"),
        ("video", "no_extension", "video"),
    ],
)
async def test_kind_is_decided_by_probing_not_by_the_extension(
    clips: Clips, tmp_path: Path, clip: str, disguise: str, kind: str
) -> None:
    disguised = tmp_path / disguise
    disguised.write_bytes(getattr(clips, clip).read_bytes())
    assert (await probe(disguised)).kind == kind


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("upload.mp4", b"", ProbeError),
        ("upload.mp4", b"this is a text file, not media\n" * 20, ProbeError),
        # ffprobe reads any .txt as a video of ANSI art (demuxer `tty`)
        ("notes.txt", b"this is a text file, not media\n" * 20, UnsupportedMedia),
    ],
)
async def test_unreadable_files_raise_probe_error(
    tmp_path: Path, name: str, content: bytes, error: type[Exception]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error):
        await probe(path)


async def test_playlists_that_point_at_other_files_are_refused(
    clips: Clips, tmp_path: Path
) -> None:
    # An uploaded HLS playlist would make FFmpeg read any file (or URL) it names.
    (tmp_path / "upload.m3u8").write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n{clips.video}\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(UnsupportedMedia, match="container format 'hls' is not accepted"):
        await probe(tmp_path / "upload.m3u8")


async def test_missing_file_raises_probe_error(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="no such file"):
        await probe(tmp_path / "absent.mp4")


def test_cover_art_does_not_make_audio_a_video() -> None:
    data = {
        "format": {"format_name": "mp3", "duration": "12.5", "bit_rate": "128000"},
        "streams": [
            {"index": 0, "codec_type": "audio", "codec_name": "mp3", "sample_rate": "44100",
             "channels": 2},
            {"index": 1, "codec_type": "video", "codec_name": "mjpeg", "width": 500,
             "height": 500, "disposition": {"attached_pic": 1}},
        ],
    }  # fmt: skip
    result = parse_probe(data, size=1000)
    assert (result.kind, result.mime_type, result.video) == ("audio", "audio/mpeg", [])


def test_a_file_without_streams_is_unsupported() -> None:
    data = {"format": {"format_name": "data", "duration": "1.0"}, "streams": []}
    with pytest.raises(UnsupportedMedia):
        parse_probe(data, size=10)
