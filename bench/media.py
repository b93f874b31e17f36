"""Media benchmark: a MediaJob through a real Temporal dev server and the production worker
(`worker.main.run_worker` with its registered components, the DBAL asset store on SQLite),
against the bare FFmpeg command line with the same settings.

    .venv/bin/python bench/media.py [--runs N] [--seconds S]

Input: a generated 30 s 1280x720 30 fps clip (testsrc2 + a sine tone). Work: one 720p H.264/AAC
rendition, the exact argument list `media.profiles` builds, run (a) as a MediaJob (probe, plan,
transcode with progress parsing, heartbeats and store updates, job/asset updates; no HLS or
thumbnails) and (b) as `ffmpeg <same args>` from the shell. Runs alternate so machine load hits
both alike; the best run of each is compared. One full job (every rendition stage plus HLS and
thumbnails) is timed for information. The FFmpeg CPU time of both (children's rusage) is shown
too: on a shared machine wall times swing with load, CPU time much less. Prints a table, then
as its last line one JSON object:
{"bench": "media", "transcode_ratio": job / cli, ...}. Goal: transcode_ratio <= 1.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

# This file is bench/media.py: drop its folder from the path so `media` is the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from temporalio.client import Client  # noqa: E402

from dbal.database import Database  # noqa: E402
from dbal.scope import Scope  # noqa: E402
from engine.cli.services import build_catalog  # noqa: E402
from engine.config import load_settings  # noqa: E402
from engine.packages.lifecycle import PackageManager  # noqa: E402
from engine.temporal_server import DevServerConfig, TemporalDevServer  # noqa: E402
from engine.workflows.media_job import PACKAGE, MediaJob, MediaJobInput, MediaJobResult  # noqa: E402
from media.profiles import video_rendition  # noqa: E402
from media.tools import ffmpeg_binary  # noqa: E402
from worker.main import run_worker  # noqa: E402
from worker.media import media_dir  # noqa: E402
from worker.script_host import host_factory  # noqa: E402

USER_ID = str(uuid.uuid4())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_clip(path: Path, seconds: float) -> None:
    subprocess.run(
        [
            ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-v", "error",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-f", "mp4", str(path),
        ],
        check=True,
    )  # fmt: skip


def children_cpu() -> float:
    """CPU seconds used by finished child processes (FFmpeg, ffprobe) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(source: Path, out_dir: Path) -> float:
    out_dir.mkdir(parents=True)
    args = video_rendition(720, 1280, True).args(str(source), str(out_dir / "720p.mp4"))
    started = time.perf_counter()
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args],
        check=True,
    )
    return time.perf_counter() - started


def job_rows(db: Database, job: MediaJobInput) -> None:
    """The rows the upload endpoint makes, so the worker's store updates real ones."""
    with db.transaction(Scope.system(job.tenant_id), package=PACKAGE) as tx:
        tx.create("MediaAsset", {
            "id": job.asset_id, "userId": USER_ID, "filename": "source", "originalName": "clip.mp4",
            "mimeType": "video/mp4", "size": 0, "path": job.source, "metadata": {},
        })  # fmt: skip
        tx.create("MediaJob", {
            "id": job.job_id, "userId": USER_ID, "type": "transcode", "status": "pending",
            "inputPath": job.source, "params": {"assetId": job.asset_id}, "progress": 0,
        })  # fmt: skip


async def run_job(
    client: Client, queue: str, db: Database, tenant_id: str, source_ref: str, *, full: bool
) -> float:
    job = MediaJobInput(
        tenant_id=tenant_id,
        asset_id=str(uuid.uuid4()),
        job_id=str(uuid.uuid4()),
        source=source_ref,
        heights=[720, 480, 360] if full else [720],
        audio=["aac"] if full else [],
        hls=full,
        thumbnails=full,
        max_parallel=2,
    )
    job_rows(db, job)
    started = time.perf_counter()
    result: MediaJobResult = await client.execute_workflow(
        MediaJob.run,
        job,
        id=f"bench/media_center/MediaJob/{job.job_id}",
        task_queue=queue,
        execution_timeout=timedelta(minutes=30),
    )
    elapsed = time.perf_counter() - started
    assert result.status == "completed" and not result.reused
    row = db.entities(Scope.system(tenant_id), package=PACKAGE).read("MediaJob", job.job_id)
    assert (row["status"], row["progress"]) == ("completed", 100)
    return elapsed


async def main(runs: int, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="mb-bench-media-") as tmp:
        root = Path(tmp)
        db = Database.connect(f"sqlite:///{root / 'bench.db'}")
        db.upgrade()
        catalog = build_catalog(load_settings({}, data_dir=root))
        tenant_id = db.tenants.create(Scope.system(), "bench", "Bench")["id"]
        PackageManager(db, catalog).install(tenant_id, PACKAGE)
        source_ref = f"{tenant_id}/uploads/clip.mp4"
        source = media_dir(root) / source_ref
        source.parent.mkdir(parents=True)
        make_clip(source, seconds)
        server = TemporalDevServer(
            DevServerConfig(
                db_file=root / "temporal.db",
                log_file=root / "temporal.log",
                port=free_port(),
                ui_port=free_port(),
                http_port=free_port(),
                metrics_port=free_port(),
                headless=True,
            )
        )
        client = await server.start()
        queue = f"bench-media-{uuid.uuid4()}"
        stop, ready = asyncio.Event(), asyncio.Event()
        worker = asyncio.create_task(
            run_worker(
                client,
                task_queue=queue,
                catalog=catalog,
                host_for=host_factory(db),
                stop=stop,
                db=db,
                data_dir=root,
                pool_size=1,
                on_ready=ready.set,
            )
        )
        try:
            await asyncio.wait_for(ready.wait(), 60)
            cli_times: list[float] = []
            job_times: list[float] = []
            cli_cpu: list[float] = []
            job_cpu: list[float] = []
            for i in range(runs):
                before = children_cpu()
                cli_times.append(run_cli(source, root / f"cli-{i}"))
                cli_cpu.append(children_cpu() - before)
                before = children_cpu()
                job_times.append(
                    await run_job(client, queue, db, tenant_id, source_ref, full=False)
                )
                job_cpu.append(children_cpu() - before)
            full_job = await run_job(client, queue, db, tenant_id, source_ref, full=True)
        finally:
            stop.set()
            await worker
            await server.stop()
            db.close()
    cli_best, job_best = min(cli_times), min(job_times)
    pair_ratios = sorted(j / c for j, c in zip(job_times, cli_times, strict=True))
    return {
        "bench": "media",
        "transcode_ratio": round(job_best / cli_best, 3),
        "job_s": round(job_best, 2),
        "cli_s": round(cli_best, 2),
        "job_runs_s": [round(t, 2) for t in job_times],
        "cli_runs_s": [round(t, 2) for t in cli_times],
        "pair_ratio_median": round(pair_ratios[len(pair_ratios) // 2], 3),
        "cpu_ratio": round(min(job_cpu) / min(cli_cpu), 3),
        "cli_cpu_s": round(min(cli_cpu), 2),
        "job_cpu_s": round(min(job_cpu), 2),
        "full_job_s": round(full_job, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "clip_s": seconds,
    }


def print_table(figures: dict[str, object]) -> None:
    rows = [
        ("ffmpeg CLI, 720p H.264/AAC (best)", f"{figures['cli_s']} s"),
        ("MediaJob via Temporal, same settings (best)", f"{figures['job_s']} s"),
        ("ratio MediaJob / CLI (goal <= 1.1)", str(figures["transcode_ratio"])),
        ("all runs CLI", str(figures["cli_runs_s"])),
        ("all runs MediaJob", str(figures["job_runs_s"])),
        ("median ratio of alternating pairs", str(figures["pair_ratio_median"])),
        (
            "FFmpeg CPU time, CLI / MediaJob (best)",
            f"{figures['cli_cpu_s']} s / {figures['job_cpu_s']} s",
        ),
        ("CPU ratio MediaJob / CLI (load-independent check)", str(figures["cpu_ratio"])),
        ("machine load average (1 min) at the end", str(figures["load_average_1m"])),
        ("full MediaJob: 720p+480p+360p+AAC, HLS, thumbnails", f"{figures['full_job_s']} s"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"media benchmark: {figures['clip_s']:g} s 1280x720 30 fps clip")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0)
    options = parser.parse_args()
    result = asyncio.run(main(options.runs, options.seconds))
    print_table(result)
    print(json.dumps(result))
