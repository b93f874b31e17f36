"""The `media.channel_tick` activity of ChannelRun: write the live playlist, report now/next."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from temporalio import activity

from engine.workflows.channel_run import (
    CHANNEL_TICK_ACTIVITY,
    AiringInfo,
    ChannelRunInput,
    ChannelTick,
    ChannelTickResult,
)
from media.channels import Channel, ChannelItem, channel
from media.errors import MediaError
from media.m3u8 import parse_media_playlist
from media.paths import MediaRoot
from worker.media_activities import failure


class ChannelActivities:
    def __init__(self, *, media_root: Path) -> None:
        self._root = MediaRoot(media_root)
        # Parsed schedules by (tenant, channel, playlists): a tick must stay cheap.
        self._channels: dict[tuple[str, ...], Channel] = {}

    def all(self) -> list[Callable[..., Any]]:
        return [self.channel_tick]

    def _channel(self, spec: ChannelRunInput) -> Channel:
        key = (
            spec.tenant_id,
            spec.channel_id,
            str(spec.loop),
            *(a.playlist for a in spec.schedule),
        )
        cached = self._channels.get(key)
        if cached is None:
            items = []
            for asset in spec.schedule:
                path = self._root.resolve_for(spec.tenant_id, asset.playlist)
                vod = parse_media_playlist(path.read_text())
                items.append(ChannelItem.from_playlist(asset.asset_id, asset.title, vod, asset.uri))
            cached = self._channels[key] = channel(items, loop=spec.loop)
        return cached

    @activity.defn(name=CHANNEL_TICK_ACTIVITY)
    async def channel_tick(self, tick: ChannelTick) -> ChannelTickResult:
        spec = tick.channel
        try:
            ch = self._channel(spec)
            t = tick.now - spec.started_at
            target = self._root.resolve_for(spec.tenant_id, spec.output)
            text = ch.live_playlist(t, window=spec.window) if t >= 0 else None
        except (MediaError, ValueError, OSError) as err:
            wrapped = err if isinstance(err, MediaError) else MediaError(str(err))
            raise failure(wrapped) from err
        if text is not None:
            _write_atomic(target, text)
        boundary = ch.next_boundary(t)
        guide = [
            AiringInfo(
                a.item.asset_id,
                a.item.title,
                spec.started_at + a.start_s,
                spec.started_at + a.end_s,
            )
            for a in ch.guide(t)
        ]
        return ChannelTickResult(
            next_at=None if boundary is None else spec.started_at + boundary,
            guide=guide,
            media_sequence=parse_media_playlist(text).media_sequence if text else 0,
        )


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
