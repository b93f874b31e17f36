"""Temporal activities of the MediaJob workflow (the worker half of engine/workflows/media_job.py).

They join the two layers below the worker: the payload types of `engine.workflows` and the
FFmpeg-facing pure functions of `media/`; neither of those imports the other.

Each activity resolves its references under the media directory (inside the job's tenant
folder only), does its FFmpeg work through the pure modules of this package, and reports:

- heartbeats every `heartbeat_every_s` with `{"item", "percent"}`, from a ticker that does not
  depend on FFmpeg writing anything, so a dead worker is the only way to miss one;
- progress to the `AssetStore` about once a second per item, for job lists and SSE;
- a `MediaError` as a non-retryable `ApplicationError` of type `MediaError` with its details.

Cancellation reaches the activity through a heartbeat; `run_ffmpeg` then kills FFmpeg and
removes the partial outputs before the cancellation is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.workflows.media_job import (
    MEDIA_ERROR,
    PACKAGE_HLS_ACTIVITY,
    PACKAGE_SHARE,
    PLAN_ACTIVITY,
    PROBE_ACTIVITY,
    THUMBNAIL_SHARE,
    THUMBNAILS_ACTIVITY,
    TRANSCODE_ACTIVITY,
    UPDATE_ASSET_ACTIVITY,
    UPDATE_JOB_ACTIVITY,
    AssetUpdate,
    HlsOutput,
    JobProgress,
    JobUpdate,
    PackageRequest,
    Plan,
    PlanRequest,
    ProbeRequest,
    ProbeSummary,
    RenditionOutput,
    RenditionSpec,
    ThumbnailOutput,
    ThumbnailRequest,
    TranscodeRequest,
)
from media import hls, profiles, thumbnails
from media.errors import MediaError
from media.ingest import derived_bytes
from media.paths import MediaRoot
from media.probe import ProbeResult, probe
from media.progress import Progress
from media.transcode import transcode
from worker.media_store import AssetStore

log = logging.getLogger(__name__)

RENDITIONS_DIR = "renditions"
HLS_DIR = "hls"
THUMBS_DIR = "thumbs"
AUDIO_COST_PIXELS = 20_000.0  # an audio encode costs about as much as a tiny video one


def summarize(result: ProbeResult) -> ProbeSummary:
    video = result.video[0] if result.video else None
    audio = result.audio[0] if result.audio else None
    return ProbeSummary(
        kind=result.kind,
        mime_type=result.mime_type,
        format_name=result.format_name,
        duration_s=round(result.duration_s, 3),
        size=result.size,
        width=video.width if video else None,
        height=video.height if video else None,
        fps=round(video.fps, 3) if video and video.fps else None,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        has_audio=audio is not None,
        bit_rate=result.bit_rate,
    )


def spec_of(r: profiles.Rendition) -> RenditionSpec:
    key: str = str(r.height)
    cost = float(r.width * r.height)
    if isinstance(r.profile, profiles.AudioProfile):
        key, cost = r.profile.codec, AUDIO_COST_PIXELS
    return RenditionSpec(
        name=r.name,
        kind=r.kind,
        filename=r.filename,
        profile=key,
        width=r.width,
        height=r.height,
        has_audio=r.has_audio,
        cost=cost,
    )


def rendition_of(spec: RenditionSpec) -> profiles.Rendition:
    if spec.kind == "audio":
        return profiles.audio_rendition(spec.profile)
    return profiles.video_rendition(int(spec.profile), spec.width, spec.has_audio)


def failure(err: MediaError) -> ApplicationError:
    return ApplicationError(err.message, err.details(), type=MEDIA_ERROR, non_retryable=True)


class _Reporter:
    """Heartbeat ticker + throttled progress to the store for one item of one job."""

    def __init__(
        self,
        store: AssetStore,
        *,
        tenant_id: str,
        job_id: str,
        item: str,
        weight: float,
        heartbeat_every_s: float,
        progress_every_s: float,
    ) -> None:
        self._store = store
        self._tenant_id = tenant_id
        self._job_id = job_id
        self._item = item
        self._weight = weight
        self._heartbeat_every_s = heartbeat_every_s
        self._progress_every_s = progress_every_s
        self.percent = 0.0

    def on_progress(self, snapshot: Progress) -> None:
        self.percent = snapshot.percent

    async def _report(self) -> None:
        update = JobProgress(self._tenant_id, self._job_id, self._item, self.percent, self._weight)
        try:
            await self._store.report_progress(update)
        except Exception:
            # Progress is advisory: a store hiccup must not fail an hour-long encode.
            log.warning("media progress report failed for job %s", self._job_id, exc_info=True)

    async def _tick(self) -> None:
        last_report = 0.0
        while True:
            activity.heartbeat({"item": self._item, "percent": self.percent})
            now = time.monotonic()
            if now - last_report >= self._progress_every_s:
                last_report = now
                await self._report()
            await asyncio.sleep(self._heartbeat_every_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[_Reporter]:
        ticker = asyncio.create_task(self._tick())
        try:
            yield self
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        self.percent = 100.0
        await self._report()


class MediaActivities:
    """The MediaJob activities, bound to one media directory and one asset store."""

    def __init__(
        self,
        *,
        media_root: Path,
        store: AssetStore,
        heartbeat_every_s: float = 0.5,
        progress_every_s: float = 1.0,
    ) -> None:
        self._root = MediaRoot(media_root)
        self._store = store
        self._heartbeat_every_s = heartbeat_every_s
        self._progress_every_s = progress_every_s

    def all(self) -> list[Callable[..., Any]]:
        """Every activity callable, for `Worker(activities=...)`."""
        return [
            self.probe,
            self.plan,
            self.transcode,
            self.package_hls,
            self.thumbnails,
            self.update_job,
            self.update_asset,
        ]

    def _reporter(self, tenant_id: str, job_id: str, item: str, weight: float) -> _Reporter:
        return _Reporter(
            self._store,
            tenant_id=tenant_id,
            job_id=job_id,
            item=item,
            weight=weight,
            heartbeat_every_s=self._heartbeat_every_s,
            progress_every_s=self._progress_every_s,
        )

    @activity.defn(name=PROBE_ACTIVITY)
    async def probe(self, request: ProbeRequest) -> ProbeSummary:
        try:
            return summarize(await probe(self._root.resolve_for(request.tenant_id, request.source)))
        except MediaError as err:
            raise failure(err) from err

    @activity.defn(name=PLAN_ACTIVITY)
    async def plan(self, request: PlanRequest) -> Plan:
        p = request.probe
        try:
            planned = profiles.plan(
                p.kind,
                width=p.width or 0,
                height=p.height or 0,
                has_audio=p.has_audio,
                heights=request.heights,
                audio=request.audio,
            )
        except MediaError as err:
            raise failure(err) from err
        return Plan([spec_of(r) for r in planned])

    @activity.defn(name=TRANSCODE_ACTIVITY)
    async def transcode(self, request: TranscodeRequest) -> RenditionOutput:
        info = activity.info()
        if info.attempt > 1:
            log.info(
                "media job %s: retrying %s (attempt %d, last heartbeat %s)",
                request.job_id,
                request.rendition.name,
                info.attempt,
                info.heartbeat_details,
            )
        spec = request.rendition
        item = f"transcode:{spec.name}"
        reporter = self._reporter(request.tenant_id, request.job_id, item, request.progress_weight)
        try:
            source = self._root.resolve_for(request.tenant_id, request.source)
            out_dir = self._root.resolve_for(request.tenant_id, request.output_dir)
            async with reporter.running():
                outcome = await transcode(
                    source,
                    rendition_of(spec),
                    out_dir / RENDITIONS_DIR,
                    duration_s=request.duration_s,
                    on_progress=reporter.on_progress,
                )
            made = await probe(outcome.path)
        except MediaError as err:
            raise failure(err) from err
        return RenditionOutput(
            name=spec.name,
            kind=spec.kind,
            path=self._root.ref(outcome.path),
            size=outcome.size,
            reused=outcome.reused,
            duration_s=round(made.duration_s, 3),
            width=made.width,
            height=made.height,
            video_codec=made.video[0].codec if made.video else None,
            audio_codec=made.audio[0].codec if made.audio else None,
            attempt=info.attempt,
        )

    @activity.defn(name=PACKAGE_HLS_ACTIVITY)
    async def package_hls(self, request: PackageRequest) -> HlsOutput:
        chosen = [r for r in request.renditions if r.kind == "video"]
        if not chosen:
            # Audio-only: the AAC rendition is the one HLS players can all decode.
            chosen = [r for r in request.renditions if r.audio_codec == "aac"][:1]
        reporter = self._reporter(request.tenant_id, request.job_id, "package", PACKAGE_SHARE)
        try:
            hls_dir = self._root.resolve_for(request.tenant_id, request.output_dir) / HLS_DIR
            variants: list[hls.HlsVariant] = []
            async with reporter.running():
                for index, rendition in enumerate(chosen):
                    source = self._root.resolve_for(request.tenant_id, rendition.path)
                    playlist = await hls.segment(
                        source,
                        hls_dir / rendition.name,
                        duration_s=rendition.duration_s,
                        segment_s=request.segment_s,
                    )
                    made = await probe(source)
                    uri = f"{rendition.name}/{hls.PLAYLIST_NAME}"
                    variants.append(hls.measure_variant(rendition.name, playlist, made, uri))
                    reporter.percent = 100.0 * (index + 1) / len(chosen)
            if not variants:
                raise MediaError("no rendition can be packaged as HLS")
            master = hls.write_master(hls_dir, variants)
        except MediaError as err:
            raise failure(err) from err
        return HlsOutput(
            master=self._root.ref(master),
            playlists=[self._root.ref(hls_dir / v.uri) for v in variants],
        )

    @activity.defn(name=THUMBNAILS_ACTIVITY)
    async def thumbnails(self, request: ThumbnailRequest) -> ThumbnailOutput:
        reporter = self._reporter(request.tenant_id, request.job_id, "thumbnails", THUMBNAIL_SHARE)
        try:
            source = self._root.resolve_for(request.tenant_id, request.source)
            out_dir = self._root.resolve_for(request.tenant_id, request.output_dir) / THUMBS_DIR
            async with reporter.running():
                made = await thumbnails.make_thumbnails(source, await probe(source), out_dir)
        except MediaError as err:
            raise failure(err) from err
        return ThumbnailOutput(
            poster=self._root.ref(made.poster),
            sprite=self._root.ref(made.sprite) if made.sprite else None,
            sprite_vtt=self._root.ref(made.sprite_vtt) if made.sprite_vtt else None,
        )

    @activity.defn(name=UPDATE_JOB_ACTIVITY)
    async def update_job(self, update: JobUpdate) -> None:
        await self._store.update_job(update)

    @activity.defn(name=UPDATE_ASSET_ACTIVITY)
    async def update_asset(self, update: AssetUpdate) -> None:
        derived = await asyncio.to_thread(
            derived_bytes, self._root, update.tenant_id, update.asset_id
        )
        await self._store.update_asset(update, derived_bytes=derived)
