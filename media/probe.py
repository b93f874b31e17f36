"""What a file really is, asked of ffprobe: kind, container, streams, duration, dimensions.

The kind (video, audio or image) comes from the streams, never from the file name: an MP3
renamed `.mp4` is audio, a PNG renamed `.mp3` is an image. A cover picture attached to an
audio file (`disposition.attached_pic`) does not make it a video.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from media.errors import ProbeError, UnsupportedMedia
from media.tools import ffprobe_binary

MediaKind = Literal["video", "audio", "image"]

PROBE_TIMEOUT_S = 30.0

# Demuxers we accept (ffprobe's first format name). Everything else is refused, above all
# playlists and indirections (hls, concat, dash) that would make FFmpeg open other files or
# URLs, and text "formats" (tty renders any text file as a video of ANSI art).
ALLOWED_FORMATS = frozenset(
    {
        "mov", "matroska", "webm", "avi", "flv", "mpegts", "mpeg", "ogg", "asf", "mxf", "dv",
        "mp3", "wav", "w64", "flac", "aac", "aiff", "caf", "amr", "wv", "ape", "au",
        "h264", "hevc", "ivf", "m4v",
        "image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe",
    }
)  # fmt: skip
_REFUSED_FORMAT = re.compile(r"\[(\w+) @ \w+\] Format not on whitelist")
# ffprobe's demuxer names for still images (image2 covers files named *.jpg, *.png, ...).
_IMAGE_FORMATS = frozenset(
    {"image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe", "svg_pipe"}
)
_IMAGE_MIME = {
    "png": "image/png",
    "mjpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
}
# (first demuxer name, kind) -> MIME type; the first name is what ffprobe reports first.
_CONTAINER_MIME: dict[tuple[str, MediaKind], str] = {
    ("mov", "video"): "video/mp4",
    ("mov", "audio"): "audio/mp4",
    ("matroska", "video"): "video/x-matroska",
    ("matroska", "audio"): "audio/x-matroska",
    ("webm", "video"): "video/webm",
    ("webm", "audio"): "audio/webm",
    ("ogg", "audio"): "audio/ogg",
    ("ogg", "video"): "video/ogg",
    ("mp3", "audio"): "audio/mpeg",
    ("wav", "audio"): "audio/wav",
    ("flac", "audio"): "audio/flac",
    ("aac", "audio"): "audio/aac",
    ("mpegts", "video"): "video/mp2t",
    ("mpegts", "audio"): "audio/mp2t",
    ("avi", "video"): "video/x-msvideo",
    ("flv", "video"): "video/x-flv",
}


@dataclass(frozen=True)
class VideoStream:
    index: int
    codec: str
    width: int
    height: int
    fps: float
    profile: str | None = None
    level: int | None = None
    pix_fmt: str | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class AudioStream:
    index: int
    codec: str
    sample_rate: int
    channels: int
    profile: str | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class ProbeResult:
    kind: MediaKind
    format_name: str
    mime_type: str
    duration_s: float
    size: int
    bit_rate: int | None
    video: list[VideoStream] = field(default_factory=list)
    audio: list[AudioStream] = field(default_factory=list)

    @property
    def width(self) -> int | None:
        return self.video[0].width if self.video else None

    @property
    def height(self) -> int | None:
        return self.video[0].height if self.video else None


def guarded_input(source: str) -> list[str]:
    """`-i source` for an untrusted file: only accepted demuxers, only the local file.

    The whitelists refuse other demuxers before they open anything: no network access and
    no nested files (an uploaded playlist naming another tenant's media).
    """
    formats = ",".join(sorted(ALLOWED_FORMATS))
    return ["-format_whitelist", formats, "-protocol_whitelist", "file", "-i", source]


async def probe(path: Path) -> ProbeResult:
    size = _file_size(path)
    proc = await asyncio.create_subprocess_exec(
        ffprobe_binary(),
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        *guarded_input(str(path))[:-2],
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), PROBE_TIMEOUT_S)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        text = err.decode(errors="replace")
        refused = _REFUSED_FORMAT.search(text)
        if refused:
            message = f"the container format {refused.group(1)!r} is not accepted"
            raise UnsupportedMedia(message, path=str(path))
        reason = text.strip().splitlines()[-1:] or ["unreadable"]
        raise ProbeError(f"ffprobe cannot read the file: {reason[0]}", path=str(path))
    return parse_probe(json.loads(out), size=size, path=str(path))


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        raise ProbeError(f"no such file: {path.name}", path=str(path)) from None


def parse_probe(data: dict[str, Any], *, size: int, path: str | None = None) -> ProbeResult:
    fmt = data.get("format", {})
    format_name = str(fmt.get("format_name", ""))
    if format_name.split(",")[0] not in ALLOWED_FORMATS:
        raise UnsupportedMedia(f"the container format {format_name!r} is not accepted", path=path)
    video: list[VideoStream] = []
    audio: list[AudioStream] = []
    for stream in data.get("streams", []):
        kind = stream.get("codec_type")
        if kind == "video" and not stream.get("disposition", {}).get("attached_pic"):
            video.append(_video_stream(stream))
        elif kind == "audio":
            audio.append(_audio_stream(stream))
    stream_durations = [s.duration_s or 0.0 for s in video] + [s.duration_s or 0.0 for s in audio]
    duration = _float(fmt.get("duration")) or max(stream_durations, default=0.0)
    kind = _classify(format_name, video, audio, duration)
    return ProbeResult(
        kind=kind,
        format_name=format_name,
        mime_type=_mime(format_name, kind, video),
        duration_s=0.0 if kind == "image" else duration,
        size=size,
        bit_rate=_int(fmt.get("bit_rate")),
        video=video,
        audio=audio,
    )


def _classify(
    format_name: str, video: list[VideoStream], audio: list[AudioStream], duration: float
) -> MediaKind:
    if video:
        still = format_name in _IMAGE_FORMATS or (not audio and duration == 0.0)
        if still and not (format_name == "gif" and duration > 0):
            return "image"
        return "video"
    if audio:
        return "audio"
    raise UnsupportedMedia("the file has no audio, video or image stream")


def _mime(format_name: str, kind: MediaKind, video: list[VideoStream]) -> str:
    if kind == "image":
        return _IMAGE_MIME.get(video[0].codec, "application/octet-stream")
    first = format_name.split(",")[0]
    return _CONTAINER_MIME.get((first, kind), f"{kind}/octet-stream")


def _video_stream(s: dict[str, Any]) -> VideoStream:
    return VideoStream(
        index=int(s["index"]),
        codec=str(s.get("codec_name", "unknown")),
        width=int(s.get("width", 0)),
        height=int(s.get("height", 0)),
        fps=_rate(s.get("avg_frame_rate")) or _rate(s.get("r_frame_rate")),
        profile=s.get("profile"),
        level=_int(s.get("level")),
        pix_fmt=s.get("pix_fmt"),
        duration_s=_float(s.get("duration")),
    )


def _audio_stream(s: dict[str, Any]) -> AudioStream:
    return AudioStream(
        index=int(s["index"]),
        codec=str(s.get("codec_name", "unknown")),
        sample_rate=_int(s.get("sample_rate")) or 0,
        channels=int(s.get("channels", 0)),
        profile=s.get("profile"),
        duration_s=_float(s.get("duration")),
    )


def _rate(value: object) -> float:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate)


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
