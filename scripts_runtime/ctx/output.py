"""What a script produces besides its return value: log lines and events, under caps.

Caps keep a chatty or hostile script from flooding the pipe or the caller: past the log cap
lines are dropped and one truncation notice is kept; an event past its cap is refused with
`OutputLimit`, because silently losing an event would change behaviour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_LOG_ENTRIES = 1000
MAX_LOG_BYTES = 256 * 1024
MAX_LOG_LINE = 8 * 1024
MAX_EVENTS = 100
MAX_EVENT_BYTES = 256 * 1024
LOG_LEVELS = ("debug", "info", "warning", "error")


class OutputLimit(Exception):
    """A log line, event or other output exceeded its cap (raised inside the script)."""


@dataclass
class OutputSink:
    logs: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    log_bytes: int = 0
    event_bytes: int = 0
    truncated: bool = False

    def log(self, level: str, message: str) -> None:
        if len(message) > MAX_LOG_LINE:
            message = message[:MAX_LOG_LINE] + " [line truncated]"
        if self.truncated:
            return
        size = len(message.encode("utf-8", "replace"))
        if len(self.logs) >= MAX_LOG_ENTRIES or self.log_bytes + size > MAX_LOG_BYTES:
            self.truncated = True
            self.logs.append({"level": "warning", "message": "[log output truncated]"})
            return
        self.log_bytes += size
        self.logs.append({"level": level, "message": message})

    def emit(self, name: str, data: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError("ctx.emit(event, data): event must be a non-empty string")
        try:
            encoded = json.dumps(data, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"ctx.emit data must be JSON-serialisable: {exc}") from None
        size = len(encoded) + len(name)
        if len(self.events) >= MAX_EVENTS or self.event_bytes + size > MAX_EVENT_BYTES:
            raise OutputLimit(
                f"event cap reached ({MAX_EVENTS} events or {MAX_EVENT_BYTES} bytes per run)"
            )
        self.event_bytes += size
        self.events.append({"name": name, "data": json.loads(encoded)})
