"""The media component of the worker: MediaJob and ChannelRun with their activities.

Files live under `{data_dir}/media` (the web app writes uploads there, see `Settings.media_dir`);
job and asset rows go through the DBAL (`DbalAssetStore`). Heartbeats tick every 0.5 s and the
worker flushes them at that pace (`worker.main.HEARTBEAT_THROTTLE`), so a cancel reaches FFmpeg
well within 2 s.
"""

from __future__ import annotations

from pathlib import Path

from engine.workflows.channel_run import ChannelRun
from engine.workflows.media_job import MediaJob
from worker.channel_activities import ChannelActivities
from worker.component import Registration, WorkerContext
from worker.media_activities import MediaActivities
from worker.media_store import DbalAssetStore

MEDIA_DIR = "media"
HEARTBEAT_EVERY_S = 0.5


def media_dir(data_dir: Path) -> Path:
    return data_dir / MEDIA_DIR


def media_component(ctx: WorkerContext) -> Registration:
    if ctx.db is None or ctx.data_dir is None:
        return Registration()  # a worker without data (script-only tests) runs no media jobs
    root = media_dir(ctx.data_dir)
    root.mkdir(parents=True, exist_ok=True)
    jobs = MediaActivities(
        media_root=root, store=DbalAssetStore(ctx.db), heartbeat_every_s=HEARTBEAT_EVERY_S
    )
    channels = ChannelActivities(media_root=root)
    return Registration(workflows=[MediaJob, ChannelRun], activities=[*jobs.all(), *channels.all()])
