"""HLS VOD packaging: each MP4/M4A rendition is segmented without re-encoding, then a master
playlist lists them with BANDWIDTH measured from the real segments and RFC 6381 CODECS.

Layout under the job's HLS directory:

    master.m3u8
    720p/index.m3u8, 720p/seg_00000.ts, ...
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.m3u8 import parse_media_playlist
from media.probe import ProbeResult
from media.process import ProgressCallback, run_ffmpeg

MASTER_NAME = "master.m3u8"
PLAYLIST_NAME = "index.m3u8"
DEFAULT_SEGMENT_S = 4.0

_H264_PROFILES = {
    "Baseline": "4200",
    "Constrained Baseline": "42e0",
    "Main": "4d40",
    "High": "6400",
}
_AAC_PROFILES = {"LC": "mp4a.40.2", "HE-AAC": "mp4a.40.5", "HE-AACv2": "mp4a.40.29"}


@dataclass(frozen=True)
class HlsVariant:
    name: str
    uri: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None


def codecs_of(probe: ProbeResult) -> str:
    """RFC 6381 codec strings for the master playlist, e.g. `avc1.64001f,mp4a.40.2`."""
    parts: list[str] = []
    if probe.video:
        v = probe.video[0]
        prefix = _H264_PROFILES.get(v.profile or "", "4d40")
        level = v.level if v.level and v.level > 0 else 31
        parts.append(f"avc1.{prefix}{level:02x}")
    if probe.audio:
        a = probe.audio[0]
        if a.codec == "aac":
            parts.append(_AAC_PROFILES.get(a.profile or "LC", "mp4a.40.2"))
        elif a.codec == "mp3":
            parts.append("mp4a.40.34")
    return ",".join(parts)


async def segment(
    rendition_file: Path,
    variant_dir: Path,
    *,
    duration_s: float,
    segment_s: float = DEFAULT_SEGMENT_S,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Cut one rendition into MPEG-TS segments plus a VOD media playlist; returns the playlist.

    The directory is built beside the target and renamed into place, so a reader never sees
    a half-written variant, and a retry simply starts over.
    """
    staging = variant_dir.with_name(f".{variant_dir.name}.part")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    args = [
        "-i", str(rendition_file),
        "-map", "0",
        "-c", "copy",
        "-f", "hls",
        "-hls_time", f"{segment_s:g}",
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "mpegts",
        "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(staging / "seg_%05d.ts"),
        str(staging / PLAYLIST_NAME),
    ]  # fmt: skip
    await run_ffmpeg(args, duration_s=duration_s, outputs=[staging], on_progress=on_progress)
    shutil.rmtree(variant_dir, ignore_errors=True)
    staging.rename(variant_dir)
    return variant_dir / PLAYLIST_NAME


def measure_variant(name: str, playlist: Path, probe: ProbeResult, uri: str) -> HlsVariant:
    """BANDWIDTH is the peak segment bitrate, AVERAGE-BANDWIDTH the mean (RFC 8216 4.3.4.2)."""
    media = parse_media_playlist(playlist.read_text())
    total_bits = 0
    peak = 0.0
    for seg in media.segments:
        bits = (playlist.parent / seg.uri).stat().st_size * 8
        total_bits += bits
        if seg.duration_s > 0:
            peak = max(peak, bits / seg.duration_s)
    average = total_bits / media.duration_s if media.duration_s > 0 else peak
    v = probe.video[0] if probe.video else None
    return HlsVariant(
        name=name,
        uri=uri,
        bandwidth=int(peak) + 1,
        average_bandwidth=int(average) + 1,
        codecs=codecs_of(probe),
        width=v.width if v else None,
        height=v.height if v else None,
        frame_rate=v.fps if v and v.fps > 0 else None,
    )


def render_master(variants: Sequence[HlsVariant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: v.bandwidth, reverse=True):
        attrs = [f"BANDWIDTH={v.bandwidth}", f"AVERAGE-BANDWIDTH={v.average_bandwidth}"]
        if v.width and v.height:
            attrs.append(f"RESOLUTION={v.width}x{v.height}")
        if v.frame_rate:
            attrs.append(f"FRAME-RATE={v.frame_rate:.3f}")
        if v.codecs:
            attrs.append(f'CODECS="{v.codecs}"')
        lines.append("#EXT-X-STREAM-INF:" + ",".join(attrs))
        lines.append(v.uri)
    return "\n".join(lines) + "\n"


def write_master(hls_dir: Path, variants: Sequence[HlsVariant]) -> Path:
    path = hls_dir / MASTER_NAME
    tmp = hls_dir / f".{MASTER_NAME}.tmp"
    tmp.write_text(render_master(variants))
    tmp.replace(path)
    return path
