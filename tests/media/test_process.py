from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from media.errors import FFmpegFailed
from media.process import run_ffmpeg


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def test_cancelling_kills_ffmpeg_at_once_and_removes_partial_output(tmp_path: Path) -> None:
    out = tmp_path / ".slow.mp4.part"
    pids: list[int] = []
    started = asyncio.Event()
    args = [
        "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=60",
        "-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4", str(out),
    ]  # fmt: skip
    task = asyncio.create_task(
        run_ffmpeg(
            args,
            duration_s=60.0,
            outputs=[out],
            on_start=pids.append,
            on_progress=lambda p: started.set() if p.out_time_s > 0 else None,
        )
    )
    await asyncio.wait_for(started.wait(), 20)
    assert out.exists() and alive(pids[0])
    t0 = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pids[0])
    assert time.monotonic() - t0 < 2.0
    assert not out.exists()


async def test_failure_carries_the_log_tail_and_removes_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"stale")
    with pytest.raises(FFmpegFailed) as info:
        await run_ffmpeg(
            ["-i", str(tmp_path / "absent.mkv"), str(out)], duration_s=1.0, outputs=[out]
        )
    assert info.value.returncode != 0
    assert "absent.mkv" in info.value.log_tail
    assert not out.exists()


async def test_ffmpeg_dies_with_its_parent(tmp_path: Path) -> None:
    # A child python starts FFmpeg through run_ffmpeg and is then killed with SIGKILL.
    script = tmp_path / "child.py"
    pid_file = tmp_path / "ffmpeg.pid"
    script.write_text(
        "import asyncio, sys\n"
        "from media.process import run_ffmpeg\n"
        "args = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5:duration=60',\n"
        "        '-f', 'null', '-']\n"
        f"asyncio.run(run_ffmpeg(args, duration_s=60, on_start=lambda p: open({str(pid_file)!r},"
        " 'w').write(str(p))))\n"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, str(script))
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    ffmpeg_pid = int(pid_file.read_text())
    assert alive(ffmpeg_pid)
    proc.kill()
    await proc.wait()
    for _ in range(40):
        if not alive(ffmpeg_pid):
            break
        await asyncio.sleep(0.05)
    assert not alive(ffmpeg_pid)
