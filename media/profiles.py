"""Transcode profiles and the plan: which renditions an input gets, and their FFmpeg arguments.

Video renditions are H.264 (High, yuv420p) + AAC-LC stereo in MP4 with `+faststart`, one
per ladder height at or below the source (never upscaled), keyframes forced every
`gop_s` seconds so HLS segments cut cleanly without re-encoding. Audio renditions are AAC
(M4A), Opus (Ogg) or MP3. Argument lists are built here only, so the benchmark can run the
very same command outside the workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from media.errors import PlanError
from media.probe import ProbeResult, guarded_input

AudioCodec = Literal["aac", "opus", "mp3"]


@dataclass(frozen=True)
class VideoProfile:
    height: int
    max_bitrate_k: int
    audio_bitrate_k: int
    crf: int = 23
    preset: str = "veryfast"
    gop_s: float = 2.0

    @property
    def name(self) -> str:
        return f"{self.height}p"


@dataclass(frozen=True)
class AudioProfile:
    codec: AudioCodec
    encoder: str
    bitrate_k: int
    extension: str
    muxer: str

    @property
    def name(self) -> str:
        return f"audio-{self.codec}"


VIDEO_LADDER: tuple[VideoProfile, ...] = (
    VideoProfile(1080, 5000, 192),
    VideoProfile(720, 2800, 128),
    VideoProfile(480, 1400, 128),
    VideoProfile(360, 800, 96),
    VideoProfile(240, 400, 64),
    VideoProfile(144, 200, 64),
)
AUDIO_PROFILES: dict[str, AudioProfile] = {
    "aac": AudioProfile("aac", "aac", 128, "m4a", "mp4"),
    "opus": AudioProfile("opus", "libopus", 96, "opus", "ogg"),
    "mp3": AudioProfile("mp3", "libmp3lame", 192, "mp3", "mp3"),
}
DEFAULT_HEIGHTS = (1080, 720, 480, 360)


@dataclass(frozen=True)
class Rendition:
    """One planned output. `name` is unique within a job and names the file."""

    name: str
    kind: Literal["video", "audio"]
    filename: str
    width: int = 0
    height: int = 0
    profile: VideoProfile | AudioProfile | None = None
    has_audio: bool = True

    def args(self, source: str, output: str) -> list[str]:
        if isinstance(self.profile, VideoProfile):
            return video_args(self, self.profile, source, output)
        if isinstance(self.profile, AudioProfile):
            return audio_args(self.profile, source, output)
        raise PlanError(f"rendition {self.name} has no profile")


def video_profile(height: int) -> VideoProfile:
    for profile in VIDEO_LADDER:
        if profile.height == height:
            return profile
    # A height not on the ladder takes the bitrate of the next rung up.
    above = [p for p in VIDEO_LADDER if p.height >= height] or [VIDEO_LADDER[0]]
    nearest = min(above, key=lambda p: p.height)
    return VideoProfile(height, nearest.max_bitrate_k, nearest.audio_bitrate_k)


def audio_profile(codec: str) -> AudioProfile:
    try:
        return AUDIO_PROFILES[codec]
    except KeyError:
        raise PlanError(f"unknown audio profile {codec!r}; known: aac, opus, mp3") from None


def plan_for(
    probe: ProbeResult, *, heights: Sequence[int] = DEFAULT_HEIGHTS, audio: Sequence[str] = ()
) -> list[Rendition]:
    return plan(
        probe.kind,
        width=probe.width or 0,
        height=probe.height or 0,
        has_audio=bool(probe.audio),
        heights=heights,
        audio=audio,
    )


def plan(
    kind: str,
    *,
    width: int,
    height: int,
    has_audio: bool,
    heights: Sequence[int] = DEFAULT_HEIGHTS,
    audio: Sequence[str] = (),
) -> list[Rendition]:
    """The renditions of an input: video heights not above the source, then audio codecs."""
    renditions: list[Rendition] = []
    if kind == "video":
        if width <= 0 or height <= 0:
            raise PlanError("the video stream has no dimensions")
        fitting = sorted({h for h in heights if 0 < h <= height}, reverse=True)
        if not fitting:
            # Smaller than every requested rung: one rendition at the source height.
            fitting = [_even(height)]
        for rung in fitting:
            renditions.append(video_rendition(rung, round(width * rung / height), has_audio))
    if kind in ("video", "audio") and has_audio:
        renditions += [audio_rendition(codec) for codec in dict.fromkeys(audio)]
    if not renditions and kind != "image":
        raise PlanError(f"nothing to transcode for this {kind} with the requested profiles")
    return renditions


def video_rendition(height: int, width: int, has_audio: bool) -> Rendition:
    profile = video_profile(height)
    return Rendition(
        name=profile.name,
        kind="video",
        filename=f"{profile.name}.mp4",
        width=_even(width),
        height=_even(height),
        profile=profile,
        has_audio=has_audio,
    )


def audio_rendition(codec: str) -> Rendition:
    profile = audio_profile(codec)
    return Rendition(
        name=profile.name,
        kind="audio",
        filename=f"{profile.name}.{profile.extension}",
        profile=profile,
    )


def video_args(r: Rendition, p: VideoProfile, source: str, output: str) -> list[str]:
    args = [
        *guarded_input(source),
        "-map", "0:v:0",
        "-c:v", "libx264",
        "-preset", p.preset,
        "-crf", str(p.crf),
        "-maxrate", f"{p.max_bitrate_k}k",
        "-bufsize", f"{2 * p.max_bitrate_k}k",
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        "-vf", f"scale={r.width}:{r.height}",
        "-force_key_frames", f"expr:gte(t,n_forced*{p.gop_s:g})",
    ]  # fmt: skip
    if r.has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{p.audio_bitrate_k}k", "-ac", "2"]
    else:
        args += ["-an"]
    return [*args, "-sn", "-dn", "-movflags", "+faststart", "-f", "mp4", output]


def audio_args(p: AudioProfile, source: str, output: str) -> list[str]:
    args = [*guarded_input(source), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    args += ["-c:a", p.encoder, "-b:a", f"{p.bitrate_k}k", "-ac", "2"]
    if p.muxer == "mp4":
        args += ["-movflags", "+faststart"]
    return [*args, "-f", p.muxer, output]


def _even(value: float) -> int:
    return max(2, int(value / 2 + 0.5) * 2)  # half up, not to even
