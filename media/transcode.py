"""One rendition, written atomically, with a marker that lets a retry reuse finished work.

FFmpeg writes `.<file>.part`; only a complete encode is renamed to `<file>`, and then a
marker `.<file>.done` records a fingerprint of the source (size, mtime) and the exact
arguments. A retried or restarted job whose marker matches returns at once instead of
encoding again; a mismatch (new source, changed profile) encodes anew.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from media.process import ProgressCallback, run_ffmpeg
from media.profiles import Rendition

_SOURCE = "{source}"
_OUTPUT = "{output}"


@dataclass(frozen=True)
class TranscodeOutcome:
    path: Path
    size: int
    reused: bool


def part_path(out_dir: Path, rendition: Rendition) -> Path:
    return out_dir / f".{rendition.filename}.part"


def marker_path(out_dir: Path, rendition: Rendition) -> Path:
    return out_dir / f".{rendition.filename}.done"


def fingerprint(source: Path, rendition: Rendition) -> str:
    stat = source.stat()
    recipe = {
        "args": rendition.args(_SOURCE, _OUTPUT),
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def finished_output(source: Path, rendition: Rendition, out_dir: Path) -> TranscodeOutcome | None:
    """The rendition as left by an earlier complete run, if it still matches."""
    out = out_dir / rendition.filename
    try:
        marker = json.loads(marker_path(out_dir, rendition).read_text())
        size = out.stat().st_size
    except (OSError, ValueError):
        return None
    if marker.get("fingerprint") != fingerprint(source, rendition) or marker.get("size") != size:
        return None
    return TranscodeOutcome(path=out, size=size, reused=True)


async def transcode(
    source: Path,
    rendition: Rendition,
    out_dir: Path,
    *,
    duration_s: float,
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> TranscodeOutcome:
    done = finished_output(source, rendition, out_dir)
    if done is not None:
        return done
    part = _clear_for_encoding(out_dir, rendition)
    await run_ffmpeg(
        rendition.args(str(source), str(part)),
        duration_s=duration_s,
        outputs=[part],
        on_progress=on_progress,
        on_start=on_start,
    )
    return _commit(source, rendition, out_dir, part)


def _clear_for_encoding(out_dir: Path, rendition: Rendition) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    marker_path(out_dir, rendition).unlink(missing_ok=True)
    (out_dir / rendition.filename).unlink(missing_ok=True)
    return part_path(out_dir, rendition)


def _commit(source: Path, rendition: Rendition, out_dir: Path, part: Path) -> TranscodeOutcome:
    out = out_dir / rendition.filename
    os.replace(part, out)
    size = out.stat().st_size
    record = {"fingerprint": fingerprint(source, rendition), "size": size}
    _write_atomic(marker_path(out_dir, rendition), json.dumps(record))
    return TranscodeOutcome(path=out, size=size, reused=False)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
