"""Poster frames and thumbnail sprites (one JPEG grid + a WebVTT map for player scrubbing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from media.probe import ProbeResult, guarded_input
from media.process import run_ffmpeg

POSTER_NAME = "poster.jpg"
SPRITE_NAME = "sprite.jpg"
SPRITE_VTT_NAME = "sprite.vtt"
POSTER_MAX_WIDTH = 1280


@dataclass(frozen=True)
class SpriteLayout:
    columns: int = 5
    rows: int = 5
    thumb_width: int = 160

    @property
    def count(self) -> int:
        return self.columns * self.rows


@dataclass(frozen=True)
class Thumbnails:
    poster: Path
    sprite: Path | None
    sprite_vtt: Path | None


def poster_time(duration_s: float) -> float:
    # Early enough to exist, late enough to skip a black first frame or a fade-in.
    return round(min(duration_s * 0.1, 10.0), 3)


async def make_poster(source: Path, probe: ProbeResult, out_dir: Path) -> Path:
    out = out_dir / POSTER_NAME
    part = out_dir / f".{POSTER_NAME}.part"
    args = ["-ss", f"{poster_time(probe.duration_s):g}"] if probe.kind == "video" else []
    args += [
        *guarded_input(str(source)),
        "-map", "0:v:0",
        "-frames:v", "1",
        "-vf", f"scale='min({POSTER_MAX_WIDTH},iw)':-2",
        "-q:v", "3",
        "-f", "image2", "-c:v", "mjpeg",
        str(part),
    ]  # fmt: skip
    await run_ffmpeg(args, duration_s=0.0, outputs=[part])
    os.replace(part, out)
    return out


async def make_sprite(
    source: Path, probe: ProbeResult, out_dir: Path, layout: SpriteLayout = SpriteLayout()
) -> tuple[Path, Path]:
    video = probe.video[0]
    thumb_h = max(2, round(layout.thumb_width * video.height / video.width / 2) * 2)
    interval = probe.duration_s / layout.count
    out = out_dir / SPRITE_NAME
    part = out_dir / f".{SPRITE_NAME}.part"
    args = [
        *guarded_input(str(source)),
        "-map", "0:v:0",
        "-vf", (
            f"fps={layout.count}/{probe.duration_s:.6f},"
            f"scale={layout.thumb_width}:{thumb_h},"
            f"tile={layout.columns}x{layout.rows}"
        ),
        "-frames:v", "1",
        "-q:v", "4",
        "-f", "image2", "-c:v", "mjpeg",
        str(part),
    ]  # fmt: skip
    await run_ffmpeg(args, duration_s=probe.duration_s, outputs=[part])
    os.replace(part, out)
    vtt = out_dir / SPRITE_VTT_NAME
    vtt.write_text(sprite_vtt(SPRITE_NAME, layout, thumb_h, interval))
    return out, vtt


def sprite_vtt(sprite_uri: str, layout: SpriteLayout, thumb_h: int, interval_s: float) -> str:
    cues = ["WEBVTT", ""]
    for i in range(layout.count):
        x = (i % layout.columns) * layout.thumb_width
        y = (i // layout.columns) * thumb_h
        start, end = i * interval_s, (i + 1) * interval_s
        cues.append(f"{_vtt_time(start)} --> {_vtt_time(end)}")
        cues.append(f"{sprite_uri}#xywh={x},{y},{layout.thumb_width},{thumb_h}")
        cues.append("")
    return "\n".join(cues)


async def make_thumbnails(
    source: Path, probe: ProbeResult, out_dir: Path, layout: SpriteLayout = SpriteLayout()
) -> Thumbnails:
    _make_dir(out_dir)
    poster = await make_poster(source, probe, out_dir)
    if probe.kind != "video" or probe.duration_s <= 0:
        return Thumbnails(poster=poster, sprite=None, sprite_vtt=None)
    sprite, vtt = await make_sprite(source, probe, out_dir, layout)
    return Thumbnails(poster=poster, sprite=sprite, sprite_vtt=vtt)


def _make_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
