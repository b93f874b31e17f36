"""FFmpeg's `-progress pipe:1` output -> progress snapshots with a percent.

FFmpeg writes blocks of `key=value` lines, each closed by `progress=continue` (or
`progress=end` for the last one). Position is `out_time_us` (FFmpeg 5 also writes the same
number as `out_time_ms`, a historical misnomer); it is `N/A` before the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    out_time_s: float
    percent: float
    speed: float | None
    frame: int | None
    done: bool


class ProgressParser:
    """Feed it lines; it returns a snapshot each time a block is complete."""

    def __init__(self, duration_s: float) -> None:
        self._duration_s = duration_s
        self._block: dict[str, str] = {}
        self.last: Progress | None = None

    def feed(self, line: str) -> Progress | None:
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        if key != "progress":
            self._block[key] = value.strip()
            return None
        snapshot = self._snapshot(done=value.strip() == "end")
        self._block = {}
        self.last = snapshot
        return snapshot

    def _snapshot(self, *, done: bool) -> Progress:
        out_us = _number(self._block.get("out_time_us")) or _number(self._block.get("out_time_ms"))
        out_s = max(out_us or 0.0, 0.0) / 1_000_000
        if done:
            percent = 100.0
        elif self._duration_s > 0:
            percent = min(99.9, 100.0 * out_s / self._duration_s)
        else:
            percent = 0.0
        speed_text = self._block.get("speed", "").rstrip("x")
        frame = _number(self._block.get("frame"))
        return Progress(
            out_time_s=out_s,
            percent=round(percent, 1),
            speed=_number(speed_text),
            frame=int(frame) if frame is not None else None,
            done=done,
        )


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
