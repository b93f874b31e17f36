"""Run one FFmpeg command: progress out, cancellation in, no half-written files left behind.

- Progress comes from `-progress pipe:1` on stdout, parsed by `ProgressParser`.
- Cancellation (the awaiting task is cancelled) kills FFmpeg's whole process group with
  SIGKILL at once, waits for it, removes the command's outputs, then re-raises.
- FFmpeg gets PR_SET_PDEATHSIG, so a worker killed with SIGKILL takes its FFmpeg with it
  instead of leaving an orphan that keeps writing a file the retry is about to rewrite.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from media.errors import FFmpegFailed
from media.progress import Progress, ProgressParser
from media.tools import ffmpeg_binary

ProgressCallback = Callable[[Progress], None]

PR_SET_PDEATHSIG = 1
LOG_TAIL_LINES = 20
STATS_PERIOD_S = "0.5"


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: only async-signal-safe work here.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def ffmpeg_command(args: Sequence[str]) -> list[str]:
    return [
        ffmpeg_binary(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        "-stats_period",
        STATS_PERIOD_S,
        *args,
    ]


async def run_ffmpeg(
    args: Sequence[str],
    *,
    duration_s: float,
    outputs: Sequence[Path] = (),
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> None:
    """Run FFmpeg with `args` (everything after the global options) to completion."""
    proc = await asyncio.create_subprocess_exec(
        *ffmpeg_command(args),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    if on_start is not None:
        on_start(proc.pid)
    log_tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    try:
        await asyncio.gather(
            _read_progress(proc, ProgressParser(duration_s), on_progress),
            _read_log(proc, log_tail),
        )
        returncode = await proc.wait()
    except BaseException:
        await _kill(proc)
        remove_outputs(outputs)
        raise
    if returncode != 0:
        remove_outputs(outputs)
        raise FFmpegFailed(
            f"ffmpeg exited with status {returncode}",
            returncode=returncode,
            log_tail="\n".join(log_tail),
        )


async def _read_progress(
    proc: asyncio.subprocess.Process, parser: ProgressParser, on_progress: ProgressCallback | None
) -> None:
    assert proc.stdout is not None
    async for raw in proc.stdout:
        snapshot = parser.feed(raw.decode(errors="replace"))
        if snapshot is not None and on_progress is not None:
            on_progress(snapshot)


async def _read_log(proc: asyncio.subprocess.Process, tail: deque[str]) -> None:
    assert proc.stderr is not None
    async for raw in proc.stderr:
        tail.append(raw.decode(errors="replace").rstrip())


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    # Reaping must finish even while our task is being cancelled.
    await asyncio.shield(proc.wait())


def remove_outputs(outputs: Sequence[Path]) -> None:
    for path in outputs:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
