"""Where a media job reports to: the `AssetStore` seam between the media layer and the data layer.

The worker wires a DBAL-backed store (MediaAsset / MediaJob rows, scoped to the job's tenant);
`MemoryAssetStore` keeps the same facts in memory for tests and single-process tools.

Progress arrives per item (`transcode:720p`, `package`, ...) with the item's share of the whole
job; the job's percent is the weighted sum, so parallel renditions never make it go backwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from engine.workflows.media_job import AssetUpdate, JobProgress, JobUpdate


class AssetStore(Protocol):
    async def update_job(self, update: JobUpdate) -> None:
        """Set the job row's status, progress, stage and error (idempotent)."""

    async def report_progress(self, progress: JobProgress) -> None:
        """Record one item's percent; may be called often (about once a second per item)."""

    async def update_asset(self, update: AssetUpdate) -> None:
        """Write the probe facts and derived outputs to the asset row (idempotent)."""


def overall_percent(items: dict[str, tuple[float, float]], base: float = 0.0) -> int:
    """`items` maps item -> (weight, percent); the result never exceeds 100."""
    total = base + sum(weight * percent / 100.0 for weight, percent in items.values())
    return max(0, min(100, int(total)))


@dataclass
class JobState:
    status: str = "pending"
    progress: int = 0
    stage: str | None = None
    error: str | None = None
    items: dict[str, tuple[float, float]] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)


@dataclass
class MemoryAssetStore:
    jobs: dict[str, JobState] = field(default_factory=dict)
    assets: dict[str, AssetUpdate] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def job(self, job_id: str) -> JobState:
        return self.jobs.setdefault(job_id, JobState())

    async def update_job(self, update: JobUpdate) -> None:
        state = self.job(update.job_id)
        state.status = update.status
        state.stage = update.stage
        state.error = update.error
        state.progress = max(state.progress, update.progress)
        if not state.history or state.history[-1] != update.status:
            state.history.append(update.status)
        self._notify()

    async def report_progress(self, progress: JobProgress) -> None:
        state = self.job(progress.job_id)
        state.items[progress.item] = (progress.weight, progress.percent)
        state.progress = max(state.progress, overall_percent(state.items))
        self._notify()

    async def update_asset(self, update: AssetUpdate) -> None:
        self.assets[update.asset_id] = update
        self._notify()

    def _notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()
