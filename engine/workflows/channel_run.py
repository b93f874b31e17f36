"""ChannelRun: a radio or TV channel on air, as one long-running workflow.

Every time a segment starts airing, the `media.channel_tick` activity rewrites the channel's
live playlist (a pure function of the schedule and the clock, see `media/channels.py`) and
answers with the next boundary and the now/next airings; the workflow sleeps on a durable
timer until that boundary. A worker restart loses nothing: the timer fires on the next
worker, and the playlist it writes continues the same sequence numbers. Every
`ticks_per_run` ticks the run continues as new, so its history stays small.

This module imports only the SDK and the stdlib (it runs in the workflow sandbox); the
worker's media component (`worker/media.py`) registers it with the activity of
`worker/channel_activities.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

CHANNEL_WORKFLOW = "ChannelRun"
CHANNEL_TICK_ACTIVITY = "media.channel_tick"
MIN_SLEEP_S = 0.2


@dataclass
class ScheduledAsset:
    asset_id: str
    title: str
    playlist: str  # media reference of the asset's VOD media playlist (one rung, e.g. 360p)
    uri: str  # URL under which that playlist is served; segment URIs are rebased on it


@dataclass
class ChannelRunInput:
    tenant_id: str
    channel_id: str
    schedule: list[ScheduledAsset]
    output: str  # media reference of the live playlist to keep writing
    started_at: float  # epoch seconds at which the schedule starts
    loop: bool = True
    window: int = 6
    ticks_per_run: int = 500


@dataclass
class AiringInfo:
    asset_id: str
    title: str
    starts_at: float  # epoch seconds
    ends_at: float


@dataclass
class ChannelTick:
    channel: ChannelRunInput
    now: float  # epoch seconds, from workflow time


@dataclass
class ChannelTickResult:
    next_at: float | None  # epoch seconds of the next segment start; None: schedule over
    guide: list[AiringInfo] = field(default_factory=list)
    media_sequence: int = 0


@dataclass
class ChannelGuide:
    on_air: bool
    guide: list[AiringInfo]
    media_sequence: int


@workflow.defn(name=CHANNEL_WORKFLOW)
class ChannelRun:
    def __init__(self) -> None:
        self._last = ChannelTickResult(next_at=None)
        self._on_air = True

    @workflow.query
    def guide(self) -> ChannelGuide:
        return ChannelGuide(self._on_air, list(self._last.guide), self._last.media_sequence)

    @workflow.run
    async def run(self, channel: ChannelRunInput) -> None:
        for _ in range(channel.ticks_per_run):
            now = workflow.now().timestamp()
            self._last = await workflow.execute_activity(
                CHANNEL_TICK_ACTIVITY,
                ChannelTick(channel, now),
                result_type=ChannelTickResult,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(milliseconds=200),
                    maximum_interval=timedelta(seconds=5),
                    non_retryable_error_types=["MediaError"],
                ),
            )
            if self._last.next_at is None:
                self._on_air = False
                return
            await workflow.sleep(max(MIN_SLEEP_S, self._last.next_at - now))
        workflow.continue_as_new(channel)
