"""MediaJob: one uploaded file -> probe -> plan -> renditions -> HLS -> thumbnails -> asset row.

Files never travel in payloads: every path is a reference relative to the media directory
(`{tenant_id}/...`), resolved by the activities on the worker. Transcodes run with bounded
parallelism; each heartbeats its percent, so a crashed worker is noticed within
`heartbeat_timeout_s` and the rendition is retried elsewhere, while renditions that already
finished are kept: their activity results are in the history, and a marker file next to each
output lets a retried or restarted job skip encodes that completed but were never reported.

Cancelling the run cancels the running activities and waits until each has killed its FFmpeg
and removed its partial files, then marks the job `cancelled`. A media error (unreadable
input, FFmpeg failure) is not retried: the job is marked `failed` with the reason.

The activities live in `worker/media_activities.py`; this module names them by string so that the
workflow sandbox never imports FFmpeg-facing code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError, FailureError
from temporalio.workflow import ActivityCancellationType

WORKFLOW_NAME = "MediaJob"
PACKAGE = "media_center"

PROBE_ACTIVITY = "media.probe"
PLAN_ACTIVITY = "media.plan"
TRANSCODE_ACTIVITY = "media.transcode"
PACKAGE_HLS_ACTIVITY = "media.package_hls"
THUMBNAILS_ACTIVITY = "media.thumbnails"
UPDATE_JOB_ACTIVITY = "media.update_job"
UPDATE_ASSET_ACTIVITY = "media.update_asset"
ACTIVITY_NAMES = (
    PROBE_ACTIVITY,
    PLAN_ACTIVITY,
    TRANSCODE_ACTIVITY,
    PACKAGE_HLS_ACTIVITY,
    THUMBNAILS_ACTIVITY,
    UPDATE_JOB_ACTIVITY,
    UPDATE_ASSET_ACTIVITY,
)
MEDIA_ERROR = "MediaError"  # ApplicationError type of every non-retryable media failure

# Share of the job's percent per stage; transcodes share theirs by estimated cost.
TRANSCODE_SHARE = 90.0
PACKAGE_SHARE = 5.0
THUMBNAIL_SHARE = 5.0


def media_job_workflow_id(tenant: str, job_id: str) -> str:
    """Readable run id, `{tenant}/{package}/{name}/{id}` like every MetaBuilder run."""
    return f"{tenant}/{PACKAGE}/{WORKFLOW_NAME}/{job_id}"


@dataclass
class MediaJobInput:
    """One dataclass in, so new fields never break running histories."""

    tenant_id: str
    asset_id: str
    job_id: str
    source: str  # reference under the media directory, inside `{tenant_id}/`
    output_dir: str = ""  # default: `{tenant_id}/{asset_id}/derived`
    heights: list[int] = field(default_factory=lambda: [1080, 720, 480, 360])
    audio: list[str] = field(default_factory=lambda: ["aac"])
    hls: bool = True
    thumbnails: bool = True
    max_parallel: int = 2
    segment_s: float = 4.0
    heartbeat_timeout_s: float = 2.0
    user_id: str | None = None

    def out_dir(self) -> str:
        return self.output_dir or f"{self.tenant_id}/{self.asset_id}/derived"


@dataclass
class ProbeRequest:
    tenant_id: str
    source: str


@dataclass
class ProbeSummary:
    kind: str  # video | audio | image
    mime_type: str
    format_name: str
    duration_s: float
    size: int
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    has_audio: bool = False
    bit_rate: int | None = None


@dataclass
class PlanRequest:
    probe: ProbeSummary
    heights: list[int]
    audio: list[str]


@dataclass
class RenditionSpec:
    name: str  # unique in the job, e.g. "720p", "audio-aac"
    kind: str  # video | audio
    filename: str
    profile: str  # a ladder height ("720") or an audio codec ("aac")
    width: int = 0
    height: int = 0
    has_audio: bool = True
    cost: float = 1.0  # relative encode cost, for progress weighting


@dataclass
class Plan:
    renditions: list[RenditionSpec]


@dataclass
class TranscodeRequest:
    tenant_id: str
    job_id: str
    source: str
    output_dir: str
    rendition: RenditionSpec
    duration_s: float
    progress_weight: float = 0.0  # this rendition's share of the job's percent


@dataclass
class RenditionOutput:
    name: str
    kind: str
    path: str  # reference
    size: int
    reused: bool
    duration_s: float
    width: int | None = None
    height: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    attempt: int = 1


@dataclass
class PackageRequest:
    tenant_id: str
    job_id: str
    output_dir: str
    renditions: list[RenditionOutput]
    segment_s: float = 4.0


@dataclass
class HlsOutput:
    master: str  # reference to master.m3u8
    playlists: list[str]


@dataclass
class ThumbnailRequest:
    tenant_id: str
    job_id: str
    source: str
    output_dir: str


@dataclass
class ThumbnailOutput:
    poster: str | None = None
    sprite: str | None = None
    sprite_vtt: str | None = None


@dataclass
class JobUpdate:
    tenant_id: str
    job_id: str
    status: str  # pending | processing | completed | failed | cancelled
    progress: int
    error: str | None = None
    stage: str | None = None


@dataclass
class JobProgress:
    """Sent by a running activity; the store keeps one entry per item and sums them."""

    tenant_id: str
    job_id: str
    item: str  # e.g. "transcode:720p"
    percent: float  # 0..100 of this item
    weight: float  # this item's share of the job, 0..100


@dataclass
class AssetUpdate:
    tenant_id: str
    asset_id: str
    job_id: str
    probe: ProbeSummary
    renditions: list[RenditionOutput]
    hls: HlsOutput | None = None
    thumbnails: ThumbnailOutput | None = None


@dataclass
class MediaJobResult:
    status: str
    probe: ProbeSummary | None = None
    renditions: list[RenditionOutput] = field(default_factory=list)
    hls: HlsOutput | None = None
    thumbnails: ThumbnailOutput | None = None
    reused: list[str] = field(default_factory=list)


@dataclass
class MediaJobStatus:
    """Answer of the `status` query: what a job list shows while the run is going."""

    stage: str
    planned: list[str]
    finished: list[str]
    progress: int


_QUICK = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_attempts=5,
    non_retryable_error_types=[MEDIA_ERROR],
)
_QUICK_TIMEOUT = timedelta(seconds=60)


@workflow.defn(name=WORKFLOW_NAME)
class MediaJob:
    def __init__(self) -> None:
        self._stage = "pending"
        self._planned: list[str] = []
        self._finished: list[str] = []
        self._progress = 0.0

    @workflow.query
    def status(self) -> MediaJobStatus:
        return MediaJobStatus(
            self._stage, list(self._planned), list(self._finished), int(self._progress)
        )

    @workflow.run
    async def run(self, job: MediaJobInput) -> MediaJobResult:
        try:
            return await self._run(job)
        except (asyncio.CancelledError, CancelledError):
            # The running activities have confirmed their cleanup (WAIT_CANCELLATION_COMPLETED);
            # recording the outcome is new work that the cancellation does not reach.
            await self._set(job, "cancelled", stage="cancelled")
            raise
        except FailureError as err:
            if _is_cancellation(err):
                await self._set(job, "cancelled", stage="cancelled")
                raise CancelledError("media job cancelled") from err
            await self._set(job, "failed", stage="failed", error=_reason(err))
            raise

    async def _run(self, job: MediaJobInput) -> MediaJobResult:
        await self._set(job, "processing", stage="probe")
        probe = await self._quick(PROBE_ACTIVITY, ProbeRequest(job.tenant_id, job.source))
        assert isinstance(probe, ProbeSummary)
        self._stage = "plan"
        plan = await self._quick(PLAN_ACTIVITY, PlanRequest(probe, job.heights, job.audio))
        assert isinstance(plan, Plan)
        self._planned = [r.name for r in plan.renditions]

        await self._set(job, "processing", stage="transcode")
        outputs = await self._transcode_all(job, probe, plan.renditions)
        self._progress = TRANSCODE_SHARE

        hls: HlsOutput | None = None
        if job.hls and outputs:
            await self._set(job, "processing", stage="package")
            package = PackageRequest(
                job.tenant_id, job.job_id, job.out_dir(), outputs, job.segment_s
            )
            hls = await self._media(PACKAGE_HLS_ACTIVITY, package, HlsOutput, job, probe)
        self._progress += PACKAGE_SHARE

        thumbs: ThumbnailOutput | None = None
        if job.thumbnails and probe.kind in ("video", "image"):
            await self._set(job, "processing", stage="thumbnails")
            request = ThumbnailRequest(job.tenant_id, job.job_id, job.source, job.out_dir())
            thumbs = await self._media(THUMBNAILS_ACTIVITY, request, ThumbnailOutput, job, probe)
        self._progress = 100.0

        self._stage = "update_asset"
        asset = AssetUpdate(job.tenant_id, job.asset_id, job.job_id, probe, outputs, hls, thumbs)
        await self._quick(UPDATE_ASSET_ACTIVITY, asset)
        await self._set(job, "completed", stage="completed")
        return MediaJobResult(
            status="completed",
            probe=probe,
            renditions=outputs,
            hls=hls,
            thumbnails=thumbs,
            reused=[o.name for o in outputs if o.reused],
        )

    async def _transcode_all(
        self, job: MediaJobInput, probe: ProbeSummary, specs: list[RenditionSpec]
    ) -> list[RenditionOutput]:
        total_cost = sum(s.cost for s in specs) or 1.0
        queue = list(specs)
        done: dict[str, RenditionOutput] = {}

        async def lane() -> None:
            while queue:
                spec = queue.pop(0)
                weight = TRANSCODE_SHARE * spec.cost / total_cost
                request = TranscodeRequest(
                    job.tenant_id,
                    job.job_id,
                    job.source,
                    job.out_dir(),
                    spec,
                    probe.duration_s,
                    weight,
                )
                output = await self._media(TRANSCODE_ACTIVITY, request, RenditionOutput, job, probe)
                done[spec.name] = output
                self._finished.append(spec.name)
                self._progress += weight

        lanes = [asyncio.ensure_future(lane()) for _ in range(max(1, min(job.max_parallel, 8)))]
        try:
            finished, pending = await workflow.wait(lanes, return_when=asyncio.FIRST_EXCEPTION)
            for task in finished:
                task.result()  # re-raises the first failure
            if pending:
                await asyncio.gather(*pending)
        except BaseException:
            # One failure (or a cancel) stops every lane; wait for their cleanup to finish.
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            raise
        return [done[s.name] for s in specs]

    async def _media(
        self, name: str, arg: Any, result_type: type[Any], job: MediaJobInput, probe: ProbeSummary
    ) -> Any:
        # Long FFmpeg work: heartbeats catch a dead worker fast; the whole attempt may last
        # far longer than real time on a slow machine.
        budget = max(600.0, probe.duration_s * 30.0)
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=timedelta(seconds=budget),
            heartbeat_timeout=timedelta(seconds=job.heartbeat_timeout_s),
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=500),
                maximum_attempts=10,
                non_retryable_error_types=[MEDIA_ERROR],
            ),
        )

    async def _quick(self, name: str, arg: Any) -> Any:
        # Short bookkeeping (probe, plan, job and asset updates) runs as local activities on
        # the worker that runs the workflow: no task-queue round trip per step.
        result_types: dict[str, type[Any] | None] = {
            PROBE_ACTIVITY: ProbeSummary,
            PLAN_ACTIVITY: Plan,
        }
        return await workflow.execute_local_activity(
            name,
            arg,
            result_type=result_types.get(name),
            start_to_close_timeout=_QUICK_TIMEOUT,
            retry_policy=_QUICK,
        )

    async def _set(
        self, job: MediaJobInput, status: str, *, stage: str, error: str | None = None
    ) -> None:
        self._stage = stage
        update = JobUpdate(job.tenant_id, job.job_id, status, int(self._progress), error, stage)
        await self._quick(UPDATE_JOB_ACTIVITY, update)


def _is_cancellation(err: BaseException) -> bool:
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, CancelledError):
            return True
        cause = cause.cause if isinstance(cause, FailureError) else None
    return False


def _reason(err: FailureError) -> str:
    cause: BaseException | None = err
    while isinstance(cause, ActivityError) and cause.cause is not None:
        cause = cause.cause
    if isinstance(cause, ApplicationError) and cause.details:
        details = cause.details[0]
        if isinstance(details, dict) and "message" in details:
            return str(details["message"])
    return str(cause)
