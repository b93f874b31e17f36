from __future__ import annotations

import pytest

from media.progress import ProgressParser

BLOCK = (
    "frame={frame}\nfps=50.0\nout_time_us={us}\nout_time_ms={us}\nspeed={speed}\nprogress={state}\n"
)


@pytest.mark.parametrize(
    ("duration", "us", "speed", "state", "percent", "done"),
    [
        (10.0, "2500000", "2.5x", "continue", 25.0, False),
        (10.0, "N/A", "N/A", "continue", 0.0, False),
        (10.0, "10000000", "3x", "continue", 99.9, False),  # only `end` means finished
        (10.0, "9990000", "3x", "end", 100.0, True),
        (0.0, "5000000", "1x", "continue", 0.0, False),  # unknown duration: no percent
        (4.0, "-23220", "1x", "continue", 0.0, False),  # negative start offset
    ],
)
def test_block_becomes_a_snapshot(
    duration: float, us: str, speed: str, state: str, percent: float, done: bool
) -> None:
    parser = ProgressParser(duration)
    snapshots = [
        parser.feed(line)
        for line in BLOCK.format(frame=7, us=us, speed=speed, state=state).splitlines()
    ]
    *partial, last = snapshots
    assert partial == [None] * len(partial)
    assert last is not None
    assert (last.percent, last.done, last.frame) == (percent, done, 7)
    assert parser.last == last


def test_speed_is_parsed_and_noise_is_ignored() -> None:
    parser = ProgressParser(8.0)
    for line in ["garbage without equals", "out_time_us=4000000", "speed=1.5x"]:
        assert parser.feed(line) is None
    snapshot = parser.feed("progress=continue")
    assert snapshot is not None
    assert (snapshot.out_time_s, snapshot.percent, snapshot.speed) == (4.0, 50.0, 1.5)
