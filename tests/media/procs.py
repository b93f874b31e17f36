"""Finding the FFmpeg processes a test started, by a path in their command line (via /proc)."""

from __future__ import annotations

import os
from pathlib import Path


def ffmpeg_pids(containing: str) -> list[int]:
    pids: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ours = argv[0].endswith(b"ffmpeg") and any(containing.encode() in a for a in argv)
        if ours and alive(int(entry)):
            pids.append(int(entry))
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
