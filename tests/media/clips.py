"""Test clips made on the spot with FFmpeg's test sources (tiny, low resolution, a few seconds)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from media.tools import ffmpeg_binary


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
        check=True,
        timeout=120,
    )


def make_video(
    path: Path,
    *,
    seconds: float = 3.0,
    size: str = "320x240",
    rate: int = 25,
    audio: bool = True,
) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
        args += ["-c:a", "aac", "-b:a", "64k"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25"]
    ffmpeg(*args, "-f", "matroska", str(path))
    return path


def loop_video(short: Path, path: Path, *, times: int) -> Path:
    """A long clip in no time: the short one repeated by stream copy."""
    ffmpeg(
        "-stream_loop", str(times - 1), "-i", str(short), "-c", "copy", "-f", "matroska", str(path)
    )
    return path


def make_audio(path: Path, *, seconds: float = 3.0) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=44100:duration={seconds}",
        "-c:a", "libmp3lame", "-b:a", "96k", "-f", "mp3", str(path),
    )  # fmt: skip
    return path


def make_image(path: Path, *, size: str = "320x200") -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=1:duration=1",
        "-frames:v", "1", "-c:v", "png", "-f", "image2", str(path),
    )  # fmt: skip
    return path


@dataclass(frozen=True)
class Clips:
    """Session-wide originals; tests link them into their own tenant folder."""

    video: Path  # 3 s 320x240 25 fps H.264 + AAC in Matroska
    silent_video: Path  # 2 s 320x240, no audio track
    audio: Path  # 3 s MP3
    image: Path  # 320x200 PNG
    long_video: Path  # 40 s 640x360, for cancel and crash tests

    @classmethod
    def build(cls, folder: Path) -> Clips:
        folder.mkdir(parents=True, exist_ok=True)
        short = make_video(folder / "short.mkv", seconds=2.0, size="640x360")
        return cls(
            video=make_video(folder / "video.mkv"),
            silent_video=make_video(folder / "silent.mkv", seconds=2.0, audio=False),
            audio=make_audio(folder / "audio.mp3"),
            image=make_image(folder / "image.png"),
            long_video=loop_video(short, folder / "long.mkv", times=20),
        )


def place(clip: Path, media_root: Path, ref: str) -> str:
    """Hard-link `clip` into the media directory at `ref`; returns `ref`."""
    target = media_root / ref
    target.parent.mkdir(parents=True, exist_ok=True)
    os.link(clip, target)
    return ref
