from __future__ import annotations

import os
from pathlib import Path

import pytest

from media.probe import probe
from media.thumbnails import SpriteLayout, make_thumbnails, poster_time, sprite_vtt
from tests.media.clips import Clips


async def _dimensions(path: Path) -> tuple[int | None, int | None]:
    info = await probe(path)
    return info.width, info.height


async def test_video_gets_a_poster_and_a_sprite_with_a_vtt_map(
    clips: Clips, tmp_path: Path
) -> None:
    source = clips.video
    made = await make_thumbnails(source, await probe(source), tmp_path)
    assert made.poster.read_bytes()[:2] == b"\xff\xd8"  # JPEG
    assert await _dimensions(made.poster) == (320, 240)
    assert made.sprite is not None and made.sprite_vtt is not None
    assert await _dimensions(made.sprite) == (5 * 160, 5 * 120)
    cues = [line for line in made.sprite_vtt.read_text().splitlines() if "#xywh=" in line]
    assert len(cues) == 25
    assert cues[6] == "sprite.jpg#xywh=160,120,160,120"
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


async def test_image_gets_a_poster_only(clips: Clips, tmp_path: Path) -> None:
    source = clips.image
    made = await make_thumbnails(source, await probe(source), tmp_path)
    assert (made.sprite, made.sprite_vtt) == (None, None)
    assert await _dimensions(made.poster) == (320, 200)


@pytest.mark.parametrize(("duration", "at"), [(3.0, 0.3), (60.0, 6.0), (7200.0, 10.0)])
def test_poster_time_skips_the_opening_but_stays_early(duration: float, at: float) -> None:
    assert poster_time(duration) == at


def test_sprite_vtt_cues_cover_the_whole_duration() -> None:
    text = sprite_vtt("s.jpg", SpriteLayout(columns=2, rows=1, thumb_width=100), 56, 1.5)
    assert text.splitlines() == [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:01.500",
        "s.jpg#xywh=0,0,100,56",
        "",
        "00:00:01.500 --> 00:00:03.000",
        "s.jpg#xywh=100,0,100,56",
    ]
