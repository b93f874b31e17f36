from __future__ import annotations

from pathlib import Path

import pytest

from media import hls
from media.m3u8 import (
    PlaylistError,
    Segment,
    parse_master_playlist,
    parse_media_playlist,
    render_media_playlist,
)
from media.probe import probe
from media.profiles import audio_rendition, video_rendition
from media.transcode import transcode
from tests.media.clips import Clips


async def test_renditions_package_into_valid_vod_playlists(clips: Clips, tmp_path: Path) -> None:
    out = tmp_path / "renditions"
    hls_dir = tmp_path / "hls"
    variants = []
    for rendition in (video_rendition(240, 320, True), video_rendition(144, 192, True)):
        made = await transcode(clips.video, rendition, out, duration_s=3.0)
        info = await probe(made.path)
        playlist = await hls.segment(
            made.path, hls_dir / rendition.name, duration_s=info.duration_s, segment_s=1.0
        )
        uri = f"{rendition.name}/{hls.PLAYLIST_NAME}"
        variants.append(hls.measure_variant(rendition.name, playlist, info, uri))
    master = hls.write_master(hls_dir, variants)

    parsed = parse_master_playlist(master.read_text())
    assert [v.uri for v in parsed] == ["240p/index.m3u8", "144p/index.m3u8"]
    assert parsed[0].attributes["RESOLUTION"] == "320x240"
    assert parsed[0].attributes["CODECS"].startswith("avc1.6400")
    assert parsed[0].attributes["CODECS"].endswith(",mp4a.40.2")
    for variant in parsed:
        media = parse_media_playlist((hls_dir / variant.uri).read_text())
        assert media.playlist_type == "VOD" and media.ended
        assert media.duration_s == pytest.approx(3.0, abs=0.1)
        # keyframes forced every 2 s, so 1 s requests give 2 s segments
        assert len(media.segments) == 2
        for seg in media.segments:
            segment_file = hls_dir / variant.uri.rsplit("/", 1)[0] / seg.uri
            assert segment_file.stat().st_size > 0
            assert (await probe(segment_file)).video[0].codec == "h264"
        assert int(variant.attributes["AVERAGE-BANDWIDTH"]) <= variant.bandwidth
    assert not list(hls_dir.glob(".*"))


async def test_audio_rendition_packages_as_audio_only_variant(clips: Clips, tmp_path: Path) -> None:
    made = await transcode(clips.audio, audio_rendition("aac"), tmp_path, duration_s=3.0)
    info = await probe(made.path)
    playlist = await hls.segment(made.path, tmp_path / "hls" / "aac", duration_s=3.0)
    variant = hls.measure_variant("aac", playlist, info, "aac/index.m3u8")
    (parsed,) = parse_master_playlist(hls.render_master([variant]))
    assert parsed.attributes["CODECS"] == "mp4a.40.2"
    assert "RESOLUTION" not in parsed.attributes
    assert parse_media_playlist(playlist.read_text()).duration_s == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("#EXTINF:1.0,\na.ts\n", "not #EXTM3U"),
        ("#EXTM3U\n#EXTINF:1.0,\na.ts\n", "TARGETDURATION is missing"),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:4.0,\na.ts\n", "> target"),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:2\nb.ts\n", "has no #EXTINF"),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n", "no segments"),
    ],
)
def test_invalid_media_playlists_are_rejected(text: str, problem: str) -> None:
    with pytest.raises(PlaylistError, match=problem):
        parse_media_playlist(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("#EXTM3U\n", "no variants"),
        ("#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\na.m3u8\n", "no BANDWIDTH"),
        ("#EXTM3U\na.m3u8\n", "has no #EXT-X-STREAM-INF"),
    ],
)
def test_invalid_master_playlists_are_rejected(text: str, problem: str) -> None:
    with pytest.raises(PlaylistError, match=problem):
        parse_master_playlist(text)


def test_rendered_live_playlist_round_trips() -> None:
    segments = [Segment("a/1.ts", 2.0), Segment("b/0.ts", 1.5, discontinuity=True)]
    text = render_media_playlist(segments, media_sequence=41, discontinuity_sequence=3)
    parsed = parse_media_playlist(text)
    assert (parsed.media_sequence, parsed.target_duration, parsed.ended) == (41, 2, False)
    assert parsed.segments == segments
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:3" in text
