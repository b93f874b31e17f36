"""Errors of the media layer.

    MediaError
    ├── ToolMissing          ffmpeg or ffprobe is not installed
    ├── UnsafePath           a media reference escapes the media directory
    ├── ProbeError           ffprobe could not read the file
    │   └── UnsupportedMedia the file has no audio, video or image stream we can use
    ├── FFmpegFailed         ffmpeg exited non-zero (the tail of its log is attached)
    └── PlanError            no rendition can be planned for this input and request

Every error has a stable `code` so activities can turn it into a non-retryable Temporal
failure that a person can read, and the web layer can show it without a stack trace.
"""

from __future__ import annotations


class MediaError(Exception):
    code = "MEDIA_ERROR"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def details(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.path is not None:
            out["path"] = self.path
        return out


class ToolMissing(MediaError):
    code = "MEDIA_TOOL_MISSING"


class UnsafePath(MediaError):
    code = "MEDIA_UNSAFE_PATH"


class ProbeError(MediaError):
    code = "MEDIA_PROBE_FAILED"


class UnsupportedMedia(ProbeError):
    code = "MEDIA_UNSUPPORTED"


class FFmpegFailed(MediaError):
    code = "MEDIA_FFMPEG_FAILED"

    def __init__(self, message: str, *, returncode: int, log_tail: str, path: str | None = None):
        super().__init__(message, path=path)
        self.returncode = returncode
        self.log_tail = log_tail

    def details(self) -> dict[str, str]:
        out = super().details()
        out["log_tail"] = self.log_tail
        return out


class PlanError(MediaError):
    code = "MEDIA_PLAN_FAILED"
