"""Where a media job reports to: the `AssetStore` seam between the MediaJob activities and the data.

The worker wires `DbalAssetStore` (MediaAsset / MediaJob rows, scoped to the job's tenant);
`MemoryAssetStore` keeps the same facts in memory for tests and single-process tools.

Progress arrives per item (`transcode:720p`, `package`, ...) with the item's share of the whole
job; the job's percent is the weighted sum, so parallel renditions never make it go backwards.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from dbal.database import Database
from dbal.entities import Entities
from dbal.errors import NotFoundError
from dbal.scope import Scope
from engine.media_usage import DERIVED_SIZE, counts_derived
from engine.workflows.media_job import PACKAGE, AssetUpdate, JobProgress, JobUpdate

ASSET = "MediaAsset"
JOB = "MediaJob"
TERMINAL = ("completed", "failed", "cancelled")


class AssetStore(Protocol):
    async def update_job(self, update: JobUpdate) -> None:
        """Set the job row's status, progress, stage and error (idempotent)."""

    async def report_progress(self, progress: JobProgress) -> None:
        """Record one item's percent; may be called often (about once a second per item)."""

    async def update_asset(self, update: AssetUpdate, *, derived_bytes: int = 0) -> None:
        """Write the probe facts and derived outputs to the asset row (idempotent);
        `derived_bytes`: what the outputs take on disk (counted against the quota)."""


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
    derived: dict[str, int] = field(default_factory=dict)
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

    async def update_asset(self, update: AssetUpdate, *, derived_bytes: int = 0) -> None:
        self.assets[update.asset_id] = update
        self.derived[update.asset_id] = derived_bytes
        self._notify()

    def _notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


class DbalAssetStore:
    """MediaJob / MediaAsset rows through the DBAL, in the job's tenant with the system scope
    (the job was authorized when it was started).

    Progress from parallel items is summed per job in this process and only ever raises the
    row's percent (`progress < new` in the update's filter), so two workers that share a job
    and a late report after completion never move it backwards. The stage lives in the job's
    `params.stage`; only the workflow writes it, one transition at a time.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._items: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}

    def _rows(self, tenant_id: str) -> Entities:
        return self._db.entities(Scope.system(tenant_id), package=PACKAGE)

    async def update_job(self, update: JobUpdate) -> None:
        await asyncio.to_thread(self._update_job, update)

    def _update_job(self, update: JobUpdate) -> None:
        with self._db.transaction(Scope.system(update.tenant_id), package=PACKAGE) as tx:
            try:
                row = tx.read(JOB, update.job_id)
            except NotFoundError:
                return  # the asset (and its job) was deleted while the job ran
            if row["status"] in TERMINAL and update.status != row["status"]:
                return  # a retried activity must not revive a finished job
            now = int(time.time())
            params = dict(row.get("params") or {})
            params["stage"] = update.stage
            changes: dict[str, Any] = {
                "status": update.status,
                "progress": 100
                if update.status == "completed"
                else max(int(row.get("progress") or 0), update.progress),
                "error": update.error,
                "params": params,
            }
            if update.status == "processing" and row.get("startedAt") is None:
                changes["startedAt"] = now
            if update.status in TERMINAL:
                changes["completedAt"] = now
            tx.update(JOB, update.job_id, changes)
        if update.status in TERMINAL:
            self._items.pop((update.tenant_id, update.job_id), None)

    async def report_progress(self, progress: JobProgress) -> None:
        items = self._items.setdefault((progress.tenant_id, progress.job_id), {})
        items[progress.item] = (progress.weight, progress.percent)
        percent = overall_percent(items)
        await asyncio.to_thread(
            self._rows(progress.tenant_id).update_many,
            JOB,
            {"id": progress.job_id, "progress": {"lt": percent}, "status": "processing"},
            {"progress": percent},
        )

    async def update_asset(self, update: AssetUpdate, *, derived_bytes: int = 0) -> None:
        await asyncio.to_thread(self._update_asset, update, derived_bytes)

    def _update_asset(self, update: AssetUpdate, derived_bytes: int) -> None:
        probe = update.probe
        with self._db.transaction(Scope.system(update.tenant_id), package=PACKAGE) as tx:
            try:
                row = tx.read(ASSET, update.asset_id)
            except NotFoundError:
                return
            metadata = dict(row.get("metadata") or {})
            metadata.update(
                kind=probe.kind,
                probe=asdict(probe),
                renditions=[asdict(r) for r in update.renditions],
                hls=asdict(update.hls) if update.hls else None,
                sprite=update.thumbnails.sprite if update.thumbnails else None,
                spriteVtt=update.thumbnails.sprite_vtt if update.thumbnails else None,
                jobId=update.job_id,
            )
            changes: dict[str, Any] = {
                "mimeType": probe.mime_type,
                "width": probe.width,
                "height": probe.height,
                "duration": round(probe.duration_s),
                "thumbnailPath": update.thumbnails.poster if update.thumbnails else None,
                "metadata": metadata,
            }
            if counts_derived(self._db):
                changes[DERIVED_SIZE] = derived_bytes
            tx.update(ASSET, update.asset_id, changes)
