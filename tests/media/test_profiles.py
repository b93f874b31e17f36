from __future__ import annotations

import pytest

from media.errors import PlanError
from media.profiles import plan, video_profile


@pytest.mark.parametrize(
    ("kind", "size", "has_audio", "heights", "audio", "expected"),
    [
        # never upscaled: only rungs at or below the source height
        ("video", (1920, 1080), True, [1080, 720, 480], [], ["1080p", "720p", "480p"]),
        ("video", (1280, 720), True, [1080, 720, 360], [], ["720p", "360p"]),
        # smaller than every rung: one rendition at the source size
        ("video", (320, 240), True, [720, 480], [], ["240p"]),
        ("video", (1280, 720), True, [360, 720, 360], ["aac", "opus"],
         ["720p", "360p", "audio-aac", "audio-opus"]),
        # no audio track: no audio renditions
        ("video", (1280, 720), False, [720], ["aac"], ["720p"]),
        ("audio", (0, 0), True, [720], ["aac", "opus", "mp3"],
         ["audio-aac", "audio-opus", "audio-mp3"]),
        ("image", (640, 480), False, [480], ["aac"], []),
    ],
)  # fmt: skip
def test_plan_lists_renditions(
    kind: str,
    size: tuple[int, int],
    has_audio: bool,
    heights: list[int],
    audio: list[str],
    expected: list[str],
) -> None:
    planned = plan(
        kind, width=size[0], height=size[1], has_audio=has_audio, heights=heights, audio=audio
    )
    assert [r.name for r in planned] == expected


@pytest.mark.parametrize(
    ("size", "height", "width"),
    [((1920, 1080), 720, 1280), ((1920, 1080), 360, 640), ((1000, 750), 480, 640),
     ((853, 480), 240, 426), ((720, 1280), 720, 406)],
)  # fmt: skip
def test_video_sizes_keep_the_aspect_ratio_and_stay_even(
    size: tuple[int, int], height: int, width: int
) -> None:
    (r,) = plan("video", width=size[0], height=size[1], has_audio=True, heights=[height])
    assert (r.width, r.height) == (width, height)
    assert r.width % 2 == 0 and r.height % 2 == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "audio", "has_audio": True, "audio": ["flac"]}, "unknown audio profile"),
        ({"kind": "audio", "has_audio": True, "audio": []}, "nothing to transcode"),
        ({"kind": "video", "has_audio": True, "width": 0, "height": 0}, "no dimensions"),
    ],
)
def test_impossible_plans_raise(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"width": 640, "height": 360, **kwargs}
    with pytest.raises(PlanError, match=message):
        plan(**args)  # type: ignore[arg-type]


def test_off_ladder_height_takes_the_next_rung_up() -> None:
    assert video_profile(600).max_bitrate_k == video_profile(720).max_bitrate_k


def test_video_args_force_keyframes_for_hls_and_pick_h264_aac() -> None:
    (r,) = plan("video", width=1280, height=720, has_audio=True, heights=[720])
    args = r.args("in.mkv", "out.mp4")
    joined = " ".join(args)
    assert "-c:v libx264" in joined and "-c:a aac" in joined
    assert "-force_key_frames expr:gte(t,n_forced*2)" in joined
    assert args[-3:] == ["-f", "mp4", "out.mp4"]
