"""Where the FFmpeg binaries are: `METABUILDER_FFMPEG` / `METABUILDER_FFPROBE`, then PATH.

`tools/install-ffmpeg.sh` (called by `make run` / `make test`) installs Debian's ffmpeg.
"""

from __future__ import annotations

import functools
import os
import shutil

from media.errors import ToolMissing

INSTALL_HINT = "run tools/install-ffmpeg.sh (make run does it)"


def _locate(name: str, env_var: str) -> str:
    configured = os.environ.get(env_var)
    if configured:
        return configured
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(f"{name} is not installed; {INSTALL_HINT}")
    return found


@functools.cache
def ffmpeg_binary() -> str:
    return _locate("ffmpeg", "METABUILDER_FFMPEG")


@functools.cache
def ffprobe_binary() -> str:
    return _locate("ffprobe", "METABUILDER_FFPROBE")
