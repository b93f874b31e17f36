"""Identifiers and clocks: time-ordered UUIDs (version 7 layout) and aware UTC timestamps."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    """A UUIDv7 string: sorts by creation time, so keyset pagination by id follows insertion."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")  # 80 random bits; 74 are used
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF  # rand_b
    return str(uuid.UUID(int=value))


def utcnow() -> datetime:
    return datetime.now(UTC)
