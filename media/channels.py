"""Radio and TV channels: a schedule of packaged assets played out as a live HLS stream.

A channel never re-encodes. Its items are assets already packaged as HLS VOD with the same
rendition settings (one ladder rung, e.g. every item's `360p/index.m3u8`), and the live
stream is a sliding window over their segments laid end to end, looping if asked:

- a segment is published when it starts airing; the window is the last `window` published;
- `EXT-X-MEDIA-SEQUENCE` counts segments since the channel started, across loops;
- an `EXT-X-DISCONTINUITY` marks every item boundary, and `EXT-X-DISCONTINUITY-SEQUENCE`
  counts those that slid out of the window (RFC 8216 6.2.2), so players stay in sync.

The playlist is a pure function of (schedule, time). Whatever serves or writes it (a web
route, or the ChannelRun workflow writing a file each segment) can restart at any moment and
continue the same stream; now/next for the EPG come from the same timeline.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath

from media.errors import MediaError
from media.m3u8 import MediaPlaylist, Segment, render_media_playlist

DEFAULT_WINDOW = 6


class ChannelError(MediaError):
    code = "MEDIA_CHANNEL"


@dataclass(frozen=True)
class ChannelItem:
    """One scheduled asset; `segments` carry URIs as the live playlist must write them."""

    asset_id: str
    title: str
    segments: tuple[Segment, ...]

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    @classmethod
    def from_playlist(
        cls, asset_id: str, title: str, playlist: MediaPlaylist, playlist_uri: str
    ) -> ChannelItem:
        """Rebase the VOD playlist's segment URIs on `playlist_uri` (its URI as served)."""
        base = dirname(playlist_uri)
        segments = tuple(
            Segment(normpath(join(base, s.uri)) if base else s.uri, s.duration_s)
            for s in playlist.segments
        )
        return cls(asset_id, title, segments)


@dataclass(frozen=True)
class Airing:
    item: ChannelItem
    start_s: float  # channel time (seconds since the channel's start)
    end_s: float


@dataclass(frozen=True)
class Channel:
    items: tuple[ChannelItem, ...]
    loop: bool = True
    _ends: list[float] = field(init=False, repr=False, compare=False)  # segment end times
    _item_starts: list[int] = field(init=False, repr=False, compare=False)  # segment indices
    _segments: list[Segment] = field(init=False, repr=False, compare=False)
    _item_ends: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.items or any(not item.segments for item in self.items):
            raise ChannelError("a channel needs at least one item, and every item a segment")
        segments: list[Segment] = []
        starts: list[int] = []
        for item in self.items:
            starts.append(len(segments))
            segments.extend(item.segments)
        object.__setattr__(self, "_segments", segments)
        object.__setattr__(self, "_item_starts", starts)
        item_ends = list(itertools.accumulate(item.duration_s for item in self.items))
        object.__setattr__(self, "_item_ends", item_ends)
        object.__setattr__(
            self, "_ends", list(itertools.accumulate(s.duration_s for s in segments))
        )

    @property
    def cycle_s(self) -> float:
        return self._ends[-1]

    def _published(self, t: float) -> int:
        """How many segments have started airing by channel time `t` (>= 1 from t = 0)."""
        if t < 0:
            return 0
        per_cycle = len(self._segments)
        cycles, offset = divmod(t, self.cycle_s)
        if not self.loop and cycles >= 1:
            return per_cycle
        return int(cycles) * per_cycle + bisect.bisect_right(self._ends, offset) + 1

    def _discontinuities_before(self, index: int) -> int:
        """Item boundaries among segment indices 1 .. index-1 (index 0 has none)."""
        if index <= 1:
            return 0
        cycles, rest = divmod(index, len(self._segments))
        starts = cycles * len(self.items) + bisect.bisect_left(self._item_starts, rest)
        return starts - 1

    def next_boundary(self, t: float) -> float | None:
        """Channel time at which the next segment starts airing (None: the schedule is over)."""
        published = self._published(t)
        per_cycle = len(self._segments)
        if not self.loop and published >= per_cycle:
            return None
        cycles, index = divmod(published, per_cycle)
        return cycles * self.cycle_s + (self._ends[index - 1] if index else 0.0)

    def live_playlist(self, t: float, *, window: int = DEFAULT_WINDOW) -> str:
        published = self._published(t)
        if published == 0:
            raise ChannelError("the channel has not started yet")
        first = max(0, published - window)
        per_cycle = len(self._segments)
        item_starts = set(self._item_starts)
        segments = []
        for index in range(first, published):
            seg = self._segments[index % per_cycle]
            boundary = index > 0 and index % per_cycle in item_starts
            segments.append(Segment(seg.uri, seg.duration_s, discontinuity=boundary))
        ended = not self.loop and published == per_cycle and t >= self.cycle_s
        return render_media_playlist(
            segments,
            media_sequence=first,
            discontinuity_sequence=self._discontinuities_before(first),
            ended=ended,
        )

    def airing(self, t: float) -> Airing | None:
        if t < 0 or (not self.loop and t >= self.cycle_s):
            return None
        cycles, offset = divmod(t, self.cycle_s)
        index = min(bisect.bisect_right(self._item_ends, offset), len(self.items) - 1)
        start = cycles * self.cycle_s + (self._item_ends[index - 1] if index else 0.0)
        item = self.items[index]
        return Airing(item, start, start + item.duration_s)

    def guide(self, t: float, count: int = 2) -> list[Airing]:
        """The airing at `t` and the ones after it: `guide(t)` is now/next for the EPG."""
        out: list[Airing] = []
        current = self.airing(max(t, 0.0))
        while current is not None and len(out) < count:
            out.append(current)
            # A hair past the end, so float rounding never returns the same airing again.
            current = self.airing(current.end_s + 1e-6)
        return out


def channel(items: Sequence[ChannelItem], *, loop: bool = True) -> Channel:
    return Channel(tuple(items), loop=loop)
