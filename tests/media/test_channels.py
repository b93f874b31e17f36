from __future__ import annotations

import re
from pathlib import Path

import pytest

from media import hls
from media.channels import ChannelError, ChannelItem, channel
from media.m3u8 import Segment, parse_media_playlist
from media.probe import probe
from media.process import run_ffmpeg
from media.profiles import video_rendition
from media.transcode import transcode
from tests.media.clips import Clips


def item(name: str, *durations: float) -> ChannelItem:
    segments = tuple(Segment(f"{name}{i}.ts", d) for i, d in enumerate(durations))
    return ChannelItem(name, name.upper(), segments)


# A: 2+2+1 s, B: 2+2 s -> a 9 s cycle of 5 segments
SCHEDULE = [item("a", 2, 2, 1), item("b", 2, 2)]


def window(text: str) -> list[str]:
    return [("|" if s.discontinuity else "") + s.uri for s in parse_media_playlist(text).segments]


def discontinuity_sequence(text: str) -> int:
    found = re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize(
    ("t", "segments", "sequence", "dsn"),
    [
        (0.0, ["a0.ts"], 0, 0),
        (4.5, ["a0.ts", "a1.ts", "a2.ts"], 0, 0),
        (5.0, ["a0.ts", "a1.ts", "a2.ts", "|b0.ts"], 0, 0),
        (9.0, ["a0.ts", "a1.ts", "a2.ts", "|b0.ts", "b1.ts", "|a0.ts"], 0, 0),
        (13.5, ["a2.ts", "|b0.ts", "b1.ts", "|a0.ts", "a1.ts", "a2.ts"], 2, 0),
        (16.0, ["b1.ts", "|a0.ts", "a1.ts", "a2.ts", "|b0.ts", "b1.ts"], 4, 1),
        # window of one at 900 s: segment 500 (after 100 cycles of 5 segments); 199 item
        # boundaries slid out before it (2 per cycle, none before the very first segment)
        (900.0, ["|a0.ts"], None, None),
    ],
)
def test_live_window_slides_over_the_schedule(
    t: float, segments: list[str], sequence: int | None, dsn: int | None
) -> None:
    text = channel(SCHEDULE).live_playlist(t, window=6 if sequence is not None else 1)
    parsed = parse_media_playlist(text)
    assert window(text) == segments
    if sequence is None:
        assert (parsed.media_sequence, discontinuity_sequence(text)) == (500, 199)
    else:
        assert (parsed.media_sequence, discontinuity_sequence(text)) == (sequence, dsn)
    assert not parsed.ended


def test_every_segment_keeps_its_sequence_and_discontinuity_numbers_over_time() -> None:
    """RFC 8216 6.2.2: a segment's media and discontinuity sequence numbers never change."""
    ch = channel([item("a", 2, 2, 1.5), item("b", 3), item("c", 1, 1, 1, 0.5)])
    seen: dict[int, tuple[str, int]] = {}
    for step in range(0, 400):
        text = ch.live_playlist(step * 0.25, window=4)
        parsed = parse_media_playlist(text)
        dsn = discontinuity_sequence(text)
        for offset, seg in enumerate(parsed.segments):
            dsn += seg.discontinuity
            number = parsed.media_sequence + offset
            assert seen.setdefault(number, (seg.uri, dsn)) == (seg.uri, dsn)
    assert len(seen) > 40  # several loops of the 8-segment cycle were checked


@pytest.mark.parametrize(
    ("t", "boundary"),
    [(-5.0, 0.0), (0.0, 2.0), (4.5, 5.0), (8.9, 9.0), (9.0, 11.0), (905.0, 907.0)],
)
def test_next_boundary_is_when_the_next_segment_starts(t: float, boundary: float) -> None:
    assert channel(SCHEDULE).next_boundary(t) == pytest.approx(boundary)


def test_a_finished_schedule_has_no_next_boundary() -> None:
    assert channel(SCHEDULE, loop=False).next_boundary(7.5) is None


def test_a_schedule_without_loop_ends_with_endlist() -> None:
    ch = channel(SCHEDULE, loop=False)
    parsed = parse_media_playlist(ch.live_playlist(9.0))
    assert parsed.ended and [s.uri for s in parsed.segments][-1] == "b1.ts"
    assert ch.airing(9.0) is None and ch.guide(9.0) == []


@pytest.mark.parametrize(
    ("t", "now", "next_", "now_start"),
    [
        (0.0, "a", "b", 0.0),
        (4.99, "a", "b", 0.0),
        (5.0, "b", "a", 5.0),
        (13.0, "a", "b", 9.0),  # second loop
        (14.0, "b", "a", 14.0),
    ],
)
def test_guide_gives_now_and_next(t: float, now: str, next_: str, now_start: float) -> None:
    current, following = channel(SCHEDULE).guide(t)
    assert (current.item.asset_id, following.item.asset_id) == (now, next_)
    assert current.start_s == pytest.approx(now_start)
    assert following.start_s == pytest.approx(current.end_s)


def test_guide_lists_further_airings_across_loops() -> None:
    airings = channel(SCHEDULE).guide(0.0, count=5)
    assert [(a.item.asset_id, a.start_s) for a in airings] == [
        ("a", 0.0), ("b", 5.0), ("a", 9.0), ("b", 14.0), ("a", 18.0),
    ]  # fmt: skip


def test_segment_uris_are_rebased_on_the_served_playlist() -> None:
    vod = parse_media_playlist(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n"
    )
    rebased = ChannelItem.from_playlist("a1", "Clip", vod, "/media/t1/a1/hls/360p/index.m3u8")
    assert [s.uri for s in rebased.segments] == ["/media/t1/a1/hls/360p/seg_00000.ts"]


@pytest.mark.parametrize("items", [[], [ChannelItem("x", "X", ())]])
def test_a_channel_needs_segments(items: list[ChannelItem]) -> None:
    with pytest.raises(ChannelError):
        channel(items)


def test_before_the_start_there_is_no_stream() -> None:
    with pytest.raises(ChannelError, match="not started"):
        channel(SCHEDULE).live_playlist(-1.0)


async def test_a_channel_of_packaged_assets_plays_end_to_end(clips: Clips, tmp_path: Path) -> None:
    """Real segments: the playlist over two packaged items decodes as one continuous stream."""
    rendition = video_rendition(144, 192, True)
    made = await transcode(clips.video, rendition, tmp_path / "r", duration_s=3.0)
    items = []
    for name in ("first", "second"):
        playlist = await hls.segment(made.path, tmp_path / name, duration_s=3.0, segment_s=1.0)
        vod = parse_media_playlist(playlist.read_text())
        items.append(ChannelItem.from_playlist(name, name, vod, f"{name}/index.m3u8"))
    ch = channel(items, loop=False)
    live = tmp_path / "live.m3u8"
    live.write_text(ch.live_playlist(ch.cycle_s, window=100))
    assert [s.discontinuity for s in parse_media_playlist(live.read_text()).segments] == [
        False, False, True, False,
    ]  # fmt: skip
    out = tmp_path / "recorded.ts"
    await run_ffmpeg(
        ["-protocol_whitelist", "file", "-i", str(live), "-map", "0", "-c", "copy", str(out)],
        duration_s=6.0,
    )
    recorded = await probe(out)
    assert recorded.duration_s == pytest.approx(6.0, abs=0.2)
    assert (recorded.video[0].codec, recorded.audio[0].codec) == ("h264", "aac")
