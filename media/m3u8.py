"""Reading and checking HLS playlists (RFC 8216): media playlists and master playlists.

Used to compute honest BANDWIDTH figures for the master playlist, to validate what we
produce (tests, job output), and by the channel packager to reuse VOD segments.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True)
class Segment:
    uri: str
    duration_s: float
    discontinuity: bool = False


@dataclass(frozen=True)
class MediaPlaylist:
    version: int
    target_duration: int
    media_sequence: int
    playlist_type: str | None
    ended: bool
    segments: list[Segment] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)


@dataclass(frozen=True)
class Variant:
    uri: str
    attributes: dict[str, str]

    @property
    def bandwidth(self) -> int:
        return int(self.attributes["BANDWIDTH"])


class PlaylistError(ValueError):
    """The text is not a valid playlist; `problems` lists every rule it breaks."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_attributes(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR.findall(text)}


def parse_media_playlist(text: str) -> MediaPlaylist:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problems: list[str] = []
    if not lines or lines[0] != "#EXTM3U":
        problems.append("the first line is not #EXTM3U")
    version, target, sequence = 1, -1, 0
    playlist_type: str | None = None
    ended = False
    segments: list[Segment] = []
    pending: float | None = None
    discontinuity = False
    for line in lines[1:]:
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-VERSION":
            version = int(value)
        elif tag == "#EXT-X-TARGETDURATION":
            target = int(value)
        elif tag == "#EXT-X-MEDIA-SEQUENCE":
            sequence = int(value)
        elif tag == "#EXT-X-PLAYLIST-TYPE":
            playlist_type = value
        elif tag == "#EXT-X-ENDLIST":
            ended = True
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXTINF":
            pending = float(value.split(",")[0])
        elif line.startswith("#EXT-X-STREAM-INF"):
            problems.append("a master playlist tag appears in a media playlist")
        elif not line.startswith("#"):
            if pending is None:
                problems.append(f"segment {line} has no #EXTINF")
                continue
            segments.append(Segment(line, pending, discontinuity))
            pending, discontinuity = None, False
    if target < 0:
        problems.append("#EXT-X-TARGETDURATION is missing")
    for seg in segments:
        # RFC 8216 4.3.3.1: each EXTINF rounded to an integer must not exceed the target.
        if round(seg.duration_s) > target >= 0:
            problems.append(f"segment {seg.uri} lasts {seg.duration_s}s > target {target}s")
    if not segments:
        problems.append("the playlist has no segments")
    if problems:
        raise PlaylistError(problems)
    return MediaPlaylist(version, target, sequence, playlist_type, ended, segments)


def parse_master_playlist(text: str) -> list[Variant]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    problems: list[str] = []
    if not lines or lines[0] != "#EXTM3U":
        problems.append("the first line is not #EXTM3U")
    variants: list[Variant] = []
    pending: dict[str, str] | None = None
    for line in lines[1:]:
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(line.partition(":")[2])
            if "BANDWIDTH" not in pending:
                problems.append(f"{line} has no BANDWIDTH")
        elif line.startswith("#EXTINF"):
            problems.append("a media segment appears in a master playlist")
        elif not line.startswith("#"):
            if pending is None:
                problems.append(f"variant {line} has no #EXT-X-STREAM-INF")
                continue
            variants.append(Variant(line, pending))
            pending = None
    if not variants:
        problems.append("the master playlist has no variants")
    if problems:
        raise PlaylistError(problems)
    return variants


def render_media_playlist(
    segments: list[Segment],
    *,
    media_sequence: int = 0,
    discontinuity_sequence: int = 0,
    ended: bool = False,
    playlist_type: str | None = None,
) -> str:
    target = max((math.ceil(s.duration_s) for s in segments), default=1)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}"]
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}")
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    if playlist_type:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{playlist_type}")
    for seg in segments:
        if seg.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{seg.duration_s:.6f},")
        lines.append(seg.uri)
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
